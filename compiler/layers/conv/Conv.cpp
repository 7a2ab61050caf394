// Conv1D, Conv2D and Conv3D: activation(conv(input, kernel) + bias) over channels_last
// tensors, optionally in channel groups. Lowered to the GEMM micro-kernel
// reading the input in place (kernels/Conv.cpp); a 1x1, stride-1 convolution is a
// Dense over the channel axis and calls the Dense kernel directly, and with
// --winograd a 3x3, stride-1 one with enough channels goes through
// Winograd's transforms (kernels/ConvWinograd.cpp).
#include "layers/conv/ConvCommon.h"

namespace kiln {
namespace {

using namespace conv;

class ConvKind : public LayerKind {
public:
  ConvKind(std::string className, int spatialRank)
      : LayerKind(std::move(className), argsFor(spatialRank),
                  spatialRank == 1   ? "1D convolution over the steps axis"
                  : spatialRank == 2 ? "2D convolution over height and width"
                                     : "3D convolution over depth, height and width"),
        rank_(spatialRank) {}

  std::vector<LegacyArg> legacyArgs() const override { return keras1Args(rank_); }
  int keras1KernelSizes() const override { return rank_ == 1 ? 0 : rank_; }
  bool hasFusibleActivation() const override { return true; }
  bool acceptsChannelAffine() const override { return true; }

  // Keras 1's Convolution1D(..., input_dim=32, input_length=10) declared the
  // input as (steps, channels); Keras 2 turned it into input_shape=(10, 32).
  std::optional<std::vector<int64_t>> declaredInputShape(const LayerConfig &c) const override {
    if (rank_ != 1 || c.isNone("input_dim")) return std::nullopt;
    return std::vector<int64_t>{c.isNone("batch_size") ? kNone : c.integer("batch_size"),
                                c.isNone("input_length") ? kNone : c.integer("input_length"), c.integer("input_dim")};
  }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    bool ok = checkWindowArgs(diags, layer, rank_);
    if (c.integer("filters") % c.integer("groups") != 0) {
      diags.report(DiagID::err_argument_value, c.get("groups").range, "groups", className(),
                   "must divide filters (" + std::to_string(c.integer("filters")) + "), got " +
                       std::to_string(c.integer("groups")));
      ok = false;
    }
    if (rank_ == 1 && c.given("input_dim"))
      diags.report(DiagID::warn_legacy_argument_value, c.get("input_dim").range,
                   "input_dim on Conv1D is Keras 1's channel count: it means input_shape=(input_length, " +
                       std::to_string(c.integer("input_dim")) + ")");
    return ok;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireConvInput(cx, rank_)) return;
    const TensorType &in = cx.input();
    int64_t channels = in.dims.back(), groups = cx.config().integer("groups"), filters = cx.config().integer("filters");
    if (channels % groups != 0) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "groups=" + std::to_string(groups) + " must divide the input's " + std::to_string(channels) +
                   " channels (input shape " + cx.shown(in) + ")");
      return;
    }
    std::optional<std::vector<Dim>> sizes = outputSpatialSizes(cx, windowOf(cx.config(), rank_), cx.input());
    if (!sizes) return;
    TensorType out{in.dtype, {in.dims[0]}};
    out.dims.insert(out.dims.end(), sizes->begin(), sizes->end());
    out.dims.push_back(filters);
    cx.outputs = {out};
    std::vector<int64_t> kernel = cx.config().ints("kernel_size");
    kernel.push_back(channels / groups);
    kernel.push_back(filters);
    cx.weights.push_back({"kernel", kernel, "kernel_initializer", true});
    if (cx.config().flag("use_bias")) cx.weights.push_back({"bias", {filters}, "bias_initializer", true});
  }

  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &inputs,
                         const std::vector<TensorType> &, const Algorithms &algorithms) const override {
    const LayerConfig &c = layer.config;
    int64_t channels = inputs[0].dims.back();
    if (isPointwise(c)) return 0;
    if (algorithms.winograd && isWinograd(c, rank_, channels))
      return abi::winogradWorkspaceFloats(channels, c.integer("filters")) * int64_t(sizeof(float));
    return convWorkspaceBytes(channels / c.integer("groups"));
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType(), &out = cx.outputType();
    int64_t filters = out.dims.back(), groups = cx.config().integer("groups");
    int64_t k = gemmDepth(cx.config(), in);
    auto [kernelValues, biasValues] = cx.kernelAndBias("kernel", "bias", cx.config().flag("use_bias"), filters);
    abi::Activation act = cx.activation();
    if (isPointwise(cx.config())) {
      llvm::Value *kernel = cx.packedKernel("kernel.packed", kernelValues, k, filters);
      llvm::Value *bias = biasValues.empty() ? cx.null() : cx.constant("bias", padToPanels(biasValues, filters));
      cx.callWithActivation("kiln_dense",
                            {cx.output(), cx.input(), kernel, bias, cx.batchTimes(product(std::vector<Dim>(out.dims.begin() + 1, out.dims.end() - 1))),
                             cx.i64(filters), cx.i64(k)},
                            act, activationAlpha(act));
      return;
    }
    bool winograd = cx.algorithms().winograd && isWinograd(cx.config(), rank_, in.dims.back());
    llvm::Value *kernel =
        winograd ? cx.constant("kernel.winograd", winogradKernel(kernelValues, in.dims.back(), filters))
                 : cx.constant("kernel.packed", packGroupPanels(kernelValues, k, filters, groups));
    llvm::Value *bias =
        biasValues.empty() ? cx.null() : cx.constant("bias", padGroupBias(biasValues, filters, groups));
    Geometry g = geometry(in, out, windowOf(cx.config(), rank_), groups);
    cx.callWithActivation(winograd ? "kiln_conv2d_winograd" : "kiln_conv2d",
                          {cx.output(), cx.input(), kernel, bias, cx.batch(), emitGeometry(cx, g)},
                          act, activationAlpha(act));
  }

private:
  static std::vector<ArgSpec> argsFor(int spatialRank) {
    std::vector<ArgSpec> args = withKernelArgs({arg("filters", ArgType::PositiveInt),
                                 windowArg("kernel_size", spatialRank),
                                 windowArg("strides", spatialRank),
                                 paddingArg(spatialRank == 1),
                                 formatArg(spatialRank),
                                 windowArg("dilation_rate", spatialRank),
                                 arg("groups", ArgType::PositiveInt, Value::ofInt(1)),
                                 arg("activation", ArgType::Activation, Value::none()),
                                 arg("use_bias", ArgType::Bool, Value::ofBool(true))});
    if (spatialRank == 1) args.push_back(arg("input_length", ArgType::PositiveInt, Value::none()));
    return args;
  }

  // K of the GEMM: the window's taps times the channels of one group.
  static int64_t gemmDepth(const LayerConfig &config, const TensorType &in) {
    int64_t taps = 1;
    for (int64_t k : config.ints("kernel_size")) taps *= k;
    return taps * in.dims.back() / config.integer("groups");
  }

  // With --winograd, a 3x3 window of stride 1 over all channels goes through
  // Winograd's F(2x2, 3x3) (kernels/ConvWinograd.cpp): 16 multiply-adds per
  // channel pair and 2x2 outputs instead of 36. Its transforms cost about as
  // much as the products of a few channels: against the direct kernel on
  // 32 x 32 images, 8 or 12 input channels ran 1.15-1.25x slower, 16 input
  // channels with 8 to 32 output channels 1.3-1.5x faster.
  static bool isWinograd(const LayerConfig &config, int spatialRank, int64_t inChannels) {
    const int64_t kMinChannels = 16;
    return spatialRank == 2 && config.ints("kernel_size") == std::vector<int64_t>{3, 3} &&
           config.ints("strides") == std::vector<int64_t>{1, 1} &&
           config.ints("dilation_rate") == std::vector<int64_t>{1, 1} && config.integer("groups") == 1 &&
           inChannels >= kMinChannels && config.integer("filters") >= kMinChannels;
  }

  // A 1x1 window with stride 1 (padding is then zero in every mode) over all
  // channels: the input rows already are the GEMM's left-hand side.
  static bool isPointwise(const LayerConfig &config) {
    for (int64_t k : config.ints("kernel_size"))
      if (k != 1) return false;
    for (int64_t s : config.ints("strides"))
      if (s != 1) return false;
    return config.integer("groups") == 1;
  }

  int rank_;
};

class Conv1DKind : public ConvKind {
public:
  Conv1DKind() : ConvKind("Conv1D", 1) {}
};
class Conv2DKind : public ConvKind {
public:
  Conv2DKind() : ConvKind("Conv2D", 2) {}
};
class Conv3DKind : public ConvKind {
public:
  Conv3DKind() : ConvKind("Conv3D", 3) {}
};

}  // namespace

KILN_REGISTER_LAYER(Conv1DKind, "Convolution1D")
KILN_REGISTER_LAYER(Conv2DKind, "Convolution2D")
KILN_REGISTER_LAYER(Conv3DKind, "Convolution3D")

}  // namespace kiln
