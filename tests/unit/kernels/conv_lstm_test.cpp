// kiln_conv_lstm against a naive convolutional LSTM in double precision
// (Keras's equations, the gates i, f, c, o side by side in the kernels), for
// every register tile, over filter counts that leave partial vectors,
// strided and padded input convolutions, masks per step and per position,
// going backwards, masked positions outputting 0 (zeroOutputForMask), on one
// thread and split over several.
#include "codegen/LowerContext.h"
#include "kernel_test_util.h"

#include <algorithm>

using namespace kiln;
using namespace kiln_test;

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using Variant = TileVariant<decltype(&kiln_conv_lstm__6x1)>;
const Variant kVariants[] = KILN_TEST_VARIANTS(kiln_conv_lstm);

struct Case {
  int64_t batch, steps, inH, inW, channels, filters, kernel, stride;
  bool same;  // the input convolution's padding
  int64_t maskPixels;  // 0: no mask, 1: a mask per step, else one per position
  bool backwards, sequences;
  bool zeroOutput = false;  // masked positions output 0
  std::string describe() const {
    return "batch=" + std::to_string(batch) + " steps=" + std::to_string(steps) + " frame=" + std::to_string(inH) +
           "x" + std::to_string(inW) + "x" + std::to_string(channels) + " filters=" + std::to_string(filters) +
           " kernel=" + std::to_string(kernel) + " stride=" + std::to_string(stride) + (same ? " same" : " valid") +
           " maskPixels=" + std::to_string(maskPixels) + (backwards ? " backwards" : "") +
           (sequences ? " sequences" : " last") + (zeroOutput ? " zeroOutput" : "");
  }
};

// A 2-D convolution's geometry; 'same' pads (window - 1) / 2 before, as
// TensorFlow does for odd windows.
abi::ConvGeometry geometry(int64_t inH, int64_t inW, int64_t inC, int64_t outC, int64_t window, int64_t stride,
                           bool same) {
  abi::ConvGeometry g{};
  g.inD = g.outD = g.kernelD = g.strideD = g.dilationD = 1;
  g.inH = inH, g.inW = inW, g.inC = inC, g.outC = outC;
  g.kernelH = g.kernelW = window, g.strideH = g.strideW = stride, g.dilationH = g.dilationW = 1;
  g.padTop = g.padLeft = same ? (window - 1) / 2 : 0;
  g.outH = same ? (inH + stride - 1) / stride : (inH - window) / stride + 1;
  g.outW = same ? (inW + stride - 1) / stride : (inW - window) / stride + 1;
  g.groups = g.depthMultiplier = 1;
  return g;
}

// out[y, x, n] += sum over taps of in[...] * w[tap, channel, n] for one frame.
void convolve(std::vector<double> &out, const float *in, const std::vector<double> &inD, const std::vector<float> &w,
              const abi::ConvGeometry &g) {
  for (int64_t oy = 0; oy < g.outH; ++oy)
    for (int64_t ox = 0; ox < g.outW; ++ox)
      for (int64_t ky = 0; ky < g.kernelH; ++ky)
        for (int64_t kx = 0; kx < g.kernelW; ++kx) {
          int64_t iy = oy * g.strideH + ky - g.padTop, ix = ox * g.strideW + kx - g.padLeft;
          if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
          for (int64_t ci = 0; ci < g.inC; ++ci) {
            int64_t at = (iy * g.inW + ix) * g.inC + ci;
            double v = in ? in[at] : inD[at];
            for (int64_t n = 0; n < g.outC; ++n)
              out[(oy * g.outW + ox) * g.outC + n] += v * w[((ky * g.kernelW + kx) * g.inC + ci) * g.outC + n];
          }
        }
}

void check(const Variant &v, const Case &c) {
  std::string what = std::string(v.name) + " " + c.describe();
  const int64_t T = c.steps, f = c.filters, gates = 4 * f, taps = c.kernel * c.kernel;
  abi::ConvGeometry inputConv = geometry(c.inH, c.inW, c.channels, gates, c.kernel, c.stride, c.same);
  const int64_t P = inputConv.outH * inputConv.outW, frame = P * f;
  abi::ConvGeometry recurrentConv = geometry(inputConv.outH, inputConv.outW, f, gates, c.kernel, 1, true);
  std::vector<float> x = randomFloats(c.batch * T * c.inH * c.inW * c.channels, 21);
  std::vector<float> W = randomFloats(taps * c.channels * gates, 22, -0.3f, 0.3f);
  std::vector<float> U = randomFloats(taps * f * gates, 23, -0.3f, 0.3f), b = randomFloats(gates, 24, -0.5f, 0.5f);
  int64_t maskEntries = c.maskPixels ? c.maskPixels : 1;
  std::vector<float> mask = randomFloats(c.batch * T * maskEntries, 25, 0.0f, 1.0f);
  for (float &m : mask) m = m < 0.3f ? 0.0f : 1.0f;

  // The reference: h, c and the output carried over masked positions (or the
  // output 0 there).
  std::vector<double> want(c.batch * (c.sequences ? T : 1) * frame);
  for (int64_t s = 0; s < c.batch; ++s) {
    std::vector<double> h(frame, 0.0), cs(frame, 0.0), out(frame, 0.0);
    for (int64_t t = 0; t < T; ++t) {
      int64_t step = c.backwards ? T - 1 - t : t;
      std::vector<double> z(P * gates, 0.0);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t j = 0; j < gates; ++j) z[p * gates + j] = b[j];
      convolve(z, x.data() + (s * T + step) * c.inH * c.inW * c.channels, {}, W, inputConv);
      convolve(z, nullptr, h, U, recurrentConv);
      std::vector<double> nextH = h;
      for (int64_t p = 0; p < P; ++p) {
        if (c.maskPixels && mask[(s * T + step) * maskEntries + (c.maskPixels == 1 ? 0 : p)] == 0.0f) {
          if (c.zeroOutput) std::fill(out.begin() + p * f, out.begin() + (p + 1) * f, 0.0);
          continue;
        }
        const double *zp = z.data() + p * gates;
        for (int64_t j = 0; j < f; ++j) {
          double i = sigmoid(zp[j]), fg = sigmoid(zp[f + j]), g = std::tanh(zp[2 * f + j]), o = sigmoid(zp[3 * f + j]);
          cs[p * f + j] = fg * cs[p * f + j] + i * g;
          nextH[p * f + j] = out[p * f + j] = o * std::tanh(cs[p * f + j]);
        }
      }
      h = nextH;
      if (c.sequences) std::copy(out.begin(), out.end(), want.begin() + (s * T + t) * frame);
    }
    if (!c.sequences) std::copy(out.begin(), out.end(), want.begin() + s * frame);
  }

  std::vector<float> kernel = packPanels(W, taps * c.channels, gates);
  std::vector<float> recurrent = packPanels(U, taps * f, gates), bias = padToPanels(b, gates);
  abi::ConvRecurrentGeometry g{T, P, f, maskEntries, c.backwards, c.sequences, c.zeroOutput};
  int64_t tempFloats = c.batch * abi::recurrentTemporary(T, P * gates, frame).total;
  int64_t workspace = abi::convWorkspaceFloats(std::max(c.channels, f)) * int64_t(sizeof(float));
  auto run = [&](int32_t threads) {
    // 16 guard floats after the temporary memory the layer was sized for.
    std::vector<float> out(want.size(), -7.0f), temp(tempFloats + 16, 1234.5f);
    Run context(threads, workspace);
    v.kernel(out.data(), nullptr, nullptr, x.data(), c.maskPixels ? mask.data() : nullptr, nullptr, nullptr,
             kernel.data(), bias.data(), recurrent.data(), temp.data(), c.batch, reinterpret_cast<const int64_t *>(&g),
             reinterpret_cast<const int64_t *>(&inputConv), reinterpret_cast<const int64_t *>(&recurrentConv),
             abi::kTanh, 0.0f, abi::kSigmoid, 0.0f, context.get());
    for (int64_t i = tempFloats; i < tempFloats + 16; ++i)
      EXPECT_EQ(temp[i], 1234.5f) << what << ": wrote past the temporary memory";
    return out;
  };
  std::vector<float> one = run(1);
  // The states pass through T squashing steps: a loose, absolute bound.
  expectNear(one, want, std::vector<double>(want.size(), 10.0), what);
  for (int32_t threads : {2, 3}) EXPECT_EQ(run(threads), one) << what << " on " << threads << " threads";
}

TEST(ConvLSTM, FiltersOverPartialVectors) {
  for (const Variant &v : kVariants)
    for (int64_t filters : {1, 7, 17, 33})
      check(v, {2, 3, 5, 4, 3, filters, 3, 1, true, 0, false, true});
}

TEST(ConvLSTM, GatesSplitBetweenThreads) {
  // 2 samples of 16 x 16 positions by 4 * 50 gates: enough work for the
  // gates of a step to be three tasks, which split a sample.
  for (const Variant &v : kVariants) {
    check(v, {2, 2, 16, 16, 2, 50, 3, 1, true, 256, true, true, true});
    check(v, {2, 2, 16, 16, 2, 50, 3, 1, true, 0, false, false});
  }
}

TEST(ConvLSTM, StridesPaddingMasksBackwards) {
  for (const Variant &v : kVariants) {
    check(v, {2, 4, 7, 6, 2, 5, 3, 2, false, 1, true, true});
    check(v, {3, 4, 6, 5, 4, 9, 3, 2, true, 1, false, false});
    // A mask per position: the output frame has the input's sizes.
    check(v, {2, 5, 4, 4, 3, 18, 3, 1, true, 16, true, true});
    check(v, {1, 3, 3, 5, 1, 4, 1, 1, false, 15, false, false});
    // Bidirectional's copies in Keras 3: masked positions output 0.
    check(v, {2, 4, 7, 6, 2, 5, 3, 2, false, 1, true, true, true});
    check(v, {2, 5, 4, 4, 3, 18, 3, 1, true, 16, false, true, true});
  }
}

}  // namespace
