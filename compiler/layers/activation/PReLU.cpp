// PReLU: a leaky rectifier whose slopes are learned, one per input element
// (shared along `shared_axes`).
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class PReLUKind : public LayerKind {
public:
  PReLUKind()
      : LayerKind("PReLU",
                  {arg("alpha_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                   arg("alpha_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("alpha_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("shared_axes", ArgType::AxisList, Value::none())},
                  "x if x >= 0 else alpha * x, with learned alpha") {}

  bool supportsMasking() const override { return true; }
  // An open axis must be shared: alpha has an entry per element of the others.
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    std::vector<int64_t> alpha(in.rank() - 1, 1);
    std::vector<bool> shared(in.rank(), false);
    if (!cx.config().isNone("shared_axes")) {
      for (int64_t axis : cx.config().ints("shared_axes")) {
        if (axis < 1 || axis >= in.rank()) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                   "shared axis " + std::to_string(axis) + " is not a non-batch axis of " + shapeString(in));
          return;
        }
        shared[axis] = true;
      }
    }
    for (int axis = 1; axis < in.rank(); ++axis) {
      if (shared[axis]) continue;
      if (!cx.requireConstant(0, axis, "alpha has an entry per element of every axis not in shared_axes")) return;
      alpha[axis - 1] = in.dims[axis].value();
    }
    cx.outputs = {in};
    cx.weights.push_back({"alpha", alpha, "alpha_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    cx.binaryWithConstant(cx.output(), cx.input(), cx.inputType(), cx.weightShape("alpha"),
                          cx.constant("alpha", cx.weight("alpha")), abi::kPRelu);
  }
};

}  // namespace

KILN_REGISTER_LAYER(PReLUKind)

}  // namespace kiln
