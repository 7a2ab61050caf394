// What the readers and binders of the weight formats share.
#pragma once

#include "weights/Weights.h"

namespace kiln {

// A model.json or Keras JSON file holds a model's topology and manifest, not
// its weights: more than this is not one.
constexpr uint64_t kMaxJsonBytes = uint64_t(1) << 28;

// "bidirectional/forward_lstm/lstm_cell/kernel:0" -> "kernel"
std::string weightLeaf(const std::string &name);

// "(64, 32)", "(10,)", "()" as Keras prints shapes.
std::string shapeText(const std::vector<int64_t> &shape);

// Gives weight `index` of `layer` the values of `entry` (moved out), or
// reports why they do not fit (shape, no values).
bool assignWeight(Layer &layer, size_t index, WeightEntry &entry, const std::string &file, DiagnosticEngine &diags);

// Weight `index` of `layer`.
struct WeightRef {
  Layer *layer;
  size_t index;
};

// The weights `stored` for `refs` (a layer's, in Keras's order), converted
// as tf.keras 2's load_weights converts them: from Keras 1's layout if
// `keras1` (recurrent weights per gate, channels_first kernels), and any
// convolution kernel whose axes are in another order.
void adaptLegacyWeights(const std::vector<WeightRef> &refs, StoredLayer &stored, bool keras1);

// TensorFlow checkpoints (TfCheckpoint.cpp): the prefix of the checkpoint
// `path` names (a folder of checkpoints, a SavedModel directory, an .index
// file or the prefix itself), or nothing if it names none (with `error` set
// for a directory that holds none); its variables, named as Keras 2 names
// them ("dense/kernel"), in TensorFlow.js's layout.
std::optional<std::string> checkpointPrefix(const std::string &path, std::string &error);
std::optional<WeightFile> readTfCheckpoint(const std::string &prefix, const std::string &path,
                                           DiagnosticEngine &diags);
// The model config a SavedModel directory's keras_metadata.pb holds (tf.keras
// 2.5+): its root object's metadata, {"class_name": ..., "config": ...}.
std::optional<std::string> savedModelConfig(const std::string &dir, std::string &error);

// The binders of Keras's two layouts (BindKeras.cpp).
bool bindKerasHdf5(const Model &model, WeightFile &file, DiagnosticEngine &diags);
bool bindKerasSaving(const Model &model, WeightFile &file, DiagnosticEngine &diags);

}  // namespace kiln
