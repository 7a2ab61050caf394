// Activation: applies a named activation function elementwise (softmax and
// log_softmax over the last axis). Folded into a preceding Dense/Conv.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class ActivationKind : public LayerKind {
public:
  ActivationKind()
      : LayerKind("Activation", {arg("activation", ArgType::Activation)},
                  "applies an activation function") {}

  std::optional<std::string> standaloneActivation(const Layer &layer) const override {
    if (!layer.config.get("activation").is(ValueKind::Str)) return std::nullopt;  // a layer object
    return layer.config.str("activation");
  }
  bool activationOnOutput() const override { return true; }

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    abi::Activation act = cx.activation();
    cx.callWithActivation("kiln_activation",
                          {cx.output(), cx.input(), cx.batchTimes(t.sampleSize()), cx.i64(t.dims.back())}, act,
                          activationAlpha(act));
  }
};

}  // namespace

KILN_REGISTER_LAYER(ActivationKind)

}  // namespace kiln
