// tf.one_hot(indices, depth, on_value=None, off_value=None, axis=None, ...),
// keras.ops.one_hot(x, num_classes, axis=-1, dtype=None) and
// K.one_hot(indices, num_classes) on a model's tensor: a layer of its own
// (OneHotKind), as Keras makes one of any TensorFlow function.
#include "sema/Evaluator.h"

#include "layers/core/Traced.h"

namespace kiln {

Value Evaluator::oneHot(const Builtin &builtin, CallSite &call, const std::string &what) {
  if (trace_) {
    diags_.report(DiagID::err_tensor_op, call.range, what, "Kiln computes it on a model's tensors, not inside a layer");
    return Value::error(call.range);
  }
  const bool tensorflow = builtin.detail.rfind("tensorflow", 0) == 0;
  static const std::vector<std::string> tfOrder = {"indices", "depth", "on_value", "off_value", "axis", "dtype"};
  static const std::vector<std::string> kerasOrder = {"x", "num_classes", "axis", "dtype"};
  const std::vector<std::string> &order = tensorflow ? tfOrder : kerasOrder;
  std::map<std::string, const Value *> given;
  std::string layerName;
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    std::string key = a.keyword.empty() && next < order.size() ? order[next++] : a.keyword;
    if (key == "indices") key = "x";
    if (key == "num_classes") key = "depth";
    if (key == "name" && a.value.is(ValueKind::Str)) {
      layerName = a.value.text;
      continue;
    }
    if (key != "x" && key != "depth" && key != "on_value" && key != "off_value" && key != "axis" && key != "dtype") {
      diags_.report(DiagID::err_tensor_op, a.value.range, what, "unknown argument '" + key + "'");
      return Value::error(call.range);
    }
    given[key] = &a.value;
  }
  auto number = [&](const char *key, double fallback) -> std::optional<double> {
    auto it = given.find(key);
    if (it == given.end() || it->second->is(ValueKind::None)) return fallback;
    if (it->second->isNumber()) return it->second->number();
    diags_.report(DiagID::err_tensor_op, it->second->range, what, std::string(key) + " must be a number");
    return std::nullopt;
  };
  const Value *x = given.count("x") ? given["x"] : nullptr;
  if (!x || !x->is(ValueKind::Tensor)) {
    diags_.report(DiagID::err_tensor_op, x ? x->range : call.range, what, "needs a model's tensor of ids as its input");
    return Value::error(call.range);
  }
  const Value *depth = given.count("depth") ? given["depth"] : nullptr;
  if (!depth || !depth->isInteger() || depth->asInt() < 1) {
    diags_.report(DiagID::err_tensor_op, depth ? depth->range : call.range, what, "needs a positive integer depth");
    return Value::error(call.range);
  }
  std::optional<double> on = number("on_value", 1), off = number("off_value", 0), axis = number("axis", -1);
  if (!on || !off || !axis) return Value::error(call.range);
  if (*axis != -1 && *axis != double(x->tensor->type.rank())) {
    diags_.report(DiagID::err_tensor_op, given["axis"]->range, what, "Kiln puts the new axis last (axis=-1)");
    return Value::error(call.range);
  }
  const std::string stem = options_.kerasVersion == KerasVersion::V2 && tensorflow ? "tf.one_hot" : "one_hot";
  Layer *layer = graph_.newLayer(oneHotKind(), layerName.empty() ? uniqueName(stem, true, compositeNames_) : layerName,
                                 call.range);
  layer->config.set("depth", Value::ofInt(depth->asInt(), depth->range), true);
  layer->config.set("on_value", Value::ofFloat(*on, call.range), true);
  layer->config.set("off_value", Value::ofFloat(*off, call.range), true);
  return applyLayer(layer, {x->tensor}, call.range, false);
}

}  // namespace kiln
