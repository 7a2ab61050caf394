// What SimpleRNN, LSTM and GRU share: Keras's RNN arguments, the shape rule
// (outputs, states, initial_state, masks), the weights (kernel,
// recurrent_kernel, bias with the gates side by side) and the lowering onto
// kiln_recurrent. Each layer's own file declares its arguments and its cell.
#pragma once

#include "layers/LayerKind.h"

namespace kiln {

// A layer Bidirectional can wrap: a Keras RNN over (batch, timesteps, ...)
// with return_sequences, return_state, go_backwards and initial_state
// (SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D).
class SequenceLayerKind : public LayerKind {
public:
  using LayerKind::LayerKind;

  // Keras's names of the states a call returns with return_state and takes
  // as initial_state: state_h, state_c (LSTMs) or state.
  virtual std::vector<std::string> stateNames(const LayerConfig &c) const = 0;
  // The output types for an input sequence of `input` (channels_last): the
  // output, then with return_state the states.
  virtual std::vector<TensorType> outputTypes(const LayerConfig &c, const TensorType &input) const = 0;

  // Keras's RNN base: initial_state, a mask over the steps, any number of steps.
  std::vector<std::string> callTensorArguments() const override { return {"initial_state"}; }
  bool supportsMasking() const override { return true; }
  bool readsMask() const override { return true; }
  bool callTakesMaskInKeras3() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  // Keras 2's input_dim and input_length: input_shape=(input_length, input_dim).
  std::optional<std::vector<int64_t>> declaredInputShape(const LayerConfig &c) const override;
};

class RecurrentKind : public SequenceLayerKind {
public:
  using SequenceLayerKind::SequenceLayerKind;

  // The cell the layer runs with this configuration (GRU: reset_after).
  virtual abi::RecurrentCell cell(const LayerConfig &) const = 0;
  // Whether the layer keeps its weights as CuDNNLSTM and CuDNNGRU do (see
  // convertCudnnWeights): converted when the layer is lowered.
  virtual bool cudnnWeights() const { return false; }
  // The states a call returns with return_state and takes as initial_state:
  // h, and c for an LSTM.
  int64_t stateCount(const LayerConfig &c) const { return cell(c) == abi::kLSTM ? 2 : 1; }
  // For a sequence input (batch, timesteps, features).
  std::vector<TensorType> outputTypes(const LayerConfig &c, const TensorType &input) const override;

  std::vector<std::string> stateNames(const LayerConfig &c) const override {
    return stateCount(c) == 2 ? std::vector<std::string>{"state_h", "state_c"} : std::vector<std::string>{"state"};
  }

  std::string describeOutputs(const Layer &layer) const override;
  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override;
  void inferShapes(ShapeContext &cx) const override;
  void lower(LowerContext &cx) const override;
  std::vector<float> inputProjection(const Layer &layer) const override {
    return projectionKernel(layer.config, layer.weight("kernel"));
  }
  // The kernel W (`kernel`, as Keras keeps it; may be null) laid out as the
  // projections x_t W the lowering keeps, [features, gate width]; empty
  // for CuDNN layers' weights, which are converted only when lowered.
  std::vector<float> projectionKernel(const LayerConfig &c, const std::vector<float> *kernel) const;
  Dim temporaryBytesPerSample(const Layer &layer, const std::vector<TensorType> &inputs,
                                  const std::vector<TensorType> &outputs) const override;
};

// The arguments of a recurrent layer in Keras's order: `own` (units, the
// activations, use_bias), the initializers (and LSTM's unit_forget_bias),
// regularizers, constraints and dropouts, `beforeBase` (implementation), the
// arguments of Keras's RNN base class, then `afterBase` (GRU's reset_after)
// and the keyword-only ones (input_dim, input_length, zero_output_for_mask).
std::vector<ArgSpec> recurrentArgs(std::vector<ArgSpec> own, bool unitForgetBias, std::vector<ArgSpec> beforeBase,
                                   std::vector<ArgSpec> afterBase);
// SimpleRNN's, LSTM's and GRU's arguments (recurrentArgs with their own),
// which their cells (RNN.cpp) take without the RNN's.
std::vector<ArgSpec> simpleRNNArgs();
std::vector<ArgSpec> lstmArgs();
std::vector<ArgSpec> gruArgs();
// RNN's own arguments (besides its cell's).
std::vector<ArgSpec> rnnArgs();
// The recurrent layer a cell makes inside RNN (LSTMCell: LSTM), or null if
// `cell` is not a SimpleRNNCell, LSTMCell or GRUCell.
const RecurrentKind *cellLayerKind(const Layer &cell);
// RNN over stacked cells (StackedRNN.cpp), over a custom cell (CustomCellRNN.cpp).
const LayerKind &stackedRNNKind();
const LayerKind &customCellRNNKind();
// The cells of RNN over stacked cells, each with the name Keras saves it
// under ("lstm_cell", "gru_cell", "lstm_cell_1"): its weights are
// "lstm_cell/kernel" and so on.
std::vector<std::pair<std::string, Layer *>> stackedCells(const LayerConfig &rnn);

// Keras 1 names of the arguments above; `gated` adds inner_activation.
std::vector<LegacyArg> recurrentLegacyArgs(bool gated);

// CuDNNLSTM and CuDNNGRU (Keras 2's GPU layers) hand each gate's kernel
// block to cuDNN as it lies in memory, so a block of (features, units) is
// read as the (units, features) matrix cuDNN multiplies from the left, and
// their bias is (2 * gates * units): the input biases, then the recurrent
// ones. Converts such weights in place to the LSTM's and GRU(reset_after)'s
// layout (fromCudnn) or back, as Keras does when it loads one kind's weights
// into the other: each kernel block reshaped and transposed, each recurrent
// block transposed, an LSTM's two biases summed or halved (a GRU's are its
// (2, 3 * units) bias already).
void convertCudnnWeights(abi::RecurrentCell cell, int64_t features, int64_t units, bool fromCudnn,
                         std::vector<float> &kernel, std::vector<float> &recurrentKernel, std::vector<float> &bias);

}  // namespace kiln
