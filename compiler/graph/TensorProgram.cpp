// Shape rules of the tensor operations a Lambda or custom layer traces:
// NumPy broadcasting, TensorFlow's axis conventions, Python indexing.
#include "graph/TensorProgram.h"

#include "kernels/KernelABI.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace kiln {

int64_t TensorExpr::sampleElements() const {
  int64_t n = 1;
  for (size_t i = batched ? 1 : 0; i < dims.size(); ++i) n *= dims[i];
  return n;
}

std::vector<int64_t> sampleStrides(const std::vector<int64_t> &dims, bool batched) {
  size_t first = batched ? 1 : 0;
  std::vector<int64_t> strides(dims.size() - first, 1);
  for (size_t i = strides.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i + first];
  return strides;
}

std::string TensorProgram::shape(int node) const { return shapeString(nodes[node].dims); }

int TensorProgram::add(TensorExpr e) {
  nodes.push_back(std::move(e));
  return int(nodes.size()) - 1;
}

int TensorProgram::input(int index, std::vector<int64_t> dims, bool batched, bool int32) {
  TensorExpr e{TensorExpr::Op::Input};
  e.index = index;
  e.code = int32 ? 1 : 0;
  e.dims = std::move(dims);
  e.batched = batched;
  return add(std::move(e));
}

int TensorProgram::weight(WeightSpec spec) {
  TensorExpr e{TensorExpr::Op::Weight};
  e.index = int(weights.size());
  e.dims = spec.shape;
  e.batched = false;
  weights.push_back(std::move(spec));
  return add(std::move(e));
}

int TensorProgram::scalar(double value) {
  TensorExpr e{TensorExpr::Op::Scalar};
  e.value = float(value);
  e.batched = false;
  return add(std::move(e));
}

int TensorProgram::constant(std::vector<int64_t> dims, std::vector<float> values) {
  TensorExpr e{TensorExpr::Op::Constant, {}, std::move(dims), false};
  e.values = std::move(values);
  return add(std::move(e));
}

int TensorProgram::broadcastBatch(int x) {
  std::vector<int64_t> dims{kNone};
  dims.insert(dims.end(), nodes[x].dims.begin(), nodes[x].dims.end());
  TensorExpr e{TensorExpr::Op::Copy, {x}, std::move(dims), true};
  e.strides = sampleStrides(nodes[x].dims, false);
  return add(std::move(e));
}

TensorProgram TensorProgram::extract(int node) const {
  std::vector<bool> needed(nodes.size(), false);
  needed[node] = true;
  for (int i = node; i >= 0; --i)
    if (needed[i])
      for (int o : nodes[i].operands) needed[o] = true;
  TensorProgram out;
  std::vector<int> renumbered(nodes.size(), -1);
  for (int i = 0; i <= node; ++i) {
    if (!needed[i]) continue;
    TensorExpr e = nodes[i];
    for (int &o : e.operands) o = renumbered[o];
    if (e.op == TensorExpr::Op::Weight) {
      e.index = int(out.weights.size());
      out.weights.push_back(weights[nodes[i].index]);
    }
    renumbered[i] = out.add(std::move(e));
  }
  out.outputs = {renumbered[node]};
  return out;
}

std::optional<int> TensorProgram::unary(int32_t op, int x, std::string &) {
  TensorExpr e{TensorExpr::Op::Unary, {x}, nodes[x].dims, nodes[x].batched};
  e.code = op;
  return add(std::move(e));
}

int TensorProgram::activate(int32_t act, int x, float alpha, float maxValue, float threshold) {
  TensorExpr e{TensorExpr::Op::Activate, {x}, nodes[x].dims, nodes[x].batched};
  e.code = act;
  e.value = alpha;
  e.maxValue = maxValue;
  e.threshold = threshold;
  return add(std::move(e));
}

namespace {

// NumPy's broadcast of shapes aligned at their last axes; a batch axis must
// meet a batch axis (or a 1) at axis 0 of the result.
std::optional<std::vector<int64_t>> broadcast(const std::vector<const TensorExpr *> &xs, std::string &error) {
  int rank = 0;
  for (const TensorExpr *x : xs) rank = std::max(rank, x->rank());
  std::vector<int64_t> dims(rank, 1);
  auto describeAll = [&] {
    std::string s;
    for (const TensorExpr *x : xs) s += (s.empty() ? "" : " and ") + shapeString(x->dims);
    return s;
  };
  for (const TensorExpr *x : xs) {
    if (x->batched && x->rank() < rank) {
      error = fmt::format("shapes {} do not broadcast: the batch axis of {} would meet axis {} of another operand",
                          describeAll(), shapeString(x->dims), rank - x->rank());
      return std::nullopt;
    }
    for (int i = 0; i < x->rank(); ++i) {
      int64_t &d = dims[rank - x->rank() + i];
      int64_t e = x->dims[i];
      if (e == d || e == 1) continue;
      if (d != 1) {
        error = fmt::format("shapes {} do not broadcast (axis {})", describeAll(), rank - x->rank() + i);
        return std::nullopt;
      }
      d = e;
    }
  }
  return dims;
}

}  // namespace

std::optional<int> TensorProgram::binary(int32_t op, int x, int y, std::string &error) {
  auto dims = broadcast({&nodes[x], &nodes[y]}, error);
  if (!dims) return std::nullopt;
  TensorExpr e{TensorExpr::Op::Binary, {x, y}, *dims, nodes[x].batched || nodes[y].batched};
  e.code = op;
  return add(std::move(e));
}

std::optional<int> TensorProgram::select(int condition, int x, int y, std::string &error) {
  auto dims = broadcast({&nodes[condition], &nodes[x], &nodes[y]}, error);
  if (!dims) return std::nullopt;
  bool batched = nodes[condition].batched || nodes[x].batched || nodes[y].batched;
  return add(TensorExpr{TensorExpr::Op::Select, {condition, x, y}, *dims, batched});
}

std::optional<int64_t> TensorProgram::normalizeAxis(int x, int64_t axis, std::string &error, int extra) const {
  const TensorExpr &t = nodes[x];
  int64_t rank = t.rank() + extra;
  if (axis < -rank || axis >= rank) {
    error = fmt::format("axis {} is out of range for a tensor of shape {}", axis, shapeString(t.dims));
    return std::nullopt;
  }
  if (axis < 0) axis += rank;
  if (t.batched && axis == 0) {
    error = fmt::format("axis 0 of {} is the batch axis; Kiln computes each sample on its own, so an operation "
                        "across samples is not supported",
                        shapeString(t.dims));
    return std::nullopt;
  }
  return axis;
}

std::optional<int> TensorProgram::reduce(int32_t op, int x, std::vector<int64_t> axes, bool keepdims,
                                         std::string &error) {
  if (axes.empty())
    for (int64_t a = nodes[x].batched ? 1 : 0; a < nodes[x].rank(); ++a) axes.push_back(a);
  for (int64_t &a : axes) {
    auto n = normalizeAxis(x, a, error);
    if (!n) return std::nullopt;
    a = *n;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  // One axis at a time; a mean of equal-sized means is the mean.
  int node = x;
  for (int64_t a : axes) {
    TensorExpr e{TensorExpr::Op::Reduce, {node}, nodes[node].dims, nodes[node].batched};
    e.dims[a] = 1;
    e.code = op;
    e.index = int(a);
    node = add(std::move(e));
  }
  if (keepdims) return node;
  std::vector<int64_t> dims;
  for (int64_t a = 0; a < nodes[node].rank(); ++a)
    if (!std::count(axes.begin(), axes.end(), a)) dims.push_back(nodes[node].dims[a]);
  return copy(node, dims, 0, sampleStrides(dims, nodes[node].batched));
}

std::optional<int> TensorProgram::softmax(int x, int64_t axis, bool logarithm, std::string &error) {
  auto a = normalizeAxis(x, axis, error);
  if (!a) return std::nullopt;
  TensorExpr e{TensorExpr::Op::Softmax, {x}, nodes[x].dims, nodes[x].batched};
  e.index = int(*a);
  e.code = logarithm;
  return add(std::move(e));
}

// tf.math.l2_normalize: x * rsqrt(max(sum(x^2, axes, keepdims), 1e-12)).
std::optional<int> TensorProgram::l2Normalize(int x, std::vector<int64_t> axes, std::string &error) {
  std::optional<int> squares = unary(abi::kSquare, x, error);
  std::optional<int> sum = reduce(abi::kReduceSum, *squares, std::move(axes), true, error);
  if (!sum) return std::nullopt;
  std::optional<int> bounded = binary(abi::kMaximum, *sum, scalar(1e-12), error);
  std::optional<int> inverse = unary(abi::kRsqrt, *bounded, error);
  return binary(abi::kMultiply, x, *inverse, error);
}

int TensorProgram::copy(int x, std::vector<int64_t> dims, int64_t offset, std::vector<int64_t> strides) {
  TensorExpr e{TensorExpr::Op::Copy, {x}, std::move(dims), nodes[x].batched};
  e.offset = offset;
  e.strides = std::move(strides);
  return add(std::move(e));
}

std::optional<int> TensorProgram::transpose(int x, std::vector<int64_t> perm, std::string &error) {
  const TensorExpr &t = nodes[x];
  if (perm.empty())
    for (int64_t a = t.rank() - 1; a >= 0; --a) perm.push_back(a);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < int64_t(sorted.size()); ++i)
    if (sorted[i] != i || int64_t(perm.size()) != t.rank()) {
      error = fmt::format("the permutation must order all {} axes of {}", t.rank(), shapeString(t.dims));
      return std::nullopt;
    }
  if (t.batched && perm[0] != 0) {
    error = fmt::format("the permutation moves the batch axis of {}; it must start with 0", shapeString(t.dims));
    return std::nullopt;
  }
  size_t first = t.batched ? 1 : 0;
  std::vector<int64_t> in = sampleStrides(t.dims, t.batched), dims(t.rank()), strides;
  for (size_t i = 0; i < perm.size(); ++i) {
    dims[i] = t.dims[perm[i]];
    if (i >= first) strides.push_back(in[perm[i] - first]);
  }
  return copy(x, dims, 0, strides);
}

std::optional<int> TensorProgram::reshape(int x, std::vector<int64_t> dims, std::string &error) {
  const TensorExpr &t = nodes[x];
  size_t first = 0;
  if (t.batched) {
    if (dims.empty() || (dims[0] != -1 && dims[0] != kNone)) {
      error = fmt::format("the new shape of {} must keep the batch axis first (-1 or None)", shapeString(t.dims));
      return std::nullopt;
    }
    dims[0] = kNone;
    first = 1;
  }
  int64_t known = 1, inferred = -1;
  for (size_t i = first; i < dims.size(); ++i) {
    if (dims[i] == -1 && inferred < 0) inferred = int64_t(i);
    else if (dims[i] >= 1) known *= dims[i];
    else {
      error = fmt::format("size {} in the new shape {} is not a positive size", dims[i], shapeString(dims));
      return std::nullopt;
    }
  }
  if (inferred >= 0 && known > 0 && t.sampleElements() % known == 0) dims[inferred] = t.sampleElements() / known;
  TensorExpr probe{TensorExpr::Op::Copy, {}, dims, t.batched};
  if (inferred >= 0 ? dims[inferred] == -1 : probe.sampleElements() != t.sampleElements()) {
    error = fmt::format("a tensor of shape {} cannot be reshaped to {}", shapeString(t.dims), shapeString(dims));
    return std::nullopt;
  }
  return copy(x, dims, 0, sampleStrides(dims, t.batched));
}

std::optional<int> TensorProgram::expandDims(int x, int64_t axis, std::string &error) {
  auto a = normalizeAxis(x, axis, error, 1);
  if (!a) return std::nullopt;
  std::vector<int64_t> dims = nodes[x].dims;
  dims.insert(dims.begin() + *a, 1);
  return copy(x, dims, 0, sampleStrides(dims, nodes[x].batched));
}

std::optional<int> TensorProgram::squeeze(int x, std::optional<int64_t> axis, std::string &error) {
  const TensorExpr &t = nodes[x];
  std::vector<int64_t> dims;
  if (axis) {
    auto a = normalizeAxis(x, *axis, error);
    if (!a) return std::nullopt;
    if (t.dims[*a] != 1) {
      error = fmt::format("axis {} of {} has size {}, not 1", *axis, shapeString(t.dims), t.dims[*a]);
      return std::nullopt;
    }
    dims = t.dims;
    dims.erase(dims.begin() + *a);
  } else {
    for (int i = 0; i < t.rank(); ++i)
      if (t.dims[i] != 1) dims.push_back(t.dims[i]);
  }
  return copy(x, dims, 0, sampleStrides(dims, t.batched));
}

std::optional<int> TensorProgram::concatenate(const std::vector<int> &xs, int64_t axis, std::string &error) {
  if (xs.empty()) {
    error = "nothing to concatenate";
    return std::nullopt;
  }
  auto a = normalizeAxis(xs[0], axis, error);
  if (!a) return std::nullopt;
  TensorExpr e{TensorExpr::Op::Concat, xs, nodes[xs[0]].dims, nodes[xs[0]].batched};
  e.index = int(*a);
  e.dims[*a] = 0;
  for (int x : xs) {
    const TensorExpr &t = nodes[x];
    bool fits = t.rank() == e.rank() && t.batched == e.batched;
    for (int i = 0; fits && i < t.rank(); ++i) fits = i == *a || t.dims[i] == nodes[xs[0]].dims[i];
    if (!fits) {
      error = fmt::format("shapes {} and {} do not fit together along axis {}", shapeString(nodes[xs[0]].dims),
                          shapeString(t.dims), axis);
      return std::nullopt;
    }
    e.dims[*a] += t.dims[*a];
  }
  return add(std::move(e));
}

std::optional<int> TensorProgram::stack(const std::vector<int> &xs, int64_t axis, std::string &error) {
  std::vector<int> expanded;
  for (int x : xs) {
    auto e = expandDims(x, axis, error);
    if (!e) return std::nullopt;
    expanded.push_back(*e);
  }
  return concatenate(expanded, axis, error);
}

std::optional<int> TensorProgram::extractPatches(int x, int64_t rows, int64_t cols, std::string &error) {
  const TensorExpr &t = nodes[x];
  if (!t.batched || t.rank() != 4) {
    error = fmt::format("images of shape (None, height, width, channels) are expected, not {}", shapeString(t.dims));
    return std::nullopt;
  }
  if (rows < 1 || cols < 1 || rows > t.dims[1] || cols > t.dims[2]) {
    error = fmt::format("patches of {}x{} do not fit in images of shape {}", rows, cols, shapeString(t.dims));
    return std::nullopt;
  }
  // (None, H / rows, W / cols, rows, cols, C), read in place (a row or
  // column left over is not read), then each patch as one axis.
  int64_t nh = t.dims[1] / rows, nw = t.dims[2] / cols, c = t.dims[3];
  std::vector<int64_t> in = sampleStrides(t.dims, true);
  int grid = copy(x, {kNone, nh, nw, rows, cols, c}, 0, {rows * in[0], cols * in[1], in[0], in[1], in[2]});
  return reshape(grid, {kNone, nh, nw, rows * cols * c}, error);
}

std::optional<int> TensorProgram::matmul(int x, int w, std::string &error) {
  const TensorExpr &a = nodes[x], &b = nodes[w];
  if (b.batched || b.rank() != 2 || a.dims.back() != b.dims[0]) {
    error = b.batched || b.rank() != 2
                ? fmt::format("the right operand {} must be a matrix without a batch axis (a weight)", shapeString(b.dims))
                : fmt::format("shapes {} and {} do not multiply: {} != {}", shapeString(a.dims), shapeString(b.dims),
                              a.dims.back(), b.dims[0]);
    return std::nullopt;
  }
  TensorExpr e{TensorExpr::Op::MatMul, {x, w}, a.dims, a.batched};
  e.dims.back() = b.dims[1];
  return add(std::move(e));
}

std::optional<int> TensorProgram::subscript(int x, std::vector<Index> indexes, int ellipsis, std::string &error) {
  const TensorExpr &t = nodes[x];
  int consumed = 0;
  for (const Index &i : indexes) consumed += i.kind != Index::Kind::NewAxis;
  if (consumed > t.rank()) {
    error = fmt::format("too many indexes for a tensor of shape {}", shapeString(t.dims));
    return std::nullopt;
  }
  Index all;
  indexes.insert(ellipsis >= 0 ? indexes.begin() + ellipsis : indexes.end(), size_t(t.rank() - consumed), all);
  std::vector<int64_t> in = sampleStrides(t.dims, t.batched), dims, strides;
  int64_t offset = 0;
  int axis = 0;
  for (const Index &i : indexes) {
    if (i.kind == Index::Kind::NewAxis) {
      if (t.batched && axis == 0) {
        error = "a new axis before the batch axis is not supported";
        return std::nullopt;
      }
      dims.push_back(1);
      strides.push_back(0);
      continue;
    }
    int64_t n = t.dims[axis];
    if (t.batched && axis == 0) {
      if (i.kind != Index::Kind::Slice || i.begin || i.end || i.step != 1) {
        error = fmt::format("indexing the batch axis of {} is not supported; take every sample with ':'",
                            shapeString(t.dims));
        return std::nullopt;
      }
      dims.push_back(kNone);
      ++axis;
      continue;
    }
    int64_t stride = in[axis - (t.batched ? 1 : 0)];
    if (i.kind == Index::Kind::Integer) {
      int64_t k = i.start < 0 ? i.start + n : i.start;
      if (k < 0 || k >= n) {
        error = fmt::format("index {} is out of range for axis {} of size {}", i.start, axis, n);
        return std::nullopt;
      }
      offset += k * stride;
      ++axis;
      continue;
    }
    int64_t step = i.step, start, stop, count;
    auto clampIndex = [&](int64_t v, int64_t low, int64_t high) { return std::clamp(v < 0 ? v + n : v, low, high); };
    if (step > 0) {
      start = i.begin ? clampIndex(*i.begin, 0, n) : 0;
      stop = i.end ? clampIndex(*i.end, 0, n) : n;
      count = stop > start ? (stop - start + step - 1) / step : 0;
    } else {
      start = i.begin ? clampIndex(*i.begin, -1, n - 1) : n - 1;
      stop = i.end ? clampIndex(*i.end, -1, n - 1) : -1;
      count = start > stop ? (start - stop - step - 1) / -step : 0;
    }
    if (count == 0) {
      error = fmt::format("the slice of axis {} (size {}) is empty", axis, n);
      return std::nullopt;
    }
    offset += start * stride;
    dims.push_back(count);
    strides.push_back(step * stride);
    ++axis;
  }
  return copy(x, dims, offset, strides);
}

}  // namespace kiln
