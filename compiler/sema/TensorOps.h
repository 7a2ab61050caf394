// The tensor functions Kiln traces in Lambda and custom layers: each one's
// family (what it computes, TensorFamilies.cpp) and code, and its arguments
// bound to the family's parameters.
#pragma once

#include "sema/Evaluator.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

enum class Family {
  Unary, Binary, Activation, Reduce, Softmax, Clip, L2Normalize, Concatenate, Stack, ExpandDims, Squeeze, Reshape,
  Transpose, MatMul, Where, Cast, Shape, Range, Patches, Tile, Constant, BiasAdd, PixelShuffle, Split, Pad, OneHot,
  FillLike, Fill, BroadcastTo, Repeat, Moments, BatchDot, Resize, AddN, Slice, Roll, Band, Reverse, Einsum,
};

struct TensorOp {
  const char *name;
  Family family;
  int32_t code;
};

const TensorOp *findOp(std::string_view name);

// A tensor function's arguments, bound by position or by any of the names
// the libraries give each of its family's parameters (parameterNames). The
// readers report an argument of the wrong kind, and then return nothing.
struct TensorArgs {
  using Names = std::vector<const char *>;
  DiagnosticEngine &diags;
  const CallSite &call;
  std::string what;  // the function as written: K.sum, tf.math.abs
  std::vector<Names> params;
  std::vector<const Value *> values;                           // one per parameter; null if not given
  std::function<std::optional<int>(const Value &)> operandOf;  // a tensor's node in the traced program
  // The open axes folded out of the operands' rows (TensorProgram::foldedAxes):
  // an axis the code gives counts them, so integer() and integers() give an
  // axis parameter's values as axes of the rows, and refuse the open axes.
  int foldedAxes = 0;
  int rowRank = 0;  // the rows' rank, the batch axis included (one more for ExpandDims's new axis)

  // False after reporting an argument no parameter takes, or a missing first one.
  bool bind();
  const Value *operator[](size_t i) const { return values[i]; }
  bool given(size_t i) const { return i < values.size() && values[i] && !values[i]->is(ValueKind::None); }
  std::optional<int64_t> integer(size_t i, int64_t fallback) const;
  std::optional<int64_t> rowAxis(size_t i, int64_t axis) const;
  std::optional<double> number(size_t i, double fallback) const;
  std::optional<std::vector<int64_t>> integers(size_t i) const;  // a size or a list of them (None: kNone)
  std::optional<int> operand(size_t i) const;
  std::optional<std::vector<int>> operands(size_t i) const;
};

// The parameters of `op`'s family: the names each argument may be passed by.
std::vector<TensorArgs::Names> parameterNames(const TensorOp &op);

// x with zeros before and after each axis (TensorPad.cpp).
std::optional<int> padWithZeros(TensorProgram &program, int x, const std::vector<std::pair<int64_t, int64_t>> &paddings,
                                std::string &error);

}  // namespace kiln
