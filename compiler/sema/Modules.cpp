// Imports and the names reached through modules: keras.layers.Dense,
// tf.keras.Input, keras.activations.relu, math.ceil, np.prod, ... Any module
// may be imported; what does not build the model (datasets, optimizers,
// callbacks, plotting, NumPy on data, other libraries) resolves to skipped
// values, and names Kiln does not know are errors only where they are used.
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace kiln {

namespace {

using Kind = Builtin::Kind;

const std::vector<Builtin> &builtins() {
  static const std::vector<Builtin> table = {
      {"Input", Kind::Input, {}},
      {"Model", Kind::Model, {}},
      {"Functional", Kind::Model, {}},
      {"Sequential", Kind::Sequential, {}},
      // keras.layers' functional interface to the merge layers
      {"add", Kind::LayerFunction, "Add"},
      {"subtract", Kind::LayerFunction, "Subtract"},
      {"multiply", Kind::LayerFunction, "Multiply"},
      {"average", Kind::LayerFunction, "Average"},
      {"maximum", Kind::LayerFunction, "Maximum"},
      {"minimum", Kind::LayerFunction, "Minimum"},
      {"concatenate", Kind::LayerFunction, "Concatenate"},
      {"dot", Kind::LayerFunction, "Dot"},
      {"merge", Kind::LayerFunction, "Merge"},  // Keras 1
      {"Layer", Kind::LayerBase, {}},
      {"AbstractRNNCell", Kind::LayerBase, {}},  // tf.keras 2's base of custom cells
      {"StringLookup", Kind::Lookup, {}},
      {"IntegerLookup", Kind::Lookup, {}},
  };
  return table;
}

const std::vector<Builtin> &pythonBuiltins() {
  static const std::vector<Builtin> table = [] {
    std::vector<Builtin> t;
    for (const char *name : {"len", "range", "min", "max", "sum", "abs", "round", "int", "float", "str", "bool",
                             "list", "tuple", "dict", "set", "zip", "enumerate", "reversed", "sorted", "any", "all",
                             "map", "filter", "isinstance", "getattr", "hasattr", "pow", "divmod", "repr", "object",
                             "type", "iter", "next", "property", "staticmethod", "classmethod", "setattr", "chr", "ord",
                             "callable"})
      t.push_back({name, Kind::Python, {}});
    return t;
  }();
  return table;
}

const std::vector<Builtin> &mathFunctions() {
  static const std::vector<Builtin> table = [] {
    std::vector<Builtin> t;
    for (const char *name : {"sqrt", "ceil", "floor", "trunc", "exp", "log", "log2", "log10", "pow", "fabs", "gcd",
                             "isclose", "prod", "sin", "cos", "tan"})
      t.push_back({name, Kind::Math, "math"});
    for (const char *name : {"prod", "sum", "max", "amax", "min", "amin", "mean", "sqrt", "ceil", "floor", "trunc",
                             "exp", "log", "log2", "log10", "power", "abs", "round", "float32", "float64", "int32",
                             "int64", "linspace", "arange", "sin", "cos", "tan"})
      t.push_back({name, Kind::Math, "numpy"});
    for (const char *name : {"image_data_format", "set_image_data_format", "image_dim_ordering", "set_image_dim_ordering",
                             "int_shape", "epsilon", "floatx"})
      t.push_back({name, Kind::Backend, "keras.backend"});
    t.push_back({"get_source_inputs", Kind::Backend, "keras.utils"});
    t.push_back({"register_keras_serializable", Kind::Python, "keras.saving"});
    for (const char *name : {"partial", "reduce", "wraps"}) t.push_back({name, Kind::Python, "functools"});
    t.push_back({"get", Kind::Backend, "keras.activations"});
    t.push_back({"TensorShape", Kind::Backend, "tensorflow"});
    t.push_back({"Variable", Kind::Backend, "tensorflow"});
    return t;
  }();
  return table;
}

const Builtin *find(const std::vector<Builtin> &table, std::string_view name, std::string_view detail = {}) {
  for (const Builtin &b : table)
    if (b.name == name && (detail.empty() || b.detail == detail)) return &b;
  return nullptr;
}

Value builtinValue(const Builtin *b, SourceRange range) {
  Value v = Value::make(ValueKind::Builtin, range);
  v.builtin = b;
  return v;
}

// A tensor function; an activation's also stands for its name where an
// activation is expected (Dense(activation=tf.nn.relu)).
Value tensorOpValue(const Builtin *b, const std::string &name, SourceRange range) {
  Value v = builtinValue(b, range);
  if (auto act = canonicalActivation(name)) v.text = *act;
  return v;
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
  // keras_core: Keras 3 before its release.
  for (const char *prefix : {"tensorflow.python.keras", "tensorflow.keras", "tf.keras", "keras.src", "keras._tf_keras.keras",
                             "keras_core",
                             "tensorflow.compat.v1.keras", "tensorflow.compat.v2.keras", "tf.compat.v1.keras",
                             "tf.compat.v2.keras"}) {
    std::string p = prefix;
    if (path == p || path.rfind(p + ".", 0) == 0) return "keras" + path.substr(p.size());
  }
  if (path == "tf" || path.rfind("tf.", 0) == 0) return normalizeModule("tensorflow" + path.substr(2));
  if (path == "np" || path.rfind("np.", 0) == 0) return "numpy" + path.substr(2);
  // Python 2 compatibility modules give Python's builtins (`from six.moves import range`).
  for (const char *compat : {"six.moves.builtins", "six.moves", "future.builtins", "past.builtins", "__builtin__"}) {
    std::string c = compat;
    if (path == c || path.rfind(c + ".", 0) == 0) return "builtins" + path.substr(c.size());
  }
  // keras.ops.nn.relu and keras.ops.numpy.mean are keras.ops.relu and keras.ops.mean.
  for (const char *part : {"keras.ops.nn", "keras.ops.numpy"})
    if (path == part || path.rfind(std::string(part) + ".", 0) == 0) return "keras.ops" + path.substr(strlen(part));
  // TensorFlow 2 exports Keras's initializers, optimizers, losses and
  // metrics under its own name too (tf.initializers.zeros(), tf.optimizers.Adam).
  for (const char *part : {"initializers", "optimizers", "losses", "metrics"}) {
    std::string p = std::string("tensorflow.") + part;
    if (path == p || path.rfind(p + ".", 0) == 0) return "keras" + path.substr(std::string("tensorflow").size());
  }
  return path;
}

bool within(const std::string &path, const std::string &module) {
  return path == module || path.rfind(module + ".", 0) == 0;
}

std::string lastComponent(const std::string &path) { return path.substr(path.rfind('.') + 1); }

// The kind of code a module member is, for skipped values: nothing if it
// builds models.
std::optional<std::string> skippedKerasModule(const std::string &module, const std::string &name) {
  std::string last = lastComponent(module);
  if (within(module, "keras.datasets")) return "data loading";
  if (within(module, "keras.preprocessing") || within(module, "keras.utils")) {
    if (name == "plot_model" || name == "model_to_dot") return "plotting";
    return "data preparation";
  }
  if (last == "optimizers" || last == "losses" || last == "metrics" || last == "callbacks" || last == "schedules" ||
      last == "legacy" || within(module, "keras.mixed_precision") || within(module, "keras.optimizers"))
    return "training";
  if (within(module, "keras.models") || within(module, "keras.saving")) {
    if (name == "load_model" || name == "model_from_json" || name == "model_from_yaml" || name == "save_model" ||
        name == "clone_model")
      return "saving and loading";
  }
  if (within(module, "keras.applications") && name.find('_') != std::string::npos) return "data preparation";
  return std::nullopt;
}

}  // namespace

Value Evaluator::lookupGlobal(const std::string &name) const {
  // Keras snippets often omit their imports: layer classes and the model
  // builders are known without them, as after `from keras.layers import *`.
  if (const LayerKind *kind = LayerRegistry::instance().find(name)) {
    Value v = Value::make(ValueKind::LayerClass, {});
    v.layerClass = kind;
    v.text = name;
    return v;
  }
  if (const Builtin *b = find(builtins(), name)) return builtinValue(b, {});
  if (const Builtin *b = find(pythonBuiltins(), name)) return builtinValue(b, {});
  if (name == "__name__") return Value::ofStr("__main__");  // the file runs as a script
  if (name == "keras" || name == "tf" || name == "layers") {
    Value v = Value::make(ValueKind::Module, {});
    v.text = name == "tf" ? "tensorflow" : name == "layers" ? "keras.layers" : "keras";
    return v;
  }
  if (name == "super") {
    static const Builtin super{"super", Kind::Python, {}};
    return builtinValue(&super, {});
  }
  if (name == "print" || name == "display") return Value::skipped(name, "printing", {});
  if (name == "open" || name == "input" || name == "exit" || name == "quit" || name == "help")
    return Value::skipped(name, "input and output", {});
  return Value::error();
}

namespace {

// os.environ["KERAS_BACKEND"] = "jax" (or "torch", "numpy", "openvino"):
// backends only Keras 3 has (Keras 2.0-2.3 took "tensorflow" there too).
bool setsKeras3Backend(const ast::Stmt &s) {
  if (s.kind != ast::StmtKind::Assign || !s.value || s.value->kind != ast::ExprKind::Str) return false;
  static const std::set<std::string> keras3Only = {"jax", "torch", "numpy", "openvino"};
  for (const ast::ExprPtr &t : s.targets)
    if (t && t->kind == ast::ExprKind::Subscript && t->object && exprText(*t->object) == "os.environ" &&
        t->elements.size() == 1 && t->elements[0]->kind == ast::ExprKind::Str && t->elements[0]->name == "KERAS_BACKEND")
      return keras3Only.count(s.value->name) > 0;
  return false;
}

}  // namespace

bool importsKeras3Api(const ast::Module &module) {
  std::function<bool(const std::vector<ast::StmtPtr> &)> scan = [&](const std::vector<ast::StmtPtr> &statements) {
    for (const ast::StmtPtr &s : statements) {
      if (setsKeras3Backend(*s)) return true;
      for (const ast::ImportName &imp : s->imports)
        if (within(normalizeModule(imp.path), "keras.ops") || within(imp.path, "keras_core")) return true;
      if (scan(s->body) || scan(s->clauses) || (s->function && scan(s->function->body))) return true;
    }
    return false;
  };
  return scan(module.statements);
}

Value Evaluator::resolveImport(const std::string &path, SourceRange range) {
  std::string normalized = normalizeModule(path);
  std::string root = normalized.substr(0, normalized.find('.'));
  if (root == "__future__") return Value::none(range);
  bool known = root == "keras" || root == "tensorflow" || root == "numpy" || root == "math" || root == "builtins" ||
               root == "tensorflow_addons" ||
               normalized == "six" ||
               (root == "functools" && (normalized == root || find(mathFunctions(), lastComponent(normalized), root)));
  if (!known || path[0] == '.') {
    std::string module = path[0] == '.' ? path : path.substr(0, path.find('.') == std::string::npos ? path.size() : path.find('.'));
    return Value::skipped(path, "module '" + module + "' is not available in model files", range);
  }
  size_t dot = normalized.rfind('.');
  if (dot == std::string::npos) {
    Value v = Value::make(ValueKind::Module, range);
    v.text = normalized;
    return v;
  }
  return moduleMember(normalized.substr(0, dot), normalized.substr(dot + 1), range, range);
}

Value Evaluator::moduleMember(const std::string &rawModule, const std::string &name, SourceRange range,
                              SourceRange nameRange) {
  std::string module = normalizeModule(rawModule);
  std::string full = normalizeModule(module + "." + name);
  auto submodule = [&] {
    Value v = Value::make(ValueKind::Module, range);
    v.text = full;
    return v;
  };
  auto unsupported = [&](std::string why) { return Value::skipped(full, std::move(why), range, true); };
  if (full == "keras" || (within(module, "tensorflow") && within(full, "keras")))  // tf.keras, tf.initializers
    return submodule();

  if (module == "math" || module == "numpy") {
    if (name == "pi") return Value::ofFloat(M_PI, range);
    if (name == "e") return Value::ofFloat(M_E, range);
    if (name == "inf") return Value::ofFloat(INFINITY, range);
    if (name == "newaxis" && module == "numpy") return Value::none(range);
    if (const Builtin *b = find(mathFunctions(), name, module)) return builtinValue(b, range);
    if (module == "math") {
      Value m = Value::make(ValueKind::Module, range);
      m.text = module;
      return unknownAttribute(m, name, nameRange, {"sqrt", "ceil", "floor", "log", "exp", "sin", "cos", "pi"});
    }
    if (name == "random" && module == "numpy") return submodule();
    return dataFunction(Value::skipped(rawModule + "." + name, kNumpyOnData, range), full);
  }
  if (within(module, "numpy"))
    return dataFunction(Value::skipped(rawModule + "." + name, kNumpyOnData, range), full);
  if (module == "six") {
    if (full == "builtins") return submodule();
    return Value::skipped(full, "module 'six' gives Kiln six.moves's builtins", range);
  }
  if (module == "builtins") {  // xrange and reduce as Python 3 has them
    if (const Builtin *b = find(pythonBuiltins(), name == "xrange" ? "range" : name)) return builtinValue(b, range);
    if (name == "reduce") return builtinValue(find(mathFunctions(), name, "functools"), range);
    return Value::skipped(rawModule + "." + name, "not one of Python's builtins that Kiln computes", range);
  }
  if (module == "functools") {
    if (const Builtin *b = find(mathFunctions(), name, module)) return builtinValue(b, range);
    return Value::skipped(full, "module 'functools' gives Kiln partial, reduce and wraps", range);
  }

  if (within(module, "tensorflow")) {
    std::string last = lastComponent(module);
    if ((module == "tensorflow" || module == "tensorflow.compat.v1") &&
        (name == "math" || name == "nn" || name == "linalg" || name == "image"))
      return submodule();
    // tf.image.ResizeMethod.BILINEAR: TensorFlow 2's names, TensorFlow 1's numbers.
    if (name == "ResizeMethod") return submodule();
    if (last == "ResizeMethod") {
      static const std::vector<std::pair<std::string, std::string>> methods = {
          {"BILINEAR", "bilinear"}, {"NEAREST_NEIGHBOR", "nearest"}, {"BICUBIC", "bicubic"}, {"AREA", "area"},
          {"LANCZOS3", "lanczos3"}, {"LANCZOS5", "lanczos5"}, {"GAUSSIAN", "gaussian"}, {"MITCHELLCUBIC", "mitchellcubic"}};
      for (size_t i = 0; i < methods.size(); ++i)
        if (methods[i].first == name)
          return within(module, "tensorflow.compat.v1") && i < 4 ? Value::ofInt(int64_t(i), range)
                                                                 : Value::ofStr(methods[i].second, range);
    }
    // tf.compat.v1.keras: Keras 2's layers that TensorFlow 2 keeps there (CuDNNLSTM).
    if ((module == "tensorflow" && name == "compat") || (module == "tensorflow.compat" && (name == "v1" || name == "v2")))
      return submodule();
    if (const Builtin *b = tensorOpBuiltin(module, name)) return tensorOpValue(b, name, range);
    if (module == "tensorflow" && name == "newaxis") return Value::none(range);
    if (module == "tensorflow" && name == "Variable") return builtinValue(find(mathFunctions(), name, module), range);
    // TensorFlow's own names of Keras's initializers (tf.constant_initializer(0.1)).
    static const std::map<std::string, std::string> initializers = {
        {"constant_initializer", "Constant"},          {"zeros_initializer", "Zeros"},
        {"ones_initializer", "Ones"},                  {"random_uniform_initializer", "RandomUniform"},
        {"random_normal_initializer", "RandomNormal"}, {"truncated_normal_initializer", "TruncatedNormal"},
        {"glorot_uniform_initializer", "GlorotUniform"}, {"glorot_normal_initializer", "GlorotNormal"},
        {"orthogonal_initializer", "Orthogonal"},      {"variance_scaling_initializer", "VarianceScaling"}};
    if (auto it = initializers.find(name); module == "tensorflow" && it != initializers.end())
      return builtinValue(trainingObject(it->second, Builtin::Kind::Initializer), range);
    if (module == "tensorflow.nn" || module == "tensorflow.math") {
      if (auto act = canonicalActivation(name)) return Value::ofStr(*act, range);
    }
    static const std::set<std::string> dtypes = {"float16", "float32", "float64", "int8", "int16", "int32",
                                                 "int64", "uint8", "bool"};
    if (module == "tensorflow" && dtypes.count(name)) return Value::ofStr(name, range);
    if (module == "tensorflow" && name == "TensorShape") return builtinValue(find(mathFunctions(), name, module), range);
    std::string tfName = "tf." + full.substr(std::string("tensorflow.").size());
    // Inside a layer's computation it is model code Kiln cannot compile, even
    // on constants (tf.linalg.band_part(tf.ones(...)) as a mask).
    if (trace_) return Value::skipped(tfName, tfName + " is not in the tensor-expression subset Kiln compiles", range, true);
    return Value::skipped(tfName, "a TensorFlow function; models are built from Keras layers", range);
  }
  // TensorFlow Addons: its normalization layers, which GAN and style-transfer
  // code took from it before Keras had them.
  if (within(module, "tensorflow_addons")) {
    if (full == "tensorflow_addons.layers") return submodule();
    if (module == "tensorflow_addons.layers" && (name == "InstanceNormalization" || name == "GroupNormalization")) {
      Value v = Value::make(ValueKind::LayerClass, range);
      v.layerClass = LayerRegistry::instance().find(name);
      v.text = name;
      return v;
    }
    return unsupported("of TensorFlow Addons, Kiln compiles tfa.layers.InstanceNormalization and "
                       "tfa.layers.GroupNormalization");
  }
  if (!within(module, "keras")) return Value::skipped(full, "module '" + module + "' is not available in model files", range);

  // keras.*
  if (within(module, "keras.applications"))
    if (std::optional<Value> v = libraryMember(module, name, range)) return *v;
  std::string last = lastComponent(module);
  if (const Builtin *b = tensorOpBuiltin(module, name)) return tensorOpValue(b, name, range);
  if (module == "keras.ops" && (name == "image" || name == "nn" || name == "numpy")) return submodule();
  if (module == "keras.ops" || module == "keras.ops.image")
    return unsupported(module + "." + name + " is not in the tensor-expression subset Kiln compiles");
  if (last == "activations" || module == "keras.backend") {
    if (auto act = canonicalActivation(name)) return Value::ofStr(*act, range);
  }
  if (module == "keras.activations" && name == "get") return builtinValue(find(mathFunctions(), name, module), range);
  // Keras 3 has the data format in keras.config too.
  if (module == "keras.config" && (name == "image_data_format" || name == "set_image_data_format"))
    return builtinValue(find(mathFunctions(), name, "keras.backend"), range);
  if (module == "keras.backend") {
    if (const Builtin *b = find(mathFunctions(), name, "keras.backend")) return builtinValue(b, range);
    return unsupported("Keras backend functions compute on tensors at run time; use a Keras layer");
  }
  // keras.utils.get_source_inputs (layer_utils, operation_utils): the Inputs a tensor comes from.
  if (name == "get_source_inputs") return builtinValue(find(mathFunctions(), name, "keras.utils"), range);
  // @register_keras_serializable(package=...) names a class or function for
  // loading saved models; what it decorates is unchanged.
  if (name == "register_keras_serializable" &&
      (within(module, "keras.utils") || within(module, "keras.saving") || within(module, "keras.models")))
    return builtinValue(find(mathFunctions(), name, "keras.saving"), range);
  if (isDataModule(full)) return submodule();
  if (auto why = skippedKerasModule(module, name)) return dataFunction(Value::skipped(full, *why, range), full);
  if (within(module, "keras.random"))
    return unsupported("it draws random numbers, and a compiled model gives the same outputs for the same inputs");
  if (last == "regularizers" || last == "constraints")
    return builtinValue(trainingObject(name, Builtin::Kind::TrainingObject), range);
  if (last == "initializers") return builtinValue(trainingObject(name, Builtin::Kind::Initializer), range);
  if (const LayerKind *kind = LayerRegistry::instance().find(name)) {
    Value v = Value::make(ValueKind::LayerClass, range);
    v.layerClass = kind;
    v.text = name;
    return v;
  }
  if (const Builtin *b = find(builtins(), name)) return builtinValue(b, range);
  if (name == "InputSpec") return builtinValue(trainingObject(name, Builtin::Kind::TrainingObject), range);
  if (name == "backend") {
    Value v = Value::make(ValueKind::Module, range);
    v.text = "keras.backend";
    return v;
  }
  // Lower-case names are submodules: keras.layers.core, tf.keras.applications...
  if (!name.empty() && std::islower(static_cast<unsigned char>(name[0])) && name.find('_') == std::string::npos)
    return submodule();
  if (within(module, "keras.applications")) {
    std::string known;
    for (const std::string &app : libraryApplications()) known += (known.empty() ? "" : ", ") + app;
    return unsupported("keras.applications." + name + " is not in Kiln's library" +
                       (known.empty() ? " (which was not found beside kilnc)" : "; it has " + known));
  }
  std::vector<std::string> candidates = LayerRegistry::instance().names();
  for (const Builtin &b : builtins()) candidates.push_back(b.name);
  std::string why = "'" + name + "' is not a name Kiln knows in '" + rawModule + "'";
  if (auto m = closestMatch(name, candidates)) why += "; did you mean '" + *m + "'?";
  return unsupported(why);
}

Value Evaluator::callBuiltin(const Builtin &builtin, CallSite &call) {
  switch (builtin.kind) {
  case Builtin::Kind::Input: return makeInput(call);
  case Builtin::Kind::Model:  // a subclass of keras.Model is named after its class
    return makeFunctionalModel(call, !builtin.detail.empty()                        ? builtin.detail
                                     : options_.kerasVersion == KerasVersion::V2 ? "model"
                                                                                 : "functional");
  case Builtin::Kind::Sequential: return makeSequential(call);
  case Builtin::Kind::LayerFunction: return callLayerFunction(builtin, call);
  case Builtin::Kind::TrainingObject:
  case Builtin::Kind::Initializer: {
    // keras.initializers.get('he_normal') is the initializer of that name.
    if (builtin.name == "get" && call.args.size() == 1 && call.args[0].value.is(ValueKind::Str)) return call.args[0].value;
    Value v = Value::make(ValueKind::Opaque, call.range);
    v.text = builtin.name;
    v.boolean = builtin.kind == Builtin::Kind::Initializer;  // callable with a shape: an initial value
    return v;
  }
  case Builtin::Kind::Python: return callPython(builtin, call);
  case Builtin::Kind::Math: return callMath(builtin, call);
  case Builtin::Kind::Backend: return callBackend(builtin, call);
  case Builtin::Kind::TensorOp: return callTensorOp(builtin, call);
  case Builtin::Kind::Lookup: return makeLookup(builtin, call);
  case Builtin::Kind::LayerBase:
    diags_.report(DiagID::err_model_arg, call.range, "Layer is the base class of custom layers: define a class X(Layer)");
    return Value::error(call.range);
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
  Value layer = constructLayer(LayerRegistry::instance().find(builtin.detail), construct);
  if (layer.is(ValueKind::Error) || layer.layer->invalid) return Value::error(call.range);
  return callLayer(layer.layer, apply);
}

// keras.backend's questions about the configuration and shapes, answered at
// build time: Kiln's tensors are float32; the image data format is what
// set_image_data_format last set, the default data_format of the layers
// constructed after it.
// keras.activations.get(identifier): the activation function of a name
// (None is linear), or the function itself; a custom layer calls it on
// tensors (`self.activation = keras.activations.get(activation)`).
Value Evaluator::activationFunction(CallSite &call) {
  if (call.args.size() != 1) {
    diags_.report(DiagID::err_builtin_arguments, call.range, "keras.activations.get", "1", call.args.size());
    return Value::error(call.range);
  }
  const Value &id = call.args[0].value;
  if (id.is(ValueKind::Skipped) || id.is(ValueKind::Function) || id.is(ValueKind::Builtin) || id.is(ValueKind::Partial))
    return unshaped(id);
  std::optional<std::string> act = id.is(ValueKind::None) ? std::optional<std::string>("linear")
                                   : id.is(ValueKind::Str) ? canonicalActivation(id.text)
                                                           : std::nullopt;
  const Builtin *function = act ? tensorOpBuiltin("keras.activations", *act) : nullptr;
  if (!function) {
    diags_.report(DiagID::err_argument_type, id.range, "identifier", "keras.activations.get()",
                  "the name of an activation Kiln knows, None or a function", describe(id));
    return Value::error(call.range);
  }
  return tensorOpValue(function, *act, call.range);
}

Value Evaluator::callBackend(const Builtin &builtin, CallSite &call) {
  const std::string &name = builtin.name;
  if (name == "image_data_format") return Value::ofStr(imageDataFormat_, call.range);
  if (name == "set_image_data_format") {
    ArgSpec spec = choice("data_format", {"channels_last", "channels_first"}, "channels_last");
    spec.required = true;
    LayerConfig config;
    if (!bindArguments({spec}, {}, call, name + "()", diags_, config)) return Value::error(call.range);
    imageDataFormat_ = config.str("data_format");
    return Value::none(call.range);
  }
  // Keras 1's spelling: "tf" channels last, "th" channels first.
  if (name == "image_dim_ordering") return Value::ofStr(imageDataFormat_ == "channels_first" ? "th" : "tf", call.range);
  if (name == "set_image_dim_ordering") {
    ArgSpec spec = choice("dim_ordering", {"tf", "th"}, "tf");
    spec.required = true;
    LayerConfig config;
    if (!bindArguments({spec}, {}, call, name + "()", diags_, config)) return Value::error(call.range);
    imageDataFormat_ = config.str("dim_ordering") == "th" ? "channels_first" : "channels_last";
    return Value::none(call.range);
  }
  if (name == "floatx") return Value::ofStr("float32", call.range);
  if (name == "Variable") return layerVariable(call);
  if (name == "get") return activationFunction(call);
  // tf.TensorShape(dims): a shape is a tuple here (None for unknown sizes), with as_list().
  if (name == "TensorShape" && call.args.size() == 1 && call.args[0].value.isSequence()) {
    const Value &dims = call.args[0].value;
    return Value::ofTuple(std::vector<Value>(dims.items.begin(), dims.items.end()), call.range);
  }
  if (name == "epsilon") return Value::ofFloat(1e-7, call.range);
  // int_shape(x): the tensor's shape, None for open axes
  if (call.args.size() != 1) {
    diags_.report(DiagID::err_builtin_arguments, call.range, name, "1", call.args.size());
    return Value::error(call.range);
  }
  const Value &x = call.args[0].value;
  if (x.is(ValueKind::Skipped)) return unshaped(x);
  if (x.is(ValueKind::Traced) && name == "int_shape") return tensorShape(x, call.range);
  if (!x.is(ValueKind::Tensor)) {
    diags_.report(DiagID::err_argument_type, x.range, "x", name + "()", "a tensor", describe(x));
    return Value::error(call.range);
  }
  if (name == "int_shape") return kerasAttribute(x, "shape", call.range, call.range);
  // get_source_inputs(x): the Input tensors x is computed from, depth first.
  std::vector<Value> inputs;
  std::set<const Node *> seen;
  std::vector<const Tensor *> stack{x.tensor};
  while (!stack.empty()) {
    const Tensor *t = stack.back();
    stack.pop_back();
    if (!seen.insert(t->producer).second) continue;
    const Layer *layer = t->producer->layer;
    if (layer->kind && layer->kind->className() == "InputLayer") inputs.push_back(Value::ofTensor(const_cast<Tensor *>(t), call.range));
    for (auto it = t->producer->inputs.rbegin(); it != t->producer->inputs.rend(); ++it) stack.push_back(*it);
  }
  return Value::ofList(std::move(inputs), call.range);
}

}  // namespace kiln
