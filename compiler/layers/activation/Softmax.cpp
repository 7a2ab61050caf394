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
    // Keras's Softmax adds a large negative number where the mask is 0,
    // broadcasting the mask against the input from the last axis. A mask
    // has an entry per step or position, one axis fewer than the input, so
    // its batch axis meets an axis of the input: tf.keras 2 fails or returns
    // another shape, Keras 3 fails.
    if (cx.inputHasMask()) {
      const TensorType &mask = cx.inputMaskType(0);
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "its input " + shapeString(cx.input()) + " carries the mask " + shapeString(mask) +
                   " (from Embedding(mask_zero=True) or Masking), which Keras broadcasts against the input from the "
                   "last axis: the mask's batch axis meets axis " + std::to_string(rank - mask.rank()) +
                   " of the input, where tf.keras 2 fails or returns another shape and Keras 3 fails" +
                   (axis == rank - 1 ? "; Activation('softmax') ignores the mask" : ""));
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
