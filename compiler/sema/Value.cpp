#include "sema/Value.h"

#include "graph/TensorProgram.h"

#include "graph/Graph.h"
#include "layers/LayerKind.h"
#include "sema/Evaluator.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

namespace kiln {

Value Value::skipped(std::string what, std::string why, SourceRange where, bool unsupported) {
  Value v = make(ValueKind::Skipped, where);
  auto info = std::make_shared<SkipInfo>();
  info->what = std::move(what);
  info->why = std::move(why);
  info->where = where;
  info->unsupported = unsupported;
  v.skip = std::move(info);
  return v;
}

Value unshaped(const Value &v) {
  if (!v.is(ValueKind::Skipped) || (!v.skip->shape && !v.skip->dim && !v.skip->classes && v.skip->function.empty()))
    return v;
  Value r = Value::skipped(v.skip->what, v.skip->why, v.skip->where, v.skip->unsupported);
  auto info = std::make_shared<SkipInfo>(*r.skip);
  info->content = v.skip->content;  // a view of v, as far as Kiln knows: writes to it are writes to v
  r.skip = std::move(info);
  r.range = v.range;
  return r;
}

namespace {

// Containers reached twice (x = [inner] * 1000) are copied once, so a
// shared structure costs what it holds, not what it prints.
Value deepCopy(const Value &v, std::map<const void *, Items> &copies) {
  if (!v.is(ValueKind::Tuple) && !v.is(ValueKind::List) && !v.is(ValueKind::Dict)) return v;
  Value copy = v;
  if (auto it = copies.find(v.items.id()); it != copies.end()) {
    copy.items = it->second;
    return copy;
  }
  copy.items = Items(std::vector<Value>{});
  copies.emplace(v.items.id(), copy.items);
  for (const Value &item : v.items) copy.items.vector().push_back(deepCopy(item, copies));
  return copy;
}

const Value *findSkipped(const Value &v, std::set<const void *> &seen, size_t &visited) {
  ++visited;
  if (v.is(ValueKind::Skipped)) return &v;
  if (v.is(ValueKind::Tuple) || v.is(ValueKind::List) || v.is(ValueKind::Dict)) {
    if (!seen.insert(v.items.id()).second) return nullptr;
    for (const Value &item : v.items)
      if (const Value *s = findSkipped(item, seen, visited)) return s;
  }
  return nullptr;
}

}  // namespace

Value deepCopy(const Value &v) {
  std::map<const void *, Items> copies;
  return deepCopy(v, copies);
}

Value withTensorsReplaced(const Value &v, const std::function<Value(const Value &)> &replace) {
  if (v.is(ValueKind::Tensor)) return replace(v);
  if (!v.isSequence()) return v;
  std::vector<Value> items;
  for (const Value &item : v.items) items.push_back(withTensorsReplaced(item, replace));
  Value copy = v;
  copy.items = Items(std::move(items));
  return copy;
}

const Value *findSkipped(const Value &v, size_t *visited) {
  std::set<const void *> seen;
  size_t count = 0;
  const Value *s = findSkipped(v, seen, count);
  if (visited) *visited += count;
  return s;
}

std::optional<bool> equalWithin(const Value &a, const Value &b, size_t &budget) {
  if (budget == 0) return std::nullopt;
  --budget;
  if (a.isNumber() && b.isNumber()) {
    if (a.isInteger() && b.isInteger()) return a.asInt() == b.asInt();
    return a.number() == b.number();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case ValueKind::None:
  case ValueKind::Ellipsis: return true;
  case ValueKind::Str:
  case ValueKind::Module: return a.text == b.text;
  case ValueKind::Tuple:
  case ValueKind::List:
  case ValueKind::Dict:
    if (a.items.id() == b.items.id()) return true;  // the same container, as Python's identity shortcut
    if (a.items.size() != b.items.size()) return false;
    for (size_t i = 0; i < a.items.size(); ++i) {
      std::optional<bool> same = equalWithin(a.items[i], b.items[i], budget);
      if (!same || !*same) return same;
    }
    return true;
  case ValueKind::Tensor: return a.tensor == b.tensor;
  case ValueKind::Traced: return a.program == b.program && a.integer == b.integer;
  case ValueKind::Layer: return a.layer == b.layer;
  case ValueKind::Model: return a.model == b.model;
  case ValueKind::LayerClass: return a.layerClass == b.layerClass;
  case ValueKind::Builtin: return a.builtin == b.builtin;
  case ValueKind::Function: return a.function == b.function;
  case ValueKind::Class:
  case ValueKind::Instance: return a.items.id() == b.items.id();  // identity, as Python's default ==
  default: return false;
  }
}

bool equal(const Value &a, const Value &b) {
  size_t unlimited = SIZE_MAX;
  return *equalWithin(a, b, unlimited);
}

const Value *dictGet(const Value &dict, const Value &key) {
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2)
    if (equal(dict.items[i], key)) return &dict.items[i + 1];
  return nullptr;
}

void dictSet(Value &dict, Value key, Value value) {
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2)
    if (equal(dict.items[i], key)) {
      dict.items[i + 1] = std::move(value);
      return;
    }
  dict.items.vector().push_back(std::move(key));
  dict.items.vector().push_back(std::move(value));
}

namespace {

// repr with a limit: a list holding the same big list a million times would
// otherwise print forever.
constexpr size_t kMaxRepr = 1 << 20;

void appendRepr(const Value &v, std::string &out);
std::string scalarRepr(const Value &v);

}  // namespace

std::string repr(const Value &v) {
  std::string out;
  appendRepr(v, out);
  return out;
}

namespace {

void appendRepr(const Value &v, std::string &out) {
  if (out.size() > kMaxRepr) return;
  switch (v.kind) {
  case ValueKind::Tuple:
  case ValueKind::List: {
    out += v.is(ValueKind::Tuple) ? "(" : "[";
    for (size_t i = 0; i < v.items.size() && out.size() <= kMaxRepr; ++i) {
      if (i) out += ", ";
      appendRepr(v.items[i], out);
    }
    if (v.is(ValueKind::Tuple) && v.items.size() == 1) out += ",";
    out += v.is(ValueKind::Tuple) ? ")" : "]";
    return;
  }
  case ValueKind::Dict:
    out += "{";
    for (size_t i = 0; i + 1 < v.items.size() && out.size() <= kMaxRepr; i += 2) {
      if (i) out += ", ";
      appendRepr(v.items[i], out);
      out += ": ";
      appendRepr(v.items[i + 1], out);
    }
    out += "}";
    return;
  default: out += scalarRepr(v);
  }
}

std::string scalarRepr(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "None";
  case ValueKind::Bool: return v.boolean ? "True" : "False";
  case ValueKind::Int: return std::to_string(v.integer);
  case ValueKind::Float: {
    if (std::isinf(v.real)) return v.real > 0 ? "inf" : "-inf";
    if (std::isnan(v.real)) return "nan";  // as Python, whatever the sign bit
    std::string s = fmt::format("{}", v.real);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  case ValueKind::Str: {
    std::string quote = v.text.find('\'') != std::string::npos && v.text.find('"') == std::string::npos ? "\"" : "'";
    std::string s = quote;
    for (char c : v.text) {
      if (c == '\\') s += "\\\\";
      else if (c == '\n') s += "\\n";
      else if (c == '\t') s += "\\t";
      else if (std::string(1, c) == quote) s += "\\" + quote;
      else s += c;
    }
    return s + quote;
  }
  default: return describe(v);
  }
}

}  // namespace

std::string str(const Value &v) { return v.is(ValueKind::Str) ? v.text : repr(v); }

std::string typeName(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "NoneType";
  case ValueKind::Bool: return "bool";
  case ValueKind::Int: return "int";
  case ValueKind::Float: return "float";
  case ValueKind::Str: return "str";
  case ValueKind::Tuple: return "tuple";
  case ValueKind::List: return "list";
  case ValueKind::Dict: return "dict";
  case ValueKind::Function: return "function";
  case ValueKind::Partial: return "functools.partial";
  default: return describe(v);
  }
}

std::string describe(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "None";
  case ValueKind::Bool: return v.boolean ? "True" : "False";
  case ValueKind::Int: return "the integer " + std::to_string(v.integer);
  case ValueKind::Float: return "the number " + repr(v);
  case ValueKind::Str: return "the string " + repr(v);
  case ValueKind::Ellipsis: return "'...'";
  case ValueKind::Tuple: return "a tuple";
  case ValueKind::List: return "a list";
  case ValueKind::Dict: return "a dict";
  case ValueKind::Tensor: return "a tensor of shape " + shapeString(v.tensor->type);
  case ValueKind::Traced: return "a tensor of shape " + v.program->shape(int(v.integer));
  case ValueKind::Layer: return v.layer->describe();
  case ValueKind::Model: return "model '" + v.model->name + "'";
  case ValueKind::LayerClass: return "the layer class " + v.layerClass->className();
  case ValueKind::Builtin: return "'" + v.builtin->name + "'";
  case ValueKind::Method: return "the method '" + v.text + "'";
  case ValueKind::Module: return "module '" + v.text + "'";
  case ValueKind::Opaque: return (std::string("AEIOU").find(v.text[0]) != std::string::npos ? "an " : "a ") + v.text + " object";
  case ValueKind::Function: return "function '" + functionName(*v.function) + "'";
  case ValueKind::Partial: return "functools.partial(" + describe(*v.self) + ")";
  case ValueKind::Class: return "the class " + v.text;
  case ValueKind::Instance: return "a " + v.self->text + " object";
  case ValueKind::Skipped: return "the result of '" + v.skip->what + "'";
  case ValueKind::Error: return "an invalid value";
  }
  return "a value";
}

}  // namespace kiln
