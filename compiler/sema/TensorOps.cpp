// Tensor expressions: inside a Lambda's function or a custom layer's call(),
// tensors are traced values (ValueKind::Traced), and Python operators,
// indexing and a documented subset of keras.backend / tf / tf.math / tf.nn /
// keras.ops add nodes to the layer's TensorProgram, with shapes checked as
// they are built. Anything else on a traced tensor is an error that names it
// and lists the subset.
#include "sema/TensorOps.h"

#include "graph/TensorProgram.h"
#include "layers/LayerKind.h"
#include "layers/core/Traced.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fmt/format.h>
#include <set>

namespace kiln {

namespace {

const std::vector<TensorOp> &tensorOps() {
  static const std::vector<TensorOp> table = {
      {"negative", Family::Unary, abi::kNegate},       {"abs", Family::Unary, abi::kAbs},
      {"square", Family::Unary, abi::kSquare},         {"sqrt", Family::Unary, abi::kSqrt},
      {"rsqrt", Family::Unary, abi::kRsqrt},           {"exp", Family::Unary, abi::kExp},
      {"log", Family::Unary, abi::kLog},               {"sign", Family::Unary, abi::kSign},
      {"floor", Family::Unary, abi::kFloor},           {"ceil", Family::Unary, abi::kCeil},
      {"reciprocal", Family::Unary, abi::kReciprocal},
      {"sin", Family::Unary, abi::kSin},               {"cos", Family::Unary, abi::kCos},
      {"tan", Family::Unary, abi::kTan},               {"log1p", Family::Unary, abi::kLog1p},
      {"expm1", Family::Unary, abi::kExpm1},           {"round", Family::Unary, abi::kRound},
      {"erf", Family::Unary, abi::kErf},               {"erfc", Family::Unary, abi::kErfc},
      {"slice", Family::Slice, 0},                     {"roll", Family::Roll, 0},
      {"band_part", Family::Band, 0},                  {"tril", Family::Band, 1},
      {"triu", Family::Band, 2},                       {"reverse", Family::Reverse, 0},
      {"flip", Family::Reverse, 0},
      {"add_n", Family::AddN, 0},                      {"einsum", Family::Einsum, 0},
      {"add", Family::Binary, abi::kAdd},              {"subtract", Family::Binary, abi::kSubtract},
      {"multiply", Family::Binary, abi::kMultiply},    {"divide", Family::Binary, abi::kDivide},
      {"truediv", Family::Binary, abi::kDivide},       {"true_divide", Family::Binary, abi::kDivide},
      {"pow", Family::Binary, abi::kPower},
      {"power", Family::Binary, abi::kPower},          {"maximum", Family::Binary, abi::kMaximum},
      {"minimum", Family::Binary, abi::kMinimum},      {"greater", Family::Binary, abi::kGreater},
      {"greater_equal", Family::Binary, abi::kGreaterEqual}, {"less", Family::Binary, abi::kLess},
      {"less_equal", Family::Binary, abi::kLessEqual}, {"equal", Family::Binary, abi::kEqual},
      {"not_equal", Family::Binary, abi::kNotEqual},
      {"relu", Family::Activation, 0},     {"sigmoid", Family::Activation, 0}, {"tanh", Family::Activation, 0},
      {"elu", Family::Activation, 0},      {"selu", Family::Activation, 0},    {"softplus", Family::Activation, 0},
      {"softsign", Family::Activation, 0}, {"hard_sigmoid", Family::Activation, 0},
      {"swish", Family::Activation, 0},    {"silu", Family::Activation, 0},    {"gelu", Family::Activation, 0},
      {"relu6", Family::Activation, 0},    {"leaky_relu", Family::Activation, 0}, {"mish", Family::Activation, 0},
      {"linear", Family::Activation, 0},
      // Keras 3's with no parameter, or celu's alpha where elu has it.
      {"celu", Family::Activation, 0},     {"hard_tanh", Family::Activation, 0},
      {"tanh_shrink", Family::Activation, 0}, {"log_sigmoid", Family::Activation, 0},
      {"sparse_plus", Family::Activation, 0}, {"sparse_sigmoid", Family::Activation, 0},
      {"sum", Family::Reduce, abi::kReduceSum},   {"reduce_sum", Family::Reduce, abi::kReduceSum},
      {"mean", Family::Reduce, abi::kReduceMean}, {"reduce_mean", Family::Reduce, abi::kReduceMean},
      {"max", Family::Reduce, abi::kReduceMax},   {"reduce_max", Family::Reduce, abi::kReduceMax},
      {"min", Family::Reduce, abi::kReduceMin},   {"reduce_min", Family::Reduce, abi::kReduceMin},
      {"prod", Family::Reduce, abi::kReduceProd}, {"reduce_prod", Family::Reduce, abi::kReduceProd},
      {"softmax", Family::Softmax, 0},            {"log_softmax", Family::Softmax, 1},
      {"clip", Family::Clip, 0},                  {"clip_by_value", Family::Clip, 0},
      {"l2_normalize", Family::L2Normalize, 0},
      {"concatenate", Family::Concatenate, 0},    {"concat", Family::Concatenate, 0},
      {"stack", Family::Stack, 0},                {"expand_dims", Family::ExpandDims, 0},
      {"squeeze", Family::Squeeze, 0},            {"reshape", Family::Reshape, 0},
      {"transpose", Family::Transpose, 0},        {"permute_dimensions", Family::Transpose, 0},
      {"dot", Family::MatMul, 0},                 {"matmul", Family::MatMul, 0},
      {"where", Family::Where, 0},                {"switch", Family::Where, 0},
      {"cast", Family::Cast, 0},                  {"shape", Family::Shape, 0},
      {"arange", Family::Range, 0},               {"range", Family::Range, 0},
      {"extract_patches", Family::Patches, 0},
      {"tile", Family::Tile, 0},                  {"bias_add", Family::BiasAdd, 0},
      {"depth_to_space", Family::PixelShuffle, 0}, {"space_to_depth", Family::PixelShuffle, 1},
      {"convert_to_tensor", Family::Constant, 0}, {"constant", Family::Constant, 0},
      {"identity", Family::Constant, 0},          {"stop_gradient", Family::Constant, 0},
      {"split", Family::Split, 0},                {"unstack", Family::Split, 1},
      {"pad", Family::Pad, 0},
      {"one_hot", Family::OneHot, 0},
      {"zeros_like", Family::FillLike, 0},        {"ones_like", Family::FillLike, 1},
      {"full_like", Family::FillLike, 2},         {"zeros", Family::Fill, 0},
      {"ones", Family::Fill, 1},                  {"fill", Family::Fill, 2},
      {"full", Family::Fill, 2},                  {"broadcast_to", Family::BroadcastTo, 0},
      {"repeat", Family::Repeat, 0},              {"repeat_elements", Family::Repeat, 0},
      {"moments", Family::Moments, 0},            {"var", Family::Moments, 1},
      {"reduce_variance", Family::Moments, 1},    {"std", Family::Moments, 2},
      {"reduce_std", Family::Moments, 2},         {"batch_dot", Family::BatchDot, 0},
      {"resize", Family::Resize, 0},              {"resize_images", Family::Resize, 0},
      {"resize_bilinear", Family::Resize, 0},     {"resize_nearest_neighbor", Family::Resize, 0},
      {"resize_area", Family::Resize, 0},
  };
  return table;
}

std::string supportedList() {
  std::string s;
  for (const TensorOp &op : tensorOps()) s += (s.empty() ? "" : ", ") + std::string(op.name);
  return s + "; operators + - * / // ** and comparisons; indexing x[:, 0], x[..., :3]; K.epsilon(), "
             "K.int_shape(x), x.shape";
}

// The modules whose tensor functions are traced.
bool tensorModule(const std::string &module) {
  return module == "keras.backend" || module == "tensorflow" || module == "tensorflow.math" ||
         module == "tensorflow.nn" || module == "tensorflow.linalg" || module == "keras.ops" ||
         module == "keras.activations" || module == "keras.ops.image" || module == "tensorflow.image" ||
         module == "tensorflow.compat.v1.image";
}

// A short spelling of a module for messages: K.sum, tf.math.abs, keras.ops.sum.
std::string spelled(const Builtin &b) {
  std::string module = b.detail;
  if (module == "keras.backend") module = "K";
  else if (module.rfind("tensorflow", 0) == 0) module = "tf" + module.substr(10);
  return module + "." + b.name;
}

// What Keras names the layer of an operator on a model's tensor: tf.keras 2
// after the TensorFlow function it calls, Keras 3 after the operation.
std::pair<std::string, std::string> operatorLayerNames(const std::string &op) {
  static const std::map<std::string, std::pair<std::string, std::string>> names = {
      {"+", {"tf.__operators__.add", "add"}},      {"-", {"tf.math.subtract", "subtract"}},
      {"*", {"tf.math.multiply", "multiply"}},     {"/", {"tf.math.truediv", "true_divide"}},
      {"//", {"tf.math.floordiv", "floor_divide"}}, {"**", {"tf.math.pow", "power"}},
      {">", {"tf.math.greater", "greater"}},       {">=", {"tf.math.greater_equal", "greater_equal"}},
      {"<", {"tf.math.less", "less"}},             {"<=", {"tf.math.less_equal", "less_equal"}},
      {"neg", {"tf.math.negative", "negative"}},   {"[]", {"tf.__operators__.getitem", "get_item"}},
      {"==", {"tf.__operators__.eq", "equal"}},    {"!=", {"tf.__operators__.ne", "not_equal"}},
      {"@", {"tf.linalg.matmul", "matmul"}},
  };
  auto found = names.find(op);
  return found == names.end() ? std::pair<std::string, std::string>{"tf." + op, op} : found->second;
}

// A nested list of numbers as a constant's dims and values (both empty
// at first); false for anything else, a ragged list or one too large. The
// first path down sets every axis's size before any number is read.
bool numberArray(const Value &v, size_t depth, std::vector<int64_t> &dims, std::vector<float> &values) {
  if (v.isNumber()) {
    values.push_back(float(v.number()));
    return depth == dims.size() && int64_t(values.size()) <= kMaxConstantElements;
  }
  if (!v.isSequence() || v.items.empty()) return false;
  if (depth == dims.size() && values.empty()) dims.push_back(int64_t(v.items.size()));
  if (depth == dims.size()) return false;
  if (dims[depth] != int64_t(v.items.size())) return false;
  for (const Value &item : v.items)
    if (!numberArray(item, depth + 1, dims, values)) return false;
  return true;
}

bool isSize(const Value &v) { return v.isInteger() || v.is(ValueKind::None); }  // None: known at run time
bool isSizeList(const Value &v) { return v.isSequence() && std::all_of(v.items.begin(), v.items.end(), isSize); }

// Shapes built from sizes stay Python values, as sizes do: keras.io's
// causal masks compute the repeats of ops.tile(mask, mult) as
// ops.concatenate([ops.expand_dims(batch_size, -1), ops.convert_to_tensor(
// [1, 1])], 0), which is [None, 1, 1] (None: the batch's size). No value
// for operations on anything else.
std::optional<Value> sizeArithmetic(Family family, const CallSite &call) {
  const Value *x = nullptr, *axis = nullptr;
  size_t position = 0;
  for (const CallArgument &a : call.args) {
    if (a.keyword.empty()) (position++ == 0 ? x : axis) = &a.value;
    else if (a.keyword == "axis") axis = &a.value;
    else if (a.keyword == "x" || a.keyword == "input" || a.keyword == "values" || a.keyword == "tensors" ||
             a.keyword == "xs" || a.keyword == "arrays")
      x = &a.value;
  }
  bool firstAxis = !axis || (axis->isInteger() && (axis->asInt() == 0 || axis->asInt() == -1));
  if (!x || !firstAxis) return std::nullopt;
  switch (family) {
  case Family::ExpandDims:
    if (isSize(*x)) return Value::ofList({*x}, call.range);
    break;
  case Family::Stack:
    if (isSizeList(*x)) return Value::ofList(std::vector<Value>(x->items.begin(), x->items.end()), call.range);
    break;
  case Family::Concatenate:
    if (x->isSequence() && std::all_of(x->items.begin(), x->items.end(), isSizeList)) {
      std::vector<Value> sizes;
      for (const Value &part : x->items) sizes.insert(sizes.end(), part.items.begin(), part.items.end());
      return Value::ofList(std::move(sizes), call.range);
    }
    break;
  default: break;
  }
  return std::nullopt;
}

}  // namespace

const TensorOp *findOp(std::string_view name) {
  for (const TensorOp &op : tensorOps())
    if (name == op.name) return &op;
  return nullptr;
}

// a * b (a + b, a - b, maximum, minimum) of two model tensors whose open
// axes meet sizes of 1 ((None, None, None, 64) * (None, 1, 1, 64), a
// channel gate on images of any size) cannot fold; Keras's merge layer of
// the operation broadcasts as TensorFlow does, with the same result (one
// exact operation per element). Nothing for other operations or shapes.
std::optional<Value> Evaluator::broadcastingMerge(const std::string &operation, const std::vector<Tensor *> &inputs,
                                                  SourceRange range, const std::string &stem,
                                                  const std::string &given) {
  static const std::map<std::string, std::string> mergeClasses = {
      {"add", "Add"}, {"subtract", "Subtract"}, {"multiply", "Multiply"}, {"maximum", "Maximum"}, {"minimum", "Minimum"}};
  auto found = mergeClasses.find(operation);
  const TensorType &a = inputs[0]->type, &b = inputs[1]->type;
  if (found == mergeClasses.end() || a.rank() != b.rank() || a.dtype != b.dtype) return std::nullopt;
  for (int axis = 1; axis < a.rank(); ++axis) {
    const Dim &x = a.dims[size_t(axis)], &y = b.dims[size_t(axis)];
    // Equal sizes or one of them 1; two open axes are checked equal at run time.
    const bool fits = x.known() && y.known() ? x == y || x.value() == 1 || y.value() == 1
                      : (!x.known() && !y.known()) || (x.known() ? x : y).value() == 1;
    if (!fits) return std::nullopt;
  }
  std::string name = given.empty() ? uniqueName(stem, true, compositeNames_) : given;
  Layer *layer = graph_.newLayer(LayerRegistry::instance().find(found->second), name, range);
  return applyLayer(layer, inputs, range, true);
}

std::optional<Value> Evaluator::operatorOnModelTensors(const std::string &op, const std::vector<Value *> &operands,
                                                       SourceRange range, const std::function<Value()> &compute) {
  auto [keras2, keras3] = operatorLayerNames(op);
  return onModelTensors(keras2, keras3, operands, range, compute);
}

const Builtin *tensorOpBuiltin(const std::string &module, const std::string &name) {
  if (!tensorModule(module) || !findOp(name)) return nullptr;
  if (module == "keras.activations" && findOp(name)->family != Family::Activation &&
      findOp(name)->family != Family::Softmax)
    return nullptr;
  static std::deque<Builtin> made;
  for (const Builtin &b : made)
    if (b.name == name && b.detail == module) return &b;
  made.push_back({name, Builtin::Kind::TensorOp, module});
  return &made.back();
}

Value Evaluator::traced(int node, SourceRange range) {
  Value v = Value::make(ValueKind::Traced, range);
  v.integer = node;
  v.program = trace_;
  return v;
}

std::optional<int> Evaluator::tensorOperand(const Value &v, const std::string &what) {
  if (v.is(ValueKind::Traced)) {
    if (v.program == trace_) return int(v.integer);
    diags_.report(DiagID::err_tensor_op, v.range, what, "this tensor belongs to another layer's computation");
    return std::nullopt;
  }
  if (v.isNumber()) return trace_->scalar(v.number());
  std::vector<int64_t> dims;
  std::vector<float> values;
  if (numberArray(v, 0, dims, values)) return trace_->constant(std::move(dims), std::move(values));
  if (!v.is(ValueKind::Error))
    diags_.report(DiagID::err_tensor_op, v.range, what,
                  v.is(ValueKind::Tensor) ? "a tensor of the model, not of this layer's inputs, cannot be used here"
                                          : "expected a tensor or a number, got " + describe(v));
  return std::nullopt;
}

Value Evaluator::tensorShape(const Value &v, SourceRange range) {
  if (foldedTrace_) {  // its axes sized at run time are folded out of sight
    diags_.report(DiagID::err_model_arg, range,
                  "the shape of a tensor with axes sized at run time (None) is not known at build time");
    return Value::error(range);
  }
  std::vector<Value> dims;
  for (int64_t d : v.program->nodes[v.integer].dims) dims.push_back(d == kNone ? Value::none(range) : Value::ofInt(d, range));
  return Value::ofTuple(std::move(dims), range);
}

// Tensor math on a model's tensors outside any layer (`x + inputs`,
// `tf.nn.relu(x)`, `x[:, 0]`): Keras makes a layer of it (tf.keras 2 a
// TFOpLambda named after the op, "tf.__operators__.add"; Keras 3 an
// operation, "add"), and so does Kiln. The model's tensors among the operands
// (also inside lists) become the inputs of a new TensorProgram, `compute`
// runs the math on them traced, and the layer is applied to those tensors.
// No value when no operand is a model's tensor.
std::optional<Value> Evaluator::onModelTensors(const std::string &keras2Name, const std::string &keras3Name,
                                               const std::vector<Value *> &operands, SourceRange range,
                                               const std::function<Value()> &compute, const std::string &given) {
  if (trace_) return std::nullopt;
  std::vector<Tensor *> inputs;
  bool constants = false;
  std::function<void(const Value &)> collect = [&](const Value &v) {
    if (v.is(ValueKind::Tensor) && std::find(inputs.begin(), inputs.end(), v.tensor) == inputs.end())
      inputs.push_back(v.tensor);
    constants |= isConstant(v);
    if (v.isSequence())
      for (const Value &item : v.items) collect(item);
  };
  for (const Value *v : operands) collect(*v);
  if (inputs.empty() && constants) {  // math on constants alone stays constant
    trace_ = compositeConstants_;
    Value result = compute();
    trace_ = nullptr;
    return result;
  }
  if (inputs.empty()) return std::nullopt;
  if (constants) {
    bool ok = true;
    for (Value *v : operands) *v = constantsAsTensors(*v, range, ok);
    if (!ok) return Value::error(range);
    inputs.clear();
    for (const Value *v : operands) collect(*v);
  }
  const std::string &stem = options_.kerasVersion == KerasVersion::V2 ? keras2Name : keras3Name;
  const std::string &what = given.empty() ? stem : given;
  // Leading axes sized at run time, the same in every operand, fold into
  // the batch for elementwise math (a residual add over variable-length steps).
  std::vector<TensorType> types;
  bool anyBatchFree = false;
  for (Tensor *t : inputs) types.push_back(t->type), anyBatchFree |= t->batchFree;
  const int fold = anyBatchFree ? 0 : foldableAxes(types);
  const bool open = std::any_of(types.begin(), types.end(), [](const TensorType &t) { return t.hasOpenAxes(); });
  const auto tensors = std::count_if(operands.begin(), operands.end(), [](const Value *v) { return v->is(ValueKind::Tensor); });
  if (open && !fold && !anyBatchFree && !constants && inputs.size() == 2 && tensors == 2)
    if (std::optional<Value> merged = broadcastingMerge(keras3Name, inputs, range, stem, given))
      return merged;
  for (Tensor *t : inputs)
    if (t->type.hasOpenAxes() && !fold) {
      diags_.report(DiagID::err_model_arg, range,
                    "'" + what + "' needs the sizes of its input's axes at build time, but its input has shape " +
                        shapeString(t->type));
      return Value::error(range);
    }
  auto program = std::make_shared<TensorProgram>();
  program->foldedAxes = fold;  // the axes the code gives count them (TensorArgs::foldedAxes)
  trace_ = program;
  foldedTrace_ = fold > 0;
  std::vector<Value> traced;
  // A tensor computed from constants is Keras's, without a batch axis (each
  // sample holds it: the program reads the first).
  bool batchFree = true;
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool batched = !inputs[i]->batchFree;
    std::vector<int64_t> dims;
    if (batched) dims.push_back(kNone);
    for (size_t a = 1 + size_t(fold); a < inputs[i]->type.dims.size(); ++a) dims.push_back(inputs[i]->type.dims[a].value());
    traced.push_back(this->traced(program->input(int(i), dims, batched, inputs[i]->type.dtype == DType::Int32), range));
    batchFree &= !batched;
  }
  for (Value *v : operands)
    *v = withTensorsReplaced(*v, [&](const Value &t) {
      return traced[std::find(inputs.begin(), inputs.end(), t.tensor) - inputs.begin()];
    });
  Value result = compute();
  trace_ = nullptr;
  foldedTrace_ = false;
  if (result.is(ValueKind::Error) || !result.is(ValueKind::Traced)) return result;  // e.g. tf.shape(x): sizes
  if (batchFree && !program->nodes[result.integer].batched)
    result.integer = program->broadcastBatch(int(result.integer));
  if (!program->nodes[result.integer].batched) {
    diags_.report(DiagID::err_model_arg, range, "'" + what + "' must keep the batch axis of the model's tensors");
    return Value::error(range);
  }
  program->outputs.push_back(int(result.integer));
  if (fold && !checkFolded("'" + what + "'", *program, types[0], range)) return Value::error(range);
  program->foldedAxes = fold;
  std::string name = given.empty() ? uniqueName(stem, true, compositeNames_) : given;
  Layer *layer = graph_.newLayer(tensorMathKind(keras2Name == "tf.__operators__.getitem"), name, range);
  layer->program = program;
  for (Tensor *t : inputs) layer->builtInputs.push_back(t->type);
  return applyLayer(layer, inputs, range, inputs.size() > 1);  // batch-free outputs of batch-free inputs
}

// An elementwise operation on two build-time numbers (`keras.ops.equal(
// x.shape[-1], channels)` in keras.io's MobileViT) is Python's: a number,
// or a bool for a comparison.
std::optional<Value> Evaluator::binaryOnNumbers(const std::string &name, const CallSite &call) {
  std::vector<const Value *> xs;
  for (const CallArgument &a : call.args)
    if (a.keyword != "name") xs.push_back(&a.value);
  if (xs.size() != 2 || !xs[0]->isNumber() || !xs[1]->isNumber()) return std::nullopt;
  const Value &x = *xs[0], &y = *xs[1];
  if (name == "maximum") return x.number() >= y.number() ? x : y;
  if (name == "minimum") return x.number() <= y.number() ? x : y;
  static const std::map<std::string, std::string> arithmetic = {
      {"add", "+"}, {"subtract", "-"}, {"multiply", "*"}, {"divide", "/"},
      {"truediv", "/"}, {"true_divide", "/"}, {"pow", "**"}, {"power", "**"},
  };
  static const std::map<std::string, std::string> comparisons = {
      {"greater", ">"}, {"greater_equal", ">="}, {"less", "<"}, {"less_equal", "<="}, {"equal", "=="}, {"not_equal", "!="},
  };
  if (auto op = arithmetic.find(name); op != arithmetic.end()) return binary(op->second, x, y, call.range);
  return compare(comparisons.at(name), x, y, call.range);
}

Value Evaluator::tensorBinary(const std::string &op, const Value &a, const Value &b, SourceRange range) {
  static const std::map<std::string, int32_t> codes = {
      {"+", abi::kAdd},        {"-", abi::kSubtract},      {"*", abi::kMultiply}, {"/", abi::kDivide},
      {"//", abi::kDivide},    {"**", abi::kPower},        {">", abi::kGreater},  {">=", abi::kGreaterEqual},
      {"<", abi::kLess},       {"<=", abi::kLessEqual},    {"==", abi::kEqual},   {"!=", abi::kNotEqual},
  };
  if (op == "@" && trace_) {  // matmul's, of a tensor and a weight or of two tensors
    CallSite call{range, range, {{"", {}, a, nullptr}, {"", {}, b, nullptr}}};
    return callTensorOp(*tensorOpBuiltin("tensorflow", "matmul"), call);
  }
  std::string what = fmt::format("'{}' on {} and {}", op, describe(a), describe(b));
  auto code = codes.find(op);
  if (!trace_ || code == codes.end()) {
    diags_.report(DiagID::err_tensor_op_unsupported, range, "operator " + op, supportedList());
    return Value::error(range);
  }
  std::optional<int> x = tensorOperand(a, what), y = tensorOperand(b, what);
  if (!x || !y) return Value::error(range);
  std::string error;
  std::optional<int> r = trace_->binary(code->second, *x, *y, error);
  if (r && op == "//") r = trace_->unary(abi::kFloor, *r, error);
  if (!r) {
    diags_.report(DiagID::err_tensor_op, range, what, error);
    return Value::error(range);
  }
  return traced(*r, range);
}

Value Evaluator::tensorNegate(const Value &v, SourceRange range) {
  std::string error;
  return traced(*trace_->unary(abi::kNegate, int(v.integer), error), range);
}

namespace {

// The indexes of a whole tensor as indexes of its rows, which lack the
// `fold` open axes after the batch's: those must be taken whole (`:`), and
// are dropped. False if they are not.
bool dropOpenAxes(std::vector<TensorProgram::Index> &indexes, int &ellipsis, int fold) {
  using Kind = TensorProgram::Index::Kind;
  // `...` among them takes the rest of them (as many as the rows still
  // have: the subscript checks that the indexes after it fit).
  const size_t end = ellipsis >= 1 && ellipsis < 1 + fold ? size_t(ellipsis) : size_t(1 + fold);
  for (size_t i = 1; i < end && i < indexes.size(); ++i) {
    const TensorProgram::Index &index = indexes[i];
    if (index.kind != Kind::Slice || index.begin || index.end || index.step != 1) return false;
  }
  const size_t dropped = indexes.size() > 1 ? std::min(end, indexes.size()) - 1 : 0;
  indexes.erase(indexes.begin() + (dropped ? 1 : 0), indexes.begin() + std::ptrdiff_t(dropped ? 1 + dropped : 0));
  if (ellipsis >= int(end)) ellipsis -= int(dropped);
  return true;
}

}  // namespace

// x[i], x[:, 0], x[..., :3], x[:, None]
Value Evaluator::tensorSubscript(const Value &object, const ast::Expr &e) {
  std::vector<TensorProgram::Index> indexes;
  int ellipsis = -1;
  for (const ast::ExprPtr &item : e.elements) {
    using Kind = TensorProgram::Index::Kind;
    if (item->kind == ast::ExprKind::Slice) {
      TensorProgram::Index index;
      std::optional<int64_t> *bounds[3] = {&index.begin, &index.end, nullptr};
      for (int i = 0; i < 3; ++i) {
        if (!item->elements[i]) continue;
        Value v = eval(*item->elements[i]);
        if (v.is(ValueKind::Error)) return v;
        if (v.is(ValueKind::None)) continue;
        if (!v.isInteger() || (i == 2 && v.asInt() == 0)) {
          diags_.report(DiagID::err_slice_index, v.range, describe(v));
          return Value::error(e.range);
        }
        if (i < 2) *bounds[i] = v.asInt();
        else index.step = v.asInt();
      }
      indexes.push_back(index);
      continue;
    }
    Value v = eval(*item);
    if (v.is(ValueKind::Error)) return v;
    // x[..., 2] (no slice among the indexes) is x[(..., 2)]: a tuple of them.
    std::vector<Value> values{v};
    if (v.is(ValueKind::Tuple) && e.elements.size() == 1) values.assign(v.items.begin(), v.items.end());
    for (const Value &index : values) {
      if (index.is(ValueKind::Ellipsis) && ellipsis < 0) ellipsis = int(indexes.size());
      else if (index.is(ValueKind::None)) indexes.emplace_back().kind = Kind::NewAxis;
      else if (index.isInteger()) {
        TensorProgram::Index &integer = indexes.emplace_back();
        integer.kind = Kind::Integer;
        integer.start = index.asInt();
      } else {
        diags_.report(DiagID::err_tensor_op, index.range, "indexing " + describe(object),
                      "an index is an integer, a slice, None or '...', not " + describe(index));
        return Value::error(e.range);
      }
    }
  }
  std::string error;
  if (foldedTrace_ && trace_->nodes[size_t(object.integer)].batched && ellipsis != 0 &&
      !dropOpenAxes(indexes, ellipsis, trace_->foldedAxes)) {
    diags_.report(DiagID::err_model_arg, e.range,
                  "indexing a tensor with axes sized at run time (None) must take those axes whole (x[:, :, 0] "
                  "or x[..., 0]); Kiln computes along the other axes only");
    return Value::error(e.range);
  }
  std::optional<int> r = trace_->subscript(int(object.integer), indexes, ellipsis, error);
  if (!r) {
    diags_.report(DiagID::err_tensor_op, e.range, "indexing " + describe(object), error);
    return Value::error(e.range);
  }
  return traced(*r, e.range);
}

// depth_to_space(input, block_size, data_format) of tf.nn ('NHWC') and
// keras.ops ('channels_last', 'channels_first'), and space_to_depth: on a
// model's tensor a layer of its own kind, so that open height and width stay
// open (ESPCN and EDSR upscale images of any size). Inside a layer, of
// channels_last images: TensorFlow's order as a reshape, a transpose and a
// reshape (a pixel's channels hold its block's rows, then columns).
Value Evaluator::pixelShuffle(const Builtin &builtin, CallSite &call, bool toDepth) {
  const std::string what = spelled(builtin);
  const bool tensorflow = builtin.detail.rfind("tensorflow", 0) == 0;
  const Value *x = nullptr, *block = nullptr, *format = nullptr;
  std::string layerName;
  static const char *const positional[] = {"input", "block_size", "data_format"};
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    std::string key = a.keyword.empty() && next < 3 ? positional[next++] : a.keyword;
    if (key == "input" || key == "x") x = &a.value;
    else if (key == "block_size") block = &a.value;
    else if (key == "data_format") format = &a.value;
    else if (key == "name" && a.value.is(ValueKind::Str)) layerName = a.value.text;
    else {
      diags_.report(DiagID::err_tensor_op, a.value.range, what,
                    "takes input, block_size, data_format and name, not " +
                        (a.keyword.empty() ? std::string("a fourth argument") : "'" + a.keyword + "'"));
      return Value::error(call.range);
    }
  }
  if (x) {
    size_t visited = 0;
    if (const Value *s = findSkipped(*x, &visited)) return unshaped(*s);  // on data: skipped like the rest of the data code
  }
  if (!x || !(x->is(ValueKind::Tensor) || (trace_ && x->is(ValueKind::Traced)))) {
    diags_.report(DiagID::err_tensor_op, x ? x->range : call.range, what, "needs a model's tensor as its input");
    return Value::error(call.range);
  }
  if (!block || !block->isInteger() || block->asInt() < 2) {
    diags_.report(DiagID::err_tensor_op, block ? block->range : call.range, what,
                  "needs an integer block_size of at least 2");
    return Value::error(call.range);
  }
  // TensorFlow computes 'NCHW' only on GPUs (its CPU kernels refuse it).
  std::string dataFormat = "channels_last";
  if (format && !format->is(ValueKind::None)) {
    bool known = format->is(ValueKind::Str) &&
                 (tensorflow ? format->text == "NHWC"
                             : format->text == "channels_last" || format->text == "channels_first");
    if (!known) {
      diags_.report(DiagID::err_tensor_op, format->range, what,
                    tensorflow ? "Kiln takes data_format 'NHWC' (TensorFlow computes 'NCHW' only on GPUs)"
                               : "data_format is 'channels_last' or 'channels_first'");
      return Value::error(call.range);
    }
    if (format->text == "channels_first") dataFormat = format->text;
  }
  if (x->is(ValueKind::Traced)) {
    const std::vector<int64_t> dims = trace_->nodes[x->integer].dims;
    const int64_t b = block->asInt();
    std::string error = dataFormat != "channels_last" ? "Kiln rearranges channels_last images inside a layer" : "";
    if (error.empty() && dims.size() != 4) error = "images of shape (None, height, width, channels) are expected";
    std::optional<int> blocks, moved, result;
    if (error.empty() && toDepth)  // (H/b, b, W/b, b, C) -> (H/b, W/b, b, b, C)
      blocks = trace_->reshape(int(x->integer), {kNone, dims[1] / b, b, dims[2] / b, b, dims[3]}, error);
    else if (error.empty())  // (H, W, b, b, C/b^2) -> (H, b, W, b, C/b^2)
      blocks = trace_->reshape(int(x->integer), {kNone, dims[1], dims[2], b, b, dims[3] / (b * b)}, error);
    if (blocks) moved = trace_->transpose(*blocks, {0, 1, 3, 2, 4, 5}, error);
    if (moved)
      result = toDepth ? trace_->reshape(*moved, {kNone, dims[1] / b, dims[2] / b, b * b * dims[3]}, error)
                       : trace_->reshape(*moved, {kNone, dims[1] * b, dims[2] * b, dims[3] / (b * b)}, error);
    if (!result) {
      diags_.report(DiagID::err_tensor_op, call.range, what, error);
      return Value::error(call.range);
    }
    return traced(*result, call.range);
  }
  const bool keras2 = options_.kerasVersion == KerasVersion::V2;
  const std::string stem = keras2 && tensorflow ? "tf.nn." + builtin.name : builtin.name;
  Layer *layer = graph_.newLayer(pixelShuffleKind(toDepth),
                                 layerName.empty() ? uniqueName(stem, true, compositeNames_) : layerName, call.range);
  layer->config.set("block_size", Value::ofInt(block->asInt(), block->range), true);
  layer->config.set("data_format", Value::ofStr(dataFormat, call.range), true);
  return applyLayer(layer, {x->tensor}, call.range, false);
}

Value Evaluator::callTensorOp(const Builtin &builtin, CallSite &call) {
  const TensorOp &op = *findOp(builtin.name);
  const std::string what = spelled(builtin);
  size_t visited = 0;
  for (const CallArgument &a : call.args)
    if (const Value *s = findSkipped(a.value, &visited)) {  // on data: skipped like the rest of the data code
      if (std::optional<Value> data = dataTensorOp(builtin, op, call)) return *data;
      return unshaped(*s);
    }
  if (std::optional<Value> sizes = sizeArithmetic(op.family, call)) return *sizes;
  if (op.family == Family::Constant) {
    // convert_to_tensor(x), tf.constant(x), tf.identity(x) and
    // tf.stop_gradient(x) are x: numbers and lists of them become constant
    // tensors where a tensor is needed.
    for (const CallArgument &a : call.args)
      if (a.keyword == "shape" && !a.value.is(ValueKind::None)) {
        diags_.report(DiagID::err_tensor_op, a.value.range, what, "a constant with shape= is not supported");
        return Value::error(call.range);
      }
    if (call.args.empty() || !call.args[0].keyword.empty()) {
      diags_.report(DiagID::err_missing_argument, call.range, what, "value");
      return Value::error(call.range);
    }
    return call.args[0].value;
  }
  if (trace_ && foldedTrace_ && !computesOnRows(op.family)) {
    diags_.report(DiagID::err_tensor_op, call.range, what,
                  "its input has axes sized at run time (None), and over such axes Kiln computes elementwise math, "
                  "reductions, softmax and concatenation along the other axes only");
    return Value::error(call.range);
  }
  if (op.family == Family::PixelShuffle) return pixelShuffle(builtin, call, op.code == 1);
  if (op.family == Family::Split) return splitTensor(builtin, call, what, op.code == 1);
  if (op.family == Family::Pad) return padTensor(call, what);
  if (op.family == Family::OneHot) return oneHot(builtin, call, what);
  if (op.family == Family::Resize) return resizeImages(builtin, call, what);
  if (!trace_ && op.family == Family::Shape && call.args.size() == 1 && call.args[0].value.is(ValueKind::Tensor) &&
      call.args[0].value.tensor->type.hasOpenAxes())
    return runTimeShape(call.args[0].value.tensor, call.range);
  if (!trace_ && op.family == Family::Range)
    for (const CallArgument &a : call.args)
      if (isRunTimeSize(a.value)) return positions(call, what);
  if (!trace_ && op.family == Family::Range) {
    // A constant: in a model, only a composite layer's call() computes with one.
    if (!compositeConstants_) return Value::skipped(what, "a constant tensor outside any layer", call.range);
    trace_ = compositeConstants_;
    Value result = callTensorOp(builtin, call);
    trace_ = nullptr;
    return result;
  }
  if (!trace_) {
    // tf.keras 2 names the layer after the TensorFlow function's canonical
    // name (tf.reduce_mean and tf.nn.sigmoid are tf.math's), Keras 3 after the operation.
    const bool mathCanonical = op.family == Family::Unary || op.family == Family::Binary || op.family == Family::Reduce;
    const bool mathActivation = builtin.name == "sigmoid" || builtin.name == "tanh" || builtin.name == "softplus";
    std::string keras2 = builtin.detail.rfind("tensorflow", 0) != 0 ? "tf." + builtin.name
                         : (builtin.detail == "tensorflow" && mathCanonical) ||
                                   (op.family == Family::Activation && mathActivation)
                             ? "tf.math." + builtin.name
                             : "tf" + builtin.detail.substr(10) + "." + builtin.name;
    // name= names the layer (kilnc import writes the saved names so).
    std::vector<Value *> operands;
    std::string layerName;
    for (CallArgument &a : call.args) {
      operands.push_back(&a.value);
      if (a.keyword == "name" && a.value.is(ValueKind::Str)) layerName = a.value.text;
    }
    if (op.family == Family::Reduce) {
      TensorArgs args{diags_, call, what, parameterNames(op), {}, [](const Value &) { return std::nullopt; }};
      if (!args.bind()) return Value::error(call.range);
      const std::string &stem = options_.kerasVersion == KerasVersion::V2 ? keras2 : builtin.name;
      if (std::optional<Value> pooled = globalPooling(op, args, stem, layerName)) return *pooled;
    }
    if (op.family == Family::Moments && op.code == 0) {  // (mean, variance): a layer each
      std::vector<Value> parts;
      for (size_t i = 0; i < 2; ++i) {
        CallSite again = call;
        std::vector<Value *> values;
        for (CallArgument &a : again.args) values.push_back(&a.value);
        auto part = [&] {
          Value both = callTensorOp(builtin, again);
          return both.is(ValueKind::Tuple) ? both.items[i] : both;
        };
        std::optional<Value> layer = onModelTensors(keras2, builtin.name, values, call.range, part);
        if (!layer) break;
        if (layer->is(ValueKind::Error)) return *layer;
        parts.push_back(*layer);
      }
      if (parts.size() == 2) return Value::ofTuple(std::move(parts), call.range);
    }
    if (std::optional<Value> layer = onModelTensors(keras2, builtin.name, operands, call.range,
                                                    [&] { return callTensorOp(builtin, call); }, layerName))
      return *layer;
    if (op.family == Family::Binary)
      if (std::optional<Value> number = binaryOnNumbers(op.name, call)) return *number;
    // Math on a build-time number (tf.math.sqrt(tf.cast(tf.shape(key)[-1], tf.float32))) is a number.
    if (op.family == Family::Unary && call.args.size() == 1 && call.args[0].value.isNumber()) {
      double x = call.args[0].value.number();
      static const std::map<int32_t, double (*)(double)> functions = {
          {abi::kAbs, [](double v) { return std::fabs(v); }},   {abi::kSquare, [](double v) { return v * v; }},
          {abi::kSqrt, [](double v) { return std::sqrt(v); }}, {abi::kRsqrt, [](double v) { return 1 / std::sqrt(v); }},
          {abi::kExp, [](double v) { return std::exp(v); }},   {abi::kLog, [](double v) { return std::log(v); }},
          {abi::kFloor, [](double v) { return std::floor(v); }}, {abi::kCeil, [](double v) { return std::ceil(v); }},
          {abi::kNegate, [](double v) { return -v; }},         {abi::kReciprocal, [](double v) { return 1 / v; }},
          {abi::kSign, [](double v) { return double((v > 0) - (v < 0)); }},
          {abi::kSin, [](double v) { return std::sin(v); }},   {abi::kCos, [](double v) { return std::cos(v); }},
          {abi::kTan, [](double v) { return std::tan(v); }},   {abi::kLog1p, [](double v) { return std::log1p(v); }},
          {abi::kExpm1, [](double v) { return std::expm1(v); }},
          {abi::kRound, [](double v) { return std::nearbyint(v); }},
          {abi::kErf, [](double v) { return std::erf(v); }},   {abi::kErfc, [](double v) { return std::erfc(v); }},
      };
      if (auto f = functions.find(op.code); f != functions.end()) return Value::ofFloat(float(f->second(x)), call.range);
    }
    if (op.family == Family::Cast && !call.args.empty() && call.args[0].value.isNumber()) {
      trace_ = compositeConstants_ ? compositeConstants_ : std::make_shared<TensorProgram>();
      Value result = callTensorOp(builtin, call);
      trace_ = nullptr;
      return result;
    }
    // tf.zeros((1, 784)), ops.ones(shape=(3, 64)) outside any layer: data of
    // that shape, which builds a subclassed model called on it.
    if (op.family == Family::Fill && op.code != 2) {
      TensorArgs args{diags_, call, what, parameterNames(op), {}, [](const Value &) { return std::nullopt; }};
      std::optional<std::vector<int64_t>> dims = args.bind() ? args.integers(0) : std::nullopt;
      if (!dims) return Value::error(call.range);
      if (std::all_of(dims->begin(), dims->end(), [](int64_t d) { return d > 0; }))
        return constantData(what + "()", *dims, call.range);
    }
    diags_.report(DiagID::err_tensor_op_outside, call.range, what);
    return Value::error(call.range);
  }

  TensorArgs args{diags_, call, what, parameterNames(op), {}, [&](const Value &v) { return tensorOperand(v, what); }};
  if (!args.bind()) return Value::error(call.range);
  if (foldedTrace_) {
    // Rows of the model's tensors (batched) fold the open axes out of sight; constants do not.
    auto batched = [&](const Value &v) { return v.is(ValueKind::Traced) && trace_->nodes[size_t(v.integer)].batched; };
    const Value &first = *args[0];
    bool rows = batched(first) || (first.isSequence() && std::any_of(first.items.begin(), first.items.end(), batched));
    if (rows) {
      const Value &row = batched(first) ? first : *std::find_if(first.items.begin(), first.items.end(), batched);
      args.foldedAxes = trace_->foldedAxes;
      args.rowRank = trace_->nodes[size_t(row.integer)].rank() + (op.family == Family::ExpandDims ? 1 : 0);
    }
    // x @ y of two computed tensors multiplies matrices of their last two axes, which may be open ones.
    if (op.family == Family::MatMul && args.given(1) && batched(*args[1])) {
      diags_.report(DiagID::err_tensor_op, call.range, what,
                    "a product of two tensors with axes sized at run time (None) is not supported (over such axes "
                    "Kiln computes along the other axes only)");
      return Value::error(call.range);
    }
  }
  return traceTensorFamily(builtin, op, args);
}

// tf.reduce_mean(x, axis=[1, 2]) (or the maximum, keepdims or not) of a
// model's channels-last tensor over every axis between the batch and the
// last, open ones among them: what Keras's global pooling computes
// (GlobalAveragePooling2D is ops.mean over those axes), so it is that layer,
// which runs over open axes. Nothing for other reductions.
std::optional<Value> Evaluator::globalPooling(const TensorOp &op, const TensorArgs &args, const std::string &stem,
                                              const std::string &given) {
  if (op.code != abi::kReduceMean && op.code != abi::kReduceMax) return std::nullopt;
  const Value &x = *args[0];
  if (!x.is(ValueKind::Tensor) || x.tensor->batchFree || !args.given(1) || args.given(3) ||
      (args.given(2) && !args[2]->is(ValueKind::Bool)))
    return std::nullopt;
  const TensorType &type = x.tensor->type;
  const int rank = type.rank();
  const Value &axes = *args[1];
  bool integers = axes.isInteger() || (axes.isSequence() && std::all_of(axes.items.begin(), axes.items.end(),
                                                                        [](const Value &a) { return a.isInteger(); }));
  if (rank < 3 || rank > 5 || !type.hasOpenAxes() || !integers) return std::nullopt;
  const std::vector<int64_t> listed = *args.integers(1);
  std::set<int64_t> reduced;
  for (int64_t a : listed) reduced.insert(a < 0 ? a + rank : a);
  if (int(reduced.size()) != rank - 2 || *reduced.begin() != 1 || *reduced.rbegin() != rank - 2) return std::nullopt;
  const std::string cls = fmt::format("Global{}Pooling{}D", op.code == abi::kReduceMean ? "Average" : "Max", rank - 2);
  const SourceRange range = args.call.range;
  const bool keepdims = args.given(2) && args[2]->boolean;
  CallSite construct{range, args.call.calleeRange,
                     {{"data_format", {}, Value::ofStr("channels_last", range), nullptr},
                      {"keepdims", {}, Value::ofBool(keepdims, range), nullptr},
                      {"name", {}, Value::ofStr(given.empty() ? uniqueName(stem, true, compositeNames_) : given, range),
                       nullptr}}};
  Value layer = constructLayer(LayerRegistry::instance().find(cls), construct);
  if (layer.is(ValueKind::Error) || layer.layer->invalid) return Value::error(range);
  CallSite apply{range, args.call.calleeRange, {{"", {}, x, nullptr}}};
  return callLayer(layer.layer, apply);
}

// What computes on each row of a program folded over open axes as on the
// whole tensor: math that never moves elements across the open axes, with
// the axes the code gives counted as the whole tensor's (TensorArgs::rowAxis).
bool Evaluator::computesOnRows(Family family) {
  switch (family) {
  case Family::Unary: case Family::Binary: case Family::Activation: case Family::Reduce: case Family::Softmax:
  case Family::Clip: case Family::L2Normalize: case Family::Concatenate: case Family::Stack: case Family::ExpandDims:
  case Family::Squeeze: case Family::MatMul: case Family::Where: case Family::Cast: case Family::Shape:
  case Family::Range: case Family::Constant: case Family::BiasAdd: case Family::FillLike: case Family::Repeat:
  case Family::Moments: case Family::BatchDot: case Family::AddN: case Family::Roll: case Family::Band:
  case Family::Reverse:
    return true;
  default: return false;
  }
}

void Evaluator::reportUnsupportedTensorOp(const std::string &what, SourceRange range) {
  diags_.report(DiagID::err_tensor_op_unsupported, range, what, supportedList());
}

}  // namespace kiln
