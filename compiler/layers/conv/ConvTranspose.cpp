// Conv1DTranspose, Conv2DTranspose and Conv3DTranspose: the transpose
// (gradient) of a Conv1D, Conv2D or Conv3D, as TensorFlow's
// conv1d_transpose / conv2d_transpose / conv3d_transpose compute it, with
// Keras's output size rule. Lowered to a
// GEMM of the input with the kernel into columns, then a col2im scatter-add
// into the output (kernels/Conv.cpp).
#include "layers/conv/ConvCommon.h"

#include <fmt/format.h>

namespace kiln {
namespace {

using namespace conv;

class ConvTransposeKind : public LayerKind {
public:
  ConvTransposeKind(std::string className, int spatialRank)
      : LayerKind(std::move(className),
                  withKernelArgs({arg("filters", ArgType::PositiveInt),
                   windowArg("kernel_size", spatialRank),
                   windowArg("strides", spatialRank),
                   paddingArg(false),
                   arg("output_padding", ArgType::IntTuple, Value::none(), spatialRank),
                   formatArg(spatialRank),
                   windowArg("dilation_rate", spatialRank),
                   arg("activation", ArgType::Activation, Value::none()),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true))}),
                  fmt::format("transposed {}D convolution (deconvolution)", spatialRank)),
        rank_(spatialRank) {}

  std::vector<LegacyArg> legacyArgs() const override { return keras1Args(rank_); }
  int keras1KernelSizes() const override { return rank_ == 2 ? 2 : 0; }  // Deconvolution2D
  bool hasFusibleActivation() const override { return true; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    for (int64_t d : c.ints("dilation_rate")) {
      if (d == 1) continue;
      diags.report(DiagID::err_unsupported_argument_value, c.get("dilation_rate").range, layer.describe(),
                   "dilation_rate=" + repr(c.get("dilation_rate")));
      return false;
    }
    if (!checkWindowArgs(diags, layer, rank_) || !checkTupleAtLeast(diags, layer, "output_padding", 0)) return false;
    if (c.isNone("output_padding")) return true;
    std::vector<int64_t> padding = c.ints("output_padding"), strides = c.ints("strides");
    for (int i = 0; i < rank_; ++i) {
      if (padding[i] < strides[i]) continue;
      diags.report(DiagID::err_argument_value, c.get("output_padding").range, "output_padding", className(),
                   "must be smaller than strides=" + repr(c.get("strides")) + " on each axis, got " +
                       repr(c.get("output_padding")));
      return false;
    }
    return true;
  }

  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    if (!requireConvInput(cx, rank_)) return;
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    Window w = windowOf(c, rank_);
    int64_t filters = c.integer("filters");
    TensorType out{in.dtype, {in.dims[0]}};
    for (int i = 0; i < rank_; ++i) {
      std::optional<int64_t> extra;
      if (!c.isNone("output_padding")) extra = c.ints("output_padding")[i];
      std::optional<Dim> size = deconvOutputLength(cx, rank_, i, in.dims[1 + i], w.axes[i], w.padding, extra);
      if (!size) return;
      out.dims.push_back(*size);
    }
    out.dims.push_back(filters);
    cx.outputs = {out};
    std::vector<int64_t> kernel = c.ints("kernel_size");
    kernel.push_back(filters);
    kernel.push_back(in.dims.back());
    cx.weights.push_back({"kernel", kernel, "kernel_initializer", true});
    if (c.flag("use_bias")) cx.weights.push_back({"bias", {filters}, "bias_initializer", true});
  }

  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &,
                         const std::vector<TensorType> &, const Algorithms &) const override {
    int64_t taps = 1;
    for (int64_t k : layer.config.ints("kernel_size")) taps *= k;
    return tileBytes(taps * layer.config.integer("filters"));
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType(), &out = cx.outputType();
    // The padding is that of the convolution this one transposes, from the
    // output's size back to the input's.
    Geometry forward = geometry(out, in, windowOf(cx.config(), rank_));
    Geometry g = geometry(in, out, windowOf(cx.config(), rank_));
    g.padFront = forward.padFront, g.padTop = forward.padTop, g.padLeft = forward.padLeft;

    // Keras's kernel ((kd,) kh, kw, filters, cin) transposed to the GEMM's
    // [K = cin, N = (kd *) kh * kw * filters], packed in panels.
    const std::vector<float> &kernel = cx.weight("kernel");
    int64_t cin = in.dims.back(), n = int64_t(kernel.size()) / cin;
    std::vector<float> columns(cin * n);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t c = 0; c < cin; ++c) columns[c * n + j] = kernel[j * cin + c];
    llvm::Value *packed = cx.constant("kernel.packed", packPanels(columns, cin, n));
    llvm::Value *bias = cx.config().flag("use_bias") ? cx.constant("bias", cx.weight("bias")) : cx.null();
    abi::Activation act = cx.activation();
    cx.callWithActivation("kiln_conv2d_transpose",
                          {cx.output(), cx.input(), packed, bias, cx.batch(), emitGeometry(cx, g)},
                          act, activationAlpha(act));
  }

private:
  // Keras's deconv_output_length for axis `i`. With output_padding the size
  // is exact, and TensorFlow then requires the convolution it transposes to
  // map that size back to the input's; a size it rejects is reported. That
  // holds for every input size or for none (out = n - 1 + ceil((k - 2 * pad
  // + extra) / s)), so an open axis is checked at a size standing for all.
  static std::optional<Dim> deconvOutputLength(ShapeContext &cx, int rank, int i, const Dim &in, const AxisWindow &a,
                                               const std::string &padding, std::optional<int64_t> extra) {
    int64_t k = a.dilated(), s = a.stride;
    if (!extra) return padding == "valid" ? add(mul(in, s), std::max<int64_t>(k - s, 0)) : mul(in, s);
    int64_t pad = padding == "same" ? k / 2 : 0;
    Dim size = add(mul(in, s), Dim::constant(k - s - 2 * pad + *extra));
    int64_t n = in.known() ? in.value() : 1000, exact = (n - 1) * s + k - 2 * pad + *extra;
    int64_t back = exact < 1 ? 0 : conv::outputLength(exact, a, padding).value();
    if (back == n) return size;
    // An open axis shows as n: "n * 2 - 2".
    auto plus = [](int64_t v) { return v < 0 ? fmt::format(" - {}", -v) : fmt::format(" + {}", v); };
    std::string input = in.known() ? std::to_string(n) : "n";
    std::string result = in.known() ? std::to_string(exact) : fmt::format("n * {}{}", s, plus(exact - n * s));
    const char *axis = spatialAxisName(rank, i);
    cx.error(DiagID::err_spatial_empty, cx.layer().describe(), axis,
             fmt::format("({} - 1) * {} + {} - 2 * {} + {} = {}", input, s, k, pad, *extra, result),
             fmt::format("TensorFlow requires the stride-{} convolution with padding='{}' it transposes to map "
                         "that back to the input {} ({}), but it gives {}; choose another output_padding",
                         s, padding, axis, input, in.known() ? std::to_string(back) : "n" + plus(back - n)));
    return std::nullopt;
  }

  int rank_;
};

class Conv1DTransposeKind : public ConvTransposeKind {
public:
  Conv1DTransposeKind() : ConvTransposeKind("Conv1DTranspose", 1) {}
};
class Conv2DTransposeKind : public ConvTransposeKind {
public:
  Conv2DTransposeKind() : ConvTransposeKind("Conv2DTranspose", 2) {}
};
class Conv3DTransposeKind : public ConvTransposeKind {
public:
  Conv3DTransposeKind() : ConvTransposeKind("Conv3DTranspose", 3) {}
};

}  // namespace

KILN_REGISTER_LAYER(Conv1DTransposeKind, "Convolution1DTranspose")
KILN_REGISTER_LAYER(Conv2DTransposeKind, "Convolution2DTranspose", "Deconvolution2D", "Deconv2D")
KILN_REGISTER_LAYER(Conv3DTransposeKind, "Convolution3DTranspose", "Deconvolution3D", "Deconv3D")

}  // namespace kiln
