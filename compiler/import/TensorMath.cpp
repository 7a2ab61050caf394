// Tensor math between layers in a saved config, written back as Python: a
// call of the TensorFlow function or Keras operation with the saved name
// (`tf.math.add(a, b, name='tf.__operators__.add')`), a subscript as a Lambda.
#include "import/TensorMath.h"

#include "layers/LayerKind.h"
#include "sema/Evaluator.h"

namespace kiln::import {

using nlohmann::json;

bool isKeras3Operation(const ConfigLayer &l) {
  json module = l.serialized.is_object() ? l.serialized.value("module", json()) : json();
  return module.is_string() && (module.get<std::string>().rfind("keras.src.ops.", 0) == 0 ||
                                module.get<std::string>().rfind("keras.ops", 0) == 0);
}

namespace {

// One index of a subscript: tf.keras 2 writes a slice as {"start", "stop",
// "step"}, Keras 3 as {"class_name": "__slice__", "config": {...}}.
std::optional<std::string> indexText(const CallValue &v) {
  auto bound = [](const json &b) { return b.is_null() ? std::string() : pythonLiteral(b); };
  auto slice = [&](const json &start, const json &stop, const json &step) {
    std::string s = bound(start) + ":" + bound(stop);
    return step.is_null() ? s : s + ":" + bound(step);
  };
  if (v.kind == CallValue::Kind::Dict) {
    // tf.keras 2's '...': {"class_name": "__ellipsis__"}.
    if (v.items.size() == 1 && v.items[0].first == "class_name" &&
        v.items[0].second.kind == CallValue::Kind::Literal && v.items[0].second.literal == json("__ellipsis__"))
      return "...";
    json parts = json::object();
    for (const auto &[key, item] : v.items) {
      if (item.kind != CallValue::Kind::Literal || (!item.literal.is_null() && !item.literal.is_number_integer()))
        return std::nullopt;
      parts[key] = item.literal;
    }
    if (parts.size() != 3 || !parts.contains("start") || !parts.contains("stop") || !parts.contains("step"))
      return std::nullopt;
    return slice(parts["start"], parts["stop"], parts["step"]);
  }
  if (v.kind != CallValue::Kind::Literal) return std::nullopt;
  const json &j = v.literal;
  if (j.is_number_integer()) return pythonLiteral(j);
  if (j.is_null()) return "None";
  std::string cls = serializedClass(j);
  if (cls == "__ellipsis__" || j == json("...")) return "...";
  if (cls == "__slice__" && j["config"].is_object()) {
    const json &c = j["config"];
    json start = c.value("start", json()), stop = c.value("stop", json()), step = c.value("step", json());
    if ((start.is_null() || start.is_number_integer()) && (stop.is_null() || stop.is_number_integer()) &&
        (step.is_null() || step.is_number_integer()))
      return slice(start, stop, step);
  }
  return std::nullopt;
}

std::optional<std::string> subscriptText(const CallValue &key) {
  if (key.kind != CallValue::Kind::List) return indexText(key);
  std::string s;
  for (const auto &[unused, item] : key.items) {
    std::optional<std::string> t = indexText(item);
    if (!t) return std::nullopt;
    s += (s.empty() ? "" : ", ") + *t;
  }
  return s;
}

}  // namespace

bool isTensorMath(const ConfigLayer &l) {
  return l.className == "TFOpLambda" || l.className == "SlicingOpLambda" || isKeras3Operation(l);
}

std::optional<std::string> tensorMathExpression(ImportContext &cx, const ConfigLayer &l, const LayerCall &call,
                                                const std::function<std::optional<std::string>(const CallValue &)> &text) {
  std::string layer = l.className + " layer '" + l.name + "'";
  auto fail = [&](const std::string &problem) -> std::optional<std::string> {
    cx.diags.report(DiagID::err_import_config, l.range, cx.what, layer + " " + problem);
    return std::nullopt;
  };
  bool keras3 = isKeras3Operation(l);
  // tf.keras 2: the function's name under tf ("math.multiply"); Keras 3: the operation's.
  std::string function;
  if (keras3) {
    function = toSnakeCase(l.className);
  } else {
    json f = l.config.is_object() ? l.config.value("function", json()) : json();
    if (!f.is_string()) return fail("has no function name");
    function = f.get<std::string>();
  }
  std::vector<const CallValue *> args;
  for (const CallValue &a : call.args) args.push_back(&a);
  std::vector<std::pair<std::string, const CallValue *>> kwargs;
  for (const auto &[key, v] : call.kwargs)
    if (key != "name") kwargs.push_back({key, &v});
  json options = json::object();  // Keras 3: an operation's own arguments (Mean's axis)
  if (keras3 && l.config.is_object())
    for (auto it = l.config.begin(); it != l.config.end(); ++it)
      if (it.key() != "name") options[it.key()] = it.value();
  if (args.empty()) return fail("has no input");
  std::optional<std::string> first = text(*args[0]);
  if (!first) return std::nullopt;

  if (function == "__operators__.getitem" || function == "get_item") {
    const CallValue *key = keras3 && args.size() == 2 ? args[1] : nullptr;
    for (const auto &[name, v] : kwargs)
      if (name == "slice_spec") key = v;
    std::optional<std::string> index = key ? subscriptText(*key) : std::nullopt;
    if (!index) return fail("indexes with something other than integers, slices, None and '...'");
    // A Lambda, which takes the saved name (a subscript cannot).
    cx.layerClasses.insert("Lambda");
    return "Lambda(lambda t: t[" + *index + "], name=" + pythonString(l.name) + ")(" + *first + ")";
  }
  if (function == "__operators__.add") function = "math.add";  // `a + b`
  if (function == "__operators__.eq" || function == "__operators__.ne") {  // `a == b`, `a != b`
    if (args.size() + kwargs.size() < 2)
      return fail("is `x " + std::string(function.back() == 'q' ? "==" : "!=") +
                  " y` saved by tf.keras 2 without y, which Keras cannot load either");
    function = function.back() == 'q' ? "math.equal" : "math.not_equal";
  }
  if (function == "compat.v1.pad") function = "pad";            // tf.keras 2's name of tf.pad

  std::string module = keras3 ? "keras.ops" : "tensorflow", name = function;
  if (size_t dot = function.rfind('.'); !keras3 && dot != std::string::npos) {
    module += "." + function.substr(0, dot);
    name = function.substr(dot + 1);
  }
  if (!tensorOpBuiltin(module, name))
    return fail(std::string("runs ") + (keras3 ? "keras.ops." : "tf.") + function +
                ", which is not in the tensor math Kiln compiles (docs/language.md)");
  (keras3 ? cx.kerasOps : cx.tensorflow) = true;
  std::string expr = (keras3 ? "ops." : "tf.") + function + "(" + *first;
  for (size_t i = 1; i < args.size(); ++i) {
    std::optional<std::string> a = text(*args[i]);
    if (!a) return std::nullopt;
    expr += ", " + *a;
  }
  for (const auto &[key, v] : kwargs) {
    std::optional<std::string> a = text(*v);
    if (!a) return std::nullopt;
    expr += ", " + key + "=" + *a;
  }
  for (auto it = options.begin(); it != options.end(); ++it) expr += ", " + it.key() + "=" + pythonLiteral(it.value());
  return expr + ", name=" + pythonString(l.name) + ")";
}

}  // namespace kiln::import
