// DepthwiseConv2D: each input channel convolved with its own depth_multiplier
// filters (output channel c * depth_multiplier + m), no sum over channels.
// Not a GEMM: a direct loop vectorised over the channels, which are
// contiguous in channels_last (kernels/ConvDepthwise.cpp).
#include "layers/conv/ConvCommon.h"

namespace kiln {
namespace {

using namespace conv;

class DepthwiseConv2DKind : public LayerKind {
public:
  DepthwiseConv2DKind()
      : LayerKind("DepthwiseConv2D",
                  {windowArg("kernel_size", 2),
                   windowArg("strides", 2),
                   paddingArg(false),
                   arg("depth_multiplier", ArgType::PositiveInt, Value::ofInt(1)),
                   formatArg(2),
                   windowArg("dilation_rate", 2),
                   arg("activation", ArgType::Activation, Value::none()),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true)),
                   arg("depthwise_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
                   arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                   arg("depthwise_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("bias_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("depthwise_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("bias_constraint", ArgType::TrainingOnly, Value::none())},
                  "2D convolution of each channel on its own") {}

  bool hasFusibleActivation() const override { return true; }
  bool acceptsChannelAffine() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return checkWindowArgs(diags, layer, 2);
  }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireConvInput(cx, 2)) return;
    std::optional<std::vector<Dim>> sizes = outputSpatialSizes(cx, windowOf(cx.config(), 2), cx.input());
    if (!sizes) return;
    const TensorType &in = cx.input();
    int64_t channels = in.dims.back(), multiplier = cx.config().integer("depth_multiplier");
    cx.outputs = {TensorType{in.dtype, {in.dims[0], (*sizes)[0], (*sizes)[1], channels * multiplier}}};
    std::vector<int64_t> kernel = cx.config().ints("kernel_size");
    cx.weights.push_back(
        {"depthwise_kernel", {kernel[0], kernel[1], channels, multiplier}, "depthwise_initializer", true});
    if (cx.config().flag("use_bias"))
      cx.weights.push_back({"bias", {channels * multiplier}, "bias_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    int64_t channels = out.dims.back(), multiplier = cx.config().integer("depth_multiplier");
    // The kernel (kh, kw, cin, dm) flattens to taps x output channels, so a
    // following batch normalization scales it like any other kernel.
    auto [kernelValues, biasValues] =
        cx.kernelAndBias("depthwise_kernel", "bias", cx.config().flag("use_bias"), channels);
    int64_t taps = int64_t(kernelValues.size()) / channels;
    llvm::Value *kernel = cx.constant("depthwise_kernel.padded", padTaps(kernelValues, taps, channels));
    llvm::Value *bias = biasValues.empty() ? cx.null() : cx.constant("bias", padToPanels(biasValues, channels));
    Geometry g = geometry(cx.inputType(), out, windowOf(cx.config(), 2), 1, multiplier);
    abi::Activation act = cx.activation();
    cx.callWithActivation("kiln_depthwise_conv2d",
                          {cx.output(), cx.input(), kernel, bias, cx.batch(), emitGeometry(cx, g)}, act,
                          activationAlpha(act));
  }
};

}  // namespace

KILN_REGISTER_LAYER(DepthwiseConv2DKind)

}  // namespace kiln
