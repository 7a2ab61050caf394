#include "import/LayerArguments.h"

#include "layers/LayerKind.h"
#include "layers/core/Traced.h"
#include "sema/Arguments.h"

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace kiln::import {

using nlohmann::json;

std::string pythonString(const std::string &s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\\' || c == '\'') out += '\\', out += char(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += char(c);
  }
  return out + "'";
}

std::string pythonLiteral(const json &v) {
  switch (v.type()) {
  case json::value_t::null: return "None";
  case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
  case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
  case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
  case json::value_t::number_float: {
    // A float32 value that Keras stored as a double (0.10000000149011612)
    // is written as its shortest float32 form (0.1): the same float32.
    double d = v.get<double>();
    std::string s = double(float(d)) == d ? fmt::format("{}", float(d)) : fmt::format("{}", d);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  case json::value_t::string: return pythonString(v.get<std::string>());
  case json::value_t::array: {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + pythonLiteral(v[i]);
    return s + (v.size() == 1 ? ",)" : ")");
  }
  case json::value_t::object: {
    std::string s = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it, first = false)
      s += (first ? "" : ", ") + pythonString(it.key()) + ": " + pythonLiteral(it.value());
    return s + "}";
  }
  default: return "None";
  }
}

std::string shapeArgument(const json &batchShape, const char *shapeKey, const char *batchKey) {
  if (!batchShape.is_array() || batchShape.empty()) return {};
  if (!batchShape[0].is_null()) return std::string(batchKey) + "=" + pythonLiteral(batchShape);
  json sample(batchShape.begin() + 1, batchShape.end());
  return std::string(shapeKey) + "=" + pythonLiteral(sample.is_null() ? json::array() : sample);
}

std::string dtypeName(const json &dtype) {
  if (dtype.is_string()) return dtype.get<std::string>();
  // Keras 3: {"class_name": "DTypePolicy", "config": {"name": "float32"}};
  // tf.keras 2 mixed precision: {"class_name": "Policy", "config": {"name": "mixed_float16"}}.
  if (!serializedClass(dtype).empty() && dtype["config"].is_object()) return dtype["config"].value("name", "");
  return {};
}

namespace {

// Keys that describe the Python layer object rather than what it computes.
bool isObjectKey(const std::string &key) {
  static const std::set<std::string> keys = {"name", "trainable", "batch_input_shape", "batch_shape", "input_shape",
                                             "batch_size", "autocast"};
  return keys.count(key) != 0;
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Keys that leave inference unchanged while they hold the given value (any
// value where it is unset): what newer Keras versions add, and the shapes
// a layer was built with.
bool isInert(const std::string &key, const json &v) {
  static const std::map<std::string, std::optional<json>> keys = {
      {"quantization_config", json()}, {"lora_rank", json()},       {"lora_alpha", json()},
      {"sliding_window", json()},      {"use_gate", false},         {"groups", 1}, {"rms_scaling", false},
      {"seed", std::nullopt},          {"query_shape", std::nullopt}, {"key_shape", std::nullopt},
      {"value_shape", std::nullopt}};
  // Regularizers and constraints act in training, initializers before it.
  if (endsWith(key, "_regularizer") || endsWith(key, "_constraint") || endsWith(key, "_initializer")) return true;
  auto it = keys.find(key);
  return it != keys.end() && (!it->second || *it->second == v);
}

Value toValue(const json &v) {
  switch (v.type()) {
  case json::value_t::null: return Value::none();
  case json::value_t::boolean: return Value::ofBool(v.get<bool>());
  case json::value_t::number_integer:
  case json::value_t::number_unsigned: return Value::ofInt(v.get<int64_t>());
  case json::value_t::number_float: return Value::ofFloat(v.get<double>());
  case json::value_t::string: return Value::ofStr(v.get<std::string>());
  case json::value_t::array: {
    std::vector<Value> items;
    for (const json &item : v) items.push_back(toValue(item));
    return Value::ofTuple(std::move(items));
  }
  default: {
    Value o = Value::make(ValueKind::Opaque, {});
    o.text = serializedClass(v);
    return o;
  }
  }
}

// The canonical text of a value once the declaration's type has checked it,
// for comparing with the default; or the message why it does not fit.
std::optional<std::string> canonical(const ArgSpec &spec, const std::string &what, Value v, std::string &problem) {
  SourceManager sources;
  DiagnosticEngine scratch(sources);
  if (!convertArgument(spec, what, v, scratch)) {
    problem = scratch.diagnostics().empty() ? "is not valid" : scratch.diagnostics().front().message;
    return std::nullopt;
  }
  return repr(v);
}

// An initializer's name as Kiln spells it ('uniform' for 'random_uniform').
std::string initializerName(const std::string &name) {
  static const std::map<std::string, std::string> aliases = {
      {"random_uniform", "uniform"}, {"random_normal", "normal"}, {"zero", "zeros"}, {"one", "ones"}};
  auto it = aliases.find(name);
  return it == aliases.end() ? name : it->second;
}

// An initializer as a name ('glorot_uniform') when its parameters are
// Keras's defaults, else as initializers.<Class>(...).
// A layer's serialized form: {"class_name": ..., "config": {"name": ..., ...}}.
bool serializedLayer(const json &v) {
  return !serializedClass(v).empty() && v.contains("config") && v["config"].is_object() && v["config"].contains("name");
}

std::string initializerText(const json &v, ImportContext &cx) {
  if (v.is_string()) return pythonString(initializerName(v.get<std::string>()));
  std::string cls = serializedClass(v);
  if (cls.empty()) return pythonLiteral(v);
  static const std::map<std::string, json> defaults = {
      {"RandomUniform", {{"minval", -0.05}, {"maxval", 0.05}}},
      {"RandomNormal", {{"mean", 0.0}, {"stddev", 0.05}}},
      {"TruncatedNormal", {{"mean", 0.0}, {"stddev", 0.05}}},
      {"Orthogonal", {{"gain", 1.0}}},
      {"Identity", {{"gain", 1.0}}},
      {"Constant", {{"value", 0.0}}},
      {"VarianceScaling", {{"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}}}};
  // Keras 2.0-2.2 wrote the named variance-scaling initializers by their
  // parameters.
  if (cls == "VarianceScaling" && v["config"].is_object()) {
    static const std::map<std::string, json> named = {
        {"glorot_uniform", {{"scale", 1.0}, {"mode", "fan_avg"}, {"distribution", "uniform"}}},
        {"glorot_normal", {{"scale", 1.0}, {"mode", "fan_avg"}, {"distribution", "truncated_normal"}}},
        {"he_uniform", {{"scale", 2.0}, {"mode", "fan_in"}, {"distribution", "uniform"}}},
        {"he_normal", {{"scale", 2.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}}},
        {"lecun_uniform", {{"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "uniform"}}},
        {"lecun_normal", {{"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}}}};
    json params = v["config"];
    params.erase("seed");
    for (const auto &[name, config] : named)
      if (params == config) return pythonString(name);
  }
  auto known = defaults.find(cls);
  std::string params;
  if (v["config"].is_object())
    for (auto it = v["config"].begin(); it != v["config"].end(); ++it) {
      bool isDefault = known != defaults.end() && known->second.contains(it.key()) &&
                       known->second[it.key()] == it.value();
      if (it.key() != "seed" && !it.value().is_null() && !isDefault)
        params += (params.empty() ? "" : ", ") + it.key() + "=" + pythonLiteral(it.value());
    }
  if (params.empty()) return pythonString(initializerName(toSnakeCase(cls)));
  cx.initializerObjects = true;
  return "initializers." + cls + "(" + params + ")";
}

// An activation: a name, or (Keras 3) a serialized function naming one.
std::optional<std::string> activationName(const json &v) {
  if (v.is_null()) return std::string("linear");
  if (v.is_string()) return v.get<std::string>();
  if (!serializedClass(v).empty() && v["config"].is_string()) return v["config"].get<std::string>();
  return std::nullopt;
}

std::string withoutPrefix(const std::string &name, const std::string &prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

// Keras 3 writes Bidirectional with the copies it made: `layer` named
// 'forward_<name>' and always a `backward_layer` named 'backward_<name>'.
// Kiln, as tf.keras 2, names the copies itself from the wrapped layer's
// name, and makes the backward copy when none is given.
json keras2Bidirectional(json config) {
  json &forward = config["layer"], &backward = config["backward_layer"];
  if (!forward.is_object() || !forward["config"].is_object()) return config;
  json &f = forward["config"];
  std::string name = withoutPrefix(f.value("name", ""), "forward_");
  f["name"] = name;
  // Keras forces zero_output_for_mask to return_sequences in both copies.
  f.erase("zero_output_for_mask");
  if (backward.is_object() && backward["config"].is_object()) {
    json &b = backward["config"];
    b.erase("zero_output_for_mask");
    json flipped = f;
    flipped["go_backwards"] = !f.value("go_backwards", false);
    flipped["name"] = "backward_" + name;
    if (b == flipped && serializedClass(backward) == serializedClass(forward)) config.erase("backward_layer");
    else b["name"] = withoutPrefix(b.value("name", ""), "backward_");
  }
  return config;
}

}  // namespace

std::vector<std::string> layerOutputs(const std::string &className, const json &config,
                                      const std::vector<std::pair<std::string, CallValue>> &callKwargs) {
  auto flag = [](const json &c, const char *key) { return c.is_object() && c.value(key, json(false)) == json(true); };
  bool scores = flag(config, "return_attention_scores");
  for (const auto &[key, v] : callKwargs)
    if (key == "return_attention_scores" && v.kind == CallValue::Kind::Literal) scores = v.literal == json(true);
  if (scores) return {"", "_scores"};
  // A recurrent layer's states: h, and c for an LSTM, a CuDNNLSTM, a ConvLSTM1D/2D/3D or an RNN(LSTMCell).
  auto states = [](const std::string &layerClass, const json &layerConfig, const std::string &prefix) {
    std::string cls = layerClass == "RNN" && layerConfig.is_object() ? serializedClass(layerConfig.value("cell", json()))
                                                                     : layerClass;
    bool lstm = cls == "LSTM" || cls == "LSTMCell" || cls == "CuDNNLSTM" || cls.rfind("ConvLSTM", 0) == 0;
    return lstm ? std::vector<std::string>{prefix + "_h", prefix + "_c"} : std::vector<std::string>{prefix + "_h"};
  };
  if (className == "Bidirectional") {
    const json &inner = config.value("layer", json());
    std::vector<std::string> out = config.contains("merge_mode") && config["merge_mode"].is_null()
                                       ? std::vector<std::string>{"_forward", "_backward"}
                                       : std::vector<std::string>{""};
    if (inner.is_object() && flag(inner.value("config", json()), "return_state"))
      for (const char *direction : {"_forward", "_backward"})
        for (const std::string &s : states(serializedClass(inner), inner.value("config", json()), direction))
          out.push_back(s);
    return out;
  }
  std::vector<std::string> out{""};
  if (flag(config, "return_state"))
    for (const std::string &s : states(className, config, "")) out.push_back(s);
  return out;
}

std::optional<std::string> layerConstructor(ImportContext &cx, const std::string &className, const json &config,
                                            const std::string &name, SourceRange where,
                                            const std::vector<std::string> &extra) {
  const LayerKind *kind = LayerRegistry::instance().find(className);
  std::string layer = className + " layer '" + name + "'";
  if (!kind || className == "InputLayer") {
    cx.diags.report(DiagID::err_import_layer_unsupported, where, name, className);
    if (className != "InputLayer") cx.diags.report(DiagID::note_import_custom_layer, where, className);
    return std::nullopt;
  }
  if (isTracedKind(kind)) {
    cx.diags.report(DiagID::err_import_lambda, where, name);
    return std::nullopt;
  }
  cx.layerClasses.insert(kind->className());
  if (kind->className() == "Bidirectional" && cx.style == ConfigStyle::Keras3) {
    json normalized = keras2Bidirectional(config);
    ConfigStyle style = cx.style;
    cx.style = ConfigStyle::Keras2;
    std::optional<std::string> result = layerConstructor(cx, className, normalized, name, where, extra);
    cx.style = style;
    return result;
  }
  bool ok = true;
  std::map<std::string, std::string> given;  // argument -> text
  for (auto it = config.begin(); it != config.end(); ++it) {
    const std::string &key = it.key();
    const json &v = it.value();
    if (isObjectKey(key)) continue;
    if (key == "dtype") {
      std::string dtype = dtypeName(v);
      if (!dtype.empty() && dtype != "float32")
        cx.diags.report(DiagID::warn_import_dtype, where, layer, dtype);
      continue;
    }
    const ArgSpec *spec = kind->findArg(key);
    if (!spec) {
      // The common first-layer arguments (input_dim) are the writer's business.
      bool base = false;
      for (const ArgSpec &b : baseLayerArgs()) base |= b.name == key;
      if (base) continue;
      if (isInert(key, v)) continue;
      if (v.is_null()) {
        cx.diags.report(DiagID::warn_import_argument_dropped, where, key, layer);
      } else {
        cx.diags.report(DiagID::err_import_argument_unsupported, where, key, layer, pythonLiteral(v));
        ok = false;
      }
      continue;
    }
    if (spec->type == ArgType::TrainingOnly) continue;
    // TensorFlow.js writes null for an argument left at its default (where
    // Keras itself would not: Bidirectional's merge_mode=None means two outputs).
    if (v.is_null() && !spec->required &&
        (spec->type == ArgType::Bool || (cx.style == ConfigStyle::Tfjs && key != "merge_mode")))
      continue;
    std::string text, problem;
    std::optional<std::string> value, fallback;
    if (spec->type == ArgType::Initializer) {
      text = initializerText(v, cx);
      value = text;
      fallback = spec->defaultValue.is(ValueKind::Str) ? pythonString(initializerName(spec->defaultValue.text))
                                                       : std::string("None");
    } else if (auto model = cx.wrappedModels.find(&v); model != cx.wrappedModels.end()) {
      text = model->second;
    } else if (serializedLayer(v) || (v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), serializedLayer))) {
      // A wrapped layer (Bidirectional, TimeDistributed, RNN's cell), or StackedRNNCells' list of cells.
      std::vector<std::string> layers;
      for (const json &item : v.is_array() ? v : json::array({v})) {
        const json &c = item["config"];
        std::string innerName = c["name"].is_string() ? c["name"].get<std::string>() : "";
        std::optional<std::string> inner = layerConstructor(cx, serializedClass(item), c, innerName, where);
        if (!inner) break;
        layers.push_back(*inner);
      }
      if (layers.size() != (v.is_array() ? v.size() : 1)) {
        ok = false;
        continue;
      }
      text = v.is_array() ? "[" : "";
      for (size_t i = 0; i < layers.size(); ++i) text += (i ? ", " : "") + layers[i];
      if (v.is_array()) text += "]";
    } else if (spec->type == ArgType::Activation) {
      std::optional<std::string> act = activationName(v);
      if (!act) {
        cx.diags.report(DiagID::err_import_argument_unsupported, where, key, layer, pythonLiteral(v));
        ok = false;
        continue;
      }
      text = pythonString(*act);
      value = canonical(*spec, layer, Value::ofStr(*act), problem);
      bool keras3 = cx.style == ConfigStyle::Keras3 && spec->keras3Default;
      fallback = canonical(*spec, layer, keras3 ? *spec->keras3Default : spec->defaultValue, problem);
    } else {
      // tf.keras 2 writes an axis it keeps as a list as [3].
      const json &single = (spec->type == ArgType::Axis || spec->type == ArgType::Int) && v.is_array() && v.size() == 1 ? v[0] : v;
      text = pythonLiteral(single);
      value = canonical(*spec, layer, toValue(single), problem);
      if (!value) {
        cx.diags.report(DiagID::err_import_argument_value, where, problem);
        ok = false;
        continue;
      }
      if (!spec->required) fallback = canonical(*spec, layer, spec->defaultValue, problem);
    }
    if (!spec->required && value && fallback && *value == *fallback) continue;  // Keras's default
    // Keras's data_format=None is its image_data_format(), 'channels_last'.
    if (key == "data_format" && v == "channels_last" && (spec->defaultValue.is(ValueKind::None) || fallback == value))
      continue;
    given[key] = text;
  }
  if (!ok) return std::nullopt;
  // Pooling's strides=None are its pool_size.
  if (const ArgSpec *strides = kind->findArg("strides");
      strides && strides->defaultValue.is(ValueKind::None) && given.count("strides") &&
      config.contains("pool_size") && config["pool_size"] == config["strides"])
    given.erase("strides");

  // Leading required arguments positionally, as Keras code writes them.
  std::string call = kind->className() + "(";
  bool first = true;
  auto add = [&](const std::string &text) {
    call += (first ? "" : ", ") + text;
    first = false;
  };
  size_t i = 0;
  for (const std::vector<ArgSpec> &args = kind->args(); i < args.size() && args[i].required; ++i) {
    auto it = given.find(args[i].name);
    if (it == given.end()) {
      cx.diags.report(DiagID::err_import_argument_missing, where, layer, args[i].name);
      return std::nullopt;
    }
    add(it->second);
    given.erase(it);
  }
  for (const ArgSpec &spec : kind->args())
    if (auto it = given.find(spec.name); it != given.end()) add(spec.name + "=" + it->second);
  for (const std::string &e : extra) add(e);
  // A frozen layer's weights come after the trainable ones in Keras's order.
  if (config.is_object() && config.contains("trainable") && config["trainable"] == false) add("trainable=False");
  if (!name.empty()) add("name=" + pythonString(name));
  return call + ")";
}

}  // namespace kiln::import
