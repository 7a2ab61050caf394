// One layer of a Keras config as the constructor call a person writes:
// `Dense(64, activation='relu', name='dense')`. Every config key is mapped
// through the layer's declaration in layers/ (Keras defaults omitted,
// leading required arguments positional), or dropped because it describes
// only training or the Python object, or reported: an error when it would
// change inference, a warning when it is unknown but empty.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "import/KerasConfig.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kiln::import {

struct ImportContext {
  DiagnosticEngine &diags;
  std::string what;  // the imported file, for messages
  ConfigStyle style = ConfigStyle::Keras2;
  std::set<std::string> layerClasses;  // for the imports line
  bool initializerObjects = false;     // needs `from keras import initializers`
  bool tensorflow = false;             // needs `import tensorflow as tf` (tensor math of tf.keras 2)
  bool kerasOps = false;               // needs `from keras import ops` (Keras 3's operations)
  // Models written before the layers that wrap them (TimeDistributed(model)),
  // by their entry in the wrapper's config: the variable that holds each.
  std::map<const nlohmann::json *, std::string> wrappedModels = {};
};

// The constructor expression of a layer. `extra` are keyword arguments the
// writer adds (a first layer's input_shape=...), written before name=.
// Reports and returns nothing if the layer cannot be imported.
std::optional<std::string> layerConstructor(ImportContext &cx, const std::string &className,
                                            const nlohmann::json &config, const std::string &name, SourceRange where,
                                            const std::vector<std::string> &extra = {});

// The tensors one call of a layer returns, from the Keras conventions the
// config records (return_state, merge_mode=None, return_attention_scores):
// a suffix for each one's variable name ("" for the main output).
std::vector<std::string> layerOutputs(const std::string &className, const nlohmann::json &config,
                                      const std::vector<std::pair<std::string, CallValue>> &callKwargs);

// A JSON value as a Python literal; arrays become tuples.
std::string pythonLiteral(const nlohmann::json &v);
std::string pythonString(const std::string &s);
// The shape arguments of an input: "shape=(784,)" or "batch_shape=(32, 784)"
// from a batch shape; empty if `batchShape` is not a list.
std::string shapeArgument(const nlohmann::json &batchShape, const char *shapeKey, const char *batchKey);
// The dtype named by a config's "dtype" (a string or a Keras 3 policy
// object), or "" for none.
std::string dtypeName(const nlohmann::json &dtype);

}  // namespace kiln::import
