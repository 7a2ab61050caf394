// `kilnc import`: a Keras model config (model.to_json(), a TensorFlow.js
// model.json, or the config inside an .h5 or .keras file) written as a
// .kiln file in the style a person writes Keras code.
#pragma once

#include "diagnostics/Diagnostics.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// A mask the config passes to a call explicitly (Keras 3 records them): in
// the imported model, input `input` of call `call` of layer `layer` must
// carry the mask that layer `source` makes (an Embedding or Masking), or
// none if `source` is empty. Kiln propagates masks itself; this is checked.
struct MaskExpectation {
  std::string layer;
  int64_t call = 0;
  size_t input = 0;
  std::string source;  // the layer whose mask it is, "" for none, or kCombinedMask
};
// A mask a merge layer combines from its inputs' (Keras 3's Concatenate, Add).
inline constexpr const char *kCombinedMask = "(combined)";

struct ImportedModel {
  std::string source;         // the .kiln text
  bool keras3 = false;        // written by Keras 3: build with --keras-version 3
  std::vector<MaskExpectation> masks;
};

// The .kiln text of the model config `configText`. `file` is the config's
// buffer in the diagnostics' source manager when it is a text a user can
// open (layers are then located in it), else 0; `what` names it in
// messages; `kerasVersion` is the version the file states outside the JSON.
std::optional<ImportedModel> importModelConfig(const std::string &configText, uint32_t file, const std::string &what,
                                               const std::string &kerasVersion, DiagnosticEngine &diags);

struct Model;

// Checks the masks of `model`, evaluated from the imported source, against
// what the config passed; reports each difference.
bool checkImportedMasks(const Model &model, const ImportedModel &imported, const std::string &path,
                        DiagnosticEngine &diags);

}  // namespace kiln
