// Reshape and Flatten: new shapes for the same bytes (C order), so they are
// views of their input and emit no code (Flatten(data_format='channels_first')
// after a transpose).
#include "layers/spatial/SpatialCommon.h"

namespace kiln {
namespace {

class ReshapeKind : public LayerKind {
public:
  ReshapeKind()
      : LayerKind("Reshape", {arg("target_shape", ArgType::Any)},
                  "gives each sample a new shape with the same number of values") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const Value &v = layer.config.get("target_shape");
    int unknown = 0;
    bool ok = v.isSequence();
    for (const Value &d : v.items) {
      ok &= d.is(ValueKind::Int) && (d.integer >= 1 || d.integer == -1);
      unknown += d.is(ValueKind::Int) && d.integer == -1;
    }
    if (!ok || unknown > 1) {
      diags.report(DiagID::err_argument_value, v.range, "target_shape", "Reshape",
                   "must be a tuple of positive sizes with at most one -1, got " + repr(v));
      return false;
    }
    return true;
  }

  bool isIdentityAtInference(const Layer &) const override { return true; }
  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  // Over open axes the -1 is the sample size over the other target sizes,
  // and a count that cannot be proven to fit is checked at run time.
  void inferShapes(ShapeContext &cx) const override {
    std::vector<int64_t> target = cx.config().ints("target_shape");
    Dim have = cx.input().sampleSize();
    int64_t known = 1;
    for (int64_t d : target)
      if (d != -1) known *= d;
    std::string shapes = "cannot reshape " + shapeString(cx.input()) + " to " + shapeString(target);
    std::string arithmetic = have.known() ? " (" + std::to_string(have.value()) + " values per sample" : "";
    std::vector<Dim> dims(target.begin(), target.end());
    Dim size = known;
    for (Dim &d : dims) {
      if (!(d == -1)) continue;
      if (have.known() && have.value() % known != 0) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 shapes + arithmetic + " do not divide into rows of " + std::to_string(known) + ")");
        return;
      }
      d = exactDiv(have, known);
      size = mul(d, known);
    }
    if (!cx.requireSameSize(size, have, "the values of a sample do not fill target_shape " + repr(cx.config().get("target_shape")))) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               shapes + arithmetic + ", but " + std::to_string(size.value()) + " in the target shape)");
      return;
    }
    TensorType out{cx.input().dtype, {cx.input().dims[0]}};
    out.dims.insert(out.dims.end(), dims.begin(), dims.end());
    cx.outputs = {out};
  }

  void lower(LowerContext &) const override {}
};

class FlattenKind : public LayerKind {
public:
  FlattenKind()
      : LayerKind("Flatten", {dataFormatArg()}, "flattens each sample to one axis") {}

  bool isIdentityAtInference(const Layer &) const override { return true; }
  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  // data_format='channels_first' flattens in channels_last order, as Keras
  // does: the generic transpose before it (see channelsFirst in LayerKind.h).
  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    cx.outputs = {TensorType{in.dtype, {in.dims[0], in.sampleSize()}}};
  }

  void lower(LowerContext &) const override {}
};

}  // namespace

KILN_REGISTER_LAYER(ReshapeKind)
KILN_REGISTER_LAYER(FlattenKind)

}  // namespace kiln
