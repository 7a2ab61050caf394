// SimpleRNN: h_t = activation(x_t W + h_{t-1} U + b).
#include "layers/recurrent/Recurrent.h"

namespace kiln {

std::vector<ArgSpec> simpleRNNArgs() {
  return recurrentArgs({arg("units", ArgType::PositiveInt), arg("activation", ArgType::Activation, Value::ofStr("tanh")),
                        arg("use_bias", ArgType::Bool, Value::ofBool(true))},
                       false, {},
                       // tf.keras accepts and ignores it (deprecated for SimpleRNN).
                       {arg("implementation", ArgType::Any, Value::ofInt(1))});
}

namespace {

class SimpleRNNKind : public RecurrentKind {
public:
  SimpleRNNKind()
      : RecurrentKind("SimpleRNN", simpleRNNArgs(),
                      "fully connected recurrent layer: h = activation(x W + h U + b) per step") {}

  std::vector<LegacyArg> legacyArgs() const override { return recurrentLegacyArgs(false); }
  abi::RecurrentCell cell(const LayerConfig &) const override { return abi::kSimpleRNN; }
};

}  // namespace

KILN_REGISTER_LAYER(SimpleRNNKind)

}  // namespace kiln
