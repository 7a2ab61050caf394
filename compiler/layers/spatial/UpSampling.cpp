// UpSampling1D/2D/3D: repeat each step (1D) or volume element (3D), or
// resize each image by integer factors (2D), channels_last.
#include "codegen/LowerContext.h"
#include "layers/spatial/SpatialCommon.h"

namespace kiln {
namespace {

// Nearest-neighbour upsampling by integer factors, one per spatial axis.
std::vector<int64_t> factors(const LayerConfig &config) { return config.ints("size"); }

TensorType upsampledType(const TensorType &in, const std::vector<int64_t> &size) {
  TensorType out = in;
  for (size_t i = 0; i < size.size(); ++i) out.dims[1 + i] = mul(out.dims[1 + i], size[i]);
  return out;
}

void lowerNearest(LowerContext &cx) {
  std::vector<int64_t> size = factors(cx.config());
  std::vector<WindowAxis> axes = windowAxes(cx.inputType(), cx.outputType());
  for (size_t i = 0; i < size.size(); ++i) axes[i].window = size[i];
  cx.call("kiln_upsample_nearest",
          {cx.output(), cx.input(), cx.batch(), emitWindowGeometry(cx, axes, cx.inputType().dims.back())});
}

class UpSampling1DKind : public LayerKind {
public:
  UpSampling1DKind()
      : LayerKind("UpSampling1D", {arg("size", ArgType::PositiveInt, Value::ofInt(2))},
                  "repeats each step `size` times along the steps axis") {}

  std::vector<LegacyArg> legacyArgs() const override { return {{"length", "size"}}; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, 1)) return;
    cx.outputs = {upsampledType(cx.input(), factors(cx.config()))};
  }

  void lower(LowerContext &cx) const override { lowerNearest(cx); }
};

class UpSampling3DKind : public LayerKind {
public:
  UpSampling3DKind()
      : LayerKind("UpSampling3D",
                  {arg("size", ArgType::IntTuple, Value::ofTuple({Value::ofInt(2), Value::ofInt(2), Value::ofInt(2)}),
                       3),
                   dataFormatArg()},
                  "repeats each element of a volume by integer factors along depth, height and width") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = checkTupleAtLeast(diags, layer, "size", 1);
    return ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, 3)) return;
    cx.outputs = {upsampledType(cx.input(), factors(cx.config()))};
  }

  void lower(LowerContext &cx) const override { lowerNearest(cx); }
};

class UpSampling2DKind : public LayerKind {
public:
  UpSampling2DKind()
      : LayerKind("UpSampling2D",
                  {arg("size", ArgType::IntTuple, Value::ofTuple({Value::ofInt(2), Value::ofInt(2)}), 2),
                   dataFormatArg(),
                   choice("interpolation",
                          {"nearest", "bilinear", "area", "bicubic", "gaussian", "lanczos3", "lanczos5",
                           "mitchellcubic"},
                          "nearest")},
                  "resizes each image by integer factors: 'nearest' repeats pixels, 'bilinear' interpolates as "
                  "tf.image.resize (half-pixel centres)") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    bool ok = checkTupleAtLeast(diags, layer, "size", 1);
    const Value &interpolation = layer.config.get("interpolation");
    if (interpolation.text != "nearest" && interpolation.text != "bilinear") {
      diags.report(DiagID::err_unsupported_argument_value, interpolation.range, layer.describe(),
                   "interpolation=" + repr(interpolation));
      ok = false;
    }
    return ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireSpatialInput(cx, 2)) return;
    cx.outputs = {upsampledType(cx.input(), factors(cx.config()))};
  }

  void lower(LowerContext &cx) const override {
    if (cx.config().str("interpolation") == "nearest") return lowerNearest(cx);
    // The kernel computes its source pixels from the sizes, open ones at run time.
    Image in = asImage(cx.inputType()), out = asImage(cx.outputType());
    cx.call("kiln_resize_bilinear",
            {cx.output(), cx.input(), cx.batch(), cx.dim(in.height), cx.dim(in.width), cx.dim(in.channels), cx.i64(0),
             cx.i64(0), cx.dim(in.height), cx.dim(in.width), cx.dim(out.height), cx.dim(out.width),
             cx.i64(abi::kResizeHalfPixel)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(UpSampling1DKind)
KILN_REGISTER_LAYER(UpSampling2DKind)
KILN_REGISTER_LAYER(UpSampling3DKind)

}  // namespace kiln
