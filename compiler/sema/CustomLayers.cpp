// Lambda layers and custom Layer subclasses: calling one traces its Python
// code on symbolic tensors (TensorOps.cpp) into the layer's TensorProgram.
// A class deriving from keras.layers.Layer is a new layer kind; its
// __init__ runs at construction (attributes on `self` become its
// configuration), build(input_shape) and call(inputs) at its first call,
// where self.add_weight() declares weights that bind by name.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "layers/core/Traced.h"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <utility>

namespace kiln {

namespace {

// Keras's shape of a tensor computed from constants: this one's without its batch axis.
std::string constantShape(const Tensor &t) {
  return shapeString(std::vector<Dim>(t.type.dims.begin() + 1, t.type.dims.end()));
}

// A tensor's shape as Keras gives it: kNone for the batch and open axes.
std::vector<int64_t> kerasShape(const TensorType &type) {
  std::vector<int64_t> dims{kNone};
  for (size_t a = 1; a < type.dims.size(); ++a) dims.push_back(type.dims[a].known() ? type.dims[a].value() : kNone);
  return dims;
}

// Keras's supports_masking, as the class's __init__ set it: the layer passes
// its input's mask on.
bool supportsMasking(const Layer &layer) {
  return layer.config.has("supports_masking") && layer.config.get("supports_masking").is(ValueKind::Bool) &&
         layer.config.get("supports_masking").boolean;
}

}  // namespace

Value shapeTuple(const std::vector<int64_t> &dims, SourceRange range) {
  std::vector<Value> items;
  for (int64_t d : dims) items.push_back(d == kNone ? Value::none(range) : Value::ofInt(d, range));
  return Value::ofTuple(std::move(items), range);
}

// Runs a class's body in a scope of its own, kept as long as the compiler
// runs: the class's members.
Scope *Evaluator::execClassBody(const ast::Stmt &stmt) {
  auto scope = std::make_unique<Scope>();
  scope->parent = scope_;
  Scope *outer = scope_;
  scope_ = scope.get();
  execBlock(stmt.body);
  scope_ = outer;
  scopes_.push_back(std::move(scope));
  return scopes_.back().get();
}

void Evaluator::defineCustomLayer(const ast::Stmt &stmt, bool subclassedModel) {
  const LayerKind *kind = makeCustomLayerKind(stmt.name, subclassedModel);
  classScopes_[kind] = execClassBody(stmt);
  Value v = Value::make(ValueKind::LayerClass, stmt.keywordRange);
  v.layerClass = kind;
  scope_->names[stmt.name] = v;
}

const Value *Evaluator::classMember(const LayerKind *kind, const std::string &name) const {
  auto found = classScopes_.find(kind);
  if (found == classScopes_.end()) return nullptr;
  auto member = found->second->names.find(name);
  return member == found->second->names.end() ? nullptr : &member->second;
}

Value Evaluator::callClassMethod(Layer *layer, const std::string &name, CallSite call) {
  const Value *method = classMember(layer->kind, name);
  if (!method || !method->is(ValueKind::Function)) return Value::none(call.range);
  call.args.insert(call.args.begin(), CallArgument{"", {}, Value::ofLayer(layer, call.range), nullptr});
  // Keras fills a `training` parameter of call() that the caller leaves out:
  // False, at inference (ViT's `def call(self, inputs, training)`).
  if (name == "call") {
    const std::vector<ast::Parameter> &params = method->function->def->params;
    size_t positional = 0;
    for (const CallArgument &a : call.args) positional += a.keyword.empty();
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].name == "training" && params[i].kind == ast::Parameter::Kind::Plain && !call.keyword("training") &&
          i >= positional && !method->function->defaults[i].has_value())
        call.args.push_back({"training", {}, Value::ofBool(false, call.range), nullptr});
  }
  // Models a custom layer makes (a Sequential in __init__) are its sublayers,
  // never the file's model.
  size_t models = models_.size();
  Value result = callFunction(*method->function, call);
  models_.resize(std::min(models, models_.size()));
  return result;
}

Value Evaluator::constructCustomLayer(const LayerKind *kind, CallSite &call) {
  Layer *layer = graph_.newLayer(kind, "", call.range);
  if (classMember(kind, "__init__")) {
    Value result = callClassMethod(layer, "__init__", call);
    layer->invalid = result.is(ValueKind::Error);
  } else {
    layer->invalid = !initBaseLayer(layer, call);  // Layer.__init__(**kwargs)
  }
  if (layer->name.empty()) layer->name = uniqueName(kind->defaultName(), true);
  return Value::ofLayer(layer, call.range);
}

// model.build(input_shape) of a subclassed model: its call() on Inputs of
// that shape (batch axis included; a list of shapes for several inputs), as
// tf.keras 2 traces it. Keras 3 builds at the first call on data instead,
// whose shape this gives.
Value Evaluator::buildSubclassedModel(Layer *layer, CallSite &call) {
  const CallArgument *shape = call.args.size() == 1 ? &call.args[0] : nullptr;
  if (!shape || !shape->value.isSequence() || (!shape->keyword.empty() && shape->keyword != "input_shape")) {
    diags_.report(DiagID::err_model_arg, call.range, "build() takes the input shape, batch axis included");
    return Value::error(call.range);
  }
  if (layer->model || layer->program) return Value::none(call.range);  // built by a call
  const auto &items = shape->value.items;
  bool several = !items.empty() && items[0].isSequence();
  std::vector<Value> inputs;
  std::vector<Value> shapes = several ? std::vector<Value>(items.begin(), items.end()) : std::vector<Value>{shape->value};
  for (const Value &dims : shapes) {
    TensorType type;
    if (!buildInputType(dims, type)) return Value::error(call.range);
    inputs.push_back(Value::ofTensor(newInputTensor(inputLayerName(), type, call.range, nullptr), call.range));
  }
  CallSite traced{call.range, call.range, {{"", {}, several ? Value::ofList(inputs, call.range) : inputs[0], nullptr}}};
  Value result = callLayer(layer, traced);
  return result.is(ValueKind::Error) ? result : Value::none(call.range);
}

// super().__init__(**kwargs): the arguments every layer takes, and its name.
// tf.keras 2's Model.__init__(*args, **kwargs) drops positional arguments
// that are not a functional model's inputs and outputs: TensorFlow's text
// generation tutorial calls super().__init__(self). Keras 3 refuses them.
bool Evaluator::initBaseLayer(Layer *layer, const CallSite &call) {
  LayerConfig base;
  CallSite keywords = call;
  if (isSubclassedModelKind(layer->kind) && options_.kerasVersion == KerasVersion::V2 && call.positionalCount() == 1)
    std::erase_if(keywords.args, [](const CallArgument &a) { return a.keyword.empty(); });
  if (!bindArguments(baseLayerArgs(), {}, keywords, layer->kind->className(), diags_, base, 0)) return false;
  for (const auto &[name, value] : base.entries()) layer->config.set(name, value, base.given(name));
  if (layer->name.empty()) layer->name = base.isNone("name") ? uniqueName(layer->kind->defaultName(), true) : base.str("name");
  return true;
}

Value Evaluator::callSuper(const Value &self, const std::string &method, CallSite &call) {
  if (self.self && self.self->is(ValueKind::Instance)) return callObjectSuper(*self.self, method, call);
  Layer *layer = self.self && self.self->is(ValueKind::Layer) ? self.self->layer : nullptr;
  if (layer && method == "__init__") return initBaseLayer(layer, call) ? Value::none(call.range) : Value::error(call.range);
  if (layer && (method == "build" || method == "get_config")) {
    if (method == "get_config") return Value::make(ValueKind::Dict, call.range);
    return Value::none(call.range);
  }
  diags_.report(DiagID::err_not_callable, call.calleeRange, "super()." + method);
  return Value::error(call.range);
}

const Value *Evaluator::methodSelf() const {
  if (frames_.empty() || frames_.back().function->def->params.empty()) return nullptr;
  auto self = scope_->names.find(frames_.back().function->def->params[0].name);
  return self == scope_->names.end() ? nullptr : &self->second;
}

Value Evaluator::makeSuper(CallSite &call) {
  Value v = Value::make(ValueKind::Opaque, call.range);
  v.text = "super";
  if (const Value *self = methodSelf(); self && (self->is(ValueKind::Layer) || self->is(ValueKind::Instance)))
    v.self = std::make_shared<Value>(*self);
  if (!v.self) {
    diags_.report(DiagID::err_model_arg, call.range, "super() is supported in the methods of a class");
    return Value::error(call.range);
  }
  return v;
}

// self.add_weight(name=..., shape=..., initializer=..., trainable=...):
// while tracing, a weight of the program; before the layer's first call (in
// __init__, as Keras 3's guides make them), a weight that the trace makes
// first (materializeInitWeights).
Value Evaluator::addWeight(Layer *layer, CallSite &call) {
  if (!trace_ && (layer == composite_ || layer->program)) {
    diags_.report(DiagID::err_model_arg, call.range,
                  layer == composite_ ? "a custom layer that calls other layers cannot have weights of its own "
                                        "(add_weight()); move them into a layer of their own"
                                      : "add_weight() is supported in a custom layer's __init__(), build() or call()");
    return Value::error(call.range);
  }
  static const std::vector<ArgSpec> specs = {
      arg("name", ArgType::Any, Value::none()),        arg("shape", ArgType::Any, Value::none()),
      arg("dtype", ArgType::Any, Value::none()),       arg("initializer", ArgType::Any, Value::none()),
      arg("regularizer", ArgType::TrainingOnly, Value::none()), arg("trainable", ArgType::Any, Value::ofBool(true)),
      arg("constraint", ArgType::TrainingOnly, Value::none()),  arg("use_resource", ArgType::Any, Value::none()),
      arg("synchronization", ArgType::Any, Value::none()),      arg("aggregation", ArgType::Any, Value::none()),
      arg("autocast", ArgType::Any, Value::none()),
  };
  // Keras 2 takes (name, shape, ...) by position, Keras 3 (shape, initializer, ...).
  CallSite named{call.range, call.calleeRange, {}};
  size_t position = 0;
  for (const CallArgument &a : call.args) {
    CallArgument b = a;
    if (b.keyword.empty()) {
      bool keras2 = options_.kerasVersion == KerasVersion::V2;
      const char *order2[] = {"name", "shape", "dtype", "initializer"}, *order3[] = {"shape", "initializer", "dtype"};
      if ((keras2 && position >= 4) || (!keras2 && position >= 3)) {
        diags_.report(DiagID::err_model_arg, a.value.range, "add_weight() takes at most its first arguments by position");
        return Value::error(call.range);
      }
      b.keyword = keras2 ? order2[position] : order3[position];
      ++position;
    }
    named.args.push_back(b);
  }
  LayerConfig config;
  if (!bindArguments(specs, {}, named, "add_weight", diags_, config)) return Value::error(call.range);
  WeightSpec spec;
  std::vector<WeightSpec> &early = initWeights_[layer];
  int counter = int(trace_ ? trace_->weights.size() : early.size());
  spec.name = config.isNone("name") ? (counter ? fmt::format("variable_{}", counter) : "variable") : str(config.get("name"));
  const Value &shape = config.get("shape");
  if (shape.isInteger()) spec.shape = {shape.asInt()};
  for (const Value &d : shape.items) {
    if (!d.isInteger() || d.asInt() < 1) {
      diags_.report(DiagID::err_argument_type, shape.range, "shape", "add_weight", "a tuple of positive integers",
                    describe(shape));
      return Value::error(call.range);
    }
    spec.shape.push_back(d.asInt());
  }
  const Value &init = config.get("initializer");
  spec.initializerArg = "=" + (init.is(ValueKind::Str) ? init.text : init.is(ValueKind::Opaque) || init.is(ValueKind::Builtin)
                                                                          ? toSnakeCase(init.is(ValueKind::Opaque) ? init.text : init.builtin->name)
                                                                          : std::string("glorot_uniform"));
  spec.trainable = !config.get("trainable").is(ValueKind::Bool) || config.get("trainable").boolean;
  if (trace_) return traced(trace_->weight(spec), call.range);
  early.push_back(spec);
  Value weight = Value::make(ValueKind::Opaque, call.range);
  weight.text = "Variable";
  weight.layer = layer;
  weight.integer = int64_t(early.size()) - 1;
  return weight;
}

// An initializer called with a shape (`tf.zeros_initializer()(shape=(1, 1,
// d))`): the initial value of a tf.Variable, which keeps the initializer.
Value Evaluator::initialValue(const Value &initializer, CallSite &call) {
  const CallArgument *shape = call.keyword("shape");
  if (!shape && !call.args.empty() && call.args[0].keyword.empty()) shape = &call.args[0];
  if (!shape || !(shape->value.isSequence() || shape->value.isInteger())) {
    diags_.report(DiagID::err_model_arg, call.range, "an initializer is called with the shape of the value it makes");
    return Value::error(call.range);
  }
  Value v = Value::make(ValueKind::Opaque, call.range);
  v.text = "InitialValue";
  v.self = std::make_shared<Value>(initializer);
  v.items = Items({shape->value});
  return v;
}

// tf.Variable(initial_value=initializer(shape=...), name=, trainable=) in a
// custom layer's method: a weight of the layer, as Keras tracks a variable
// set on a layer (ViT's class token and position embedding).
Value Evaluator::layerVariable(CallSite &call) {
  const Value *self = methodSelf();
  Layer *layer = self && self->is(ValueKind::Layer) && isCustomKind(self->layer->kind) ? self->layer : nullptr;
  const CallArgument *initial = call.keyword("initial_value");
  if (!initial && !call.args.empty() && call.args[0].keyword.empty()) initial = &call.args[0];
  if (!layer || !initial || !(initial->value.is(ValueKind::Opaque) && initial->value.text == "InitialValue")) {
    diags_.report(DiagID::err_model_arg, call.range,
                  "tf.Variable is supported in a custom layer's methods, with an initializer's value as its initial "
                  "value (initial_value=tf.zeros_initializer()(shape=...)); or use self.add_weight()");
    return Value::error(call.range);
  }
  CallSite weight{call.range, call.calleeRange, {}};
  weight.args.push_back({"shape", {}, initial->value.items[0], nullptr});
  weight.args.push_back({"initializer", {}, *initial->value.self, nullptr});
  for (const char *key : {"name", "trainable"})
    if (const CallArgument *a = call.keyword(key)) weight.args.push_back({key, {}, a->value, nullptr});
  return addWeight(layer, weight);
}

// The weights a layer made before its first call become its program's
// first weights, in order (as Keras tracks them), and the attributes that
// hold them (`self.w`, also in lists) hold the traced weights.
void Evaluator::materializeInitWeights(Layer *layer, TensorProgram &program, SourceRange range) {
  auto early = initWeights_.find(layer);
  if (early == initWeights_.end()) return;
  std::vector<Value> made;
  for (const WeightSpec &spec : early->second) made.push_back(traced(program.weight(spec), range));
  std::function<void(Value &)> replace = [&](Value &v) {
    if (v.is(ValueKind::Opaque) && v.text == "Variable" && v.layer == layer) v = made[size_t(v.integer)];
    if (v.isSequence() || v.is(ValueKind::Dict))
      for (Value &item : v.items) replace(item);
  };
  std::vector<std::pair<std::string, Value>> entries = layer->config.entries();
  for (auto &[name, value] : entries) {
    replace(value);
    layer->config.set(name, value, layer->config.given(name));
  }
}

// The names of a custom layer's call() parameters after self.
std::vector<std::string> Evaluator::callParameters(const Layer &layer) const {
  const Value *method = classMember(layer.kind, "call");
  std::vector<std::string> names;
  if (method && method->is(ValueKind::Function))
    for (const ast::Parameter &p : method->function->def->params)
      if (p.kind == ast::Parameter::Kind::Plain) names.push_back(p.name);
  if (!names.empty()) names.erase(names.begin());
  return names;
}

// A custom layer's call() may take tensors in parameters after the first
// (`call(self, inputs, encoder_outputs, mask=None)`, called as layer(x, enc)
// or layer(x, encoder_outputs=enc)). Those arguments join the first in a
// tuple, the layer's input, in call()'s order; call() gets them back as its
// arguments (callArguments), build() the first one's shape, as in Keras.
// Every call of a layer gives tensors to the same parameters.
bool Evaluator::packCallArguments(Layer *layer, CallSite &call) {
  std::vector<std::string> names = callParameters(*layer);
  // call(self, source) called as layer(source=x): Keras takes the first
  // argument by its name too.
  bool anyPositional = std::any_of(call.args.begin(), call.args.end(), [](const CallArgument &a) { return a.keyword.empty(); });
  auto byName = std::find_if(call.args.begin(), call.args.end(),
                             [&](const CallArgument &a) { return !names.empty() && a.keyword == names[0]; });
  if (!anyPositional && byName != call.args.end()) {
    CallArgument moved = *byName;
    moved.keyword.clear();
    call.args.erase(byName);
    call.args.insert(call.args.begin(), moved);
  }
  std::vector<const Value *> bound(names.size(), nullptr);  // by parameter
  std::vector<CallArgument> kept;
  std::optional<size_t> first;  // in kept
  size_t positional = 0;
  for (CallArgument &a : call.args) {
    size_t i = names.size();
    if (a.keyword.empty()) i = positional++;
    for (size_t j = 0; j < names.size() && !a.keyword.empty(); ++j)
      if (names[j] == a.keyword) i = j;
    if (i > 0 && i < names.size() && names[i] != "training" && names[i] != "mask" &&
        (a.value.is(ValueKind::Tensor) || a.value.is(ValueKind::Error))) {  // an error: already reported
      bound[i] = &a.value;
      continue;
    }
    if (i == 0 && !first) first = kept.size();
    kept.push_back(a);
  }
  std::vector<std::string> packed;
  std::vector<Value> tuple;
  for (size_t i = 0; i < names.size(); ++i)
    if (bound[i]) {
      packed.push_back(names[i]);
      tuple.push_back(*bound[i]);
    }
  auto describeArgs = [](const std::vector<std::string> &v) {
    std::string s;
    for (const std::string &name : v) s += (s.empty() ? "" : ", ") + name;
    return v.empty() ? std::string("its first argument only") : "tensors for " + s;
  };
  if ((!layer->nodes.empty() || layer->model || layer->program) && packed != layer->callTensorArgs) {
    diags_.report(DiagID::err_model_arg, call.range,
                  "calling " + layer->describe() + " with " + describeArgs(packed) + ", where its first call gave " +
                      describeArgs(layer->callTensorArgs));
    return false;
  }
  if (packed.empty()) return true;
  if (!first || !kept[*first].value.is(ValueKind::Tensor)) {
    diags_.report(DiagID::err_model_arg, call.range,
                  "calling " + layer->describe() + " with " + describeArgs(packed) +
                      " needs one tensor as its first argument");
    return false;
  }
  tuple.insert(tuple.begin(), kept[*first].value);
  kept[*first].keyword.clear();
  kept[*first].value = Value::ofTuple(std::move(tuple), kept[*first].value.range);
  layer->callTensorArgs = std::move(packed);
  call.args = std::move(kept);
  return true;
}

// Keras passes a custom layer the mask of its input where call() takes
// `mask`, and gives its output the mask compute_mask() computes, or with
// supports_masking the input's. Composites do (buildComposite); a custom
// layer of tensor math alone neither takes nor makes masks: where Keras
// would, that is an error, never a mask dropped. Without a mask in,
// compute_mask(inputs, None) must give None.
bool Evaluator::checkCustomMasks(Layer *layer, const CallSite &call) {
  bool masked = false;
  std::function<void(const Value &)> findMask = [&](const Value &v) {
    masked |= v.is(ValueKind::Tensor) && v.tensor->mask;
    if (v.isSequence())
      for (const Value &item : v.items) findMask(item);
  };
  for (const CallArgument &a : call.args) findMask(a.value);
  std::vector<std::string> names = callParameters(*layer);
  bool takesMask = std::find(names.begin(), names.end(), "mask") != names.end();
  bool passesMask = supportsMasking(*layer);
  const Value *computeMask = classMember(layer->kind, "compute_mask");
  std::string why = takesMask ? "its call() takes the mask" : computeMask ? "it computes a mask (compute_mask)"
                                                             : passesMask ? "it passes the mask on (supports_masking)"
                                                                          : "";
  if (masked && !why.empty()) {
    diags_.report(DiagID::err_model_arg, call.range,
                  "the input of " + layer->describe() + " has a mask (from Embedding(mask_zero=True) or Masking) and " +
                      why + "; masks through a custom layer's code are not supported");
    return false;
  }
  if (masked || !computeMask || call.args.empty()) return true;
  CallSite maskCall{call.range, call.range, {call.args[0], {"", {}, Value::none(call.range), nullptr}}};
  maskCall.args[0].keyword.clear();
  Value mask = callClassMethod(layer, "compute_mask", maskCall);
  if (mask.is(ValueKind::Error) || mask.is(ValueKind::None)) return !mask.is(ValueKind::Error);
  diags_.report(DiagID::err_model_arg, call.range,
                layer->describe() + "'s compute_mask() gives a mask for an input without one; masks made by a custom "
                                    "layer's code are not supported");
  return false;
}

std::vector<CallArgument> Evaluator::callArguments(const Layer &layer, const Value &input) const {
  if (layer.callTensorArgs.empty()) return {{"", {}, input, nullptr}};
  std::vector<CallArgument> args{{"", {}, input.items[0], nullptr}};
  for (size_t i = 0; i < layer.callTensorArgs.size(); ++i)
    args.push_back({layer.callTensorArgs[i], {}, input.items[i + 1], nullptr});
  return args;
}

// What build() gets: the shape of the input (None for the batch and open
// axes), or a list of them for a list of inputs.
Value Evaluator::buildShape(const Layer &layer, const std::vector<Tensor *> &tensors, const Value &input,
                            SourceRange range) {
  std::vector<Value> shapes;
  for (Tensor *t : tensors) {
    std::vector<int64_t> dims{kNone};
    for (size_t a = 1; a < t->type.dims.size(); ++a) dims.push_back(t->type.dims[a].known() ? t->type.dims[a].value() : kNone);
    shapes.push_back(shapeTuple(dims, range));
  }
  return input.isSequence() && layer.callTensorArgs.empty() ? Value::ofList(shapes, range) : shapes[0];
}

// Keras 3's guides make sublayers in build() (`self.dense = layers.Dense(...)`),
// which Keras runs before call(). Where __init__ made none, build() runs
// first, outside any trace: if it made a sublayer, the layer is a composite
// and keeps what build() did (returns true); else everything it did is
// undone, to run again in the trace.
bool Evaluator::buildFirst(Layer *layer, const std::vector<Tensor *> &inputs, const Value &input, SourceRange range) {
  if (!classMember(layer->kind, "build") || layer->program || builtFirst_.count(layer)) return false;
  DiagnosticEngine::Mark mark = diags_.mark();
  std::vector<std::pair<std::string, Value>> before;
  for (const auto &[name, value] : layer->config.entries()) before.push_back({name, deepCopy(value)});
  size_t weights = initWeights_[layer].size();
  Value result = callClassMethod(layer, "build", CallSite{range, range, {{"", {}, buildShape(*layer, inputs, input, range), nullptr}}});
  bool made = false;  // __init__ made no sublayer: any now is build()'s
  for (const auto &[name, value] : layer->config.entries()) {
    made |= value.is(ValueKind::Layer) || value.is(ValueKind::Model);
    for (const Value &item : value.items) made |= item.is(ValueKind::Layer) || item.is(ValueKind::Model);
  }
  if (made || stopped_) {
    builtFirst_.insert(layer);
    if (result.is(ValueKind::Error)) layer->invalid = true;
    return true;
  }
  diags_.dropSince(mark);
  initWeights_[layer].resize(weights);
  LayerConfig restored;
  for (auto &[name, value] : before) restored.set(name, value, layer->config.given(name));
  layer->config = std::move(restored);
  return false;
}

// A custom layer that calls other layers (Keras's guides build attention
// blocks so: `self.att = MultiHeadAttention(...)` in __init__, called in
// call()) is a composite: at its first call, build() and call() run on the
// model's own tensors, fresh inputs of the call's types, so that the
// sublayers' calls and the tensor math between them become the graph of an
// inner model, the way a nested model is one. The layer is then that
// model's layer: its calls share the sublayers, its weights are theirs.
// Returns false on error; a custom layer without sublayers is left alone.
bool Evaluator::buildComposite(Layer *layer, const Value &input, SourceRange range) {
  auto collect = [&] {
    std::vector<std::pair<std::string, Layer *>> found;
    for (const auto &[attribute, v] : layer->config.entries()) {
      auto sublayer = [](const Value &x) {
        return x.is(ValueKind::Layer) ? x.layer : x.is(ValueKind::Model) ? x.model->layer : nullptr;
      };
      if (Layer *l = sublayer(v)) found.push_back({attribute, l});
      if (!v.isSequence()) continue;
      std::map<std::string, int> counts;  // Keras 3 saves a list's layers by class: dense, dense_1
      for (const Value &item : v.items)
        if (Layer *l = sublayer(item)) {
          std::string key = toSnakeCase(l->className());
          if (int n = counts[key]++) key += "_" + std::to_string(n);
          found.push_back({attribute + "/" + key, l});
        }
    }
    return found;
  };
  bool ok = true;
  std::vector<Tensor *> outer = tensorsOf(input, layer->describe(), ok), inner;
  if (!ok) return false;
  std::vector<std::pair<std::string, Layer *>> sublayers = collect();
  if (sublayers.empty() && buildFirst(layer, outer, input, range)) sublayers = collect();
  if (layer->invalid) return false;
  if (sublayers.empty()) return true;
  if (!initWeights_[layer].empty()) {
    diags_.report(DiagID::err_model_arg, range,
                  "a custom layer that calls other layers cannot have weights of its own (add_weight()); move them into "
                  "a layer of their own");
    return layer->invalid = true, false;
  }

  // Inside call(), the inputs carry their masks, which the sublayers read
  // as Keras's do.
  for (Tensor *t : outer) {
    inner.push_back(newInputTensor(layer->name + "_input" + (inner.empty() ? "" : "_" + std::to_string(inner.size())),
                                   t->type, range, nullptr));
    if (t->mask) {
      Node *input = inner.back()->producer;
      input->masks = {inner.back()->mask = graph_.newTensor(t->mask->type, input, 0)};
    }
  }
  Value arg = withTensorsReplaced(input, [&](const Value &v) {
    return Value::ofTensor(inner[std::find(outer.begin(), outer.end(), v.tensor) - outer.begin()], v.range);
  });
  const Value &first = layer->callTensorArgs.empty() ? arg : arg.items[0];
  std::vector<CallArgument> args = callArguments(*layer, arg);
  std::vector<std::string> params = callParameters(*layer);
  if (std::find(params.begin(), params.end(), "mask") != params.end())
    args.push_back({"mask", {}, maskArgument(first), nullptr});
  std::map<std::string, int> names;
  std::map<std::string, int> *outerNames = compositeNames_;
  const Layer *outerComposite = composite_;
  std::shared_ptr<TensorProgram> outerConstants = compositeConstants_;
  std::vector<Tensor *> outerInputs = compositeInputs_;
  compositeNames_ = &names;
  composite_ = layer;
  compositeConstants_ = std::make_shared<TensorProgram>();
  compositeInputs_ = inner;
  bool built = true;
  if (classMember(layer->kind, "build") && !builtFirst_.count(layer))
    built = !callClassMethod(layer, "build", CallSite{range, range, {{"", {}, buildShape(*layer, inner, input, range), nullptr}}})
                 .is(ValueKind::Error);
  Value result = built ? callClassMethod(layer, "call", CallSite{range, range, std::move(args)}) : Value::error(range);
  std::vector<Tensor *> outputs, outputMasks;
  if (!result.is(ValueKind::Error)) outputs = tensorsOf(result, layer->describe() + "'s call()", ok);
  ok = ok && !result.is(ValueKind::Error) && compositeOutputMasks(layer, first, outputs, range, outputMasks);
  compositeNames_ = outerNames;
  composite_ = outerComposite;
  compositeConstants_ = outerConstants;
  compositeInputs_ = outerInputs;
  if (!ok) return layer->invalid = true, false;
  for (Tensor *t : outputs)
    if (t->batchFree) {
      diags_.report(DiagID::err_model_arg, range,
                    layer->describe() + "'s call() returns a tensor computed from constants alone, of shape " +
                        constantShape(*t) + "; a layer's outputs have the batch axis of its inputs");
      return layer->invalid = true, false;
    }

  Model *model = graph_.newModel(layer->name, false, range, layer);
  model->inputs = inner;
  model->outputs = outputs;
  model->outputMasks = outputMasks;
  if (!collectModelLayers(model, range)) return layer->invalid = true, false;
  // Keras tracks the sublayers in the order the attributes were set; its
  // weights follow that order, then the layers made in call() itself.
  std::vector<Layer *> ordered;
  for (const auto &[path, l] : sublayers)
    if (std::find(model->layers.begin(), model->layers.end(), l) != model->layers.end()) {
      model->sublayers.push_back({path, l});
      ordered.push_back(l);
    }
  for (Layer *l : model->layers)
    if (std::find(ordered.begin(), ordered.end(), l) == ordered.end()) ordered.push_back(l);
  // Its Inputs first, as a functional model lists them.
  std::stable_partition(ordered.begin(), ordered.end(), [](Layer *l) { return l->kind && l->kind->className() == "InputLayer"; });
  model->layers = ordered;
  return true;
}

// Keras's `mask` argument of call() and compute_mask(): the masks of the
// tensors of call()'s first argument, in its structure; None if none has one.
Value Evaluator::maskArgument(const Value &first) {
  bool any = false;
  Value masks = withTensorsReplaced(first, [&](const Value &v) {
    any |= v.tensor->mask != nullptr;
    return v.tensor->mask ? Value::ofTensor(v.tensor->mask, v.range) : Value::none(v.range);
  });
  return any ? masks : Value::none(first.range);
}

// The masks of a composite's outputs, as Keras's _set_mask_metadata sets
// them: compute_mask(inputs, mask) where the class defines it, else with
// supports_masking the input's mask, else none; paired with the outputs in
// order (a single mask goes to the first output).
bool Evaluator::compositeOutputMasks(Layer *layer, const Value &first, const std::vector<Tensor *> &outputs,
                                     SourceRange range, std::vector<Tensor *> &masks) {
  masks.assign(outputs.size(), nullptr);
  Value result = maskArgument(first);
  if (classMember(layer->kind, "compute_mask")) {
    result = callClassMethod(layer, "compute_mask", CallSite{range, range, {{"", {}, first, nullptr}, {"", {}, result, nullptr}}});
    if (result.is(ValueKind::Error)) return false;
  } else if (!supportsMasking(*layer)) {
    return true;
  }
  std::vector<Value> items;
  if (result.isSequence()) items.assign(result.items.begin(), result.items.end());
  else items.push_back(result);
  for (size_t i = 0; i < items.size() && i < outputs.size(); ++i) {
    if (items[i].is(ValueKind::None)) continue;
    if (!items[i].is(ValueKind::Tensor) || items[i].tensor->type.rank() != 2 || items[i].tensor->batchFree) {
      diags_.report(DiagID::err_model_arg, range,
                    layer->describe() + "'s compute_mask() must give None or a mask of shape (batch, steps) computed "
                                        "from its inputs, got " + describe(items[i]));
      return false;
    }
    masks[i] = items[i].tensor;
  }
  return true;
}

bool Evaluator::isConstant(const Value &v) const {
  return compositeConstants_ && v.is(ValueKind::Traced) && v.program == compositeConstants_;
}

// Keras's tensors computed from constants have no batch axis: positions =
// self.pos_emb(ops.arange(0, maxlen)) is (maxlen, dim), added to the batch's
// (batch, maxlen, dim) by broadcasting. Here such a constant is a layer's
// output repeated for every sample: a layer of the constant's math, fed the
// composite's first input for the batch size. A leading axis
// of size 1 (ops.expand_dims(positions, 0)) is Keras's broadcast batch axis.
Value Evaluator::constantsAsTensors(const Value &v, SourceRange range, bool &ok) {
  if (v.isSequence()) {
    std::vector<Value> items;
    for (const Value &item : v.items) items.push_back(constantsAsTensors(item, range, ok));
    Value copy = v;
    copy.items = Items(std::move(items));
    return copy;
  }
  if (!isConstant(v) || compositeInputs_.empty()) return v;
  TensorProgram p = compositeConstants_->extract(int(v.integer));
  int node = p.outputs[0];
  std::vector<int64_t> dims = p.nodes[node].dims;
  bool batchFree = dims.empty() || dims[0] != 1;
  std::string error;
  if (!batchFree) node = *p.reshape(node, std::vector<int64_t>(dims.begin() + 1, dims.end()), error);
  Tensor *input = compositeInputs_[0];
  p.input(0, {kNone});  // for the batch size only
  p.outputs = {p.broadcastBatch(node)};
  Layer *layer = graph_.newLayer(constantKind(), uniqueName("constant", true, compositeNames_), range);
  layer->program = std::make_shared<TensorProgram>(std::move(p));
  layer->builtInputs = {input->type};
  Value tensor = applyLayer(layer, {input}, range, false);
  if (!tensor.is(ValueKind::Tensor)) {
    ok = false;
    return tensor;
  }
  tensor.tensor->batchFree = batchFree;
  return tensor;
}

// A layer applied to a tensor without a batch axis takes its first axis for
// the batch; repeating the tensor for every sample agrees with that for the
// layers that compute each position on its own.
bool Evaluator::checkBatchFree(const Layer &layer, const std::vector<Tensor *> &inputs, SourceRange range) {
  for (Tensor *t : inputs) {
    if (!t->batchFree) continue;
    std::string cls = layer.kind ? layer.kind->className() : "";
    if (cls == "Embedding" || cls == "Dense" || cls == "Activation" || cls == "Dropout") continue;
    diags_.report(DiagID::err_model_arg, range,
                  "calling " + layer.describe() + " on a tensor computed from constants alone, of shape " +
                      constantShape(*t) +
                      ", is not supported; Embedding, Dense, Activation and Dropout take such tensors, and "
                      "tensor math combines them with the model's tensors");
    return false;
  }
  return true;
}

// Runs the layer's Python code on symbolic inputs of the given types.
bool Evaluator::traceLayer(Layer *layer, const std::vector<Tensor *> &inputs, bool listInput, SourceRange range) {
  std::vector<TensorType> types;
  for (Tensor *t : inputs) types.push_back(t->type);
  if (layer->program) {
    if (types == layer->builtInputs) return true;
    std::string built, now;
    for (const TensorType &t : layer->builtInputs) built += (built.empty() ? "" : " and ") + shapeString(t);
    for (const TensorType &t : types) now += (now.empty() ? "" : " and ") + shapeString(t);
    diags_.report(DiagID::err_shared_layer_shape, range, layer->describe(), built, now)
        .note(DiagID::note_first_use, layer->nodes[0]->range, built);
    return false;
  }
  if (trace_) {
    diags_.report(DiagID::err_model_arg, range, "calling " + layer->describe() + " inside another layer's computation is not supported");
    return false;
  }
  auto program = std::make_shared<TensorProgram>();
  std::vector<Value> args, shapes;
  // Inputs whose leading axes are open, the same ones for all (variable-
  // length steps), fold those axes into the batch, for elementwise math
  // (checkFolded). Else a custom layer's further tensors may have open axes
  // (the labels of a CTC loss layer): call() gets them as skipped values, so
  // that code computing only a loss from them runs, and a result computed
  // from them is an error. The computation's own input needs every size.
  const int fold = foldableAxes(types);
  size_t open = std::count_if(types.begin(), types.end(), [](const TensorType &t) { return t.hasOpenAxes(); });
  for (const TensorType &type : types)
    if (type.hasOpenAxes() && !fold && (open == types.size() || !isCustomKind(layer->kind))) {
      diags_.report(DiagID::err_model_arg, range,
                    layer->describe() + " needs the sizes of its input's axes at build time, but its input has shape " +
                        shapeString(type));
      return false;
    }
  program->foldedAxes = fold;  // the axes the code gives count them (TensorArgs::foldedAxes)
  trace_ = program;
  foldedTrace_ = fold > 0;
  materializeInitWeights(layer, *program, range);
  for (size_t i = 0; i < types.size(); ++i) {
    std::vector<int64_t> dims{kNone};  // the batch axis, whatever its size: samples are computed one by one
    for (size_t a = 1 + size_t(fold); a < types[i].dims.size(); ++a)
      dims.push_back(types[i].dims[a].known() ? types[i].dims[a].value() : kNone);
    if (types[i].hasOpenAxes() && !fold)
      args.push_back(Value::skipped("a tensor of shape " + shapeString(types[i]),
                                    layer->describe() + " computes only from inputs whose sizes are known at build time",
                                    range, true));
    else
      args.push_back(traced(program->input(int(i), dims, true, types[i].dtype == DType::Int32), range));
    shapes.push_back(shapeTuple(kerasShape(types[i]), range));
  }
  bool packed = !layer->callTensorArgs.empty();
  Value input = listInput ? Value::ofList(args, range) : args[0];
  Value inputShape = listInput && !packed ? Value::ofList(shapes, range) : shapes[0];
  CallSite call{range, range, callArguments(*layer, input)};
  Value result;
  std::string expected;  // the output_shape the code declares, for the comparison
  Value declared;
  if (isCustomKind(layer->kind)) {
    CallSite build{range, range, {{"", {}, inputShape, nullptr}}};
    if (!builtFirst_.count(layer) && callClassMethod(layer, "build", build).is(ValueKind::Error)) result = Value::error(range);
    else result = callClassMethod(layer, "call", call);
    if (classMember(layer->kind, "compute_output_shape")) {
      CallSite shapeCall{range, range, {{"", {}, inputShape, nullptr}}};
      trace_ = nullptr;
      declared = callClassMethod(layer, "compute_output_shape", shapeCall);
      expected = "compute_output_shape()";
    }
  } else {
    const Value &arguments = layer->config.get("arguments");
    for (size_t i = 0; i + 1 < arguments.items.size(); i += 2)
      call.args.push_back({arguments.items[i].text, {}, arguments.items[i + 1], nullptr});
    result = this->call(layer->config.get("function"), call);
    const Value &outputShape = layer->config.get("output_shape");
    trace_ = nullptr;
    if (outputShape.is(ValueKind::Function)) {
      CallSite shapeCall{range, range, {{"", {}, inputShape, nullptr}}};
      declared = this->call(outputShape, shapeCall);
      expected = "output_shape=" + functionName(*outputShape.function);
    } else if (outputShape.isSequence()) {
      std::vector<Value> withBatch{Value::none(range)};
      withBatch.insert(withBatch.end(), outputShape.items.begin(), outputShape.items.end());
      declared = Value::ofTuple(withBatch, range);
      expected = "output_shape=" + repr(outputShape);
    }
  }
  trace_ = nullptr;
  foldedTrace_ = false;
  if (result.is(ValueKind::Error) || declared.is(ValueKind::Error)) return false;
  std::vector<Value> outputs = result.isSequence() ? std::vector<Value>(result.items.begin(), result.items.end())
                                                   : std::vector<Value>{result};
  for (const Value &o : outputs) {
    if (!o.is(ValueKind::Traced) || o.program != program || !program->nodes[o.integer].batched) {
      bool unsupported = o.is(ValueKind::Skipped) && o.skip->unsupported;
      diags_.report(DiagID::err_model_arg, range,
                    layer->describe() + " must return tensors computed from its inputs, but returns " + describe(o) +
                        (unsupported ? " (" + o.skip->why + ")" : ""));
      return false;
    }
    program->outputs.push_back(int(o.integer));
  }
  if (!expected.empty()) {
    // As Keras gives it: with the axes folded into the batch.
    auto outputShape = [&](const Value &o) {
      std::vector<int64_t> dims = program->nodes[o.integer].dims;
      dims.insert(dims.begin() + 1, size_t(fold), kNone);
      return shapeTuple(dims, range);
    };
    Value inferred = outputs.size() == 1 ? outputShape(outputs[0]) : Value::none();
    if (outputs.size() > 1) {
      std::vector<Value> all;
      for (const Value &o : outputs) all.push_back(outputShape(o));
      inferred = Value::ofList(all, range);
    }
    // A list and a tuple of the same sizes are the same shape.
    Value asTuple = declared;
    if (asTuple.is(ValueKind::List) && outputs.size() == 1) asTuple = Value::ofTuple({asTuple.items.begin(), asTuple.items.end()}, range);
    if (!equal(asTuple, inferred)) {
      diags_.report(DiagID::err_output_shape_differs, range, layer->describe(), expected, repr(declared), repr(inferred));
      return false;
    }
  }
  if (fold && !checkFolded(layer->describe(), *program, types[0], range)) return false;
  program->foldedAxes = fold;
  layer->program = program;
  return true;
}

// Keras calls a Lambda's function again whenever the model runs (predict()
// traces the model), and the variables it reads then hold what the script
// left in them: a lambda made in a loop (`lambda z: z[:, i:i + 1]`) reads
// the loop's last i, not the i of its own call. So every Lambda is traced
// again once the file has run; where that computes something else, the model
// computes what Keras's does, with a warning.
void Evaluator::retraceLambdas() {
  for (const LambdaCall &c : std::exchange(lambdaCalls_, {})) {
    std::shared_ptr<const TensorProgram> atCall = std::move(c.layer->program);
    DiagnosticEngine::Mark mark = diags_.mark();
    bool traced = traceLayer(c.layer, c.inputs, c.listInput, c.range) && diags_.mark() == mark;
    const TensorProgram *now = c.layer->program.get();
    if (traced && now->nodes == atCall->nodes && now->outputs == atCall->outputs) {
      c.layer->program = atCall;
      continue;
    }
    diags_.dropSince(mark);
    bool sameShapes = traced && now->outputs.size() == atCall->outputs.size();
    for (size_t i = 0; sameShapes && i < now->outputs.size(); ++i)
      sameShapes = now->nodes[now->outputs[i]].dims == atCall->nodes[atCall->outputs[i]].dims;
    if (!sameShapes) {
      c.layer->program = atCall;
      diags_.report(DiagID::err_model_arg, c.range,
                    "the function of " + c.layer->describe() +
                        " reads variables that changed after this call; Keras calls it again whenever the model "
                        "runs, with their last values, and then it does not compute tensors of the shapes it did "
                        "here; bind them as defaults (lambda x, i=i: ...) to keep this call's values");
      continue;
    }
    diags_.report(DiagID::warn_lambda_late_binding, c.range,
                  "the function of " + c.layer->describe() +
                      " reads variables that changed after this call (a loop's variable?); Keras calls it again "
                      "whenever the model runs, with their last values, and so does this model; bind them as "
                      "defaults (lambda x, i=i: ...) to keep this call's values");
  }
}

// The axes after the batch up to the last open one, where every input has
// the same sizes (open where the first's is), with every later axis known:
// what a program may fold into its batch (the shape rule checks at run time
// that the inputs' open sizes agree, TracedKind). (batch, 1, None), a mask
// made a row, folds both.
int Evaluator::foldableAxes(const std::vector<TensorType> &types) {
  if (types.empty() || !types[0].hasOpenAxes()) return 0;
  int fold = 0;
  for (int a = 1; a < types[0].rank(); ++a)
    if (!types[0].dims[a].known()) fold = a;
  for (const TensorType &t : types) {
    if (t.rank() != types[0].rank()) return 0;
    for (int a = 1; a < t.rank(); ++a) {
      const Dim &d = t.dims[a], &first = types[0].dims[a];
      if (a > fold ? !d.known() : d.known() != first.known() || (d.known() && d.value() != first.value())) return 0;
    }
  }
  return fold;
}

// A folded program sees a row of its inputs' trailing axes, and the code's
// axes were counted as the row's (TensorArgs::rowAxis, dropOpenAxes): what
// it computes on a row is what it would on the whole tensor as long as a
// constant meets a row only on the row's own trailing axes (broadcasting
// would align a longer one with the open axes), rows meet rows of their own
// rank, and nothing mixes positions of the open axes (callTensorOp refuses
// such functions before they are traced).
bool Evaluator::checkFolded(const std::string &who, const TensorProgram &program, const TensorType &input,
                            SourceRange range) {
  auto refuse = [&](const std::string &why) {
    diags_.report(DiagID::err_model_arg, range,
                  who + " needs the sizes of its input's axes at build time, but its input has shape " +
                      shapeString(input) + " (" + why + ")");
    return false;
  };
  for (const TensorExpr &e : program.nodes) {
    using Op = TensorExpr::Op;
    if (e.op == Op::Resize) return refuse("over axes sized at run time it computes along the other axes only");
    if (!e.batched) continue;
    for (int operand : e.operands) {
      const TensorExpr &o = program.nodes[size_t(operand)];
      const bool elementwise = e.op == Op::Binary || e.op == Op::Select;
      const bool fits = o.batched ? !elementwise || o.rank() == e.rank()
                                  : e.op == Op::MatMul || (e.op != Op::Concat && o.rank() < e.rank());
      if (!fits)
        return refuse(o.batched ? "tensors with axes sized at run time meet only tensors of their own rank"
                                : "a constant meets a tensor with axes sized at run time only on its last axes");
    }
  }
  return true;
}

// A function as a layer's activation (activation=mish, a lambda): Keras
// calls it on the layer's output. Kiln traces it there into a Lambda that is
// no node of the model (Keras makes no layer of it), and puts that Lambda in
// the activation's place: graph/Program.cpp runs it on the output as it runs
// an activation layer object. Every call of the layer has that output shape.
bool Evaluator::traceActivationFunction(Layer *layer, const TensorType &output, SourceRange range) {
  if (!layer->config.has("activation") || !layer->kind->activationOnOutput()) return true;
  const Value act = layer->config.get("activation");
  if (act.is(ValueKind::Layer) && isTracedKind(act.layer->kind)) {  // traced at an earlier call
    if (act.layer->builtInputs == std::vector<TensorType>{output}) return true;
    diags_.report(DiagID::err_shared_layer_shape, range, layer->describe(), shapeString(act.layer->builtInputs[0]),
                  shapeString(output));
    return false;
  }
  if (!act.is(ValueKind::Function) && !act.is(ValueKind::Method)) return true;
  Layer *function = graph_.newLayer(LayerRegistry::instance().find("Lambda"), layer->name + ".activation", act.range);
  function->config.set("function", act, true);
  for (const char *unset : {"output_shape", "mask", "arguments"}) function->config.set(unset, Value::none(), false);
  Tensor probe;
  probe.type = output;
  if (!traceLayer(function, {&probe}, false, range)) return false;
  const TensorProgram &program = *function->program;
  std::vector<int64_t> expected{kNone};
  for (size_t a = 1; a < output.dims.size(); ++a) expected.push_back(output.dims[a].value());
  if (program.outputs.size() != 1 || program.nodes[program.outputs[0]].dims != expected) {
    diags_.report(DiagID::err_model_arg, act.range,
                  "the activation of " + layer->describe() + " must keep the shape of its output " +
                      shapeString(output) + ", as an activation does");
    return false;
  }
  function->builtInputs = {output};
  layer->config.set("activation", Value::ofLayer(function, act.range), true);
  return true;
}

}  // namespace kiln
