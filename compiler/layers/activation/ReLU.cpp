// The activation layers with parameters: ReLU, LeakyReLU, ELU, ThresholdedReLU.
// Each lowers to the elementwise activation kernel with its constants.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

void lowerActivation(LowerContext &cx, abi::Activation act, float alpha, float maxValue = -1, float threshold = 0) {
  const TensorType &t = cx.inputType();
  cx.callWithActivation("kiln_activation",
                        {cx.output(), cx.input(), cx.batchTimes(t.sampleSize()), cx.i64(t.dims.back())}, act,
                        alpha, maxValue, threshold);
}

bool requireNonNegative(DiagnosticEngine &diags, const Layer &layer, const char *name, const char *what) {
  const Value &v = layer.config.get(name);
  if (v.is(ValueKind::None) || v.number() >= 0) return true;
  diags.report(DiagID::err_argument_value, v.range, name, what, "must not be negative, got " + repr(v));
  return false;
}

class ReLUKind : public LayerKind {
public:
  ReLUKind()
      : LayerKind("ReLU",
                  {arg("max_value", ArgType::Float, Value::none()),
                   arg("negative_slope", ArgType::Float, Value::ofFloat(0.0)),
                   arg("threshold", ArgType::Float, Value::ofFloat(0.0))},
                  "rectified linear unit with optional cap, leak and threshold") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return requireNonNegative(diags, layer, "max_value", "ReLU") &&
           requireNonNegative(diags, layer, "negative_slope", "ReLU") &&
           requireNonNegative(diags, layer, "threshold", "ReLU");
  }

  // Plain forms fold into the layer before, like Activation('relu').
  std::optional<std::string> standaloneActivation(const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    if (c.real("negative_slope") != 0 || c.real("threshold") != 0) return std::nullopt;
    if (c.isNone("max_value")) return "relu";
    if (c.real("max_value") == 6) return "relu6";
    return std::nullopt;
  }

  bool isElementwiseActivation() const override { return true; }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    lowerActivation(cx, abi::kReluClipped, float(c.real("negative_slope")),
                    c.isNone("max_value") ? -1.0f : float(c.real("max_value")), float(c.real("threshold")));
  }
};

class LeakyReLUKind : public LayerKind {
public:
  // Keras 2 calls the slope `alpha` (default 0.3); Keras 3 `negative_slope`.
  LeakyReLUKind()
      : LayerKind("LeakyReLU",
                  {arg("alpha", ArgType::Float, Value::none()), arg("negative_slope", ArgType::Float, Value::none())},
                  "leaky rectifier: x if x >= 0 else alpha * x (alpha defaults to 0.3)") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    if (!layer.config.isNone("alpha") && !layer.config.isNone("negative_slope")) {
      diags.report(DiagID::err_duplicate_argument, layer.config.get("negative_slope").range, "LeakyReLU",
                   "alpha (Keras 3 calls it negative_slope)");
      return false;
    }
    return true;
  }

  bool isElementwiseActivation() const override { return true; }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    double slope = !c.isNone("alpha") ? c.real("alpha") : !c.isNone("negative_slope") ? c.real("negative_slope") : 0.3;
    lowerActivation(cx, abi::kLeakyRelu, float(slope));
  }
};

class ELUKind : public LayerKind {
public:
  ELUKind()
      : LayerKind("ELU", {arg("alpha", ArgType::Float, Value::ofFloat(1.0))},
                  "exponential linear unit: x if x > 0 else alpha * (exp(x) - 1)") {}

  bool isElementwiseActivation() const override { return true; }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }
  void lower(LowerContext &cx) const override { lowerActivation(cx, abi::kElu, float(cx.config().real("alpha"))); }
};

class ThresholdedReLUKind : public LayerKind {
public:
  ThresholdedReLUKind()
      : LayerKind("ThresholdedReLU", {arg("theta", ArgType::Float, Value::ofFloat(1.0))},
                  "x if x > theta else 0") {}

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return requireNonNegative(diags, layer, "theta", "ThresholdedReLU");
  }
  bool isElementwiseActivation() const override { return true; }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }
  void lower(LowerContext &cx) const override {
    lowerActivation(cx, abi::kReluClipped, 0.0f, -1.0f, float(cx.config().real("theta")));
  }
};

}  // namespace

KILN_REGISTER_LAYER(ReLUKind)
KILN_REGISTER_LAYER(LeakyReLUKind)
KILN_REGISTER_LAYER(ELUKind)
KILN_REGISTER_LAYER(ThresholdedReLUKind)

}  // namespace kiln
