// A mask given to a call (`GRU(8)(x, mask=tf.math.not_equal(ids, 0))`):
// the call's input as a view that carries that mask instead of its own
// (or, given None in tf.keras 2, none). Its inputs are the tensor and the
// mask, so the mask is computed before the layer that reads it; the graph
// passes remove it, as an inference identity.
#include "layers/core/Traced.h"

namespace kiln {
namespace {

class ExplicitMaskKind : public LayerKind {
public:
  ExplicitMaskKind() : LayerKind("ExplicitMask", {}, "the mask given to a layer's call as its mask= argument") {}

  InputArity inputArity() const override { return {1, 2, false}; }
  bool supportsOpenAxes() const override { return true; }
  bool isIdentityAtInference(const Layer &) const override { return true; }
  bool isCallArgument() const override { return true; }
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &) const override {
    return node.inputs.size() > 1 ? node.inputs[1] : nullptr;
  }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }
  void lower(LowerContext &) const override {}
};

}  // namespace

const LayerKind *explicitMaskKind() {
  static const ExplicitMaskKind kind;
  return &kind;
}

}  // namespace kiln
