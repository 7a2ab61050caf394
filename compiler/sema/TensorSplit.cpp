// split(x, ...) of TensorFlow and keras.ops: a tensor cut along one axis into
// a list of pieces (tf.split's sizes, or NumPy's indices for keras.ops), each
// a subscript of x; unstack(x, num, axis): the pieces of size 1 without that
// axis. On a model's tensors each piece is a layer of tensor math (tf.keras 2
// names them after tf.split, Keras 3 after split); inside a Lambda or a
// custom layer they are traced.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"

#include <algorithm>

namespace kiln {

Value Evaluator::splitTensor(const Builtin &builtin, CallSite &call, const std::string &what, bool unstack) {
  SourceRange r = call.range;
  bool numpy = builtin.detail.rfind("tensorflow", 0) != 0;  // keras.ops: indices_or_sections
  const Value *x = nullptr, *sections = nullptr, *axisValue = nullptr, *num = nullptr;
  size_t positional = 0;
  for (const CallArgument &a : call.args) {
    const std::string &k = a.keyword;
    if (k == "value" || k == "x" || k == "ary" || (k.empty() && positional == 0)) x = &a.value;
    else if (unstack && (k == "num" || (k.empty() && positional == 1))) num = &a.value;
    else if (!unstack && (k == "num_or_size_splits" || k == "indices_or_sections" || (k.empty() && positional == 1)))
      sections = &a.value;
    else if (k == "axis" || (k.empty() && positional == 2)) axisValue = &a.value;
    else if (k != "name" && k != "num") {
      diags_.report(DiagID::err_tensor_op, a.value.range, what, "unknown argument '" + k + "'");
      return Value::error(r);
    }
    if (k.empty()) ++positional;
  }
  if (!x || (!sections && !unstack)) {
    diags_.report(DiagID::err_missing_argument, r, what, !x ? "x" : numpy ? "indices_or_sections" : "num_or_size_splits");
    return Value::error(r);
  }
  if (!x->is(ValueKind::Tensor) && !x->is(ValueKind::Traced)) {
    diags_.report(DiagID::err_tensor_op, x->range, what, "splits a tensor, not " + describe(*x));
    return Value::error(r);
  }
  std::vector<Dim> dims = x->is(ValueKind::Tensor) ? x->tensor->type.dims : std::vector<Dim>{};
  if (x->is(ValueKind::Traced))
    for (int64_t d : x->program->nodes[x->integer].dims) dims.push_back(Dim(d));
  int64_t rank = int64_t(dims.size()), axis = axisValue && axisValue->isInteger() ? axisValue->asInt() : 0;
  if (axis < 0) axis += rank;
  if (axisValue && !axisValue->isInteger() && !axisValue->is(ValueKind::None)) {
    diags_.report(DiagID::err_tensor_op, axisValue->range, what, "the axis is an integer, not " + describe(*axisValue));
    return Value::error(r);
  }
  if (axis <= 0 || axis >= rank || !dims[axis].known()) {
    diags_.report(DiagID::err_tensor_op, r, what,
                  axis == 0 ? "axis 0 is the batch axis; Kiln splits the axes of each sample"
                            : "the split axis must be an axis of the input whose size is known at build time");
    return Value::error(r);
  }
  int64_t size = dims[axis].value();
  if (num && !num->is(ValueKind::None) && !(num->isInteger() && num->asInt() == size)) {
    diags_.report(DiagID::err_tensor_op, num->range, what,
                  "num is " + repr(*num) + " but the axis has " + std::to_string(size) + " entries");
    return Value::error(r);
  }
  // [begin, end) of each piece.
  std::vector<std::pair<int64_t, int64_t>> pieces;
  if (unstack) {
    for (int64_t i = 0; i < size; ++i) pieces.push_back({i, i + 1});
  } else if (sections->isInteger()) {
    int64_t n = sections->asInt();
    if (n < 1 || size % n != 0) {
      diags_.report(DiagID::err_tensor_op, sections->range, what,
                    "cannot cut an axis of " + std::to_string(size) + " into " + std::to_string(n) + " equal pieces");
      return Value::error(r);
    }
    for (int64_t i = 0; i < n; ++i) pieces.push_back({i * size / n, (i + 1) * size / n});
  } else if (sections->isSequence()) {
    std::vector<int64_t> values;
    for (const Value &v : sections->items) {
      if (!v.isInteger()) {
        diags_.report(DiagID::err_tensor_op, v.range, what, "the pieces are given by integers, not " + describe(v));
        return Value::error(r);
      }
      values.push_back(v.asInt());
    }
    if (numpy) {  // indices where pieces start, clamped as NumPy does
      int64_t begin = 0;
      for (int64_t index : values) {
        int64_t end = std::clamp(index < 0 ? index + size : index, begin, size);
        pieces.push_back({begin, end});
        begin = end;
      }
      pieces.push_back({begin, size});
    } else {  // sizes, one of which may be -1 (the rest)
      int64_t known = 0, rest = -1;
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] == -1 && rest < 0) rest = int64_t(i);
        else known += values[i];
      }
      if (rest >= 0) values[rest] = size - known;
      int64_t begin = 0, total = 0;
      for (int64_t v : values) total += v;
      if (total != size || std::any_of(values.begin(), values.end(), [](int64_t v) { return v < 0; })) {
        diags_.report(DiagID::err_tensor_op, sections->range, what,
                      "the sizes " + repr(*sections) + " do not add up to the axis's " + std::to_string(size));
        return Value::error(r);
      }
      for (int64_t v : values) {
        pieces.push_back({begin, begin + v});
        begin += v;
      }
    }
  } else {
    diags_.report(DiagID::err_tensor_op, sections->range, what,
                  "the pieces are a number or a list of integers, not " + describe(*sections));
    return Value::error(r);
  }
  // Piece [begin, end) of a traced tensor: x[:, ..., begin:end] on `axis`
  // (x[:, ..., begin] when unstacking).
  auto cut = [&](const Value &traced, int64_t begin, int64_t end) -> Value {
    std::vector<TensorProgram::Index> indexes(axis + 1);
    indexes[axis].begin = begin;
    indexes[axis].end = end;
    if (unstack) indexes[axis] = {TensorProgram::Index::Kind::Integer, begin};
    std::string error;
    std::optional<int> node = trace_->subscript(int(traced.integer), indexes, -1, error);
    if (!node) {
      diags_.report(DiagID::err_tensor_op, r, what, error);
      return Value::error(r);
    }
    return this->traced(*node, r);
  };
  std::vector<Value> out;
  for (auto [begin, end] : pieces) {
    if (x->is(ValueKind::Traced)) {
      out.push_back(cut(*x, begin, end));
    } else {
      Value operand = *x;
      std::optional<Value> piece =
          onModelTensors(unstack ? "tf.unstack" : "tf.split", unstack ? "unstack" : "split", {&operand}, r,
                         [&] { return cut(operand, begin, end); });
      out.push_back(piece ? *piece : Value::error(r));
    }
    if (out.back().is(ValueKind::Error)) return out.back();
  }
  return Value::ofList(std::move(out), r);
}

}  // namespace kiln
