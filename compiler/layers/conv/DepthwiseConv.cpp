// DepthwiseConv1D and DepthwiseConv2D: each input channel convolved with its
// own depth_multiplier filters (output channel c * depth_multiplier + m), no
// sum over channels.
// Not a GEMM: a direct loop vectorised over the channels, which are
// contiguous in channels_last (kernels/ConvDepthwise.cpp).
#include "layers/conv/ConvCommon.h"

namespace kiln {
namespace {

using namespace conv;

class DepthwiseConvKind : public LayerKind {
public:
  DepthwiseConvKind(std::string className, int spatialRank)
      : LayerKind(std::move(className),
                  {windowArg("kernel_size", spatialRank),
                   windowArg("strides", spatialRank),
                   paddingArg(false),
                   arg("depth_multiplier", ArgType::PositiveInt, Value::ofInt(1)),
                   formatArg(spatialRank),
                   windowArg("dilation_rate", spatialRank),
                   arg("activation", ArgType::Activation, Value::none()),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true)),
                   arg("depthwise_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
                   arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros")),
                   arg("depthwise_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("bias_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("depthwise_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("bias_constraint", ArgType::TrainingOnly, Value::none())},
                  spatialRank == 1 ? "1D convolution of each channel on its own"
                                   : "2D convolution of each channel on its own"),
        rank_(spatialRank) {}

  bool hasFusibleActivation() const override { return true; }
  bool acceptsChannelAffine() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    return checkWindowArgs(diags, layer, rank_);
  }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireConvInput(cx, rank_)) return;
    std::optional<std::vector<Dim>> sizes = outputSpatialSizes(cx, windowOf(cx.config(), rank_), cx.input());
    if (!sizes) return;
    const TensorType &in = cx.input();
    int64_t channels = in.dims.back(), multiplier = cx.config().integer("depth_multiplier");
    TensorType out{in.dtype, {in.dims[0]}};
    out.dims.insert(out.dims.end(), sizes->begin(), sizes->end());
    out.dims.push_back(channels * multiplier);
    cx.outputs = {out};
    std::vector<int64_t> kernel = cx.config().ints("kernel_size");
    kernel.insert(kernel.end(), {channels, multiplier});
    cx.weights.push_back({"depthwise_kernel", kernel, "depthwise_initializer", true});
    if (cx.config().flag("use_bias"))
      cx.weights.push_back({"bias", {channels * multiplier}, "bias_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    const TensorType &out = cx.outputType();
    int64_t channels = out.dims.back(), multiplier = cx.config().integer("depth_multiplier");
    // The kernel ((kh,) kw, cin, dm) flattens to taps x output channels, so a
    // following batch normalization scales it like any other kernel.
    auto [kernelValues, biasValues] =
        cx.kernelAndBias("depthwise_kernel", "bias", cx.config().flag("use_bias"), channels);
    int64_t taps = int64_t(kernelValues.size()) / channels;
    llvm::Value *kernel = cx.constant("depthwise_kernel.padded", padTaps(kernelValues, taps, channels));
    llvm::Value *bias = biasValues.empty() ? cx.null() : cx.constant("bias", padToPanels(biasValues, channels));
    Geometry g = geometry(cx.inputType(), out, windowOf(cx.config(), rank_), 1, multiplier);
    abi::Activation act = cx.activation();
    cx.callWithActivation("kiln_depthwise_conv2d",
                          {cx.output(), cx.input(), kernel, bias, cx.batch(), emitGeometry(cx, g)}, act,
                          activationAlpha(act));
  }

private:
  int rank_;
};

class DepthwiseConv1DKind : public DepthwiseConvKind {
public:
  DepthwiseConv1DKind() : DepthwiseConvKind("DepthwiseConv1D", 1) {}
};
class DepthwiseConv2DKind : public DepthwiseConvKind {
public:
  DepthwiseConv2DKind() : DepthwiseConvKind("DepthwiseConv2D", 2) {}
};

}  // namespace

KILN_REGISTER_LAYER(DepthwiseConv1DKind)
KILN_REGISTER_LAYER(DepthwiseConv2DKind)

}  // namespace kiln
