// The values a .kiln program computes with: Python literals and containers,
// functions, and the Keras objects (tensors, layers, models) of the graph
// being built.
#pragma once

#include "diagnostics/SourceManager.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

class LayerKind;
struct Layer;
struct Model;
struct Tensor;
struct Builtin;
struct Closure;
struct Value;
class TensorProgram;

enum class ValueKind {
  None, Bool, Int, Float, Str, Ellipsis,
  Tuple, List, Dict,
  Tensor, Layer, Model,
  LayerClass,   // a layer constructor, e.g. Dense
  Builtin,      // Input, Model, Sequential, len, range, ...
  Method,       // a method bound to its object: model.add, names.append
  Module,       // keras, keras.layers, tf, ...
  Opaque,       // a regularizer, constraint or initializer object
  Function,     // a def or lambda of the file, with its closure
  Partial,      // functools.partial: `self` the callable, `items` its bound arguments (keyword or None, value, ...)
  Class,        // a plain Python class: `text` its name, `items` its members as a dict, `self` its base class or null
  Instance,     // an object of a plain class: `self` the class, `items` its attributes as a dict
  Traced,       // a tensor inside a Lambda or a custom layer's call(): a node of its TensorProgram
  Skipped,      // the result of code that does not build the model (data, training, output)
  Error,        // the result of something already reported: silences follow-on errors
};

// The elements of a tuple, list or dict (key, value, key, value, ...).
// Copies share the elements, as Python's references do: appending to a
// list through one name shows through every other.
class Items {
public:
  Items() = default;
  Items(std::vector<Value> items);

  size_t size() const;
  bool empty() const { return size() == 0; }
  const Value &operator[](size_t i) const;
  Value &operator[](size_t i);
  const Value *begin() const;
  const Value *end() const;
  Value *begin();
  Value *end();
  const Value &back() const { return (*this)[size() - 1]; }
  // The element vector itself, allocated on first use.
  std::vector<Value> &vector();
  // Identifies the shared elements: equal for copies of one container.
  const void *id() const { return items_.get(); }

private:
  std::shared_ptr<std::vector<Value>> items_;
};

// One axis of a data array whose shape Kiln knows (DataArrays.cpp).
struct DataDim {
  int64_t size = -1;  // -1: not known
  int samples = 0;    // nonzero: the number of samples of one dataset or array, which reads as data (skipped)
  bool operator==(const DataDim &) const = default;
};

// Why a value was not computed: the skipped code and the kind of code it is.
struct SkipInfo {
  std::string what;   // "mnist.load_data()", "model.fit()", "np.random.rand()"
  std::string why;    // "data loading", "training", "a NumPy function", ...
  SourceRange where;  // the skipped expression
  bool unsupported = false;  // model code Kiln cannot compile (a custom layer, a TensorFlow op), not data or training
  // What Kiln knows of skipped data without its content (DataArrays.cpp):
  // an array's shape, a size read from one, how many classes a dataset's
  // labels have, and a function whose result's shape it computes.
  std::shared_ptr<const std::vector<DataDim>> shape;
  std::optional<DataDim> dim;
  int64_t classes = 0;
  // Shared by an array and the values made from it (views, aliases, copies):
  // what code did to any of them in place. A write voids `classes`, a new
  // shape (x.shape = ..., x.resize) voids `shape`.
  struct Content {
    bool written = false, reshaped = false;
  };
  std::shared_ptr<Content> content;
  std::string function;  // "numpy.zeros", "keras.datasets.mnist.load_data", "ndarray.reshape" (on `self`)
};

struct Value {
  ValueKind kind = ValueKind::None;
  SourceRange range;  // where the value was written or computed

  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // Str; Module path; Method name; Opaque class name; Class name; List: "ndarray" (isNumpyArray); LayerClass: the name it was
                     // reached by; "property": a Function under @property
  Items items;       // Tuple, List; Dict as key, value, key, value...
  Tensor *tensor = nullptr;
  Layer *layer = nullptr;
  Model *model = nullptr;
  const LayerKind *layerClass = nullptr;
  const Builtin *builtin = nullptr;
  std::shared_ptr<Value> self;                // Method: the object it is bound to
  std::shared_ptr<const Closure> function;    // Function
  std::shared_ptr<const SkipInfo> skip;       // Skipped
  std::shared_ptr<TensorProgram> program;     // Traced: the program; `integer` is the node

  static Value none(SourceRange r = {}) { return make(ValueKind::None, r); }
  static Value error(SourceRange r = {}) { return make(ValueKind::Error, r); }
  static Value ofBool(bool b, SourceRange r = {}) { Value v = make(ValueKind::Bool, r); v.boolean = b; return v; }
  static Value ofInt(int64_t i, SourceRange r = {}) { Value v = make(ValueKind::Int, r); v.integer = i; return v; }
  static Value ofFloat(double f, SourceRange r = {}) { Value v = make(ValueKind::Float, r); v.real = f; return v; }
  static Value ofStr(std::string s, SourceRange r = {}) { Value v = make(ValueKind::Str, r); v.text = std::move(s); return v; }
  static Value ofTuple(std::vector<Value> items, SourceRange r = {}) {
    Value v = make(ValueKind::Tuple, r);
    v.items = Items(std::move(items));
    return v;
  }
  static Value ofList(std::vector<Value> items, SourceRange r = {}) {
    Value v = make(ValueKind::List, r);
    v.items = Items(std::move(items));
    return v;
  }
  static Value ofTensor(Tensor *t, SourceRange r) { Value v = make(ValueKind::Tensor, r); v.tensor = t; return v; }
  static Value ofLayer(Layer *l, SourceRange r) { Value v = make(ValueKind::Layer, r); v.layer = l; return v; }
  static Value ofModel(Model *m, SourceRange r) { Value v = make(ValueKind::Model, r); v.model = m; return v; }
  static Value skipped(std::string what, std::string why, SourceRange where, bool unsupported = false);
  // Containers get their own, empty element storage.
  static Value make(ValueKind k, SourceRange r) {
    Value v;
    v.kind = k;
    v.range = r;
    if (k == ValueKind::Tuple || k == ValueKind::List || k == ValueKind::Dict || k == ValueKind::Class ||
        k == ValueKind::Instance)
      v.items = Items(std::vector<Value>{});
    return v;
  }

  bool is(ValueKind k) const { return kind == k; }
  bool isSequence() const { return kind == ValueKind::Tuple || kind == ValueKind::List; }
  // Python's numbers: bool is an int.
  bool isNumber() const { return kind == ValueKind::Int || kind == ValueKind::Float || kind == ValueKind::Bool; }
  bool isInteger() const { return kind == ValueKind::Int || kind == ValueKind::Bool; }
  int64_t asInt() const { return kind == ValueKind::Bool ? int64_t(boolean) : integer; }
  double number() const { return kind == ValueKind::Float ? real : double(asInt()); }
};

inline Items::Items(std::vector<Value> items) : items_(std::make_shared<std::vector<Value>>(std::move(items))) {}
inline size_t Items::size() const { return items_ ? items_->size() : 0; }
inline const Value &Items::operator[](size_t i) const { return (*items_)[i]; }
inline Value &Items::operator[](size_t i) { return (*items_)[i]; }
inline const Value *Items::begin() const { return items_ ? items_->data() : nullptr; }
inline const Value *Items::end() const { return items_ ? items_->data() + items_->size() : nullptr; }
inline Value *Items::begin() { return items_ ? items_->data() : nullptr; }
inline Value *Items::end() { return items_ ? items_->data() + items_->size() : nullptr; }
inline std::vector<Value> &Items::vector() {
  if (!items_) items_ = std::make_shared<std::vector<Value>>();
  return *items_;
}

// A copy that shares no container with `v` (a layer keeps its arguments as
// they were when it was made).
Value deepCopy(const Value &v);

// `v` with each model tensor in it (also inside lists and tuples) replaced by
// `replace(tensor)`, in new containers: `v`'s own are left as they are.
Value withTensorsReplaced(const Value &v, const std::function<Value(const Value &)> &replace);
// NumPy's arrays of build-time numbers (np.arange(3), np.linspace(0, 1, 5))
// are lists marked as such: their arithmetic is elementwise. A slice of one
// ("ndarray view") is a copy here, a view of it in NumPy: no writes into it.
inline bool isNumpyArray(const Value &v) {
  return v.is(ValueKind::List) && (v.text == "ndarray" || v.text == "ndarray view");
}
inline Value numpyArray(std::vector<Value> items, SourceRange r) {
  Value v = Value::ofList(std::move(items), r);
  v.text = "ndarray";
  return v;
}

// Python's ==, for build-time values (tensors, layers and models by identity).
bool equal(const Value &a, const Value &b);
// The same, comparing at most `budget` elements (counted down); nothing if
// that was not enough.
std::optional<bool> equalWithin(const Value &a, const Value &b, size_t &budget);
// A dict's value for `key`, or null; setting replaces or appends.
const Value *dictGet(const Value &dict, const Value &key);
void dictSet(Value &dict, Value key, Value value);
// Skipped `v` (what, why and where) without what Kiln knows of its data: for
// a result computed from it, which is other data.
Value unshaped(const Value &v);
// The first skipped value inside `v` (itself or an element), or null.
// `visited` (if given) grows by the number of elements looked at.
const Value *findSkipped(const Value &v, size_t *visited = nullptr);

// How a value is named in messages: "an integer", "a tensor of shape (None, 3)", "Dense layer 'dense'".
std::string describe(const Value &v);
// Python's repr for literals: 'relu', (3, 3), None, 0.5.
std::string repr(const Value &v);
// Python's str: like repr, but a string is its text.
std::string str(const Value &v);
// Python's type name: int, str, list, ...
std::string typeName(const Value &v);

}  // namespace kiln
