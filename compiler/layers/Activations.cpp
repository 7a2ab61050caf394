#include "layers/Activations.h"

namespace kiln {

namespace {
struct Entry {
  const char *name;
  const char *canonical;
  abi::Activation code;
};
constexpr Entry kActivations[] = {
    {"linear", "linear", abi::kLinear},
    {"relu", "relu", abi::kRelu},
    {"sigmoid", "sigmoid", abi::kSigmoid},
    {"tanh", "tanh", abi::kTanh},
    {"softmax", "softmax", abi::kSoftmax},
    {"elu", "elu", abi::kElu},
    {"selu", "selu", abi::kSelu},
    {"softplus", "softplus", abi::kSoftplus},
    {"softsign", "softsign", abi::kSoftsign},
    {"hard_sigmoid", "hard_sigmoid", abi::kHardSigmoid},
    {"exponential", "exponential", abi::kExponential},
    {"swish", "swish", abi::kSwish},
    {"silu", "swish", abi::kSwish},
    {"gelu", "gelu", abi::kGelu},
    {"relu6", "relu6", abi::kRelu6},
    {"leaky_relu", "leaky_relu", abi::kLeakyRelu},
    {"log_softmax", "log_softmax", abi::kLogSoftmax},
    {"mish", "mish", abi::kMish},
    {"hard_silu", "hard_silu", abi::kHardSilu},  // Keras 3
    {"hard_swish", "hard_silu", abi::kHardSilu},
    {"celu", "celu", abi::kCelu},  // Keras 3.6+
    {"hard_tanh", "hard_tanh", abi::kHardTanh},
    {"hard_shrink", "hard_shrink", abi::kHardShrink},
    {"soft_shrink", "soft_shrink", abi::kSoftShrink},
    {"tanh_shrink", "tanh_shrink", abi::kTanhShrink},
    {"squareplus", "squareplus", abi::kSquareplus},
    {"sparse_plus", "sparse_plus", abi::kSparsePlus},
    {"sparse_sigmoid", "sparse_sigmoid", abi::kSparseSigmoid},
    {"log_sigmoid", "log_sigmoid", abi::kLogSigmoid},
};
}  // namespace

std::optional<std::string> canonicalActivation(std::string_view name) {
  for (const Entry &e : kActivations)
    if (name == e.name) return std::string(e.canonical);
  return std::nullopt;
}

std::vector<std::string> activationNames() {
  std::vector<std::string> names;
  for (const Entry &e : kActivations) names.push_back(e.name);
  return names;
}

abi::Activation activationCode(std::string_view canonical, KerasVersion version) {
  if (canonical == "hard_sigmoid" && version == KerasVersion::V3) return abi::kHardSigmoid3;
  for (const Entry &e : kActivations)
    if (canonical == e.canonical) return e.code;
  return abi::kLinear;
}

float activationAlpha(abi::Activation act) {
  // The defaults of Keras's activation functions: leaky_relu's slope is 0.2,
  // elu's and celu's alpha is 1.
  if (act == abi::kLeakyRelu) return 0.2f;
  if (act == abi::kElu || act == abi::kCelu) return 1.0f;
  return 0.0f;
}

}  // namespace kiln
