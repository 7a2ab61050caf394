// pad(x, paddings) of TensorFlow (tf.pad: mode CONSTANT, REFLECT or
// SYMMETRIC) and keras.ops (pad_width, mode constant, reflect or
// symmetric): each padded axis becomes x between two blocks, constants or
// x's own mirror image (a reversed slice: REFLECT leaves the edge out,
// SYMMETRIC repeats it). On a model's tensor it is a layer of tensor math
// (tf.keras 2 names it after tf.compat.v1.pad, Keras 3 pad); inside a Lambda
// or a custom layer it is traced.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "sema/TensorOps.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace kiln {

namespace {

enum class PadMode { Constant, Reflect, Symmetric };

std::optional<int> pad(TensorProgram &program, int x, const std::vector<std::pair<int64_t, int64_t>> &paddings,
                       PadMode mode, float value, std::string &error) {
  const int rank = program.nodes[x].rank();
  const bool batched = program.nodes[x].batched;
  if (int(paddings.size()) != rank) {
    error = fmt::format("the paddings have {} rows for the {} axes of {}", paddings.size(), rank, program.shape(x));
    return std::nullopt;
  }
  int result = x;
  for (int axis = 0; axis < rank; ++axis) {
    auto [before, after] = paddings[size_t(axis)];
    if (before < 0 || after < 0) {
      error = fmt::format("the padding of axis {} is negative", axis);
      return std::nullopt;
    }
    if (before == 0 && after == 0) continue;
    if (batched && axis == 0) {
      error = "padding the batch axis is not supported; its paddings are [0, 0]";
      return std::nullopt;
    }
    int64_t n = program.nodes[result].dims[size_t(axis)];
    int64_t most = mode == PadMode::Reflect ? n - 1 : mode == PadMode::Symmetric ? n : kMaxConstantElements;
    if (std::max(before, after) > most) {
      error = fmt::format("{} padding of axis {} (size {}) takes at most {} on a side",
                          mode == PadMode::Reflect ? "REFLECT" : "SYMMETRIC", axis, n, most);
      return std::nullopt;
    }
    // `count` positions before (front) or after x on this axis.
    auto block = [&](int64_t count, bool front) -> std::optional<int> {
      if (mode == PadMode::Constant) {
        std::vector<int64_t> dims(program.nodes[result].dims.begin() + (batched ? 1 : 0), program.nodes[result].dims.end());
        dims[size_t(axis - (batched ? 1 : 0))] = count;
        int64_t elements = 1;
        for (int64_t d : dims) elements *= d;
        if (elements > kMaxConstantElements) {
          error = fmt::format("a padding block of {} elements; Kiln makes constants of up to {}", elements, kMaxConstantElements);
          return std::nullopt;
        }
        int c = program.constant(dims, std::vector<float>(size_t(elements), value));
        return batched ? program.broadcastBatch(c) : c;
      }
      int64_t edge = mode == PadMode::Reflect ? 1 : 0;  // the edge position left out
      std::vector<TensorProgram::Index> indexes(static_cast<size_t>(rank));
      TensorProgram::Index &i = indexes[size_t(axis)];
      i.step = -1;
      int64_t first = front ? count - 1 + edge : n - 1 - edge, stop = first - count;
      i.begin = first;
      if (stop >= 0) i.end = stop;  // else to the axis's start
      return program.subscript(result, indexes, -1, error);
    };
    std::vector<int> parts;
    if (before) {
      std::optional<int> b = block(before, true);
      if (!b) return std::nullopt;
      parts.push_back(*b);
    }
    parts.push_back(result);
    if (after) {
      std::optional<int> a = block(after, false);
      if (!a) return std::nullopt;
      parts.push_back(*a);
    }
    std::optional<int> joined = program.concatenate(parts, axis, error);
    if (!joined) return std::nullopt;
    result = *joined;
  }
  return result;
}

}  // namespace

std::optional<int> padWithZeros(TensorProgram &program, int x, const std::vector<std::pair<int64_t, int64_t>> &paddings,
                                std::string &error) {
  return pad(program, x, paddings, PadMode::Constant, 0.0f, error);
}

Value Evaluator::padTensor(CallSite &call, const std::string &what) {
  SourceRange r = call.range;
  const Value *x = nullptr, *paddings = nullptr, *modeValue = nullptr, *constant = nullptr;
  size_t positional = 0;
  for (const CallArgument &a : call.args) {
    const std::string &k = a.keyword;
    if (k == "tensor" || k == "x" || k == "input" || (k.empty() && positional == 0)) x = &a.value;
    else if (k == "paddings" || k == "pad_width" || (k.empty() && positional == 1)) paddings = &a.value;
    else if (k == "mode" || (k.empty() && positional == 2)) modeValue = &a.value;
    else if (k == "constant_values" || (k.empty() && positional == 3)) constant = &a.value;
    else if (k != "name") {
      diags_.report(DiagID::err_tensor_op, a.value.range, what, "unknown argument '" + k + "'");
      return Value::error(r);
    }
    if (k.empty()) ++positional;
  }
  if (!x || !paddings) {
    diags_.report(DiagID::err_missing_argument, r, what, !x ? "tensor" : "paddings");
    return Value::error(r);
  }
  if (!x->is(ValueKind::Tensor) && !x->is(ValueKind::Traced)) {
    diags_.report(DiagID::err_tensor_op, x->range, what, "pads a tensor, not " + describe(*x));
    return Value::error(r);
  }
  std::vector<std::pair<int64_t, int64_t>> widths;
  bool pairs = paddings->isSequence();
  for (const Value &row : paddings->items) {
    pairs = pairs && row.isSequence() && row.items.size() == 2 && row.items[0].isInteger() && row.items[1].isInteger();
    if (pairs) widths.push_back({row.items[0].asInt(), row.items[1].asInt()});
  }
  if (!pairs) {
    diags_.report(DiagID::err_tensor_op, paddings->range, what,
                  "the paddings are a [before, after] pair of integers per axis, not " + repr(*paddings));
    return Value::error(r);
  }
  PadMode mode = PadMode::Constant;
  if (modeValue && !modeValue->is(ValueKind::None)) {
    std::string name = modeValue->is(ValueKind::Str) ? modeValue->text : "";
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    if (name == "REFLECT") mode = PadMode::Reflect;
    else if (name == "SYMMETRIC") mode = PadMode::Symmetric;
    else if (name != "CONSTANT") {
      diags_.report(DiagID::err_tensor_op, modeValue->range, what,
                    "mode " + repr(*modeValue) + " is not supported; Kiln pads in the modes constant, reflect and symmetric");
      return Value::error(r);
    }
  }
  if (constant && !constant->is(ValueKind::None) && !constant->isNumber()) {
    diags_.report(DiagID::err_tensor_op, constant->range, what, "constant_values is a number, not " + describe(*constant));
    return Value::error(r);
  }
  float value = constant && constant->isNumber() ? float(constant->number()) : 0.0f;
  auto padded = [&](const Value &traced) -> Value {
    std::string error;
    std::optional<int> node = pad(*trace_, int(traced.integer), widths, mode, value, error);
    if (!node) {
      diags_.report(DiagID::err_tensor_op, r, what, error);
      return Value::error(r);
    }
    return this->traced(*node, r);
  };
  if (x->is(ValueKind::Traced)) return padded(*x);
  Value operand = *x;
  std::optional<Value> layer = onModelTensors("tf.compat.v1.pad", "pad", {&operand}, r, [&] { return padded(operand); });
  return layer ? *layer : Value::error(r);
}

}  // namespace kiln
