// Conv2DTranspose: the transpose (gradient) of a Conv2D, as TensorFlow's
// conv2d_transpose computes it, with Keras's output size rule. Lowered to a
// GEMM of the input with the kernel into columns, then a col2im scatter-add
// into the output (kernels/Conv.cpp).
#include "layers/conv/ConvCommon.h"

#include <fmt/format.h>

namespace kiln {
namespace {

using namespace conv;

class Conv2DTransposeKind : public LayerKind {
public:
  Conv2DTransposeKind()
      : LayerKind("Conv2DTranspose",
                  withKernelArgs({arg("filters", ArgType::PositiveInt),
                   windowArg("kernel_size", 2),
                   windowArg("strides", 2),
                   paddingArg(false),
                   arg("output_padding", ArgType::IntTuple, Value::none(), 2),
                   formatArg(2),
                   windowArg("dilation_rate", 2),
                   arg("activation", ArgType::Activation, Value::none()),
                   arg("use_bias", ArgType::Bool, Value::ofBool(true))}),
                  "transposed 2D convolution (deconvolution)") {}

  std::vector<LegacyArg> legacyArgs() const override { return keras1Args(2); }
  bool hasFusibleActivation() const override { return true; }

  bool checkConfig(DiagnosticEngine &diags, const Layer &layer) const override {
    const LayerConfig &c = layer.config;
    for (int64_t d : c.ints("dilation_rate")) {
      if (d == 1) continue;
      diags.report(DiagID::err_unsupported_argument_value, c.get("dilation_rate").range, layer.describe(),
                   "dilation_rate=" + repr(c.get("dilation_rate")));
      return false;
    }
    if (!checkWindowArgs(diags, layer, 2) || !checkTupleAtLeast(diags, layer, "output_padding", 0)) return false;
    if (c.isNone("output_padding")) return true;
    std::vector<int64_t> padding = c.ints("output_padding"), strides = c.ints("strides");
    for (int i = 0; i < 2; ++i) {
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
    if (!requireConvInput(cx, 2)) return;
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    Window w = windowOf(c, 2);
    int64_t filters = c.integer("filters");
    TensorType out{in.dtype, {in.dims[0]}};
    for (int i = 0; i < 2; ++i) {
      std::optional<int64_t> extra;
      if (!c.isNone("output_padding")) extra = c.ints("output_padding")[i];
      std::optional<Dim> size = deconvOutputLength(cx, i, in.dims[1 + i], w.axes[i], w.padding, extra);
      if (!size) return;
      out.dims.push_back(*size);
    }
    out.dims.push_back(filters);
    cx.outputs = {out};
    std::vector<int64_t> kernel = c.ints("kernel_size");
    cx.weights.push_back({"kernel", {kernel[0], kernel[1], filters, in.dims.back()}, "kernel_initializer", true});
    if (c.flag("use_bias")) cx.weights.push_back({"bias", {filters}, "bias_initializer", true});
  }

  Dim workspaceBytes(const Layer &layer, const std::vector<TensorType> &,
                         const std::vector<TensorType> &) const override {
    std::vector<int64_t> kernel = layer.config.ints("kernel_size");
    return tileBytes(kernel[0] * kernel[1] * layer.config.integer("filters"));
  }

  void lower(LowerContext &cx) const override {
    const TensorType &in = cx.inputType(), &out = cx.outputType();
    Window w = windowOf(cx.config(), 2);
    Geometry g = geometry(in, out, w);
    // The padding is that of the convolution this one transposes, from the
    // output's size back to the input's.
    g.padTop = padBefore(g.outH, g.inH, w.axes[0], w.padding);
    g.padLeft = padBefore(g.outW, g.inW, w.axes[1], w.padding);

    // Keras's kernel (kh, kw, filters, cin) transposed to the GEMM's
    // [K = cin, N = kh * kw * filters], packed in panels.
    const std::vector<float> &kernel = cx.weight("kernel");
    int64_t cin = g.inC, n = g.kernelH * g.kernelW * g.outC;
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
  static std::optional<Dim> deconvOutputLength(ShapeContext &cx, int i, const Dim &in, const AxisWindow &a,
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
    const char *axis = spatialAxisName(2, i);
    cx.error(DiagID::err_spatial_empty, cx.layer().describe(), axis,
             fmt::format("({} - 1) * {} + {} - 2 * {} + {} = {}", input, s, k, pad, *extra, result),
             fmt::format("TensorFlow requires the stride-{} convolution with padding='{}' it transposes to map "
                         "that back to the input {} ({}), but it gives {}; choose another output_padding",
                         s, padding, axis, input, in.known() ? std::to_string(back) : "n" + plus(back - n)));
    return std::nullopt;
  }
};

}  // namespace

KILN_REGISTER_LAYER(Conv2DTransposeKind, "Convolution2DTranspose", "Deconvolution2D", "Deconv2D")

}  // namespace kiln
