// Tensor math between layers in a saved config: tf.keras 2's TFOpLambda and
// SlicingOpLambda layers ({"function": "math.multiply"}), Keras 3's
// operations (module keras.src.ops.*). Each is written back as a Python
// expression that makes a layer of the saved name (`tf.math.multiply(a,
// y=0.5, name=...)`, `ops.mean(x, axis=1, name=...)`, a subscript as a Lambda).
#pragma once

#include "import/KerasConfig.h"
#include "import/LayerArguments.h"

#include <functional>
#include <optional>
#include <string>

namespace kiln::import {

// True if `l` is tensor math rather than a layer.
bool isTensorMath(const ConfigLayer &l);
// True if `l` is a Keras 3 operation (keras.ops), not a layer.
bool isKeras3Operation(const ConfigLayer &l);

// The Python expression of one call of such a layer; `text` writes a call
// argument (a tensor's variable or a literal). Reports and returns nothing
// if Kiln cannot compile the operation.
std::optional<std::string> tensorMathExpression(ImportContext &cx, const ConfigLayer &l, const LayerCall &call,
                                                const std::function<std::optional<std::string>(const CallValue &)> &text);

}  // namespace kiln::import
