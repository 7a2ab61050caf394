// The tensor math of a Lambda layer or of a custom layer's call(), traced at
// build time into a small graph of tensor operations with shapes: the
// inputs, the layer's weights, scalars and constants (ops.arange) at the leaves; elementwise
// operations with NumPy broadcasting, reductions over one axis, softmax,
// strided copies (slices, transposes, reshapes), concatenation and products
// with a weight matrix inside. The layer's lowering runs it with the
// kernels of kernels/TensorExpr.cpp, fusing elementwise chains.
#pragma once

#include "graph/Graph.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

// The largest constant a layer's code may compute (its elements are data of the object file).
constexpr int64_t kMaxConstantElements = int64_t(1) << 24;

struct TensorExpr {
  enum class Op {
    Input, Weight, Scalar, Constant, Unary, Binary, Select, Activate, Reduce, Softmax, Copy, Concat, MatMul, Resize
  };
  Op op;
  std::vector<int> operands;
  // The shape: with the batch axis first (kNone) when `batched`; weights,
  // scalars, constants and what is computed from them alone have no batch axis.
  std::vector<int64_t> dims;
  bool batched = true;
  int32_t code = 0;   // Unary: abi::UnaryOp; Binary: abi::BinaryOp; Activate: abi::Activation;
                      // Reduce: abi::ReduceOp; Softmax: 1 for log_softmax; Input: 1 for int32 values;
                      // Resize: the Interpolation
  int index = 0;      // Input: input number; Weight: weight number; Reduce, Softmax, Concat: axis;
                      // Resize: abi::ResizeCoordinates
  float value = 0;    // Scalar; Activate: alpha
  float maxValue = -1, threshold = 0;  // Activate (kReluClipped)
  // Copy: the element of the operand for each output index, as an offset
  // and per-sample strides over the output's axes (a view of its sample).
  int64_t offset = 0;
  std::vector<int64_t> strides;
  std::vector<float> values;  // Constant: its elements, row-major

  TensorExpr(Op op, std::vector<int> operands = {}, std::vector<int64_t> dims = {}, bool batched = true)
      : op(op), operands(std::move(operands)), dims(std::move(dims)), batched(batched) {}
  int rank() const { return int(dims.size()); }
  bool operator==(const TensorExpr &) const = default;
  // Elements per sample (all elements without a batch axis).
  int64_t sampleElements() const;
  bool elementwise() const { return op == Op::Unary || op == Op::Binary || op == Op::Select || op == Op::Activate; }
};

class TensorProgram {
public:
  std::vector<TensorExpr> nodes;
  std::vector<int> outputs;
  std::vector<WeightSpec> weights;  // a custom layer's add_weight() calls, in order
  // Leading open axes (after the batch) of every input, folded into the
  // batch: the program runs on rows of batch x their sizes. Only for
  // elementwise programs, whose values do not depend on a row's position.
  int foldedAxes = 0;

  // Each builder returns the new node, or nothing with `error` set to what
  // is wrong ("shapes (None, 3) and (None, 4) do not broadcast").
  // An int32 input (token ids) is read as float32: exact up to 2^24.
  int input(int index, std::vector<int64_t> dims, bool batched = true, bool int32 = false);
  int weight(WeightSpec spec);
  int scalar(double value);
  int constant(std::vector<int64_t> dims, std::vector<float> values);
  // A value without a batch axis repeated for every sample.
  int broadcastBatch(int x);
  std::optional<int> unary(int32_t op, int x, std::string &error);
  std::optional<int> binary(int32_t op, int x, int y, std::string &error);
  std::optional<int> select(int condition, int x, int y, std::string &error);
  int activate(int32_t act, int x, float alpha = 0, float maxValue = -1, float threshold = 0);
  // Over `axes` (negative counts from the end; none: every axis but the batch axis).
  std::optional<int> reduce(int32_t op, int x, std::vector<int64_t> axes, bool keepdims, std::string &error);
  std::optional<int> softmax(int x, int64_t axis, bool logarithm, std::string &error);
  std::optional<int> l2Normalize(int x, std::vector<int64_t> axes, std::string &error);
  std::optional<int> transpose(int x, std::vector<int64_t> perm, std::string &error);
  // dims with the batch axis first; -1 in one axis is inferred.
  std::optional<int> reshape(int x, std::vector<int64_t> dims, std::string &error);
  std::optional<int> expandDims(int x, int64_t axis, std::string &error);
  std::optional<int> squeeze(int x, std::optional<int64_t> axis, std::string &error);
  std::optional<int> concatenate(const std::vector<int> &xs, int64_t axis, std::string &error);
  std::optional<int> stack(const std::vector<int> &xs, int64_t axis, std::string &error);
  std::optional<int> matmul(int x, int w, std::string &error);
  // Channels_last images (None, H, W, C) resized to height x width, as
  // tf.image.resize computes them.
  enum class Interpolation { Bilinear, Nearest, Area };
  std::optional<int> resize(int x, int64_t height, int64_t width, Interpolation interpolation, int64_t coordinates,
                            std::string &error);
  // Composites of the above (TensorComposites.cpp). NumPy's broadcast of x
  // to dims (the batch axis first, kNone, for one per sample):
  std::optional<int> broadcastTo(int x, std::vector<int64_t> dims, std::string &error);
  // dims (as broadcastTo's) holding value everywhere.
  std::optional<int> filled(std::vector<int64_t> dims, double value, std::string &error);
  // Each element `count` times along axis (K.repeat_elements, tf.repeat).
  std::optional<int> repeatElements(int x, int64_t count, int64_t axis, std::string &error);
  // The mean and the variance over axes (tf.nn.moments).
  std::optional<std::pair<int, int>> moments(int x, const std::vector<int64_t> &axes, bool keepdims, std::string &error);
  // x[..., M, K] times y[..., K, N] for two computed tensors.
  std::optional<int> batchMatmul(int x, int y, std::string &error);
  // tf.einsum / keras.ops.einsum: the product of the operands over the
  // equation's letters, summed over those not in its output.
  std::optional<int> einsum(const std::string &equation, const std::vector<int> &operands, std::string &error);
  // K.batch_dot: per sample, x summed with y over x's axis xAxis and y's yAxis.
  std::optional<int> batchDot(int x, int y, int64_t xAxis, int64_t yAxis, std::string &error);
  // Non-overlapping rows x cols patches of channels-last images, each
  // flattened (row, column, channel): (None, H / rows, W / cols, rows * cols * C).
  std::optional<int> extractPatches(int x, int64_t rows, int64_t cols, std::string &error);
  // Python indexing x[...]: per index, an integer, a slice or a new axis;
  // one `...` at most (`ellipsis` its position, else -1).
  struct Index {
    enum class Kind { Integer, Slice, NewAxis } kind = Kind::Slice;
    int64_t start = 0;  // Integer
    std::optional<int64_t> begin = std::nullopt, end = std::nullopt;  // Slice
    int64_t step = 1;
  };
  std::optional<int> subscript(int x, std::vector<Index> indexes, int ellipsis, std::string &error);

  // "(None, 3)"
  std::string shape(int node) const;
  // A program of `node` and what it is computed from, which is its one output.
  TensorProgram extract(int node) const;
  // axis in [0, rank) from a Python axis; an error for the batch axis.
  std::optional<int64_t> normalizeAxis(int x, int64_t axis, std::string &error, int extra = 0) const;

private:
  int add(TensorExpr e);
  int copy(int x, std::vector<int64_t> dims, int64_t offset, std::vector<int64_t> strides);
};

// Row-major strides of `dims` (the per-sample part when `batched`).
std::vector<int64_t> sampleStrides(const std::vector<int64_t> &dims, bool batched);

}  // namespace kiln
