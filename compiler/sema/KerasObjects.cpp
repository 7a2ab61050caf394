// Attributes and methods of models, layers and tensors, as Keras 2 answers
// them: model.output_shape, model.layers, model.get_layer(name),
// layer.output, layer.units, x.shape, ... Training, saving and printing
// methods give skipped values.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "layers/core/Traced.h"
#include "layers/recurrent/Recurrent.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"

namespace kiln {

namespace {

// What a method of a model or layer does, if it is not model building.
std::optional<std::string> skippedMethod(const std::string &name) {
  static const std::map<std::string, std::string> methods = {
      {"compile", "training"},          {"fit", "training"},
      {"fit_generator", "training"},    {"train_on_batch", "training"},
      {"test_on_batch", "training"},    {"evaluate", "training"},
      {"evaluate_generator", "training"}, {"reset_states", "training"},
      {"predict", "prediction"},        {"predict_generator", "prediction"},
      {"predict_on_batch", "prediction"}, {"predict_classes", "prediction"},  // Keras 2's, before TF 2.6
      {"predict_proba", "prediction"},  {"save", "saving and loading"},
      {"save_weights", "saving and loading"}, {"load_weights", "saving and loading"},
      {"to_json", "saving and loading"}, {"to_yaml", "saving and loading"},
      {"export", "saving and loading"}, {"get_weights", "weights"},
      {"set_weights", "weights"},       {"get_config", "saving and loading"},
      {"summary", "printing"},          {"count_params", "printing"},
      {"weights", "weights"},           {"trainable_weights", "weights"},
      {"non_trainable_weights", "weights"}, {"variables", "weights"},
      {"trainable_variables", "weights"}, {"non_trainable_variables", "weights"},
      {"updates", "training"},          {"optimizer", "training"},
      {"history", "training"},          {"losses", "training"},
      {"metrics", "training"},          {"metrics_names", "training"},
      {"adapt", "data preparation"},  // the statistics it learns are weights, in the weights file
  };
  auto it = methods.find(name);
  if (it == methods.end()) return std::nullopt;
  return it->second;
}

// Attributes Keras's models have, which a file must not replace unnoticed.
bool kerasModelAttribute(const std::string &name) {
  static const std::set<std::string> names = {
      "inputs", "outputs", "input", "output", "layers", "name", "input_shape", "output_shape", "built", "dtype",
      "input_spec", "call", "build", "add", "pop", "get_layer", "compute_mask", "compute_output_shape",
      "supports_masking", "dynamic", "run_eagerly", "weights", "submodules", "output_names", "input_names"};
  return names.count(name) || skippedMethod(name);
}

Value shapeValue(const TensorType &type, SourceRange range) {
  std::vector<Value> dims;
  for (const Dim &d : type.dims) dims.push_back(d.known() ? Value::ofInt(d.value(), range) : Value::none(range));
  return Value::ofTuple(std::move(dims), range);
}

// Keras 2's input_shape/output_shape: a tuple for one tensor, a list of tuples for several.
Value shapesValue(const std::vector<Tensor *> &tensors, SourceRange range) {
  if (tensors.size() == 1) return shapeValue(tensors[0]->type, range);
  std::vector<Value> shapes;
  for (Tensor *t : tensors) shapes.push_back(shapeValue(t->type, range));
  return Value::ofList(std::move(shapes), range);
}

}  // namespace

Value Evaluator::kerasAttribute(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange) {
  auto method = [&](const std::string &m) {
    Value v = Value::make(ValueKind::Method, range);
    v.text = m;
    v.self = std::make_shared<Value>(object);
    return v;
  };
  if (name == "load_weights" && object.is(ValueKind::Model) && inLibrary(range)) return method(name);
  if (!object.is(ValueKind::Tensor))
    if (auto why = skippedMethod(name)) {
      Value skipped = Value::skipped(name, *why, range);
      // fit/evaluate/predict on data build a Sequential that lacks its input shape (DataArrays.cpp).
      static const std::set<std::string> onData = {"fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                                                   "predict_on_batch"};
      if (object.is(ValueKind::Model) && object.model->sequential && object.model->inputs.empty() && onData.count(name)) {
        auto info = std::make_shared<SkipInfo>(*skipped.skip);
        info->function = "model." + name;
        skipped.skip = std::move(info);
        skipped.self = std::make_shared<Value>(object);
      }
      return skipped;
    }

  if (object.is(ValueKind::Model)) {
    Model *m = object.model;
    // A custom layer or subclassed model has no graph of its own in Keras:
    // its input and output are those of its call in the enclosing graph.
    bool callAttribute = name == "input" || name == "output" || name == "input_shape" || name == "output_shape";
    if (callAttribute && m->layer && m->layer->kind && isCustomKind(m->layer->kind) && !m->layer->nodes.empty())
      return kerasAttribute(Value::ofLayer(m->layer, range), name, range, nameRange);
    static const std::vector<std::string> methods = {"add", "get_layer", "build"};
    for (const std::string &known : methods)
      if (name == known) return method(known);
    if (name == "inputs" || name == "input" || name == "outputs" || name == "output" || name == "input_shape" ||
        name == "output_shape") {
      const std::vector<Tensor *> &ts = name[0] == 'i' ? m->inputs : m->outputs;
      if (ts.empty()) {
        diags_.report(DiagID::err_sequential_no_input, range, m->name);
        return Value::error(range);
      }
      if (name.size() > 6 && name.substr(name.size() - 6) == "_shape") return shapesValue(ts, range);
      Value v = tensorsValue(ts, range);
      if (name.back() == 's' && !v.is(ValueKind::List)) return Value::ofList({v}, range);
      return v;
    }
    if (name == "layers") {
      std::vector<Value> items;
      for (Layer *l : m->layers) items.push_back(l->model ? Value::ofModel(l->model, range) : Value::ofLayer(l, range));
      return Value::ofList(std::move(items), range);
    }
    if (name == "name") return Value::ofStr(m->name, range);
    if (name == "trainable") return Value::ofBool(!m->layer->config.has("trainable") || m->layer->config.flag("trainable"), range);
    if (auto own = modelAttributes_.find(m); own != modelAttributes_.end())
      if (auto found = own->second.find(name); found != own->second.end()) return found->second;
    std::vector<std::string> known = methods;
    for (const char *a : {"inputs", "input", "outputs", "output", "layers", "name", "input_shape", "output_shape"})
      known.push_back(a);
    return unknownAttribute(object, name, nameRange, known);
  }
  if (object.is(ValueKind::Layer)) {
    Layer *l = object.layer;
    if (l->kind && isCustomKind(l->kind)) {  // self.units, self.kernel, self.add_weight, self.helper(...)
      const Value *member = classMember(l->kind, name);
      if (member && member->is(ValueKind::Function) && member->text == "property")
        return callClassMethod(l, name, CallSite{range, range, {}});
      if (name == "add_weight" || (member && member->is(ValueKind::Function))) return method(name);
      if (member && !l->config.has(name)) return *member;  // a class attribute
    }
    if (name == "output" || name == "input" || name == "output_shape" || name == "input_shape") {
      // Keras answers for a layer called once, or called on equal shapes.
      bool wantsShape = name.size() > 6;
      bool ambiguous = l->nodes.size() > 1;
      if (wantsShape && ambiguous) {
        ambiguous = false;
        for (Node *n : l->nodes) {
          const std::vector<Tensor *> &a = name[0] == 'o' ? n->outputs : n->inputs;
          const std::vector<Tensor *> &b = name[0] == 'o' ? l->nodes[0]->outputs : l->nodes[0]->inputs;
          for (size_t i = 0; i < a.size() && i < b.size(); ++i) ambiguous |= a[i]->type.dims != b[i]->type.dims;
        }
      }
      if (l->nodes.empty() || ambiguous) {
        std::string what = name.substr(0, name.find('_'));
        diags_.report(DiagID::err_model_arg, range,
                      l->describe() + (l->nodes.empty() ? " has not been called yet, so it has no " + name
                                                        : " is called more than once; its " + name + " is ambiguous"));
        return Value::error(range);
      }
      Node *n = l->nodes[0];
      // tf.keras 2 gives an InputLayer's tensor as its input too (its
      // Node.input_tensors), and both shapes as a list of one; Keras 3 an
      // empty list of inputs.
      bool inputLayer = n->inputs.empty() && options_.kerasVersion == KerasVersion::V2;
      const std::vector<Tensor *> &ts = name[0] == 'o' || inputLayer ? n->outputs : n->inputs;
      if (inputLayer && wantsShape) return Value::ofList({shapeValue(ts[0]->type, range)}, range);
      return wantsShape ? shapesValue(ts, range) : tensorsValue(ts, range);
    }
    if (name == "name") return Value::ofStr(l->name, range);
    if (name == "trainable") return Value::ofBool(!l->config.has("trainable") || l->config.flag("trainable"), range);
    if (name == "build" || (name == "get_initial_state" && dynamic_cast<const RecurrentKind *>(l->kind)))
      return method(name);
    // Keras's dtype policy: layers compute in float32.
    if (name == "compute_dtype" || name == "variable_dtype") return Value::ofStr("float32", range);
    // The layer's arguments: layer.units, layer.filters, layer.kernel_size
    if (l->kind && l->config.has(name)) return l->config.get(name);
    std::vector<std::string> known = {"output", "input", "name", "output_shape", "input_shape", "compute_dtype"};
    for (const auto &[arg, value] : l->config.entries()) known.push_back(arg);
    return unknownAttribute(object, name, nameRange, known);
  }
  // a tensor; Keras 2.0-2.2 kept its shape in _keras_shape too
  if (name == "shape" || name == "_keras_shape") return shapeValue(object.tensor->type, range);
  if (name == "dtype") return Value::ofStr(dtypeName(object.tensor->type.dtype), range);
  if (name == "get_shape") return method(name);
  return unknownAttribute(object, name, nameRange, {"shape", "dtype"});
}

bool Evaluator::setKerasAttribute(const Value &object, const std::string &name, SourceRange range, const std::string &text,
                                  const Value &value) {
  if (!object.is(ValueKind::Model) && !object.is(ValueKind::Layer)) return false;
  // `trainable` does not change inference, but it orders the weights in
  // Keras 2's .h5 files (a frozen model's are all non-trainable) and the
  // summary's counts; the last value set holds, as when the file is saved.
  if (name == "trainable" && value.is(ValueKind::Bool)) {
    // As Keras's setter: on the layer and every layer inside it.
    std::function<void(Layer *)> set = [&](Layer *layer) {
      layer->config.set("trainable", value, true);
      if (layer->model)
        for (Layer *inner : layer->model->layers) set(inner);
    };
    set(object.is(ValueKind::Model) ? object.model->layer : object.layer);
    return true;
  }
  // Training switches, and how weights start and are kept while training
  // (BASNet sets every built layer's kernel_initializer): inference does not
  // depend on them.
  static const std::set<std::string> training = {"trainable", "stop_training", "optimizer", "loss"};
  auto endsWith = [&](const std::string &suffix) {
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (training.count(name) || endsWith("_initializer") || endsWith("_regularizer") || endsWith("_constraint")) {
    recordSkipped(range, text + " = ...");
    return true;
  }
  // A model carries the file's own attributes (image_segmentation_keras sets
  // model.n_classes); Keras's own, which would change what runs, stay refused.
  if (!object.is(ValueKind::Model) || name[0] == '_' || kerasModelAttribute(name)) return false;
  modelAttributes_[object.model][name] = value;
  return true;
}

// The input model.build(input_shape) gives a model: float32, of that shape
// (batch axis included).
bool Evaluator::buildInputType(Value shape, TensorType &type) {
  if (!convertArgument(arg("input_shape", ArgType::Shape), "build", shape, diags_)) return false;
  LayerConfig config;
  config.set("input_shape", shape, true);
  type = TensorType{DType::Float32, toDims(config.ints("input_shape"))};
  return true;
}

Value Evaluator::callKerasMethod(const Value &self, const std::string &method, CallSite &call) {
  if (self.is(ValueKind::Layer) && isSubclassedModelKind(self.layer->kind) && method == "build")
    return buildSubclassedModel(self.layer, call);
  if (self.is(ValueKind::Layer) && self.layer->kind && isCustomKind(self.layer->kind))
    return method == "add_weight" ? addWeight(self.layer, call) : callClassMethod(self.layer, method, call);
  if (self.is(ValueKind::Tensor)) return kerasAttribute(self, "shape", call.range, call.range);  // get_shape()
  // layer.build(input_shape) (a composite's build() building a sublayer): a
  // layer's weights follow from the shapes of its calls.
  if (self.is(ValueKind::Layer) && method == "build") return Value::none(call.range);
  if (self.is(ValueKind::Layer) && method == "get_initial_state") return initialStates(self.layer, call);
  if (self.is(ValueKind::Model)) {
    Model *m = self.model;
    if (method == "load_weights") return libraryLoadWeights(call);
    if (method == "add") {
      if (!m->sequential) {
        diags_.report(DiagID::err_model_arg, call.range, "add() exists only on Sequential models");
        return Value::error(call.range);
      }
      if (call.args.size() != 1) {
        diags_.report(DiagID::err_model_arg, call.range, "add() takes one layer");
        return Value::error(call.range);
      }
      sequentialAdd(m, call.args[0].value, call.range);
      return Value::none(call.range);
    }
    if (method == "build") {
      // model.build(input_shape): gives a Sequential its input shape (batch axis included).
      const CallArgument *shape = call.args.empty() ? nullptr : &call.args[0];
      if (!shape || !shape->value.isSequence()) {
        diags_.report(DiagID::err_model_arg, call.range, "build() takes the input shape, batch axis included");
        return Value::error(call.range);
      }
      if (!m->sequential || !m->inputs.empty()) return Value::none(call.range);  // already built
      TensorType type;
      if (!buildInputType(shape->value, type)) return Value::error(call.range);
      if (m->pending.empty()) return Value::none(call.range);
      if (!buildSequential(m, newInputTensor(sequentialInputName(*m->pending.front()), type, call.range, nullptr), call.range))
        return Value::error(call.range);
      return Value::none(call.range);
    }
    if (method == "get_layer") {
      const CallArgument *a = call.args.size() == 1 ? &call.args[0] : nullptr;
      if (a && a->value.is(ValueKind::Str) && a->keyword != "index") {
        for (Layer *l : m->layers)
          if (l->name == a->value.text) return l->model ? Value::ofModel(l->model, call.range) : Value::ofLayer(l, call.range);
        std::vector<std::string> names;
        for (Layer *l : m->layers) names.push_back(l->name);
        std::string problem = "model '" + m->name + "' has no layer named " + repr(a->value);
        if (auto s = closestMatch(a->value.text, names)) problem += "; did you mean '" + *s + "'?";
        diags_.report(DiagID::err_model_arg, a->value.range, problem);
        return Value::error(call.range);
      }
      if (a && a->value.isInteger() && a->keyword != "name") {
        int64_t i = a->value.asInt();
        if (i >= 0 && i < int64_t(m->layers.size())) {
          Layer *l = m->layers[i];
          return l->model ? Value::ofModel(l->model, call.range) : Value::ofLayer(l, call.range);
        }
      }
      diags_.report(DiagID::err_model_arg, call.range, "get_layer() takes a layer name or an index");
      return Value::error(call.range);
    }
  }
  diags_.report(DiagID::err_not_callable, call.calleeRange, describe(self) + "." + method);
  return Value::error(call.range);
}

// rnn.get_initial_state(inputs), tf.keras 2's: a state of zeros, (batch,
// units), for each state the layer takes (h, and c for an LSTM), with the
// inputs' batch; what the layer starts from without initial_state.
Value Evaluator::initialStates(Layer *layer, CallSite &call) {
  const Value *inputs = call.args.size() == 1 ? &call.args[0].value : nullptr;
  if (!inputs || !(inputs->is(ValueKind::Tensor) || inputs->is(ValueKind::Traced))) {
    diags_.report(DiagID::err_model_arg, call.range,
                  "get_initial_state() takes the layer's input tensor (tf.keras 2); Keras 3's "
                  "get_initial_state(batch_size) is not supported");
    return Value::error(call.range);
  }
  const int64_t units = layer->config.integer("units");
  auto zeros = [&] {
    std::string error;
    return traced(*trace_->filled({kNone, units}, 0, error), call.range);
  };
  std::vector<Value> states;
  for (int64_t i = 0; i < static_cast<const RecurrentKind *>(layer->kind)->stateCount(layer->config); ++i) {
    Value x = *inputs;
    std::optional<Value> state = onModelTensors("tf.zeros", "zeros", {&x}, call.range, zeros);
    if (!state && x.is(ValueKind::Traced)) state = zeros();
    if (!state || state->is(ValueKind::Error)) return Value::error(call.range);
    states.push_back(*state);
  }
  return Value::ofList(std::move(states), call.range);
}

}  // namespace kiln
