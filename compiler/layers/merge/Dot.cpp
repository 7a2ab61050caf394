// Dot: the batch dot product of two tensors over one axis of each, as
// Keras's Dot layer (backend.batch_dot), optionally of L2-normalized inputs.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class DotKind : public LayerKind {
public:
  DotKind()
      : LayerKind("Dot", {arg("axes", ArgType::AxisList), arg("normalize", ArgType::Bool, Value::ofBool(false))},
                  "dot product of two tensors over an axis of each") {}

  InputArity inputArity() const override { return {2, 2, true}; }

  // The contracted axis of each input, made non-negative.
  static std::pair<int64_t, int64_t> axes(const LayerConfig &config, int rank0, int rank1) {
    std::vector<int64_t> a = config.ints("axes");
    int64_t a0 = a[0], a1 = a.size() > 1 ? a[1] : a[0];
    if (a0 < 0) a0 = ((a0 % rank0) + rank0) % rank0;
    if (a1 < 0) a1 = ((a1 % rank1) + rank1) % rank1;
    return {a0, a1};
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const Value &v = layer.config.get("axes");
    if (v.isSequence() && v.items.size() != 2) {
      diags.report(DiagID::err_argument_value, v.range, "axes", "Dot", "must be an axis or a pair of axes");
      return false;
    }
    return true;
  }

  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireRank(0, 2, true) || !cx.requireRank(1, 2, true)) return;
    const TensorType &x = cx.input(0), &y = cx.input(1);
    auto [a0, a1] = axes(cx.config(), x.rank(), y.rank());
    if (a0 == 0 || a1 == 0 || a0 >= x.rank() || a1 >= y.rank()) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axes must name a non-batch axis of each input " + shapeString(x) + " and " + shapeString(y));
      return;
    }
    if (x.dims[a0] != y.dims[a1]) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "the contracted axes differ in size: axis " + std::to_string(a0) + " of " + shapeString(x) +
                   " has " + std::to_string(x.dims[a0]) + ", axis " + std::to_string(a1) + " of " + shapeString(y) +
                   " has " + std::to_string(y.dims[a1]));
      return;
    }
    TensorType out{DType::Float32, {x.dims[0]}};
    for (int a = 1; a < x.rank(); ++a)
      if (a != a0) out.dims.push_back(x.dims[a]);
    for (int a = 1; a < y.rank(); ++a)
      if (a != a1) out.dims.push_back(y.dims[a]);
    if (out.dims.size() == 1) out.dims.push_back(1);
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &x = cx.inputType(0), &y = cx.inputType(1);
    auto [a0, a1] = axes(cx.config(), x.rank(), y.rank());
    auto split = [](const TensorType &t, int64_t axis, int64_t &before, int64_t &after) {
      before = after = 1;
      for (int a = 1; a < axis; ++a) before *= t.dims[a];
      for (int a = int(axis) + 1; a < t.rank(); ++a) after *= t.dims[a];
    };
    int64_t p, q, r, s;
    split(x, a0, p, q);
    split(y, a1, r, s);
    cx.call("kiln_dot", {cx.output(), cx.input(0), cx.input(1), cx.batch(), cx.i64(p), cx.i64(x.dims[a0]), cx.i64(q),
                         cx.i64(r), cx.i64(s), cx.i32(cx.config().flag("normalize"))});
  }
};

}  // namespace

KILN_REGISTER_LAYER(DotKind)

}  // namespace kiln
