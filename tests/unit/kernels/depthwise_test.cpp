// kiln_depthwise_conv2d and kiln_separable_conv2d against naive loops over
// every output and tap: kernel sizes, strides, dilations, paddings, depth
// multipliers and channel counts that end inside a panel. The separable
// kernel runs every register tile, on one thread and split over several.
#include "codegen/LowerContext.h"
#include "kernel_test_util.h"
#include "layers/conv/ConvCommon.h"

using namespace kiln;
using namespace kiln_test;

extern "C" void kiln_depthwise_conv2d(float *out, const float *in, const float *kernel, const float *bias,
                                      int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                      float maxValue, float threshold, const kiln::abi::RunContext *run);
extern "C" {
KILN_TILED_DECLARATION(kiln_separable_conv2d,
                       (float *out, const float *in, const float *depthwise, const float *pointwise,
                        const float *bias, int64_t batch, int64_t filters, const int64_t *geometry, int32_t act,
                        float alpha, float maxValue, float threshold, const kiln::abi::RunContext *run))
}

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using SeparableKernel = void (*)(float *, const float *, const float *, const float *, const float *, int64_t,
                                 int64_t, const int64_t *, int32_t, float, float, float, const abi::RunContext *);
const TileVariant<SeparableKernel> kSeparableVariants[] = KILN_TEST_VARIANTS(kiln_separable_conv2d);

// A 2-D depthwise stage with a square window, 'pad' implicit zeros before
// the first row and column (and as many as the window needs after).
struct Case {
  int64_t batch, inH, inW, inC, multiplier, kernel, stride, dilation, pad;
  int64_t outC() const { return inC * multiplier; }
  int64_t out(int64_t in) const { return (in + 2 * pad - ((kernel - 1) * dilation + 1)) / stride + 1; }
  int64_t taps() const { return kernel * kernel; }
  std::string describe() const {
    return "batch=" + std::to_string(batch) + " in=" + std::to_string(inH) + "x" + std::to_string(inW) + "x" +
           std::to_string(inC) + " multiplier=" + std::to_string(multiplier) + " kernel=" + std::to_string(kernel) +
           " stride=" + std::to_string(stride) + " dilation=" + std::to_string(dilation) +
           " pad=" + std::to_string(pad);
  }
  abi::ConvGeometry geometry() const {
    abi::ConvGeometry g{};
    g.inH = inH, g.inW = inW, g.inC = inC, g.outH = out(inH), g.outW = out(inW), g.outC = outC();
    g.kernelH = g.kernelW = kernel, g.strideH = g.strideW = stride, g.dilationH = g.dilationW = dilation;
    g.padTop = g.padLeft = pad, g.groups = 1, g.depthMultiplier = multiplier;
    g.inD = g.outD = g.kernelD = g.strideD = g.dilationD = 1;
    return g;
  }
};

// The depthwise stage in double precision: sum[pixel][co] and, in
// magnitude, the sum of its terms' magnitudes. `w` is Keras's kernel
// (kh, kw, cin, dm) read as taps x output channels co = c * dm + m.
void depthwiseReference(const Case &c, const std::vector<float> &in, const std::vector<float> &w,
                        std::vector<double> &sum, std::vector<double> &magnitude) {
  int64_t outH = c.out(c.inH), outW = c.out(c.inW), outC = c.outC();
  sum.assign(c.batch * outH * outW * outC, 0.0);
  magnitude.assign(sum.size(), 0.0);
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox)
        for (int64_t co = 0; co < outC; ++co) {
          size_t at = size_t(((n * outH + oy) * outW + ox) * outC + co);
          for (int64_t ky = 0; ky < c.kernel; ++ky)
            for (int64_t kx = 0; kx < c.kernel; ++kx) {
              int64_t iy = oy * c.stride + ky * c.dilation - c.pad, ix = ox * c.stride + kx * c.dilation - c.pad;
              if (iy < 0 || iy >= c.inH || ix < 0 || ix >= c.inW) continue;
              double term = double(in[((n * c.inH + iy) * c.inW + ix) * c.inC + co / c.multiplier]) *
                            w[(ky * c.kernel + kx) * outC + co];
              sum[at] += term;
              magnitude[at] += std::fabs(term);
            }
        }
}

void checkDepthwise(const Case &c, bool withBias) {
  if (c.out(c.inH) < 1 || c.out(c.inW) < 1) return;  // the window is larger than the input
  std::vector<float> in = randomFloats(c.batch * c.inH * c.inW * c.inC, 11);
  std::vector<float> w = randomFloats(c.taps() * c.outC(), 12), b = randomFloats(c.outC(), 13);
  std::vector<double> want, scale;
  depthwiseReference(c, in, w, want, scale);
  for (size_t i = 0; i < want.size(); ++i) {
    if (withBias) want[i] += b[i % b.size()], scale[i] += std::fabs(b[i % b.size()]);
    want[i] = want[i] > 0 ? want[i] : 0;  // relu
  }
  std::vector<float> kernel = conv::padTaps(w, c.taps(), c.outC()), bias = padToPanels(b, c.outC());
  abi::ConvGeometry g = c.geometry();
  std::vector<float> out(want.size(), -7.0f);
  Run context(1, 0);
  kiln_depthwise_conv2d(out.data(), in.data(), kernel.data(), withBias ? bias.data() : nullptr, c.batch,
                        reinterpret_cast<const int64_t *>(&g), abi::kRelu, 0.0f, -1.0f, 0.0f, context.get());
  expectNear(out, want, scale, "depthwise " + c.describe() + (withBias ? " with bias" : ""));
}

void checkSeparable(const TileVariant<SeparableKernel> &v, const Case &c, int64_t filters) {
  if (c.out(c.inH) < 1 || c.out(c.inW) < 1) return;
  std::vector<float> in = randomFloats(c.batch * c.inH * c.inW * c.inC, 21);
  std::vector<float> w = randomFloats(c.taps() * c.outC(), 22), pw = randomFloats(c.outC() * filters, 23);
  std::vector<float> b = randomFloats(filters, 24);
  std::vector<double> middle, middleScale;
  depthwiseReference(c, in, w, middle, middleScale);
  int64_t pixels = int64_t(middle.size()) / c.outC();
  std::vector<double> want(pixels * filters), scale(pixels * filters);
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t f = 0; f < filters; ++f) {
      double sum = b[f], magnitude = std::fabs(b[f]);
      for (int64_t m = 0; m < c.outC(); ++m) {
        sum += middle[p * c.outC() + m] * pw[m * filters + f];
        magnitude += middleScale[p * c.outC() + m] * std::fabs(pw[m * filters + f]);
      }
      want[p * filters + f] = sum > 0 ? sum : 0;  // relu
      scale[p * filters + f] = magnitude;
    }
  std::vector<float> depthwise = conv::padTaps(w, c.taps(), c.outC()), pointwise = packPanels(pw, c.outC(), filters);
  std::vector<float> bias = padToPanels(b, filters);
  abi::ConvGeometry g = c.geometry();
  auto run = [&](int32_t threads) {
    std::vector<float> out(want.size(), -7.0f);
    Run context(threads, conv::tileBytes(c.outC()));
    v.kernel(out.data(), in.data(), depthwise.data(), pointwise.data(), bias.data(), c.batch, filters,
             reinterpret_cast<const int64_t *>(&g), abi::kRelu, 0.0f, -1.0f, 0.0f, context.get());
    return out;
  };
  std::vector<float> one = run(1);
  std::string what = std::string(v.name) + " separable " + c.describe() + " filters=" + std::to_string(filters);
  expectNear(one, want, scale, what);
  for (int32_t threads : {2, 5}) EXPECT_EQ(run(threads), one) << what << " on " << threads << " threads";
}

TEST(DepthwiseConv2D, WindowsStridesDilationsPadding) {
  for (int64_t kernel : {1, 2, 3, 5})
    for (int64_t stride : {1, 2, 3})
      for (int64_t dilation : {1, 2})
        for (int64_t pad : {0, 1, 2}) checkDepthwise({2, 9, 7, 17, 1, kernel, stride, dilation, pad}, true);
}

TEST(DepthwiseConv2D, ChannelCountsAndMultipliers) {
  for (int64_t channels : {1, 3, 16, 33})
    for (int64_t multiplier : {1, 2, 3})
      for (bool withBias : {true, false}) checkDepthwise({1, 6, 5, channels, multiplier, 3, 1, 1, 1}, withBias);
}

TEST(SeparableConv2D, WindowsStridesDilationsPadding) {
  for (const auto &v : kSeparableVariants)
    for (int64_t kernel : {1, 3})
      for (int64_t stride : {1, 2})
        for (int64_t dilation : {1, 2})
          for (int64_t pad : {0, 1}) checkSeparable(v, {2, 8, 7, 5, 1, kernel, stride, dilation, pad}, 17);
}

TEST(SeparableConv2D, ChannelCountsMultipliersAndManyPixels) {
  for (const auto &v : kSeparableVariants) {
    checkSeparable(v, {1, 4, 4, 1, 1, 3, 1, 1, 1}, 1);
    checkSeparable(v, {1, 6, 5, 7, 3, 3, 1, 1, 1}, 33);
    checkSeparable(v, {1, 5, 5, 20, 2, 3, 2, 1, 1}, 48);
    // 3 * 15 * 13 pixels: many tiles per task and a partial tile at the end.
    checkSeparable(v, {3, 15, 13, 9, 1, 3, 1, 1, 1}, 12);
  }
}

}  // namespace
