// A Keras model config as `kilnc import` reads it: the JSON of
// model.to_json(), of an .h5 file's `model_config`, of a .keras file's
// config.json or of a TensorFlow.js model.json, in the Keras 2 (tf.keras
// 2.x, TensorFlow.js) or Keras 3 style, brought into one form: models,
// their layers, and every call of each layer with its arguments.
#pragma once

#include "diagnostics/Diagnostics.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::import {

// The output `tensor` of call `call` of layer `layer`: calls are counted from
// 0 in the order the config lists them, whatever Keras's node indices were
// (an InputLayer's tensor is its call 0).
struct TensorRef {
  std::string layer;
  int64_t call = 0;
  int64_t tensor = 0;
};

// An argument of a call: a tensor, a list or dict of arguments, or a value.
struct CallValue {
  enum class Kind { Tensor, List, Dict, Literal };
  Kind kind = Kind::Literal;
  TensorRef ref;
  std::vector<std::pair<std::string, CallValue>> items;  // List: keys empty
  nlohmann::json literal;

  // Defined where CallValue is complete: `items` holds pairs of it, which
  // some standard libraries cannot destroy or copy inside the class.
  CallValue();
  CallValue(const CallValue &);
  CallValue(CallValue &&) noexcept;
  CallValue &operator=(const CallValue &);
  CallValue &operator=(CallValue &&) noexcept;
  ~CallValue();

  bool hasTensors() const;
  // The tensors in the order Keras flattens them (dicts by sorted key).
  void collect(std::vector<TensorRef *> &out);
};

// One call of a layer: positional arguments, then keywords.
struct LayerCall {
  std::vector<CallValue> args;
  std::vector<std::pair<std::string, CallValue>> kwargs;

  // The tensors of its arguments, then of its keyword arguments.
  void collect(std::vector<TensorRef *> &out);
};

struct ConfigModel;

struct ConfigLayer {
  std::string className;
  std::string name;
  nlohmann::json config;             // the layer's own arguments
  nlohmann::json serialized;         // the whole entry (module, registered_name, build_config...)
  bool isInput() const { return className == "InputLayer"; }
  std::vector<LayerCall> calls;      // functional models only
  std::unique_ptr<ConfigModel> model;  // set when the layer is a nested model
  std::unique_ptr<ConfigModel> wrapped;  // the model a TimeDistributed wraps (config["layer"])
  SourceRange range;                 // where the layer is in the config text, if known
};

struct ConfigModel {
  bool sequential = false;
  std::string name;
  std::vector<ConfigLayer> layers;
  CallValue inputs, outputs;  // functional: the model's inputs and outputs
  // Sequential without an InputLayer: the shape it was built with, if any.
  nlohmann::json buildInputShape;
  SourceRange range;
};

enum class ConfigStyle { Keras2, Keras3, Tfjs };

struct ParsedConfig {
  ConfigModel model;
  ConfigStyle style = ConfigStyle::Keras2;
  std::string kerasVersion;  // as the file records it, if it does
};

// Reads a model config. `text` is the JSON text, registered as `file` in the
// diagnostics' source manager (0 if it has no text a user can open: layers
// are then not located); `kerasVersion` is the version the file states
// outside the JSON (an .h5 attribute), if any. Reports every problem;
// returns nothing on error.
std::optional<ParsedConfig> parseModelConfig(const std::string &text, uint32_t file, const std::string &what,
                                             const std::string &kerasVersion, DiagnosticEngine &diags);

// The class name of a serialized Keras object ({"class_name": ..., "config": ...}),
// or empty if `j` is not one.
std::string serializedClass(const nlohmann::json &j);

}  // namespace kiln::import
