#include "sema/Arguments.h"

#include "diagnostics/Suggest.h"
#include "layers/Activations.h"
#include "sema/Evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace kiln {

size_t CallSite::positionalCount() const {
  return std::count_if(args.begin(), args.end(), [](const CallArgument &a) { return a.keyword.empty(); });
}

const CallArgument *CallSite::keyword(std::string_view name) const {
  for (const CallArgument &a : args)
    if (a.keyword == name) return &a;
  return nullptr;
}

void convertKeras1Kernel(CallSite &call, int kernelSizes, const std::string &calledAs,
                         const std::vector<LegacyArg> &legacy, DiagnosticEngine &diags) {
  if (kernelSizes == 0) return;
  static const std::set<std::string> keras1Classes = {"Convolution2D", "Convolution3D", "Deconvolution2D",
                                                      "SeparableConvolution2D"};
  std::vector<std::string> names = kernelSizes == 2 ? std::vector<std::string>{"nb_row", "nb_col"}
                                                    : std::vector<std::string>{"kernel_dim1", "kernel_dim2", "kernel_dim3"};
  std::vector<size_t> positional;
  bool keras1Keyword = false, keras2Window = false;
  for (size_t i = 0; i < call.args.size(); ++i) {
    const std::string &k = call.args[i].keyword;
    if (k.empty()) positional.push_back(i);
    keras1Keyword |= std::any_of(legacy.begin(), legacy.end(), [&](const LegacyArg &l) { return l.oldName == k; });
    keras2Window |= k == "padding" || k == "strides" || k == "data_format";
  }
  // The sizes: the numbers after the filters, then the named ones.
  size_t given = positional.size() > 1 ? positional.size() - 1 : 0, n = size_t(kernelSizes);
  if (given > n) return;
  std::vector<size_t> sizes(positional.end() - given, positional.end());
  for (size_t d = given; d < n; ++d) {
    const CallArgument *named = call.keyword(names[d]);
    if (!named) return;
    sizes.push_back(named - call.args.data());
  }
  std::vector<Value> dims;
  std::string shown;
  for (size_t i : sizes) {
    if (!call.args[i].value.is(ValueKind::Int)) return;
    dims.push_back(call.args[i].value);
    shown += (shown.empty() ? "" : ", ") + std::to_string(call.args[i].value.integer);
  }
  bool keras1 = given < n || keras1Keyword || n == 3 || (keras1Classes.count(calledAs) && !keras2Window);
  if (!keras1) return;
  SourceRange range = call.args[sizes.front()].value.range;
  range.end = call.args[sizes.back()].value.range.end;
  diags.report(DiagID::warn_legacy_argument_value, range,
               "the kernel's sizes one by one are Keras 1's; Keras 2 writes kernel_size=(" + shown + ")");
  CallArgument kernel{positional.empty() ? "kernel_size" : "", {}, Value::ofTuple(std::move(dims), range), nullptr};
  std::vector<CallArgument> args;
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (std::find(sizes.begin(), sizes.end(), i) == sizes.end()) args.push_back(call.args[i]);
    if (!positional.empty() && i == positional.front()) args.push_back(kernel);
  }
  if (positional.empty()) args.push_back(kernel);
  call.args = std::move(args);
}

const std::vector<ArgSpec> &baseLayerArgs() {
  static const std::vector<ArgSpec> args = [] {
    std::vector<ArgSpec> a = {
        arg("name", ArgType::Str, Value::none()),
        arg("trainable", ArgType::Bool, Value::ofBool(true)),
        arg("dtype", ArgType::DType, Value::none()),
        arg("input_shape", ArgType::Shape, Value::none()),
        arg("batch_input_shape", ArgType::Shape, Value::none()),
        arg("batch_size", ArgType::PositiveInt, Value::none()),
        arg("input_dim", ArgType::PositiveInt, Value::none()),
        arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
    };
    a[0].doc = "the layer's name; weights are matched by it";
    a[1].doc = "training only: no effect on inference";
    a[3].doc = "shape of one sample, without the batch axis";
    a[4].doc = "shape including the batch axis";
    a[5].doc = "fixes the batch axis (with input_shape)";
    a[6].doc = "same as input_shape=(input_dim,)";
    return a;
  }();
  return args;
}

namespace {

const std::vector<std::string> &initializerNames() {
  static const std::vector<std::string> names = {
      "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
      "zeros", "zero", "ones", "one", "uniform", "normal", "random_uniform", "random_normal",
      "truncated_normal", "orthogonal", "identity", "constant", "variance_scaling"};
  return names;
}

// keras.initializers.get also takes the classes' names, case-sensitively
// ('Orthogonal', 'HeNormal'; Keras 3's 'OrthogonalInitializer' too): the
// snake_case name each stands for.
const std::map<std::string, std::string> &initializerClassNames() {
  static const std::map<std::string, std::string> names = {
      {"GlorotUniform", "glorot_uniform"}, {"GlorotNormal", "glorot_normal"},
      {"HeUniform", "he_uniform"},         {"HeNormal", "he_normal"},
      {"LecunUniform", "lecun_uniform"},   {"LecunNormal", "lecun_normal"},
      {"Zeros", "zeros"},                  {"Ones", "ones"},
      {"RandomUniform", "random_uniform"}, {"RandomNormal", "random_normal"},
      {"TruncatedNormal", "truncated_normal"}, {"Orthogonal", "orthogonal"},
      {"OrthogonalInitializer", "orthogonal"}, {"Identity", "identity"},
      {"IdentityInitializer", "identity"}, {"Constant", "constant"},
      {"VarianceScaling", "variance_scaling"}};
  return names;
}

bool isTuple(const Value &v) { return v.isSequence(); }

std::string tooLarge(const Value &v) {
  return "is too large: " + repr(v) + "; Kiln takes sizes up to " + std::to_string(kMaxElements);
}

}  // namespace

bool convertArgument(const ArgSpec &spec, const std::string &what, Value &value, DiagnosticEngine &diags) {
  if (value.is(ValueKind::Error)) return false;
  auto typeError = [&](const char *expected) {
    diags.report(DiagID::err_argument_type, value.range, spec.name, what, expected, describe(value));
    return false;
  };
  auto valueError = [&](const std::string &problem) {
    diags.report(DiagID::err_argument_value, value.range, spec.name, what, problem);
    return false;
  };
  // Optional arguments that default to None accept None.
  if (value.is(ValueKind::None) && !spec.required && spec.defaultValue.is(ValueKind::None) &&
      spec.type != ArgType::Activation)
    return true;

  switch (spec.type) {
  case ArgType::Any:
  case ArgType::TrainingOnly:
    return true;
  case ArgType::Int:
  case ArgType::Axis:
    return value.is(ValueKind::Int) || typeError("an integer");
  case ArgType::PositiveInt:
    // Keras applies int() to sizes, so 128 / 2 (a float) is a size.
    if (value.is(ValueKind::Float) && value.real == std::floor(value.real) && std::fabs(value.real) < 9e15)
      value = Value::ofInt(static_cast<int64_t>(value.real), value.range);
    if (!value.is(ValueKind::Int)) return typeError("a positive integer");
    if (value.integer > kMaxElements) return valueError(tooLarge(value));
    return value.integer >= 1 || valueError("must be a positive integer, got " + std::to_string(value.integer));
  case ArgType::Float:
    if (!value.isNumber()) return typeError("a number");
    value = Value::ofFloat(value.number(), value.range);
    return true;
  case ArgType::Rate:
    if (!value.isNumber()) return typeError("a number");
    // Written so that NaN fails too, as in Keras's `not 0 <= rate <= 1`.
    if (!(value.number() >= 0 && value.number() <= 1)) return valueError("must be between 0 and 1, got " + repr(value));
    value = Value::ofFloat(value.number(), value.range);
    return true;
  case ArgType::Bool:
    return value.is(ValueKind::Bool) || typeError("True or False");
  case ArgType::Str:
    return value.is(ValueKind::Str) || typeError("a string");
  case ArgType::Choice: {
    if (value.is(ValueKind::None)) {  // Keras reads None as "the default" (data_format=None)
      value = Value::ofStr(spec.defaultValue.text, value.range);
      return true;
    }
    if (!value.is(ValueKind::Str)) return typeError("a string");
    std::string lower = value.text;
    for (char &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(spec.choices.begin(), spec.choices.end(), lower) != spec.choices.end()) {
      value.text = lower;
      return true;
    }
    std::string allowed;
    for (const std::string &c : spec.choices) allowed += (allowed.empty() ? "'" : ", '") + c + "'";
    std::string problem = "must be one of " + allowed + ", got " + repr(value);
    if (auto m = closestMatch(value.text, spec.choices)) problem += "; did you mean '" + *m + "'?";
    return valueError(problem);
  }
  case ArgType::Activation: {
    if (value.is(ValueKind::None)) {
      value = Value::ofStr("linear", value.range);
      return true;
    }
    // A function of tensors names its activation: activation=tf.nn.relu, keras.ops.gelu.
    if (value.is(ValueKind::Builtin) && value.builtin->kind == Builtin::Kind::TensorOp)
      value = Value::ofStr(value.builtin->name, value.range);
    // So does an activation layer object, a callable too (activation=layers.ReLU()); one with
    // parameters no name carries (layers.LeakyReLU(0.2)) stays a layer, run on the output.
    if (value.is(ValueKind::Layer)) {
      const Layer &object = *value.layer;
      if (object.invalid) return false;
      if (std::optional<std::string> name = object.kind->standaloneActivation(object))
        value = Value::ofStr(*name, value.range);
      else if (object.kind->isElementwiseActivation())
        return true;
      else
        return valueError("is " + describe(value) +
                          "; Kiln takes an activation's name, or a ReLU, LeakyReLU, ELU, ThresholdedReLU, "
                          "Softmax(axis=-1) or Activation layer");
    }
    // A function of the file's (activation=mish, a lambda, an object's method
    // as MobileNetV3's Activation(self._hard_swish)) is traced on the layer's
    // output when the layer is called (Evaluator::traceActivationFunction).
    if (value.is(ValueKind::Function) || (value.is(ValueKind::Method) && value.self && value.self->is(ValueKind::Instance)))
      return true;
    if (!value.is(ValueKind::Str)) return typeError("an activation name");
    if (auto canonical = canonicalActivation(value.text)) {
      value.text = *canonical;
      return true;
    }
    if (auto m = closestMatch(value.text, activationNames()))
      diags.report(DiagID::err_unknown_activation_suggest, value.range, value.text, *m);
    else
      diags.report(DiagID::err_unknown_activation, value.range, value.text);
    return false;
  }
  case ArgType::IntTuple: {
    std::vector<Value> items;
    if (value.is(ValueKind::Int)) items.assign(spec.arity, value);
    else if (isTuple(value)) items.assign(value.items.begin(), value.items.end());
    else return typeError(spec.arity == 1 ? "an integer" : "an integer or a tuple of integers");
    if (items.size() != static_cast<size_t>(spec.arity))
      return valueError("must have " + std::to_string(spec.arity) + " entries, got " + repr(value));
    for (const Value &item : items) {
      if (!item.is(ValueKind::Int)) return typeError("a tuple of integers");
      if (item.integer > kMaxElements || item.integer < -kMaxElements) return valueError(tooLarge(value));
    }
    value = Value::ofTuple(std::move(items), value.range);
    return true;
  }
  case ArgType::Shape: {
    if (value.is(ValueKind::Int))
      return valueError("must be a tuple such as (" + std::to_string(value.integer) + ",), not an integer; "
                        "a one-element tuple needs a trailing comma");
    if (!isTuple(value)) return typeError("a tuple of dimensions");
    for (const Value &item : value.items) {
      if (item.is(ValueKind::None)) continue;
      if (!item.is(ValueKind::Int) || item.integer < 1) {
        diags.report(DiagID::err_bad_dimension, item.range, &item - value.items.begin(), repr(item));
        return false;
      }
      if (item.integer > kMaxElements) return valueError(tooLarge(value));
    }
    value = Value::ofTuple(std::vector<Value>(value.items.begin(), value.items.end()), value.range);
    return true;
  }
  case ArgType::AxisList:
    if (value.is(ValueKind::Int)) return true;
    if (!isTuple(value)) return typeError("an axis or a tuple of axes");
    for (const Value &item : value.items)
      if (!item.is(ValueKind::Int)) return typeError("a tuple of integer axes");
    return true;
  case ArgType::Initializer: {
    if (value.is(ValueKind::Opaque)) return true;
    // A serialized initializer, as keras.initializers.get takes it:
    // {"class_name": "VarianceScaling", "config": {...}}.
    if (value.is(ValueKind::Dict)) {
      const Value *className = dictGet(value, Value::ofStr("class_name", value.range));
      if (!className || !className->is(ValueKind::Str))
        return valueError("is a dict without a 'class_name' string; Keras reads an initializer dict as "
                          "{'class_name': ..., 'config': {...}}");
      Value object = Value::make(ValueKind::Opaque, value.range);
      object.text = className->text;
      value = object;
      return true;
    }
    // A function of (shape, dtype), as Keras takes one: it sets only the
    // starting values, which weights files replace (--init-weights draws
    // glorot_uniform for it, as for an initializer object).
    if (value.is(ValueKind::Function) || value.is(ValueKind::Partial)) {
      Value object = Value::make(ValueKind::Opaque, value.range);
      object.text = "function";
      value = object;
      return true;
    }
    if (!value.is(ValueKind::Str)) return typeError("an initializer name, object, dict or function");
    const auto &names = initializerNames();
    if (std::find(names.begin(), names.end(), value.text) != names.end()) return true;
    if (auto known = initializerClassNames().find(value.text); known != initializerClassNames().end()) {
      value.text = known->second;
      return true;
    }
    std::string problem = "names an unknown initializer " + repr(value);
    if (auto m = closestMatch(value.text, names)) problem += "; did you mean '" + *m + "'?";
    return valueError(problem);
  }
  case ArgType::DType: {
    if (!value.is(ValueKind::Str)) return typeError("a dtype name such as 'float32'");
    if (value.text == "float32" || value.text == "int32" || value.text == "int64") return true;
    diags.report(DiagID::err_unsupported_argument_value, value.range, what, "dtype " + repr(value));
    return false;
  }
  }
  return true;
}

bool bindArguments(const std::vector<ArgSpec> &specs, const std::vector<LegacyArg> &legacy, const CallSite &call,
                   const std::string &what, DiagnosticEngine &diags, LayerConfig &config, size_t positionalLimit,
                   KerasVersion version) {
  unsigned before = diags.errorCount();
  std::vector<const Value *> bound(specs.size(), nullptr);
  size_t positional = 0;
  size_t maxPositional = std::min(positionalLimit, specs.size());
  bool reportedPositional = false;

  for (const CallArgument &a : call.args) {
    size_t index = specs.size();
    if (a.keyword.empty()) {
      index = positional++;
      if (index >= maxPositional) {
        if (!reportedPositional)
          diags.report(DiagID::err_too_many_positional, a.value.range, what, maxPositional,
                       maxPositional == 1 ? "" : "s", call.positionalCount());
        reportedPositional = true;
        continue;
      }
    } else {
      std::string name = a.keyword;
      for (const LegacyArg &l : legacy) {
        if (l.oldName == name) {
          diags.report(DiagID::warn_legacy_argument, a.keywordRange, l.oldName, l.newName);
          name = l.newName;
        }
      }
      for (size_t i = 0; i < specs.size(); ++i)
        if (specs[i].name == name) index = i;
      if (index == specs.size()) {
        std::vector<std::string> names;
        for (const ArgSpec &s : specs) names.push_back(s.name);
        if (auto m = closestMatch(a.keyword, names))
          diags.report(DiagID::err_unknown_argument_suggest, a.keywordRange, what, a.keyword, *m);
        else
          diags.report(DiagID::err_unknown_argument, a.keywordRange, what, a.keyword);
        continue;
      }
    }
    if (bound[index]) {
      diags.report(DiagID::err_duplicate_argument, a.keyword.empty() ? a.value.range : a.keywordRange, what,
                   specs[index].name);
      continue;
    }
    bound[index] = &a.value;
  }

  for (size_t i = 0; i < specs.size(); ++i) {
    const ArgSpec &spec = specs[i];
    if (!bound[i]) {
      if (spec.required) {
        diags.report(DiagID::err_missing_argument, call.range, what, spec.name);
        continue;
      }
      Value v = version == KerasVersion::V3 && spec.keras3Default ? *spec.keras3Default : spec.defaultValue;
      if (spec.type == ArgType::Activation || spec.type == ArgType::IntTuple) convertArgument(spec, what, v, diags);
      config.set(spec.name, std::move(v), false);
      continue;
    }
    Value v = *bound[i];
    // The layer keeps the value as it is now, whatever later happens to a list it came from.
    if (convertArgument(spec, what, v, diags)) config.set(spec.name, deepCopy(v), true);
    else config.set(spec.name, spec.defaultValue, false);
  }
  return diags.errorCount() == before;
}

}  // namespace kiln
