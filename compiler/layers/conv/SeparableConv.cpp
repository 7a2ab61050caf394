// SeparableConv1D and SeparableConv2D: a depthwise convolution (no bias)
// followed by a 1x1 pointwise convolution, then bias and activation. The
// kernel computes the depthwise result a tile of pixels at a time into the
// workspace, where it is the left-hand side of the pointwise GEMM
// (kernels/ConvDepthwise.cpp): the intermediate tensor never exists whole.
#include "layers/conv/ConvCommon.h"

namespace kiln {
namespace {

using namespace conv;

class SeparableConvKind : public LayerKind {
public:
  SeparableConvKind(std::string className, int spatialRank)
      : LayerKind(std::move(className), argsFor(spatialRank),
                  spatialRank == 1 ? "depthwise then pointwise 1D convolution"
                                   : "depthwise then pointwise 2D convolution"),
        rank_(spatialRank) {}

  // Keras 2 converted these from Keras 1's SeparableConvolution2D.
  int keras1KernelSizes() const override { return rank_ == 2 ? 2 : 0; }
  std::vector<LegacyArg> legacyArgs() const override {
    if (rank_ == 1) return {};
    return {{"nb_filter", "filters"},         {"subsample", "strides"},
            {"border_mode", "padding"},       {"dim_ordering", "data_format"},
            {"b_regularizer", "bias_regularizer"}, {"b_constraint", "bias_constraint"},
            {"bias", "use_bias"}};
  }

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
    int64_t filters = cx.config().integer("filters");
    TensorType out{in.dtype, {in.dims[0]}};
    out.dims.insert(out.dims.end(), sizes->begin(), sizes->end());
    out.dims.push_back(filters);
    cx.outputs = {out};
    std::vector<int64_t> depthwise = cx.config().ints("kernel_size"), pointwise(rank_, 1);
    depthwise.insert(depthwise.end(), {channels, multiplier});
    pointwise.insert(pointwise.end(), {channels * multiplier, filters});
    cx.weights.push_back({"depthwise_kernel", depthwise, "depthwise_initializer", true});
    cx.weights.push_back({"pointwise_kernel", pointwise, "pointwise_initializer", true});
    if (cx.config().flag("use_bias")) cx.weights.push_back({"bias", {filters}, "bias_initializer", true});
  }

  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &, const Algorithms &) const override {
    return tileBytes(inputs[0].dims.back() * layer.config.integer("depth_multiplier"));
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType(), &out = cx.outputType();
    int64_t multiplier = cx.config().integer("depth_multiplier"), middle = in.dims.back() * multiplier;
    int64_t filters = out.dims.back();
    const std::vector<float> &depthwiseValues = cx.weight("depthwise_kernel");
    llvm::Value *depthwise = cx.constant("depthwise_kernel.padded",
                                         padTaps(depthwiseValues, int64_t(depthwiseValues.size()) / middle, middle));
    // A following batch normalization folds into the pointwise kernel, whose
    // last axis is the output channels.
    auto [pointwiseValues, biasValues] =
        cx.kernelAndBias("pointwise_kernel", "bias", cx.config().flag("use_bias"), filters);
    llvm::Value *pointwise = cx.constant("pointwise_kernel.packed", packPanels(pointwiseValues, middle, filters));
    llvm::Value *bias = biasValues.empty() ? cx.null() : cx.constant("bias", padToPanels(biasValues, filters));
    // The kernels see the depthwise stage's geometry: its output has
    // cin * depth_multiplier channels.
    TensorType middleType = out;
    middleType.dims.back() = middle;
    Geometry g = geometry(in, middleType, windowOf(cx.config(), rank_), 1, multiplier);
    abi::Activation act = cx.activation();
    cx.callWithActivation("kiln_separable_conv2d",
                          {cx.output(), cx.input(), depthwise, pointwise, bias, cx.batch(), cx.i64(filters),
                           emitGeometry(cx, g)},
                          act, activationAlpha(act));
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    return {arg("filters", ArgType::PositiveInt),
            windowArg("kernel_size", spatialRank),
            windowArg("strides", spatialRank),
            paddingArg(spatialRank == 1),
            formatArg(spatialRank),
            windowArg("dilation_rate", spatialRank),
            arg("depth_multiplier", ArgType::PositiveInt, Value::ofInt(1)),
            arg("activation", ArgType::Activation, Value::none()),
            arg("use_bias", ArgType::Bool, Value::ofBool(true)),
            arg("depthwise_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
            arg("pointwise_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform")),
            arg("bias_initializer", ArgType::Initializer, Value::ofStr("zeros")),
            arg("depthwise_regularizer", ArgType::TrainingOnly, Value::none()),
            arg("pointwise_regularizer", ArgType::TrainingOnly, Value::none()),
            arg("bias_regularizer", ArgType::TrainingOnly, Value::none()),
            arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
            arg("depthwise_constraint", ArgType::TrainingOnly, Value::none()),
            arg("pointwise_constraint", ArgType::TrainingOnly, Value::none()),
            arg("bias_constraint", ArgType::TrainingOnly, Value::none())};
  }

  int rank_;
};

class SeparableConv1DKind : public SeparableConvKind {
public:
  SeparableConv1DKind() : SeparableConvKind("SeparableConv1D", 1) {}
};
class SeparableConv2DKind : public SeparableConvKind {
public:
  SeparableConv2DKind() : SeparableConvKind("SeparableConv2D", 2) {}
};

}  // namespace

KILN_REGISTER_LAYER(SeparableConv1DKind, "SeparableConvolution1D")
KILN_REGISTER_LAYER(SeparableConv2DKind, "SeparableConvolution2D")

}  // namespace kiln
