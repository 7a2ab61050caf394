// Choosing the reader by a file's contents, and making sense of what Keras
// wrote: which of its layouts an HDF5 file has, and where the model's
// configuration is.
#include "weights/KerasFile.h"
#include "weights/Internal.h"
#include "support/Files.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace kiln {

namespace {

// Neither HDF5, zip nor JSON: what the name says it should have been helps.
std::string notWeights(const std::string &path) {
  if (path.ends_with(".h5") || path.ends_with(".hdf5"))
    return "does not start with the HDF5 signature: it is damaged or not an HDF5 file";
  if (path.ends_with(".keras")) return "does not start as a zip archive, as a .keras file does: it is damaged or not one";
  return "is not a weights file Kiln reads: neither HDF5 (Keras's .h5 and .weights.h5), a zip archive (.keras) nor "
         "JSON (a TensorFlow.js model.json)";
}

// An attribute Keras writes with save_attributes_to_hdf5_group: one list, or,
// when it exceeds HDF5's 64 KiB object header, chunks name0, name1, ...
std::optional<std::vector<std::string>> stringList(const H5Node &node, const std::string &name) {
  if (const std::vector<std::string> *list = node.attribute(name)) return *list;
  std::vector<std::string> out;
  const std::vector<std::string> *chunk = node.attribute(name + "0");
  if (!chunk) return std::nullopt;
  for (int i = 1; chunk; chunk = node.attribute(name + std::to_string(i++))) out.insert(out.end(), chunk->begin(), chunk->end());
  return out;
}

std::string firstAttribute(const H5Node &node, const std::string &name) {
  const std::vector<std::string> *v = node.attribute(name);
  return v && !v->empty() ? v->front() : std::string();
}

// The keras_version a JSON object states, or empty.
std::string statedVersion(const nlohmann::json &object) {
  return object.is_object() && object.contains("keras_version") && object["keras_version"].is_string()
             ? object["keras_version"].get<std::string>()
             : std::string();
}

// The keras_version a Keras file states: metadata.json of a .keras, the root
// attribute of an .h5.
std::string statedVersion(const KerasFile &keras) {
  return keras.zip ? statedVersion(nlohmann::json::parse(keras.metadata, nullptr, false))
                   : firstAttribute(keras.root, "keras_version");
}

// Keras's HDF5 layout: `group` lists its layers in layer_names, each layer
// group its weights in weight_names (paths relative to the layer group).
bool readLayerGroups(H5Node &group, WeightFile &file, std::string &error) {
  std::vector<std::string> layerNames = *stringList(group, "layer_names");
  for (const std::string &name : layerNames) {
    H5Node *layer = group.find(name);
    if (name.empty() || !layer || layer->dataset) {
      error = "layer_names lists '" + name + "', but '" + group.path + "' has no such group";
      return false;
    }
    std::optional<std::vector<std::string>> weightNames = stringList(*layer, "weight_names");
    if (!weightNames) {
      error = "layer group '" + layer->path + "' has no weight_names attribute";
      return false;
    }
    StoredLayer stored{name, layer->path, {}};
    for (const std::string &weightName : *weightNames) {
      H5Node *dataset = weightName.empty() ? nullptr : layer->find(weightName);
      if (!dataset || !dataset->dataset) {
        error = "weight_names of '" + layer->path + "' lists '" + weightName + "', but there is no such dataset";
        return false;
      }
      if (dataset->name.empty()) {
        error = "weight_names of '" + layer->path + "' lists '" + weightName + "' twice";
        return false;
      }
      stored.weights.push_back({weightName, dataset->path, dataset->shape, std::move(dataset->data), dataset->unsupported});
      dataset->name.clear();  // taken
    }
    file.layers.push_back(std::move(stored));
  }
  return true;
}

// Keras 3's layout: the model's layers under `layers`, or, for a subclassed
// model, its own `vars` beside the sublayers under their attributes.
bool isSavingLayout(const H5Node &root) {
  const H5Node *layers = root.child("layers"), *vars = root.child("vars");
  return (layers && !layers->dataset) || (vars && !vars->dataset && !stringList(root, "layer_names"));
}

std::nullopt_t fileError(DiagnosticEngine &diags, const std::string &path, const std::string &message) {
  diags.report(DiagID::err_weights_file, SourceRange{}, path, message);
  return std::nullopt;
}

// The file's kind by its contents; for contents of no known kind, a .json
// name sends it to the JSON reader, whose error says more.
std::optional<FileKind> kindOf(const std::string &path, DiagnosticEngine &diags) {
  std::string error;
  FileKind kind;
  if (!sniffFile(path, kind, error)) return fileError(diags, path, error);
  if (kind == FileKind::Other && path.ends_with(".json")) return FileKind::Json;
  if (kind == FileKind::Other) return fileError(diags, path, notWeights(path));
  return kind;
}

}  // namespace

std::optional<WeightFile> readWeights(const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) { return fileError(diags, path, message); };
  std::string error;
  if (std::optional<std::string> prefix = checkpointPrefix(path, error)) return readTfCheckpoint(*prefix, path, diags);
  if (!error.empty()) return fail(error);
  std::optional<FileKind> kind = kindOf(path, diags);
  if (!kind) return std::nullopt;
  if (*kind == FileKind::Json) return readTfjsWeights(path, diags);

  KerasFile keras;
  if (!readKerasFile(path, *kind, true, keras, error)) return fail(error);
  return weightsOfKerasFile(keras, path, diags);
}

std::optional<WeightFile> weightsOfKerasFile(KerasFile &keras, const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) { return fileError(diags, path, message); };
  std::string error;
  WeightFile file;
  file.path = path;
  H5Node &root = keras.root;
  H5Node *modelWeights = root.child("model_weights") ? root.find("model_weights") : nullptr;
  if (keras.zip || isSavingLayout(root)) {
    if (!isSavingLayout(root))
      return fail("model.weights.h5 in the archive has no 'layers' or 'vars' group; it is not a weights file Keras wrote");
    file.layout = WeightLayout::KerasSaving;
    file.tree = std::move(root);
    return file;
  }
  H5Node *group = stringList(root, "layer_names") ? &root
                  : modelWeights && stringList(*modelWeights, "layer_names") ? modelWeights
                                                                            : nullptr;
  if (!group)
    return fail("is an HDF5 file but not one Keras wrote: it has no layer_names attribute (save_weights), "
                "model_weights group (model.save) or layers group (.weights.h5)");
  file.layout = WeightLayout::KerasHdf5;
  file.keras1 = !group->attribute("keras_version");
  file.backend = firstAttribute(*group, "backend");
  if (!readLayerGroups(*group, file, error)) return fail(error);
  return file;
}

std::optional<ModelConfig> readModelConfig(const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) { return fileError(diags, path, message); };
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    std::string error;
    std::optional<std::string> json = savedModelConfig(path, error);
    if (!json) return fail(error);
    return ModelConfig{*json, "", "keras_metadata.pb of a SavedModel"};
  }
  std::optional<FileKind> kind = kindOf(path, diags);
  if (!kind) return std::nullopt;
  std::string error;
  ModelConfig config;
  if (*kind == FileKind::Json) {
    std::optional<std::string> text = readWholeFile(path, kMaxJsonBytes, "a model description", error);
    if (!text) return fail("cannot read: " + error);
    nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return fail("not a valid JSON object");
    if (json.contains("modelTopology") && json["modelTopology"].is_object()) {
      const nlohmann::json &topology = json["modelTopology"];
      bool wrapped = topology.contains("model_config");  // the converter's {"model_config": ..., "keras_version": ...}
      const nlohmann::json &model = wrapped ? topology["model_config"] : topology;
      config.json = model.is_string() ? model.get<std::string>() : model.dump();
      config.kerasVersion = statedVersion(topology);
      config.source = "the modelTopology of a TensorFlow.js model.json";
    } else if (json.contains("class_name") && json.contains("config")) {
      config.json = *text;
      config.kerasVersion = statedVersion(json);
      config.source = "a Keras model.to_json() file";
    } else {
      return fail("holds no Keras model configuration (no modelTopology, and no class_name and config)");
    }
    return config;
  }

  KerasFile keras;
  if (!readKerasFile(path, *kind, false, keras, error)) return fail(error);
  return configOfKerasFile(keras, path, diags);
}

std::optional<ModelConfig> configOfKerasFile(const KerasFile &keras, const std::string &path, DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) { return fileError(diags, path, message); };
  ModelConfig config;
  if (keras.zip) {
    config.json = keras.config;
    config.kerasVersion = statedVersion(keras);
    config.source = "config.json of a .keras archive";
    return config;
  }
  config.json = firstAttribute(keras.root, "model_config");
  if (config.json.empty())
    return fail(isSavingLayout(keras.root) || stringList(keras.root, "layer_names")
                    ? "holds weights only (written by save_weights), not the model's configuration; "
                      "the configuration is in a file from model.save()"
                    : "is an HDF5 file without a model_config attribute; it was not written by Keras's model.save()");
  config.kerasVersion = statedVersion(keras);
  config.source = "the model_config attribute of an HDF5 file";
  return config;
}

bool unversionedSavingLayout(const std::string &path) {
  std::string error;
  FileKind kind;
  KerasFile keras;
  if (!RegularFile(path, error).ok() || !sniffFile(path, kind, error) || kind == FileKind::Json ||
      kind == FileKind::Other || !readKerasFile(path, kind, false, keras, error))
    return false;
  return !keras.zip && isSavingLayout(keras.root) && statedVersion(keras).empty();
}

std::string statedKerasVersion(const std::string &path) {
  std::string error;
  FileKind kind;
  if (!RegularFile(path, error).ok() || !sniffFile(path, kind, error)) return {};
  if (kind == FileKind::Json) {
    std::optional<std::string> text = readWholeFile(path, kMaxJsonBytes, "a model description", error);
    nlohmann::json json = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
    return json.is_object() ? statedVersion(json.contains("modelTopology") ? json["modelTopology"] : json) : "";
  }
  KerasFile keras;
  if (kind == FileKind::Other || !readKerasFile(path, kind, false, keras, error)) return {};
  return statedVersion(keras);
}

}  // namespace kiln
