// Expressions: names and scopes, attributes, indexing and slicing, displays,
// comparisons, boolean operators, comprehensions and f-strings, with
// Python's rules. Skipped values flow through them unevaluated.
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"

namespace kiln {

std::string exprText(const ast::Expr &e) {
  constexpr size_t kMax = 48;
  std::string s;
  switch (e.kind) {
  case ast::ExprKind::Name: s = e.name; break;
  case ast::ExprKind::Attribute: s = exprText(*e.object) + "." + e.name; break;
  case ast::ExprKind::Call: s = exprText(*e.object) + "()"; break;
  case ast::ExprKind::Subscript: s = exprText(*e.object) + "[...]"; break;
  case ast::ExprKind::Int: s = std::to_string(e.intValue); break;
  case ast::ExprKind::Float: s = repr(Value::ofFloat(e.floatValue)); break;
  case ast::ExprKind::Str: s = repr(Value::ofStr(e.name)); break;
  case ast::ExprKind::None: s = "None"; break;
  case ast::ExprKind::Bool: s = e.intValue ? "True" : "False"; break;
  case ast::ExprKind::Binary: s = exprText(*e.object) + " " + e.name + " " + exprText(*e.rhs); break;
  case ast::ExprKind::Unary: s = e.name + (e.name == "not" ? " " : "") + exprText(*e.object); break;
  case ast::ExprKind::Compare: s = exprText(*e.elements[0]) + " " + e.ops[0] + " " + exprText(*e.elements[1]); break;
  case ast::ExprKind::Tuple: s = "(...)"; break;
  case ast::ExprKind::List: s = "[...]"; break;
  default: s = "..."; break;
  }
  if (s.size() > kMax) s = s.substr(0, kMax - 3) + "...";
  return s;
}

bool Evaluator::checkSize(size_t items, SourceRange where) {
  if (items <= kMaxItems) return tick(where, items);
  diags_.report(DiagID::err_too_large, where, items, kMaxItems);
  stopped_ = true;  // a runaway: evaluating on only repeats it
  return false;
}

bool Evaluator::checkGrowth(size_t items, size_t added, SourceRange where) {
  return items + added <= kMaxItems ? tick(where, added) : checkSize(items + added, where);
}

bool Evaluator::checkStringSize(size_t bytes, SourceRange where) {
  if (bytes <= kMaxStringBytes) return tick(where, bytes / 64);
  diags_.report(DiagID::err_too_large, where, bytes, kMaxStringBytes);
  stopped_ = true;
  return false;
}

Value Evaluator::toText(const Value &v, bool asRepr, SourceRange where) {
  std::string text = asRepr ? repr(v) : str(v);
  if (!checkStringSize(text.size(), where)) return Value::error(where);
  return Value::ofStr(std::move(text), where);
}

Value Evaluator::eval(const ast::Expr &e) {
  if (stopped_) return Value::error(e.range);
  switch (e.kind) {
  case ast::ExprKind::Name: return evalName(e);
  case ast::ExprKind::Int: return Value::ofInt(e.intValue, e.range);
  case ast::ExprKind::Float: return Value::ofFloat(e.floatValue, e.range);
  case ast::ExprKind::Str: return Value::ofStr(e.name, e.range);
  case ast::ExprKind::None: return Value::none(e.range);
  case ast::ExprKind::Bool: return Value::ofBool(e.intValue != 0, e.range);
  case ast::ExprKind::Ellipsis: return Value::make(ValueKind::Ellipsis, e.range);
  case ast::ExprKind::Tuple:
  case ast::ExprKind::List:
  case ast::ExprKind::Set: return evalDisplay(e);
  case ast::ExprKind::Dict: return evalDict(e);
  case ast::ExprKind::Attribute: return evalAttribute(e);
  case ast::ExprKind::Subscript: return evalSubscript(e);
  case ast::ExprKind::Slice:
  case ast::ExprKind::Starred:
  case ast::ExprKind::FormattedValue:
    diags_.report(DiagID::err_syntax_extraneous, e.range, e.kind == ast::ExprKind::Starred ? "'*' here" : "':' here");
    return Value::error(e.range);
  case ast::ExprKind::Unary: return evalUnary(e);
  case ast::ExprKind::Binary: {
    Value a = eval(*e.object);
    Value b = eval(*e.rhs);
    return binary(e.name, a, b, e.range);
  }
  case ast::ExprKind::Compare: return evalCompare(e);
  case ast::ExprKind::BoolOp: return evalBoolOp(e);
  case ast::ExprKind::Conditional: return evalConditional(e);
  case ast::ExprKind::Lambda: return makeClosure(e.function, e.range);
  case ast::ExprKind::Comprehension: return evalComprehension(e);
  case ast::ExprKind::FString: return evalFString(e);
  case ast::ExprKind::Call: return evalCall(e);
  }
  return Value::error(e.range);
}

std::optional<Value> Evaluator::lookup(const std::string &name) const {
  bool library = false;
  for (const Scope *s = scope_; s; s = s->parent) {
    if (auto it = s->names.find(name); it != s->names.end()) return it->second;
    library |= s->library;
  }
  if (auto it = globals_.names.find(name); !library && it != globals_.names.end()) return it->second;
  Value v = lookupGlobal(name);
  if (v.is(ValueKind::Error)) return std::nullopt;
  return v;
}

Value Evaluator::evalName(const ast::Expr &e) {
  std::optional<Value> found = lookup(e.name);
  if (!found) found = libraryMember("keras.applications", e.name, e.range);  // ResNet50() without its import
  if (found) {
    Value v = std::move(*found);
    v.range = e.range;
    if (v.is(ValueKind::Skipped) && !v.skip->where.valid())  // a builtin such as print
      v = Value::skipped(v.skip->what, v.skip->why, e.range, v.skip->unsupported);
    return v;
  }
  // A suggestion looks at every name in scope: only for an error that is shown.
  std::optional<std::string> suggestion;
  if (diags_.willShow(Severity::Error)) {
    std::vector<std::string> candidates;
    for (const Scope *s = scope_; s; s = s->parent)
      for (const auto &[name, value] : s->names) candidates.push_back(name);
    for (const auto &[name, value] : globals_.names) candidates.push_back(name);
    for (const std::string &name : LayerRegistry::instance().names()) candidates.push_back(name);
    for (const char *name : {"Input", "Model", "Sequential", "range", "len"}) candidates.push_back(name);
    suggestion = closestMatch(e.name, candidates);
  }
  if (suggestion)
    diags_.report(DiagID::err_undefined_name_suggest, e.range, e.name, *suggestion);
  else
    diags_.report(DiagID::err_undefined_name, e.range, e.name);
  return Value::error(e.range);
}

namespace {

// A skipped value made by this very expression (np.random, model.fit), not
// one that flows in from elsewhere (x_train).
bool skippedHere(const Value &v, const ast::Expr &e) {
  return v.is(ValueKind::Skipped) && v.skip->where.begin.offset == e.range.begin.offset &&
         v.skip->where.end == e.range.end;
}

}  // namespace

Value Evaluator::evalAttribute(const ast::Expr &e) {
  Value object = eval(*e.object);
  if (object.is(ValueKind::Error)) return object;
  Value v;
  if (object.is(ValueKind::Traced)) {
    if (e.name == "shape" || e.name == "_keras_shape") return tensorShape(object, e.range);
    if (e.name == "get_shape") {  // called in Calls.cpp
      Value method = Value::make(ValueKind::Method, e.range);
      method.text = e.name;
      method.self = std::make_shared<Value>(object);
      return method;
    }
    if (e.name == "dtype") return Value::ofStr("float32", e.range);
    reportUnsupportedTensorOp("the attribute '" + e.name + "' of a tensor", e.nameRange);
    return Value::error(e.range);
  }
  if (object.is(ValueKind::Skipped)) {
    if (std::optional<Value> known = dataAttribute(object, e.name, e.range)) return *known;
    v = skippedHere(object, *e.object) ? Value::skipped("", object.skip->why, e.range, object.skip->unsupported)
                                       : unshaped(object);
  }
  else if (object.is(ValueKind::Module)) v = moduleMember(object.text, e.name, e.range, e.nameRange);
  else if (object.is(ValueKind::Model) || object.is(ValueKind::Layer) || object.is(ValueKind::Tensor))
    v = kerasAttribute(object, e.name, e.range, e.nameRange);
  else v = valueAttribute(object, e.name, e.range, e.nameRange);
  // Name fresh skipped values as written: "np.random.rand", "model.fit".
  if (skippedHere(v, e)) {
    auto info = std::make_shared<SkipInfo>(*v.skip);
    info->what = exprText(e);
    v.skip = std::move(info);
  }
  return v;
}

Value Evaluator::evalSubscript(const ast::Expr &e) {
  Value object = eval(*e.object);
  if (object.is(ValueKind::Error)) return object;
  if (object.is(ValueKind::Skipped)) {
    if (object.skip->shape)
      if (std::optional<Value> part = dataSubscript(object, e)) return *part;
    return unshaped(object);
  }
  if (traceOperand(object)) return tensorSubscript(object, e);
  if (object.is(ValueKind::Tensor) && object.tensor->type.hasOpenAxes())
    if (std::optional<Value> view = newAxesView(object.tensor, e)) return *view;
  if (modelOperand(object)) {
    Value x = object;
    if (std::optional<Value> layer = operatorOnModelTensors("[]", {&x}, e.range, [&] { return tensorSubscript(x, e); }))
      return *layer;
  }
  const char *tensorHint = "; slicing tensors is not supported, use Cropping or Reshape layers";
  if (e.elements.size() != 1) {
    diags_.report(DiagID::err_subscript, e.range, describe(object),
                  object.is(ValueKind::Tensor) ? tensorHint : " with several indexes");
    return Value::error(e.range);
  }
  if (e.elements[0]->kind == ast::ExprKind::Slice) return slice(object, *e.elements[0], e.range);
  Value key = eval(*e.elements[0]);
  return index(object, key, e.range);
}

Value Evaluator::index(const Value &object, const Value &key, SourceRange range) {
  if (key.is(ValueKind::Error)) return key;
  if (key.is(ValueKind::Skipped)) return unshaped(key);
  if ((object.isSequence() || object.is(ValueKind::Str)) && key.isInteger()) {
    int64_t n = object.is(ValueKind::Str) ? int64_t(object.text.size()) : int64_t(object.items.size());
    int64_t i = key.asInt() < 0 ? key.asInt() + n : key.asInt();
    if (i < 0 || i >= n) {
      diags_.report(DiagID::err_index_range, key.range, key.asInt(), typeName(object), n);
      return Value::error(range);
    }
    if (object.is(ValueKind::Str)) return Value::ofStr(object.text.substr(i, 1), range);
    return object.items[i];
  }
  if (object.is(ValueKind::Dict)) {
    if (!tick(range, object.items.size())) return Value::error(range);
    if (const Value *v = dictGet(object, key)) return *v;
    diags_.report(DiagID::err_key_missing, key.range, repr(key));
    return Value::error(range);
  }
  diags_.report(DiagID::err_subscript, range, describe(object),
                object.is(ValueKind::Tensor) ? "; slicing tensors is not supported, use Cropping or Reshape layers"
                                             : " with " + describe(key));
  return Value::error(range);
}

// Python's slice rules: None bounds, negative indexes, any step but 0.
Value Evaluator::slice(const Value &object, const ast::Expr &s, SourceRange range) {
  if (!object.isSequence() && !object.is(ValueKind::Str)) {
    diags_.report(DiagID::err_subscript, range, describe(object),
                  object.is(ValueKind::Tensor) ? "; slicing tensors is not supported, use Cropping or Reshape layers"
                                               : " with a slice");
    return Value::error(range);
  }
  std::optional<int64_t> bound[3];
  for (int i = 0; i < 3; ++i) {
    if (!s.elements[i]) continue;
    Value v = eval(*s.elements[i]);
    if (v.is(ValueKind::Error) || v.is(ValueKind::Skipped)) return unshaped(v);
    if (v.is(ValueKind::None)) continue;
    if (!v.isInteger()) {
      diags_.report(DiagID::err_slice_index, v.range, describe(v));
      return Value::error(range);
    }
    bound[i] = v.asInt();
  }
  int64_t step = bound[2].value_or(1);
  if (step == 0) {
    diags_.report(DiagID::err_slice_index, s.elements[2]->range, "a step of 0");
    return Value::error(range);
  }
  int64_t n = object.is(ValueKind::Str) ? int64_t(object.text.size()) : int64_t(object.items.size());
  auto clamp = [&](std::optional<int64_t> b, int64_t fallback) {
    if (!b) return fallback;
    int64_t i = *b < 0 ? *b + n : *b;
    return step > 0 ? std::clamp<int64_t>(i, 0, n) : std::clamp<int64_t>(i, -1, n - 1);
  };
  int64_t start = clamp(bound[0], step > 0 ? 0 : n - 1), stop = clamp(bound[1], step > 0 ? n : -1);
  std::vector<Value> items;
  std::string text;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (object.is(ValueKind::Str)) text += object.text[i];
    else items.push_back(object.items[i]);
  }
  if (object.is(ValueKind::Str)) return Value::ofStr(text, range);
  Value out = object.is(ValueKind::Tuple) ? Value::ofTuple(std::move(items), range) : Value::ofList(std::move(items), range);
  if (isNumpyArray(object)) out.text = "ndarray view";
  return out;
}

Value Evaluator::evalDisplay(const ast::Expr &e) {
  std::vector<Value> items;
  for (const ast::ExprPtr &item : e.elements) {
    if (item->kind != ast::ExprKind::Starred) {
      items.push_back(eval(*item));
      continue;
    }
    Value inner = eval(*item->object);
    if (inner.is(ValueKind::Error) || inner.is(ValueKind::Skipped)) return unshaped(inner);
    std::optional<std::vector<Value>> more = iterate(inner, item->range);
    if (!more) return Value::error(e.range);
    items.insert(items.end(), more->begin(), more->end());
  }
  if (!checkSize(items.size(), e.range)) return Value::error(e.range);
  if (e.kind == ast::ExprKind::Tuple) return Value::ofTuple(std::move(items), e.range);
  if (e.kind == ast::ExprKind::Set) {
    // A set keeps the first of equal elements; Kiln keeps insertion order.
    std::vector<Value> unique;
    for (Value &v : items)
      if (std::none_of(unique.begin(), unique.end(), [&](const Value &u) { return equal(u, v); }))
        unique.push_back(std::move(v));
    items = std::move(unique);
  }
  return Value::ofList(std::move(items), e.range);
}

Value Evaluator::evalDict(const ast::Expr &e) {
  Value d = Value::make(ValueKind::Dict, e.range);
  for (size_t i = 0; i + 1 < e.elements.size(); i += 2) {
    if (!e.elements[i]) {  // **mapping
      Value m = eval(*e.elements[i + 1]);
      if (m.is(ValueKind::Error) || m.is(ValueKind::Skipped)) return unshaped(m);
      if (!m.is(ValueKind::Dict)) {
        diags_.report(DiagID::err_argument_type, m.range, "**", "a dict display", "a dict", describe(m));
        return Value::error(e.range);
      }
      if (!tick(e.range, m.items.size() * (d.items.size() + m.items.size()))) return Value::error(e.range);
      for (size_t j = 0; j + 1 < m.items.size(); j += 2) dictSet(d, m.items[j], m.items[j + 1]);
      continue;
    }
    Value key = eval(*e.elements[i]);
    dictSet(d, key, eval(*e.elements[i + 1]));
  }
  return d;
}

Value Evaluator::evalCompare(const ast::Expr &e) {
  Value left = eval(*e.elements[0]);
  Value result = Value::ofBool(true, e.range);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.elements[i + 1]);
    result = compare(e.ops[i], left, right, e.range);
    if (!result.is(ValueKind::Bool) || !result.boolean) return result;
    left = right;
  }
  return result;
}

// `a and b` is a if a is false, else b; `or` the other way round.
Value Evaluator::evalBoolOp(const ast::Expr &e) {
  bool isAnd = e.name == "and";
  Value v;
  for (size_t i = 0; i < e.elements.size(); ++i) {
    v = eval(*e.elements[i]);
    if (i + 1 == e.elements.size()) break;
    std::optional<bool> t = truth(v, e.elements[i]->range);
    if (!t) return v.is(ValueKind::Skipped) ? unshaped(v) : Value::error(e.range);
    if (*t != isAnd) break;
  }
  return v;
}

Value Evaluator::evalConditional(const ast::Expr &e) {
  Value condition = eval(*e.elements[1]);
  std::optional<bool> t = truth(condition, e.elements[1]->range);
  if (!t) return condition.is(ValueKind::Skipped) ? unshaped(condition) : Value::error(e.range);
  return eval(*e.elements[*t ? 0 : 2]);
}

Value Evaluator::evalUnary(const ast::Expr &e) {
  Value v = eval(*e.object);
  if (v.is(ValueKind::Error)) return v;
  if (v.is(ValueKind::Skipped)) return v.skip->shape && e.name != "not" ? v : unshaped(v);  // -x: an array of its shape
  if (e.name == "not") {
    std::optional<bool> t = truth(v, e.object->range);
    return t ? Value::ofBool(!*t, e.range) : Value::error(e.range);
  }
  if (traceOperand(v) && e.name != "~") return e.name == "-" ? tensorNegate(v, e.range) : v;
  if (modelOperand(v) && e.name == "-") {
    Value x = v;
    if (std::optional<Value> layer = operatorOnModelTensors("neg", {&x}, e.range, [&] { return tensorNegate(x, e.range); }))
      return *layer;
  }
  if (v.isInteger() && e.name == "~") return Value::ofInt(~v.asInt(), e.range);
  if (v.isInteger() && e.name != "~") {
    if (e.name == "-" && v.asInt() == INT64_MIN) {
      diags_.report(DiagID::err_integer_overflow, e.range);
      return Value::error(e.range);
    }
    return Value::ofInt(e.name == "-" ? -v.asInt() : v.asInt(), e.range);
  }
  if (v.is(ValueKind::Float) && e.name != "~") return Value::ofFloat(e.name == "-" ? -v.real : v.real, e.range);
  diags_.report(DiagID::err_unary, e.range, e.name, describe(v));
  return Value::error(e.range);
}

// Comprehensions have their own scope: the loop names do not leak.
Value Evaluator::evalComprehension(const ast::Expr &e) {
  auto scope = std::make_unique<Scope>();
  scope->parent = scope_;
  Scope *outer = scope_;
  scope_ = scope.get();
  std::vector<Value> results;
  Value stop;  // a skipped or invalid value that ends the comprehension
  auto run = [&](auto &self, size_t clause) -> void {
    if (!stop.is(ValueKind::None)) return;
    if (clause == e.clauses.size()) {
      if (!tick(e.range)) {
        stop = Value::error(e.range);
        return;
      }
      results.push_back(eval(*e.object));
      if (e.rhs) results.push_back(eval(*e.rhs));
      if (!checkGrowth(results.size(), e.rhs ? 2 : 1, e.range)) stop = Value::error(e.range);
      return;
    }
    const ast::ComprehensionClause &c = e.clauses[clause];
    Value sequence = eval(*c.iterable);
    if (sequence.is(ValueKind::Skipped) || sequence.is(ValueKind::Error)) {
      stop = unshaped(sequence);
      return;
    }
    std::optional<std::vector<Value>> items = iterate(sequence, c.iterable->range);
    if (!items) {
      stop = Value::error(e.range);
      return;
    }
    for (const Value &item : *items) {
      assign(*c.target, item);
      bool keep = true;
      for (const ast::ExprPtr &condition : c.conditions) {
        Value v = eval(*condition);
        std::optional<bool> t = truth(v, condition->range);
        if (!t) {
          stop = v.is(ValueKind::Skipped) ? unshaped(v) : Value::error(e.range);
          return;
        }
        keep = keep && *t;
        if (!keep) break;
      }
      if (keep) self(self, clause + 1);
      if (!stop.is(ValueKind::None)) return;
    }
  };
  run(run, 0);
  scope_ = outer;
  if (scope->captured) scopes_.push_back(std::move(scope));
  if (!stop.is(ValueKind::None)) return stop;
  if (e.name == "dict") {
    Value d = Value::make(ValueKind::Dict, e.range);
    if (!tick(e.range, results.size() * results.size() / 8)) return Value::error(e.range);
    for (size_t i = 0; i + 1 < results.size(); i += 2) dictSet(d, results[i], results[i + 1]);
    return d;
  }
  if (e.name == "set") {
    std::vector<Value> unique;
    for (Value &v : results)
      if (std::none_of(unique.begin(), unique.end(), [&](const Value &u) { return equal(u, v); }))
        unique.push_back(std::move(v));
    results = std::move(unique);
  }
  return Value::ofList(std::move(results), e.range);
}

Value Evaluator::evalFString(const ast::Expr &e) {
  std::string out;
  for (const ast::ExprPtr &part : e.elements) {
    if (part->kind == ast::ExprKind::Str) {
      out += part->name;
      continue;
    }
    Value v = eval(*part->object);
    if (v.is(ValueKind::Error) || v.is(ValueKind::Skipped)) return unshaped(v);
    if (!part->name.empty()) v = toText(v, part->name != "s", v.range);
    if (v.is(ValueKind::Error)) return v;
    std::string spec;
    if (part->rhs) {
      Value s = evalFString(*part->rhs);
      if (!s.is(ValueKind::Str)) return s;
      spec = s.text;
    }
    std::optional<std::string> text = formatValue(v, spec, part->range);
    if (!text) return Value::error(e.range);
    out += *text;
    if (!checkStringSize(out.size(), e.range)) return Value::error(e.range);
  }
  return Value::ofStr(out, e.range);
}

std::optional<bool> Evaluator::truth(const Value &v, SourceRange where) {
  switch (v.kind) {
  case ValueKind::None: return false;
  case ValueKind::Bool: return v.boolean;
  case ValueKind::Int: return v.integer != 0;
  case ValueKind::Float: return v.real != 0;
  case ValueKind::Str: return !v.text.empty();
  case ValueKind::Tuple:
  case ValueKind::List:
  case ValueKind::Dict: return !v.items.empty();
  case ValueKind::Skipped:
  case ValueKind::Error: return std::nullopt;
  case ValueKind::Tensor:
    diags_.report(DiagID::err_tensor_truth, where, describe(v));
    return std::nullopt;
  default: return true;
  }
}

std::optional<std::vector<Value>> Evaluator::iterate(const Value &v, SourceRange where) {
  if (!tick(where, v.items.size() + v.text.size())) return std::nullopt;
  switch (v.kind) {
  case ValueKind::Tuple:
  case ValueKind::List: return std::vector<Value>(v.items.begin(), v.items.end());
  case ValueKind::Dict: {
    std::vector<Value> keys;
    for (size_t i = 0; i < v.items.size(); i += 2) keys.push_back(v.items[i]);
    return keys;
  }
  case ValueKind::Str: {
    std::vector<Value> chars;
    for (size_t i = 0; i < v.text.size();) {
      size_t n = 1;
      while (i + n < v.text.size() && (static_cast<unsigned char>(v.text[i + n]) & 0xC0) == 0x80) ++n;
      chars.push_back(Value::ofStr(v.text.substr(i, n), where));
      i += n;
    }
    return chars;
  }
  case ValueKind::Skipped:
  case ValueKind::Error: return std::nullopt;
  default:
    diags_.report(DiagID::err_not_iterable, where, describe(v),
                  v.is(ValueKind::Tensor) ? "; the values of a tensor exist only at run time" : "");
    return std::nullopt;
  }
}

}  // namespace kiln
