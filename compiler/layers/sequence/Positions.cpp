// tf.range(tf.shape(x)[axis]) and keras.ops.arange(ops.shape(x)[axis]) where
// that axis of x is sized at run time: the positions 0 .. n - 1 that the
// positional embeddings of variable-length sequences look up. Keras's
// tensor has no batch axis; this one holds the positions for every sample,
// which the Embedding and the elementwise math after it read alike.
#include "layers/core/Traced.h"
#include "codegen/LowerContext.h"

namespace kiln {
namespace {

class PositionsKind : public LayerKind {
public:
  PositionsKind()
      : LayerKind("TFOpLambda", {arg("axis", ArgType::Int)}, "the positions 0 .. n - 1 along an axis sized at run time") {}

  bool supportsOpenAxes() const override { return true; }
  bool acceptsIntegerInput() const override { return true; }  // token ids give their length too

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    cx.outputs = {TensorType{DType::Int32, {in.dims[0], in.dims[size_t(cx.config().integer("axis"))]}}};
  }

  void lower(LowerContext &cx) const override {
    cx.call("kiln_positions", {cx.output(), cx.batch(), cx.i64(cx.outputType().dims[1])});
  }
};

}  // namespace

const LayerKind *positionsKind() {
  static const PositionsKind kind;
  return &kind;
}

}  // namespace kiln
