#include "layers/recurrent/Recurrent.h"

#include "codegen/LowerContext.h"

namespace kiln {

namespace {

bool rowwise(const std::string &activation) { return activation == "softmax" || activation == "log_softmax"; }

// CuDNNLSTM and CuDNNGRU have no use_bias, activations or masks: a bias, tanh and sigmoid.
bool useBias(const LayerConfig &c) { return !c.has("use_bias") || c.flag("use_bias"); }
bool setFlag(const LayerConfig &c, const char *name) { return c.has(name) && c.flag(name); }

}  // namespace

std::vector<ArgSpec> recurrentArgs(std::vector<ArgSpec> own, bool unitForgetBias, std::vector<ArgSpec> beforeBase,
                                   std::vector<ArgSpec> afterBase) {
  std::vector<ArgSpec> initializers = {
      arg("kernel_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
      arg("recurrent_initializer", ArgType::Initializer, Value::ofStr("orthogonal")),
      arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros"))};
  // Keras 2 starts the forget gate's bias at 1: initialization only.
  if (unitForgetBias) initializers.push_back(arg("unit_forget_bias", ArgType::Bool, Value::ofBool(true)));
  std::vector<ArgSpec> training;
  for (const char *name : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                           "kernel_constraint", "recurrent_constraint", "bias_constraint"})
    training.push_back(arg(name, ArgType::TrainingOnly, Value::none()));
  // Dropout is training-only: the identity at inference.
  training.push_back(arg("dropout", ArgType::Rate, Value::ofFloat(0.0)));
  training.push_back(arg("recurrent_dropout", ArgType::Rate, Value::ofFloat(0.0)));
  std::vector<ArgSpec> base = {
      arg("return_sequences", ArgType::Bool, Value::ofBool(false)),
      arg("return_state", ArgType::Bool, Value::ofBool(false)),
      arg("go_backwards", ArgType::Bool, Value::ofBool(false)),
      arg("stateful", ArgType::Bool, Value::ofBool(false)),
      arg("time_major", ArgType::Bool, Value::ofBool(false)),
      // How Keras builds its graph; the numbers are the loop's either way.
      arg("unroll", ArgType::Bool, Value::ofBool(false))};
  std::vector<ArgSpec> keywords = {
      // The legacy first-layer form: input_shape=(input_length, input_dim).
      arg("input_dim", ArgType::PositiveInt, Value::none()),
      arg("input_length", ArgType::PositiveInt, Value::none()),
      // Masked steps output 0 instead of the previous output (Bidirectional
      // sets it with return_sequences).
      arg("zero_output_for_mask", ArgType::Bool, Value::ofBool(false))};
  std::vector<ArgSpec> all = std::move(own);
  for (const std::vector<ArgSpec> *part : {&initializers, &training, &beforeBase, &base, &afterBase, &keywords})
    all.insert(all.end(), part->begin(), part->end());
  return all;
}

std::vector<LegacyArg> recurrentLegacyArgs(bool gated) {
  std::vector<LegacyArg> legacy = {
      {"output_dim", "units"},           {"init", "kernel_initializer"},
      {"inner_init", "recurrent_initializer"}, {"W_regularizer", "kernel_regularizer"},
      {"U_regularizer", "recurrent_regularizer"}, {"b_regularizer", "bias_regularizer"},
      {"W_constraint", "kernel_constraint"},   {"U_constraint", "recurrent_constraint"},
      {"b_constraint", "bias_constraint"},     {"dropout_W", "dropout"},
      {"dropout_U", "recurrent_dropout"},      {"consume_less", "implementation"}};
  if (gated) legacy.push_back({"inner_activation", "recurrent_activation"});
  return legacy;
}

void convertCudnnWeights(abi::RecurrentCell cell, int64_t features, int64_t units, bool fromCudnn,
                         std::vector<float> &kernel, std::vector<float> &recurrentKernel, std::vector<float> &bias) {
  int64_t gates = abi::recurrentGates(cell), width = gates * units;
  std::vector<float> k(kernel.size()), r(recurrentKernel.size());
  for (int64_t g = 0; g < gates; ++g) {
    // Element n of block g in memory, at (n / units, n % units), is cuDNN's
    // (n / features, n % features): Keras's (n % features, n / features).
    for (int64_t n = 0; n < features * units; ++n) {
      int64_t cudnn = (n / units) * width + g * units + n % units, keras = (n % features) * width + g * units + n / features;
      if (fromCudnn)
        k[keras] = kernel[cudnn];
      else
        k[cudnn] = kernel[keras];
    }
    for (int64_t i = 0; i < units; ++i)
      for (int64_t j = 0; j < units; ++j) r[i * width + g * units + j] = recurrentKernel[j * width + g * units + i];
  }
  kernel = std::move(k);
  recurrentKernel = std::move(r);
  if (cell != abi::kLSTM) return;  // a GRU's (2, 3 * units) bias is cuDNN's two biases
  if (fromCudnn) {
    for (int64_t i = 0; i < width; ++i) bias[i] += bias[width + i];
    bias.resize(width);
  } else {  // any split with the same sum; Keras halves it
    bias.resize(2 * width);
    for (int64_t i = 0; i < width; ++i) bias[i] = bias[width + i] = 0.5f * bias[i];
  }
}

std::vector<TensorType> RecurrentKind::outputTypes(const LayerConfig &c, const TensorType &input) const {
  int64_t units = c.integer("units");
  TensorType last{DType::Float32, {input.dims[0], units}};
  TensorType sequence{DType::Float32, {input.dims[0], input.dims[1], units}};
  std::vector<TensorType> out = {c.flag("return_sequences") ? sequence : last};
  if (c.flag("return_state")) out.insert(out.end(), stateCount(c), last);
  return out;
}

std::string RecurrentKind::describeOutputs(const Layer &layer) const {
  std::string all = "[output";
  for (const std::string &state : stateNames(layer.config)) all += ", " + state;
  all += "]";
  if (layer.config.flag("return_state")) return all;
  return "one tensor, the output (with return_state=True it returns " + all + ")";
}

// Keras 2's RNN turns input_dim/input_length into input_shape=(input_length, input_dim).
std::optional<std::vector<int64_t>> SequenceLayerKind::declaredInputShape(const LayerConfig &c) const {
  if (!c.isNone("batch_input_shape") || !c.isNone("input_shape")) return std::nullopt;
  auto dim = [&](const char *name) { return !c.has(name) || c.isNone(name) ? kNone : c.integer(name); };
  if (dim("input_dim") == kNone && dim("input_length") == kNone) return std::nullopt;
  return std::vector<int64_t>{dim("batch_size"), dim("input_length"), dim("input_dim")};
}

bool RecurrentKind::checkConfig(DiagnosticEngine &diags, const Layer &layer) const {
  const LayerConfig &c = layer.config;
  bool ok = true;
  if (c.flag("stateful")) {
    diags.report(DiagID::err_rnn_stateful, c.get("stateful").range, layer.describe());
    ok = false;
  }
  if (c.flag("time_major")) {
    diags.report(DiagID::err_unsupported_argument_value, c.get("time_major").range, layer.describe(),
                 "time_major=True (inputs are (batch, timesteps, features))");
    ok = false;
  }
  for (const char *name : {"activation", "recurrent_activation"}) {
    if (c.has(name) && rowwise(c.str(name))) {
      diags.report(DiagID::err_unsupported_argument_value, c.get(name).range, layer.describe(),
                   std::string(name) + "='" + c.str(name) + "'");
      ok = false;
    }
  }
  // Keras's implementation (1 or 2; Keras 1's consume_less 'cpu', 'mem',
  // 'gpu') chooses how the gates are batched, not what they compute.
  if (!c.has("implementation")) return ok;
  const Value &impl = c.get("implementation");
  bool known = (impl.is(ValueKind::Int) && impl.integer >= 0 && impl.integer <= 2) ||
               (impl.is(ValueKind::Str) && (impl.text == "cpu" || impl.text == "mem" || impl.text == "gpu"));
  if (!known) {
    diags.report(DiagID::err_argument_value, impl.range, "implementation", layer.describe(),
                 "must be 1 or 2, got " + repr(impl));
    ok = false;
  }
  return ok;
}

void RecurrentKind::inferShapes(ShapeContext &cx) const {
  const TensorType &in = cx.input();
  const LayerConfig &c = cx.config();
  if (in.rank() != 3) {
    Diagnostic &d = cx.error(DiagID::err_spatial_rank, cx.layer().describe(), 3, "(batch, timesteps, features)",
                             shapeString(in));
    if (in.rank() == 2 && in.perSampleKnown())
      d.note(DiagID::note_sequence_input, d.range,
             "Reshape((" + std::to_string(in.dims[1]) + ", 1)) or RepeatVector(timesteps)");
    return;
  }
  if (!cx.requireConstant(0, 2, "the kernel has a row per feature")) return;
  int64_t units = c.integer("units"), states = stateCount(c);
  size_t given = cx.inputs().size() - 1;
  if (given != 0 && given != size_t(states)) {
    cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
             "initial_state has " + std::to_string(given) + " tensor" + (given == 1 ? "" : "s") + ", but the layer has " +
                 (states == 2 ? "2 states [h, c]" : "1 state [h]"));
    return;
  }
  for (size_t i = 1; i < cx.inputs().size(); ++i) {
    const TensorType &s = cx.input(i);
    if (s.rank() != 2 || s.dims[1] != units) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "initial state " + std::to_string(i - 1) + " has shape " + shapeString(s) + ", but the states are (None, " +
                   std::to_string(units) + ")");
      return;
    }
  }
  cx.outputs = outputTypes(c, in);
  // The mask follows the output sequence; a last output or a state has none.
  for (size_t i = c.flag("return_sequences") ? 1 : 0; i < cx.outputs.size(); ++i) cx.dropMask(i);
  int64_t gates = abi::recurrentGates(cell(c));
  cx.weights.push_back({"kernel", {in.dims[2], gates * units}, "kernel_initializer", true});
  cx.weights.push_back({"recurrent_kernel", {units, gates * units}, "recurrent_initializer", true});
  if (useBias(c)) {
    // GRU reset_after=True keeps the input and the recurrent bias: (2, 3 * units).
    std::vector<int64_t> shape = cudnnWeights()         ? std::vector<int64_t>{2 * gates * units}
                                 : cell(c) == abi::kGRU ? std::vector<int64_t>{2, gates * units}
                                                        : std::vector<int64_t>{gates * units};
    cx.weights.push_back({"bias", shape, "bias_initializer", true});
  }
}

Dim RecurrentKind::temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                                               const std::vector<TensorType> &) const {
  int64_t units = layer.config.integer("units");
  int64_t width = abi::recurrentGateWidth(abi::recurrentGates(cell(layer.config)), units);
  // abi::recurrentTemporary over the steps, which may be an open axis: the
  // projection of every step in whole panels, then the sections of one step.
  Dim projection = roundUp(mul(inputs[0].dims[1], width), abi::kPanelWidth);
  return mul(add(projection, abi::recurrentTemporary(0, width, units).total), 4);
}

std::vector<float> RecurrentKind::projectionKernel(const LayerConfig &c, const std::vector<float> *kernel) const {
  if (cudnnWeights() || !kernel || kernel->empty()) return {};
  int64_t units = c.integer("units"), gates = abi::recurrentGates(cell(c));
  int64_t features = int64_t(kernel->size()) / (gates * units), width = abi::recurrentGateWidth(gates, units);
  std::vector<float> laidOut(features * width);
  for (int64_t f = 0; f < features; ++f) {
    std::vector<float> row = layOutGates(kernel->data() + f * gates * units, units, gates);
    std::copy(row.begin(), row.end(), laidOut.begin() + f * width);
  }
  return laidOut;
}

void RecurrentKind::lower(LowerContext &cx) const {
  const LayerConfig &c = cx.config();
  abi::RecurrentCell kind = cell(c);
  int64_t units = c.integer("units"), features = cx.inputType().dims[2];
  Dim steps = cx.inputType().dims[1];
  int64_t gates = abi::recurrentGates(kind), width = gates * units;  // Keras: the gates side by side
  std::vector<float> kernelValues = cx.weight("kernel"), recurrent = cx.weight("recurrent_kernel"), biasValues;
  if (useBias(c)) biasValues = cx.weight("bias");
  if (cudnnWeights()) convertCudnnWeights(kind, features, units, true, kernelValues, recurrent, biasValues);
  // A projected input (an Embedding's rows times W, see inputProjection)
  // needs no kernel; its rows are `features` floats apart.
  bool projected = cx.bindings().inputProjected;
  llvm::Value *kernel =
      projected ? cx.null() : cx.constant("kernel.packed", packGates(kernelValues, features, units, 0, gates));
  llvm::Value *recurrentKernel = nullptr, *candidateKernel = cx.null();
  if (kind == abi::kGRUResetBefore) {
    // r scales h before the candidate's product: two products per step.
    recurrentKernel = cx.constant("recurrent_kernel.packed", packGates(recurrent, units, units, 0, 2));
    candidateKernel = cx.constant("candidate_kernel.packed", packGates(recurrent, units, units, 2, 1));
  } else {
    recurrentKernel = cx.constant("recurrent_kernel.packed", packGates(recurrent, units, units, 0, gates));
  }
  llvm::Value *bias = cx.null(), *recurrentBias = cx.null();
  if (useBias(c)) {
    const std::vector<float> &b = biasValues;
    bias = cx.constant("bias", layOutGates(b.data(), units, gates));
    if (kind == abi::kGRU) recurrentBias = cx.constant("recurrent_bias", layOutGates(b.data() + width, units, gates));
  }
  bool returnState = c.flag("return_state");
  static_assert(sizeof(abi::RecurrentGeometry) == 8 * sizeof(int64_t), "the geometry's fields, in order");
  llvm::Value *geometry = cx.ints("geometry", {kind, steps, features, units, c.flag("go_backwards"),
                                               c.flag("return_sequences"), setFlag(c, "zero_output_for_mask"),
                                               projected});
  abi::Activation act = c.has("activation") ? cx.activation() : abi::kTanh;
  abi::Activation gate = c.has("recurrent_activation") ? cx.activation("recurrent_activation")
                         : kind == abi::kSimpleRNN     ? abi::kLinear
                                                       : abi::kSigmoid;
  cx.call("kiln_recurrent",
          {cx.output(), returnState ? cx.output(1) : cx.null(),
           returnState && kind == abi::kLSTM ? cx.output(2) : cx.null(), cx.input(), cx.inputMask(),
           cx.inputCount() > 1 ? cx.input(1) : cx.null(), cx.inputCount() > 2 ? cx.input(2) : cx.null(), kernel, bias,
           recurrentKernel, recurrentBias, candidateKernel, cx.temporary(), cx.batch(), geometry, cx.i32(act),
           cx.f32(activationAlpha(act)), cx.i32(gate), cx.f32(activationAlpha(gate))});
}

}  // namespace kiln
