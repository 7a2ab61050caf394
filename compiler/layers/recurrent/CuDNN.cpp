// CuDNNLSTM and CuDNNGRU: Keras 2's recurrent layers that ran on cuDNN only
// (keras.layers in Keras 2.0.9-2.3, tf.compat.v1.keras.layers in TensorFlow
// 2). Models trained with them on a GPU are LSTM (tanh, sigmoid gates) and
// GRU (reset_after=True, sigmoid gates) on CPUs; their weights keep cuDNN's
// layout (convertCudnnWeights), converted when the layer is lowered.
#include "layers/recurrent/Recurrent.h"

namespace kiln {
namespace {

std::vector<ArgSpec> cudnnArgs(bool unitForgetBias) {
  std::vector<ArgSpec> args = {arg("units", ArgType::PositiveInt),
                               arg("kernel_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
                               arg("recurrent_initializer", ArgType::Initializer, Value::ofStr("orthogonal")),
                               arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros"))};
  if (unitForgetBias) args.push_back(arg("unit_forget_bias", ArgType::Bool, Value::ofBool(true)));
  for (const char *name : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                           "kernel_constraint", "recurrent_constraint", "bias_constraint"})
    args.push_back(arg(name, ArgType::TrainingOnly, Value::none()));
  for (const char *name : {"return_sequences", "return_state", "go_backwards", "stateful", "time_major"})
    args.push_back(arg(name, ArgType::Bool, Value::ofBool(false)));
  // Keras's Layer takes input_dim as input_shape=(None, input_dim) here.
  args.push_back(arg("input_dim", ArgType::PositiveInt, Value::none()));
  return args;
}

class CuDNNRecurrentKind : public RecurrentKind {
public:
  CuDNNRecurrentKind(std::string className, abi::RecurrentCell cell, std::string summary)
      : RecurrentKind(std::move(className), cudnnArgs(cell == abi::kLSTM), std::move(summary)), cell_(cell) {}

  abi::RecurrentCell cell(const LayerConfig &) const override { return cell_; }
  bool cudnnWeights() const override { return true; }
  bool supportsMasking() const override { return false; }
  void inferShapes(ShapeContext &cx) const override {
    if (cx.inputHasMask()) {
      cx.error(DiagID::err_cudnn_mask, cx.layer().describe());
      return;
    }
    RecurrentKind::inferShapes(cx);
  }

private:
  abi::RecurrentCell cell_;
};

class CuDNNLSTMKind : public CuDNNRecurrentKind {
public:
  CuDNNLSTMKind()
      : CuDNNRecurrentKind("CuDNNLSTM", abi::kLSTM, "Keras 2's GPU LSTM: tanh, sigmoid gates, weights in cuDNN's layout with a (8 * units) bias; no masks") {}
};

class CuDNNGRUKind : public CuDNNRecurrentKind {
public:
  CuDNNGRUKind()
      : CuDNNRecurrentKind("CuDNNGRU", abi::kGRU,
                           "Keras 2's GPU GRU: reset_after=True, tanh, sigmoid gates, weights in cuDNN's layout with a (6 * units) bias; no masks") {}
};

}  // namespace

KILN_REGISTER_LAYER(CuDNNLSTMKind)
KILN_REGISTER_LAYER(CuDNNGRUKind)

}  // namespace kiln
