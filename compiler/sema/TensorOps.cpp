// Tensor expressions: inside a Lambda's function or a custom layer's call(),
// tensors are traced values (ValueKind::Traced), and Python operators,
// indexing and a documented subset of keras.backend / tf / tf.math / tf.nn /
// keras.ops add nodes to the layer's TensorProgram, with shapes checked as
// they are built. Anything else on a traced tensor is an error that names it
// and lists the subset.
#include "sema/Evaluator.h"

#include "graph/TensorProgram.h"
#include "layers/LayerKind.h"
#include "layers/core/Traced.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <fmt/format.h>

namespace kiln {

namespace {

enum class Family {
  Unary, Binary, Activation, Reduce, Softmax, Clip, L2Normalize, Concatenate, Stack, ExpandDims, Squeeze, Reshape,
  Transpose, MatMul, Where, Cast, Shape, Range, Patches, Tile, Constant, BiasAdd, PixelShuffle, Split, Pad, OneHot,
  FillLike, Fill, BroadcastTo, Repeat, Moments, BatchDot, Resize,
};

struct TensorOp {
  const char *name;
  Family family;
  int32_t code;
};

const std::vector<TensorOp> &tensorOps() {
  static const std::vector<TensorOp> table = {
      {"negative", Family::Unary, abi::kNegate},       {"abs", Family::Unary, abi::kAbs},
      {"square", Family::Unary, abi::kSquare},         {"sqrt", Family::Unary, abi::kSqrt},
      {"rsqrt", Family::Unary, abi::kRsqrt},           {"exp", Family::Unary, abi::kExp},
      {"log", Family::Unary, abi::kLog},               {"sign", Family::Unary, abi::kSign},
      {"floor", Family::Unary, abi::kFloor},           {"ceil", Family::Unary, abi::kCeil},
      {"reciprocal", Family::Unary, abi::kReciprocal},
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
      {"split", Family::Split, 0},                {"pad", Family::Pad, 0},
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

const TensorOp *findOp(std::string_view name) {
  for (const TensorOp &op : tensorOps())
    if (name == op.name) return &op;
  return nullptr;
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

// Arguments by position or by one of each parameter's names.
struct OpArguments {
  std::vector<const Value *> values;
  bool ok = true;
};

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

}  // namespace

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
  for (Tensor *t : inputs)
    if (t->type.hasOpenAxes() && !fold) {
      diags_.report(DiagID::err_model_arg, range,
                    "'" + what + "' needs the sizes of its input's axes at build time, but its input has shape " +
                        shapeString(t->type));
      return Value::error(range);
    }
  auto program = std::make_shared<TensorProgram>();
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
  if (fold && !checkFolded("'" + what + "'", *program, types[0], fold, range)) return Value::error(range);
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
    if (const Value *s = findSkipped(a.value, &visited)) return unshaped(*s);  // on data: skipped like the rest of the data code
  if (std::optional<Value> sizes = sizeArithmetic(op.family, call)) return *sizes;
  if (op.family == Family::Constant) {
    // convert_to_tensor(x) and tf.constant(x) are x: numbers and lists of
    // them become constant tensors where a tensor is needed.
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
  if (op.family == Family::PixelShuffle) return pixelShuffle(builtin, call, op.code == 1);
  if (op.family == Family::Split) return splitTensor(builtin, call, what);
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
      };
      if (auto f = functions.find(op.code); f != functions.end()) return Value::ofFloat(float(f->second(x)), call.range);
    }
    if (op.family == Family::Cast && !call.args.empty() && call.args[0].value.isNumber()) {
      trace_ = compositeConstants_ ? compositeConstants_ : std::make_shared<TensorProgram>();
      Value result = callTensorOp(builtin, call);
      trace_ = nullptr;
      return result;
    }
    diags_.report(DiagID::err_tensor_op_outside, call.range, what);
    return Value::error(call.range);
  }

  // Parameters by family: names each argument may be passed by.
  using Names = std::vector<const char *>;
  static const Names x = {"x", "input_tensor", "input", "a", "tensor", "features", "logits", "t", "condition"};
  std::vector<Names> params;
  switch (op.family) {
  case Family::Unary: case Family::Cast: case Family::Shape: case Family::Constant:
    params = {x, {"dtype", "out_type"}};
    break;
  case Family::Tile: params = {x, {"multiples", "repeats", "reps", "n"}}; break;
  case Family::Binary: params = {{"x", "x1", "a"}, {"y", "x2", "b", "exponent"}}; break;
  case Family::Activation: params = {x, {"alpha", "negative_slope"}, {"max_value"}, {"threshold"}, {"approximate"}}; break;
  case Family::Reduce: params = {x, {"axis", "dim", "reduction_indices"}, {"keepdims", "keep_dims"}}; break;
  case Family::Softmax: case Family::ExpandDims: params = {x, {"axis", "dim"}}; break;
  case Family::Squeeze: params = {x, {"axis", "dim"}}; break;
  case Family::Clip: params = {x, {"min_value", "clip_value_min", "x_min"}, {"max_value", "clip_value_max", "x_max"}}; break;
  case Family::L2Normalize: params = {x, {"axis", "dim"}, {"epsilon"}}; break;
  case Family::Concatenate: case Family::Stack: params = {{"tensors", "values", "xs", "x", "arrays"}, {"axis"}}; break;
  case Family::Reshape: params = {x, {"shape", "newshape"}}; break;
  case Family::BiasAdd: params = {{"value", "x"}, {"bias"}, {"data_format"}}; break;
  case Family::Transpose: params = {x, {"perm", "pattern", "axes"}}; break;
  case Family::MatMul: params = {{"x", "a", "x1"}, {"y", "b", "x2"}, {"transpose_a"}, {"transpose_b"}}; break;
  case Family::Where: params = {{"condition", "x"}, {"x", "then_expression", "x1"}, {"y", "else_expression", "x2"}}; break;
  case Family::Range: params = {{"start"}, {"stop", "limit"}, {"step", "delta"}, {"dtype"}}; break;
  case Family::FillLike:
    params = op.code == 2 ? std::vector<Names>{x, {"fill_value"}, {"dtype"}} : std::vector<Names>{x, {"dtype"}};
    break;
  case Family::Fill:
    params = op.code == 2 ? std::vector<Names>{{"shape", "dims"}, {"value", "fill_value"}, {"dtype"}}
                          : std::vector<Names>{{"shape"}, {"dtype"}};
    break;
  case Family::BroadcastTo: params = {x, {"shape"}}; break;
  case Family::Repeat: params = {x, {"repeats", "rep", "n"}, {"axis"}}; break;
  case Family::Moments:
    params = op.code == 0 ? std::vector<Names>{x, {"axes"}, {"shift"}, {"keepdims", "keep_dims"}}
                          : std::vector<Names>{x, {"axis"}, {"keepdims"}};
    break;
  case Family::BatchDot: params = {x, {"y"}, {"axes"}}; break;
  case Family::Resize: break;  // resizeImages
  case Family::Patches:  // keras.ops.image's (size=, dilation_rate=), tf.image's (sizes=[1, r, c, 1], rates=)
    params = {{"images", "image"}, {"size", "sizes"}, {"strides"}, {"dilation_rate", "rates"}, {"padding"}, {"data_format"}};
    break;
  }
  std::vector<const Value *> args(params.size(), nullptr);
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    size_t p = params.size();
    if (a.keyword.empty()) p = next++;
    else if (a.keyword == "name") continue;
    else
      for (size_t i = 0; i < params.size() && p == params.size(); ++i)
        for (const char *n : params[i])
          if (a.keyword == n && !args[i]) p = i;
    if (p >= params.size()) {
      diags_.report(DiagID::err_tensor_op, a.value.range, what,
                    a.keyword.empty() ? "too many arguments" : "unknown argument '" + a.keyword + "'");
      return Value::error(call.range);
    }
    args[p] = &a.value;
  }
  if (!args[0]) {
    diags_.report(DiagID::err_missing_argument, call.range, what, params[0][0]);
    return Value::error(call.range);
  }
  auto given = [&](size_t i) { return i < args.size() && args[i] && !args[i]->is(ValueKind::None); };
  auto integer = [&](size_t i, int64_t fallback) -> std::optional<int64_t> {
    if (!given(i)) return fallback;
    if (args[i]->isInteger()) return args[i]->asInt();
    diags_.report(DiagID::err_tensor_op, args[i]->range, what, "expected an integer, got " + describe(*args[i]));
    return std::nullopt;
  };
  auto number = [&](size_t i, double fallback) -> std::optional<double> {
    if (!given(i)) return fallback;
    if (args[i]->isNumber()) return args[i]->number();
    diags_.report(DiagID::err_tensor_op, args[i]->range, what, "expected a number, got " + describe(*args[i]));
    return std::nullopt;
  };
  auto integers = [&](size_t i) -> std::optional<std::vector<int64_t>> {
    if (!given(i)) return std::vector<int64_t>{};
    if (args[i]->isInteger()) return std::vector<int64_t>{args[i]->asInt()};
    std::vector<int64_t> out;
    for (const Value &v : args[i]->items) {
      if (!v.isInteger() && !v.is(ValueKind::None)) break;
      out.push_back(v.is(ValueKind::None) ? kNone : v.asInt());
    }
    if (args[i]->isSequence() && out.size() == args[i]->items.size()) return out;
    diags_.report(DiagID::err_tensor_op, args[i]->range, what, "expected integers, got " + describe(*args[i]));
    return std::nullopt;
  };
  auto operand = [&](size_t i) -> std::optional<int> {
    if (!args[i]) {
      diags_.report(DiagID::err_missing_argument, call.range, what, params[i][0]);
      return std::nullopt;
    }
    return tensorOperand(*args[i], what);
  };
  auto operands = [&](size_t i) -> std::optional<std::vector<int>> {
    if (!args[i]->isSequence()) {
      diags_.report(DiagID::err_tensor_op, args[i]->range, what, "expected a list of tensors, got " + describe(*args[i]));
      return std::nullopt;
    }
    std::vector<int> out;
    for (const Value &v : args[i]->items) {
      std::optional<int> n = tensorOperand(v, what);
      if (!n) return std::nullopt;
      out.push_back(*n);
    }
    return out;
  };

  std::string error;
  std::optional<int> result;
  bool listFirst = op.family == Family::Concatenate || op.family == Family::Stack;
  std::optional<int> a = listFirst || op.family == Family::Range || op.family == Family::Fill ||
                                 (op.family == Family::Cast && args[0]->isNumber())
                            ? std::optional<int>(-1)
                            : operand(0);
  if (!a) return Value::error(call.range);
  // The default axis where the libraries differ: K.concatenate -1, tf.concat
  // and keras.ops.concatenate 0 (the batch axis: an error), stack 0.
  bool backend = builtin.detail == "keras.backend";
  switch (op.family) {
  case Family::Unary: result = trace_->unary(op.code, *a, error); break;
  case Family::Cast: {
    // Tensors inside a layer are float32: a cast to an integer type keeps
    // the value truncated toward zero, to bool 1 for nonzero (masks).
    std::string dtype = given(1) && args[1]->is(ValueKind::Str) ? args[1]->text : "float32";
    bool integer = dtype.find("int") != std::string::npos, boolean = dtype == "bool";
    if ((given(1) && !args[1]->is(ValueKind::Str)) ||
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
    std::optional<std::vector<int64_t>> repeats = integers(1);
    if (!repeats) return Value::error(call.range);
    result = tile(*trace_, *a, *repeats, error);
    break;
  }
  case Family::Range: {
    std::optional<double> start = number(0, 0), stop = number(1, 0), step = number(2, 1);
    if (!start || !stop || !step) return Value::error(call.range);
    if (!given(1)) std::swap(*start, *stop);  // arange(n): 0 to n
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
    std::optional<int> b = operand(1);
    if (!b) return Value::error(call.range);
    result = trace_->binary(op.code, *a, *b, error);
    break;
  }
  case Family::Activation: {
    std::string name = *canonicalActivation(op.name);
    abi::Activation act = activationCode(name, options_.kerasVersion);
    std::optional<double> alpha = number(1, activationAlpha(act)), maxValue = number(2, -1), threshold = number(3, 0);
    if (!alpha || !maxValue || !threshold) return Value::error(call.range);
    if (act == abi::kRelu && (*alpha != 0 || *maxValue >= 0 || *threshold != 0)) act = abi::kReluClipped;
    if (act == abi::kGelu && given(4) && args[4]->is(ValueKind::Bool) && args[4]->boolean) act = abi::kGeluTanh;
    result = trace_->activate(act, *a, float(*alpha), float(*maxValue), float(*threshold));
    break;
  }
  case Family::Reduce:
  case Family::Moments: {
    std::optional<std::vector<int64_t>> axes = integers(1);
    if (!axes) return Value::error(call.range);
    if (!given(1)) {
      error = op.family == Family::Reduce ? "reducing every axis includes the batch axis; give axis= (e.g. axis=-1)"
                                          : "over every axis includes the batch axis; give the axes (e.g. axis=-1)";
      break;
    }
    size_t keep = op.family == Family::Moments && op.code == 0 ? 3 : 2;  // tf.nn.moments(x, axes, shift, keepdims)
    bool keepdims = given(keep) && args[keep]->is(ValueKind::Bool) && args[keep]->boolean;
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
    std::optional<int64_t> axis = integer(1, -1);
    if (!axis) return Value::error(call.range);
    result = trace_->softmax(*a, *axis, op.code == 1, error);
    break;
  }
  case Family::Clip: {
    std::optional<int> low = operand(1), high = operand(2);
    if (!low || !high) return Value::error(call.range);
    // K.clip raises max_value to min_value when it is smaller.
    if (backend && args[1]->isNumber() && args[2]->isNumber() && args[2]->number() < args[1]->number())
      high = trace_->scalar(args[1]->number());
    std::optional<int> raised = trace_->binary(abi::kMaximum, *a, *low, error);
    if (raised) result = trace_->binary(abi::kMinimum, *raised, *high, error);
    break;
  }
  case Family::L2Normalize: {
    std::optional<std::vector<int64_t>> axes = integers(1);
    if (!axes) return Value::error(call.range);
    if (!given(1)) {
      error = "normalizing over every axis includes the batch axis; give axis= (e.g. axis=-1)";
      break;
    }
    result = trace_->l2Normalize(*a, *axes, error);
    break;
  }
  case Family::Concatenate:
  case Family::Stack: {
    std::optional<std::vector<int>> xs = operands(0);
    std::optional<int64_t> axis = integer(1, op.family == Family::Concatenate && backend ? -1 : 0);
    if (!xs || !axis) return Value::error(call.range);
    result = op.family == Family::Stack ? trace_->stack(*xs, *axis, error) : trace_->concatenate(*xs, *axis, error);
    break;
  }
  case Family::ExpandDims: {
    std::optional<int64_t> axis = integer(1, -1);
    if (!axis) return Value::error(call.range);
    if (!backend && !given(1) && builtin.detail != "keras.ops") {
      error = "tf.expand_dims needs axis=";
      break;
    }
    result = trace_->expandDims(*a, *axis, error);
    break;
  }
  case Family::Squeeze: {
    std::optional<int64_t> axis = integer(1, 0);
    if (!axis) return Value::error(call.range);
    result = trace_->squeeze(*a, given(1) ? std::optional<int64_t>(*axis) : std::nullopt, error);
    break;
  }
  case Family::Reshape: {
    std::optional<std::vector<int64_t>> dims = integers(1);
    if (!dims) return Value::error(call.range);
    result = trace_->reshape(*a, *dims, error);
    break;
  }
  case Family::BiasAdd: {
    // tf.nn.bias_add, K.bias_add: the bias along the channels, the last axis
    // or (data_format 'NCHW', 'NC...', 'channels_first') the one after the batch.
    std::optional<int> bias = operand(1);
    if (!bias) return Value::error(call.range);
    std::string format = given(2) && args[2]->is(ValueKind::Str) ? args[2]->text : "NHWC";
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
      std::optional<std::vector<int64_t>> v = integers(i);
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
    std::string padding = given(4) && args[4]->is(ValueKind::Str) ? args[4]->text : "valid";
    const TensorExpr &images = trace_->nodes[*a];
    bool divides = images.rank() == 4 && images.dims[1] % (*size)[0] == 0 && images.dims[2] % (*size)[1] == 0;
    if (*strides != *size || *rates != std::vector<int64_t>{1, 1})
      error = "Kiln extracts patches side by side (strides equal to the size, no dilation)";
    else if (given(5) && !(args[5]->is(ValueKind::Str) && args[5]->text == "channels_last"))
      error = "Kiln extracts patches of channels_last images";
    else if (padding != "valid" && padding != "VALID" && !((padding == "same" || padding == "SAME") && divides))
      error = "padding='same' on images the patches do not divide is not supported";
    else
      result = trace_->extractPatches(*a, (*size)[0], (*size)[1], error);
    break;
  }
  case Family::Transpose: {
    std::optional<std::vector<int64_t>> perm = integers(1);
    if (!perm) return Value::error(call.range);
    result = trace_->transpose(*a, *perm, error);
    break;
  }
  case Family::MatMul: {
    std::optional<int> b = operand(1);
    if (!b) return Value::error(call.range);
    // transpose_a/transpose_b: the operand's last two axes swapped first.
    for (size_t i : {size_t(2), size_t(3)}) {
      if (!given(i) || !args[i]->is(ValueKind::Bool) || !args[i]->boolean) continue;
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
      std::optional<double> value = given(1) ? number(1, 0) : std::nullopt;
      if (!value) {
        if (!given(1)) diags_.report(DiagID::err_missing_argument, call.range, what, params[1][0]);
        return Value::error(call.range);
      }
      fill = *value;
    }
    std::vector<int64_t> dims = op.family == Family::FillLike ? trace_->nodes[*a].dims : std::vector<int64_t>{};
    if (op.family == Family::Fill) {
      std::optional<std::vector<int64_t>> shape = integers(0);
      if (!shape) return Value::error(call.range);
      dims = *shape;
    }
    result = trace_->filled(dims, fill, error);
    break;
  }
  case Family::BroadcastTo: {
    std::optional<std::vector<int64_t>> dims = given(1) ? integers(1) : std::nullopt;
    if (!dims) {
      if (!given(1)) diags_.report(DiagID::err_missing_argument, call.range, what, "shape");
      return Value::error(call.range);
    }
    result = trace_->broadcastTo(*a, *dims, error);
    break;
  }
  case Family::Repeat: {
    std::optional<int64_t> count = integer(1, 1), axis = integer(2, 0);
    if (!count || !axis) return Value::error(call.range);
    if (backend && builtin.name == "repeat") {  // K.repeat(x, n): RepeatVector's (None, d) -> (None, n, d)
      const TensorExpr &t = trace_->nodes[*a];
      std::optional<int> column = t.batched && t.rank() == 2 ? trace_->expandDims(*a, 1, error) : std::nullopt;
      if (!column && error.empty()) error = "K.repeat takes a tensor of shape (None, features), not " + trace_->shape(*a);
      if (column) result = trace_->broadcastTo(*column, {kNone, *count, trace_->nodes[*a].dims[1]}, error);
      break;
    }
    if (!given(2)) {
      error = "without axis= it repeats the flattened tensor, batch axis included; give axis=";
      break;
    }
    result = trace_->repeatElements(*a, *count, *axis, error);
    break;
  }
  case Family::BatchDot: {
    std::optional<int> b = operand(1);
    if (!b) return Value::error(call.range);
    // Keras's default: x's last axis with y's last but one (its last when y has rank 2).
    int64_t yRank = trace_->nodes[*b].rank();
    std::vector<int64_t> axes{-1, yRank == 2 ? -1 : -2};
    if (given(2)) {
      std::optional<std::vector<int64_t>> given2 = integers(2);
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
    std::optional<int> then = operand(1), otherwise = operand(2);
    if (!then || !otherwise) return Value::error(call.range);
    result = trace_->select(*a, *then, *otherwise, error);
    break;
  }
  }
  if (!result) {
    diags_.report(DiagID::err_tensor_op, call.range, what, error);
    return Value::error(call.range);
  }
  return traced(*result, call.range);
}

void Evaluator::reportUnsupportedTensorOp(const std::string &what, SourceRange range) {
  diags_.report(DiagID::err_tensor_op_unsupported, range, what, supportedList());
}

}  // namespace kiln
