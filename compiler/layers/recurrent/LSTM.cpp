// LSTM: gates i, f, o = recurrent_activation(...), c = f c + i activation(...),
// h = o activation(c); the kernels hold the gates' columns in the order i, f, c, o.
#include "layers/recurrent/Recurrent.h"

namespace kiln {

std::vector<ArgSpec> lstmArgs() {
  return recurrentArgs({arg("units", ArgType::PositiveInt), arg("activation", ArgType::Activation, Value::ofStr("tanh")),
                        arg("recurrent_activation", ArgType::Activation, Value::ofStr("sigmoid")),
                        arg("use_bias", ArgType::Bool, Value::ofBool(true))},
                       true, {arg("implementation", ArgType::Any, Value::ofInt(2))}, {});
}

namespace {

class LSTMKind : public RecurrentKind {
public:
  LSTMKind() : RecurrentKind("LSTM", lstmArgs(), "long short-term memory; returns [output, h, c] with return_state") {}

  std::vector<LegacyArg> legacyArgs() const override { return recurrentLegacyArgs(true); }
  abi::RecurrentCell cell(const LayerConfig &) const override { return abi::kLSTM; }
};

}  // namespace

KILN_REGISTER_LAYER(LSTMKind)

}  // namespace kiln
