// The methods of Python's numbers, strings, lists, tuples and dicts, and str.format.
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"

#include <algorithm>
#include <cmath>

namespace kiln {

namespace {

const std::vector<std::string> &methodsOf(ValueKind kind) {
  static const std::vector<std::string> str = {"format", "join", "upper", "lower", "replace", "split", "strip",
                                               "lstrip", "rstrip", "startswith", "endswith", "title", "capitalize",
                                               "count", "find", "zfill", "isdigit"};
  // A set is a list without repeats: add, update and discard keep it so.
  static const std::vector<std::string> list = {"append", "extend", "insert", "pop",    "index", "count",
                                                "reverse", "copy",  "remove", "sort",   "clear", "add",
                                                "update",  "discard"};
  // A shape is a tuple; TensorShape.as_list() gives it as a list.
  static const std::vector<std::string> tuple = {"index", "count", "as_list"};
  static const std::vector<std::string> dict = {"keys", "values", "items", "get", "update", "pop", "copy",
                                                "setdefault"};
  static const std::vector<std::string> real = {"is_integer"};
  static const std::vector<std::string> none;
  switch (kind) {
  case ValueKind::Float: return real;
  case ValueKind::Str: return str;
  case ValueKind::List: return list;
  case ValueKind::Tuple: return tuple;
  case ValueKind::Dict: return dict;
  default: return none;
  }
}

}  // namespace

Value Evaluator::unknownAttribute(const Value &object, const std::string &name, SourceRange nameRange,
                                  const std::vector<std::string> &known) {
  if (auto m = closestMatch(name, known))
    diags_.report(DiagID::err_unknown_attribute_suggest, nameRange, describe(object), name, *m);
  else
    diags_.report(DiagID::err_unknown_attribute, nameRange, describe(object), name);
  return Value::error(nameRange);
}

Value Evaluator::valueAttribute(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange) {
  if (object.is(ValueKind::Opaque) && object.text == "super") {  // super().__init__, a custom layer's base class
    Value v = Value::make(ValueKind::Method, range);
    v.text = name;
    v.self = std::make_shared<Value>(object);
    return v;
  }
  if (object.is(ValueKind::Instance) || object.is(ValueKind::Class)) return objectAttribute(object, name, range, nameRange);
  if (isLookup(object)) return lookupAttribute(object, name, range, nameRange);
  // A custom layer class's own attributes: SeqSelfAttention.ATTENTION_TYPE_ADD.
  if (object.is(ValueKind::LayerClass))
    if (const Value *member = classMember(object.layerClass, name)) return *member;
  const std::vector<std::string> &methods = methodsOf(object.kind);
  if (std::find(methods.begin(), methods.end(), name) != methods.end()) {
    Value v = Value::make(ValueKind::Method, range);
    v.text = name;
    v.self = std::make_shared<Value>(object);
    return v;
  }
  if (object.is(ValueKind::Function) && name == "__name__") return Value::ofStr(functionName(*object.function), range);
  return unknownAttribute(object, name, nameRange, methods);
}

Value Evaluator::callValueMethod(const Value &self, const std::string &method, CallSite &call) {
  SourceRange r = call.range;
  std::vector<Value> args;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty()) args.push_back(a.value);
  auto arity = [&](size_t min, size_t max) {
    if (args.size() >= min && args.size() <= max) return true;
    diags_.report(DiagID::err_builtin_arguments, r, method,
                  min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max), args.size());
    return false;
  };
  auto typeError = [&](const Value &v, const char *expected) {
    diags_.report(DiagID::err_argument_type, v.range, method + "()", "the call", expected, describe(v));
    return Value::error(r);
  };

  if (self.is(ValueKind::Str)) {
    for (const CallArgument &a : call.args)
      if (a.value.is(ValueKind::Skipped)) return unshaped(a.value);
    const std::string &s = self.text;
    if (method == "format") return strFormat(s, call);
    if (method == "join") {
      if (!arity(1, 1)) return Value::error(r);
      std::optional<std::vector<Value>> parts = iterate(args[0], args[0].range);
      if (!parts) return Value::error(r);
      std::string out;
      for (size_t i = 0; i < parts->size(); ++i) {
        if (!(*parts)[i].is(ValueKind::Str)) return typeError((*parts)[i], "a string");
        if (!checkStringSize(out.size() + s.size() + (*parts)[i].text.size(), r)) return Value::error(r);
        out += (i ? s : "") + (*parts)[i].text;
      }
      return Value::ofStr(out, r);
    }
    if (method == "upper" || method == "lower" || method == "title" || method == "capitalize") {
      std::string out = s;
      bool wordStart = true;
      for (size_t i = 0; i < out.size(); ++i) {
        unsigned char u = static_cast<unsigned char>(out[i]);
        bool up = method == "upper" || (method == "title" && wordStart) || (method == "capitalize" && i == 0);
        out[i] = static_cast<char>(up ? std::toupper(u) : std::tolower(u));
        wordStart = !std::isalpha(u);
      }
      return Value::ofStr(out, r);
    }
    if (method == "replace") {
      if (!arity(2, 2) || !args[0].is(ValueKind::Str) || !args[1].is(ValueKind::Str)) return typeError(self, "strings");
      std::string out;
      const std::string &from = args[0].text, &to = args[1].text;
      if (from.empty()) return Value::ofStr(s, r);
      for (size_t i = 0; i < s.size();) {
        if (s.compare(i, from.size(), from) == 0) {
          if (!checkStringSize(out.size() + to.size(), r)) return Value::error(r);
          out += to;
          i += from.size();
        } else {
          out += s[i++];
        }
      }
      return Value::ofStr(out, r);
    }
    if (method == "split") {
      std::vector<Value> parts;
      if (args.empty() || args[0].is(ValueKind::None)) {
        size_t i = 0;
        while (i < s.size()) {
          while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
          size_t j = i;
          while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
          if (j > i) parts.push_back(Value::ofStr(s.substr(i, j - i), r));
          i = j;
        }
      } else {
        if (!args[0].is(ValueKind::Str) || args[0].text.empty()) return typeError(args[0], "a separator");
        size_t i = 0, j;
        while ((j = s.find(args[0].text, i)) != std::string::npos) {
          parts.push_back(Value::ofStr(s.substr(i, j - i), r));
          i = j + args[0].text.size();
        }
        parts.push_back(Value::ofStr(s.substr(i), r));
      }
      return Value::ofList(std::move(parts), r);
    }
    if (method == "strip" || method == "lstrip" || method == "rstrip") {
      std::string chars = args.empty() ? " \t\n\r" : args[0].text;
      size_t b = method == "rstrip" ? 0 : s.find_first_not_of(chars);
      size_t e = method == "lstrip" ? s.size() : s.find_last_not_of(chars) + 1;
      return Value::ofStr(b == std::string::npos || e <= b ? "" : s.substr(b, e - b), r);
    }
    if (method == "startswith" || method == "endswith" || method == "count" || method == "find") {
      if (!arity(1, 1) || !args[0].is(ValueKind::Str)) return typeError(self, "a string argument");
      const std::string &t = args[0].text;
      if (method == "startswith") return Value::ofBool(s.compare(0, t.size(), t) == 0, r);
      if (method == "endswith") return Value::ofBool(s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0, r);
      if (method == "find") {
        size_t at = s.find(t);
        return Value::ofInt(at == std::string::npos ? -1 : int64_t(at), r);
      }
      int64_t n = 0;
      for (size_t i = t.empty() ? std::string::npos : s.find(t); i != std::string::npos; i = s.find(t, i + t.size())) ++n;
      return Value::ofInt(n, r);
    }
    if (method == "zfill") {
      if (!arity(1, 1) || !args[0].isInteger()) return typeError(self, "a width");
      std::string out = s;
      size_t sign = !out.empty() && (out[0] == '-' || out[0] == '+');
      if (!checkStringSize(size_t(std::max<int64_t>(0, args[0].asInt())), r)) return Value::error(r);
      while (int64_t(out.size()) < args[0].asInt()) out.insert(sign, 1, '0');
      return Value::ofStr(out, r);
    }
    if (method == "isdigit")
      return Value::ofBool(!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }), r);
  }

  if (self.isSequence() && (method == "index" || method == "count")) {
    if (!arity(1, 1)) return Value::error(r);
    int64_t count = 0;
    for (size_t i = 0; i < self.items.size(); ++i) {
      if (!equal(self.items[i], args[0])) continue;
      if (method == "index") return Value::ofInt(int64_t(i), r);
      ++count;
    }
    if (method == "count") return Value::ofInt(count, r);
    diags_.report(DiagID::err_key_missing, args[0].range, repr(args[0]));
    return Value::error(r);
  }

  if (self.is(ValueKind::Float) && method == "is_integer") {
    if (!arity(0, 0)) return Value::error(r);
    return Value::ofBool(std::isfinite(self.real) && self.real == std::floor(self.real), r);
  }
  if (self.is(ValueKind::Tuple) && method == "as_list") {
    if (!arity(0, 0)) return Value::error(r);
    return Value::ofList(std::vector<Value>(self.items.begin(), self.items.end()), r);
  }

  if (self.is(ValueKind::List)) {
    Value list = self;  // shares the elements: the methods change the list itself
    std::vector<Value> &items = list.items.vector();
    if (method == "add" || method == "update" || method == "discard") {
      if (!arity(1, 1)) return Value::error(r);
      std::optional<std::vector<Value>> values = std::vector<Value>{args[0]};
      if (method == "update" && !(values = iterate(args[0], args[0].range))) return Value::error(r);
      if (!tick(r, items.size() * values->size())) return Value::error(r);
      for (const Value &v : *values) {
        auto at = std::find_if(items.begin(), items.end(), [&](const Value &item) { return equal(item, v); });
        if (method == "discard" && at != items.end()) items.erase(at);
        if (method != "discard" && at == items.end()) {
          if (!checkGrowth(items.size(), 1, r)) return Value::error(r);
          items.push_back(v);
        }
      }
      return Value::none(r);
    }
    if (method == "append") {
      if (!arity(1, 1) || !checkGrowth(items.size(), 1, r)) return Value::error(r);
      items.push_back(args[0]);
      return Value::none(r);
    }
    if (method == "extend") {
      if (!arity(1, 1)) return Value::error(r);
      std::optional<std::vector<Value>> more = iterate(args[0], args[0].range);
      if (!more || !checkGrowth(items.size(), more->size(), r)) return Value::error(r);
      items.insert(items.end(), more->begin(), more->end());
      return Value::none(r);
    }
    if (method == "insert") {
      if (!arity(2, 2) || !args[0].isInteger() || !checkGrowth(items.size(), 1, r)) return Value::error(r);
      int64_t n = int64_t(items.size()), i = args[0].asInt() < 0 ? std::max<int64_t>(0, args[0].asInt() + n)
                                                                  : std::min(args[0].asInt(), n);
      items.insert(items.begin() + i, args[1]);
      return Value::none(r);
    }
    if (method == "pop") {
      if (!arity(0, 1)) return Value::error(r);
      int64_t n = int64_t(items.size()), i = args.empty() ? n - 1 : args[0].asInt() < 0 ? args[0].asInt() + n : args[0].asInt();
      if (i < 0 || i >= n) {
        diags_.report(DiagID::err_index_range, r, i, "list", n);
        return Value::error(r);
      }
      Value v = items[i];
      items.erase(items.begin() + i);
      return v;
    }
    if (method == "remove") {
      if (!arity(1, 1)) return Value::error(r);
      for (size_t i = 0; i < items.size(); ++i)
        if (equal(items[i], args[0])) {
          items.erase(items.begin() + i);
          return Value::none(r);
        }
      diags_.report(DiagID::err_key_missing, args[0].range, repr(args[0]));
      return Value::error(r);
    }
    if (method == "reverse") {
      std::reverse(items.begin(), items.end());
      return Value::none(r);
    }
    if (method == "clear") {
      items.clear();
      return Value::none(r);
    }
    if (method == "copy") return Value::ofList(items, r);
    if (method == "sort") {
      Value s = sorted(items, r);
      if (s.is(ValueKind::Error)) return s;
      items = std::vector<Value>(s.items.begin(), s.items.end());
      if (const CallArgument *rev = call.keyword("reverse"); rev && rev->value.boolean)
        std::reverse(items.begin(), items.end());
      return Value::none(r);
    }
  }

  if (self.is(ValueKind::Dict)) {
    if (!tick(r, self.items.size())) return Value::error(r);  // lookups walk the entries
    Value dict = self;
    if (method == "keys" || method == "values" || method == "items") {
      std::vector<Value> out;
      for (size_t i = 0; i + 1 < dict.items.size(); i += 2)
        out.push_back(method == "keys"     ? dict.items[i]
                      : method == "values" ? dict.items[i + 1]
                                           : Value::ofTuple({dict.items[i], dict.items[i + 1]}, r));
      return Value::ofList(std::move(out), r);
    }
    if (method == "get" || method == "pop" || method == "setdefault") {
      if (!arity(1, 2)) return Value::error(r);
      const Value *found = dictGet(dict, args[0]);
      Value result = found ? *found : args.size() > 1 ? args[1] : Value::none(r);
      if (method == "pop") {
        if (!found && args.size() < 2) {
          diags_.report(DiagID::err_key_missing, args[0].range, repr(args[0]));
          return Value::error(r);
        }
        std::vector<Value> &items = dict.items.vector();
        for (size_t i = 0; i + 1 < items.size(); i += 2)
          if (equal(items[i], args[0])) {
            items.erase(items.begin() + i, items.begin() + i + 2);
            break;
          }
      }
      if (method == "setdefault" && !found) dictSet(dict, args[0], result);
      return result;
    }
    if (method == "update") {
      if (!args.empty()) {
        if (!args[0].is(ValueKind::Dict)) return typeError(args[0], "a dict");
        for (size_t i = 0; i + 1 < args[0].items.size(); i += 2) dictSet(dict, args[0].items[i], args[0].items[i + 1]);
      }
      for (const CallArgument &a : call.args)
        if (!a.keyword.empty()) dictSet(dict, Value::ofStr(a.keyword, r), a.value);
      return Value::none(r);
    }
    if (method == "copy") {
      Value copy = Value::make(ValueKind::Dict, r);
      copy.items = Items(std::vector<Value>(dict.items.begin(), dict.items.end()));
      return copy;
    }
  }
  diags_.report(DiagID::err_not_callable, call.calleeRange, describe(self) + "." + method);
  return Value::error(r);
}

// '{}_{:02d}'.format(name, i), '{name}'.format(name=n), '{0}'.format(x)
Value Evaluator::strFormat(const std::string &format, CallSite &call) {
  std::vector<const Value *> positional;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty()) positional.push_back(&a.value);
  std::string out;
  size_t automatic = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t close = format.find('}', i);
    if (close == std::string::npos) break;
    std::string field = format.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    if (size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    char conversion = 0;
    if (size_t bang = field.find('!'); bang != std::string::npos && bang + 1 < field.size()) {
      conversion = field[bang + 1];
      field.resize(bang);
    }
    const Value *v = nullptr;
    if (field.empty()) {
      v = automatic < positional.size() ? positional[automatic] : nullptr;
      ++automatic;
    } else if (std::all_of(field.begin(), field.end(), [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
      size_t n = std::stoul(field);
      v = n < positional.size() ? positional[n] : nullptr;
    } else if (const CallArgument *a = call.keyword(field)) {
      v = &a->value;
    }
    if (!v) {
      diags_.report(DiagID::err_format_args, call.range, "no argument for the field {" + field + "}");
      return Value::error(call.range);
    }
    Value value = conversion == 'r' || conversion == 's' ? toText(*v, conversion == 'r', call.range) : *v;
    if (value.is(ValueKind::Error)) return value;
    std::optional<std::string> text = formatValue(value, spec, call.range);
    if (!text || !checkStringSize(out.size() + text->size(), call.range)) return Value::error(call.range);
    out += *text;
  }
  return Value::ofStr(out, call.range);
}

}  // namespace kiln
