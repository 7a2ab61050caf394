// tf.one_hot / keras.ops.one_hot on a model's tensor of token ids: a new
// last axis of `depth` holding on_value where the id equals the position
// and off_value elsewhere (ids outside [0, depth) give a row of off_value,
// as in TensorFlow). Over any axes, open ones included.
#include "layers/core/Traced.h"
#include "codegen/LowerContext.h"

namespace kiln {
namespace {

class OneHotKind : public LayerKind {
public:
  OneHotKind()
      : LayerKind("TFOpLambda",
                  {arg("depth", ArgType::PositiveInt), arg("on_value", ArgType::Float), arg("off_value", ArgType::Float)},
                  "one_hot: token ids as rows of on_value at the id and off_value elsewhere") {}

  bool supportsOpenAxes() const override { return true; }
  bool acceptsIntegerInput() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    TensorType out{DType::Float32, cx.input().dims};
    out.dims.push_back(Dim(cx.config().integer("depth")));
    cx.outputs = {out};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType();
    const LayerConfig &c = cx.config();
    cx.call("kiln_one_hot", {cx.output(), cx.input(), cx.batchTimes(in.sampleSize()), cx.i64(c.integer("depth")),
                             cx.i32(in.dtype == DType::Int32), cx.f32(float(c.real("on_value"))),
                             cx.f32(float(c.real("off_value")))});
  }
};

}  // namespace

const LayerKind *oneHotKind() {
  static const OneHotKind kind;
  return &kind;
}

}  // namespace kiln
