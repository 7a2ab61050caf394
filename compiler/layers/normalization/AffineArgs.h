// What LayerNormalization and GroupNormalization take after their own
// arguments, in Keras's order: center, scale, and beta's and gamma's
// initializers, regularizers and constraints.
#pragma once

#include "layers/LayerKind.h"

namespace kiln {

inline std::vector<ArgSpec> withAffineArgs(std::vector<ArgSpec> own) {
  for (ArgSpec a : {arg("center", ArgType::Bool, Value::ofBool(true)), arg("scale", ArgType::Bool, Value::ofBool(true)),
                    arg("beta_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                    arg("gamma_initializer", ArgType::Initializer, Value::ofStr("ones")),
                    arg("beta_regularizer", ArgType::TrainingOnly, Value::none()),
                    arg("gamma_regularizer", ArgType::TrainingOnly, Value::none()),
                    arg("beta_constraint", ArgType::TrainingOnly, Value::none()),
                    arg("gamma_constraint", ArgType::TrainingOnly, Value::none())})
    own.push_back(std::move(a));
  return own;
}

}  // namespace kiln
