// Layers whose computation is Python tensor math traced at build time into
// a TensorProgram (graph/TensorProgram.h): Lambda, and the custom Layer
// subclasses a file defines.
#pragma once

#include "layers/LayerKind.h"

namespace kiln {

// True for Lambda and custom layers: calling them traces their Python code.
bool isTracedKind(const LayerKind *kind);
// A new kind for `class <className>(Layer)`, or for `class <className>(Model)`
// with its own __init__ or call() (a subclassed model: a custom layer that
// can also be the model compiled), owned for the compiler's lifetime.
const LayerKind *makeCustomLayerKind(const std::string &className, bool subclassedModel);
// True for a kind made by makeCustomLayerKind.
bool isCustomKind(const LayerKind *kind);
bool isSubclassedModelKind(const LayerKind *kind);
// The kind of the layer Keras makes of tensor math applied to a model's
// tensors outside any layer (`x + y`, `tf.nn.relu(x)`; `x[:, 0]`, a subscript).
const LayerKind *tensorMathKind(bool subscript);
// The kind of the layer of depth_to_space (tf.nn's, keras.ops') on a
// model's tensor, or of space_to_depth (`toDepth`): not traced, so that open
// height and width stay open.
const LayerKind *pixelShuffleKind(bool toDepth);
// The kind of the layer of tf.range / ops.arange over an axis of a model's
// tensor sized at run time (config "axis"): int32 positions (batch, n).
const LayerKind *positionsKind();
// The kind of the layer of tf.one_hot / ops.one_hot on a model's tensor
// (config depth, on_value, off_value).
const LayerKind *oneHotKind();
// The kind of the view that gives a call's input the mask of its `mask=`
// argument (inputs: the tensor, and the mask unless it is None).
const LayerKind *explicitMaskKind();
// The kind of the layer that computes a constant of a composite layer's
// call() for every sample (its input, of any dtype, gives the batch size).
const LayerKind *constantKind();

}  // namespace kiln
