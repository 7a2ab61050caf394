// Binding the arguments of a call to a declared parameter list, with Keras's
// rules: positional then keyword, defaults, Keras 1 names, type checks.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "layers/Activations.h"
#include "layers/LayerKind.h"
#include "sema/Value.h"
#include "syntax/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct CallArgument {
  std::string keyword;  // empty for positional
  SourceRange keywordRange;
  Value value;
  const ast::Expr *expr = nullptr;  // as written, when there is one (for messages)
};

struct CallSite {
  SourceRange range;        // the whole call
  SourceRange calleeRange;  // the callee expression
  std::vector<CallArgument> args;

  size_t positionalCount() const;
  const CallArgument *keyword(std::string_view name) const;
};

// Binds `call` against `specs` into `config`. `what` names the callee in
// messages ("Dense"). Only the first `positionalLimit` specs may be given
// positionally (a layer's own arguments, not the common ones). Arguments not
// given take `version`'s defaults. Reports every problem; returns false if any.
bool bindArguments(const std::vector<ArgSpec> &specs, const std::vector<LegacyArg> &legacy, const CallSite &call,
                   const std::string &what, DiagnosticEngine &diags, LayerConfig &config,
                   size_t positionalLimit = SIZE_MAX, KerasVersion version = KerasVersion::V2);

// Rewrites a call that gives a convolution's kernel as Keras 1 did, one
// argument per size (`kernelSizes` of them), into Keras 2's kernel_size
// tuple, as Keras 2.0-2.3 converted it (legacy/interfaces.py):
// Convolution2D(32, 3, 3) or Conv2D(32, nb_row=3, nb_col=3); Convolution3D(8,
// 3, 3, 3) or kernel_dim1-3. Numbers after the filters are Keras 1's sizes
// only where the call is Keras 1 code: `calledAs` is a Keras 1 class name, an
// argument has a Keras 1 name, or the numbers could mean nothing else; tf.keras
// reads Conv2D(32, 3, 3) as strides=3. Warns where it converts.
void convertKeras1Kernel(CallSite &call, int kernelSizes, const std::string &calledAs,
                         const std::vector<LegacyArg> &legacy, DiagnosticEngine &diags);

// Checks one value against its declared type and brings it into canonical
// form; reports and returns false if it does not fit.
bool convertArgument(const ArgSpec &spec, const std::string &what, Value &value, DiagnosticEngine &diags);

// The arguments every Keras layer accepts (name, input_shape, dtype, ...).
const std::vector<ArgSpec> &baseLayerArgs();

}  // namespace kiln
