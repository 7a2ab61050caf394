// Keras's built-in activations by name, as `activation='...'` accepts them.
#pragma once

#include "kernels/KernelABI.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// Semantics that changed between Keras versions follow this switch.
enum class KerasVersion { V2, V3 };

// The canonical name of an activation ('silu' -> 'swish'), if Keras knows it.
std::optional<std::string> canonicalActivation(std::string_view name);
// Every name `activation=` accepts, for suggestions and the docs.
std::vector<std::string> activationNames();
// The kernel code of a canonical activation name.
abi::Activation activationCode(std::string_view canonical, KerasVersion version);
// Extra parameter of an activation (leaky_relu's slope), as the kernels take it.
float activationAlpha(abi::Activation act);

}  // namespace kiln
