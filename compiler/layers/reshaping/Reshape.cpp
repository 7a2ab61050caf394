// Reshape and Flatten: new shapes for the same bytes (C order), so they are
// views of their input and emit no code.
#include "layers/LayerKind.h"

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

  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireKnown()) return;
    std::vector<int64_t> target = cx.config().ints("target_shape");
    int64_t have = cx.input().sampleElements(), known = 1;
    for (int64_t d : target)
      if (d != -1) known *= d;
    std::string arithmetic = " (" + std::to_string(have) + " values per sample";
    for (int64_t &d : target) {
      if (d != -1) continue;
      if (have % known != 0) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "cannot reshape " + shapeString(cx.input()) + " to " + shapeString(cx.config().ints("target_shape")) +
                     arithmetic + " do not divide into rows of " + std::to_string(known) + ")");
        return;
      }
      d = have / known;
      known = have;
    }
    if (known != have) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "cannot reshape " + shapeString(cx.input()) + " to " + shapeString(target) + arithmetic + ", but " +
                   std::to_string(known) + " in the target shape)");
      return;
    }
    TensorType out{cx.input().dtype, {cx.input().dims[0]}};
    out.dims.insert(out.dims.end(), target.begin(), target.end());
    cx.outputs = {out};
  }

  void lower(LowerContext &) const override {}
};

class FlattenKind : public LayerKind {
public:
  FlattenKind()
      : LayerKind("Flatten", {choice("data_format", {"channels_last", "channels_first"}, "channels_last")},
                  "flattens each sample to one axis") {}

  bool isIdentityAtInference(const Layer &) const override { return true; }
  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (cx.config().str("data_format") == "channels_first" && cx.input().rank() > 2) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(), "data_format='channels_first'");
      return;
    }
    const TensorType &in = cx.input();
    cx.outputs = {TensorType{in.dtype, {in.dims[0], in.sampleSize()}}};
  }

  void lower(LowerContext &) const override {}
};

}  // namespace

KILN_REGISTER_LAYER(ReshapeKind)
KILN_REGISTER_LAYER(FlattenKind)

}  // namespace kiln
