// The values a .kiln program computes with: Python literals and containers,
// and the Keras objects (tensors, layers, models) of the graph being built.
#pragma once

#include "diagnostics/SourceManager.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

class LayerKind;
struct Layer;
struct Model;
struct Tensor;
struct Builtin;

enum class ValueKind {
  None, Bool, Int, Float, Str, Ellipsis,
  Tuple, List, Dict,
  Tensor, Layer, Model,
  LayerClass,   // a layer constructor, e.g. Dense
  Builtin,      // Input, Model, Sequential, ...
  Method,       // a method bound to its object: model.add
  Module,       // keras, keras.layers, tf, ...
  Opaque,       // an optimizer, loss or callback: only passed to training calls
  Error,        // the result of something already reported: silences follow-on errors
};

struct Value {
  ValueKind kind = ValueKind::None;
  SourceRange range;  // where the value was written or computed

  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;          // Str; Module path; Method name; Opaque class name
  std::vector<Value> items;  // Tuple, List; Dict as key, value, key, value...
  Tensor *tensor = nullptr;
  Layer *layer = nullptr;
  Model *model = nullptr;
  const LayerKind *layerClass = nullptr;
  const Builtin *builtin = nullptr;
  std::shared_ptr<Value> self;  // Method: the object it is bound to

  static Value none(SourceRange r = {}) { return make(ValueKind::None, r); }
  static Value error(SourceRange r = {}) { return make(ValueKind::Error, r); }
  static Value ofBool(bool b, SourceRange r = {}) { Value v = make(ValueKind::Bool, r); v.boolean = b; return v; }
  static Value ofInt(int64_t i, SourceRange r = {}) { Value v = make(ValueKind::Int, r); v.integer = i; return v; }
  static Value ofFloat(double f, SourceRange r = {}) { Value v = make(ValueKind::Float, r); v.real = f; return v; }
  static Value ofStr(std::string s, SourceRange r = {}) { Value v = make(ValueKind::Str, r); v.text = std::move(s); return v; }
  static Value ofTuple(std::vector<Value> items, SourceRange r = {}) {
    Value v = make(ValueKind::Tuple, r);
    v.items = std::move(items);
    return v;
  }
  static Value ofList(std::vector<Value> items, SourceRange r = {}) {
    Value v = make(ValueKind::List, r);
    v.items = std::move(items);
    return v;
  }
  static Value ofTensor(Tensor *t, SourceRange r) { Value v = make(ValueKind::Tensor, r); v.tensor = t; return v; }
  static Value ofLayer(Layer *l, SourceRange r) { Value v = make(ValueKind::Layer, r); v.layer = l; return v; }
  static Value ofModel(Model *m, SourceRange r) { Value v = make(ValueKind::Model, r); v.model = m; return v; }
  static Value make(ValueKind k, SourceRange r) {
    Value v;
    v.kind = k;
    v.range = r;
    return v;
  }

  bool is(ValueKind k) const { return kind == k; }
  bool isSequence() const { return kind == ValueKind::Tuple || kind == ValueKind::List; }
  bool isNumber() const { return kind == ValueKind::Int || kind == ValueKind::Float; }
  double number() const { return kind == ValueKind::Int ? double(integer) : real; }
};

// How a value is named in messages: "an integer", "a tensor of shape (None, 3)", "Dense layer 'dense'".
std::string describe(const Value &v);
// Python's repr for literals: 'relu', (3, 3), None, 0.5.
std::string repr(const Value &v);

}  // namespace kiln
