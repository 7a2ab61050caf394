// Trained weights: reading them from files and binding them to the layers of
// a model by Keras layer name; or drawing them from the layers' initializers.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "graph/Graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct WeightEntry {
  std::string name;  // as stored: "dense/kernel", "model/dense/kernel:0"
  std::vector<int64_t> shape;
  std::vector<float> data;
};

struct WeightFile {
  std::string path;
  std::vector<WeightEntry> entries;
};

// TensorFlow.js layers format: model.json with a weights manifest, and the
// binary shards it names (relative to the JSON file).
std::optional<WeightFile> readTfjsWeights(const std::string &path, DiagnosticEngine &diags);

// Reads a weights file, choosing the reader by its contents.
std::optional<WeightFile> readWeights(const std::string &path, DiagnosticEngine &diags);

// Gives every weighted layer of `model` its values from `file`, matched by
// "<layer name>/<weight name>". Reports missing weights, shape mismatches
// (errors) and entries no layer uses (warnings).
bool bindWeights(const Model &model, const WeightFile &file, DiagnosticEngine &diags);

// Draws every weight from its layer's Keras initializer with a seeded
// generator (for benchmarks and tests without trained weights).
void initializeWeights(const Model &model, uint64_t seed, DiagnosticEngine &diags);

}  // namespace kiln
