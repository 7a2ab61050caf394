// The tensor functions' families: each binds its arguments and adds its
// nodes to the program being traced.
#include "sema/TensorOps.h"

#include "graph/TensorProgram.h"
#include "layers/LayerKind.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace kiln {

namespace {

// ops.tile, tf.tile, K.tile: copies side by side, `repeats` per axis (with
// NumPy's leading 1s when there are fewer). A tensor's batch axis repeats
// once; a constant's leading axis of 1, Keras's broadcast batch axis, may
// repeat for the batch (None), which broadcasting does.
std::optional<int> tile(TensorProgram &program, int x, std::vector<int64_t> repeats, std::string &error) {
  const std::vector<int64_t> dims = program.nodes[x].dims;
  const bool batched = program.nodes[x].batched;
  if (repeats.size() > dims.size()) {
    error = fmt::format("{} repeats for a tensor of rank {}", repeats.size(), dims.size());
    return std::nullopt;
  }
  repeats.insert(repeats.begin(), dims.size() - repeats.size(), 1);
  int64_t elements = 1;
  for (size_t axis = batched ? 1 : 0; axis < dims.size(); ++axis) elements *= dims[axis];
  int result = x;
  for (size_t axis = 0; axis < dims.size(); ++axis) {
    int64_t r = repeats[axis];
    if (r == 1) continue;
    if (axis == 0 && batched) {
      error = "the batch axis repeats once (repeats[0] is 1)";
      return std::nullopt;
    }
    if (r == kNone && axis == 0 && dims[0] == 1) continue;
    if (r == kNone) {
      error = "repeats known only at run time are supported for a constant's leading axis of size 1 (the batch's)";
      return std::nullopt;
    }
    if (r < 1 || r > kMaxConstantElements / elements) {
      error = fmt::format("{} repeats of axis {}; Kiln makes tensors of 1 to {} elements", r, axis, kMaxConstantElements);
      return std::nullopt;
    }
    elements *= r;
    std::optional<int> copies = program.concatenate(std::vector<int>(size_t(r), result), int64_t(axis), error);
    if (!copies) return std::nullopt;
    result = *copies;
  }
  return result;
}

// tf.slice(x, begin, size), keras.ops.slice(x, start_indices, shape): per
// axis, size entries from begin (-1 or None: to the end); the batch axis whole.
std::optional<int> sliceOf(TensorProgram &program, int x, const std::vector<int64_t> &begin,
                           const std::vector<int64_t> &size, std::string &error) {
  const std::vector<int64_t> dims = program.nodes[x].dims;
  const bool batched = program.nodes[x].batched;
  if (begin.size() != dims.size() || size.size() != dims.size()) {
    error = fmt::format("begin and size need an entry for each of the {} axes of {}", dims.size(), program.shape(x));
    return std::nullopt;
  }
  std::vector<TensorProgram::Index> indexes(dims.size());
  for (size_t axis = 0; axis < dims.size(); ++axis) {
    const bool rest = size[axis] == -1;
    if (batched && axis == 0) {
      if (begin[0] != 0 || !rest) {
        error = "the batch axis is taken whole (begin 0, size -1)";
        return std::nullopt;
      }
      continue;
    }
    const int64_t end = rest ? dims[axis] : begin[axis] + size[axis];
    if (begin[axis] < 0 || (!rest && size[axis] < 1) || end > dims[axis]) {
      error = fmt::format("begin {} and size {} do not fit axis {} of size {}", begin[axis], size[axis], axis,
                          dims[axis]);
      return std::nullopt;
    }
    indexes[axis].begin = begin[axis];
    indexes[axis].end = end;
  }
  return program.subscript(x, std::move(indexes), -1, error);
}

// tf.roll, keras.ops.roll: along each axis, the last `shift` entries (modulo
// its size) moved to the front, as the slice after them and the one before.
std::optional<int> rollOf(TensorProgram &program, int x, const std::vector<int64_t> &shifts,
                          const std::vector<int64_t> &axes, std::string &error) {
  if (shifts.size() != axes.size()) {
    error = fmt::format("{} shifts for {} axes", shifts.size(), axes.size());
    return std::nullopt;
  }
  const std::vector<int64_t> dims = program.nodes[x].dims;
  int result = x;
  for (size_t k = 0; k < axes.size(); ++k) {
    const std::optional<int64_t> normalized = program.normalizeAxis(x, axes[k], error);
    if (!normalized) return std::nullopt;
    const int64_t axis = *normalized;
    const int64_t n = dims[axis], shift = ((shifts[k] % n) + n) % n;
    if (shift == 0) continue;
    std::vector<TensorProgram::Index> tail(size_t(axis + 1)), head(size_t(axis + 1));
    tail[axis].begin = n - shift;
    head[axis].end = n - shift;
    std::optional<int> last = program.subscript(result, tail, -1, error);
    std::optional<int> first = last ? program.subscript(result, head, -1, error) : std::nullopt;
    std::optional<int> rolled = first ? program.concatenate({*last, *first}, axis, error) : std::nullopt;
    if (!rolled) return std::nullopt;
    result = *rolled;
  }
  return result;
}

// tf.linalg.band_part(x, lower, upper) and NumPy's tril(x, k) / triu(x, k)
// as keras.ops has them: over the last two axes, x where column - row lies
// in [low, high], else 0 (a select, not a product: inf and NaN outside are 0).
// extract_patches with any strides, dilation and padding (Involution's 3x3
// windows at stride 1): the images padded with zeros as a convolution pads,
// then one strided slice per window position, joined along the channels in
// TensorFlow's order (row, column, channel).
std::optional<int> overlappingPatches(TensorProgram &program, int x, const std::vector<int64_t> &size,
                                      const std::vector<int64_t> &strides, const std::vector<int64_t> &rates, bool same,
                                      std::string &error) {
  const TensorExpr &images = program.nodes[x];
  if (images.rank() != 4 || !images.batched) {
    error = "the images are (batch, rows, columns, channels), not " + program.shape(x);
    return std::nullopt;
  }
  std::vector<std::pair<int64_t, int64_t>> paddings(4, {0, 0});
  int64_t out[2];
  for (int a = 0; a < 2; ++a) {
    int64_t in = images.dims[size_t(a + 1)], span = (size[size_t(a)] - 1) * rates[size_t(a)] + 1;
    int64_t stride = strides[size_t(a)];
    out[a] = same ? (in + stride - 1) / stride : in >= span ? (in - span) / stride + 1 : 0;
    if (out[a] == 0) {
      error = fmt::format("a window of {} spans more than the {} positions of axis {}", span, in, a + 1);
      return std::nullopt;
    }
    int64_t total = same ? std::max<int64_t>((out[a] - 1) * stride + span - in, 0) : 0;
    paddings[size_t(a + 1)] = {total / 2, total - total / 2};
  }
  std::optional<int> padded = padWithZeros(program, x, paddings, error);
  if (!padded) return std::nullopt;
  std::vector<int> parts;
  for (int64_t i = 0; i < size[0]; ++i)
    for (int64_t j = 0; j < size[1]; ++j) {
      std::vector<TensorProgram::Index> indexes(4);
      int64_t first[2] = {i * rates[0], j * rates[1]};
      for (int a = 0; a < 2; ++a) {
        TensorProgram::Index &index = indexes[size_t(a + 1)];
        index.begin = first[a];
        index.end = first[a] + (out[a] - 1) * strides[size_t(a)] + 1;
        index.step = strides[size_t(a)];
      }
      std::optional<int> part = program.subscript(*padded, indexes, -1, error);
      if (!part) return std::nullopt;
      parts.push_back(*part);
    }
  return program.concatenate(parts, 3, error);
}

std::optional<int> band(TensorProgram &program, int x, int64_t low, int64_t high, std::string &error) {
  const std::vector<int64_t> dims = program.nodes[x].dims;
  const int64_t first = program.nodes[x].batched ? 2 : 1;
  if (int64_t(dims.size()) < first + 1) {
    error = "needs a matrix (two axes besides the batch axis), got " + program.shape(x);
    return std::nullopt;
  }
  const int64_t rows = dims[dims.size() - 2], cols = dims.back();
  std::vector<float> keep(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) keep[size_t(r * cols + c)] = c - r >= low && c - r <= high ? 1.0f : 0.0f;
  return program.select(program.constant({rows, cols}, std::move(keep)), x, program.scalar(0), error);
}

// tf.reverse, K.reverse, keras.ops.flip: the given axes in reverse order.
std::optional<int> reverse(TensorProgram &program, int x, const std::vector<int64_t> &axes, std::string &error) {
  const int64_t rank = program.nodes[x].rank();
  std::vector<TensorProgram::Index> indexes(static_cast<size_t>(rank));
  for (int64_t given : axes) {
    const std::optional<int64_t> axis = program.normalizeAxis(x, given, error);
    if (!axis) return std::nullopt;
    indexes[size_t(*axis)].step = -1;
  }
  return program.subscript(x, std::move(indexes), -1, error);
}

}  // namespace

std::vector<TensorArgs::Names> parameterNames(const TensorOp &op) {
  using Names = TensorArgs::Names;
  static const Names x = {"x", "input_tensor", "input", "a", "tensor", "features", "logits", "t", "condition"};
  switch (op.family) {
  case Family::Unary: case Family::Cast: case Family::Shape: case Family::Constant:
    return {x, {"dtype", "out_type"}};
  case Family::Tile: return {x, {"multiples", "repeats", "reps", "n"}};
  case Family::Binary: return {{"x", "x1", "a"}, {"y", "x2", "b", "exponent"}};
  case Family::Activation: return {x, {"alpha", "negative_slope"}, {"max_value"}, {"threshold"}, {"approximate"}};
  case Family::Reduce: return {x, {"axis", "dim", "reduction_indices"}, {"keepdims", "keep_dims"}, {"initial"}};
  case Family::Softmax: case Family::ExpandDims: return {x, {"axis", "dim"}};
  case Family::Squeeze: return {x, {"axis", "dim"}};
  case Family::Clip: return {x, {"min_value", "clip_value_min", "x_min"}, {"max_value", "clip_value_max", "x_max"}};
  case Family::L2Normalize: return {x, {"axis", "dim"}, {"epsilon"}};
  case Family::Concatenate: case Family::Stack: return {{"tensors", "values", "xs", "x", "arrays"}, {"axis"}};
  case Family::AddN: return {{"inputs", "tensors"}};
  case Family::Einsum:  // (equation, *operands): operands by position only
    return {{"equation", "subscripts"}, {"*0"}, {"*1"}, {"*2"}, {"*3"}, {"*4"}, {"*5"}, {"*6"}, {"*7"}};
  case Family::Reshape: return {x, {"shape", "newshape"}};
  case Family::BiasAdd: return {{"value", "x"}, {"bias"}, {"data_format"}};
  case Family::Transpose: return {x, {"perm", "pattern", "axes"}};
  case Family::MatMul: return {{"x", "a", "x1"}, {"y", "b", "x2"}, {"transpose_a"}, {"transpose_b"}};
  case Family::Where: return {{"condition", "x"}, {"x", "then_expression", "x1"}, {"y", "else_expression", "x2"}};
  case Family::Range: return {{"start"}, {"stop", "limit"}, {"step", "delta"}, {"dtype"}};
  case Family::FillLike:
    return op.code == 2 ? std::vector<Names>{x, {"fill_value"}, {"dtype"}} : std::vector<Names>{x, {"dtype"}};
  case Family::Fill:
    return op.code == 2 ? std::vector<Names>{{"shape", "dims"}, {"value", "fill_value"}, {"dtype"}}
                        : std::vector<Names>{{"shape"}, {"dtype"}};
  case Family::BroadcastTo: return {x, {"shape"}};
  case Family::Repeat: return {x, {"repeats", "rep", "n"}, {"axis"}};
  case Family::Slice: return {{"input_", "inputs", "x", "input"}, {"begin", "start_indices"}, {"size", "shape"}};
  case Family::Roll: return {{"input", "x", "a"}, {"shift"}, {"axis"}};
  case Family::Band: return op.code == 0 ? std::vector<Names>{x, {"num_lower"}, {"num_upper"}} : std::vector<Names>{x, {"k"}};
  case Family::Reverse: return {{"tensor", "x", "m"}, {"axis", "axes"}};
  case Family::Moments:
    return op.code == 0 ? std::vector<Names>{x, {"axes"}, {"shift"}, {"keepdims", "keep_dims"}}
                        : std::vector<Names>{x, {"axis"}, {"keepdims"}};
  case Family::BatchDot: return {x, {"y"}, {"axes"}};
  case Family::PixelShuffle: case Family::Split: case Family::Pad: case Family::OneHot: case Family::Resize:
    return {};  // bound by their own functions (callTensorOp)
  case Family::Patches:  // keras.ops.image's (size=, dilation_rate=), tf.image's (sizes=[1, r, c, 1], rates=)
    return {{"images", "image"}, {"size", "sizes"}, {"strides"}, {"dilation_rate", "rates"}, {"padding"}, {"data_format"}};
  }
  return {};
}

bool TensorArgs::bind() {
  values.assign(params.size(), nullptr);
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    size_t p = params.size();
    if (a.keyword.empty()) p = next++;
    else if (a.keyword == "name") continue;
    else
      for (size_t i = 0; i < params.size() && p == params.size(); ++i)
        for (const char *n : params[i])
          if (a.keyword == n && !values[i]) p = i;
    if (p >= params.size()) {
      diags.report(DiagID::err_tensor_op, a.value.range, what,
                   a.keyword.empty() ? "too many arguments" : "unknown argument '" + a.keyword + "'");
      return false;
    }
    values[p] = &a.value;
  }
  if (params.empty() || !values[0]) {
    diags.report(DiagID::err_missing_argument, call.range, what, params.empty() ? "x" : params[0][0]);
    return false;
  }
  return true;
}

// An axis of the whole tensor as an axis of its rows; nothing for an open axis.
std::optional<int64_t> TensorArgs::rowAxis(size_t i, int64_t axis) const {
  const char *name = params[i][0];
  bool isAxis = std::string_view(name) == "axis" || std::string_view(name) == "axes";
  if (!foldedAxes || !isAxis) return axis;
  const int64_t whole = rowRank + foldedAxes, a = axis < 0 ? axis + whole : axis;  // an axis of the whole tensor
  if (a < 0 || a >= whole) return axis;  // out of range: the row's check reports it
  if (a == 0 || a > foldedAxes) return a == 0 ? 0 : a - foldedAxes;
  diags.report(DiagID::err_tensor_op, values[i]->range, what,
               fmt::format("axis {} is sized at run time (None); over such axes Kiln computes along the other axes "
                           "only",
                           axis));
  return std::nullopt;
}

std::optional<int64_t> TensorArgs::integer(size_t i, int64_t fallback) const {
  if (!given(i)) return fallback;
  if (values[i]->isInteger()) return rowAxis(i, values[i]->asInt());
  diags.report(DiagID::err_tensor_op, values[i]->range, what, "expected an integer, got " + describe(*values[i]));
  return std::nullopt;
}

std::optional<double> TensorArgs::number(size_t i, double fallback) const {
  if (!given(i)) return fallback;
  if (values[i]->isNumber()) return values[i]->number();
  diags.report(DiagID::err_tensor_op, values[i]->range, what, "expected a number, got " + describe(*values[i]));
  return std::nullopt;
}

std::optional<std::vector<int64_t>> TensorArgs::integers(size_t i) const {
  if (!given(i)) return std::vector<int64_t>{};
  std::vector<int64_t> out;
  if (values[i]->isInteger()) out.push_back(values[i]->asInt());
  for (const Value &v : values[i]->items) {
    if (!v.isInteger() && !v.is(ValueKind::None)) break;
    out.push_back(v.is(ValueKind::None) ? kNone : v.asInt());
  }
  if (values[i]->isInteger() || (values[i]->isSequence() && out.size() == values[i]->items.size())) {
    for (int64_t &v : out) {
      if (v == kNone) continue;
      std::optional<int64_t> axis = rowAxis(i, v);
      if (!axis) return std::nullopt;
      v = *axis;
    }
    return out;
  }
  diags.report(DiagID::err_tensor_op, values[i]->range, what, "expected integers, got " + describe(*values[i]));
  return std::nullopt;
}

std::optional<int> TensorArgs::operand(size_t i) const {
  if (!values[i]) {
    diags.report(DiagID::err_missing_argument, call.range, what, params[i][0]);
    return std::nullopt;
  }
  return operandOf(*values[i]);
}

std::optional<std::vector<int>> TensorArgs::operands(size_t i) const {
  if (!values[i]->isSequence()) {
    diags.report(DiagID::err_tensor_op, values[i]->range, what, "expected a list of tensors, got " + describe(*values[i]));
    return std::nullopt;
  }
  std::vector<int> out;
  for (const Value &v : values[i]->items) {
    std::optional<int> n = operandOf(v);
    if (!n) return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

Value Evaluator::traceTensorFamily(const Builtin &builtin, const TensorOp &op, const TensorArgs &args) {
  const CallSite &call = args.call;
  const std::string &what = args.what;
  std::string error;
  std::optional<int> result;
  bool listFirst = op.family == Family::Concatenate || op.family == Family::Stack || op.family == Family::AddN ||
                   op.family == Family::Einsum;
  std::optional<int> a = listFirst || op.family == Family::Range || op.family == Family::Fill ||
                                 (op.family == Family::Cast && args[0]->isNumber())
                            ? std::optional<int>(-1)
                            : args.operand(0);
  if (!a) return Value::error(call.range);
  // The default axis where the libraries differ: K.concatenate -1, tf.concat
  // and keras.ops.concatenate 0 (the batch axis: an error), stack 0.
  bool backend = builtin.detail == "keras.backend";
  switch (op.family) {
  case Family::Unary: result = trace_->unary(op.code, *a, error); break;
  case Family::Cast: {
    // Tensors inside a layer are float32: a cast to an integer type keeps
    // the value truncated toward zero, to bool 1 for nonzero (masks).
    std::string dtype = args.given(1) && args[1]->is(ValueKind::Str) ? args[1]->text : "float32";
    bool integer = dtype.find("int") != std::string::npos, boolean = dtype == "bool";
    if ((args.given(1) && !args[1]->is(ValueKind::Str)) ||
        !(integer || boolean || dtype == "float32" || dtype == "float64" || dtype == "float")) {
      diags_.report(DiagID::err_tensor_op, args[1]->range, what,
                    "tensors inside a layer are float32; casts to float32, integer types and bool are supported");
      return Value::error(call.range);
    }
    if (args[0]->isNumber()) {
      double v = args[0]->number();
      if (boolean) return Value::ofBool(v != 0, call.range);
      if (integer && std::isfinite(v) && std::fabs(v) < 9.2e18) return Value::ofInt(int64_t(std::trunc(v)), call.range);
      return Value::ofFloat(v, call.range);
    }
    if (!integer && !boolean) return *args[0];
    result = integer ? trace_->unary(abi::kTrunc, *a, error)
                     : trace_->binary(abi::kNotEqual, *a, trace_->scalar(0), error);
    break;
  }
  case Family::Shape: return tensorShape(*args[0], call.range);
  case Family::Constant: return *args[0];  // handled above
  case Family::Tile: {
    std::optional<std::vector<int64_t>> repeats = args.integers(1);
    if (!repeats) return Value::error(call.range);
    result = tile(*trace_, *a, *repeats, error);
    break;
  }
  case Family::Range: {
    std::optional<double> start = args.number(0, 0), stop = args.number(1, 0), step = args.number(2, 1);
    if (!start || !stop || !step) return Value::error(call.range);
    if (!args.given(1)) std::swap(*start, *stop);  // arange(n): 0 to n
    double count = *step == 0 ? NAN : std::ceil((*stop - *start) / *step);
    if (!(count >= 1 && count <= double(kMaxConstantElements))) {
      error = fmt::format("a range of {} elements; Kiln takes 1 to {}", std::isnan(count) ? std::string("no")
                          : fmt::format("{:g}", std::max(count, 0.0)), kMaxConstantElements);
      break;
    }
    std::vector<float> values(static_cast<size_t>(count));
    for (size_t i = 0; i < values.size(); ++i) values[i] = float(*start + double(i) * *step);
    result = trace_->constant({int64_t(count)}, std::move(values));
    break;
  }
  case Family::Binary: {
    std::optional<int> b = args.operand(1);
    if (!b) return Value::error(call.range);
    result = trace_->binary(op.code, *a, *b, error);
    break;
  }
  case Family::Activation: {
    std::string name = *canonicalActivation(op.name);
    abi::Activation act = activationCode(name, options_.kerasVersion);
    std::optional<double> alpha = args.number(1, activationAlpha(act)), maxValue = args.number(2, -1), threshold = args.number(3, 0);
    if (!alpha || !maxValue || !threshold) return Value::error(call.range);
    if (act == abi::kRelu && (*alpha != 0 || *maxValue >= 0 || *threshold != 0)) act = abi::kReluClipped;
    if (act == abi::kGelu && args.given(4) && args[4]->is(ValueKind::Bool) && args[4]->boolean) act = abi::kGeluTanh;
    result = trace_->activate(act, *a, float(*alpha), float(*maxValue), float(*threshold));
    break;
  }
  case Family::Reduce:
  case Family::Moments: {
    std::optional<std::vector<int64_t>> axes = args.integers(1);
    if (!axes) return Value::error(call.range);
    if (!args.given(1)) {
      error = op.family == Family::Reduce ? "reducing every axis includes the batch axis; give axis= (e.g. axis=-1)"
                                          : "over every axis includes the batch axis; give the axes (e.g. axis=-1)";
      break;
    }
    if (op.family == Family::Reduce && args.given(3)) {
      error = "initial= is not supported";
      break;
    }
    size_t keep = op.family == Family::Moments && op.code == 0 ? 3 : 2;  // tf.nn.moments(x, axes, shift, keepdims)
    bool keepdims = args.given(keep) && args[keep]->is(ValueKind::Bool) && args[keep]->boolean;
    if (op.family == Family::Reduce) {
      result = trace_->reduce(op.code, *a, *axes, keepdims, error);
      break;
    }
    std::optional<std::pair<int, int>> stats = trace_->moments(*a, *axes, keepdims, error);
    if (!stats) break;
    if (op.code == 0) return Value::ofTuple({traced(stats->first, call.range), traced(stats->second, call.range)}, call.range);
    result = op.code == 1 ? stats->second : trace_->unary(abi::kSqrt, stats->second, error);
    break;
  }
  case Family::Softmax: {
    std::optional<int64_t> axis = args.integer(1, -1);
    if (!axis) return Value::error(call.range);
    result = trace_->softmax(*a, *axis, op.code == 1, error);
    break;
  }
  case Family::Clip: {
    std::optional<int> low = args.operand(1), high = args.operand(2);
    if (!low || !high) return Value::error(call.range);
    // K.clip raises max_value to min_value when it is smaller.
    if (backend && args[1]->isNumber() && args[2]->isNumber() && args[2]->number() < args[1]->number())
      high = trace_->scalar(args[1]->number());
    std::optional<int> raised = trace_->binary(abi::kMaximum, *a, *low, error);
    if (raised) result = trace_->binary(abi::kMinimum, *raised, *high, error);
    break;
  }
  case Family::L2Normalize: {
    std::optional<std::vector<int64_t>> axes = args.integers(1);
    if (!axes) return Value::error(call.range);
    if (!args.given(1)) {
      error = "normalizing over every axis includes the batch axis; give axis= (e.g. axis=-1)";
      break;
    }
    result = trace_->l2Normalize(*a, *axes, error);
    break;
  }
  case Family::Concatenate:
  case Family::Stack: {
    std::optional<std::vector<int>> xs = args.operands(0);
    std::optional<int64_t> axis = args.integer(1, op.family == Family::Concatenate && backend ? -1 : 0);
    if (!xs || !axis) return Value::error(call.range);
    result = op.family == Family::Stack ? trace_->stack(*xs, *axis, error) : trace_->concatenate(*xs, *axis, error);
    break;
  }
  case Family::AddN: {  // tf.add_n([a, b, c]): a + b + c, of the same shape
    std::optional<std::vector<int>> xs = args.operands(0);
    if (!xs) return Value::error(call.range);
    if (xs->empty()) {
      error = "tf.add_n needs at least one tensor";
      break;
    }
    result = xs->front();
    for (size_t i = 1; i < xs->size() && result; ++i) result = trace_->binary(abi::kAdd, *result, (*xs)[i], error);
    break;
  }
  case Family::Einsum: {
    if (!args[0]->is(ValueKind::Str)) {
      diags_.report(DiagID::err_tensor_op, args[0]->range, what, "expected the equation, got " + describe(*args[0]));
      return Value::error(call.range);
    }
    std::vector<int> xs;
    for (size_t i = 1; i < args.values.size() && args[i]; ++i) {
      std::optional<int> x = args.operand(i);
      if (!x) return Value::error(call.range);
      xs.push_back(*x);
    }
    result = trace_->einsum(args[0]->text, xs, error);
    break;
  }
  case Family::ExpandDims: {
    std::optional<int64_t> axis = args.integer(1, -1);
    if (!axis) return Value::error(call.range);
    if (!backend && !args.given(1) && builtin.detail != "keras.ops") {
      error = "tf.expand_dims needs axis=";
      break;
    }
    result = trace_->expandDims(*a, *axis, error);
    break;
  }
  case Family::Squeeze: {
    std::optional<int64_t> axis = args.integer(1, 0);
    if (!axis) return Value::error(call.range);
    if (args.foldedAxes && !args.given(1)) {
      error = "without axis= it also squeezes the axes sized at run time that are 1 when it runs; give axis=";
      break;
    }
    result = trace_->squeeze(*a, args.given(1) ? std::optional<int64_t>(*axis) : std::nullopt, error);
    break;
  }
  case Family::Reshape: {
    std::optional<std::vector<int64_t>> dims = args.integers(1);
    if (!dims) return Value::error(call.range);
    result = trace_->reshape(*a, *dims, error);
    break;
  }
  case Family::BiasAdd: {
    // tf.nn.bias_add, K.bias_add: the bias along the channels, the last axis
    // or (data_format 'NCHW', 'NC...', 'channels_first') the one after the batch.
    std::optional<int> bias = args.operand(1);
    if (!bias) return Value::error(call.range);
    std::string format = args.given(2) && args[2]->is(ValueKind::Str) ? args[2]->text : "NHWC";
    int64_t rank = int64_t(trace_->nodes[*a].dims.size());
    if ((format.rfind("NC", 0) == 0 || format == "channels_first") && rank > 2) {
      std::vector<int64_t> column(size_t(rank - 1), 1);
      column[0] = -1;
      bias = trace_->reshape(*bias, column, error);
      if (!bias) break;
    }
    result = trace_->binary(abi::kAdd, *a, *bias, error);
    break;
  }
  case Family::Patches: {
    // A size as Keras (n or (rows, cols)) or TensorFlow ([1, rows, cols, 1]) gives it.
    auto window = [&](size_t i, std::vector<int64_t> fallback) -> std::optional<std::vector<int64_t>> {
      std::optional<std::vector<int64_t>> v = args.integers(i);
      if (!v) return std::nullopt;
      if (v->empty()) return fallback;
      std::vector<int64_t> w;
      if (v->size() == 1) w = {(*v)[0], (*v)[0]};
      else if (v->size() == 2) w = *v;
      else if (v->size() == 4 && (*v)[0] == 1 && (*v)[3] == 1) w = {(*v)[1], (*v)[2]};
      if (w.empty() || w[0] < 1 || w[1] < 1) {
        error = "a size is n, (rows, cols) or [1, rows, cols, 1] of positive numbers, not " + describe(*args[i]);
        return std::nullopt;
      }
      return w;
    };
    std::optional<std::vector<int64_t>> size = window(1, {}), strides, rates;
    if (size && size->empty()) error = "it needs the patch size";
    if (size && !size->empty()) strides = window(2, *size);
    if (strides) rates = window(3, {1, 1});
    if (!rates) {
      if (error.empty()) return Value::error(call.range);
      break;
    }
    std::string padding = args.given(4) && args[4]->is(ValueKind::Str) ? args[4]->text : "valid";
    bool same = padding == "same" || padding == "SAME";
    const TensorExpr &images = trace_->nodes[*a];
    bool divides = images.rank() == 4 && images.dims[1] % (*size)[0] == 0 && images.dims[2] % (*size)[1] == 0;
    if (args.given(5) && !(args[5]->is(ValueKind::Str) && args[5]->text == "channels_last"))
      error = "Kiln extracts patches of channels_last images";
    else if (!same && padding != "valid" && padding != "VALID")
      error = "padding is 'valid' or 'same', not '" + padding + "'";
    else if (*strides == *size && *rates == std::vector<int64_t>{1, 1} && (!same || divides))
      result = trace_->extractPatches(*a, (*size)[0], (*size)[1], error);  // side by side: a view
    else
      result = overlappingPatches(*trace_, *a, *size, *strides, *rates, same, error);
    break;
  }
  case Family::Transpose: {
    std::optional<std::vector<int64_t>> perm = args.integers(1);
    if (!perm) return Value::error(call.range);
    result = trace_->transpose(*a, *perm, error);
    break;
  }
  case Family::MatMul: {
    std::optional<int> b = args.operand(1);
    if (!b) return Value::error(call.range);
    // transpose_a/transpose_b: the operand's last two axes swapped first.
    for (size_t i : {size_t(2), size_t(3)}) {
      if (!args.given(i) || !args[i]->is(ValueKind::Bool) || !args[i]->boolean) continue;
      std::optional<int> &side = i == 2 ? a : b;
      std::vector<int64_t> perm;
      for (int64_t k = 0; k < trace_->nodes[*side].rank(); ++k) perm.push_back(k);
      if (perm.size() >= 2) std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
      side = trace_->transpose(*side, perm, error);
      if (!side) break;
    }
    if (!a || !b) break;
    const TensorExpr &x = trace_->nodes[*a], &y = trace_->nodes[*b];
    if (builtin.name == "matmul" && (y.batched || y.rank() > 2) && x.rank() >= 2 && y.rank() >= 2) {
      // A product of two computed tensors (attention scores, attention pooling).
      result = trace_->batchMatmul(*a, *b, error);
      break;
    }
    result = trace_->matmul(*a, *b, error);
    break;
  }
  case Family::FillLike:
  case Family::Fill: {
    double fill = op.code == 2 ? 0 : op.code;
    if (op.code == 2) {
      std::optional<double> value = args.given(1) ? args.number(1, 0) : std::nullopt;
      if (!value) {
        if (!args.given(1)) diags_.report(DiagID::err_missing_argument, call.range, what, args.params[1][0]);
        return Value::error(call.range);
      }
      fill = *value;
    }
    std::vector<int64_t> dims = op.family == Family::FillLike ? trace_->nodes[*a].dims : std::vector<int64_t>{};
    if (op.family == Family::Fill) {
      std::optional<std::vector<int64_t>> shape = args.integers(0);
      if (!shape) return Value::error(call.range);
      dims = *shape;
    }
    result = trace_->filled(dims, fill, error);
    break;
  }
  case Family::BroadcastTo: {
    std::optional<std::vector<int64_t>> dims = args.given(1) ? args.integers(1) : std::nullopt;
    if (!dims) {
      if (!args.given(1)) diags_.report(DiagID::err_missing_argument, call.range, what, "shape");
      return Value::error(call.range);
    }
    result = trace_->broadcastTo(*a, *dims, error);
    break;
  }
  case Family::Repeat: {
    std::optional<int64_t> count = args.integer(1, 1), axis = args.integer(2, 0);
    if (!count || !axis) return Value::error(call.range);
    if (backend && builtin.name == "repeat") {  // K.repeat(x, n): RepeatVector's (None, d) -> (None, n, d)
      const TensorExpr &t = trace_->nodes[*a];
      std::optional<int> column = t.batched && t.rank() == 2 ? trace_->expandDims(*a, 1, error) : std::nullopt;
      if (!column && error.empty()) error = "K.repeat takes a tensor of shape (None, features), not " + trace_->shape(*a);
      if (column) result = trace_->broadcastTo(*column, {kNone, *count, trace_->nodes[*a].dims[1]}, error);
      break;
    }
    if (!args.given(2)) {
      error = "without axis= it repeats the flattened tensor, batch axis included; give axis=";
      break;
    }
    result = trace_->repeatElements(*a, *count, *axis, error);
    break;
  }
  case Family::Slice: {
    std::optional<std::vector<int64_t>> begin = args.integers(1), size = begin ? args.integers(2) : std::nullopt;
    if (!size) return Value::error(call.range);
    result = sliceOf(*trace_, *a, *begin, *size, error);
    break;
  }
  case Family::Roll: {
    std::optional<std::vector<int64_t>> shifts = args.integers(1), axes = shifts ? args.integers(2) : std::nullopt;
    if (!axes) return Value::error(call.range);
    if (!args.given(2)) {
      error = "without axis= it rolls the flattened tensor, batch axis included; give axis=";
      break;
    }
    result = rollOf(*trace_, *a, *shifts, *axes, error);
    break;
  }
  case Family::Band: {
    const int64_t unbounded = std::numeric_limits<int64_t>::max();
    std::optional<int64_t> first = args.integer(1, 0), second = op.code == 0 ? args.integer(2, 0) : first;
    if (!first || !second) return Value::error(call.range);
    if (op.code == 0 && (!args.given(1) || !args.given(2))) {
      error = "needs num_lower and num_upper";
      break;
    }
    int64_t low = op.code == 0 ? (*first < 0 ? -unbounded : -*first) : op.code == 1 ? -unbounded : *first;
    int64_t high = op.code == 0 ? (*second < 0 ? unbounded : *second) : op.code == 1 ? *first : unbounded;
    result = band(*trace_, *a, low, high, error);
    break;
  }
  case Family::Reverse: {
    std::optional<std::vector<int64_t>> axes = args.integers(1);
    if (!axes) return Value::error(call.range);
    if (!args.given(1)) {
      error = "without axis= it reverses every axis, the batch axis included; give axis=";
      break;
    }
    result = reverse(*trace_, *a, *axes, error);
    break;
  }
  case Family::BatchDot: {
    std::optional<int> b = args.operand(1);
    if (!b) return Value::error(call.range);
    // Keras's default: x's last axis with y's last but one (its last when y has rank 2).
    int64_t yRank = trace_->nodes[*b].rank();
    std::vector<int64_t> axes{-1, yRank == 2 ? -1 : -2};
    if (args.given(2)) {
      std::optional<std::vector<int64_t>> given2 = args.integers(2);
      if (!given2) return Value::error(call.range);
      if (given2->size() == 1) given2->push_back((*given2)[0]);
      if (given2->size() != 2) {
        error = "axes is one axis or a pair of axes";
        break;
      }
      axes = *given2;
    }
    result = trace_->batchDot(*a, *b, axes[0], axes[1], error);
    break;
  }
  case Family::Where: {
    std::optional<int> then = args.operand(1), otherwise = args.operand(2);
    if (!then || !otherwise) return Value::error(call.range);
    result = trace_->select(*a, *then, *otherwise, error);
    break;
  }
  case Family::PixelShuffle: case Family::Split: case Family::Pad: case Family::OneHot: case Family::Resize:
    break;  // traced by their own functions (callTensorOp)
  }
  if (!result) {
    diags_.report(DiagID::err_tensor_op, call.range, what, error);
    return Value::error(call.range);
  }
  return traced(*result, call.range);
}


}  // namespace kiln
