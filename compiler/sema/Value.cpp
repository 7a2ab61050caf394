#include "sema/Value.h"

#include "graph/Graph.h"
#include "layers/LayerKind.h"
#include "sema/Evaluator.h"

#include <fmt/format.h>

#include <cmath>

namespace kiln {

std::string repr(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "None";
  case ValueKind::Bool: return v.boolean ? "True" : "False";
  case ValueKind::Int: return std::to_string(v.integer);
  case ValueKind::Float: {
    if (std::isnan(v.real)) return "nan";  // as Python, whatever the sign bit
    std::string s = fmt::format("{}", v.real);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  case ValueKind::Str: return "'" + v.text + "'";
  case ValueKind::Tuple:
  case ValueKind::List: {
    std::string s = v.is(ValueKind::Tuple) ? "(" : "[";
    for (size_t i = 0; i < v.items.size(); ++i) s += (i ? ", " : "") + repr(v.items[i]);
    if (v.is(ValueKind::Tuple) && v.items.size() == 1) s += ",";
    return s + (v.is(ValueKind::Tuple) ? ")" : "]");
  }
  default: return describe(v);
  }
}

std::string describe(const Value &v) {
  switch (v.kind) {
  case ValueKind::None: return "None";
  case ValueKind::Bool: return "a boolean";
  case ValueKind::Int: return "the integer " + std::to_string(v.integer);
  case ValueKind::Float: return "the number " + repr(v);
  case ValueKind::Str: return "the string " + repr(v);
  case ValueKind::Ellipsis: return "'...'";
  case ValueKind::Tuple: return "a tuple";
  case ValueKind::List: return "a list";
  case ValueKind::Dict: return "a dict";
  case ValueKind::Tensor: return "a tensor of shape " + shapeString(v.tensor->type);
  case ValueKind::Layer: return v.layer->describe();
  case ValueKind::Model: return "model '" + v.model->name + "'";
  case ValueKind::LayerClass: return "the layer class " + v.layerClass->className();
  case ValueKind::Builtin: return "'" + v.builtin->name + "'";
  case ValueKind::Method: return "the method '" + v.text + "'";
  case ValueKind::Module: return "module '" + v.text + "'";
  case ValueKind::Opaque: return "a " + v.text + " object";
  case ValueKind::Error: return "an invalid value";
  }
  return "a value";
}

}  // namespace kiln
