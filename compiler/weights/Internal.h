// What the readers and binders of the weight formats share.
#pragma once

#include "weights/Weights.h"

namespace kiln {

// A model.json or Keras JSON file holds a model's topology and manifest, not
// its weights: more than this is not one.
constexpr uint64_t kMaxJsonBytes = uint64_t(1) << 28;

// "(64, 32)", "(10,)", "()" as Keras prints shapes.
std::string shapeText(const std::vector<int64_t> &shape);

// Gives weight `index` of `layer` the values of `entry` (moved out), or
// reports why they do not fit (shape, no values).
bool assignWeight(Layer &layer, size_t index, WeightEntry &entry, const std::string &file, DiagnosticEngine &diags);

// The binders of Keras's two layouts (BindKeras.cpp).
bool bindKerasHdf5(const Model &model, WeightFile &file, DiagnosticEngine &diags);
bool bindKerasSaving(const Model &model, WeightFile &file, DiagnosticEngine &diags);

}  // namespace kiln
