// Softmax over any axis (the softmax activation covers only the last one).
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class SoftmaxKind : public LayerKind {
public:
  SoftmaxKind() : LayerKind("Softmax", {arg("axis", ArgType::Axis, Value::ofInt(-1))}, "softmax over an axis") {}

  std::optional<std::string> standaloneActivation(const Layer &layer) const override {
    if (layer.config.integer("axis") == -1) return "softmax";
    return std::nullopt;
  }

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    int64_t axis = cx.config().integer("axis"), rank = cx.input().rank();
    if (axis < 0) axis += rank;
    if (axis <= 0 || axis >= rank) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axis " + std::to_string(cx.config().integer("axis")) + " is not a non-batch axis of " +
                   shapeString(cx.input()));
      return;
    }
    cx.outputs = {cx.input()};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    int64_t axis = cx.config().integer("axis");
    if (axis < 0) axis += t.rank();
    Dim outer = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + axis)), inner = product(t.dims, axis + 1);
    cx.call("kiln_softmax_axis",
            {cx.output(), cx.input(), cx.batchTimes(outer), cx.i64(t.dims[axis]), cx.i64(inner), cx.i32(0)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(SoftmaxKind)

}  // namespace kiln
