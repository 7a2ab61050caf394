// LayerNormalization: each sample normalized over its trailing axes, then
// scaled by gamma and shifted by beta.
#include "codegen/LowerContext.h"
#include "layers/normalization/AffineArgs.h"

#include <algorithm>

namespace kiln {
namespace {

class LayerNormalizationKind : public LayerKind {
public:
  LayerNormalizationKind()
      : LayerKind("LayerNormalization",
                  withAffineArgs({arg("axis", ArgType::AxisList, Value::ofInt(-1)),
                                  arg("epsilon", ArgType::Float, Value::ofFloat(0.001))}),
                  "normalizes each sample over the given trailing axes") {}

  // The normalized axes, non-negative and sorted.
  static std::vector<int64_t> axes(const LayerConfig &c, int rank) {
    std::vector<int64_t> axes = c.ints("axis");
    for (int64_t &a : axes)
      if (a < 0) a += rank;
    std::sort(axes.begin(), axes.end());
    return axes;
  }

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    std::vector<int64_t> ax = axes(cx.config(), in.rank());
    // The kernel normalizes contiguous rows: the axes must be the last ones.
    bool trailing = !ax.empty() && ax.back() == in.rank() - 1;
    for (size_t i = 0; trailing && i < ax.size(); ++i) trailing = ax[i] == in.rank() - int64_t(ax.size() - i) && ax[i] > 0;
    if (!trailing) {
      cx.error(DiagID::err_unsupported_argument_value, cx.layer().describe(),
               "normalizing axes " + shapeString(cx.config().ints("axis")) + " of " + shapeString(in) +
                   " (only the last axes, not the batch axis)");
      return;
    }
    std::vector<int64_t> shape;
    for (int64_t a : ax) {
      if (!cx.requireConstant(0, int(a), "gamma and beta have an entry per element of the normalized axes")) return;
      shape.push_back(in.dims[a]);
    }
    if (cx.config().flag("scale")) cx.weights.push_back({"gamma", shape, "gamma_initializer", true});
    if (cx.config().flag("center")) cx.weights.push_back({"beta", shape, "beta_initializer", true});
    cx.outputs = {in};
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    std::vector<int64_t> ax = axes(cx.config(), t.rank());
    int64_t cols = 1;
    for (int64_t a : ax) cols *= t.dims[a].value();
    // Rows: the leading axes, which may be open.
    Dim rows = product(std::vector<Dim>(t.dims.begin() + 1, t.dims.begin() + ax.front()));
    llvm::Value *gamma = cx.config().flag("scale") ? cx.constant("gamma", cx.weight("gamma")) : cx.null();
    llvm::Value *beta = cx.config().flag("center") ? cx.constant("beta", cx.weight("beta")) : cx.null();
    cx.call("kiln_layer_norm", {cx.output(), cx.input(), gamma, beta, cx.batchTimes(rows),
                                cx.i64(cols), cx.f32(float(cx.config().real("epsilon")))});
  }
};

}  // namespace

KILN_REGISTER_LAYER(LayerNormalizationKind)

}  // namespace kiln
