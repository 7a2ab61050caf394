#include "layers/conv/ConvCommon.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln::conv {

Window windowOf(const LayerConfig &config, int spatialRank) {
  std::vector<int64_t> kernel = config.ints("kernel_size"), strides = config.ints("strides"),
                       dilation = config.ints("dilation_rate");
  Window w;
  for (int i = 0; i < spatialRank; ++i) w.axes.push_back({kernel[i], strides[i], dilation[i]});
  w.padding = config.str("padding");
  return w;
}

Dim outputLength(const Dim &in, const AxisWindow &w, const std::string &padding) {
  if (padding == "valid") return add(floorDiv(sub(in, w.dilated()), w.stride), 1);
  return ceilDiv(in, w.stride);
}

Dim padBefore(const Dim &in, const Dim &out, const AxisWindow &w, const std::string &padding) {
  if (padding == "causal") return w.dilated() - 1;
  if (padding != "same") return 0;
  return floorDiv(max(sub(add(mul(sub(out, 1), w.stride), w.dilated()), in), 0), 2);
}

ArgSpec paddingArg(bool causal) {
  if (causal) return choice("padding", {"valid", "same", "causal"}, "valid");
  return choice("padding", {"valid", "same"}, "valid");
}

ArgSpec formatArg(int spatialRank) {
  if (spatialRank == 1) return dataFormatArg("channels_last");
  // Keras 2 still read Keras 1's dim_ordering='tf' / 'th' on 2D layers.
  ArgSpec spec = dataFormatArg();
  spec.choices.insert(spec.choices.end(), {"tf", "th"});
  return spec;
}

ArgSpec windowArg(const char *name, int spatialRank) {
  if (std::string_view(name) == "kernel_size") return arg(name, ArgType::IntTuple, spatialRank);
  Value one = spatialRank == 1 ? Value::ofInt(1) : Value::ofTuple(std::vector<Value>(spatialRank, Value::ofInt(1)));
  return arg(name, ArgType::IntTuple, one, spatialRank);
}

std::vector<LegacyArg> keras1Args(int spatialRank) {
  std::vector<LegacyArg> args = {{"nb_filter", "filters"},
                                 {"border_mode", "padding"},
                                 {"init", "kernel_initializer"},
                                 {"W_regularizer", "kernel_regularizer"},
                                 {"b_regularizer", "bias_regularizer"},
                                 {"W_constraint", "kernel_constraint"},
                                 {"b_constraint", "bias_constraint"},
                                 {"bias", "use_bias"}};
  if (spatialRank == 1) {
    args.push_back({"filter_length", "kernel_size"});
    args.push_back({"subsample_length", "strides"});
  } else {
    args.push_back({"subsample", "strides"});
    args.push_back({"dim_ordering", "data_format"});
  }
  return args;
}

bool checkWindowArgs(DiagnosticEngine &diags, const Layer &layer, int spatialRank) {
  bool ok = checkTupleAtLeast(diags, layer, "kernel_size", 1);
  ok = checkTupleAtLeast(diags, layer, "strides", 1) && ok;
  ok = checkTupleAtLeast(diags, layer, "dilation_rate", 1) && ok;
  if (!ok) return false;
  Window w = windowOf(layer.config, spatialRank);
  bool strided = false, dilated = false;
  for (const AxisWindow &a : w.axes) {
    strided |= a.stride > 1;
    dilated |= a.dilation > 1;
  }
  if (strided && dilated) {
    const Value &d = layer.config.get("dilation_rate");
    diags.report(DiagID::err_argument_value, d.range, "dilation_rate", layer.kind->className(),
                 "must be 1 when strides are not (TensorFlow supports one or the other), got dilation_rate=" +
                     repr(d) + " with strides=" + repr(layer.config.get("strides")));
    return false;
  }
  return true;
}

bool requireConvInput(ShapeContext &cx, int spatialRank) {
  const TensorType &in = cx.input();
  if (spatialRank == 2 && in.rank() == 2) {
    // Flat vectors, e.g. MNIST as (None, 784): they need a Reshape to images.
    bool first = cx.channelsFirst();
    Diagnostic &d = cx.error(DiagID::err_spatial_rank, cx.layer().describe(), 4, layoutString(2, first), cx.shown(in));
    if (in.dims[1].known()) {  // None, or sized at run time (a Flatten over an open axis): no advice
      int64_t n = in.dims[1], side = std::llround(std::sqrt(double(n)));
      std::string target = side * side != n ? (first ? "(channels, height, width)" : "(height, width, channels)")
                           : first          ? fmt::format("(1, {}, {})", side, side)
                                            : fmt::format("({}, {}, 1)", side, side);
      d.note(DiagID::note_reshape_flat_input, d.range, n, target);
    }
    return false;
  }
  if (in.rank() == spatialRank + 2 && !in.dims.back().known()) {
    cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
             "the channel axis of the input must be known, since it sets the shape of the kernel, but the input has "
             "shape " + cx.shown(in));
    return false;
  }
  return requireSpatialInput(cx, spatialRank);
}

std::optional<std::vector<Dim>> outputSpatialSizes(ShapeContext &cx, const Window &w, const TensorType &in) {
  std::vector<Dim> sizes;
  int spatialRank = int(w.axes.size());
  for (int i = 0; i < spatialRank; ++i) {
    const AxisWindow &a = w.axes[i];
    Dim size = outputLength(in.dims[1 + i], a, w.padding);
    if (!size.known()) {
      sizes.push_back(size);
      continue;
    }
    int64_t n = in.dims[1 + i], out = size;
    if (out < 1) {
      const char *axis = spatialAxisName(spatialRank, i);
      std::string kernel = a.dilation == 1 ? fmt::format("kernel ({})", a.kernel)
                                           : fmt::format("dilated kernel ({} = ({} - 1) * {} + 1)", a.dilated(),
                                                         a.kernel, a.dilation);
      cx.error(DiagID::err_spatial_empty, cx.layer().describe(), axis,
               fmt::format("({} - {}) // {} + 1 = {}", n, a.dilated(), a.stride, out),
               fmt::format("the {} is larger than the input {} ({}); use padding='same' or a smaller {}", kernel,
                           axis, n, a.dilation == 1 ? "kernel_size" : "kernel_size or dilation_rate"));
      return std::nullopt;
    }
    sizes.push_back(out);
  }
  return sizes;
}

Geometry geometry(const TensorType &in, const TensorType &out, const Window &w, int64_t groups,
                  int64_t depthMultiplier) {
  // The spatial axes as the last of (depth, height, width); the ones before
  // have size 1 and a window of 1, which pads nothing in any mode.
  constexpr int kAxes = abi::kSpatialAxes;
  int rank = int(w.axes.size());
  std::vector<Dim> inSizes(kAxes - rank, 1), outSizes(kAxes - rank, 1);
  inSizes.insert(inSizes.end(), in.dims.begin() + 1, in.dims.end() - 1);
  outSizes.insert(outSizes.end(), out.dims.begin() + 1, out.dims.end() - 1);
  std::vector<AxisWindow> axes(kAxes - rank);
  axes.insert(axes.end(), w.axes.begin(), w.axes.end());
  std::vector<Dim> pads;
  for (int i = 0; i < kAxes; ++i) pads.push_back(padBefore(inSizes[i], outSizes[i], axes[i], w.padding));
  Geometry g{};
  g.inD = inSizes[0], g.inH = inSizes[1], g.inW = inSizes[2], g.inC = in.dims.back();
  g.outD = outSizes[0], g.outH = outSizes[1], g.outW = outSizes[2], g.outC = out.dims.back();
  g.kernelD = axes[0].kernel, g.kernelH = axes[1].kernel, g.kernelW = axes[2].kernel;
  g.strideD = axes[0].stride, g.strideH = axes[1].stride, g.strideW = axes[2].stride;
  g.dilationD = axes[0].dilation, g.dilationH = axes[1].dilation, g.dilationW = axes[2].dilation;
  g.padFront = pads[0], g.padTop = pads[1], g.padLeft = pads[2];
  g.groups = groups;
  g.depthMultiplier = depthMultiplier;
  return g;
}

llvm::Value *emitGeometry(LowerContext &cx, const Geometry &g) {
  static_assert(sizeof(abi::ConvGeometry) == 22 * sizeof(int64_t), "Geometry has abi::ConvGeometry's fields");
  return cx.ints("geometry", {g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kernelH, g.kernelW, g.strideH, g.strideW,
                              g.dilationH, g.dilationW, g.padTop, g.padLeft, g.groups, g.depthMultiplier, g.inD,
                              g.outD, g.kernelD, g.strideD, g.dilationD, g.padFront});
}

std::vector<float> winogradKernel(const std::vector<float> &kernel, int64_t inC, int64_t outC) {
  // Winograd's G for F(2, 3), in double so that each U rounds once.
  static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<float> packed;
  std::vector<float> position(inC * outC);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      for (int64_t ci = 0; ci < inC; ++ci)
        for (int64_t co = 0; co < outC; ++co) {
          double u = 0;
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) u += G[i][a] * kernel[((a * 3 + b) * inC + ci) * outC + co] * G[j][b];
          position[ci * outC + co] = float(u);
        }
      std::vector<float> panels = packPanels(position, inC, outC);
      packed.insert(packed.end(), panels.begin(), panels.end());
    }
  return packed;
}

std::vector<float> packGroupPanels(const std::vector<float> &kernel, int64_t k, int64_t n, int64_t groups) {
  if (groups == 1) return packPanels(kernel, k, n);
  int64_t width = n / groups;
  std::vector<float> packed;
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<float> block(k * width);
    for (int64_t row = 0; row < k; ++row)
      std::copy_n(kernel.begin() + row * n + g * width, width, block.begin() + row * width);
    std::vector<float> panels = packPanels(block, k, width);
    packed.insert(packed.end(), panels.begin(), panels.end());
  }
  return packed;
}

std::vector<float> padGroupBias(const std::vector<float> &bias, int64_t n, int64_t groups) {
  int64_t width = n / groups;
  std::vector<float> padded;
  for (int64_t g = 0; g < groups; ++g) {
    std::vector<float> part = padToPanels(std::vector<float>(bias.begin() + g * width, bias.begin() + (g + 1) * width),
                                          width);
    padded.insert(padded.end(), part.begin(), part.end());
  }
  return padded;
}

std::vector<float> padTaps(const std::vector<float> &kernel, int64_t taps, int64_t channels) {
  int64_t stride = abi::panelCount(channels) * abi::kPanelWidth;
  std::vector<float> padded(taps * stride, 0.0f);
  for (int64_t t = 0; t < taps; ++t)
    std::copy_n(kernel.begin() + t * channels, channels, padded.begin() + t * stride);
  return padded;
}

}  // namespace kiln::conv
