// Keras semantics: constructing and calling layers, Input, Sequential and
// functional models, default names, and the attributes of these objects.
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"
#include "layers/core/Traced.h"
#include "layers/recurrent/Recurrent.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace kiln {

namespace {

bool isInputLayer(const Layer *layer) { return layer->kind && layer->kind->className() == "InputLayer"; }

const LayerKind *inputLayerKind() { return LayerRegistry::instance().find("InputLayer"); }

DType dtypeFromConfig(const LayerConfig &config, DType fallback) {
  if (!config.has("dtype") || config.isNone("dtype")) return fallback;
  return config.str("dtype") == "float32" ? DType::Float32 : DType::Int32;
}

// TimeDistributed(model) (Evaluator::callTimeDistributedModel).
bool wrapsModel(const Layer &layer) {
  return layer.kind && layer.kind->className() == "TimeDistributed" && layer.config.get("layer").is(ValueKind::Model);
}

}  // namespace

// Input() and InputLayer(): tf.keras 2's input_1, input_2, ...; Keras 3's
// input_layer, input_layer_1, ...
std::string Evaluator::inputLayerName() {
  return options_.kerasVersion == KerasVersion::V2 ? uniqueName("input", false) : uniqueName("input_layer", true);
}

// The input a Sequential gets when it is built from its first layer's input
// shape: tf.keras 2 names it after that layer ("dense_input"); Keras 3 makes
// an InputLayer ("input_layer_1") and builds the model as a functional one,
// which takes a name from the functional models' counter.
std::string Evaluator::sequentialInputName(const Layer &first) {
  if (options_.kerasVersion == KerasVersion::V2) return first.name + "_input";
  uniqueName("functional", true);
  return uniqueName("input_layer", true);
}

std::string Evaluator::uniqueName(const std::string &stem, bool zeroBased, std::map<std::string, int> *counters) {
  int &count = (counters ? *counters : nameCounters_)[stem];
  if (zeroBased) return count++ == 0 ? stem : stem + "_" + std::to_string(count - 1);
  return stem + "_" + std::to_string(++count);
}

Value Evaluator::tensorsValue(const std::vector<Tensor *> &tensors, SourceRange range) {
  if (tensors.size() == 1) return Value::ofTensor(tensors[0], range);
  std::vector<Value> items;
  for (Tensor *t : tensors) items.push_back(Value::ofTensor(t, range));
  return Value::ofList(std::move(items), range);
}

std::vector<Tensor *> Evaluator::tensorsOf(const Value &v, const std::string &what, bool &ok) {
  std::vector<Tensor *> out;
  if (v.is(ValueKind::Tensor)) return {v.tensor};
  if (v.isSequence()) {
    for (const Value &item : v.items) {
      std::vector<Tensor *> inner = tensorsOf(item, what, ok);
      out.insert(out.end(), inner.begin(), inner.end());
    }
    return out;
  }
  if (v.is(ValueKind::Dict)) {
    // Keras flattens a dict of tensors as tf.nest does: by sorted key.
    std::vector<std::pair<std::string, const Value *>> entries;
    for (size_t i = 0; i + 1 < v.items.size(); i += 2) entries.push_back({repr(v.items[i]), &v.items[i + 1]});
    std::stable_sort(entries.begin(), entries.end(), [](auto &a, auto &b) { return a.first < b.first; });
    for (const auto &[key, value] : entries) {
      std::vector<Tensor *> inner = tensorsOf(*value, what, ok);
      out.insert(out.end(), inner.begin(), inner.end());
    }
    return out;
  }
  if (isConstant(v))
    diags_.report(DiagID::err_model_arg, v.range,
                  "calling " + what + " on a tensor computed from constants alone is not supported; Embedding, Dense, "
                  "Activation and Dropout layers take such tensors");
  else if (v.is(ValueKind::Traced))  // a layer called in a Lambda's function or a custom layer's call()
    diags_.report(DiagID::err_model_arg, v.range,
                  "calling " + what + " inside a Lambda is not supported (Kiln compiles its tensor math only); a custom "
                         "layer can call the layers it holds as attributes (self.dense = Dense(...) in __init__)");
  else if (!v.is(ValueKind::Error))
    diags_.report(DiagID::err_layer_needs_tensor, v.range, what, describe(v));
  ok = false;
  return out;
}

std::optional<std::vector<int64_t>> Evaluator::declaredBatchShape(const Layer &layer) {
  const LayerConfig &c = layer.config;
  if (layer.kind) {
    if (auto shape = layer.kind->declaredInputShape(c)) return shape;
  }
  if (c.has("batch_input_shape") && !c.isNone("batch_input_shape")) return c.ints("batch_input_shape");
  int64_t batch = c.has("batch_size") && !c.isNone("batch_size") ? c.integer("batch_size") : kNone;
  if (c.has("input_shape") && !c.isNone("input_shape")) {
    std::vector<int64_t> dims{batch};
    for (int64_t d : c.ints("input_shape")) dims.push_back(d);
    return dims;
  }
  // A layer's own input_dim (Embedding's vocabulary size) is not a shape.
  bool ownInputDim = layer.kind && layer.kind->findArg("input_dim");
  if (!ownInputDim && c.has("input_dim") && !c.isNone("input_dim"))
    return std::vector<int64_t>{batch, c.integer("input_dim")};
  return std::nullopt;
}

Tensor *Evaluator::newInputTensor(const std::string &name, TensorType type, SourceRange range,
                                  const LayerConfig *config) {
  Layer *layer = graph_.newLayer(inputLayerKind(), name, range);
  if (config) layer->config = *config;
  Node *node = graph_.newNode(layer, {}, range);
  Tensor *t = graph_.newTensor(type, node, 0);
  node->outputs = {t};
  layer->builtInputs = {type};
  return t;
}

Value Evaluator::makeInput(CallSite &call) {
  static const std::vector<ArgSpec> specs = {
      arg("shape", ArgType::Shape, Value::none()),       arg("batch_size", ArgType::PositiveInt, Value::none()),
      arg("name", ArgType::Str, Value::none()),          arg("dtype", ArgType::DType, Value::none()),
      arg("sparse", ArgType::Bool, Value::none()),       arg("tensor", ArgType::Any, Value::none()),
      arg("ragged", ArgType::Bool, Value::none()),       arg("batch_shape", ArgType::Shape, Value::none()),
      arg("batch_input_shape", ArgType::Shape, Value::none()),
  };
  // tf.keras 2 takes Input(shape=3) as (3,) (a TensorShape of an int);
  // Keras 3 wants the tuple.
  if (options_.kerasVersion == KerasVersion::V2)
    for (size_t i = 0; i < call.args.size(); ++i) {
      CallArgument &a = call.args[i];
      if ((a.keyword == "shape" || (i == 0 && a.keyword.empty())) && a.value.is(ValueKind::Int))
        a.value = Value::ofTuple({a.value}, a.value.range);
    }
  LayerConfig config;
  if (!bindArguments(specs, {}, call, "Input", diags_, config)) return Value::error(call.range);
  for (const char *unsupported : {"sparse", "ragged"}) {
    if (!config.isNone(unsupported) && config.flag(unsupported)) {
      diags_.report(DiagID::err_unsupported_argument_value, config.get(unsupported).range, "Input",
                    std::string(unsupported) + "=True");
      return Value::error(call.range);
    }
  }
  if (!config.isNone("tensor")) {
    diags_.report(DiagID::err_unsupported_argument_value, config.get("tensor").range, "Input", "'tensor='");
    return Value::error(call.range);
  }
  TensorType type;
  type.dtype = dtypeFromConfig(config, DType::Float32);
  if (!config.isNone("batch_shape")) type.dims = toDims(config.ints("batch_shape"));
  else if (!config.isNone("batch_input_shape")) type.dims = toDims(config.ints("batch_input_shape"));
  else if (!config.isNone("shape")) {
    type.dims = {config.isNone("batch_size") ? kNone : config.integer("batch_size")};
    for (int64_t d : config.ints("shape")) type.dims.push_back(d);
  } else {
    diags_.report(DiagID::err_input_shape_missing, call.range);
    return Value::error(call.range);
  }
  std::string name = config.isNone("name") ? inputLayerName() : config.str("name");
  return Value::ofTensor(newInputTensor(name, type, call.range, &config), call.range);
}

// `calledAs`: the class name the call used (an alias, such as Keras 1's
// Convolution2D).
Value Evaluator::constructLayer(const LayerKind *kind, CallSite &call, const std::string &calledAs) {
  if (isCustomKind(kind)) return constructCustomLayer(kind, call);
  convertKeras1Kernel(call, kind->keras1KernelSizes(), calledAs, kind->legacyArgs(), diags_);
  std::vector<ArgSpec> specs = kind->args();
  for (const ArgSpec &base : baseLayerArgs())
    if (!kind->findArg(base.name)) specs.push_back(base);
  LayerConfig config;
  bool ok = bindArguments(specs, kind->legacyArgs(), call, kind->className(), diags_, config, kind->args().size(),
                          options_.kerasVersion);
  std::string name = !config.isNone("name")         ? config.str("name")
                     : kind == inputLayerKind() ? inputLayerName()
                                                : uniqueName(kind->defaultName(), true);
  // data_format=None is Keras's image_data_format() when the layer is made.
  if (ok && kind->findArg("data_format") && config.isNone("data_format"))
    config.set("data_format", Value::ofStr(imageDataFormat_), false);
  if (ok) kind->completeConfig(config);
  if (ok) kind = kind->kindFor(config);
  Layer *layer = graph_.newLayer(kind, name, call.range);
  layer->config = std::move(config);
  // Call value parameters (CallParam) start at their defaults: a layer added
  // to a Sequential model is never called explicitly.
  for (const CallParam &p : kind->callSignature())
    if (!p.tensor) layer->config.set(p.name, p.spec.defaultValue, false);
  layer->invalid = !ok || !kind->checkConfig(diags_, *layer);
  // An activation layer object runs on the output (graph/Program.cpp): not
  // where the activation is a cell's, inside a recurrent layer.
  for (const ArgSpec &spec : specs) {
    if (spec.type != ArgType::Activation || !layer->config.has(spec.name)) continue;
    const Value &act = layer->config.get(spec.name);
    if (!(act.is(ValueKind::Layer) || act.is(ValueKind::Function) || act.is(ValueKind::Method)) ||
        (spec.name == "activation" && kind->activationOnOutput()))
      continue;
    diags_.report(DiagID::err_argument_value, act.range, spec.name, kind->className(),
                  "is " + describe(act) + ", which Kiln applies only to a layer's output (Dense, the "
                  "convolutions); give the activation's name");
    layer->invalid = true;
  }
  if (!layer->invalid && isInputLayer(layer)) {
    // InputLayer(...) makes its tensor at once, as Keras does.
    std::optional<std::vector<int64_t>> dims = declaredBatchShape(*layer);
    if (!dims) {
      diags_.report(DiagID::err_input_shape_missing, call.range);
      layer->invalid = true;
    } else {
      TensorType type{dtypeFromConfig(layer->config, DType::Float32), toDims(*dims)};
      Node *node = graph_.newNode(layer, {}, call.range);
      node->outputs = {graph_.newTensor(type, node, 0)};
      layer->builtInputs = {type};
    }
  }
  return Value::ofLayer(layer, call.range);
}

namespace {

// Reports `what` of `who` (a tensor's shape from dims[first], or a weight's)
// if it has more than kMaxElements elements (open axes not counted: their
// sizes are checked when the model runs).
template <class Dims>
bool withinSizeLimit(DiagnosticEngine &diags, SourceRange range, const std::string &who, const std::string &what,
                     const Dims &dims, size_t first) {
  int64_t n = elementCount(dims, first);
  if (n <= kMaxElements) return true;
  diags.report(DiagID::err_tensor_too_large, range, who, what, shapeString(dims),
               n == INT64_MAX ? "more than 2^63" : std::to_string(n), first ? " per sample" : "", kMaxElements);
  return false;
}

}  // namespace

// Every tensor and weight a layer call makes, and its inputs (an Input's
// tensor meets its first layer here), within kMaxElements.
bool Evaluator::withinSizeLimits(const Layer &layer, const std::vector<TensorType> &inputs, const ShapeContext &cx,
                                 SourceRange range) {
  for (const TensorType &t : inputs)
    if (!withinSizeLimit(diags_, range, layer.describe(), "the input", t.dims, 1)) return false;
  for (const TensorType &t : cx.outputs)
    if (!withinSizeLimit(diags_, range, layer.describe(), "the output", t.dims, 1)) return false;
  for (const WeightSpec &w : cx.weights)
    if (!withinSizeLimit(diags_, range, layer.describe(), "weight '" + w.name + "'", w.shape, 0)) return false;
  return true;
}

Value Evaluator::applyLayer(Layer *layer, std::vector<Tensor *> inputs, SourceRange range, bool listInput,
                             const std::vector<Tensor *> &callTensors) {
  if (layer->invalid) return Value::error(range);
  const LayerKind *kind = layer->kind;
  if (isInputLayer(layer)) {
    diags_.report(DiagID::err_not_callable, range, layer->describe());
    return Value::error(range);
  }
  InputArity arity = kind->inputArity();
  int n = static_cast<int>(inputs.size());
  if ((arity.list && !listInput) || n < arity.min || (arity.max >= 0 && n > arity.max)) {
    std::string expected = arity.list ? "a list of " + std::to_string(arity.min) +
                                            (arity.max < 0             ? " or more tensors"
                                             : arity.max == arity.min ? " tensors"
                                                                      : " to " + std::to_string(arity.max) + " tensors")
                           : arity.max == 1 ? "one tensor"
                                            : std::to_string(arity.min) + " to " + std::to_string(arity.max) + " tensors";
    std::string got = !listInput ? "a single tensor" : std::to_string(n) + " tensor" + (n == 1 ? "" : "s");
    diags_.report(DiagID::err_layer_input_count, range, layer->describe(), expected, got);
    return Value::error(range);
  }
  inputs.insert(inputs.end(), callTensors.begin(), callTensors.end());
  if (kind != tensorMathKind(false) && kind != tensorMathKind(true) && !checkBatchFree(*layer, inputs, range))
    return Value::error(range);
  std::vector<TensorType> types;
  for (Tensor *t : inputs) {
    types.push_back(t->type);
    if (t->type.dtype == DType::Int32 && !kind->acceptsIntegerInput()) {
      diags_.report(DiagID::err_integer_input, range, layer->describe(), shapeString(t->type))
          .note(DiagID::note_tensor_shape, t->producer->range, "the int32 input", shapeString(t->type),
                t->producer->layer->describe());
      return Value::error(range);
    }
  }

  // An RNN over custom cells, called or wrapped (Bidirectional; TimeDistributed
  // runs it on each step of its input), traces them on the sequence.
  for (const char *wrapped : {"", "layer", "backward_layer"}) {
    const Value *v = *wrapped && layer->config.has(wrapped) ? &layer->config.get(wrapped) : nullptr;
    Layer *rnn = !*wrapped ? layer : v && v->is(ValueKind::Layer) ? v->layer : nullptr;
    bool cells = rnn && (rnn->kind == &customCellRNNKind() || rnn->kind == &stackedRNNKind());
    bool perStep = kind->className() == "TimeDistributed" && inputs[0]->type.rank() > 2;
    if (cells && !traceCells(rnn, perStep ? foldTimeAxis(inputs[0]->type) : inputs[0]->type, range))
      return Value::error(range);
  }
  bool firstTrace = isTracedKind(kind) && !layer->program;
  if (isTracedKind(kind) && !traceLayer(layer, inputs, listInput, range)) return Value::error(range);
  if (firstTrace && kind->className() == "Lambda") lambdaCalls_.push_back({layer, inputs, listInput, range});
  // Infer on a provisional node (for the notes); keep it only if it works.
  Node provisional;
  provisional.layer = layer;
  provisional.inputs = inputs;
  provisional.range = range;
  ShapeContext cx(diags_, *layer, provisional, types, options_.kerasVersion);
  cx.infer(*kind);
  if (cx.failed() || !withinSizeLimits(*layer, types, cx, range)) return Value::error(range);
  if (!cx.outputs.empty() && !traceActivationFunction(layer, cx.outputs[0], range)) return Value::error(range);

  if (layer->nodes.empty()) {
    layer->builtInputs = types;
    layer->weights = cx.weights;
  } else {
    bool same = cx.weights.size() == layer->weights.size();
    for (size_t i = 0; same && i < cx.weights.size(); ++i) same = cx.weights[i].shape == layer->weights[i].shape;
    if (!same) {
      std::string built, now;
      for (const TensorType &t : layer->builtInputs) built += (built.empty() ? "" : " and ") + shapeString(t);
      for (const TensorType &t : types) now += (now.empty() ? "" : " and ") + shapeString(t);
      diags_.report(DiagID::err_shared_layer_shape, range, layer->describe(), built, now)
          .note(DiagID::note_first_use, layer->nodes[0]->range, built);
      return Value::error(range);
    }
  }
  Node *node = graph_.newNode(layer, inputs, range);
  node->sizeChecks = cx.sizeChecks;
  bool batchFree = !inputs.empty() && std::all_of(inputs.begin(), inputs.end(), [](Tensor *t) { return t->batchFree; });
  for (size_t i = 0; i < cx.outputs.size(); ++i) {
    Tensor *out = graph_.newTensor(cx.outputs[i], node, int(i));
    out->batchFree = batchFree;
    node->outputs.push_back(out);
    node->masks.push_back(nullptr);
    switch (cx.maskKind(i)) {
    case ShapeContext::MaskKind::Inherit:
      // A layer that supports masking passes its input's mask on; any other
      // layer drops it.
      if (kind->supportsMasking(options_.kerasVersion) && !inputs.empty()) out->mask = inputs[0]->mask;
      break;
    case ShapeContext::MaskKind::None: break;
    case ShapeContext::MaskKind::Computed:
      node->masks[i] = out->mask = graph_.newTensor(cx.maskType(i), node, int(i));
      break;
    }
  }
  return tensorsValue(node->outputs, range);
}

// Binds a call to the layer's call signature (LayerKind::callSignature):
// positional arguments in declaration order, keywords by name, and
// `training`, which every layer accepts.
Value Evaluator::callLayer(Layer *layer, CallSite &call) {
  if (layer->kind && isCustomKind(layer->kind) && !packCallArguments(layer, call)) return Value::error(call.range);
  bool maskGiven =
      std::any_of(call.args.begin(), call.args.end(), [](const CallArgument &a) { return a.keyword == "mask"; });
  if (layer->kind && layer->kind->readsMask() && !explicitMask(layer, call)) return Value::error(call.range);
  std::vector<CallParam> params =
      layer->kind ? layer->kind->callSignature() : std::vector<CallParam>{tensorParam("inputs", 0, true, true)};
  const std::string what = "calling " + layer->describe();
  size_t positionalParams = 0, positionalArgs = 0;
  for (const CallParam &p : params) positionalParams += p.positional;
  for (const CallArgument &a : call.args) positionalArgs += a.keyword.empty();
  bool ok = true;
  for (CallArgument &a : call.args) a.value = constantsAsTensors(a.value, call.range, ok);
  if (!ok) return Value::error(call.range);
  std::vector<const CallArgument *> given(params.size(), nullptr);
  size_t positional = 0;
  for (const CallArgument &a : call.args) {
    if (a.keyword == "training") {
      if (a.value.is(ValueKind::Bool) && a.value.boolean) {
        diags_.report(DiagID::err_unsupported_argument_value, a.value.range, layer->describe(),
                      "calling it with training=True");
        return Value::error(call.range);
      }
      continue;
    }
    size_t p = params.size();
    if (a.keyword.empty()) {
      for (size_t i = 0, seen = 0; i < params.size() && p == params.size(); ++i)
        if (params[i].positional && seen++ == positional) p = i;
      ++positional;
      if (p == params.size() && positionalParams > 1) {
        diags_.report(DiagID::err_too_many_positional, a.value.range, what, positionalParams,
                      positionalParams == 1 ? "" : "s", positionalArgs);
        return Value::error(call.range);
      }
    } else {
      for (size_t i = 0; i < params.size(); ++i)
        if (a.keyword == params[i].name) p = i;
      if (p == params.size()) {
        diags_.report(DiagID::err_unknown_argument, a.keywordRange, what, a.keyword);
        return Value::error(call.range);
      }
    }
    if (p == params.size() || (p == 0 && given[0])) {
      diags_.report(DiagID::err_layer_input_count, a.value.range, layer->describe(), "its inputs as one argument",
                    "several arguments; pass a list");
      return Value::error(call.range);
    }
    if (given[p]) {
      diags_.report(DiagID::err_duplicate_argument, a.value.range, what, params[p].name);
      return Value::error(call.range);
    }
    given[p] = &a;
  }
  if (!given[0]) {
    diags_.report(DiagID::err_missing_argument, call.range, what, params[0].name);
    return Value::error(call.range);
  }
  for (const CallArgument *a : given)
    if (a && a->value.is(ValueKind::Error)) return Value::error(call.range);

  // The tensors of tensor parameter i, checked against its count.
  auto tensorsOfParam = [&](size_t i) -> std::vector<Tensor *> {
    const CallParam &p = params[i];
    const Value &v = given[i]->value;
    if ((p.count == 1 && !v.is(ValueKind::Tensor)) ||
        (p.count > 1 && (!v.isSequence() || v.items.size() != size_t(p.count)))) {
      std::string got = v.isSequence() ? "a list of " + std::to_string(v.items.size()) : describe(v);
      diags_.report(DiagID::err_argument_type, v.range, p.name, what,
                    p.count == 1 ? "a tensor" : "a list of " + std::to_string(p.count) + " tensors", got);
      ok = false;
      return {};
    }
    return tensorsOf(v, i == 0 ? layer->describe() : layer->describe() + " (" + p.name + "=)", ok);
  };
  std::vector<Tensor *> tensors = tensorsOfParam(0);
  if (!ok) return Value::error(call.range);
  if (!layer->model && !layer->program && isCustomKind(layer->kind) && !buildComposite(layer, given[0]->value, call.range))
    return Value::error(call.range);
  if (!layer->model && isCustomKind(layer->kind) && !checkCustomMasks(layer, call)) return Value::error(call.range);
  if (wrapsModel(*layer)) return callTimeDistributedModel(layer, tensors, call.range);
  if (layer->model) return callModelAsLayer(layer->model, call);
  std::vector<std::vector<Tensor *>> byParam(params.size());
  byParam[0] = tensors;
  std::vector<Tensor *> extra;
  for (size_t i = 1; i < params.size(); ++i) {
    const CallParam &p = params[i];
    if (!p.tensor) continue;
    if (given[i] && !given[i]->value.is(ValueKind::None)) {
      byParam[i] = tensorsOfParam(i);
    } else if (!p.defaultsTo.empty()) {
      for (size_t j = 0; j < i; ++j)
        if (params[j].name == p.defaultsTo) byParam[i] = byParam[j];
    } else if (p.required) {
      diags_.report(DiagID::err_missing_argument, call.range, what, p.name);
      ok = false;
    }
    extra.insert(extra.end(), byParam[i].begin(), byParam[i].end());
  }
  if (!ok) return Value::error(call.range);

  // Value parameters live in the layer's config, so a shared layer's calls
  // must agree on them.
  for (size_t i = 0; i < params.size(); ++i) {
    const CallParam &p = params[i];
    if (p.tensor) continue;
    Value v = given[i] ? given[i]->value : p.spec.defaultValue;
    if (given[i] && !convertArgument(p.spec, what, v, diags_)) return Value::error(call.range);
    if (!layer->nodes.empty() && repr(v) != repr(layer->config.get(p.name))) {
      diags_.report(DiagID::err_call_argument_differs, given[i] ? v.range : call.range, layer->describe(), p.name,
                    repr(v), p.name, repr(layer->config.get(p.name)))
          .note(DiagID::note_first_call, layer->nodes[0]->range);
      return Value::error(call.range);
    }
    layer->config.set(p.name, v, given[i] != nullptr);
  }
  Value out = applyLayer(layer, tensors, call.range, given[0]->value.isSequence(), extra);
  // Keras 3 fills a call's mask only when the call has one tensor argument:
  // a recurrent layer given initial_state runs over every step, and its
  // outputs keep the input's mask (the first argument's).
  bool stateGiven = false;
  for (const std::string &name : layer->kind->callTensorArguments())
    for (size_t i = 1; i < params.size(); ++i) stateGiven |= params[i].name == name && !byParam[i].empty();
  if (options_.kerasVersion == KerasVersion::V3 && stateGiven && !maskGiven && !out.is(ValueKind::Error) &&
      !layer->nodes.empty())
    layer->nodes.back()->masksUnread = true;
  return out;
}

// `layer(x, mask=m)` for a layer that reads masks: x becomes a view of
// itself carrying m (ExplicitMaskKind), one per tensor for a list of inputs
// and masks. A mask is what Keras's are, of x's shape without its last
// axis; None means no mask in tf.keras 2, and the input's own in Keras 3.
bool Evaluator::explicitMask(Layer *layer, CallSite &call) {
  auto maskArg = std::find_if(call.args.begin(), call.args.end(), [](const CallArgument &a) { return a.keyword == "mask"; });
  std::vector<CallParam> params = layer->kind->callSignature();
  if (maskArg == call.args.end() ||
      std::any_of(params.begin(), params.end(), [](const CallParam &p) { return p.name == "mask"; }))
    return true;  // (Attention takes its masks as a call argument of its own)
  Value masks = maskArg->value;
  call.args.erase(maskArg);
  auto input = std::find_if(call.args.begin(), call.args.end(),
                            [](const CallArgument &a) { return a.keyword.empty() || a.keyword == "inputs"; });
  if (input == call.args.end() || masks.is(ValueKind::Error) || input->value.is(ValueKind::Error)) return true;
  bool list = input->value.isSequence();
  std::vector<Value> tensors = list ? std::vector<Value>(input->value.items.begin(), input->value.items.end())
                                    : std::vector<Value>{input->value};
  std::vector<Value> given = masks.isSequence() ? std::vector<Value>(masks.items.begin(), masks.items.end())
                                                : std::vector<Value>(tensors.size(), masks);
  if (given.size() != tensors.size()) {
    diags_.report(DiagID::err_model_arg, masks.range,
                  "calling " + layer->describe() + ": mask= gives " + std::to_string(given.size()) + " masks for " +
                      std::to_string(tensors.size()) + " inputs");
    return false;
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Value &m = given[i];
    if (!tensors[i].is(ValueKind::Tensor) || (m.is(ValueKind::None) && options_.kerasVersion != KerasVersion::V2)) continue;
    Tensor *x = tensors[i].tensor;
    std::vector<Dim> want(x->type.dims.begin(), x->type.dims.end() - 1);
    if (!m.is(ValueKind::None) && (!m.is(ValueKind::Tensor) || m.tensor->type.dtype != DType::Float32 ||
                                   m.tensor->type.dims != want)) {
      diags_.report(DiagID::err_model_arg, m.range,
                    "calling " + layer->describe() + ": its mask= must be a boolean tensor of shape " + shapeString(want) +
                        " (its input's without the last axis), got " + describe(m));
      return false;
    }
    Layer *view = graph_.newLayer(explicitMaskKind(), uniqueName(layer->name + "_mask", true, compositeNames_), m.range);
    std::vector<Tensor *> inputs{x};
    if (m.is(ValueKind::Tensor)) inputs.push_back(m.tensor);
    Value masked = applyLayer(view, inputs, m.range, false);
    if (!masked.is(ValueKind::Tensor)) return false;
    masked.tensor->mask = m.is(ValueKind::Tensor) ? m.tensor : nullptr;
    tensors[i] = masked;
  }
  input->value = list ? Value::ofList(std::move(tensors), input->value.range) : tensors[0];
  return true;
}

Value Evaluator::callModelAsLayer(Model *model, CallSite &call) {
  // A composite custom layer is a model inside; messages name the layer.
  const std::string what = model->layer->kind ? model->layer->describe() : "model '" + model->name + "'";
  const CallArgument *input = nullptr;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty() || a.keyword == "inputs") input = &a;
  if (!input) {
    diags_.report(DiagID::err_missing_argument, call.range, "calling " + what, "inputs");
    return Value::error(call.range);
  }
  if (input->value.is(ValueKind::Error)) return Value::error(call.range);
  bool ok = true;
  std::vector<Tensor *> tensors = tensorsOf(input->value, what, ok);
  if (!ok || !checkBatchFree(*model->layer, tensors, call.range)) return Value::error(call.range);
  if (model->sequential && model->inputs.empty() && !model->pending.empty() && tensors.size() == 1) {
    Tensor *input0 = newInputTensor(sequentialInputName(*model->pending.front()), tensors[0]->type, call.range, nullptr);
    if (!buildSequential(model, input0, call.range)) return Value::error(call.range);
  }
  if (model->inputs.empty() || model->outputs.empty()) return Value::error(call.range);
  if (tensors.size() != model->inputs.size()) {
    diags_.report(DiagID::err_layer_input_count, call.range, what,
                  std::to_string(model->inputs.size()) + " input tensor(s)", std::to_string(tensors.size()));
    return Value::error(call.range);
  }
  // Token ids (int32) into a model whose Input is float32: Keras casts them.
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i]->type.dtype == DType::Int32 && model->inputs[i]->type.dtype == DType::Float32) {
      CallSite cast{call.range, call.range, {{"", {}, Value::ofTensor(tensors[i], call.range), nullptr},
                                             {"", {}, Value::ofStr("float32", call.range), nullptr}}};
      Value v = callTensorOp(*tensorOpBuiltin("tensorflow", "cast"), cast);
      if (!v.is(ValueKind::Tensor)) return Value::error(call.range);
      tensors[i] = v.tensor;
    }
  AxisBindings bound;  // the model's open axes, as this call sizes them
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorType &want = model->inputs[i]->type, &got = tensors[i]->type;
    if (!bindAxes(want, got, bound)) {
      Diagnostic &d = diags_.report(DiagID::err_shared_layer_shape, tensors[i]->producer->range, what,
                                    shapeString(want), shapeString(got));
      if (model->layer->kind) d.note(DiagID::note_first_use, model->range, shapeString(want));
      else d.note(DiagID::note_model_here, model->range, model->name);
      return Value::error(call.range);
    }
  }
  // Keras runs a nested model with its inputs' masks: a composite's call()
  // was traced with its first call's; a functional model's layers pass them
  // on (maskPassedThrough). Masks made inside (compute_mask()'s, an inner
  // Embedding(mask_zero=True)'s) are its outputs' masks.
  std::vector<Tensor *> passed(model->outputs.size(), nullptr);
  if (model->layer->kind) {
    for (size_t i = 0; i < tensors.size(); ++i)
      if (!model->inputs[i]->mask != !tensors[i]->mask) {
        diags_.report(DiagID::err_model_arg, call.range,
                      what + (tensors[i]->mask ? " is called on a masked tensor (Embedding(mask_zero=True), Masking) "
                                                 "here but on one without a mask at its first call"
                                               : " is called on a tensor without a mask here but on a masked one "
                                                 "(Embedding(mask_zero=True), Masking) at its first call"))
            .note(DiagID::note_first_call, model->layer->nodes.empty() ? model->range : model->layer->nodes[0]->range);
        return Value::error(call.range);
      }
  } else {
    if (!maskPassedThrough(*model, tensors, what, call.range, passed)) return Value::error(call.range);
    model->outputMasks.clear();
    for (Tensor *t : model->outputs) model->outputMasks.push_back(t->mask);
  }
  Node *node = graph_.newNode(model->layer, tensors, call.range);
  for (size_t i = 0; i < model->outputs.size(); ++i) {
    Tensor *out = graph_.newTensor(substitute(model->outputs[i]->type, bound), node, int(i));
    node->outputs.push_back(out);
    node->masks.push_back(nullptr);
    const Tensor *mask = i < model->outputMasks.size() ? model->outputMasks[i] : nullptr;
    if (!mask) {
      out->mask = passed[i];
      continue;
    }
    auto input = std::find_if(model->inputs.begin(), model->inputs.end(), [&](Tensor *t) { return t->mask == mask; });
    if (input != model->inputs.end()) out->mask = tensors[input - model->inputs.begin()]->mask;  // an input's, passed on
    else node->masks[i] = out->mask = graph_.newTensor(substitute(mask->type, bound), node, int(i));
  }
  return tensorsValue(node->outputs, call.range);
}

// The masks of `tensors` that a functional model's outputs carry, through
// its layers that pass masks on (Dense, Dropout, LayerNormalization...).
// Its layers were built without them: one that would read a mask (an RNN,
// attention, masked pooling, a merge, a nested model) is an error here
// rather than a mask dropped.
bool Evaluator::maskPassedThrough(const Model &model, const std::vector<Tensor *> &tensors, const std::string &what,
                                  SourceRange range, std::vector<Tensor *> &passed) {
  std::map<const Tensor *, Tensor *> carried;  // inner tensor -> the outer mask it carries
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i]->mask) carried[model.inputs[i]] = tensors[i]->mask;
  if (carried.empty()) return true;
  for (const Node *node : model.nodes) {
    auto masked = std::find_if(node->inputs.begin(), node->inputs.end(), [&](Tensor *t) { return carried.count(t); });
    if (masked == node->inputs.end()) continue;
    const LayerKind *kind = node->layer->kind;
    if (!kind || isTracedKind(kind) || kind->readsMask()) {
      diags_.report(DiagID::err_model_arg, range,
                    what + " is called on a masked tensor (Embedding(mask_zero=True), Masking), and its " +
                        node->layer->describe() +
                        " would read that mask; Kiln does not pass masks into a nested model's layers; call the "
                        "layers on the tensor instead, or put the mask's source inside the model")
          .note(DiagID::note_layer_here, node->range, node->layer->describe());
      return false;
    }
    if (!kind->supportsMasking(options_.kerasVersion) || !carried.count(node->inputs[0])) continue;
    for (size_t j = 0; j < node->outputs.size(); ++j)
      if (j >= node->masks.size() || !node->masks[j]) carried[node->outputs[j]] = carried[node->inputs[0]];
  }
  for (size_t i = 0; i < model.outputs.size(); ++i)
    if (auto it = carried.find(model.outputs[i]); it != carried.end()) passed[i] = it->second;
  return true;
}

Value Evaluator::makeSequential(CallSite &call) {
  static const std::vector<ArgSpec> specs = {arg("layers", ArgType::Any, Value::none()),
                                             arg("name", ArgType::Str, Value::none()),
                                             arg("trainable", ArgType::Bool, Value::ofBool(true))};
  LayerConfig config;
  if (!bindArguments(specs, {}, call, "Sequential", diags_, config)) return Value::error(call.range);
  std::string name = config.isNone("name") ? uniqueName("sequential", true) : config.str("name");
  Model *model = graph_.newModel(name, true, call.range);
  models_.push_back({"", model});
  const Value &layers = config.get("layers");
  if (layers.isSequence()) {
    for (const Value &item : layers.items) sequentialAdd(model, item, item.range);
  } else if (!layers.is(ValueKind::None)) {
    diags_.report(DiagID::err_argument_type, layers.range, "layers", "Sequential", "a list of layers", describe(layers));
  }
  return Value::ofModel(model, call.range);
}

bool Evaluator::sequentialAdd(Model *model, const Value &item, SourceRange range) {
  if (item.is(ValueKind::Error)) {
    model->pendingRange = range;
    model->layer->invalid = true;
    return false;
  }
  bool first = model->inputs.empty() && model->pending.empty() && model->layers.empty();
  Tensor *inputTensor = nullptr;
  if (item.is(ValueKind::Tensor) && isInputLayer(item.tensor->producer->layer)) inputTensor = item.tensor;
  if (item.is(ValueKind::Layer) && isInputLayer(item.layer) && !item.layer->nodes.empty())
    inputTensor = item.layer->nodes[0]->outputs[0];
  if (inputTensor) {
    if (!first) {
      diags_.report(DiagID::err_model_arg, range, "an Input can only be the first entry of a Sequential model");
      return false;
    }
    model->inputs = {inputTensor};
    model->outputs = {inputTensor};
    if (options_.kerasVersion == KerasVersion::V3) uniqueName("functional", true);  // built, see sequentialInputName
    return true;
  }
  Layer *layer = item.is(ValueKind::Layer) ? item.layer : item.is(ValueKind::Model) ? item.model->layer : nullptr;
  if (!layer) {
    diags_.report(DiagID::err_expected_layer, range, "Sequential", describe(item));
    return false;
  }
  model->layers.push_back(layer);
  if (model->layer->invalid || layer->invalid) {
    model->layer->invalid = true;
    return false;
  }
  if (model->inputs.empty() && model->pending.empty()) {
    // The first layer gives the input: from its arguments, or a built model's own input.
    std::optional<TensorType> type;
    if (layer->model && layer->model->inputs.size() == 1) {
      type = layer->model->inputs[0]->type;
    } else if (!layer->model) {
      if (std::optional<std::vector<int64_t>> dims = declaredBatchShape(*layer)) {
        type = TensorType{layer->kind->declaredInputType(layer->config), toDims(*dims)};
        if (type->dtype == DType::Float32) type->dtype = dtypeFromConfig(layer->config, DType::Float32);
      }
    }
    if (type) {
      Tensor *t = newInputTensor(sequentialInputName(*layer), *type, layer->range, nullptr);
      model->inputs = {t};
      model->outputs = {t};
    }
  }
  if (model->outputs.empty()) {
    model->pending.push_back(layer);  // built once the input is known
    return true;
  }
  if (!layer->model && isCustomKind(layer->kind)) {
    CallSite call{range, range, {{"", {}, Value::ofTensor(model->outputs[0], range), nullptr}}};
    if ((!layer->program && !buildComposite(layer, call.args[0].value, range)) ||
        (!layer->model && !checkCustomMasks(layer, call))) {
      model->layer->invalid = true;
      return false;
    }
  }
  Value out;
  if (wrapsModel(*layer)) {
    out = callTimeDistributedModel(layer, model->outputs, range);
  } else if (layer->model) {
    CallSite call;
    call.range = range;
    call.args.push_back({"", {}, Value::ofTensor(model->outputs[0], range)});
    out = callModelAsLayer(layer->model, call);
  } else {
    out = applyLayer(layer, model->outputs, range, false);
  }
  if (out.is(ValueKind::Error)) {
    model->layer->invalid = true;
    return false;
  }
  if (!out.is(ValueKind::Tensor)) {
    diags_.report(DiagID::err_sequential_multi_io, range, layer->describe());
    model->layer->invalid = true;
    return false;
  }
  model->outputs = {out.tensor};
  model->nodes.push_back(out.tensor->producer);
  return true;
}

bool Evaluator::buildSequential(Model *model, Tensor *input, SourceRange range) {
  std::vector<Layer *> pending = std::move(model->pending);
  model->pending.clear();
  model->layers.clear();
  model->nodes.clear();
  model->inputs = {input};
  model->outputs = {input};
  for (Layer *layer : pending) {
    Value item = layer->model ? Value::ofModel(layer->model, range) : Value::ofLayer(layer, range);
    if (!sequentialAdd(model, item, range)) return false;
  }
  return true;
}

Value Evaluator::makeFunctionalModel(CallSite &call, const std::string &defaultName) {
  static const std::vector<ArgSpec> specs = {arg("inputs", ArgType::Any), arg("outputs", ArgType::Any),
                                             arg("name", ArgType::Str, Value::none()),
                                             arg("trainable", ArgType::Bool, Value::ofBool(true))};
  LayerConfig config;
  // Keras 2.0-2.3 still took Keras 1's Model(input=..., output=...), with a warning.
  static const std::vector<LegacyArg> legacy = {{"input", "inputs"}, {"output", "outputs"}};
  if (!bindArguments(specs, legacy, call, "Model", diags_, config)) return Value::error(call.range);
  bool ok = true;
  std::vector<Tensor *> inputs = tensorsOf(config.get("inputs"), "Model inputs", ok);
  std::vector<Tensor *> outputs = tensorsOf(config.get("outputs"), "Model outputs", ok);
  if (!ok) return Value::error(call.range);
  std::string name = config.isNone("name") ? uniqueName(defaultName, true) : config.str("name");
  Model *model = graph_.newModel(name, false, call.range);
  model->inputs = inputs;
  model->outputs = outputs;
  if (!collectModelLayers(model, call.range)) {
    model->layer->invalid = true;
    return Value::error(call.range);
  }
  models_.push_back({"", model});
  return Value::ofModel(model, call.range);
}

// Finds the layers between the model's inputs and outputs (model.layers), and
// proves the graph connected: every Input an output depends on is a model input.
// TimeDistributed(model): the wrapped model called once on one timestep of
// the input, (batch * timesteps, ...), as Keras's TimeDistributed.call
// reshapes it. The wrapper becomes a model of that call
// (Model::timeDistributed), whose later calls reuse it.
Value Evaluator::callTimeDistributedModel(Layer *layer, const std::vector<Tensor *> &tensors, SourceRange range) {
  Model *inner = layer->config.get("layer").model;
  if (tensors.size() != 1) {
    diags_.report(DiagID::err_layer_input_count, range, layer->describe(), "one input tensor",
                  std::to_string(tensors.size()));
    return Value::error(range);
  }
  Tensor *x = tensors[0];
  if (x->type.rank() < 3) {
    diags_.report(DiagID::err_time_distributed_rank, range, shapeString(x->type));
    return Value::error(range);
  }
  if (x->mask) {
    diags_.report(DiagID::err_unsupported_argument_value, range, layer->describe(),
                  "wrapping a model and called on a masked tensor (Embedding(mask_zero=True), Masking),");
    return Value::error(range);
  }
  TensorType step = foldTimeAxis(x->type);
  AxisBindings frames;
  if (inner->inputs.size() == 1 && !bindAxes(inner->inputs[0]->type, step, frames)) {
    diags_.report(DiagID::err_model_arg, range,
                  layer->describe() + " runs " + inner->layer->describe() + " on every timestep of its input " +
                      shapeString(x->type) + ", frames of shape " + shapeString(step) + ", but the model takes " +
                      shapeString(inner->inputs[0]->type));
    return Value::error(range);
  }
  if (!layer->model) {
    Tensor *input = newInputTensor(layer->name + "_input", step, range, nullptr);
    CallSite call{range, range, {{"", {}, Value::ofTensor(input, range), nullptr}}};
    Value out = callModelAsLayer(inner, call);
    if (!out.is(ValueKind::Tensor)) {
      if (!out.is(ValueKind::Error))
        diags_.report(DiagID::err_unsupported_argument_value, range, layer->describe(),
                      "wrapping " + inner->layer->describe() + ", which has several outputs,");
      return layer->invalid = true, Value::error(range);
    }
    if (out.tensor->mask) {
      diags_.report(DiagID::err_unsupported_argument_value, range, layer->describe(),
                    "wrapping " + inner->layer->describe() + ", whose output has a mask,");
      return layer->invalid = true, Value::error(range);
    }
    Model *model = graph_.newModel(layer->name, false, range, layer);
    model->inputs = {input};
    model->outputs = {out.tensor};
    model->timeDistributed = true;
    if (!collectModelLayers(model, range)) return layer->invalid = true, Value::error(range);
    model->sublayers = {{"layer", inner->layer}};
  }
  if (layer->invalid) return Value::error(range);
  const Model &model = *layer->model;
  AxisBindings bound;
  if (!bindAxes(model.inputs[0]->type, step, bound)) {
    diags_.report(DiagID::err_shared_layer_shape, x->producer->range, layer->describe(),
                  shapeString(unfoldTimeAxis(model.inputs[0]->type, x->type)), shapeString(x->type))
        .note(DiagID::note_first_call, layer->nodes[0]->range);
    return Value::error(range);
  }
  Node *node = graph_.newNode(layer, {x}, range);
  node->outputs = {graph_.newTensor(unfoldTimeAxis(substitute(model.outputs[0]->type, bound), x->type), node, 0)};
  node->masks = {nullptr};
  return Value::ofTensor(node->outputs[0], range);
}

bool Evaluator::collectModelLayers(Model *model, SourceRange range) {
  bool ok = true;
  std::set<Tensor *> inputSet;
  for (Tensor *t : model->inputs) {
    Layer *producer = t->producer->layer;
    if (!isInputLayer(producer)) {
      diags_.report(DiagID::err_input_not_input, range, "'" + producer->name + "'", producer->describe())
          .note(DiagID::note_value_from, t->producer->range, "the tensor");
      ok = false;
    }
    if (!inputSet.insert(t).second) {
      diags_.report(DiagID::err_duplicate_input, range, producer->name);
      ok = false;
    }
  }
  if (!ok) return false;
  for (Tensor *t : model->inputs)
    if (t->mask) inputSet.insert(t->mask);  // a composite's input masks, read by its call()

  std::set<Node *> seen;
  std::set<Tensor *> usedInputs;
  std::vector<Node *> nodes;
  std::vector<std::pair<Node *, Tensor *>> stack;  // (node, the output being traced)
  std::vector<Tensor *> traced = model->outputs;
  for (Tensor *mask : model->outputMasks)
    if (mask) traced.push_back(mask);
  for (Tensor *out : traced) {
    stack.push_back({out->producer, out});
    while (!stack.empty()) {
      auto [node, from] = stack.back();
      stack.pop_back();
      if (inputSet.count(from)) {
        usedInputs.insert(from);
        continue;
      }
      if (!seen.insert(node).second) continue;
      if (isInputLayer(node->layer)) {
        diags_.report(DiagID::err_graph_disconnected, range, out->producer->layer->name, node->layer->name,
                      out->producer->layer->describe())
            .note(DiagID::note_layer_here, node->range, "input '" + node->layer->name + "'");
        ok = false;
        continue;
      }
      nodes.push_back(node);
      for (Tensor *in : node->inputs) stack.push_back({in->producer, in});
    }
  }
  if (!ok) return false;
  for (Tensor *t : model->inputs)
    if (!usedInputs.count(t))
      diags_.report(DiagID::warn_unused_input, t->producer->range, t->producer->layer->name);

  // Creation order is a dependency order, which code generation needs;
  // model.layers follows Keras's own order, which the summary shows.
  std::sort(nodes.begin(), nodes.end(), [](Node *a, Node *b) { return a->id < b->id; });
  model->nodes = nodes;
  model->layers = kerasGraphOrder(model->inputs, model->outputs, options_.kerasVersion == KerasVersion::V3).layers;

  std::map<std::string, Layer *> names;
  for (Layer *l : model->layers) {
    auto [it, inserted] = names.emplace(l->name, l);
    if (!inserted) {
      diags_.report(DiagID::err_duplicate_layer_name, l->range, l->name, model->name)
          .note(DiagID::note_layer_here, it->second->range, it->second->describe());
      ok = false;
    }
  }
  return ok;
}

Model *Evaluator::selectModel(const std::string &name, uint32_t file) {
  SourceRange fileStart{{file, 0}, 1};
  // What a name is bound to when the file ends, as in Python: `model = A`
  // then `model = B; saved = model` selects B. A subclassed model is the
  // graph its first call (or build()) traced; before any, no shape is known.
  auto bound = [&](const std::string &variable) -> const Value * {
    auto it = globals_.names.find(variable);
    return it == globals_.names.end() ? nullptr : &it->second;
  };
  auto modelOf = [](const Value &v) -> Model * {
    if (v.is(ValueKind::Model)) return v.model;
    return v.is(ValueKind::Layer) && isSubclassedModelKind(v.layer->kind) ? v.layer->model : nullptr;
  };
  auto unbuilt = [](const Value &v) { return v.is(ValueKind::Layer) && isSubclassedModelKind(v.layer->kind) && !v.layer->model; };
  // The file's models, and those its variables hold (a subclassed model's
  // functional model: `unet = model.unet`).
  auto knownModels = [&] {
    std::vector<std::string> known;
    std::set<const Model *> listed;
    for (const ModelBinding &b : models_) {
      known.push_back(b.variable.empty() ? b.model->name : b.variable);
      listed.insert(b.model);
    }
    for (const auto &[variable, v] : globals_.names)
      if (v.is(ValueKind::Model) && listed.insert(v.model).second) known.push_back(variable);
    return known;
  };
  auto reportUnbuilt = [&](const std::string &variable, const Layer &layer) -> Model * {
    Diagnostic &d = diags_.report(DiagID::err_subclassed_model_unbuilt, layer.range, layer.name, variable);
    if (std::vector<std::string> known = knownModels(); !known.empty())
      d.note(DiagID::note_other_models, SourceRange{}, fmt::format("{}", fmt::join(known, ", ")));
    return nullptr;
  };
  const std::string wanted = name.empty() ? "model" : name;
  if (const Value *v = bound(wanted)) {
    if (Model *m = modelOf(*v)) return m;
    // `model` unbuilt but other models defined: the last one, as when
    // `model` holds no model, said so.
    if (unbuilt(*v) && (!name.empty() || models_.empty())) return reportUnbuilt(wanted, *v->layer);
    if (unbuilt(*v))
      diags_.report(DiagID::warn_subclassed_model_unbuilt, v->layer->range, v->layer->name,
                    models_.back().variable.empty() ? models_.back().model->name : models_.back().variable);
  }
  if (!models_.empty()) {
    if (name.empty()) return models_.back().model;
    for (auto it = models_.rbegin(); it != models_.rend(); ++it)
      if (it->model->name == name) return it->model;
    diags_.report(DiagID::err_model_not_found, fileStart, name, fmt::format("; models: {}", fmt::join(knownModels(), ", ")));
    return nullptr;
  }
  // No functional or Sequential model: a subclassed model bound to any name,
  // else the instance of a class Kiln does not compile that stands for the
  // model (bound to the name asked for, or to any name), where its class is.
  auto unsupported = [](const Value &v) { return v.is(ValueKind::Skipped) && v.skip->unsupported; };
  const std::pair<const std::string, Value> *found = nullptr;
  if (auto it = globals_.names.find(wanted); it != globals_.names.end() && unsupported(it->second)) found = &*it;
  for (const auto &entry : globals_.names) {
    if (found || !name.empty()) break;
    if (Model *m = modelOf(entry.second)) return m;
    if (unbuilt(entry.second)) return reportUnbuilt(entry.first, *entry.second.layer);
    if (unsupported(entry.second) && entry.second.skip->what.rfind("class ", 0) == 0 &&
        entry.second.skip->what != "class " + entry.first)
      found = &entry;
  }
  if (found) {
    const SkipInfo &s = *found->second.skip;
    diags_.report(DiagID::err_skipped_used, s.where.valid() ? s.where : fileStart, "'" + found->first + "'", s.why);
    return nullptr;
  }
  // A file that only defines its model's builder (a model.py with `def
  // build_model(): ... return model`, which a training script elsewhere
  // calls): the file's one function callable without arguments, or the one
  // --model names, called; the model is what it returns, or the last it built.
  std::vector<std::pair<std::string, const Closure *>> builders;
  for (const auto &[variable, v] : globals_.names) {
    if (!v.is(ValueKind::Function) || v.function->def->name != variable || (!name.empty() && variable != name)) continue;
    bool bare = true;
    for (size_t i = 0; i < v.function->def->params.size(); ++i)
      bare &= v.function->def->params[i].kind != ast::Parameter::Kind::Plain || v.function->defaults[i].has_value();
    if (bare) builders.emplace_back(variable, v.function.get());
  }
  if (builders.size() == 1) {
    CallSite call{builders[0].second->def->range, builders[0].second->def->range, {}};
    Value result = callFunction(*builders[0].second, call);
    Model *m = modelOf(result) ? modelOf(result) : models_.empty() ? nullptr : models_.back().model;
    if (m && name.empty()) diags_.report(DiagID::warn_model_from_builder, builders[0].second->def->range, builders[0].first);
    if (m || diags_.errorCount() > 0) return m;
  }
  Diagnostic &d = diags_.report(DiagID::err_no_model, fileStart);
  if (builders.size() > 1) {
    std::vector<std::string> calls;
    for (const auto &[variable, closure] : builders) calls.push_back(variable + "()");
    d.note(DiagID::note_model_builders, SourceRange{}, fmt::format("{}", fmt::join(calls, ", ")), calls[0]);
  }
  return nullptr;
}

// A model, or one nested in it, that a skipped block would have changed.
bool Evaluator::reportChangedWhenSkipped(const Model *model) {
  if (auto it = changedWhenSkipped_.find(model); it != changedWhenSkipped_.end()) {
    diags_.report(DiagID::err_model_changed_when_skipped, it->second.header, model->name, it->second.what, it->second.why)
        .note(DiagID::note_model_here, model->range, model->name);
    return true;
  }
  for (const Layer *l : model->layers)
    if (l->model && reportChangedWhenSkipped(l->model)) return true;
  return false;
}

bool Evaluator::finishModel(Model *model) {
  if (model->layer->invalid || reportChangedWhenSkipped(model)) return false;
  // An input no layer reads has not been measured yet (see withinSizeLimits).
  for (const Tensor *t : model->inputs)
    if (!withinSizeLimit(diags_, t->producer->range, t->producer->layer->describe(), "the input", t->type.dims, 1))
      return false;
  if (model->sequential) {
    if (model->layers.empty() && model->inputs.empty()) {
      diags_.report(DiagID::err_sequential_empty, model->range, model->name);
      return false;
    }
    if (!model->pending.empty()) {
      diags_.report(DiagID::err_sequential_no_input, model->pending.front()->range, model->name)
          .note(DiagID::note_model_here, model->range, model->name);
      return false;
    }
    std::map<std::string, Layer *> names;
    if (!model->inputs.empty()) names.emplace(model->inputs[0]->producer->layer->name, model->inputs[0]->producer->layer);
    for (Layer *l : model->layers) {
      auto [it, inserted] = names.emplace(l->name, l);
      if (!inserted) {
        diags_.report(DiagID::err_duplicate_layer_name, l->range, l->name, model->name)
            .note(DiagID::note_layer_here, it->second->range, it->second->describe());
        return false;
      }
    }
  }
  return true;
}

}  // namespace kiln
