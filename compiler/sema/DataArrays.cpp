// NumPy arrays of data whose shape Kiln knows without their content: the
// datasets of keras.datasets, NumPy's arrays made by shape, and what
// reshapes, indexes, to_categorical and arithmetic make of them. They stay
// skipped (data), but their shapes are build-time values, as Keras code
// reads them: `input_shape=x_train.shape[1:]`. An array's number of samples
// (its first axis) stays data: a loop over it is skipped as before, and a
// model that takes it is an error.
#include "sema/Evaluator.h"
#include "sema/TensorOps.h"

#include <algorithm>

namespace kiln {

namespace {

using Dims = std::vector<DataDim>;

// The datasets of keras.datasets: one sample's shape of x and of y, and
// how many classes the labels have (every class occurs in each split;
// 0 where the labels are not classes or that is not so).
struct Dataset {
  const char *name;
  Dims x, y;
  int64_t classes;
};

const std::vector<Dataset> &datasets() {
  static const std::vector<Dataset> all = {
      {"mnist", {{28}, {28}}, {}, 10},
      {"fashion_mnist", {{28}, {28}}, {}, 10},
      {"cifar10", {{32}, {32}, {3}}, {{1}}, 10},
      {"cifar100", {{32}, {32}, {3}}, {{1}}, 100},
      {"boston_housing", {{13}}, {}, 0},
      {"california_housing", {{8}}, {}, 0},  // Keras 3 only
      {"imdb", {}, {}, 2},                   // x: one list of word indexes per review
      {"reuters", {}, {}, 0},
  };
  return all;
}

const Dataset *findDataset(const std::string &name) {
  for (const Dataset &d : datasets())
    if (name == d.name) return &d;
  return nullptr;
}

// NumPy's functions whose result's shape follows from their arguments.
const std::set<std::string> &numpyFunctions() {
  static const std::set<std::string> names = {
      "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "array", "asarray",
      "reshape", "expand_dims", "squeeze", "transpose", "concatenate", "unique", "random.rand", "random.randn",
      "random.random", "random.random_sample", "random.ranf", "random.sample", "random.standard_normal",
      "random.uniform", "random.normal", "random.randint", "std", "var", "median", "place", "put", "copyto", "putmask",
      "put_along_axis", "fill_diagonal", "pad", "eye", "identity"};
  return names;
}

// Reductions, as functions of NumPy and as an array's methods (np.mean and
// the others Kiln computes on numbers too are Builtins: dataMath).
bool isReduction(const std::string &name) {
  static const std::set<std::string> names = {"mean", "std", "var", "sum", "prod", "max", "min", "amax", "amin", "median"};
  return names.count(name) > 0;
}

const std::set<std::string> &arrayMethods() {
  static const std::set<std::string> names = {"reshape", "astype", "copy", "flatten", "ravel", "squeeze", "transpose",
                                              "mean", "std", "var", "sum", "max", "min"};
  return names;
}

const Dims *shapeOf(const Value &v) {
  if (!v.is(ValueKind::Skipped) || !v.skip || (v.skip->content && v.skip->content->reshaped)) return nullptr;
  return v.skip->shape.get();
}

bool readable(const DataDim &d) { return d.size >= 0 && !d.samples; }

// A dataset's classes, while no code has changed its labels in place.
int64_t classesOf(const Value &labels) {
  const SkipInfo &s = *labels.skip;
  return s.content && !s.content->written ? s.classes : 0;
}

// An array of data with `origin`'s what, why and where, made from `from`'s
// content (`written`), or from origin's, or new.
Value array(const SkipInfo &origin, Dims dims, SourceRange range, int64_t classes = 0, const Value *from = nullptr) {
  auto info = std::make_shared<SkipInfo>(*Value::skipped(origin.what, origin.why, origin.where, origin.unsupported).skip);
  info->shape = std::make_shared<const Dims>(std::move(dims));
  info->classes = classes;
  info->content = from && from->skip->content ? from->skip->content
                  : origin.content             ? origin.content
                                               : std::make_shared<SkipInfo::Content>();
  Value v = Value::make(ValueKind::Skipped, range);
  v.skip = std::move(info);
  return v;
}

// A size of `array` as Python reads it: a number, or data (the number of samples).
Value readDim(const Value &array, const DataDim &d, SourceRange range) {
  if (readable(d)) return Value::ofInt(d.size, range);
  Value v = unshaped(array);
  v.range = range;
  if (d.samples) {
    auto info = std::make_shared<SkipInfo>(*v.skip);
    info->dim = d;
    v.skip = std::move(info);
  }
  return v;
}

// One size given to NumPy: a number, or one read from an array.
std::optional<DataDim> dimOf(const Value &v) {
  if (v.isInteger()) return v.asInt() >= 0 ? std::optional<DataDim>(DataDim{v.asInt(), 0}) : std::nullopt;
  if (v.is(ValueKind::Skipped) && v.skip->dim) return *v.skip->dim;
  if (v.is(ValueKind::Skipped) && !v.skip->shape) return DataDim{};
  return std::nullopt;
}

// A shape given to NumPy: a size, or a tuple or list of them.
std::optional<Dims> dimsOf(const Value &v) {
  if (!v.isSequence()) {
    std::optional<DataDim> d = dimOf(v);
    if (!d || (v.is(ValueKind::Skipped) && !v.skip->dim)) return std::nullopt;  // data of unknown rank
    return Dims{*d};
  }
  Dims dims;
  for (const Value &item : v.items) {
    std::optional<DataDim> d = dimOf(item);
    if (!d) return std::nullopt;
    dims.push_back(*d);
  }
  return dims;
}

// A shape given to reshape: one size may be -1, the axis whose size follows from the others.
struct NewShape {
  Dims dims;
  std::optional<size_t> infer;
};
std::optional<NewShape> newShapeOf(const Value &v) {
  if (v.is(ValueKind::Skipped) && !v.skip->dim) return std::nullopt;  // data of unknown rank
  std::vector<Value> sizes = v.isSequence() ? std::vector<Value>(v.items.begin(), v.items.end()) : std::vector<Value>{v};
  NewShape shape;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i].isInteger() && sizes[i].asInt() == -1 && !shape.infer) {
      shape.infer = i;
      shape.dims.push_back(DataDim{});
      continue;
    }
    std::optional<DataDim> d = dimOf(sizes[i]);
    if (!d) return std::nullopt;
    shape.dims.push_back(*d);
  }
  return shape;
}

// The shape of nested lists of numbers (np.array([[0, 0], [0, 1]])).
std::optional<Dims> nestedDims(const Value &v) {
  if (v.isNumber()) return Dims{};
  if (!v.isSequence() || v.items.empty()) return std::nullopt;
  std::optional<Dims> inner = nestedDims(v.items[0]);
  if (!inner) return std::nullopt;
  for (const Value &item : v.items)
    if (nestedDims(item) != inner) return std::nullopt;  // ragged: an object array
  inner->insert(inner->begin(), DataDim{int64_t(v.items.size()), 0});
  return inner;
}

std::optional<int64_t> product(const Dims &dims, bool &complete) {
  int64_t p = 1;
  complete = true;
  for (const DataDim &d : dims) {
    if (d.size < 0) {
      complete = false;
      continue;
    }
    if (__builtin_mul_overflow(p, d.size, &p)) return std::nullopt;
  }
  return p;
}

// NumPy's reshape of `from` to `to`, whose `infer` axis (if any) was given
// as -1: its size follows from the others', also when both hold the same
// number of samples (x.reshape(len(x), -1)).
std::optional<Dims> reshaped(const Dims &from, Dims to, std::optional<size_t> infer) {
  if (!infer) return to;
  std::vector<int> samples;  // the sample counts of unknown size in `from`, less those of `to`
  bool unknown = false;
  for (const DataDim &d : from)
    if (d.size < 0) {
      if (d.samples) samples.push_back(d.samples);
      else unknown = true;
    }
  for (size_t i = 0; i < to.size(); ++i) {
    if (i == *infer || to[i].size >= 0) continue;
    auto it = std::find(samples.begin(), samples.end(), to[i].samples);
    if (!to[i].samples || it == samples.end()) unknown = true;
    else samples.erase(it);
  }
  bool completeFrom, completeTo;
  Dims known = to;
  known.erase(known.begin() + long(*infer));
  std::optional<int64_t> p = product(from, completeFrom), q = product(known, completeTo);
  if (!p || !q) return std::nullopt;
  DataDim &d = to[*infer];
  d = DataDim{};
  if (unknown || *q == 0) return to;
  if (*p % *q != 0) return std::nullopt;  // NumPy raises
  if (samples.empty()) d.size = *p / *q;
  else if (samples.size() == 1 && *p == *q) d.samples = samples[0];
  return to;
}

// NumPy's broadcasting of two shapes; nothing where NumPy raises.
std::optional<Dims> broadcast(const Dims &a, const Dims &b) {
  size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (size_t i = 0; i < n; ++i) {
    DataDim x = i + a.size() >= n ? a[i + a.size() - n] : DataDim{1, 0};
    DataDim y = i + b.size() >= n ? b[i + b.size() - n] : DataDim{1, 0};
    if (x == y) out[i] = x;
    else if (readable(x) && x.size == 1) out[i] = y;
    else if (readable(y) && y.size == 1) out[i] = x;
    else if (x.size >= 0 && y.size >= 0 && x.size != y.size) return std::nullopt;
    else if (x.size >= 0 && x.size == y.size) out[i] = DataDim{x.size, 0};
    else out[i] = DataDim{};
  }
  return out;
}

// An axis argument: `axis` of `rank` axes, counted from the end if negative.
std::optional<size_t> axisOf(const Value &v, size_t rank) {
  if (!v.isInteger()) return std::nullopt;
  int64_t a = v.asInt() < 0 ? v.asInt() + int64_t(rank) : v.asInt();
  if (a < 0 || a >= int64_t(rank)) return std::nullopt;
  return size_t(a);
}

std::optional<Dims> transposed(const Dims &in, const std::vector<Value> &axes) {
  if (axes.empty()) return Dims(in.rbegin(), in.rend());
  if (axes.size() != in.size()) return std::nullopt;
  Dims out;
  std::vector<bool> used(in.size());
  for (const Value &a : axes) {
    std::optional<size_t> axis = axisOf(a, in.size());
    if (!axis || used[*axis]) return std::nullopt;
    used[*axis] = true;
    out.push_back(in[*axis]);
  }
  return out;
}

std::optional<Dims> squeezed(const Dims &in, const Value *axis) {
  Dims out;
  if (!axis || axis->is(ValueKind::None)) {
    for (const DataDim &d : in) {
      if (!readable(d) && d.size < 0) return std::nullopt;  // it may be 1
      if (d.size != 1) out.push_back(d);
    }
    return out;
  }
  std::optional<size_t> a = axisOf(*axis, in.size());
  if (!a || in[*a].size != 1) return std::nullopt;
  out = in;
  out.erase(out.begin() + long(*a));
  return out;
}

std::optional<Dims> expanded(const Dims &in, const Value &axis) {
  std::vector<Value> axes = axis.isSequence() ? std::vector<Value>(axis.items.begin(), axis.items.end())
                                              : std::vector<Value>{axis};
  size_t rank = in.size() + axes.size();
  std::vector<bool> isNew(rank);
  for (const Value &a : axes) {
    std::optional<size_t> i = axisOf(a, rank);
    if (!i || isNew[*i]) return std::nullopt;
    isNew[*i] = true;
  }
  Dims out;
  for (size_t i = 0, k = 0; i < rank; ++i) out.push_back(isNew[i] ? DataDim{1, 0} : in[k++]);
  return out;
}

// np.pad(x, pad_width): pad_width is n, (before, after), or one such pair per axis.
std::optional<Dims> padded(const Dims &in, const Value *width) {
  if (!width) return std::nullopt;
  auto pair = [](const Value &v) -> std::optional<std::pair<int64_t, int64_t>> {
    if (v.isInteger()) return std::pair{v.asInt(), v.asInt()};
    if (v.isSequence() && v.items.size() == 1 && v.items[0].isInteger())
      return std::pair{v.items[0].asInt(), v.items[0].asInt()};
    if (v.isSequence() && v.items.size() == 2 && v.items[0].isInteger() && v.items[1].isInteger())
      return std::pair{v.items[0].asInt(), v.items[1].asInt()};
    return std::nullopt;
  };
  std::vector<std::pair<int64_t, int64_t>> widths;
  if (std::optional<std::pair<int64_t, int64_t>> all = pair(*width)) widths.assign(in.size(), *all);
  else if (width->isSequence() && width->items.size() == in.size())
    for (const Value &v : width->items) {
      std::optional<std::pair<int64_t, int64_t>> p = pair(v);
      if (!p) return std::nullopt;
      widths.push_back(*p);
    }
  else return std::nullopt;
  Dims out;
  for (size_t i = 0; i < in.size(); ++i) {
    auto [before, after] = widths[i];
    if (before < 0 || after < 0) return std::nullopt;
    if (before == 0 && after == 0) out.push_back(in[i]);
    else out.push_back(in[i].size >= 0 ? DataDim{in[i].size + before + after, 0} : DataDim{});
  }
  return out;
}

// A reduction over `axis` (None: every axis), keeping the reduced axes as 1s if `keepdims`.
std::optional<Dims> reduced(const Dims &in, const Value *axis, const Value *keepdims) {
  bool keep = keepdims && keepdims->is(ValueKind::Bool) && keepdims->boolean;
  if (keepdims && !keepdims->is(ValueKind::Bool)) return std::nullopt;
  std::vector<bool> gone(in.size(), !axis || axis->is(ValueKind::None));
  if (axis && !axis->is(ValueKind::None)) {
    std::vector<Value> axes = axis->isSequence() ? std::vector<Value>(axis->items.begin(), axis->items.end())
                                                 : std::vector<Value>{*axis};
    for (const Value &a : axes) {
      std::optional<size_t> i = axisOf(a, in.size());
      if (!i || gone[*i]) return std::nullopt;
      gone[*i] = true;
    }
  }
  Dims out;
  for (size_t i = 0; i < in.size(); ++i)
    if (!gone[i]) out.push_back(in[i]);
    else if (keep) out.push_back(DataDim{1, 0});
  return out;
}

std::vector<Value> positional(const CallSite &call);
const Value *argument(const CallSite &call, size_t position, std::string_view keyword);

// x.mean(axis=0), np.std(x, axis=(1, 2), keepdims=True): the axis given by
// position at most (after the array), the rest by keyword.
std::optional<Dims> reduction(const Dims &in, const CallSite &call, size_t axisPosition) {
  if (positional(call).size() > axisPosition + 1) return std::nullopt;
  const CallArgument *keepdims = call.keyword("keepdims");
  return reduced(in, argument(call, axisPosition, "axis"), keepdims ? &keepdims->value : nullptr);
}

// The argument at `position` or named `keyword`, if given.
const Value *argument(const CallSite &call, size_t position, std::string_view keyword) {
  if (const CallArgument *k = call.keyword(keyword)) return &k->value;
  size_t i = 0;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty() && i++ == position) return &a.value;
  return nullptr;
}

std::vector<Value> positional(const CallSite &call) {
  std::vector<Value> values;
  for (const CallArgument &a : call.args)
    if (a.keyword.empty()) values.push_back(a.value);
  return values;
}

// Arguments given as one tuple or one by one: x.reshape((2, 3)), x.reshape(2, 3).
Value tupleOrPositional(const CallSite &call) {
  std::vector<Value> values = positional(call);
  if (values.size() == 1 && values[0].isSequence()) return values[0];
  return Value::ofTuple(std::move(values));
}

// How many of `n` items Python's slice [start:stop:step] takes.
int64_t sliceLength(int64_t n, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  auto clamp = [&](std::optional<int64_t> b, int64_t otherwise) {
    if (!b) return otherwise;
    int64_t i = *b < 0 ? *b + n : *b;
    return step > 0 ? std::clamp<int64_t>(i, 0, n) : std::clamp<int64_t>(i, -1, n - 1);
  };
  int64_t first = clamp(start, step > 0 ? 0 : n - 1), last = clamp(stop, step > 0 ? n : -1);
  if (step > 0) return last > first ? (last - first + step - 1) / step : 0;
  return first > last ? (first - last - step - 1) / -step : 0;
}

}  // namespace

bool isNumpyElementwise(const std::string &name) {
  static const std::set<std::string> names = {"sqrt", "ceil", "floor", "trunc", "exp", "log", "log2",
                                              "log10", "abs", "round", "float32", "float64", "int32", "int64",
                                              "sin", "cos", "tan"};
  return names.count(name) > 0;
}

bool isDataModule(const std::string &full) {
  if (full == "keras.utils.np_utils" || full == "keras.preprocessing.sequence") return true;
  return full.rfind("keras.datasets.", 0) == 0 && findDataset(full.substr(strlen("keras.datasets.")));
}

Value dataFunction(Value skipped, const std::string &full) {
  std::string function;
  if (full.rfind("numpy.", 0) == 0 && numpyFunctions().count(full.substr(strlen("numpy.")))) function = full;
  else if (full.rfind("keras.datasets.", 0) == 0 && full.size() > 10 && full.substr(full.size() - 10) == ".load_data" &&
           isDataModule(full.substr(0, full.size() - 10)))
    function = full;
  else if (full == "keras.utils.to_categorical" || full == "keras.utils.np_utils.to_categorical") function = "to_categorical";
  else if (full == "keras.preprocessing.sequence.pad_sequences" || full == "keras.utils.pad_sequences")
    function = "pad_sequences";
  if (function.empty()) return skipped;
  auto info = std::make_shared<SkipInfo>(*skipped.skip);
  info->function = function;
  skipped.skip = std::move(info);
  return skipped;
}

std::optional<Value> Evaluator::dataAttribute(const Value &object, const std::string &name, SourceRange range) {
  const Dims *shape = shapeOf(object);
  if (!shape) return std::nullopt;
  if (name == "shape") {
    std::vector<Value> sizes;
    for (const DataDim &d : *shape) sizes.push_back(readDim(object, d, range));
    return Value::ofTuple(std::move(sizes), range);
  }
  if (name == "ndim") return Value::ofInt(int64_t(shape->size()), range);
  bool complete;
  if (name == "size" && std::all_of(shape->begin(), shape->end(), readable))
    if (std::optional<int64_t> p = product(*shape, complete)) return Value::ofInt(*p, range);
  if (name == "T") return array(*object.skip, Dims(shape->rbegin(), shape->rend()), range);
  // Methods that change the array in place (x.__setitem__(0, 5), x.__iadd__(1)).
  if (name == "fill" || name == "put" || name == "itemset" || name == "resize" || name == "sort" || name == "flat" ||
      name.rfind("__", 0) == 0)
    markWritten(object, name == "resize");
  if (arrayMethods().count(name)) {
    Value method = unshaped(object);
    method.range = range;
    auto info = std::make_shared<SkipInfo>(*method.skip);
    info->function = "ndarray." + name;
    method.skip = std::move(info);
    method.self = std::make_shared<Value>(object);
    return method;
  }
  return std::nullopt;
}

void markWritten(const Value &v, bool reshaped) {
  if (!v.is(ValueKind::Skipped) || !v.skip->content) return;
  v.skip->content->written = true;
  v.skip->content->reshaped |= reshaped;
}

std::optional<Value> Evaluator::dataMath(const std::string &name, const CallSite &call) {
  std::vector<Value> args = positional(call);
  const Dims *in = args.empty() ? nullptr : shapeOf(args[0]);
  if (!in) return std::nullopt;
  std::optional<Dims> out;
  if (isReduction(name)) out = reduction(*in, call, 1);
  else if (isNumpyElementwise(name) && call.args.size() == 1) out = *in;
  else if (name == "power" && args.size() == 2) return dataBinary("**", args[0], args[1], call.range);
  if (!out) return std::nullopt;
  return array(*args[0].skip, std::move(*out), call.range);
}

std::optional<Value> Evaluator::dataClasses(const Value &labels, SourceRange range) {
  const Dims *shape = shapeOf(labels);
  if (!shape || shape->size() != 1 || classesOf(labels) <= 0) return std::nullopt;  // set() of rows: unhashable
  return array(*labels.skip, Dims{DataDim{classesOf(labels), 0}}, range);
}

// TensorFlow's and Keras's tensor functions on data (x_train =
// tf.expand_dims(x_train, -1), tf.cast(x, tf.float32)) make arrays as NumPy's do.
std::optional<Value> Evaluator::dataTensorOp(const Builtin &builtin, const TensorOp &op, const CallSite &call) {
  DiagnosticEngine::Mark mark = diags_.mark();
  TensorArgs args{diags_, call, builtin.name, parameterNames(op), {}, nullptr};
  bool bound = args.bind();
  diags_.dropSince(mark);  // the function's own errors, if any, are data code's: skipped with it
  const Dims *in = bound ? shapeOf(*args[0]) : nullptr;
  if (!in) return std::nullopt;
  std::optional<Dims> out;
  switch (op.family) {
  case Family::Cast:
  case Family::Constant: out = *in; break;
  case Family::ExpandDims:
    if (args.given(1) || builtin.detail == "keras.backend") out = expanded(*in, args.given(1) ? *args[1] : Value::ofInt(-1));
    break;
  case Family::Squeeze: out = squeezed(*in, args[1]); break;
  case Family::Transpose:
    out = transposed(*in, args.given(1) && args[1]->isSequence()
                              ? std::vector<Value>(args[1]->items.begin(), args[1]->items.end())
                              : std::vector<Value>{});
    break;
  case Family::Reshape:
    if (std::optional<NewShape> to = args.given(1) ? newShapeOf(*args[1]) : std::nullopt)
      out = reshaped(*in, to->dims, to->infer);
    break;
  default: break;
  }
  if (!out) return std::nullopt;
  bool sameValues = op.family != Family::Cast || (args.given(1) && args[1]->is(ValueKind::Str) && args[1]->text != "bool");
  return array(*args[0]->skip, std::move(*out), call.range, sameValues ? classesOf(*args[0]) : 0, args[0]);
}

std::optional<Value> Evaluator::dataLength(const Value &object, SourceRange range) {
  const Dims *shape = shapeOf(object);
  if (!shape || shape->empty()) return std::nullopt;
  return readDim(object, (*shape)[0], range);
}

// NumPy's basic indexing: numbers take an axis away, slices keep it (the
// length of a slice of the samples is unknown), None adds one, ... stands
// for the axes not named. Anything else (an array of indexes) is not known.
std::optional<Value> Evaluator::dataSubscript(const Value &object, const ast::Expr &e) {
  const Dims &in = *shapeOf(object);
  DiagnosticEngine::Mark mark = diags_.mark();
  // One array of indexes or a mask, of rank 1 (np.eye(10)[y_train],
  // x[y == 1]): how many rows it takes is data, the rest of each row stays.
  if (e.elements.size() == 1 && e.elements[0]->kind != ast::ExprKind::Slice) {
    Value key = eval(*e.elements[0]);
    if (const Dims *rows = shapeOf(key); rows && rows->size() == 1 && !in.empty()) {
      Dims out{DataDim{}};
      out.insert(out.end(), in.begin() + 1, in.end());
      return array(*object.skip, std::move(out), e.range);
    }
    diags_.dropSince(mark);
  }
  // Each index: a slice's bounds, or the index's value (None: a new axis).
  struct Index {
    const ast::Expr *slice = nullptr;
    std::optional<int64_t> bound[3];
    Value key;
  };
  std::vector<Index> indexes;
  size_t named = 0;
  bool ok = true;
  // x[..., None] is x[(..., None)]: the indexes are the tuple's elements.
  bool tuple = e.elements.size() == 1 && e.elements[0]->kind == ast::ExprKind::Tuple;
  for (const ast::ExprPtr &el : tuple ? e.elements[0]->elements : e.elements) {
    Index index;
    if (el->kind == ast::ExprKind::Slice) {
      index.slice = el.get();
      for (int i = 0; i < 3; ++i) {
        if (!el->elements[i]) continue;
        Value v = eval(*el->elements[i]);
        if (v.is(ValueKind::Int)) index.bound[i] = v.asInt();
        else ok &= v.is(ValueKind::None);
      }
    } else {
      index.key = eval(*el);
    }
    named += index.slice || index.key.is(ValueKind::Int);
    indexes.push_back(std::move(index));
  }
  Dims out;
  size_t axis = 0;
  bool ellipsis = false;
  ok &= named <= in.size() && diags_.errorCount() == mark.errors;
  for (const Index &index : indexes) {
    if (!ok) break;
    if (index.key.is(ValueKind::Ellipsis)) {
      ok = !ellipsis;
      ellipsis = true;
      for (size_t n = in.size() - named; n > 0; --n) out.push_back(in[axis++]);
    } else if (index.key.is(ValueKind::None) && !index.slice) {  // np.newaxis
      out.push_back(DataDim{1, 0});
    } else if (index.slice) {
      const DataDim &d = in[axis++];
      const std::optional<int64_t> *bound = index.bound;
      if (!bound[0] && !bound[1] && !bound[2]) out.push_back(d);
      else if (!readable(d) || bound[2] == 0) out.push_back(DataDim{});
      else out.push_back(DataDim{sliceLength(d.size, bound[0], bound[1], bound[2].value_or(1)), 0});
    } else {
      const DataDim &d = in[axis++];
      const Value &key = index.key;
      ok = key.is(ValueKind::Int) && (!readable(d) || (key.asInt() < d.size && key.asInt() >= -d.size));  // x[True]: a new axis
    }
  }
  if (!ok) {
    diags_.dropSince(mark);
    return std::nullopt;
  }
  out.insert(out.end(), in.begin() + long(axis), in.end());
  return array(*object.skip, std::move(out), e.range);
}

Value Evaluator::dataBinary(const std::string &op, const Value &a, const Value &b, SourceRange range) {
  const Value &data = a.is(ValueKind::Skipped) ? a : b;
  static const std::set<std::string> elementwise = {"+", "-", "*", "/", "//", "%", "**", "<", ">", "<=", ">=", "==", "!="};
  auto shape = [](const Value &v) -> std::optional<Dims> {
    if (v.isNumber()) return Dims{};
    if (const Dims *s = shapeOf(v)) return *s;
    return std::nullopt;
  };
  std::optional<Dims> x = shape(a), y = shape(b);
  if (elementwise.count(op) && x && y)
    if (std::optional<Dims> out = broadcast(*x, *y)) return array(*data.skip, std::move(*out), range);
  return unshaped(data);
}

Value Evaluator::constantData(const std::string &what, const std::vector<int64_t> &dims, SourceRange range) {
  Value origin = Value::skipped(what, "a constant tensor outside any layer", range);
  Dims shape;
  for (int64_t d : dims) shape.push_back(DataDim{d, 0});
  if (!shape.empty()) shape[0].samples = ++dataSamples_;
  return array(*origin.skip, std::move(shape), range);
}

// Keras builds a subclassed model on the first data it is called on, as it
// builds a Sequential on the first it runs on: (None,) and one sample's shape.
std::optional<Value> Evaluator::buildModelOnData(Layer *model, const Value &data, SourceRange range) {
  const Dims *shape = shapeOf(data);
  if (!shape || shape->empty() || !std::all_of(shape->begin() + 1, shape->end(), readable)) return std::nullopt;
  std::vector<Value> dims{Value::none(range)};
  for (auto d = shape->begin() + 1; d != shape->end(); ++d) dims.push_back(Value::ofInt(d->size, range));
  CallSite build{range, range, {{"", {}, Value::ofTuple(std::move(dims), range), nullptr}}};
  return buildSubclassedModel(model, build);
}

std::optional<Value> Evaluator::callDataFunction(const Value &callee, const ast::Expr &e) {
  DiagnosticEngine::Mark mark = diags_.mark();
  for (const ast::Argument &a : e.args)  // *x.shape is its sizes; *sizes of data: how many is not known
    if (!a.star.empty() && !eval(*a.value).isSequence()) {
      diags_.dropSince(mark);
      return std::nullopt;
    }
  CallSite call;
  call.range = e.range;
  call.calleeRange = e.object->range;
  bool evaluated = evalArguments(e, call) && diags_.errorCount() == mark.errors;
  for (const CallArgument &a : call.args) evaluated &= !a.value.is(ValueKind::Error);
  if (!evaluated) {
    diags_.dropSince(mark);
    return std::nullopt;
  }
  for (const CallArgument &a : call.args)
    if (a.keyword == "out") markWritten(a.value);
  const SkipInfo &s = *callee.skip;
  // A function named here (np.zeros(...)) names the result; an array's method keeps the array's origin.
  bool fresh = s.where.begin.offset == e.object->range.begin.offset && s.where.end == e.object->range.end;
  Value named = Value::skipped(fresh ? exprText(e) : s.what, s.why, fresh ? e.range : s.where, s.unsupported);
  const SkipInfo &origin = *named.skip;
  const std::string &f = s.function;
  const Value *source = nullptr;  // the array the result is made from (a view of it, as far as Kiln knows)
  auto result = [&](std::optional<Dims> dims, int64_t classes = 0) -> std::optional<Value> {
    if (!dims) return std::nullopt;
    return array(origin, std::move(*dims), e.range, classes, source);
  };
  // Arrays made from sizes: their first axis holds the samples.
  auto made = [&](std::optional<Dims> dims) -> std::optional<Value> {
    if (!dims) return std::nullopt;
    if (!dims->empty() && !(*dims)[0].samples) (*dims)[0].samples = ++dataSamples_;
    return result(dims);
  };

  if (f.rfind("model.", 0) == 0) {
    // Keras builds a Sequential without an input shape on the first data it
    // runs on: (None,) and the shape of one sample.
    Model *m = callee.self->model;
    const Value *x = argument(call, 0, "x");
    const Dims *shape = x ? shapeOf(*x) : nullptr;
    if (!shape || shape->empty() || !m->inputs.empty() || m->pending.empty() ||
        !std::all_of(shape->begin() + 1, shape->end(), readable))
      return std::nullopt;
    std::vector<int64_t> dims{kNone};
    for (auto d = shape->begin() + 1; d != shape->end(); ++d) dims.push_back(d->size);
    TensorType type{DType::Float32, toDims(dims)};
    buildSequential(m, newInputTensor(sequentialInputName(*m->pending.front()), type, e.range, nullptr), e.range);
    return std::nullopt;
  }
  if (f.rfind("keras.datasets.", 0) == 0) {
    std::string name = f.substr(strlen("keras.datasets."), f.size() - strlen("keras.datasets.") - strlen(".load_data"));
    const Dataset &d = *findDataset(name);
    if (name == "california_housing" && options_.kerasVersion != KerasVersion::V3) return std::nullopt;
    int64_t classes = d.classes;
    if (name == "cifar100") {
      const Value *mode = argument(call, 0, "label_mode");
      if (mode && !mode->is(ValueKind::Str)) classes = 0;
      else if (mode && mode->text == "coarse") classes = 20;
    }
    Dims x = d.x;
    if (x.size() == 3 && imageDataFormat_ == "channels_first") std::rotate(x.rbegin(), x.rbegin() + 1, x.rend());
    recordSkipped(e.range, exprText(e));
    std::vector<Value> splits;
    for (int split = 0; split < 2; ++split) {
      DataDim samples{-1, ++dataSamples_};
      Dims xs{samples}, ys{samples};
      xs.insert(xs.end(), x.begin(), x.end());
      ys.insert(ys.end(), d.y.begin(), d.y.end());
      splits.push_back(Value::ofTuple({array(origin, xs, e.range), array(origin, ys, e.range, classes)}, e.range));
    }
    return Value::ofTuple(std::move(splits), e.range);
  }
  if (f.rfind("ndarray.", 0) == 0) {
    const Value &self = *callee.self;
    const Dims &in = *shapeOf(self);
    std::string method = f.substr(strlen("ndarray."));
    int64_t classes = classesOf(self);
    source = &self;
    if (method == "astype" || method == "copy") return result(in, classes);
    if (isReduction(method)) return result(reduction(in, call, 0));
    if (method == "squeeze") return result(squeezed(in, argument(call, 0, "axis")), classes);
    if (method == "transpose") return result(transposed(in, tupleOrPositional(call).items.vector()));
    if (method == "flatten" || method == "ravel") {
      bool complete;
      std::optional<int64_t> p = product(in, complete);
      bool known = p && std::all_of(in.begin(), in.end(), [](const DataDim &d) { return d.size >= 0; });
      return result(Dims{known ? DataDim{*p, 0} : DataDim{}}, classes);
    }
    std::vector<Value> sizes = positional(call);  // reshape
    std::optional<NewShape> to = newShapeOf(sizes.size() == 1 ? sizes[0] : Value::ofTuple(sizes));
    return to ? result(reshaped(in, to->dims, to->infer), classes) : std::nullopt;
  }
  if (f == "to_categorical") {
    const Value *y = argument(call, 0, "y");
    const Dims *in = y ? shapeOf(*y) : nullptr;
    if (!in) return std::nullopt;
    Dims out = *in;
    if (out.size() > 1 && out.back().size == 1) out.pop_back();
    const Value *n = argument(call, 1, "num_classes");
    if (!n) n = call.keyword("nb_classes") ? &call.keyword("nb_classes")->value : nullptr;  // Keras 1
    if (n && !n->is(ValueKind::None) && !(n->isInteger() && n->asInt() > 0)) return std::nullopt;
    int64_t classes = n && n->isInteger() ? n->asInt() : classesOf(*y);
    out.push_back(classes > 0 ? DataDim{classes, 0} : DataDim{});
    return result(out);
  }
  if (f == "pad_sequences") {
    const Value *sequences = argument(call, 0, "sequences");
    const Dims *in = sequences ? shapeOf(*sequences) : nullptr;
    const Value *maxlen = argument(call, 1, "maxlen");
    if (!in || in->empty()) return std::nullopt;
    return result(Dims{(*in)[0], maxlen && maxlen->isInteger() && maxlen->asInt() >= 0 ? DataDim{maxlen->asInt(), 0}
                                                                                        : DataDim{}});
  }

  // NumPy
  std::string name = f.substr(strlen("numpy."));
  const Value *first = argument(call, 0, name == "concatenate" ? "arrays" : name.find("_like") != std::string::npos ? "a" : "shape");
  if (name == "zeros" || name == "ones" || name == "empty" || name == "full") {
    // A sub-array dtype, np.zeros(3, dtype=(float, 4)), adds axes.
    const Value *dtype = argument(call, name == "full" ? 2 : 1, "dtype");
    if (dtype && (dtype->isSequence() || (dtype->is(ValueKind::Str) && dtype->text.find('(') != std::string::npos)))
      return std::nullopt;
    return first ? made(dimsOf(*first)) : std::nullopt;
  }
  if (name == "eye" || name == "identity") {  // eye(N, M=None): N x M (N x N)
    const Value *n = argument(call, 0, "N"), *columns = name == "eye" ? argument(call, 1, "M") : nullptr;
    if (!n || !n->isInteger() || (columns && !columns->is(ValueKind::None) && !columns->isInteger())) return std::nullopt;
    return made(dimsOf(Value::ofTuple({*n, columns && columns->isInteger() ? *columns : *n})));
  }
  if (name == "random.rand" || name == "random.randn") return made(dimsOf(Value::ofTuple(positional(call))));
  if (name == "random.random" || name == "random.random_sample" || name == "random.ranf" || name == "random.sample" ||
      name == "random.standard_normal") {
    const Value *size = argument(call, 0, "size");
    return size && !size->is(ValueKind::None) ? made(dimsOf(*size)) : std::nullopt;
  }
  if (name == "random.uniform" || name == "random.normal" || name == "random.randint") {
    const Value *size = argument(call, 2, "size");
    return size && !size->is(ValueKind::None) ? made(dimsOf(*size)) : std::nullopt;
  }
  if (!first) return std::nullopt;
  const Dims *in = shapeOf(*first);
  if (in) source = first;
  if (name == "place" || name == "put" || name == "copyto" || name == "putmask" || name == "put_along_axis" ||
      name == "fill_diagonal") {  // in place: the array's content changes
    markWritten(*first);
    return std::nullopt;
  }
  if (name.find("_like") != std::string::npos && call.keyword("shape")) return made(dimsOf(call.keyword("shape")->value));
  for (const CallArgument &a : call.args)  // np.array(x, ndmin=3) adds axes
    if ((name == "array" || name == "asarray") && !a.keyword.empty() && a.keyword != "dtype" && a.keyword != "copy")
      return std::nullopt;
  if (name == "array" || name == "asarray" || name.find("_like") != std::string::npos) {
    if (in) return result(*in, name.find("_like") == std::string::npos ? classesOf(*first) : 0);
    return made(nestedDims(*first));
  }
  if (name == "concatenate") {
    const Value *axisArg = argument(call, 1, "axis");
    if (!first->isSequence() || first->items.empty() || (axisArg && !axisArg->isInteger())) return std::nullopt;
    std::optional<Dims> out;
    for (const Value &part : first->items) {
      const Dims *dims = shapeOf(part);
      if (!dims || (out && dims->size() != out->size())) return std::nullopt;
      if (!out) {
        out = *dims;
        continue;
      }
      std::optional<size_t> axis = axisOf(axisArg ? *axisArg : Value::ofInt(0), dims->size());
      if (!axis) return std::nullopt;
      for (size_t i = 0; i < dims->size(); ++i) {
        DataDim &o = (*out)[i];
        const DataDim &d = (*dims)[i];
        if (i == *axis) o = o.size >= 0 && d.size >= 0 ? DataDim{o.size + d.size, 0} : DataDim{};
        else if (!(o == d)) o = o.size >= 0 && o.size == d.size ? DataDim{o.size, 0} : DataDim{};
      }
    }
    return result(out);
  }
  if (!in) return std::nullopt;
  if (isReduction(name)) return result(reduction(*in, call, 1));
  if (name == "unique") {
    if (call.args.size() != 1 || classesOf(*first) <= 0) return std::nullopt;
    return result(Dims{DataDim{classesOf(*first), 0}});
  }
  if (name == "pad") return result(padded(*in, argument(call, 1, "pad_width")));
  if (name == "expand_dims") {
    const Value *axis = argument(call, 1, "axis");
    return axis ? result(expanded(*in, *axis)) : std::nullopt;
  }
  if (name == "squeeze") return result(squeezed(*in, argument(call, 1, "axis")));
  if (name == "transpose") {
    const Value *axes = argument(call, 1, "axes");
    if (axes && !axes->isSequence() && !axes->is(ValueKind::None)) return std::nullopt;
    return result(transposed(*in, axes && axes->isSequence() ? std::vector<Value>(axes->items.begin(), axes->items.end())
                                                              : std::vector<Value>{}));
  }
  // reshape(a, newshape)
  const Value *shape = argument(call, 1, "newshape");
  if (!shape) shape = call.keyword("shape") ? &call.keyword("shape")->value : nullptr;  // NumPy 2
  std::optional<NewShape> to = shape ? newShapeOf(*shape) : std::nullopt;
  return to ? result(reshaped(*in, to->dims, to->infer), classesOf(*first)) : std::nullopt;
}

}  // namespace kiln
