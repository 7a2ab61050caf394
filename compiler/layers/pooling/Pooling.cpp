// MaxPooling1D/2D/3D and AveragePooling1D/2D/3D, as tf.keras 2 (computed
// channels_last; see channelsFirst in LayerKind.h).
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

class PoolingKind : public LayerKind {
public:
  PoolingKind(std::string className, int spatialRank, bool max)
      : LayerKind(std::move(className),
                  {arg("pool_size", ArgType::IntTuple, twos(spatialRank), spatialRank),
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
    return checkTupleAtLeast(diags, layer, "strides", 1) && ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, spatialRank_)) return;
    TensorType out = cx.input();
    std::vector<WindowAxis> axes = poolAxes(cx.config(), out, out);
    bool same = cx.config().str("padding") == "same";
    for (int i = 0; i < spatialRank_; ++i) {
      const WindowAxis &a = axes[i];
      Dim size = same ? ceilDiv(a.in, a.stride) : add(floorDiv(sub(a.in, a.window), a.stride), 1);
      if (size.known() && size.value() < 1) {
        // Only 'valid' can empty an axis: the pool does not fit in the input.
        std::string arithmetic =
            fmt::format("({} - {}) // {} + 1 = {}", a.in.value(), a.window.value(), a.stride, size.value());
        std::string why = fmt::format("the pool ({}) is larger than the input {} ({}); use padding='same' or a smaller "
                                      "pool_size",
                                      a.window.value(), spatialAxisName(spatialRank_, i), a.in.value());
        cx.error(DiagID::err_spatial_empty, cx.layer().describe(), spatialAxisName(spatialRank_, i), arithmetic, why);
        return;
      }
      out.dims[1 + i] = size;
    }
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    std::vector<WindowAxis> axes = poolAxes(cx.config(), cx.inputType(), cx.outputType());
    if (cx.config().str("padding") == "same") {
      for (WindowAxis &a : axes) {
        Dim total = sub(add(mul(sub(a.out, 1), a.stride), a.window), a.in);
        a.padBefore = floorDiv(max(total, 0), 2);
      }
    }
    cx.call(max_ ? "kiln_max_pool" : "kiln_avg_pool",
            {cx.output(), cx.input(), cx.batch(), emitWindowGeometry(cx, axes, cx.inputType().dims.back())});
  }

private:
  static Value twos(int spatialRank) {
    if (spatialRank == 1) return Value::ofInt(2);
    return Value::ofTuple(std::vector<Value>(spatialRank, Value::ofInt(2)));
  }

  std::vector<WindowAxis> poolAxes(const LayerConfig &config, const TensorType &in, const TensorType &out) const {
    std::vector<int64_t> pool = config.ints("pool_size");
    std::vector<int64_t> strides = config.isNone("strides") ? pool : config.ints("strides");
    std::vector<WindowAxis> axes = windowAxes(in, out);
    for (int i = 0; i < spatialRank_; ++i) {
      axes[i].window = pool[i];
      axes[i].stride = strides[i];
    }
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
class MaxPooling3DKind : public PoolingKind {
public:
  MaxPooling3DKind() : PoolingKind("MaxPooling3D", 3, true) {}
};
class AveragePooling1DKind : public PoolingKind {
public:
  AveragePooling1DKind() : PoolingKind("AveragePooling1D", 1, false) {}
};
class AveragePooling2DKind : public PoolingKind {
public:
  AveragePooling2DKind() : PoolingKind("AveragePooling2D", 2, false) {}
};
class AveragePooling3DKind : public PoolingKind {
public:
  AveragePooling3DKind() : PoolingKind("AveragePooling3D", 3, false) {}
};

// GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D: one pool over all
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

  bool supportsMasking() const override { return spatialRank_ == 1 && !max_; }
  bool readsMask() const override { return supportsMasking(); }
  bool callTakesMaskInKeras3() const override { return supportsMasking(); }
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
    const TensorType &in = cx.inputType();
    if (supportsMasking() && cx.hasInputMask()) {  // other layers ignore the mask, as in tf.keras 2
      cx.call("kiln_masked_mean_steps",
              {cx.output(), cx.input(), cx.inputMask(), cx.batch(), cx.i64(in.dims[1]), cx.i64(in.dims.back())});
      return;
    }
    // One window over the whole input.
    std::vector<WindowAxis> axes;
    for (int i = 0; i < spatialRank_; ++i) axes.push_back({in.dims[1 + i], 1, in.dims[1 + i]});
    // A reduction: it takes NaN differently from MaxPool (see kernels/Pool.cpp).
    cx.call(max_ ? "kiln_global_max_pool" : "kiln_avg_pool",
            {cx.output(), cx.input(), cx.batch(), emitWindowGeometry(cx, axes, in.dims.back())});
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
class GlobalMaxPooling3DKind : public GlobalPoolingKind {
public:
  GlobalMaxPooling3DKind() : GlobalPoolingKind("GlobalMaxPooling3D", 3, true) {}
};
class GlobalAveragePooling1DKind : public GlobalPoolingKind {
public:
  GlobalAveragePooling1DKind() : GlobalPoolingKind("GlobalAveragePooling1D", 1, false) {}
};
class GlobalAveragePooling2DKind : public GlobalPoolingKind {
public:
  GlobalAveragePooling2DKind() : GlobalPoolingKind("GlobalAveragePooling2D", 2, false) {}
};
class GlobalAveragePooling3DKind : public GlobalPoolingKind {
public:
  GlobalAveragePooling3DKind() : GlobalPoolingKind("GlobalAveragePooling3D", 3, false) {}
};

}  // namespace

KILN_REGISTER_LAYER(MaxPooling1DKind, "MaxPool1D")
KILN_REGISTER_LAYER(MaxPooling2DKind, "MaxPool2D")
KILN_REGISTER_LAYER(AveragePooling1DKind, "AvgPool1D")
KILN_REGISTER_LAYER(AveragePooling2DKind, "AvgPool2D")
KILN_REGISTER_LAYER(MaxPooling3DKind, "MaxPool3D")
KILN_REGISTER_LAYER(AveragePooling3DKind, "AvgPool3D")
KILN_REGISTER_LAYER(GlobalMaxPooling1DKind, "GlobalMaxPool1D")
KILN_REGISTER_LAYER(GlobalMaxPooling2DKind, "GlobalMaxPool2D")
KILN_REGISTER_LAYER(GlobalAveragePooling1DKind, "GlobalAvgPool1D")
KILN_REGISTER_LAYER(GlobalAveragePooling2DKind, "GlobalAvgPool2D")
KILN_REGISTER_LAYER(GlobalMaxPooling3DKind, "GlobalMaxPool3D")
KILN_REGISTER_LAYER(GlobalAveragePooling3DKind, "GlobalAvgPool3D")

}  // namespace kiln
