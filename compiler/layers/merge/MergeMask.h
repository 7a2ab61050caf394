// The mask of a merge (Add, Multiply, ..., Concatenate on the last axis).
// Keras 2: the AND of its inputs' masks, an input without one counting as
// all ones; no mask if no input has one. Keras 3: the OR of its inputs'
// masks; no mask if an input has none, except for Concatenate, which counts
// it as all ones: its mask is then all ones, which masks nothing but is a
// mask (it moves Keras 3's layer order, see LayerKind::keras3Mask).
#pragma once

#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

namespace kiln {

// The mask shape of a tensor: its axes but the last.
std::vector<Dim> leadingAxes(const TensorType &t);

// In the shape rule: gives output 0 that mask when every mask is one per
// position of its input's leading axes, (batch, steps) for (batch, steps,
// features), all of one shape. `concatenate`: Concatenate's rule.
void inferMergeMask(ShapeContext &cx, bool concatenate);
// In the lowering: writes that mask.
void lowerMergeMask(LowerContext &cx);

}  // namespace kiln
