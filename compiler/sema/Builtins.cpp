// Python's builtin functions (len, range, min, int, zip, ...) and the methods
// of strings, lists, tuples and dicts, computed at build time. A skipped
// argument makes the result skipped.
#include "sema/Evaluator.h"

#include "diagnostics/Utf8.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kiln {

namespace {

const Value *keywordArg(const CallSite &call, std::string_view name) {
  const CallArgument *a = call.keyword(name);
  return a ? &a->value : nullptr;
}

std::vector<const Value *> positionalArgs(const CallSite &call) {
  std::vector<const Value *> out;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty()) out.push_back(&a.value);
  return out;
}

}  // namespace

Value Evaluator::sorted(std::vector<Value> items, SourceRange range) {
  bool ok = true;
  std::stable_sort(items.begin(), items.end(), [&](const Value &a, const Value &b) {
    Value less = compare("<", a, b, range);
    ok = ok && less.is(ValueKind::Bool);
    return ok && less.boolean;
  });
  return ok ? Value::ofList(std::move(items), range) : Value::error(range);
}

Value Evaluator::callPython(const Builtin &builtin, CallSite &call) {
  if (builtin.name == "super") return makeSuper(call);
  if ((builtin.name == "len" || builtin.name == "set") && call.args.size() == 1)
    if (std::optional<Value> n = builtin.name == "len" ? dataLength(call.args[0].value, call.range)
                                                       : dataClasses(call.args[0].value, call.range))
      return *n;
  // int(len(x)) is the number len(x) is; anything else computed from data is other data.
  for (const CallArgument &a : call.args)
    if (a.value.is(ValueKind::Skipped)) return builtin.name == "int" ? a.value : unshaped(a.value);
  const std::string &name = builtin.name;
  SourceRange r = call.range;
  // abs(x) of a tensor is x.__abs__(): tf.math.abs in tf.keras 2, ops.abs in Keras 3.
  if (name == "abs" && call.args.size() == 1 && call.args[0].keyword.empty() &&
      (call.args[0].value.is(ValueKind::Tensor) || call.args[0].value.is(ValueKind::Traced))) {
    bool keras2 = options_.kerasVersion == KerasVersion::V2;
    if (const Builtin *op = tensorOpBuiltin(keras2 ? "tensorflow.math" : "keras.ops", "abs"))
      return callTensorOp(*op, call);
  }
  // functools.partial(f, *args, **keywords): f with those arguments bound.
  if (name == "partial") {
    if (call.args.empty() || !call.args[0].keyword.empty()) {
      diags_.report(DiagID::err_builtin_arguments, r, name, "at least 1", 0);
      return Value::error(r);
    }
    Value partial = Value::make(ValueKind::Partial, r);
    partial.self = std::make_shared<Value>(call.args[0].value);
    std::vector<Value> bound;
    for (size_t i = 1; i < call.args.size(); ++i) {
      const CallArgument &a = call.args[i];
      bound.push_back(a.keyword.empty() ? Value::none(a.value.range) : Value::ofStr(a.keyword, a.keywordRange));
      bound.push_back(a.value);
    }
    partial.items = Items(std::move(bound));
    return partial;
  }
  std::vector<const Value *> args = positionalArgs(call);
  // @functools.wraps(f) keeps the decorated function's name and docstring,
  // @register_keras_serializable(package=...) registers it for loading: the
  // function is what it decorates.
  if (name == "wraps" || name == "update_wrapper" || name == "register_keras_serializable") {
    bool registers = name == "register_keras_serializable";  // (package="Custom", name=None)
    if (registers ? args.size() > 2 : args.size() != 1) {
      diags_.report(DiagID::err_builtin_arguments, r, name, registers ? "0 to 2" : "1", args.size());
      return Value::error(r);
    }
    if (name == "update_wrapper") return *args[0];
    static const Builtin keep{"update_wrapper", Builtin::Kind::Python, "functools"};
    Value decorator = Value::make(ValueKind::Builtin, r);
    decorator.builtin = &keep;
    return decorator;
  }
  auto arity = [&](size_t min, size_t max) {
    if (args.size() >= min && args.size() <= max) return true;
    diags_.report(DiagID::err_builtin_arguments, r, name,
                  min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max),
                  args.size());
    return false;
  };
  auto typeError = [&](const Value &v, const char *expected) {
    diags_.report(DiagID::err_argument_type, v.range, name + "()", "the call", expected, describe(v));
    return Value::error(r);
  };
  auto items = [&](const Value &v) { return iterate(v, v.range); };
  // callable(x) for map, filter, sorted(key=), min/max(key=)
  auto apply = [&](const Value &f, std::vector<Value> values) {
    CallSite inner{r, r, {}};
    for (Value &v : values) inner.args.push_back({"", {}, std::move(v), nullptr});
    return this->call(f, inner);
  };

  // next(iter(dataset)) takes a batch of data: skipped with the dataset
  // (above); Kiln keeps no iterators over its own values.
  if (name == "iter" || name == "next") {
    if (!arity(1, 2)) return Value::error(r);
    return typeError(*args[0], "a dataset or an iterator over data, which Kiln skips");
  }
  // @staticmethod and @classmethod in a plain class (objectAttribute).
  if (name == "staticmethod" || name == "classmethod") {
    if (!arity(1, 1)) return Value::error(r);
    if (!args[0]->is(ValueKind::Function)) return typeError(*args[0], "a function");
    Value method = *args[0];
    method.text = name;
    return method;
  }
  // @property on a method of a custom layer or model, or of a plain class:
  // reading the attribute calls it (kerasAttribute, objectAttribute).
  if (name == "property") {
    if (!arity(1, 1)) return Value::error(r);
    if (!args[0]->is(ValueKind::Function)) return typeError(*args[0], "a function");
    Value getter = *args[0];
    getter.text = "property";
    return getter;
  }
  if (name == "len") {
    if (!arity(1, 1)) return Value::error(r);
    const Value &v = *args[0];
    if (v.is(ValueKind::Str)) return Value::ofInt(int64_t(iterate(v, r)->size()), r);
    if (v.isSequence()) return Value::ofInt(int64_t(v.items.size()), r);
    if (v.is(ValueKind::Dict)) return Value::ofInt(int64_t(v.items.size() / 2), r);
    return typeError(v, "a sized container");
  }
  if (name == "range") {
    if (!arity(1, 3)) return Value::error(r);
    for (const Value *a : args)
      if (!a->isInteger()) return typeError(*a, "an integer");
    int64_t start = args.size() > 1 ? args[0]->asInt() : 0, stop = args.size() > 1 ? args[1]->asInt() : args[0]->asInt();
    int64_t step = args.size() > 2 ? args[2]->asInt() : 1;
    if (step == 0) return typeError(*args[2], "a non-zero step");
    __int128 count = step > 0 ? (__int128(stop) - start + step - 1) / step : (__int128(start) - stop - step - 1) / -step;
    if (count < 0) count = 0;
    if (!checkSize(count > __int128(SIZE_MAX) ? SIZE_MAX : size_t(count), r)) return Value::error(r);
    std::vector<Value> out;
    for (int64_t i = 0; i < int64_t(count); ++i) out.push_back(Value::ofInt(start + i * step, r));
    return Value::ofList(std::move(out), r);
  }
  if (name == "int" || name == "float" || name == "bool" || name == "str") {
    if (!arity(0, name == "int" ? 2 : 1)) return Value::error(r);
    if (args.empty())
      return name == "str" ? Value::ofStr("", r) : name == "bool" ? Value::ofBool(false, r)
                         : name == "int" ? Value::ofInt(0, r) : Value::ofFloat(0, r);
    const Value &v = *args[0];
    if (name == "str") return toText(v, false, r);
    if (name == "bool") {
      std::optional<bool> t = truth(v, v.range);
      return t ? Value::ofBool(*t, r) : Value::error(r);
    }
    if (v.is(ValueKind::Str)) {
      std::string text = v.text;
      text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
      char *end = nullptr;
      errno = 0;
      if (name == "int") {
        int base = args.size() > 1 && args[1]->isInteger() ? int(args[1]->asInt()) : 10;
        long long n = std::strtoll(text.c_str(), &end, base);
        if (end && *end == 0 && !text.empty() && errno == 0) return Value::ofInt(n, r);
      } else {
        double x = std::strtod(text.c_str(), &end);
        if (end && *end == 0 && !text.empty()) return Value::ofFloat(x, r);
      }
      return typeError(v, name == "int" ? "a string of an integer" : "a string of a number");
    }
    if (!v.isNumber()) return typeError(v, "a number or a string");
    if (name == "float") return Value::ofFloat(v.number(), r);
    if (v.is(ValueKind::Float)) {
      if (!std::isfinite(v.real) || std::fabs(v.real) >= 9.2e18) return typeError(v, "a finite number");
      return Value::ofInt(static_cast<int64_t>(std::trunc(v.real)), r);
    }
    return Value::ofInt(v.asInt(), r);
  }
  if (name == "abs") {
    if (!arity(1, 1)) return Value::error(r);
    if (args[0]->isInteger()) return Value::ofInt(std::llabs(args[0]->asInt()), r);
    if (args[0]->isNumber()) return Value::ofFloat(std::fabs(args[0]->number()), r);
    return typeError(*args[0], "a number");
  }
  if (name == "round") {
    if (!arity(1, 2)) return Value::error(r);
    if (!args[0]->isNumber()) return typeError(*args[0], "a number");
    if (args.size() == 2) {
      double scale = std::pow(10.0, double(args[1]->asInt()));
      return Value::ofFloat(std::nearbyint(args[0]->number() * scale) / scale, r);
    }
    return Value::ofInt(static_cast<int64_t>(std::nearbyint(args[0]->number())), r);  // ties to even, as Python
  }
  if (name == "pow") {
    if (!arity(2, 2)) return Value::error(r);
    return binary("**", *args[0], *args[1], r);
  }
  if (name == "divmod") {
    if (!arity(2, 2)) return Value::error(r);
    return Value::ofTuple({binary("//", *args[0], *args[1], r), binary("%", *args[0], *args[1], r)}, r);
  }
  if (name == "min" || name == "max" || name == "sum" || name == "any" || name == "all" || name == "sorted" ||
      name == "reversed" || name == "list" || name == "tuple" || name == "set" || name == "enumerate") {
    std::vector<Value> values;
    if ((name == "min" || name == "max") && args.size() > 1) {
      for (const Value *a : args) values.push_back(*a);
    } else {
      if (!arity(name == "list" || name == "tuple" || name == "set" ? 0 : 1, name == "sum" ? 2 : 1)) return Value::error(r);
      if (!args.empty()) {
        std::optional<std::vector<Value>> all = items(*args[0]);
        if (!all) return Value::error(r);
        values = std::move(*all);
      }
    }
    if (name == "list") return Value::ofList(std::move(values), r);
    if (name == "tuple") return Value::ofTuple(std::move(values), r);
    if (name == "set") {
      std::vector<Value> unique;
      for (Value &v : values)
        if (std::none_of(unique.begin(), unique.end(), [&](const Value &u) { return equal(u, v); }))
          unique.push_back(std::move(v));
      return Value::ofList(std::move(unique), r);
    }
    if (name == "reversed") return Value::ofList(std::vector<Value>(values.rbegin(), values.rend()), r);
    if (name == "enumerate") {
      int64_t start = 0;
      if (const Value *s = keywordArg(call, "start")) start = s->asInt();
      std::vector<Value> pairs;
      for (Value &v : values) pairs.push_back(Value::ofTuple({Value::ofInt(start++, r), std::move(v)}, r));
      return Value::ofList(std::move(pairs), r);
    }
    if (name == "any" || name == "all") {
      for (const Value &v : values) {
        std::optional<bool> t = truth(v, v.range);
        if (!t) return Value::error(r);
        if (*t == (name == "any")) return Value::ofBool(*t, r);
      }
      return Value::ofBool(name == "all", r);
    }
    if (name == "sum") {
      Value total = args.size() > 1 ? *args[1] : Value::ofInt(0, r);
      if (const Value *s = keywordArg(call, "start")) total = *s;
      for (const Value &v : values) total = binary("+", total, v, r);
      return total;
    }
    // min, max, sorted: with key= (a function) and, for sorted, reverse=
    const Value *key = keywordArg(call, "key");
    std::vector<Value> keys = values;
    if (key && !key->is(ValueKind::None))
      for (Value &k : keys) k = apply(*key, {k});
    if (name == "sorted") {
      std::vector<size_t> order(values.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      bool ok = true;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        Value less = compare("<", keys[a], keys[b], r);
        ok = ok && less.is(ValueKind::Bool);
        return ok && less.boolean;
      });
      if (!ok) return Value::error(r);
      const Value *reverse = keywordArg(call, "reverse");
      if (reverse && reverse->boolean) std::reverse(order.begin(), order.end());
      std::vector<Value> out;
      for (size_t i : order) out.push_back(values[i]);
      return Value::ofList(std::move(out), r);
    }
    if (values.empty()) {
      if (const Value *d = keywordArg(call, "default")) return *d;
      return typeError(*args[0], "a non-empty sequence");
    }
    size_t best = 0;
    for (size_t i = 1; i < values.size(); ++i) {
      Value better = compare(name == "min" ? "<" : ">", keys[i], keys[best], r);
      if (!better.is(ValueKind::Bool)) return Value::error(r);
      if (better.boolean) best = i;
    }
    return values[best];
  }
  // functools.reduce(f, items[, initial]): f(f(f(a, b), c), d)
  if (name == "reduce") {
    if (!arity(2, 3)) return Value::error(r);
    std::optional<std::vector<Value>> values = items(*args[1]);
    if (!values) return Value::error(r);
    if (values->empty() && args.size() == 2) return typeError(*args[1], "a non-empty sequence or an initial value");
    size_t first = args.size() == 2 ? 1 : 0;
    Value acc = args.size() == 2 ? (*values)[0] : *args[2];
    for (size_t i = first; i < values->size() && !acc.is(ValueKind::Error); ++i) acc = apply(*args[0], {acc, (*values)[i]});
    return acc;
  }
  if (name == "zip") {
    std::vector<std::vector<Value>> columns;
    size_t n = SIZE_MAX;
    for (const Value *a : args) {
      std::optional<std::vector<Value>> column = items(*a);
      if (!column) return Value::error(r);
      n = std::min(n, column->size());
      columns.push_back(std::move(*column));
    }
    std::vector<Value> rows;
    for (size_t i = 0; i < (columns.empty() ? 0 : n); ++i) {
      std::vector<Value> row;
      for (const auto &c : columns) row.push_back(c[i]);
      rows.push_back(Value::ofTuple(std::move(row), r));
    }
    return Value::ofList(std::move(rows), r);
  }
  if (name == "map" || name == "filter") {
    if (!arity(2, name == "map" ? 16 : 2)) return Value::error(r);
    std::vector<std::vector<Value>> columns;
    size_t n = SIZE_MAX;
    for (size_t i = 1; i < args.size(); ++i) {
      std::optional<std::vector<Value>> column = items(*args[i]);
      if (!column) return Value::error(r);
      n = std::min(n, column->size());
      columns.push_back(std::move(*column));
    }
    std::vector<Value> out;
    for (size_t i = 0; i < n; ++i) {
      std::vector<Value> row;
      for (const auto &c : columns) row.push_back(c[i]);
      if (name == "map") {
        out.push_back(apply(*args[0], row));
        continue;
      }
      Value keep = args[0]->is(ValueKind::None) ? row[0] : apply(*args[0], row);
      std::optional<bool> t = truth(keep, keep.range);
      if (!t) return Value::error(r);
      if (*t) out.push_back(row[0]);
    }
    return Value::ofList(std::move(out), r);
  }
  if (name == "dict") {
    Value d = Value::make(ValueKind::Dict, r);
    if (!args.empty()) {
      std::optional<std::vector<Value>> pairs = args[0]->is(ValueKind::Dict) ? std::nullopt : items(*args[0]);
      if (args[0]->is(ValueKind::Dict)) {
        d = deepCopy(*args[0]);
        d.range = r;
      } else if (!pairs) {
        return Value::error(r);
      } else {
        if (!tick(r, pairs->size() * pairs->size() / 2)) return Value::error(r);
        for (const Value &p : *pairs) {
          if (!p.isSequence() || p.items.size() != 2) return typeError(p, "a (key, value) pair");
          dictSet(d, p.items[0], p.items[1]);
        }
      }
    }
    for (const CallArgument &a : call.args)
      if (!a.keyword.empty()) dictSet(d, Value::ofStr(a.keyword, r), a.value);
    return d;
  }
  if (name == "isinstance") {
    if (!arity(2, 2)) return Value::error(r);
    std::vector<Value> types = args[1]->isSequence() ? std::vector<Value>(args[1]->items.begin(), args[1]->items.end())
                                                      : std::vector<Value>{*args[1]};
    std::string type = typeName(*args[0]);
    for (const Value &t : types) {
      if (t.is(ValueKind::Builtin) &&
          (t.builtin->name == type || (t.builtin->name == "int" && type == "bool") || t.builtin->name == "object"))
        return Value::ofBool(true, r);
      if (t.is(ValueKind::LayerClass) && args[0]->is(ValueKind::Layer) && args[0]->layer->kind == t.layerClass)
        return Value::ofBool(true, r);
      if (t.is(ValueKind::Class) && args[0]->is(ValueKind::Instance))  // its class or a base of it
        for (const Value *c = args[0]->self.get(); c; c = c->self.get())
          if (equal(*c, t)) return Value::ofBool(true, r);
    }
    return Value::ofBool(false, r);
  }
  if (name == "getattr" || name == "hasattr") {
    if (!arity(2, name == "getattr" ? 3 : 2)) return Value::error(r);
    if (!args[1]->is(ValueKind::Str)) return typeError(*args[1], "an attribute name");
    const Value &object = *args[0];
    if (name == "hasattr" || args.size() == 3) {
      // Look the attribute up quietly: a missing one is an answer, not an error.
      DiagnosticEngine::Mark mark = diags_.mark();
      Value v = object.is(ValueKind::Module) ? moduleMember(object.text, args[1]->text, r, r)
                : object.is(ValueKind::Model) || object.is(ValueKind::Layer) || object.is(ValueKind::Tensor)
                    ? kerasAttribute(object, args[1]->text, r, r)
                    : valueAttribute(object, args[1]->text, r, r);
      bool found = diags_.mark() == mark && !v.is(ValueKind::Error);
      diags_.dropSince(mark);
      if (name == "hasattr") return Value::ofBool(found, r);
      return found ? v : *args[2];
    }
    if (object.is(ValueKind::Module)) return moduleMember(object.text, args[1]->text, r, r);
    if (object.is(ValueKind::Model) || object.is(ValueKind::Layer) || object.is(ValueKind::Tensor))
      return kerasAttribute(object, args[1]->text, r, r);
    return valueAttribute(object, args[1]->text, r, r);
  }
  // setattr(self, f"block_{i}", layer): the assignment `self.block_0 = layer`.
  if (name == "setattr") {
    if (!arity(3, 3)) return Value::error(r);
    if (!args[1]->is(ValueKind::Str)) return typeError(*args[1], "an attribute name");
    Value object = *args[0];
    if (!object.is(ValueKind::Error))
      assignAttribute(object, args[1]->text, args[1]->range, r, "setattr(..., '" + args[1]->text + "', ...)",
                      *args[2]);
    return Value::none(r);
  }
  // chr and ord build vocabularies (a list of characters) from code points.
  if (name == "chr") {
    if (!arity(1, 1)) return Value::error(r);
    int64_t cp = args[0]->is(ValueKind::Int) ? args[0]->integer : -1;
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return typeError(*args[0], "a code point");
    std::string text;
    utf8Append(text, uint32_t(cp));
    return Value::ofStr(std::move(text), r);
  }
  if (name == "ord") {
    if (!arity(1, 1)) return Value::error(r);
    const std::string &text = args[0]->text;
    size_t length = args[0]->is(ValueKind::Str) && !text.empty() ? utf8Length(text, 0) : 0;
    if (length == 0 || length != text.size()) return typeError(*args[0], "a string of one character");
    return Value::ofInt(utf8Decode(text, 0, length), r);
  }
  if (name == "callable") {
    if (!arity(1, 1)) return Value::error(r);
    static const ValueKind callables[] = {ValueKind::Function, ValueKind::Builtin,    ValueKind::Method,
                                          ValueKind::Partial,  ValueKind::LayerClass, ValueKind::Class,
                                          ValueKind::Layer,    ValueKind::Model};
    bool yes = std::any_of(std::begin(callables), std::end(callables), [&](ValueKind k) { return args[0]->is(k); });
    return Value::ofBool(yes, r);
  }
  if (name == "repr") {
    if (!arity(1, 1)) return Value::error(r);
    return toText(*args[0], true, r);
  }
  // type(x) == list, type(self).__name__: a value's class, as the builtin
  // that names it, or the class of the file it was made from.
  if (name == "type" && args.size() == 1) {
    const Value &v = *args[0];
    if (v.is(ValueKind::Instance)) return *v.self;
    if (v.is(ValueKind::Layer) && v.layer->kind) {
      Value cls = Value::make(ValueKind::LayerClass, r);
      cls.layerClass = v.layer->kind;
      return cls;
    }
    Value named = lookupGlobal(typeName(v));
    if (named.is(ValueKind::Builtin) && named.builtin->kind == Builtin::Kind::Python) return named;
  }
  if (name == "object" || name == "type") {
    diags_.report(DiagID::err_not_callable, call.calleeRange, "'" + name + "' at build time");
    return Value::error(r);
  }
  diags_.report(DiagID::err_not_callable, call.calleeRange, "'" + name + "'");
  return Value::error(r);
}

// math.* and NumPy's functions of constants: np.prod(shape), math.ceil(x * 1.5).
Value Evaluator::callMath(const Builtin &builtin, CallSite &call) {
  if (builtin.detail == "numpy") {
    if (std::optional<Value> data = dataMath(builtin.name, call)) return *data;
    std::vector<const Value *> args = positionalArgs(call);
    for (size_t i = 1; i < args.size(); ++i) markWritten(*args[i]);  // np.abs(y, y): NumPy's out, by position
    for (const CallArgument &a : call.args)
      if (a.keyword == "out") markWritten(a.value);
    // NumPy's elementwise functions of a list of numbers give an array of them.
    if (!args.empty() && args[0]->isSequence() && (isNumpyElementwise(builtin.name) || builtin.name == "power")) {
      if (builtin.name == "power" && args.size() == 2) {
        Value base = numpyArray(std::vector<Value>(args[0]->items.begin(), args[0]->items.end()), args[0]->range);
        return numpyElementwise("**", base, *args[1], call.range, false);
      }
      if (call.args.size() != 1) {
        diags_.report(DiagID::err_builtin_arguments, call.range, builtin.name, "1", call.args.size());
        return Value::error(call.range);
      }
      std::vector<Value> out;
      for (const Value &item : args[0]->items) {
        CallSite one{call.range, call.calleeRange, {{"", {}, item, nullptr}}};
        out.push_back(callMath(builtin, one));
        if (out.back().is(ValueKind::Error)) return out.back();
      }
      return numpyArray(std::move(out), call.range);
    }
  }
  size_t visited = 0;
  for (const CallArgument &a : call.args)
    if (const Value *s = findSkipped(a.value, &visited)) return unshaped(*s);
  if (!tick(call.range, visited)) return Value::error(call.range);
  const std::string &name = builtin.name;
  SourceRange r = call.range;
  std::vector<const Value *> args = positionalArgs(call);
  std::vector<double> xs;
  bool ints = true;
  auto flatten = [&](auto &self, const Value &v) -> bool {
    if (v.isNumber()) {
      xs.push_back(v.number());
      ints = ints && v.isInteger();
      return true;
    }
    if (v.isSequence()) {
      for (const Value &item : v.items)
        if (!self(self, item)) return false;
      return true;
    }
    diags_.report(DiagID::err_argument_type, v.range, name + "()", "the call", "a number or a list of numbers",
                  describe(v));
    return false;
  };
  for (const Value *a : args)
    if (!flatten(flatten, *a)) return Value::error(r);
  auto result = [&](double x, bool integral) {
    return integral ? Value::ofInt(static_cast<int64_t>(x), r) : Value::ofFloat(x, r);
  };
  if (xs.empty() && name != "prod" && name != "sum") {
    diags_.report(DiagID::err_builtin_arguments, r, name, "1", 0);
    return Value::error(r);
  }
  // np.linspace(start, stop, num=50) and np.arange([start,] stop[, step]) of
  // constants (drop-path rates per block), as lists.
  if (name == "linspace" || name == "arange") {
    std::vector<double> v = xs;
    if (name == "linspace") {
      if (const CallArgument *num = call.keyword("num"); num && num->value.isInteger()) v.push_back(num->value.integer);
      if (v.size() == 2) v.push_back(50);
    }
    if (v.size() > 3 || (name == "linspace" && (v.size() != 3 || v[2] < 0 || v[2] != std::floor(v[2])))) {
      diags_.report(DiagID::err_builtin_arguments, r, name, name == "linspace" ? "2 or 3" : "1 to 3", v.size());
      return Value::error(r);
    }
    std::vector<Value> items;
    if (name == "linspace") {
      bool endpoint = true;
      if (const CallArgument *e = call.keyword("endpoint"); e && e->value.is(ValueKind::Bool)) endpoint = e->value.boolean;
      int64_t n = int64_t(v[2]);
      double step = n > 1 || !endpoint ? (v[1] - v[0]) / double(endpoint ? n - 1 : n) : 0;
      for (int64_t i = 0; i < n && tick(r); ++i)  // NumPy's last point is stop itself
        items.push_back(Value::ofFloat(endpoint && n > 1 && i == n - 1 ? v[1] : v[0] + double(i) * step, r));
    } else {
      double start = v.size() > 1 ? v[0] : 0, stop = v.size() > 1 ? v[1] : v[0], step = v.size() > 2 ? v[2] : 1;
      if (step == 0) {
        diags_.report(DiagID::err_argument_value, r, "step", "np.arange", "must not be 0");
        return Value::error(r);
      }
      if (call.keyword("dtype") && !ints) {  // NumPy fills such arrays in ways of its own
        diags_.report(DiagID::err_unsupported_argument_value, r, "np.arange", "dtype= with a fractional range");
        return Value::error(r);
      }
      // NumPy's length, ceil((stop - start) / step), and values start + i * delta
      // with delta its second value less its first.
      double count = std::clamp(std::ceil((stop - start) / step), 0.0, double(kMaxItems) + 1);
      double delta = (start + step) - start;
      for (int64_t i = 0; i < int64_t(count) && tick(r); ++i) items.push_back(result(start + double(i) * delta, ints));
    }
    return numpyArray(std::move(items), r);
  }
  double x = xs.empty() ? 0 : xs[0];
  if (name == "prod" || name == "sum") {
    double acc = name == "prod" ? 1 : 0;
    for (double v : xs) acc = name == "prod" ? acc * v : acc + v;
    return result(acc, ints && std::fabs(acc) < 9e18);
  }
  if (name == "max" || name == "amax") return result(*std::max_element(xs.begin(), xs.end()), ints);
  if (name == "min" || name == "amin") return result(*std::min_element(xs.begin(), xs.end()), ints);
  if (name == "mean") {
    double acc = 0;
    for (double v : xs) acc += v;
    return Value::ofFloat(acc / double(xs.size()), r);
  }
  // math.ceil/floor/trunc give ints, NumPy's give floats.
  bool numpy = builtin.detail == "numpy";
  if (name == "ceil") return result(std::ceil(x), !numpy);
  if (name == "floor") return result(std::floor(x), !numpy);
  if (name == "trunc") return result(std::trunc(x), !numpy);
  if (name == "sqrt") return Value::ofFloat(std::sqrt(x), r);
  if (name == "exp") return Value::ofFloat(std::exp(x), r);
  if (name == "log") return Value::ofFloat(xs.size() > 1 ? std::log(x) / std::log(xs[1]) : std::log(x), r);
  if (name == "log2") return Value::ofFloat(std::log2(x), r);
  if (name == "log10") return Value::ofFloat(std::log10(x), r);
  if (name == "sin") return Value::ofFloat(std::sin(x), r);
  if (name == "cos") return Value::ofFloat(std::cos(x), r);
  if (name == "tan") return Value::ofFloat(std::tan(x), r);
  if (name == "pow" || name == "power") return Value::ofFloat(std::pow(x, xs.size() > 1 ? xs[1] : 1), r);
  if (name == "fabs") return Value::ofFloat(std::fabs(x), r);
  if (name == "abs") return result(std::fabs(x), ints);
  if (name == "round") return Value::ofFloat(std::nearbyint(x), r);
  if (name == "gcd" && xs.size() == 2) return Value::ofInt(std::gcd(int64_t(x), int64_t(xs[1])), r);
  if (name == "isclose" && xs.size() == 2) return Value::ofBool(std::fabs(x - xs[1]) <= 1e-9 * std::max(std::fabs(x), std::fabs(xs[1])), r);
  if (name == "float32" || name == "float64") return Value::ofFloat(x, r);
  if (name == "int32" || name == "int64") return Value::ofInt(static_cast<int64_t>(x), r);
  diags_.report(DiagID::err_not_callable, call.calleeRange, "'" + name + "'");
  return Value::error(r);
}

}  // namespace kiln
