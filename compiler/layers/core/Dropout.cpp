// Dropout and its relatives: identity at inference (Keras scales at training
// time), so the graph passes remove them.
#include "layers/LayerKind.h"

namespace kiln {
namespace {

class DropoutKind : public LayerKind {
public:
  DropoutKind()
      : LayerKind("Dropout",
                  {arg("rate", ArgType::Rate), arg("noise_shape", ArgType::TrainingOnly, Value::none()),
                   arg("seed", ArgType::TrainingOnly, Value::none())},
                  "randomly zeroes inputs while training; identity at inference") {}

  std::vector<LegacyArg> legacyArgs() const override { return {{"p", "rate"}}; }
  bool isIdentityAtInference(const Layer &) const override { return true; }
  bool acceptsIntegerInput() const override { return true; }
  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  void inferShapes(ShapeContext &cx) const override { cx.outputs = {cx.input()}; }
  void lower(LowerContext &) const override {}
};

}  // namespace

KILN_REGISTER_LAYER(DropoutKind)

}  // namespace kiln
