// ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: an LSTM over a sequence of frames
// (batch, timesteps, spatial..., channels) whose products are convolutions.
// Per step, with the gates' kernels side by side in the order i, f, c, o:
//   z = conv(x_t, kernel; strides, padding, dilation_rate) + bias
//       + conv(h, recurrent_kernel; stride 1, 'same')
//   i, f, o = recurrent_activation(z_i, z_f, z_o), c = f c + i activation(z_c),
//   h = o activation(c)
// h and c have the shape of an output frame. Lowered onto kiln_conv_lstm,
// which runs the convolutions of kernels/Conv.cpp.
#include "layers/conv/ConvCommon.h"
#include "layers/recurrent/Recurrent.h"

namespace kiln {
namespace {

using namespace conv;

class ConvLSTMKind : public SequenceLayerKind {
public:
  ConvLSTMKind(std::string className, int spatialRank)
      : SequenceLayerKind(std::move(className), argsFor(spatialRank),
                  "LSTM over a sequence of " + std::string(spatialRank == 1 ? "1D" : spatialRank == 2 ? "2D" : "3D") +
                      " frames with convolutions for products; returns [output, h, c] with return_state"),
        rank_(spatialRank) {}

  std::string describeOutputs(const Layer &layer) const override {
    if (layer.config.flag("return_state")) return "[output, state_h, state_c]";
    return "one tensor, the output (with return_state=True it returns [output, state_h, state_c])";
  }

  std::vector<std::string> stateNames(const LayerConfig &) const override { return {"state_h", "state_c"}; }

  std::vector<TensorType> outputTypes(const LayerConfig &c, const TensorType &input) const override {
    Window w = windowOf(c, rank_);
    TensorType state{DType::Float32, {input.dims[0]}};
    for (int i = 0; i < rank_; ++i) state.dims.push_back(outputLength(input.dims[i + 2], w.axes[i], w.padding));
    state.dims.push_back(c.integer("filters"));
    TensorType sequence = state;
    sequence.dims.insert(sequence.dims.begin() + 1, input.dims[1]);
    std::vector<TensorType> outputs = {c.flag("return_sequences") ? sequence : state};
    if (c.flag("return_state")) outputs.insert(outputs.end(), 2, state);
    return outputs;
  }

  // channels_first: a sequence (batch, timesteps, channels, spatial...)
  // holds its channels at axis 2, a state (batch, channels, spatial...) at 1.
  std::vector<int> movedAxes(const Layer &, int rank) const override { return {rank == rank_ + 3 ? 2 : 1}; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    bool ok = checkWindowArgs(diags, layer, rank_);
    if (c.flag("stateful")) {
      diags.report(DiagID::err_rnn_stateful, c.get("stateful").range, layer.describe());
      ok = false;
    }
    if (c.flag("unroll")) {
      diags.report(DiagID::err_argument_value, c.get("unroll").range, "unroll", className(),
                   "must be False (Keras cannot unroll a convolutional RNN), got True");
      ok = false;
    }
    if (c.flag("zero_output_for_mask")) {
      diags.report(DiagID::err_unsupported_argument_value, c.get("zero_output_for_mask").range, layer.describe(),
                   "zero_output_for_mask=True");
      ok = false;
    }
    if (c.flag("time_major")) {
      diags.report(DiagID::err_unsupported_argument_value, c.get("time_major").range, layer.describe(),
                   "time_major=True (inputs are (batch, timesteps, ...))");
      ok = false;
    }
    for (const char *name : {"activation", "recurrent_activation"}) {
      const std::string &a = c.str(name);
      if (a == "softmax" || a == "log_softmax") {
        diags.report(DiagID::err_unsupported_argument_value, c.get(name).range, layer.describe(),
                     std::string(name) + "='" + a + "'");
        ok = false;
      }
    }
    return ok;
  }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    int rank = rank_ + 3;
    if (in.rank() != rank) {
      std::string layout = "(batch, timesteps, " + layoutString(rank_, cx.channelsFirst()).substr(8);
      cx.error(DiagID::err_spatial_rank, cx.layer().describe(), rank, layout, cx.shown(in));
      return;
    }
    // The timesteps and a frame's spatial axes may be open; the channels set
    // the shape of the kernel.
    if (!cx.requireConstant(0, rank - 1, "the channels set the shape of the kernel")) return;
    TensorType frame = frameOf(in);
    if (!outputSpatialSizes(cx, windowOf(c, rank_), frame)) return;
    int64_t filters = c.integer("filters");
    std::vector<TensorType> outputs = outputTypes(c, in);
    TensorType state = stateOf(c, outputs[0]);
    if (!checkInitialState(cx, state) || !checkMask(cx, state)) return;

    cx.outputs = std::move(outputs);
    // The mask follows the output sequence; a last output or a state has none.
    for (size_t i = c.flag("return_sequences") ? 1 : 0; i < cx.outputs.size(); ++i) cx.dropMask(i);

    std::vector<int64_t> kernel = c.ints("kernel_size");
    std::vector<int64_t> recurrent = kernel;
    kernel.insert(kernel.end(), {int64_t(in.dims.back()), 4 * filters});
    recurrent.insert(recurrent.end(), {filters, 4 * filters});
    cx.weights.push_back({"kernel", kernel, "kernel_initializer", true});
    cx.weights.push_back({"recurrent_kernel", recurrent, "recurrent_initializer", true});
    if (c.flag("use_bias")) cx.weights.push_back({"bias", {4 * filters}, "bias_initializer", true});
  }

  // The sections of abi::recurrentTemporary(steps, gates, frame) over sizes
  // that may be open: the projection of every step, the recurrent
  // projection, and a frame for each state section.
  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                              const std::vector<TensorType> &outputs) const override {
    Dim frame = mul(pixels(stateOf(layer.config, outputs[0])), layer.config.integer("filters"));
    Dim gates = mul(frame, 4);
    auto panels = [](const Dim &n) { return roundUp(n, abi::kPanelWidth); };
    Dim states = mul(panels(frame), abi::kRecurrentStateSections);
    Dim floats = add(add(panels(mul(inputs[0].dims[1], gates)), panels(gates)), states);
    return mul(floats, 4);
  }

  // Either convolution's (kiln_conv2d) over the input's or the state's channels.
  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                     const std::vector<TensorType> &, const Algorithms &) const override {
    return convWorkspaceBytes(std::max(int64_t(inputs[0].dims.back()), layer.config.integer("filters")));
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    const TensorType &in = cx.inputType();
    TensorType frame = frameOf(in), state = stateOf(c, cx.outputType());
    int64_t filters = c.integer("filters"), channels = in.dims.back(), taps = 1;
    for (int64_t k : c.ints("kernel_size")) taps *= k;
    llvm::Value *kernel = cx.constant("kernel.packed", packPanels(cx.weight("kernel"), taps * channels, 4 * filters));
    llvm::Value *recurrentKernel = cx.constant("recurrent_kernel.packed",
                                               packPanels(cx.weight("recurrent_kernel"), taps * filters, 4 * filters));
    llvm::Value *bias = c.flag("use_bias") ? cx.constant("bias", padToPanels(cx.weight("bias"), 4 * filters)) : cx.null();

    TensorType gates = state;
    gates.dims.back() = 4 * filters;
    Window recurrentWindow{windowOf(c, rank_).axes, "same"};
    for (AxisWindow &a : recurrentWindow.axes) a.stride = a.dilation = 1;
    llvm::Value *inputConv = emitGeometry(cx, geometry(frame, gates, windowOf(c, rank_)));
    llvm::Value *recurrentConv = emitGeometry(cx, geometry(state, gates, recurrentWindow));

    Dim P = pixels(state);
    Dim maskPixels = cx.hasInputMask() && cx.inputMaskType().rank() > 2 ? P : Dim(1);
    // Bidirectional sets zero_output_for_mask with return_sequences: Keras 3
    // runs it; tf.keras 2's ConvRNN ignores it.
    bool zeroOutput = c.flag("zero_output_for_mask") && cx.kerasVersion() == KerasVersion::V3;
    static_assert(sizeof(abi::ConvRecurrentGeometry) == 7 * sizeof(int64_t), "the geometry's fields, in order");
    llvm::Value *geometryValue = cx.ints("geometry", {in.dims[1], P, filters, maskPixels, c.flag("go_backwards"),
                                                      c.flag("return_sequences"), zeroOutput});
    bool returnState = c.flag("return_state");
    abi::Activation act = cx.activation();
    abi::Activation gate = cx.activation("recurrent_activation");
    cx.call("kiln_conv_lstm",
            {cx.output(), returnState ? cx.output(1) : cx.null(), returnState ? cx.output(2) : cx.null(), cx.input(),
             cx.inputMask(), cx.inputCount() > 1 ? cx.input(1) : cx.null(), cx.inputCount() > 2 ? cx.input(2) : cx.null(),
             kernel, bias, recurrentKernel, cx.temporary(), cx.batch(), geometryValue, inputConv, recurrentConv,
             cx.i32(act), cx.f32(activationAlpha(act)), cx.i32(gate), cx.f32(activationAlpha(gate))});
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    std::vector<ArgSpec> args = {arg("filters", ArgType::PositiveInt),
                                 windowArg("kernel_size", spatialRank),
                                 windowArg("strides", spatialRank),
                                 paddingArg(false),
                                 dataFormatArg(),
                                 windowArg("dilation_rate", spatialRank),
                                 arg("activation", ArgType::Activation, Value::ofStr("tanh")),
                                 keras3Changed(arg("recurrent_activation", ArgType::Activation,
                                                   Value::ofStr("hard_sigmoid")), Value::ofStr("sigmoid")),
                                 arg("use_bias", ArgType::Bool, Value::ofBool(true)),
                                 arg("kernel_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
                                 arg("recurrent_initializer", ArgType::Initializer, Value::ofStr("orthogonal")),
                                 arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                                 // Starts the forget gate's bias at 1: initialization only.
                                 arg("unit_forget_bias", ArgType::Bool, Value::ofBool(true))};
    for (const char *name : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                             "kernel_constraint", "recurrent_constraint", "bias_constraint"})
      args.push_back(arg(name, ArgType::TrainingOnly, Value::none()));
    for (const char *name : {"return_sequences", "return_state", "go_backwards", "stateful"})
      args.push_back(arg(name, ArgType::Bool, Value::ofBool(false)));
    // Dropout is training-only: the identity at inference.
    args.push_back(arg("dropout", ArgType::Rate, Value::ofFloat(0.0)));
    args.push_back(arg("recurrent_dropout", ArgType::Rate, Value::ofFloat(0.0)));
    // Keyword arguments of Keras's RNN base class, in saved configs.
    args.push_back(arg("unroll", ArgType::Bool, Value::ofBool(false)));
    args.push_back(arg("time_major", ArgType::Bool, Value::ofBool(false)));
    // In Keras 3's saved configs; True (masked positions output 0) is
    // reported: tf.keras 2 ignores it, and Keras 3 runs no mask with an entry
    // per position. Bidirectional sets it on its copies (see lower).
    args.push_back(arg("zero_output_for_mask", ArgType::Bool, Value::ofBool(false)));
    return args;
  }

  // One frame of a sequence: (batch, spatial..., channels).
  static TensorType frameOf(const TensorType &sequence) {
    TensorType frame = sequence;
    frame.dims.erase(frame.dims.begin() + 1);
    return frame;
  }
  // The states' type: an output frame, from the layer's first output.
  static TensorType stateOf(const LayerConfig &c, const TensorType &output) {
    return c.flag("return_sequences") ? frameOf(output) : output;
  }
  // Positions of a frame (batch, spatial..., channels).
  static Dim pixels(const TensorType &frame) {
    return product(std::vector<Dim>(frame.dims.begin() + 1, frame.dims.end() - 1));
  }

  static bool checkInitialState(ShapeContext &cx, const TensorType &state) {
    size_t given = cx.inputs().size() - 1;
    if (given != 0 && given != 2) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "initial_state has " + std::to_string(given) + " tensor" + (given == 1 ? "" : "s") +
                   ", but the layer has 2 states [h, c]");
      return false;
    }
    for (size_t i = 1; i < cx.inputs().size(); ++i) {
      TensorType s = cx.input(i);
      s.dims[0] = state.dims[0];
      if (s.dims != state.dims) {
        cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
                 "initial state " + std::to_string(i - 1) + " has shape " + cx.shown(cx.input(i)) +
                     ", but the states have the shape of an output frame " + cx.shown(state));
        return false;
      }
    }
    return true;
  }

  // A mask is one entry per step (batch, timesteps), or, from a Masking
  // layer, one per position (batch, timesteps, spatial...): Keras applies it
  // to each position of h, c and the output, which must then have the
  // input's spatial sizes.
  static bool checkMask(ShapeContext &cx, const TensorType &state) {
    if (!cx.inputHasMask()) return true;
    const TensorType &mask = cx.inputMaskType(0);
    if (mask.rank() == 2) return true;
    if (cx.channelsFirst()) {
      // A Masking layer reduces the last axis, a spatial one here: Keras
      // then fails to broadcast the mask against the states.
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "the input's mask " + shapeString(mask) + " has an entry per channel and position of a "
               "channels_first frame, which Keras cannot apply to the states; only a mask per step "
               "(batch, timesteps) works with data_format='channels_first'");
      return false;
    }
    std::vector<Dim> positions(mask.dims.begin() + 2, mask.dims.end());
    if (positions == std::vector<Dim>(state.dims.begin() + 1, state.dims.end() - 1)) return true;
    cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
             "the input's mask " + shapeString(mask) + " masks each position of a frame, which Keras applies to the "
             "output frames " + cx.shown(state) + " only when they have the input's sizes (padding='same', "
             "strides 1)");
    return false;
  }

  int rank_;
};

class ConvLSTM1DKind : public ConvLSTMKind {
public:
  ConvLSTM1DKind() : ConvLSTMKind("ConvLSTM1D", 1) {}
};
class ConvLSTM2DKind : public ConvLSTMKind {
public:
  ConvLSTM2DKind() : ConvLSTMKind("ConvLSTM2D", 2) {}
};
class ConvLSTM3DKind : public ConvLSTMKind {
public:
  ConvLSTM3DKind() : ConvLSTMKind("ConvLSTM3D", 3) {}
};

}  // namespace

KILN_REGISTER_LAYER(ConvLSTM1DKind)
KILN_REGISTER_LAYER(ConvLSTM2DKind)
KILN_REGISTER_LAYER(ConvLSTM3DKind)

}  // namespace kiln
