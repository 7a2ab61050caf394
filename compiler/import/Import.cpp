// Writes a model config as .kiln source: nested models first, each as its
// own Sequential([...]) or functional block, layers named as in Keras (the
// weights are bound by these names), tensors in variables named after
// their layers.
#include "import/Import.h"

#include "import/KerasConfig.h"
#include "import/LayerArguments.h"
#include "import/TensorMath.h"
#include "graph/Graph.h"
#include "layers/LayerKind.h"

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

namespace kiln {

using nlohmann::json;
using namespace import;

namespace {

// Python identifiers for the variables: made from Keras names, unique, and
// never a keyword or a name the file imports.
class Names {
public:
  std::string claim(const std::string &stem) {
    std::string id;
    for (char c : stem) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "x_" + id;
    std::string candidate = id;
    for (int n = 2; reserved(candidate) || !used_.insert(candidate).second; ++n) candidate = id + "_" + std::to_string(n);
    return candidate;
  }

private:
  static bool reserved(const std::string &id) {
    static const std::set<std::string> words = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "Input", "Model", "Sequential",
        "Functional", "keras", "tf", "layers", "initializers"};
    return words.count(id) || LayerRegistry::instance().find(id);
  }
  std::set<std::string> used_;
};

std::string joinLines(const std::vector<std::string> &items, const std::string &indent) {
  std::string s;
  for (const std::string &item : items) s += indent + item + ",\n";
  return s;
}

class Writer {
public:
  Writer(const ParsedConfig &config, ImportContext &cx) : config_(config), cx_(cx) {}

  bool write() {
    std::string var = names_.claim("model");
    return writeModel(config_.model, var);
  }
  const std::string &body() const { return body_; }
  bool usesInput() const { return usesInput_; }
  std::vector<MaskExpectation> &masks() { return masks_; }

private:
  bool writeModel(const ConfigModel &m, const std::string &var);
  bool writeSequential(const ConfigModel &m, const std::string &var);
  bool writeFunctional(const ConfigModel &m, const std::string &var);
  std::string inputCall(const ConfigLayer &input);
  void findMaskOps(const ConfigModel &m);
  void findCombinedMaskOps(const ConfigModel &m);
  bool takeMasks(const ConfigLayer &l, size_t index, const CallValue &mask);
  bool emitCall(const ConfigLayer &l, size_t index);
  bool emitTensorMath(const ConfigLayer &l, size_t index);
  std::optional<std::string> argumentText(const ConfigLayer &l, const CallValue &v);
  std::optional<std::string> valueText(const CallValue &v);

  const ParsedConfig &config_;
  ImportContext &cx_;
  Names names_;
  std::string body_;
  bool usesInput_ = false;
  std::map<const ConfigModel *, std::string> modelVars_;
  std::map<const ConfigLayer *, std::string> sharedVars_;  // layers called more than once
  std::set<const ConfigLayer *> failed_;                   // layers whose errors are reported
  std::map<std::tuple<std::string, int64_t, int64_t>, std::string> tensors_;
  std::set<std::string> maskOps_;                // operations that compute a layer's mask
  std::map<std::string, std::string> maskOf_;    // such an operation -> the layer whose mask it is
  std::vector<MaskExpectation> masks_;
};

const TensorRef *firstTensor(const LayerCall &call) {
  return !call.args.empty() && call.args[0].kind == CallValue::Kind::Tensor ? &call.args[0].ref : nullptr;
}

std::tuple<std::string, int64_t, int64_t> tensorKey(const TensorRef &t) { return {t.layer, t.call, t.tensor}; }

// Keras 3 records the masks that layers compute as operations on their
// inputs: Embedding(mask_zero=True)'s as NotEqual(ids, 0), Masking(v)'s as
// Any(NotEqual(x, v), axis=-1). Kiln computes these masks itself. Found
// through indexes, so that a config of many such layers imports in time
// proportional to its pairs that match, not to the cube of its layers.
void Writer::findMaskOps(const ConfigModel &m) {
  std::map<std::tuple<std::string, int64_t, int64_t>, std::vector<const ConfigLayer *>> maskersOn;
  std::map<std::string, std::vector<const ConfigLayer *>> anyOver;  // Any(x, axis=-1) by x's layer
  for (const ConfigLayer &l : m.layers) {
    if (l.className == "Embedding" || l.className == "Masking")
      for (const LayerCall &call : l.calls)
        if (const TensorRef *x = firstTensor(call)) maskersOn[tensorKey(*x)].push_back(&l);
    if (l.className == "Any" && l.calls.size() == 1 && firstTensor(l.calls[0]) &&
        l.config.value("axis", json()) == json(-1) && l.config.value("keepdims", json(false)) == json(false))
      anyOver[firstTensor(l.calls[0])->layer].push_back(&l);
  }
  for (const ConfigLayer &op : m.layers) {
    if (op.className != "NotEqual" || op.calls.size() != 1) continue;
    const LayerCall &c = op.calls[0];
    if (c.args.size() != 2 || !firstTensor(c) || c.args[1].kind != CallValue::Kind::Literal ||
        !c.args[1].literal.is_number())
      continue;
    double value = c.args[1].literal.get<double>();
    auto maskers = maskersOn.find(tensorKey(*firstTensor(c)));
    if (maskers == maskersOn.end()) continue;
    for (const ConfigLayer *l : maskers->second) {
      if (l->className == "Embedding" && l->config.value("mask_zero", json(false)) == json(true) && value == 0) {
        maskOps_.insert(op.name);
        maskOf_[op.name] = l->name;
      }
      json maskValue = l->config.value("mask_value", json(0.0));
      if (l->className != "Masking" || !maskValue.is_number() || maskValue.get<double>() != value) continue;
      auto anys = anyOver.find(op.name);
      if (anys == anyOver.end()) continue;
      for (const ConfigLayer *any : anys->second) {
        maskOps_.insert(op.name);
        maskOps_.insert(any->name);
        maskOf_[any->name] = l->name;
      }
    }
  }
  findCombinedMaskOps(m);
}

// Keras 3 also records how layers combine masks (compute_mask):
// Concatenate's ones_like(x) or logical_or(expand_dims(mask), zeros_like(x))
// per input, then concatenate and any; Add's logical_or; Attention's
// convert_to_tensor. Kiln combines them itself as well. Such an operation
// takes masks (ones_like and zeros_like of dtype bool: any tensor) and
// feeds a mask; the configs list the operations after their arguments.
void Writer::findCombinedMaskOps(const ConfigModel &m) {
  static const std::set<std::string> combiners{"ExpandDims", "LogicalOr", "Concatenate", "Any", "ConvertToTensor"};
  std::set<std::string> filled;  // bool ones_like and zeros_like: masks made to a tensor's shape
  for (const ConfigLayer &l : m.layers)
    if (isKeras3Operation(l) && (l.className == "OnesLike" || l.className == "ZerosLike") &&
        l.config.value("dtype", json()) == json("bool"))
      filled.insert(l.name);
  for (bool grew = true; grew;) {
    grew = false;
    for (const ConfigLayer &l : m.layers) {
      if (!isKeras3Operation(l) || !combiners.count(l.className) || l.calls.size() != 1 || maskOps_.count(l.name))
        continue;
      std::vector<TensorRef *> refs;
      const_cast<LayerCall &>(l.calls[0]).collect(refs);
      bool masks = !refs.empty(), someMask = false;
      for (const TensorRef *r : refs) {
        masks &= maskOps_.count(r->layer) || filled.count(r->layer);
        someMask |= maskOps_.count(r->layer) != 0;
      }
      if (!masks || !someMask) continue;
      maskOps_.insert(l.name);
      for (const TensorRef *r : refs)
        if (filled.count(r->layer)) maskOps_.insert(r->layer);
      // convert_to_tensor passes a mask on; the others make a new one.
      bool passed = l.className == "ConvertToTensor" && maskOf_.count(refs[0]->layer);
      maskOf_[l.name] = passed ? maskOf_[refs[0]->layer] : kCombinedMask;
      grew = true;
    }
  }
}

// The `mask=` of a call: masks Kiln makes itself (see findMaskOps), or
// none; recorded to be checked once the imported model is evaluated.
bool Writer::takeMasks(const ConfigLayer &l, size_t index, const CallValue &mask) {
  std::vector<const CallValue *> parts;
  if (mask.kind == CallValue::Kind::List)
    for (const auto &[key, item] : mask.items) parts.push_back(&item);
  else
    parts.push_back(&mask);
  for (size_t i = 0; i < parts.size(); ++i) {
    const CallValue &p = *parts[i];
    if (p.kind == CallValue::Kind::Literal && p.literal.is_null()) {
      masks_.push_back({l.name, int64_t(index), i, ""});
    } else if (p.kind == CallValue::Kind::Tensor && maskOf_.count(p.ref.layer)) {
      masks_.push_back({l.name, int64_t(index), i, maskOf_[p.ref.layer]});
    } else {
      cx_.diags.report(DiagID::err_import_call_argument, l.range, "mask", l.className + " layer '" + l.name + "'",
                       "a mask Kiln cannot compute");
      return false;
    }
  }
  return true;
}

bool Writer::writeModel(const ConfigModel &m, const std::string &var) {
  bool ok = true;
  for (const ConfigLayer &l : m.layers) {
    if (l.wrapped) {
      std::string wrapped = names_.claim(l.wrapped->name.empty() ? l.name + "_layer" : l.wrapped->name);
      ok &= writeModel(*l.wrapped, wrapped);
      cx_.wrappedModels[&l.config["layer"]] = wrapped;
    }
    if (!l.model || modelVars_.count(l.model.get())) continue;
    std::string nested = names_.claim(l.name);
    ok &= writeModel(*l.model, nested);
    modelVars_[l.model.get()] = nested;
  }
  return (m.sequential ? writeSequential(m, var) : writeFunctional(m, var)) && ok;
}

std::string Writer::inputCall(const ConfigLayer &input) {
  const json &c = input.config;
  usesInput_ = true;
  std::vector<std::string> args;
  json shape = c.contains("batch_shape") ? c["batch_shape"] : c.value("batch_input_shape", json());
  if (std::string s = shapeArgument(shape, "shape", "batch_shape"); !s.empty()) args.push_back(s);
  if (std::string dtype = dtypeName(c.value("dtype", json())); !dtype.empty() && dtype != "float32")
    args.push_back("dtype=" + pythonString(dtype));
  for (const char *unsupported : {"sparse", "ragged"})
    if (c.value(unsupported, json(false)) == json(true))
      cx_.diags.report(DiagID::err_import_argument_unsupported, input.range, unsupported,
                       "InputLayer '" + input.name + "'", "True");
  args.push_back("name=" + pythonString(input.name));
  std::string call = "Input(";
  for (size_t i = 0; i < args.size(); ++i) call += (i ? ", " : "") + args[i];
  return call + ")";
}

bool Writer::writeSequential(const ConfigModel &m, const std::string &var) {
  std::vector<std::string> items;
  bool ok = true;
  size_t first = 0;
  std::vector<std::string> inputArgs;  // the first layer's input_shape=...
  const ConfigLayer *firstLayer = nullptr;
  if (!m.layers.empty() && m.layers[0].isInput()) {
    const ConfigLayer &input = m.layers[0];
    first = 1;
    firstLayer = m.layers.size() > 1 && !m.layers[1].model ? &m.layers[1] : nullptr;
    // Keras names the input it makes for a first layer with input_shape
    // '<layer>_input': write that form back.
    if (firstLayer && input.name == firstLayer->name + "_input") {
      const json &c = input.config;
      json shape = c.contains("batch_shape") ? c["batch_shape"] : c.value("batch_input_shape", json());
      inputArgs.push_back(shapeArgument(shape, "input_shape", "batch_input_shape"));
      if (std::string dtype = dtypeName(c.value("dtype", json())); !dtype.empty() && dtype != "float32")
        inputArgs.push_back("dtype=" + pythonString(dtype));
      if (inputArgs[0].empty()) inputArgs.clear();
    }
    if (inputArgs.empty()) items.push_back(inputCall(input));
  } else if (!m.layers.empty() && !m.layers[0].model) {
    firstLayer = &m.layers[0];
    const json &c = firstLayer->config;
    json shape = c.contains("batch_shape") ? c["batch_shape"] : c.value("batch_input_shape", json());
    if (std::string s = shapeArgument(shape, "input_shape", "batch_input_shape"); !s.empty()) inputArgs.push_back(s);
    else if (const LayerKind *kind = LayerRegistry::instance().find(firstLayer->className);
             kind && c.value("input_dim", json()).is_number_integer() && !kind->findArg("input_dim"))
      inputArgs.push_back("input_dim=" + pythonLiteral(c["input_dim"]));
    if (std::string dtype = dtypeName(c.value("dtype", json())); !inputArgs.empty() && !dtype.empty() &&
                                                                  dtype != "float32" && dtype.find("float") == std::string::npos)
      inputArgs.push_back("dtype=" + pythonString(dtype));
  }
  for (size_t i = first; i < m.layers.size(); ++i) {
    const ConfigLayer &l = m.layers[i];
    if (l.model) {
      items.push_back(modelVars_[l.model.get()]);
      continue;
    }
    if (l.isInput()) {
      cx_.diags.report(DiagID::err_import_config, l.range, cx_.what,
                       "Sequential model '" + m.name + "' has an InputLayer after its first layer");
      ok = false;
      continue;
    }
    std::optional<std::string> expr =
        layerConstructor(cx_, l.className, l.config, l.name, l.range, &l == firstLayer ? inputArgs : std::vector<std::string>{});
    if (expr) items.push_back(*expr);
    else ok = false;
  }
  if (!ok) return false;
  body_ += var + " = Sequential([\n" + joinLines(items, "    ") + "], name=" + pythonString(m.name) + ")\n";
  if (inputArgs.empty() && first == 0 && m.buildInputShape.is_array())
    body_ += var + ".build(" + pythonLiteral(m.buildInputShape) + ")\n";
  body_ += "\n";
  return true;
}

std::optional<std::string> Writer::valueText(const CallValue &v) {
  switch (v.kind) {
  case CallValue::Kind::Tensor: {
    auto it = tensors_.find(tensorKey(v.ref));
    if (it == tensors_.end() || it->second.empty()) return std::nullopt;  // empty: a mask operation
    return it->second;
  }
  case CallValue::Kind::List:
  case CallValue::Kind::Dict: {
    bool dict = v.kind == CallValue::Kind::Dict;
    std::string s = dict ? "{" : "[";
    for (size_t i = 0; i < v.items.size(); ++i) {
      std::optional<std::string> item = valueText(v.items[i].second);
      if (!item) return std::nullopt;
      s += (i ? ", " : "") + (dict ? pythonString(v.items[i].first) + ": " : "") + *item;
    }
    return s + (dict ? "}" : "]");
  }
  case CallValue::Kind::Literal:
    // Keras 3's constant tensor among an operation's arguments (the mean
    // that preprocess_input adds): its values, which Kiln takes as a tensor.
    if (serializedClass(v.literal) == "__tensor__" && v.literal["config"].is_object() &&
        v.literal["config"].contains("value"))
      return pythonLiteral(v.literal["config"]["value"]);
    return pythonLiteral(v.literal);
  }
  return std::nullopt;
}

// A call argument's text; reports what it uses that has no variable.
std::optional<std::string> Writer::argumentText(const ConfigLayer &l, const CallValue &v) {
  std::optional<std::string> t = valueText(v);
  if (!t) {
    std::vector<TensorRef *> refs;
    const_cast<CallValue &>(v).collect(refs);
    std::string problem = "layer '" + l.name + "' is called on a mask computation, which Kiln cannot import";
    for (const TensorRef *r : refs)
      if (!maskOps_.count(r->layer) && !tensors_.count(tensorKey(*r)))
        problem = "layer '" + l.name + "' uses output " + std::to_string(r->tensor) + " of layer '" + r->layer +
                  "', which has no such output";
    cx_.diags.report(DiagID::err_import_config, l.range, cx_.what, problem);
  }
  return t;
}

// Tensor math between layers: `name = <expression>`, which makes the layer.
bool Writer::emitTensorMath(const ConfigLayer &l, size_t index) {
  std::optional<std::string> expr = tensorMathExpression(
      cx_, l, l.calls[index], [&](const CallValue &v) { return argumentText(l, v); });
  std::string var = names_.claim(l.calls.size() > 1 ? l.name + "_out" + std::to_string(index) : l.name);
  tensors_[{l.name, int64_t(index), 0}] = var;
  if (expr) body_ += var + " = " + *expr + "\n";
  return expr.has_value();
}

// Emits call `index` of layer `l`, whose inputs all have variables.
bool Writer::emitCall(const ConfigLayer &l, size_t index) {
  if (isTensorMath(l)) return emitTensorMath(l, index);
  const LayerCall &call = l.calls[index];
  std::string layer = l.className + " layer '" + l.name + "'";
  const LayerKind *kind = l.model ? nullptr : LayerRegistry::instance().find(l.className);
  std::set<std::string> callParams;
  if (kind)
    for (const CallParam &p : kind->callSignature()) callParams.insert(p.name);
  std::vector<CallValue> positional = call.args;
  std::vector<std::pair<std::string, CallValue>> keywords;
  // tf.keras 2 records `rnn(x, initial_state=[h, c])` as a call on [x, h, c]
  // (Bidirectional's with `initial_state: null` beside it).
  bool hasInitialState = false;
  for (const auto &[key, v] : call.kwargs) hasInitialState |= key == "initial_state" && v.hasTensors();
  if (kind && callParams.count("initial_state") && !hasInitialState && positional.size() == 1 &&
      positional[0].kind == CallValue::Kind::List && positional[0].items.size() > 1 && !kind->inputArity().list) {
    CallValue states = positional[0];
    positional = {states.items[0].second};
    states.items.erase(states.items.begin());
    keywords.push_back({"initial_state", std::move(states)});
  }
  bool ok = true;
  for (const auto &[key, v] : call.kwargs) {
    bool empty = !v.hasTensors() && (v.kind != CallValue::Kind::Literal || v.literal.is_null() || v.literal == json(false));
    if (key == "mask") {
      ok &= takeMasks(l, index, v);
    } else if (key == "training") {
      // Keras 3 records its preprocessing layers' training=True default, and
      // its predict passes training=False to every layer over what a call
      // recorded; tf.keras 2 keeps a recorded training=True.
      if (!empty && cx_.style != ConfigStyle::Keras3) {
        cx_.diags.report(DiagID::err_import_call_argument, l.range, key, layer, pythonLiteral(v.literal));
        ok = false;
      }
    } else if (callParams.count(key)) {
      if (!(v.kind == CallValue::Kind::Literal && v.literal.is_null())) keywords.push_back({key, v});
    } else if (!empty) {
      cx_.diags.report(DiagID::err_import_call_argument, l.range, key, layer,
                       v.kind == CallValue::Kind::Literal ? pythonLiteral(v.literal) : "a tensor");
      ok = false;
    }
  }
  std::vector<std::string> args;
  auto text = [&](const CallValue &v) {
    std::optional<std::string> t = argumentText(l, v);
    ok &= t.has_value();
    return t.value_or("");
  };
  for (const CallValue &a : positional) args.push_back(text(a));
  for (const auto &[key, v] : keywords) args.push_back(key + "=" + text(v));

  std::string callee;
  std::vector<std::string> outputs{""};
  if (l.model) {
    callee = modelVars_[l.model.get()];
    std::vector<TensorRef *> refs;
    const_cast<CallValue &>(l.model->outputs).collect(refs);
    outputs.resize(l.model->sequential ? 1 : refs.size());
    for (size_t t = 1; t < outputs.size(); ++t) outputs[t] = "_" + std::to_string(t);
  } else {
    // A layer's errors are reported at its first call only.
    std::optional<std::string> expr = sharedVars_.count(&l) ? std::optional<std::string>("")
                                      : failed_.count(&l)   ? std::nullopt
                                                            : layerConstructor(cx_, l.className, l.config, l.name, l.range);
    if (!expr) failed_.insert(&l);
    ok &= expr.has_value();
    outputs = layerOutputs(l.className, l.config, call.kwargs);
    if (!ok) {
    } else if (l.calls.size() == 1) {
      callee = *expr;
    } else {
      if (!sharedVars_.count(&l)) {
        sharedVars_[&l] = names_.claim(l.name);
        body_ += sharedVars_[&l] + " = " + *expr + "\n";
      }
      callee = sharedVars_[&l];
    }
  }
  // The outputs get their variables even after an error, so that the calls
  // after it are still checked.
  std::string stem = l.model || l.calls.size() > 1 ? l.name + "_out" + (l.calls.size() > 1 ? std::to_string(index) : "")
                                                   : l.name;
  std::string targets;
  for (size_t t = 0; t < outputs.size(); ++t) {
    std::string v = names_.claim(stem + outputs[t]);
    tensors_[{l.name, int64_t(index), int64_t(t)}] = v;
    targets += (t ? ", " : "") + v;
  }
  std::string line = targets + " = " + callee + "(";
  for (size_t i = 0; i < args.size(); ++i) line += (i ? ", " : "") + args[i];
  body_ += line + ")\n";
  return ok;
}

bool Writer::writeFunctional(const ConfigModel &m, const std::string &var) {
  findMaskOps(m);
  for (const std::string &op : maskOps_) tensors_[{op, 0, 0}] = "";
  for (const ConfigLayer &l : m.layers) {
    if (!l.isInput()) continue;
    std::string v = names_.claim(l.name);
    tensors_[{l.name, 0, 0}] = v;
    body_ += v + " = " + inputCall(l) + "\n";
  }
  // Calls in an order where every input exists, as Keras's from_config
  // replays them: sweep the layers until no call is left.
  std::vector<size_t> next(m.layers.size(), 0);
  bool ok = true;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < m.layers.size(); ++i) {
      const ConfigLayer &l = m.layers[i];
      if (maskOps_.count(l.name)) next[i] = l.calls.size();
      for (; next[i] < l.calls.size(); ++next[i]) {
        std::vector<TensorRef *> refs;
        const_cast<LayerCall &>(l.calls[next[i]]).collect(refs);
        bool ready = true;
        for (TensorRef *r : refs) ready &= tensors_.count(tensorKey(*r)) != 0;
        if (!ready) break;
        ok &= emitCall(l, next[i]);
        progress = true;
      }
    }
  }
  for (size_t i = 0; i < m.layers.size(); ++i) {
    if (next[i] < m.layers[i].calls.size()) {
      cx_.diags.report(DiagID::err_import_config, m.layers[i].range, cx_.what,
                       "call " + std::to_string(next[i]) + " of layer '" + m.layers[i].name +
                           "' uses a tensor that no call of the model makes (or the calls form a cycle)");
      return false;
    }
  }
  if (!ok) return false;
  auto io = [&](const CallValue &v) -> std::optional<std::string> {
    // Keras 2 lists even a single input or output.
    if (v.kind == CallValue::Kind::List && v.items.size() == 1) return valueText(v.items[0].second);
    return valueText(v);
  };
  std::optional<std::string> inputs = io(m.inputs), outputs = io(m.outputs);
  if (!inputs || !outputs) {
    cx_.diags.report(DiagID::err_import_config, m.range, cx_.what,
                     "an input or output of model '" + m.name + "' is no tensor of the model");
    return false;
  }
  body_ += var + " = Model(inputs=" + *inputs + ", outputs=" + *outputs + ", name=" + pythonString(m.name) + ")\n\n";
  return true;
}

std::string describeSource(const ParsedConfig &c) {
  if (c.style == ConfigStyle::Tfjs) return "TensorFlow.js";
  std::string keras = c.style == ConfigStyle::Keras3 ? "Keras 3" : "Keras 2";
  if (!c.kerasVersion.empty() && c.kerasVersion[0] == keras.back()) keras = "Keras " + c.kerasVersion;
  return keras;
}

std::optional<ImportedModel> importConfig(const std::string &configText, uint32_t file, const std::string &what,
                                          const std::string &kerasVersion, DiagnosticEngine &diags) {
  std::optional<ParsedConfig> config = parseModelConfig(configText, file, what, kerasVersion, diags);
  if (!config) return std::nullopt;
  ImportContext cx{diags, what, config->style, {}, false};
  Writer writer(*config, cx);
  unsigned errors = diags.errorCount();
  if (!writer.write() || diags.errorCount() != errors) return std::nullopt;

  ImportedModel result;
  result.keras3 = config->style == ConfigStyle::Keras3;
  result.masks = std::move(writer.masks());
  std::string &s = result.source;
  s += "# Imported by kilnc from " + std::filesystem::path(what).filename().string() + ": " + describeSource(*config) + " model " +
       pythonString(config->model.name) + ".\n";
  if (result.keras3) s += "# Keras 3 semantics: build with --keras-version 3.\n";
  if (cx.initializerObjects) s += "from keras import initializers\n";
  if (cx.kerasOps) s += "from keras import ops\n";
  if (cx.tensorflow) s += "import tensorflow as tf\n";
  if (writer.usesInput()) cx.layerClasses.insert("Input");
  std::string layers;
  for (const std::string &cls : cx.layerClasses) layers += (layers.empty() ? "" : ", ") + cls;
  s += "from keras.layers import " + layers + "\n";
  bool sequential = false, functional = false;
  std::function<void(const ConfigModel &)> kinds = [&](const ConfigModel &m) {
    (m.sequential ? sequential : functional) = true;
    for (const ConfigLayer &l : m.layers)
      if (l.model) kinds(*l.model);
  };
  kinds(config->model);
  s += std::string("from keras.models import ") + (functional ? "Model" : "") + (functional && sequential ? ", " : "") +
       (sequential ? "Sequential" : "") + "\n\n";
  s += writer.body();
  while (s.size() > 1 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') s.pop_back();
  return result;
}

}  // namespace

std::optional<ImportedModel> importModelConfig(const std::string &configText, uint32_t file, const std::string &what,
                                               const std::string &kerasVersion, DiagnosticEngine &diags) {
  // The config is read with JSON accessors that throw where a value has a
  // type Keras never writes there (a number for a layer's name): such a
  // config is malformed, like one missing a key.
  try {
    return importConfig(configText, file, what, kerasVersion, diags);
  } catch (const nlohmann::json::exception &) {
    diags.report(DiagID::err_import_config, SourceRange{}, what,
                 "is malformed: a value in it has a type Keras never writes there");
    return std::nullopt;
  }
}

}  // namespace kiln

namespace kiln {

namespace {

void collectLayers(const Model &model, std::map<std::string, const Layer *> &out) {
  for (const Layer *l : model.layers) {
    out.emplace(l->name, l);
    if (l->model) collectLayers(*l->model, out);
  }
}

// True if `mask` is made by an Embedding(mask_zero=True) from the same ids
// as the layer named `source` is: both are ids != 0. Keras 3 records one such
// layer for the other when several embed the same ids.
bool sameTokenMask(const Tensor *mask, const std::map<std::string, const Layer *> &layers, const std::string &source) {
  auto it = layers.find(source);
  if (!mask || it == layers.end() || mask->producer->layer->className() != "Embedding" ||
      it->second->className() != "Embedding" || mask->producer->inputs.empty())
    return false;
  const Tensor *ids = mask->producer->inputs[0];
  return std::any_of(it->second->nodes.begin(), it->second->nodes.end(),
                     [&](const Node *n) { return !n->inputs.empty() && n->inputs[0] == ids; });
}

}  // namespace

bool checkImportedMasks(const Model &model, const ImportedModel &imported, const std::string &path,
                        DiagnosticEngine &diags) {
  std::map<std::string, const Layer *> layers;
  collectLayers(model, layers);
  bool ok = true;
  for (const MaskExpectation &e : imported.masks) {
    auto it = layers.find(e.layer);
    if (it == layers.end() || size_t(e.call) >= it->second->nodes.size() ||
        e.input >= it->second->nodes[e.call]->inputs.size())
      continue;
    const Node &node = *it->second->nodes[e.call];
    const Tensor *mask = node.inputs[e.input]->mask;
    // Keras 3's TimeDistributed passes its input's mask on, which recurrent
    // layers reduce with any(); Kiln's reduces it itself (see TimeDistributed).
    while (imported.keras3 && mask && mask->producer->layer->className() == "TimeDistributed" &&
           !mask->producer->inputs.empty() && mask->producer->inputs[0]->mask)
      mask = mask->producer->inputs[0]->mask;
    std::string got = mask ? mask->producer->layer->name : "";
    if (got == e.source || sameTokenMask(mask, layers, e.source)) continue;
    if (e.source == kCombinedMask && mask && mask->producer->layer->kind && mask->producer->layer->kind->readsMask())
      continue;
    // Keras 3 records `mask: None` where a nested model's output had no mask
    // when the model was built, though it has one when the model runs (call()
    // takes the input's mask in place of None): Kiln's is that one.
    if (e.source.empty() && node.inputs[e.input]->producer->layer->model) continue;
    diags.report(DiagID::err_import_mask, node.range, path, e.layer,
                 e.source.empty()              ? "no mask"
                 : e.source == kCombinedMask ? "a mask its merge layer combines"
                                             : "the mask of '" + e.source + "'",
                 got.empty() ? "none" : "the mask of '" + got + "'");
    ok = false;
  }
  return ok;
}

}  // namespace kiln
