// Imports and the names Keras code reaches through modules: keras.layers.Dense,
// tf.keras.Input, keras.optimizers.Adam, keras.activations.relu, ...
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"

namespace kiln {

namespace {

const std::vector<Builtin> &builtins() {
  static const std::vector<Builtin> table = {
      {"Input", Builtin::Kind::Input, {}},
      {"Model", Builtin::Kind::Model, {}},
      {"Functional", Builtin::Kind::Model, {}},
      {"Sequential", Builtin::Kind::Sequential, {}},
      // keras.layers' functional interface to the merge layers
      {"add", Builtin::Kind::LayerFunction, "Add"},
      {"subtract", Builtin::Kind::LayerFunction, "Subtract"},
      {"multiply", Builtin::Kind::LayerFunction, "Multiply"},
      {"average", Builtin::Kind::LayerFunction, "Average"},
      {"maximum", Builtin::Kind::LayerFunction, "Maximum"},
      {"minimum", Builtin::Kind::LayerFunction, "Minimum"},
      {"concatenate", Builtin::Kind::LayerFunction, "Concatenate"},
      {"dot", Builtin::Kind::LayerFunction, "Dot"},
      {"VGG16", Builtin::Kind::Application, {}},
      {"VGG19", Builtin::Kind::Application, {}},
  };
  return table;
}

const Builtin *findBuiltin(std::string_view name) {
  for (const Builtin &b : builtins())
    if (b.name == name) return &b;
  return nullptr;
}

// Objects that only matter for training; created on demand, one per name.
const Builtin *trainingObject(const std::string &name, Builtin::Kind kind) {
  static std::deque<Builtin> made;
  for (const Builtin &b : made)
    if (b.name == name && b.kind == kind) return &b;
  made.push_back({name, kind, {}});
  return &made.back();
}

// tensorflow.keras.layers -> keras.layers; tensorflow.python.keras -> keras.
std::string normalizeModule(std::string path) {
  for (const char *prefix : {"tensorflow.python.keras", "tensorflow.keras", "tf.keras", "keras.src"}) {
    std::string p = prefix;
    if (path == p || path.rfind(p + ".", 0) == 0) return "keras" + path.substr(p.size());
  }
  return path;
}

bool isKeras(const std::string &path) { return path == "keras" || path.rfind("keras.", 0) == 0; }
bool isTensorflow(const std::string &path) { return path == "tensorflow" || path.rfind("tensorflow.", 0) == 0; }

std::string lastComponent(const std::string &path) { return path.substr(path.rfind('.') + 1); }

bool isTrainingModule(const std::string &last) {
  return last == "optimizers" || last == "losses" || last == "callbacks" || last == "metrics" ||
         last == "regularizers" || last == "constraints" || last == "schedules" || last == "legacy";
}

}  // namespace

Value Evaluator::lookupGlobal(const std::string &name) const {
  // Keras snippets often omit their imports: layer classes and the model
  // builders are known without them, as after `from keras.layers import *`.
  if (const LayerKind *kind = LayerRegistry::instance().find(name)) {
    Value v = Value::make(ValueKind::LayerClass, {});
    v.layerClass = kind;
    return v;
  }
  if (const Builtin *b = findBuiltin(name)) {
    Value v = Value::make(ValueKind::Builtin, {});
    v.builtin = b;
    return v;
  }
  if (name == "keras" || name == "tf" || name == "layers") {
    Value v = Value::make(ValueKind::Module, {});
    v.text = name == "tf" ? "tensorflow" : name == "layers" ? "keras.layers" : "keras";
    return v;
  }
  return Value::error();
}

Value Evaluator::resolveImport(const std::string &path, SourceRange range) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) {
    Value v = Value::make(ValueKind::Module, range);
    v.text = normalizeModule(path);
    return v;
  }
  std::string module = normalizeModule(path.substr(0, dot));
  if (!isKeras(module) && !isTensorflow(module)) {
    // `from numpy import ...`: only an error once the name is used.
    Value v = Value::make(ValueKind::Module, range);
    v.text = path;
    return v;
  }
  return moduleMember(module, path.substr(dot + 1), range, range);
}

Value Evaluator::moduleMember(const std::string &rawModule, const std::string &name, SourceRange range,
                              SourceRange nameRange) {
  std::string module = normalizeModule(rawModule);
  std::string full = normalizeModule(module + "." + name);
  if (!isKeras(module) && !isTensorflow(module)) {
    diags_.report(DiagID::err_unknown_module, range, rawModule);
    return Value::error(range);
  }
  std::string last = lastComponent(module);
  if (last == "activations" || module == "tensorflow.nn" || module == "keras.backend") {
    if (auto act = canonicalActivation(name)) return Value::ofStr(*act, range);
  }
  if (isTrainingModule(last)) {
    Value v = Value::make(ValueKind::Builtin, range);
    v.builtin = trainingObject(name, Builtin::Kind::TrainingObject);
    return v;
  }
  if (last == "initializers") {
    Value v = Value::make(ValueKind::Builtin, range);
    v.builtin = trainingObject(name, Builtin::Kind::Initializer);
    return v;
  }
  if (const LayerKind *kind = LayerRegistry::instance().find(name)) {
    Value v = Value::make(ValueKind::LayerClass, range);
    v.layerClass = kind;
    return v;
  }
  if (const Builtin *b = findBuiltin(name)) {
    Value v = Value::make(ValueKind::Builtin, range);
    v.builtin = b;
    return v;
  }
  // Lower-case names are submodules: keras.layers.core, tf.keras.applications...
  if (!name.empty() && std::islower(static_cast<unsigned char>(name[0])) && name.find('_') == std::string::npos) {
    Value v = Value::make(ValueKind::Module, range);
    v.text = full;
    return v;
  }
  std::vector<std::string> candidates = LayerRegistry::instance().names();
  for (const Builtin &b : builtins()) candidates.push_back(b.name);
  if (auto m = closestMatch(name, candidates))
    diags_.report(DiagID::err_unknown_import_suggest, nameRange, name, rawModule, *m);
  else
    diags_.report(DiagID::err_unknown_import, nameRange, name, rawModule);
  return Value::error(range);
}

Value Evaluator::callBuiltin(const Builtin &builtin, CallSite &call) {
  switch (builtin.kind) {
  case Builtin::Kind::Input: return makeInput(call);
  case Builtin::Kind::Model: return makeFunctionalModel(call);
  case Builtin::Kind::Sequential: return makeSequential(call);
  case Builtin::Kind::LayerFunction: return callLayerFunction(builtin, call);
  case Builtin::Kind::Application: return makeVGG(builtin, call);
  case Builtin::Kind::TrainingObject:
  case Builtin::Kind::Initializer: {
    Value v = Value::make(ValueKind::Opaque, call.range);
    v.text = builtin.name;
    return v;
  }
  }
  return Value::error(call.range);
}

// concatenate([a, b], axis=1) is Concatenate(axis=1)([a, b]).
Value Evaluator::callLayerFunction(const Builtin &builtin, CallSite &call) {
  CallSite construct{call.range, call.calleeRange, {}};
  CallSite apply{call.range, call.calleeRange, {}};
  for (CallArgument &a : call.args) {
    bool isInputs = a.keyword == "inputs" || (a.keyword.empty() && apply.args.empty());
    (isInputs ? apply : construct).args.push_back(a);
  }
  if (apply.args.empty()) {
    diags_.report(DiagID::err_missing_argument, call.range, builtin.name, "inputs");
    return Value::error(call.range);
  }
  apply.args[0].keyword.clear();
  Value layer = constructLayer(LayerRegistry::instance().find(builtin.layerClass), construct);
  if (layer.is(ValueKind::Error) || layer.layer->invalid) return Value::error(call.range);
  return callLayer(layer.layer, apply);
}

}  // namespace kiln
