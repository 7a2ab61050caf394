// Tensor operations that are compositions of TensorProgram's primitives, and
// image resizing:
// broadcasts and repeats as strided copies (a stride of 0 reads an element
// again), statistics as reductions, products of two computed tensors as a
// broadcast multiply summed over the shared axis.
#include "graph/TensorProgram.h"

#include "kernels/KernelABI.h"

#include <fmt/format.h>

namespace kiln {

std::optional<int> TensorProgram::broadcastTo(int x, std::vector<int64_t> dims, std::string &error) {
  const TensorExpr &t = nodes[x];
  const bool batched = !dims.empty() && dims[0] == kNone;
  // A value without a batch axis whose leading axis of 1 meets the batch's
  // (a class token (1, 1, d) to (None, 1, d)) repeats for every sample.
  const bool leadingOne = !t.batched && batched && t.rank() == int64_t(dims.size()) && t.dims[0] == 1;
  const size_t first = batched ? 1 : 0, sourceFirst = t.batched || leadingOne ? 1 : 0;
  const int64_t rank = int64_t(dims.size() - first), sourceRank = int64_t(t.dims.size() - sourceFirst);
  auto fail = [&] {
    error = fmt::format("a tensor of shape {} does not broadcast to {}", shapeString(t.dims), shapeString(dims));
    return std::nullopt;
  };
  // A sample's axes line up with the target's after its batch axis only.
  if ((t.batched && (!batched || sourceRank != rank)) || sourceRank > rank) return fail();
  std::vector<int64_t> in = sampleStrides(t.dims, t.batched), strides;
  if (leadingOne) in.erase(in.begin());
  int64_t elements = 1;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t size = dims[first + i], j = i - (rank - sourceRank);
    if (size < 1) return fail();
    elements *= size;
    if (elements > kMaxConstantElements) {
      error = fmt::format("{} has more than {} elements per sample", shapeString(dims), kMaxConstantElements);
      return std::nullopt;
    }
    if (j >= 0 && t.dims[sourceFirst + j] == size) strides.push_back(in[j]);
    else if (j < 0 || t.dims[sourceFirst + j] == 1) strides.push_back(0);
    else return fail();
  }
  TensorExpr e{TensorExpr::Op::Copy, {x}, std::move(dims), batched};
  e.strides = std::move(strides);
  return add(std::move(e));
}

std::optional<int> TensorProgram::resize(int x, int64_t height, int64_t width, Interpolation interpolation,
                                         int64_t coordinates, std::string &error) {
  const TensorExpr &t = nodes[x];
  if (!t.batched || t.rank() != 4) {
    error = fmt::format("images of shape (None, height, width, channels) are expected, not {}", shapeString(t.dims));
    return std::nullopt;
  }
  if (height < 1 || width < 1 || height > (int64_t(1) << 40) / width / t.dims[3]) {
    error = fmt::format("a size of {} x {} for images of {} channels", height, width, t.dims[3]);
    return std::nullopt;
  }
  TensorExpr e{TensorExpr::Op::Resize, {x}, {kNone, height, width, t.dims[3]}, true};
  e.code = int32_t(interpolation);
  e.index = int(coordinates);
  return add(std::move(e));
}

std::optional<int> TensorProgram::filled(std::vector<int64_t> dims, double value, std::string &error) {
  return broadcastTo(scalar(value), std::move(dims), error);
}

std::optional<int> TensorProgram::repeatElements(int x, int64_t count, int64_t axis, std::string &error) {
  std::optional<int64_t> a = normalizeAxis(x, axis, error);
  if (!a) return std::nullopt;
  const TensorExpr &t = nodes[x];
  if (count < 1 || count > kMaxConstantElements / std::max<int64_t>(t.sampleElements(), 1)) {
    error = fmt::format("{} repeats of each element of {}", count, shapeString(t.dims));
    return std::nullopt;
  }
  // (..., n, count, ...) reading each element count times, then n * count.
  std::vector<int64_t> spread = t.dims, strides = sampleStrides(t.dims, t.batched), merged = t.dims;
  spread.insert(spread.begin() + *a + 1, count);
  strides.insert(strides.begin() + (*a + 1 - (t.batched ? 1 : 0)), 0);
  merged[*a] *= count;
  return reshape(copy(x, std::move(spread), 0, std::move(strides)), std::move(merged), error);
}

std::optional<std::pair<int, int>> TensorProgram::moments(int x, const std::vector<int64_t> &axes, bool keepdims,
                                                          std::string &error) {
  std::optional<int> mean = reduce(abi::kReduceMean, x, axes, true, error);
  std::optional<int> centered = mean ? binary(abi::kSubtract, x, *mean, error) : std::nullopt;
  std::optional<int> squares = centered ? unary(abi::kSquare, *centered, error) : std::nullopt;
  std::optional<int> variance = squares ? reduce(abi::kReduceMean, *squares, axes, keepdims, error) : std::nullopt;
  if (!variance) return std::nullopt;
  if (!keepdims) mean = reduce(abi::kReduceMean, *mean, axes, false, error);  // drops the axes of size 1
  return std::pair{*mean, *variance};
}

std::optional<int> TensorProgram::batchMatmul(int x, int y, std::string &error) {
  std::optional<int> xe = expandDims(x, -1, error);
  std::optional<int> ye = xe ? expandDims(y, -3, error) : std::nullopt;
  std::optional<int> product = ye ? binary(abi::kMultiply, *xe, *ye, error) : std::nullopt;
  return product ? reduce(abi::kReduceSum, *product, {-2}, false, error) : std::nullopt;
}

std::optional<int> TensorProgram::batchDot(int x, int y, int64_t xAxis, int64_t yAxis, std::string &error) {
  const TensorExpr a = nodes[x], b = nodes[y];  // copies: nodes grows below
  if (!a.batched || !b.batched || a.rank() < 2 || a.rank() > 3 || b.rank() < 2 || b.rank() > 3) {
    error = fmt::format("Kiln takes two tensors of the model of rank 2 or 3, batch axis included, not {} and {}",
                        shapeString(a.dims), shapeString(b.dims));
    return std::nullopt;
  }
  std::optional<int64_t> ax = normalizeAxis(x, xAxis, error);
  std::optional<int64_t> ay = ax ? normalizeAxis(y, yAxis, error) : std::nullopt;
  if (!ay) return std::nullopt;
  if (a.dims[*ax] != b.dims[*ay]) {
    error = fmt::format("axis {} of {} and axis {} of {} differ in size", *ax, shapeString(a.dims), *ay,
                        shapeString(b.dims));
    return std::nullopt;
  }
  // The output: x's axes but the summed one, then y's but its batch axis and the summed one.
  std::vector<int64_t> dims{kNone};
  for (int64_t i = 1; i < a.rank(); ++i)
    if (i != *ax) dims.push_back(a.dims[i]);
  for (int64_t i = 1; i < b.rank(); ++i)
    if (i != *ay) dims.push_back(b.dims[i]);
  if (dims.size() == 1) dims.push_back(1);  // Keras keeps rank 2 at least
  // As x (None, n, k) times y (None, k, m).
  std::optional<int> left = a.rank() == 2 ? expandDims(x, 1, error) : *ax == 1 ? transpose(x, {0, 2, 1}, error) : x;
  std::optional<int> right = !left ? std::nullopt
                             : b.rank() == 2 ? expandDims(y, 2, error)
                             : *ay == 2       ? transpose(y, {0, 2, 1}, error)
                                              : y;
  std::optional<int> product = right ? batchMatmul(*left, *right, error) : std::nullopt;
  return product ? reshape(*product, std::move(dims), error) : std::nullopt;
}

}  // namespace kiln
