// What the readers and binders of the weight formats share.
#pragma once

#include "weights/Weights.h"

namespace kiln {

// The whole file, or nullopt with `error` set (strerror).
std::optional<std::string> readWholeFile(const std::string &path, std::string &error);

// "(64, 32)", "(10,)", "()" as Keras prints shapes.
std::string shapeText(const std::vector<int64_t> &shape);

// Gives weight `index` of `layer` the values of `entry` (moved out), or
// reports why they do not fit (shape, no values).
bool assignWeight(Layer &layer, size_t index, WeightEntry &entry, const std::string &file, DiagnosticEngine &diags);

// The binders of Keras's two layouts (BindKeras.cpp).
bool bindKerasHdf5(const Model &model, WeightFile &file, DiagnosticEngine &diags);
bool bindKerasSaving(const Model &model, WeightFile &file, DiagnosticEngine &diags);

}  // namespace kiln
