// LayerNormalization: each sample normalized over the given axes, then
// scaled by gamma and shifted by beta (with an entry per element of those
// axes). Axes other than the last ones are moved last around it.
#include "codegen/LowerContext.h"
#include "layers/normalization/AffineArgs.h"
#include "layers/normalization/NormalizedAxes.h"

namespace kiln {
namespace {

class LayerNormalizationKind : public AxisNormalizationKind {
public:
  LayerNormalizationKind()
      : AxisNormalizationKind("LayerNormalization",
                              withAffineArgs({arg("axis", ArgType::AxisList, Value::ofInt(-1)),
                                              arg("epsilon", ArgType::Float, Value::ofFloat(0.001))}),
                              "normalizes each sample over the given axes") {}

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    std::optional<std::vector<int>> axes =
        checkedAxes(cx, "gamma and beta have an entry per element of the normalized axes");
    if (!axes) return;
    // Keras reshapes gamma and beta to the input's rank, keeping the axes
    // in order (as the transposes do).
    std::vector<int64_t> shape;
    for (int a : *axes) shape.push_back(in.dims[a].value());
    if (cx.config().flag("scale")) cx.weights.push_back({"gamma", shape, "gamma_initializer", true});
    if (cx.config().flag("center")) cx.weights.push_back({"beta", shape, "beta_initializer", true});
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();  // the normalized axes last
    size_t split = t.rank() - normalizedAxes(cx.config(), t.rank()).size();
    // Rows: the other axes, which may be open.
    Dim rows = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + split));
    int64_t cols = product(t.dims, split).value();
    llvm::Value *gamma = cx.config().flag("scale") ? cx.constant("gamma", cx.weight("gamma")) : cx.null();
    llvm::Value *beta = cx.config().flag("center") ? cx.constant("beta", cx.weight("beta")) : cx.null();
    cx.call("kiln_layer_norm", {cx.output(), cx.input(), gamma, beta, cx.batchTimes(rows),
                                cx.i64(cols), cx.f32(float(cx.config().real("epsilon")))});
  }
};

}  // namespace

KILN_REGISTER_LAYER(LayerNormalizationKind)

}  // namespace kiln
