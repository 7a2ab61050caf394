// Calls: argument evaluation (with *args and **kwargs), dispatch on what is
// called, and the file's own functions with Python's parameter binding.
// Calling skipped code evaluates nothing and gives a skipped value.
#include "sema/Evaluator.h"
#include "sema/TrainingOnly.h"

#include "diagnostics/Suggest.h"
#include "layers/core/Traced.h"

#include <algorithm>
#include <functional>

namespace kiln {

std::string functionName(const Closure &c) { return c.def->name; }

Value Evaluator::makeClosure(const std::shared_ptr<ast::Function> &def, SourceRange range) {
  auto closure = std::make_shared<Closure>();
  closure->def = def;
  closure->scope = scope_;
  scope_->captured = true;
  for (const ast::Parameter &p : def->params) {
    if (p.defaultValue) closure->defaults.push_back(eval(*p.defaultValue));
    else closure->defaults.push_back(std::nullopt);
  }
  Value v = Value::make(ValueKind::Function, range);
  v.function = std::move(closure);
  return v;
}

namespace {

// A tensor that the argument expressions name directly (x, [a, b]); looked
// up without evaluating anything, so skipped calls stay unevaluated.
const ast::Expr *tensorArgument(const ast::Expr &e, const std::function<std::optional<Value>(const std::string &)> &lookup) {
  if (e.kind == ast::ExprKind::Name) {
    std::optional<Value> v = lookup(e.name);
    return v && (v->is(ValueKind::Tensor) || v->is(ValueKind::Traced)) ? &e : nullptr;
  }
  if (e.kind == ast::ExprKind::List || e.kind == ast::ExprKind::Tuple)
    for (const ast::ExprPtr &item : e.elements)
      if (const ast::Expr *t = tensorArgument(*item, lookup)) return t;
  return nullptr;
}

std::string skipReason(const SkipInfo &s) {
  if (s.unsupported) return s.why;
  return fmt::format("it comes from '{}', which Kiln skips ({})", s.what, s.why);
}

}  // namespace

Value Evaluator::evalCall(const ast::Expr &e) {
  if (!tick(e.range)) return Value::error(e.range);
  Value callee = eval(*e.object);
  if (callee.is(ValueKind::Skipped)) {
    const SkipInfo &s = *callee.skip;
    // Skipped code applied to the model's tensors: a TensorFlow op, a Lambda, a custom layer.
    auto quiet = [this](const std::string &name) { return lookup(name); };
    for (const ast::Argument &a : e.args) {
      if (tensorArgument(*a.value, quiet)) {
        if (trace_) {
          reportUnsupportedTensorOp(exprText(*e.object), e.range);
          return Value::error(e.range);
        }
        Diagnostic &d =
            diags_.report(DiagID::err_skipped_used, e.range, fmt::format("'{}'", exprText(*e.object)), skipReason(s));
        if (s.where.valid() && s.where.begin.offset != e.object->range.begin.offset)
          d.note(s.unsupported ? DiagID::note_defined_here : DiagID::note_skipped_here, s.where, s.what);
        return Value::error(e.range);
      }
    }
    if (!s.function.empty())
      if (std::optional<Value> data = callDataFunction(callee, e)) return *data;
    // A NumPy function Kiln does not follow may write its arrays (np.clip(y,
    // 0, 1, y), np.add.at(y, i, 1)), as may any call's out=.
    for (const ast::Argument &a : e.args)
      if ((s.why == kNumpyOnData || a.keyword == "out") && a.value->kind == ast::ExprKind::Name)
        if (std::optional<Value> written = lookup(a.value->name)) {
          markWritten(*written);
          if (isNumpyArray(*written))  // np.negative(a, a) on np.arange's numbers: they are unknown now
            for (Value &item : written->items) item = Value::skipped(exprText(e), s.why, e.range);
        }
    // A fresh skipped name (np.load, print) names the call; otherwise the value's origin stays.
    if (s.where.begin.offset == e.object->range.begin.offset && s.where.end == e.object->range.end)
      return Value::skipped(exprText(e), s.why, e.range, s.unsupported);
    return unshaped(callee);
  }
  CallSite call;
  call.range = e.range;
  call.calleeRange = e.object->range;
  bool ok = evalArguments(e, call);
  if (callee.is(ValueKind::Error) || !ok) return Value::error(e.range);
  bool anyError = false;
  for (const CallArgument &a : call.args) anyError |= a.value.is(ValueKind::Error);
  if (anyError && !callee.is(ValueKind::Layer) && !callee.is(ValueKind::Model)) {
    // What a method or function would have changed (seq.add(x),
    // blocks.append(x)) is lost: any model may be missing it.
    if (callee.is(ValueKind::Method) || callee.is(ValueKind::Partial) ||
        (callee.is(ValueKind::Function) && mayChangeModels(*callee.function, call)))
      effectsLost_ = true;
    return Value::error(e.range);
  }
  return this->call(callee, call);
}

// Whether a function of the file, called with these arguments, could
// change a model or what the models built after it are named: whether it is
// given, or reads from where it was defined, anything a model can be reached
// from or made with. Plotting what a model predicts (keras.io's VAE plots
// its latent space) reads the model, NumPy and Python's builtins only.
bool Evaluator::mayChangeModels(const Closure &function, const CallSite &call) const {
  std::function<bool(const Value &)> inert = [&](const Value &v) {
    switch (v.kind) {
    case ValueKind::None: case ValueKind::Bool: case ValueKind::Int: case ValueKind::Float: case ValueKind::Str:
    case ValueKind::Ellipsis: case ValueKind::Opaque: case ValueKind::Skipped: case ValueKind::Error: return true;
    case ValueKind::Tuple: return std::all_of(v.items.begin(), v.items.end(), inert);
    case ValueKind::Module: return v.text == "numpy" || v.text == "math" || v.text == "numpy.random";
    case ValueKind::Builtin: return v.builtin->kind == Builtin::Kind::Python || v.builtin->kind == Builtin::Kind::Math;
    default: return false;
    }
  };
  // An argument that failed may stand for an object that holds a model
  // (keras.io's VAE holds its decoder): the function may only read it.
  if (changesParameters(*function.def)) return true;
  for (const CallArgument &a : call.args)
    if (!inert(a.value)) return true;
  for (const std::optional<Value> &d : function.defaults)
    if (d && !inert(*d)) return true;
  std::set<std::string> locals = localNamesOf(*function.def);
  for (const ast::Parameter &p : function.def->params) locals.insert(p.name);
  for (const std::string &name : namesReadBy(*function.def)) {
    if (locals.count(name)) continue;
    std::optional<Value> value;
    for (const Scope *s = function.scope; s && !value; s = s->parent)
      if (auto it = s->names.find(name); it != s->names.end()) value = it->second;
    if (!inert(value ? *value : lookupGlobal(name))) return true;
  }
  return false;
}

bool Evaluator::evalArguments(const ast::Expr &e, CallSite &call) {
  bool ok = true;
  for (const ast::Argument &a : e.args) {
    Value v = eval(*a.value);
    if (a.star.empty()) {
      call.args.push_back({a.keyword, a.keywordRange, std::move(v), a.value.get()});
      continue;
    }
    if (v.is(ValueKind::Error) || v.is(ValueKind::Skipped)) {
      call.args.push_back({"", a.keywordRange, std::move(v), a.value.get()});
      continue;
    }
    if (a.star == "*") {
      std::optional<std::vector<Value>> items = iterate(v, a.value->range);
      if (!items) {
        ok = false;
        continue;
      }
      for (Value &item : *items) call.args.push_back({"", {}, std::move(item), a.value.get()});
      continue;
    }
    if (!v.is(ValueKind::Dict)) {
      diags_.report(DiagID::err_argument_type, v.range, "**", "a call", "a dict", describe(v));
      ok = false;
      continue;
    }
    for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
      if (!v.items[i].is(ValueKind::Str)) {
        diags_.report(DiagID::err_argument_type, v.range, "**", "a call", "a dict with string keys", describe(v.items[i]));
        ok = false;
        break;
      }
      call.args.push_back({v.items[i].text, a.keywordRange, v.items[i + 1], a.value.get()});
    }
  }
  return ok;
}

bool Evaluator::rejectSkipped(const CallSite &call, const LayerKind *layerClass) {
  // A layer's training-only arguments (a Regularizer subclass of the file
  // as activity_regularizer) never reach inference.
  auto trainingOnly = [&](const std::string &keyword) {
    if (!layerClass || keyword.empty()) return false;
    for (const std::vector<ArgSpec> *specs : {&layerClass->args(), &baseLayerArgs()})
      for (const ArgSpec &spec : *specs)
        if (spec.name == keyword) return spec.type == ArgType::TrainingOnly;
    return false;
  };
  bool found = false;
  size_t visited = 0;
  for (const CallArgument &a : call.args) {
    if (trainingOnly(a.keyword)) continue;
    const Value *s = findSkipped(a.value, &visited);
    if (!s) continue;
    // The argument as written (x_train.shape, [np.zeros(3)]), or the unsupported code inside it.
    bool whole = a.expr && (s == &a.value || !s->skip->unsupported);
    std::string use = fmt::format("'{}'", whole ? exprText(*a.expr) : s->skip->what);
    SourceRange where = whole ? a.expr->range : s->range;
    Diagnostic &d = diags_.report(DiagID::err_skipped_used, where, use, skipReason(*s->skip));
    if (s->skip->where.valid() && s->skip->where.begin.offset != where.begin.offset)
      d.note(s->skip->unsupported ? DiagID::note_defined_here : DiagID::note_skipped_here, s->skip->where,
             s->skip->what);
    found = true;
  }
  return found || !tick(call.range, visited);
}

Value Evaluator::call(const Value &callee, CallSite &call) {
  // A layer or model applied to data (skipped values, or outside any layer
  // a list of numbers: `layer([-1., 0., 1.])` runs it eagerly): prediction, skipped.
  std::optional<Value> eager;
  auto prediction = [&]() -> const Value * {
    size_t visited = 0;
    for (const CallArgument &a : call.args)
      if (const Value *s = findSkipped(a.value, &visited)) return s;
    tick(call.range, visited);
    std::function<bool(const Value &)> numbers = [&](const Value &v) {
      return v.isNumber() || (v.isSequence() && !v.items.empty() && std::all_of(v.items.begin(), v.items.end(), numbers));
    };
    const Value *first = call.args.empty() || !call.args[0].keyword.empty() ? nullptr : &call.args[0].value;
    if (!trace_ && !compositeNames_ && first && first->isSequence() && numbers(*first)) {
      eager = Value::skipped(describe(callee) + "()", "a layer run on values: prediction", call.range);
      return &*eager;
    }
    return nullptr;
  };
  switch (callee.kind) {
  case ValueKind::LayerClass:
    if (rejectSkipped(call, callee.layerClass)) return Value::error(call.range);
    return constructLayer(callee.layerClass, call, callee.text);
  case ValueKind::Layer:
    if (const Value *s = prediction()) {
      Layer *l = callee.layer;
      if (isSubclassedModelKind(l->kind) && !l->model && !l->program && !call.args.empty() && call.args[0].keyword.empty())
        if (std::optional<Value> built = buildModelOnData(l, call.args[0].value, call.range); built && built->is(ValueKind::Error))
          return *built;
      return unshaped(*s);
    }
    return callLayer(callee.layer, call);
  case ValueKind::Model:
    if (const Value *s = prediction()) return unshaped(*s);
    return callModelAsLayer(callee.model, call);
  case ValueKind::Builtin:
    switch (callee.builtin->kind) {
    case Builtin::Kind::Python: return callPython(*callee.builtin, call);
    case Builtin::Kind::Math: return callMath(*callee.builtin, call);
    case Builtin::Kind::Backend: return callBackend(*callee.builtin, call);
    case Builtin::Kind::TensorOp: return callTensorOp(*callee.builtin, call);
    case Builtin::Kind::TrainingObject:
    case Builtin::Kind::Initializer:  // their arguments do not reach inference: data is fine there
    case Builtin::Kind::Lookup:       // a vocabulary from data is not known, and is not used as a size
      return callBuiltin(*callee.builtin, call);
    default:
      if (rejectSkipped(call)) return Value::error(call.range);
      return callBuiltin(*callee.builtin, call);
    }
  case ValueKind::Opaque:
    if (callee.boolean) return initialValue(callee, call);
    if (isLookup(callee)) return callLookup(callee, call);
    diags_.report(DiagID::err_not_callable, call.calleeRange, describe(callee));
    return Value::error(call.range);
  case ValueKind::Method:
    if (callee.self->is(ValueKind::Opaque) && callee.self->text == "super") return callSuper(*callee.self, callee.text, call);
    if (callee.self->is(ValueKind::Model) || callee.self->is(ValueKind::Layer) || callee.self->is(ValueKind::Tensor)) {
      if (rejectSkipped(call)) return Value::error(call.range);
      return callKerasMethod(*callee.self, callee.text, call);
    }
    if (callee.self->is(ValueKind::Instance) || callee.self->is(ValueKind::Class))
      return callObjectMethod(*callee.self, callee.text, call);
    if (callee.self->is(ValueKind::Traced)) return tensorShape(*callee.self, call.range);  // x.get_shape()
    if (isLookup(*callee.self)) return callLookupMethod(*callee.self, callee.text, call);
    return callValueMethod(*callee.self, callee.text, call);
  case ValueKind::Class: return constructObject(callee, call);
  case ValueKind::Instance: return callObjectMethod(callee, "__call__", call);
  case ValueKind::Function: return callFunction(*callee.function, call);
  case ValueKind::Partial: return callPartial(callee, call);
  case ValueKind::Skipped: return unshaped(callee);
  case ValueKind::Error: return callee;
  default:
    diags_.report(DiagID::err_not_callable, call.calleeRange, describe(callee));
    return Value::error(call.range);
  }
}

// A functools.partial object called: its bound positional arguments come
// before the call's, and its keywords stay unless the call gives them again.
Value Evaluator::callPartial(const Value &partial, CallSite &call) {
  CallSite merged{call.range, call.calleeRange, {}};
  auto bound = [&](bool keywords) {
    for (size_t i = 0; i + 1 < partial.items.size(); i += 2) {
      const Value &keyword = partial.items[i];
      if (keyword.is(ValueKind::Str) != keywords) continue;
      bool given = std::any_of(call.args.begin(), call.args.end(),
                               [&](const CallArgument &a) { return keywords && a.keyword == keyword.text; });
      if (!given) merged.args.push_back({keywords ? keyword.text : "", keyword.range, partial.items[i + 1], nullptr});
    }
  };
  auto fromCall = [&](bool keywords) {
    for (const CallArgument &a : call.args)
      if (a.keyword.empty() != keywords) merged.args.push_back(a);
  };
  bound(false);
  fromCall(false);
  bound(true);
  fromCall(true);
  return this->call(*partial.self, merged);
}

Value Evaluator::callFunction(const Closure &function, CallSite &call) {
  const ast::Function &def = *function.def;
  if (def.generator)
    return Value::skipped(def.name + "()", "a generator function: it produces data at run time", call.range);
  if (frames_.size() >= kMaxCallDepth) {
    diags_.report(DiagID::err_recursion, call.range, kMaxCallDepth);
    stopped_ = true;
    return Value::error(call.range);
  }
  auto scope = std::make_unique<Scope>();
  scope->parent = function.scope;
  if (!bindParameters(function, call, *scope)) return Value::error(call.range);

  frames_.push_back({&function, call.range});
  Scope *outer = scope_;
  int outerLoops = loopDepth_;
  scope_ = scope.get();
  loopDepth_ = 0;
  Value result = Value::none(call.range);
  if (def.result) {
    result = eval(*def.result);
  } else {
    markTrainingOnly(def.body);
    if (execBlock(def.body) == Flow::Return) result = returnValue_;
  }
  returnValue_ = Value::none();
  scope_ = outer;
  loopDepth_ = outerLoops;
  frames_.pop_back();
  if (scope->captured) scopes_.push_back(std::move(scope));
  return stopped_ ? Value::error(call.range) : result;
}

// Python's binding: positional arguments fill the parameters in order (the
// rest go to *args), keywords match by name (the rest go to **kwargs), and
// defaults fill what is left.
bool Evaluator::bindParameters(const Closure &function, CallSite &call, Scope &scope) {
  const ast::Function &def = *function.def;
  const std::string what = "function '" + def.name + "'";
  std::vector<const ast::Parameter *> positional;
  const ast::Parameter *varArgs = nullptr, *kwArgs = nullptr;
  bool keywordOnly = false;
  size_t positionalOnly = 0;
  for (const ast::Parameter &p : def.params) {
    switch (p.kind) {
    case ast::Parameter::Kind::Plain:
      if (!keywordOnly) positional.push_back(&p);
      break;
    case ast::Parameter::Kind::VarArgs: varArgs = &p; keywordOnly = true; break;
    case ast::Parameter::Kind::KeywordOnly: keywordOnly = true; break;
    case ast::Parameter::Kind::KwArgs: kwArgs = &p; break;
    case ast::Parameter::Kind::PositionalOnly: positionalOnly = positional.size(); break;
    }
  }
  std::map<std::string, Value> bound;
  Value extraPositional = Value::make(ValueKind::Tuple, call.range);
  Value extraKeywords = Value::make(ValueKind::Dict, call.range);
  size_t next = 0;
  bool ok = true;
  for (const CallArgument &a : call.args) {
    if (!a.keyword.empty()) continue;
    if (next < positional.size()) {
      bound[positional[next++]->name] = a.value;
    } else if (varArgs) {
      extraPositional.items.vector().push_back(a.value);
    } else {
      diags_.report(DiagID::err_too_many_positional, a.value.range, what, positional.size(),
                    positional.size() == 1 ? "" : "s", call.positionalCount());
      return false;
    }
  }
  for (const CallArgument &a : call.args) {
    if (a.keyword.empty()) continue;
    const ast::Parameter *param = nullptr;
    for (size_t i = 0; i < def.params.size(); ++i) {
      const ast::Parameter &p = def.params[i];
      bool isPositionalOnly = std::find(positional.begin(), positional.begin() + positionalOnly, &p) !=
                              positional.begin() + positionalOnly;
      if (p.kind == ast::Parameter::Kind::Plain && p.name == a.keyword && !isPositionalOnly) param = &p;
    }
    if (!param) {
      if (kwArgs) {
        dictSet(extraKeywords, Value::ofStr(a.keyword), a.value);
        continue;
      }
      std::vector<std::string> names;
      for (const ast::Parameter &p : def.params)
        if (p.kind == ast::Parameter::Kind::Plain) names.push_back(p.name);
      if (auto m = closestMatch(a.keyword, names))
        diags_.report(DiagID::err_unknown_argument_suggest, a.keywordRange, what, a.keyword, *m);
      else
        diags_.report(DiagID::err_unknown_argument, a.keywordRange, what, a.keyword);
      ok = false;
      continue;
    }
    if (!bound.emplace(param->name, a.value).second) {
      diags_.report(DiagID::err_duplicate_argument, a.keywordRange, what, param->name);
      ok = false;
    }
  }
  for (size_t i = 0; i < def.params.size(); ++i) {
    const ast::Parameter &p = def.params[i];
    if (p.kind != ast::Parameter::Kind::Plain || bound.count(p.name)) continue;
    if (function.defaults[i]) {
      bound[p.name] = *function.defaults[i];
    } else {
      diags_.report(DiagID::err_missing_argument, call.range, what, p.name);
      ok = false;
    }
  }
  if (!ok) return false;
  if (varArgs) bound[varArgs->name] = extraPositional;
  if (kwArgs) bound[kwArgs->name] = extraKeywords;
  scope.names = std::move(bound);
  return true;
}

}  // namespace kiln
