// GRU: gates z, r = recurrent_activation(...), candidate hh = activation(...),
// h = z h + (1 - z) hh; the kernels hold the columns in the order z, r, h.
// reset_after (tf.keras 2 default True; Keras 2.2 and tfjs: False) says
// whether r scales the recurrent product (then the bias is (2, 3 * units):
// input and recurrent bias) or h before it.
#include "layers/recurrent/Recurrent.h"

namespace kiln {

std::vector<ArgSpec> gruArgs() {
  return recurrentArgs({arg("units", ArgType::PositiveInt), arg("activation", ArgType::Activation, Value::ofStr("tanh")),
                        arg("recurrent_activation", ArgType::Activation, Value::ofStr("sigmoid")),
                        arg("use_bias", ArgType::Bool, Value::ofBool(true))},
                       false, {arg("implementation", ArgType::Any, Value::ofInt(2))},
                       {arg("reset_after", ArgType::Bool, Value::ofBool(true))});
}

namespace {

class GRUKind : public RecurrentKind {
public:
  GRUKind()
      : RecurrentKind("GRU", gruArgs(), "gated recurrent unit; reset_after=True (tf.keras 2) has a (2, 3 * units) bias") {}

  std::vector<LegacyArg> legacyArgs() const override { return recurrentLegacyArgs(true); }
  abi::RecurrentCell cell(const LayerConfig &c) const override {
    return c.flag("reset_after") ? abi::kGRU : abi::kGRUResetBefore;
  }
};

}  // namespace

KILN_REGISTER_LAYER(GRUKind)

}  // namespace kiln
