#include "import/KerasConfig.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>

namespace kiln::import {

using nlohmann::json;

CallValue::CallValue() = default;
CallValue::CallValue(const CallValue &) = default;
CallValue::CallValue(CallValue &&) noexcept = default;
CallValue &CallValue::operator=(const CallValue &) = default;
CallValue &CallValue::operator=(CallValue &&) noexcept = default;
CallValue::~CallValue() = default;

bool CallValue::hasTensors() const {
  if (kind == Kind::Tensor) return true;
  for (const auto &[key, item] : items)
    if (item.hasTensors()) return true;
  return false;
}

void CallValue::collect(std::vector<TensorRef *> &out) {
  if (kind == Kind::Tensor) out.push_back(&ref);
  if (kind == Kind::List)
    for (auto &[key, item] : items) item.collect(out);
  if (kind == Kind::Dict) {
    std::vector<std::pair<std::string, CallValue> *> sorted;
    for (auto &entry : items) sorted.push_back(&entry);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto *a, auto *b) { return a->first < b->first; });
    for (auto *entry : sorted) entry->second.collect(out);
  }
}

void LayerCall::collect(std::vector<TensorRef *> &out) {
  for (CallValue &a : args) a.collect(out);
  for (auto &[key, v] : kwargs) v.collect(out);
}

std::string serializedClass(const json &j) {
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string() || !j.contains("config"))
    return {};
  return j["class_name"].get<std::string>();
}

namespace {

bool isModelEntry(const json &entry) {
  std::string cls = serializedClass(entry);
  if (cls == "Sequential" || cls == "Functional" || cls == "Model") return true;
  const json &c = entry["config"];
  return c.is_object() && c.contains("layers") && (c.contains("input_layers") || c.contains("output_layers"));
}

bool isRefTriple(const json &v) {
  return v.is_array() && (v.size() == 3 || v.size() == 4) && v[0].is_string() && v[1].is_number_integer() &&
         v[2].is_number_integer();
}

CallValue tensorValue(const json &triple) {
  CallValue c;
  c.kind = CallValue::Kind::Tensor;
  c.ref = {triple[0].get<std::string>(), triple[1].get<int64_t>(), triple[2].get<int64_t>()};
  return c;
}

CallValue literalValue(const json &v) {
  CallValue c;
  c.literal = v;
  return c;
}

// A list or dict of values, each read with `read`.
template <class Read>
std::optional<CallValue> readItems(const json &v, Read read) {
  CallValue c;
  c.kind = v.is_array() ? CallValue::Kind::List : CallValue::Kind::Dict;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::optional<CallValue> item = read(it.value());
    if (!item) return std::nullopt;
    c.items.push_back({v.is_object() ? it.key() : "", std::move(*item)});
  }
  return c;
}

class Reader {
public:
  Reader(const std::string &text, uint32_t file, const std::string &what, DiagnosticEngine &diags)
      : text_(text), file_(file), what_(what), diags_(diags) {}

  bool readModel(const json &entry, ConfigModel &out, SourceRange range);
  ConfigStyle style = ConfigStyle::Keras2;

private:
  bool fail(SourceRange where, const std::string &message) {
    diags_.report(DiagID::err_import_config, where, what_, message);
    return false;
  }
  SourceRange locate(const std::string &name);
  void indexNames();
  bool readLayer(const json &entry, ConfigLayer &out);
  bool readCall(const json &node, LayerCall &out, const ConfigLayer &layer);
  std::optional<CallValue> readKeras3(const json &v);
  std::optional<CallValue> readKeras2(const json &v);
  std::optional<CallValue> readIO(const json &v);
  bool resolve(ConfigModel &model);

  const std::string &text_;
  uint32_t file_;
  std::string what_;
  DiagnosticEngine &diags_;
  size_t cursor_ = 0;
  bool indexed_ = false;
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> names_;  // name -> its [key, value end) places
};

// Where the entry of the layer named `name` is in the text: the next
// `"name": "<name>"` after the previous layer's (configs list layers in the
// order they are read).
SourceRange Reader::locate(const std::string &name) {
  if (!file_ || name.empty()) return {};
  if (!indexed_) indexNames();
  auto found = names_.find(name);
  if (found == names_.end()) return {};
  const std::vector<std::pair<size_t, size_t>> &places = found->second;
  auto next = std::lower_bound(places.begin(), places.end(), std::make_pair(cursor_, size_t(0)));
  if (next == places.end()) return {};
  cursor_ = next->second;
  return {{file_, uint32_t(next->first)}, uint32_t(next->second)};
}

// Every `"name": "<string>"` in the text, by the string's value (escapes
// decoded), in one pass: searching the text again for each layer took time
// quadratic in the layers when names were not found as written.
void Reader::indexNames() {
  indexed_ = true;
  constexpr std::string_view key = "\"name\"";
  auto skipSpace = [&](size_t i) {
    while (i < text_.size() && std::strchr(" \t\r\n", text_[i]) && text_[i]) ++i;
    return i;
  };
  for (size_t at = text_.find(key); at != std::string::npos; at = text_.find(key, at + 1)) {
    size_t i = skipSpace(at + key.size());
    if (i >= text_.size() || text_[i] != ':') continue;
    i = skipSpace(i + 1);
    if (i >= text_.size() || text_[i] != '"') continue;
    size_t end = i + 1;
    while (end < text_.size() && text_[end] != '"') end += text_[end] == '\\' ? 2 : 1;
    if (end >= text_.size()) return;
    json value = json::parse(text_.begin() + i, text_.begin() + end + 1, nullptr, false);
    if (value.is_string()) names_[value.get<std::string>()].push_back({at, end + 1});
  }
}

// Keras 3 writes call arguments as objects: a tensor is a __keras_tensor__
// with its keras_history, a tuple a __tuple__; lists and dicts are plain.
std::optional<CallValue> Reader::readKeras3(const json &v) {
  std::string cls = serializedClass(v);
  if (cls == "__keras_tensor__") {
    json history = v["config"].is_object() ? v["config"].value("keras_history", json()) : json();
    if (!isRefTriple(history)) return fail({}, "a tensor argument has no valid keras_history"), std::nullopt;
    return tensorValue(history);
  }
  if (cls == "__tuple__") {
    json items = v["config"].is_object() ? v["config"].value("value", json::array()) : json::array();
    return readKeras3(items.is_array() ? items : json::array());
  }
  if (v.is_array() || (v.is_object() && cls.empty()))
    return readItems(v, [&](const json &item) { return readKeras3(item); });
  return literalValue(v);
}

// Keras 2 and TensorFlow.js write a tensor as [layer, node, tensor].
std::optional<CallValue> Reader::readKeras2(const json &v) {
  if (isRefTriple(v) && v.size() == 3) {
    if (v[0] == "_CONSTANT_VALUE") return literalValue(v[2]);  // a constant operand of tensor math
    return tensorValue(v);
  }
  if (v.is_array() || (v.is_object() && serializedClass(v).empty()))
    return readItems(v, [&](const json &item) { return readKeras2(item); });
  return literalValue(v);
}

bool Reader::readCall(const json &node, LayerCall &out, const ConfigLayer &layer) {
  std::string malformed = "a call of layer '" + layer.name + "' is malformed";
  if (node.is_object() && node.contains("args")) {  // Keras 3: {"args": [...], "kwargs": {...}}
    style = ConfigStyle::Keras3;
    if (!node["args"].is_array()) return fail(layer.range, malformed);
    for (const json &a : node["args"]) {
      std::optional<CallValue> v = readKeras3(a);
      if (!v) return false;
      out.args.push_back(std::move(*v));
    }
    json kwargs = node.value("kwargs", json::object());
    if (!kwargs.is_object()) return fail(layer.range, malformed);
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      std::optional<CallValue> v = readKeras3(it.value());
      if (!v) return false;
      out.kwargs.push_back({it.key(), std::move(*v)});
    }
    return true;
  }
  // Keras 2: the tensors of the first argument, each [layer, node, tensor,
  // kwargs], where kwargs holds the call's other arguments.
  json kwargs = json::object();
  bool constant = false;
  std::function<json(const json &)> strip = [&](const json &v) -> json {
    // tf.keras 2 writes a constant first operand of tensor math (`2.0 * x`)
    // as ["_CONSTANT_VALUE", -1, value, kwargs].
    if (v.is_array() && v.size() == 4 && v[0] == "_CONSTANT_VALUE" && v[3].is_object()) {
      kwargs = v[3];
      constant = true;
      return v[2];
    }
    if (isRefTriple(v)) {
      if (v.size() == 4 && v[3].is_object() && !v[3].empty()) kwargs = v[3];
      return json::array({v[0], v[1], v[2]});
    }
    if (!v.is_array() && !v.is_object()) return v;
    json items = v.is_array() ? json::array() : json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (v.is_array()) items.push_back(strip(it.value()));
      else items[it.key()] = strip(it.value());
    }
    return items;
  };
  if (!node.is_array() && !node.is_object()) return fail(layer.range, malformed);
  json first = strip(node);
  // A single tensor is written as a list of one.
  if (first.is_array() && first.size() == 1 && (isRefTriple(first[0]) || constant)) first = first[0];
  std::optional<CallValue> arg = readKeras2(first);
  if (!arg) return false;
  out.args.push_back(std::move(*arg));
  for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
    std::optional<CallValue> v = readKeras2(it.value());
    if (!v) return false;
    out.kwargs.push_back({it.key(), std::move(*v)});
  }
  return true;
}

// A model's input_layers / output_layers: [layer, node, tensor] triples in a
// list, a dict, or (Keras 3, one tensor) alone.
std::optional<CallValue> Reader::readIO(const json &v) {
  if (isRefTriple(v) && v.size() == 3) return tensorValue(v);
  if (!v.is_array() && !v.is_object()) return std::nullopt;
  return readItems(v, [&](const json &item) { return readIO(item); });
}

bool Reader::readLayer(const json &entry, ConfigLayer &out) {
  out.className = serializedClass(entry);
  if (out.className.empty()) return fail({}, "a layer entry has no \"class_name\" and \"config\"");
  out.serialized = entry;
  out.config = entry["config"];
  if (entry.contains("name") && entry["name"].is_string()) out.name = entry["name"].get<std::string>();
  else if (out.config.is_object() && out.config.contains("name") && out.config["name"].is_string())
    out.name = out.config["name"].get<std::string>();
  out.range = locate(out.name);
  if (out.name.empty()) return fail(out.range, "a " + out.className + " layer has no name");
  if (isModelEntry(entry)) {
    out.model = std::make_unique<ConfigModel>();
    return readModel(entry, *out.model, out.range);
  }
  if (!out.config.is_object()) return fail(out.range, "the config of layer '" + out.name + "' is not an object");
  if (out.config.contains("layer") && isModelEntry(out.config["layer"])) {
    out.wrapped = std::make_unique<ConfigModel>();
    return readModel(out.config["layer"], *out.wrapped, out.range);
  }
  return true;
}

// Keras numbers the calls of a layer as its nodes. A model used as a layer
// has a node of its own first (tf.keras 2 and TensorFlow.js count it
// everywhere; Keras 3 counts it only in input_layers/output_layers, and
// only for functional models), so config node n is call n - base.
bool Reader::resolve(ConfigModel &model) {
  std::map<std::string, const ConfigLayer *> byName;
  for (const ConfigLayer &l : model.layers) {
    if (!byName.emplace(l.name, &l).second) return fail(l.range, "two layers are named '" + l.name + "'");
  }
  auto base = [&](const ConfigLayer &l, bool io) -> int64_t {
    if (!l.model) return 0;
    if (style != ConfigStyle::Keras3) return 1;
    return io && !l.model->sequential ? 1 : 0;
  };
  auto fix = [&](std::vector<TensorRef *> &refs, bool io) {
    for (TensorRef *r : refs) {
      auto it = byName.find(r->layer);
      if (it == byName.end()) return fail(model.range, "model '" + model.name + "' refers to a layer '" + r->layer +
                                                           "' that it does not define");
      const ConfigLayer &l = *it->second;
      int64_t calls = l.isInput() ? 1 : int64_t(l.calls.size());
      int64_t call = r->call - base(l, io);
      // Older writers differ on the model's own node: accept the other count
      // when only it fits.
      if (l.model && (call < 0 || call >= calls) && r->call >= 0 && r->call < calls) call = r->call;
      if (l.model && (call < 0 || call >= calls) && r->call - 1 >= 0 && r->call - 1 < calls) call = r->call - 1;
      if (call < 0 || call >= calls)
        return fail(l.range, "model '" + model.name + "' uses call " + std::to_string(r->call) + " of layer '" +
                                 l.name + "', which is called " + std::to_string(calls) + " time(s)");
      r->call = call;
      if (r->tensor < 0) return fail(l.range, "a negative tensor index refers to layer '" + l.name + "'");
    }
    return true;
  };
  for (ConfigLayer &l : model.layers) {
    for (LayerCall &call : l.calls) {
      std::vector<TensorRef *> refs;
      call.collect(refs);
      if (!fix(refs, false)) return false;
    }
  }
  std::vector<TensorRef *> io;
  model.inputs.collect(io);
  model.outputs.collect(io);
  return fix(io, true);
}

bool Reader::readModel(const json &entry, ConfigModel &out, SourceRange range) {
  std::string cls = serializedClass(entry);
  const json &config = entry["config"];
  out.range = range;
  out.sequential = cls == "Sequential";
  const json *layers = nullptr;
  if (out.sequential) {
    // Keras up to 2.2 wrote a Sequential model's config as its list of layers.
    if (config.is_array()) layers = &config;
    if (config.is_object()) {
      if (config.contains("layers")) layers = &config["layers"];
      out.name = config.value("name", "");
      out.buildInputShape = config.value("build_input_shape", json());
    }
    if (out.buildInputShape.is_null() && entry.contains("build_config") && entry["build_config"].is_object())
      out.buildInputShape = entry["build_config"].value("input_shape", json());
  } else if (config.is_object() && config.contains("layers")) {
    layers = &config["layers"];
    out.name = config.value("name", "");
  } else {
    return fail(range, "'" + cls + "' is a subclassed model: its config holds no layer graph; rebuild it as a "
                                   "Sequential or functional model to import it");
  }
  if (!layers || !layers->is_array()) return fail(range, "model '" + out.name + "' has no list of layers");
  if (out.name.empty()) out.name = out.sequential ? "sequential" : "model";

  for (const json &layerEntry : *layers) {
    out.layers.emplace_back();
    ConfigLayer &layer = out.layers.back();
    if (!readLayer(layerEntry, layer)) return false;
    if (out.sequential) continue;
    json nodes = layerEntry.value("inbound_nodes", json::array());
    if (!nodes.is_array()) return fail(layer.range, "the calls of layer '" + layer.name + "' are malformed");
    for (const json &node : nodes) {
      layer.calls.emplace_back();
      if (!readCall(node, layer.calls.back(), layer)) return false;
    }
  }
  if (out.sequential) return true;

  std::optional<CallValue> inputs = readIO(config.value("input_layers", json()));
  std::optional<CallValue> outputs = readIO(config.value("output_layers", json()));
  if (!inputs || !outputs) return fail(range, "the inputs or outputs of model '" + out.name + "' are malformed");
  out.inputs = std::move(*inputs);
  out.outputs = std::move(*outputs);
  return resolve(out);
}

// What TensorFlow.js writes differently from Keras: Reshape's inferred axis
// as null (Keras: -1); SeparableConv's depth_multiplier left out of the
// config (its depthwise kernel's last axis in the weights manifest).
void normalizeTfjs(json &j, const json &manifest) {
  if (j.is_array()) {
    for (json &item : j) normalizeTfjs(item, manifest);
    return;
  }
  if (!j.is_object()) return;
  std::string cls = serializedClass(j);
  json &c = j.contains("config") ? j["config"] : j;
  if (cls == "Reshape" && c.is_object() && c.contains("target_shape") && c["target_shape"].is_array())
    for (json &d : c["target_shape"])
      if (d.is_null()) d = -1;
  if ((cls == "SeparableConv1D" || cls == "SeparableConv2D") && c.is_object() && !c.contains("depth_multiplier") &&
      manifest.is_array()) {
    std::string name = c.value("name", "") + "/depthwise_kernel";
    for (const json &group : manifest)
      for (const json &w : group.value("weights", json::array()))
        if (w.value("name", "") == name && w.contains("shape") && w["shape"].is_array() && !w["shape"].empty())
          c["depth_multiplier"] = w["shape"].back();
  }
  for (auto it = j.begin(); it != j.end(); ++it) normalizeTfjs(it.value(), manifest);
}

}  // namespace

std::optional<ParsedConfig> parseModelConfig(const std::string &text, uint32_t file, const std::string &what,
                                             const std::string &kerasVersion, DiagnosticEngine &diags) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    diags.report(DiagID::err_import_config, SourceRange{}, what, "is not a valid JSON object");
    return std::nullopt;
  }
  ParsedConfig result;
  result.kerasVersion = kerasVersion;
  const json *model = &root;
  if (root.contains("modelTopology")) {  // TensorFlow.js model.json
    result.style = ConfigStyle::Tfjs;
    normalizeTfjs(root["modelTopology"], root.value("weightsManifest", json()));
    model = &root["modelTopology"];
  }
  if (model->is_object() && model->contains("model_config")) model = &(*model)["model_config"];
  for (const json *j : {static_cast<const json *>(&root), model})
    if (j->is_object() && j->contains("keras_version") && (*j)["keras_version"].is_string())
      result.kerasVersion = (*j)["keras_version"].get<std::string>();
  if (serializedClass(*model).empty()) {
    diags.report(DiagID::err_import_config, SourceRange{}, what,
                 "holds no Keras model config (no \"class_name\" and \"config\"; expected the output of "
                 "model.to_json() or a TensorFlow.js model.json with \"modelTopology\")");
    return std::nullopt;
  }
  // tf.keras 2.13+ writes "module" keys too: Keras 3 is told by its version,
  // its call format ({"args", "kwargs"}) and its dtype policy objects.
  Reader reader(text, file, what, diags);
  reader.style = result.style == ConfigStyle::Tfjs            ? ConfigStyle::Tfjs
                 : result.kerasVersion.rfind("3.", 0) == 0 ? ConfigStyle::Keras3
                                                            : ConfigStyle::Keras2;
  if (!reader.readModel(*model, result.model, {})) return std::nullopt;
  if (result.style != ConfigStyle::Tfjs) result.style = reader.style;
  if (result.style == ConfigStyle::Keras2 && text.find("\"DTypePolicy\"") != std::string::npos)
    result.style = ConfigStyle::Keras3;
  return result;
}

}  // namespace kiln::import
