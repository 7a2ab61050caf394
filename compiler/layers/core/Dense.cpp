// Dense: output = activation(dot(input, kernel) + bias), over the last axis.
#include "layers/LayerKind.h"
#include "layers/core/DenseRows.h"

namespace kiln {
namespace {

class DenseKind : public LayerKind {
public:
  DenseKind()
      : LayerKind("Dense",
                  withKernelArgs({arg("units", ArgType::PositiveInt),
                   arg("activation", ArgType::Activation, Value::none()),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true))}),
                  "densely connected layer applied to the last axis") {}

  std::vector<LegacyArg> legacyArgs() const override {
    return {{"output_dim", "units"},          {"init", "kernel_initializer"},
            {"W_regularizer", "kernel_regularizer"}, {"b_regularizer", "bias_regularizer"},
            {"W_constraint", "kernel_constraint"},   {"b_constraint", "bias_constraint"},
            {"bias", "use_bias"}};
  }

  bool hasFusibleActivation() const override { return true; }
  bool acceptsChannelAffine() const override { return true; }

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireRank(0, 2, true) ||
        !cx.requireConstant(0, -1, "Dense needs its input's last axis at build time: its kernel has a row per feature"))
      return;
    int64_t units = cx.config().integer("units");
    TensorType out = cx.input();
    int64_t features = out.dims.back();
    out.dims.back() = units;
    cx.outputs = {out};
    cx.weights.push_back({"kernel", {features, units}, "kernel_initializer", true});
    if (cx.config().flag("use_bias")) cx.weights.push_back({"bias", {units}, "bias_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    int64_t k = cx.inputType().dims.back();
    int64_t n = cx.outputType().dims.back();
    auto [kernelValues, biasValues] = cx.kernelAndBias("kernel", "bias", cx.config().flag("use_bias"), n);
    // Leading axes fold into rows: (batch, t, k) is (batch * t) rows of k.
    Dim rowsPerSample = product(std::vector<Dim>(cx.inputType().dims.begin() + 1, cx.inputType().dims.end() - 1));
    lowerDenseRows(cx, kernelValues, biasValues, rowsPerSample, k, n);
  }
};

}  // namespace

KILN_REGISTER_LAYER(DenseKind)

}  // namespace kiln
