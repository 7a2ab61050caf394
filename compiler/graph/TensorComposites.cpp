// Tensor operations that are compositions of TensorProgram's primitives, and
// image resizing:
// broadcasts and repeats as strided copies (a stride of 0 reads an element
// again), statistics as reductions, products of two computed tensors as a
// broadcast multiply summed over the shared axis.
#include "graph/TensorProgram.h"

#include "kernels/KernelABI.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

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

namespace {

// An einsum equation's terms with "..." spelled out: the k-th axis from the
// right that an ellipsis covers is the letter '0' + k (no Python name).
struct EinsumTerms {
  std::vector<std::string> inputs;
  std::string output;
};

std::string ellipsisLetters(int64_t axes) {
  std::string letters;
  for (int64_t k = axes - 1; k >= 0; --k) letters += char('0' + k);
  return letters;
}

std::optional<std::string> expandEllipsis(const std::string &term, int64_t rank, std::string &error) {
  const size_t at = term.find("...");
  if (at == std::string::npos) return term;
  if (term.find("...", at + 3) != std::string::npos) {
    error = fmt::format("'{}' has more than one '...'", term);
    return std::nullopt;
  }
  const std::string left = term.substr(0, at), right = term.substr(at + 3);
  const int64_t covered = rank - int64_t(left.size() + right.size());
  if (covered < 0 || covered > 10) {
    error = fmt::format("'{}' does not fit an operand of rank {}", term, rank);
    return std::nullopt;
  }
  return left + ellipsisLetters(covered) + right;
}

std::optional<EinsumTerms> parseEinsum(std::string equation, const std::vector<int64_t> &ranks, std::string &error) {
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  const size_t arrow = equation.find("->");
  const std::string lhs = equation.substr(0, arrow);
  EinsumTerms terms;
  for (size_t begin = 0;;) {
    const size_t comma = lhs.find(',', begin);
    terms.inputs.push_back(lhs.substr(begin, comma - begin));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  if (terms.inputs.size() != ranks.size()) {
    error = fmt::format("the equation names {} operands, the call gives {}", terms.inputs.size(), ranks.size());
    return std::nullopt;
  }
  int64_t ellipsisAxes = 0;
  for (size_t i = 0; i < ranks.size(); ++i) {
    for (char c : terms.inputs[i])
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != '.') {
        error = fmt::format("'{}' is not an axis letter", c);
        return std::nullopt;
      }
    std::optional<std::string> term = expandEllipsis(terms.inputs[i], ranks[i], error);
    if (!term) return std::nullopt;
    if (int64_t(term->size()) != ranks[i]) {
      error = fmt::format("'{}' names {} axes of an operand of rank {}", terms.inputs[i], term->size(), ranks[i]);
      return std::nullopt;
    }
    for (char c : *term)
      if (std::isdigit(static_cast<unsigned char>(c))) ellipsisAxes = std::max<int64_t>(ellipsisAxes, c - '0' + 1);
    terms.inputs[i] = *term;
  }
  if (arrow != std::string::npos) {
    // "..." in the output: as many axes as the operands' widest ellipsis.
    std::string rhs = equation.substr(arrow + 2);
    if (const size_t at = rhs.find("..."); at != std::string::npos) {
      rhs = rhs.substr(0, at) + ellipsisLetters(ellipsisAxes) + rhs.substr(at + 3);
    }
    terms.output = rhs;
  } else {
    // NumPy's implicit output: the ellipsis's axes, then the letters that
    // appear once, in alphabetical order.
    std::map<char, int> count;
    for (const std::string &t : terms.inputs)
      for (char c : t) ++count[c];
    terms.output = ellipsisLetters(ellipsisAxes);
    for (const auto &[c, n] : count)
      if (n == 1 && std::isalpha(static_cast<unsigned char>(c))) terms.output += c;
  }
  return terms;
}

}  // namespace

std::optional<int> TensorProgram::einsum(const std::string &equation, const std::vector<int> &operands,
                                         std::string &error) {
  std::vector<int64_t> ranks;
  for (int x : operands) ranks.push_back(nodes[x].rank());
  std::optional<EinsumTerms> terms = parseEinsum(equation, ranks, error);
  if (!terms) return std::nullopt;
  // Each letter's size (kNone for the batch axis); an ellipsis's axes broadcast.
  std::map<char, int64_t> size;
  char batchLetter = 0;
  for (size_t i = 0; i < operands.size(); ++i) {
    const std::string &term = terms->inputs[i];
    const TensorExpr &t = nodes[operands[i]];
    for (size_t axis = 0; axis < term.size(); ++axis) {
      const char c = term[axis];
      if (term.find(c) != axis) {
        error = fmt::format("'{}' repeats '{}' (a diagonal), which Kiln does not compute", term, c);
        return std::nullopt;
      }
      if (t.batched && axis == 0) {
        if (batchLetter && batchLetter != c) {
          error = "the operands' batch axes must have one letter";
          return std::nullopt;
        }
        batchLetter = c;
      }
      auto [it, fresh] = size.emplace(c, t.dims[axis]);
      if (fresh || it->second == t.dims[axis]) continue;
      if (std::isdigit(static_cast<unsigned char>(c)) && (it->second == 1 || t.dims[axis] == 1)) {
        if (it->second == 1) it->second = t.dims[axis];
        continue;
      }
      error = fmt::format("'{}' is {} in one operand and {} in another", c, it->second == kNone ? "None" :
                          std::to_string(it->second), t.dims[axis] == kNone ? "None" : std::to_string(t.dims[axis]));
      return std::nullopt;
    }
  }
  const std::string &output = terms->output;
  for (char c : output)
    if (!size.count(c) || output.find(c) != output.rfind(c)) {
      error = fmt::format("the output '{}' has '{}' {}", output, c, size.count(c) ? "twice" : "from no operand");
      return std::nullopt;
    }
  if (batchLetter && (output.empty() || output[0] != batchLetter)) {
    error = output.find(batchLetter) == std::string::npos
                ? "it sums over the batch axis; Kiln computes each sample on its own"
                : "the batch axis must stay the output's first";
    return std::nullopt;
  }
  // The letters in one order, the output's then the summed ones; each
  // operand transposed into it, with axes of 1 for the letters it lacks
  // (but those before its first, which broadcast from the left).
  std::string order = output;
  for (const std::string &term : terms->inputs)
    for (char c : term)
      if (order.find(c) == std::string::npos) order += c;
  std::optional<int> product;
  for (size_t i = 0; i < operands.size(); ++i) {
    const std::string &term = terms->inputs[i];
    std::vector<int64_t> perm(term.size());
    for (size_t k = 0; k < perm.size(); ++k) perm[k] = int64_t(k);
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return order.find(term[a]) < order.find(term[b]); });
    std::optional<int> x = operands[i];
    if (!std::is_sorted(perm.begin(), perm.end())) x = transpose(*x, perm, error);
    size_t first = order.size();
    for (char c : term) first = std::min(first, order.find(c));
    for (size_t p = first; x && p < order.size(); ++p)
      if (term.find(order[p]) == std::string::npos) x = expandDims(*x, int64_t(p - first), error);
    product = !x ? std::nullopt : product ? binary(abi::kMultiply, *product, *x, error) : x;
    if (!product) return std::nullopt;
  }
  std::vector<int64_t> summed;
  for (size_t p = output.size(); p < order.size(); ++p) summed.push_back(int64_t(p));
  return summed.empty() ? product : reduce(abi::kReduceSum, *product, summed, false, error);
}

}  // namespace kiln
