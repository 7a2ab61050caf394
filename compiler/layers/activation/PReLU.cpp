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
  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireKnown()) return;
    const TensorType &in = cx.input();
    std::vector<int64_t> alpha(in.dims.begin() + 1, in.dims.end());
    if (!cx.config().isNone("shared_axes")) {
      for (int64_t axis : cx.config().ints("shared_axes")) {
        if (axis < 1 || axis >= in.rank()) {
          cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                   "shared axis " + std::to_string(axis) + " is not a non-batch axis of " + shapeString(in));
          return;
        }
        alpha[axis - 1] = 1;
      }
    }
    cx.outputs = {in};
    cx.weights.push_back({"alpha", alpha, "alpha_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    const WeightSpec &spec = cx.layer().weights[0];
    std::vector<int64_t> dims(in.dims.begin() + 1, in.dims.end()), xStrides(dims.size()), aStrides(dims.size());
    int64_t x = 1, a = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      xStrides[i] = x;
      aStrides[i] = spec.shape[i] == 1 ? 0 : a;
      x *= dims[i];
      a *= spec.shape[i];
    }
    llvm::Value *alpha = cx.constant("alpha", cx.weight("alpha"));
    cx.call("kiln_binary_broadcast",
            {cx.output(), cx.input(), alpha, cx.batch(), cx.i64(int64_t(dims.size())), cx.constantInts("dims", dims),
             cx.constantInts("x_strides", xStrides), cx.constantInts("alpha_strides", aStrides),
             cx.i64(in.sampleElements()), cx.i64(0), cx.i64(in.sampleElements()), cx.i32(abi::kPRelu)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(PReLUKind)

}  // namespace kiln
