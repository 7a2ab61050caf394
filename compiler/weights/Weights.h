// Trained weights: reading them from files and binding them to the layers of
// a model as Keras does; or drawing them from the layers' initializers.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "graph/Graph.h"
#include "weights/Hdf5.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct WeightEntry {
  std::string name;  // as stored: "dense/kernel", "dense/kernel:0", "0"
  std::string path;  // where in the file: "/model_weights/dense/dense/kernel:0" (empty: the name says it)
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::string unsupported;  // why it has no values (a non-numeric dataset)
};

// A layer's group in a Keras HDF5 file: its weights in Keras's order.
struct StoredLayer {
  std::string name;
  std::string path;
  std::vector<WeightEntry> weights;
};

enum class WeightLayout {
  TfjsNames,    // TensorFlow.js: every weight under "<layer>/<weight>"
  KerasHdf5,    // Keras's HDF5 layout (model.save('x.h5'), save_weights('x.h5')): layer groups by name
  KerasSaving,  // Keras 3's layout (.weights.h5, .keras): groups by class and position
};

struct WeightFile {
  std::string path;
  WeightLayout layout = WeightLayout::TfjsNames;
  std::vector<WeightEntry> entries;  // TfjsNames
  std::vector<StoredLayer> layers;   // KerasHdf5, in the file's layer_names order
  // KerasHdf5 whose layer groups state no keras_version: Keras 1 wrote it
  // (tf.keras 2 reads it so and converts its weights).
  bool keras1 = false;
  std::string backend;  // KerasHdf5: the backend attribute ("tensorflow", "theano"), if any
  H5Node tree;                       // KerasSaving: the HDF5 file
};

// TensorFlow.js layers format: model.json with a weights manifest, and the
// binary shards it names (relative to the JSON file).
std::optional<WeightFile> readTfjsWeights(const std::string &path, DiagnosticEngine &diags);

// Reads a weights file, choosing the reader by its contents: HDF5 (Keras's
// .h5 and .weights.h5), zip (.keras) or JSON (TensorFlow.js).
std::optional<WeightFile> readWeights(const std::string &path, DiagnosticEngine &diags);

struct KerasFile;
// readWeights past the file: the weights of a Keras file whose tree is read
// (`path` names it in messages). Consumes the tree's data.
std::optional<WeightFile> weightsOfKerasFile(KerasFile &keras, const std::string &path, DiagnosticEngine &diags);

// Gives every weighted layer of `model` its values from `file`, as Keras's
// own loading would. Reports every missing, extra or mis-shaped weight.
bool bindWeights(const Model &model, WeightFile &file, DiagnosticEngine &diags);

// A model's configuration (Keras JSON: {"class_name": ..., "config": ...})
// as a file holds it: the model_config attribute of an .h5 from model.save(),
// config.json of a .keras, the model topology of a TensorFlow.js model.json,
// or a whole JSON file from Keras's model.to_json().
struct ModelConfig {
  std::string json;
  std::string kerasVersion;  // as the file states it, or empty
  std::string source;        // where it came from, for messages
};
std::optional<ModelConfig> readModelConfig(const std::string &path, DiagnosticEngine &diags);
// readModelConfig past the file, for an .h5 or .keras file already read.
std::optional<ModelConfig> configOfKerasFile(const KerasFile &keras, const std::string &path, DiagnosticEngine &diags);

// The Keras version a weights or model file states (metadata.json of a
// .keras, the keras_version attribute of an .h5, a model.json's topology),
// or empty: unread, unstated (Keras 3's .weights.h5) or not a Keras file.
std::string statedKerasVersion(const std::string &path);
// True for a weights file in the layout of Keras 3's saving library (a
// .weights.h5, which tf.keras 2.13+ writes too): it states no version.
bool unversionedSavingLayout(const std::string &path);

// Draws every weight from its layer's Keras initializer with a seeded
// generator (for benchmarks and tests without trained weights).
void initializeWeights(const Model &model, uint64_t seed, DiagnosticEngine &diags);

}  // namespace kiln
