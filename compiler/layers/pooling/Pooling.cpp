// MaxPooling1D/2D and AveragePooling1D/2D, channels_last, as tf.keras 2.
//
// Output size per spatial axis of size n, pool p, stride s (strides=None
// means s = p):
//   'valid': (n - p) // s + 1
//   'same':  ceil(n / s), with (out - 1) * s + p - n padding split as TF
//            does: half (rounded down) before, the rest after.
// Padding never takes part in the result: max pooling ignores it, and
// average pooling divides by the number of input elements in the window
// (as TF's AvgPool does), not by the pool size.
#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

#include <fmt/format.h>

namespace kiln {
namespace {

// One spatial axis of a pooling window, as the kernels take it; the sizes
// may be open axes.
struct PoolAxis {
  Dim size, pool;  // a global pool's window is the whole axis
  int64_t stride;
  Dim padBefore;
};

class PoolingKind : public LayerKind {
public:
  PoolingKind(std::string className, int spatialRank, bool max)
      : LayerKind(std::move(className),
                  {arg("pool_size", ArgType::IntTuple, spatialRank == 1 ? Value::ofInt(2) : pair(2), spatialRank),
                   arg("strides", ArgType::IntTuple, Value::none(), spatialRank),
                   choice("padding", {"valid", "same"}, "valid"),
                   dataFormatArg(spatialRank == 1 ? "channels_last" : nullptr)},
                  max ? "maximum over each pooling window, per channel"
                      : "mean over each pooling window, per channel (padding excluded)"),
        spatialRank_(spatialRank), max_(max) {}

  std::vector<LegacyArg> legacyArgs() const override {
    if (spatialRank_ == 1) return {{"pool_length", "pool_size"}, {"stride", "strides"}, {"border_mode", "padding"}};
    return {{"border_mode", "padding"}};
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = checkTupleAtLeast(diags, layer, "pool_size", 1);
    ok &= checkTupleAtLeast(diags, layer, "strides", 1);
    return checkChannelsLast(diags, layer) && ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, spatialRank_)) return;
    TensorType out = cx.input();
    std::vector<PoolAxis> axes = poolAxes(cx.config(), out);
    bool same = cx.config().str("padding") == "same";
    for (int i = 0; i < spatialRank_; ++i) {
      const PoolAxis &a = axes[i];
      Dim size = same ? ceilDiv(a.size, a.stride) : add(floorDiv(sub(a.size, a.pool), a.stride), 1);
      if (size.known() && size.value() < 1) {
        // Only 'valid' can empty an axis: the pool does not fit in the input.
        std::string arithmetic = fmt::format("({} - {}) // {} + 1 = {}", a.size.value(), a.pool.value(), a.stride, size.value());
        std::string why = fmt::format("the pool ({}) is larger than the input {} ({}); use padding='same' or a smaller "
                                      "pool_size",
                                      a.pool.value(), spatialAxisName(spatialRank_, i), a.size.value());
        cx.error(DiagID::err_spatial_empty, cx.layer().describe(), spatialAxisName(spatialRank_, i), arithmetic, why);
        return;
      }
      out.dims[1 + i] = size;
    }
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    std::vector<PoolAxis> axes = poolAxes(cx.config(), cx.inputType());
    Image out = asImage(cx.outputType());
    if (cx.config().str("padding") == "same") {
      for (int i = 0; i < spatialRank_; ++i) {
        PoolAxis &a = axes[i];
        Dim total = sub(add(mul(sub(cx.outputType().dims[1 + i], 1), a.stride), a.pool), a.size);
        a.padBefore = floorDiv(max(total, 0), 2);
      }
    }
    if (spatialRank_ == 1) axes.insert(axes.begin(), PoolAxis{1, 1, 1, 0});  // an image of height 1
    emitPool(cx, max_, axes[0], axes[1], out.height, out.width, asImage(cx.inputType()).channels);
  }

  // Shared with the global average pooling layers: a pool over the whole image.
  static void emitPool(LowerContext &cx, bool max, const PoolAxis &rows, const PoolAxis &cols, const Dim &outHeight,
                       const Dim &outWidth, const Dim &channels) {
    cx.call(max ? "kiln_max_pool" : "kiln_avg_pool",
            {cx.output(), cx.input(), cx.batch(), cx.i64(rows.size), cx.i64(cols.size), cx.i64(channels),
             cx.i64(outHeight), cx.i64(outWidth), cx.i64(rows.pool), cx.i64(cols.pool), cx.i64(rows.stride),
             cx.i64(cols.stride), cx.i64(rows.padBefore), cx.i64(cols.padBefore)});
  }

private:
  static Value pair(int64_t v) { return Value::ofTuple({Value::ofInt(v), Value::ofInt(v)}); }

  std::vector<PoolAxis> poolAxes(const LayerConfig &config, const TensorType &in) const {
    std::vector<int64_t> pool = config.ints("pool_size");
    std::vector<int64_t> strides = config.isNone("strides") ? pool : config.ints("strides");
    std::vector<PoolAxis> axes;
    for (int i = 0; i < spatialRank_; ++i) axes.push_back({in.dims[1 + i], pool[i], strides[i], 0});
    return axes;
  }

  int spatialRank_;
  bool max_;
};

class MaxPooling1DKind : public PoolingKind {
public:
  MaxPooling1DKind() : PoolingKind("MaxPooling1D", 1, true) {}
};
class MaxPooling2DKind : public PoolingKind {
public:
  MaxPooling2DKind() : PoolingKind("MaxPooling2D", 2, true) {}
};
class AveragePooling1DKind : public PoolingKind {
public:
  AveragePooling1DKind() : PoolingKind("AveragePooling1D", 1, false) {}
};
class AveragePooling2DKind : public PoolingKind {
public:
  AveragePooling2DKind() : PoolingKind("AveragePooling2D", 2, false) {}
};

// GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D: one pool over all
// spatial positions, i.e. a pooling window the size of the input.
// GlobalAveragePooling1D takes a mask as Keras does: the mean over the real
// steps, sum(x * mask) / sum(mask), with no mask on its output.
class GlobalPoolingKind : public LayerKind {
public:
  GlobalPoolingKind(std::string className, int spatialRank, bool max)
      : LayerKind(std::move(className),
                  {dataFormatArg(spatialRank == 1 ? "channels_last" : nullptr),
                   arg("keepdims", ArgType::Bool, Value::ofBool(false))},
                  max                ? "maximum over all spatial positions, per channel"
                  : spatialRank == 1 ? "mean over all steps, per channel; with a mask, over the unmasked steps"
                                     : "mean over all spatial positions, per channel"),
        spatialRank_(spatialRank), max_(max) {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return checkChannelsLast(diags, layer);
  }

  bool supportsMasking() const override { return spatialRank_ == 1 && !max_; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, spatialRank_)) return;
    cx.dropMask(0);
    const TensorType &in = cx.input();
    TensorType out{in.dtype, {in.dims[0]}};
    if (cx.config().flag("keepdims")) out.dims.insert(out.dims.end(), spatialRank_, 1);
    out.dims.push_back(in.dims.back());
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    Image in = asImage(cx.inputType());
    if (supportsMasking() && cx.hasInputMask()) {  // other layers ignore the mask, as in tf.keras 2
      cx.call("kiln_masked_mean_steps", {cx.output(), cx.input(), cx.inputMask(), cx.batch(), cx.i64(in.width),
                                         cx.i64(in.channels)});
      return;
    }
    if (max_)  // a reduction: it takes NaN differently from MaxPool (see kernels/Pool.cpp)
      cx.call("kiln_global_max_pool",
              {cx.output(), cx.input(), cx.batch(), cx.i64(in.height), cx.i64(in.width), cx.i64(in.channels)});
    else
      PoolingKind::emitPool(cx, false, {in.height, in.height, 1, 0}, {in.width, in.width, 1, 0}, 1, 1, in.channels);
  }

private:
  int spatialRank_;
  bool max_;
};

class GlobalMaxPooling1DKind : public GlobalPoolingKind {
public:
  GlobalMaxPooling1DKind() : GlobalPoolingKind("GlobalMaxPooling1D", 1, true) {}
};
class GlobalMaxPooling2DKind : public GlobalPoolingKind {
public:
  GlobalMaxPooling2DKind() : GlobalPoolingKind("GlobalMaxPooling2D", 2, true) {}
};
class GlobalAveragePooling1DKind : public GlobalPoolingKind {
public:
  GlobalAveragePooling1DKind() : GlobalPoolingKind("GlobalAveragePooling1D", 1, false) {}
};
class GlobalAveragePooling2DKind : public GlobalPoolingKind {
public:
  GlobalAveragePooling2DKind() : GlobalPoolingKind("GlobalAveragePooling2D", 2, false) {}
};

}  // namespace

KILN_REGISTER_LAYER(MaxPooling1DKind, "MaxPool1D")
KILN_REGISTER_LAYER(MaxPooling2DKind, "MaxPool2D")
KILN_REGISTER_LAYER(AveragePooling1DKind, "AvgPool1D")
KILN_REGISTER_LAYER(AveragePooling2DKind, "AvgPool2D")
KILN_REGISTER_LAYER(GlobalMaxPooling1DKind, "GlobalMaxPool1D")
KILN_REGISTER_LAYER(GlobalMaxPooling2DKind, "GlobalMaxPool2D")
KILN_REGISTER_LAYER(GlobalAveragePooling1DKind, "GlobalAvgPool1D")
KILN_REGISTER_LAYER(GlobalAveragePooling2DKind, "GlobalAvgPool2D")

}  // namespace kiln
