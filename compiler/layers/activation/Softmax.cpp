// Softmax over any axis, or jointly over adjacent axes (axis=(1, 2)); the
// softmax activation covers only the last one.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"
#include "layers/normalization/NormalizedAxes.h"

namespace kiln {
namespace {

class SoftmaxKind : public LayerKind {
public:
  SoftmaxKind()
      : LayerKind("Softmax", {arg("axis", ArgType::AxisList, Value::ofInt(-1))},
                  "softmax over an axis or adjacent axes") {}

  // The axes (normalizedAxes); empty unless they are adjacent.
  static std::vector<int> axes(const LayerConfig &c, int rank) {
    std::vector<int> axes = normalizedAxes(c, rank);
    bool adjacent = !axes.empty() && axes.back() - axes.front() + 1 == int(axes.size());
    return adjacent ? axes : std::vector<int>{};
  }

  std::optional<std::string> standaloneActivation(const Layer &layer) const override {
    if (layer.config.ints("axis") == std::vector<int64_t>{-1}) return "softmax";
    return std::nullopt;
  }

  bool supportsMasking() const override { return true; }
  bool callTakesMaskInKeras3() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    int rank = cx.input().rank();
    std::vector<int> ax = axes(cx.config(), rank);
    if (ax.empty()) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "axis=" + repr(cx.config().get("axis")) + " does not name a non-batch axis, or adjacent ones, of " +
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
                   (ax == std::vector<int>{rank - 1} ? "; Activation('softmax') ignores the mask" : ""));
      return;
    }
    cx.outputs = {cx.input()};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    std::vector<int> ax = axes(cx.config(), t.rank());
    Dim outer = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + ax.front()));
    Dim n = product(std::vector<Dim>(t.dims.begin() + ax.front(), t.dims.begin() + ax.back() + 1));
    cx.call("kiln_softmax_axis", {cx.output(), cx.input(), cx.batchTimes(outer), cx.dim(n),
                                  cx.dim(product(t.dims, ax.back() + 1)), cx.i32(0)});
  }
};

}  // namespace

KILN_REGISTER_LAYER(SoftmaxKind)

}  // namespace kiln
