// kiln_conv2d against a naive loop over every output and tap, for every
// register tile, over kernel sizes, strides, dilations, paddings (in depth
// too), channel groups and odd channel counts, on one thread and split over
// several; kiln_conv2d_winograd against the same loop on 3x3 windows.
#include "kernel_test_util.h"
#include "layers/conv/ConvCommon.h"

#include <array>

using namespace kiln;
using namespace kiln_test;

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using ConvKernel = void (*)(float *, const float *, const float *, const float *, int64_t, const int64_t *, int32_t,
                            float, float, float, const abi::RunContext *);
using Variant = TileVariant<ConvKernel>;
const Variant kVariants[] = KILN_TEST_VARIANTS(kiln_conv2d);
const Variant kWinogradVariants[] = KILN_TEST_VARIANTS(kiln_conv2d_winograd);

// Sizes per spatial axis: depth, height, width.
using Axes = std::array<int64_t, 3>;

struct Case {
  int64_t batch;
  Axes in;
  int64_t inC, outC;
  Axes kernel, stride, dilation, pad;
  int64_t groups;
  int64_t out(int a) const { return (in[a] + 2 * pad[a] - ((kernel[a] - 1) * dilation[a] + 1)) / stride[a] + 1; }
  std::string describe() const {
    auto axes = [](const Axes &v) {
      return std::to_string(v[0]) + "x" + std::to_string(v[1]) + "x" + std::to_string(v[2]);
    };
    return "batch=" + std::to_string(batch) + " in=" + axes(in) + "x" + std::to_string(inC) +
           " out channels=" + std::to_string(outC) + " kernel=" + axes(kernel) + " stride=" + axes(stride) +
           " dilation=" + axes(dilation) + " pad=" + axes(pad) + " groups=" + std::to_string(groups);
  }
};

// A 2-D convolution with a square window: a volume of depth 1.
Case image(int64_t batch, int64_t inH, int64_t inW, int64_t inC, int64_t outC, int64_t kernel, int64_t stride,
           int64_t dilation, int64_t pad, int64_t groups) {
  return {batch,           {1, inH, inW},          inC, outC, {1, kernel, kernel}, {1, stride, stride},
          {1, dilation, dilation}, {0, pad, pad}, groups};
}

// The kernel computes by Winograd's transforms (3x3 windows of stride 1,
// one group) rather than tap by tap.
enum class Algorithm { Direct, Winograd };

void check(const Variant &v, const Case &c, Algorithm algorithm = Algorithm::Direct) {
  if (c.out(0) < 1 || c.out(1) < 1 || c.out(2) < 1) return;  // the window is larger than the input
  abi::ConvGeometry g{};
  g.inD = c.in[0], g.inH = c.in[1], g.inW = c.in[2], g.inC = c.inC;
  g.outD = c.out(0), g.outH = c.out(1), g.outW = c.out(2), g.outC = c.outC;
  g.kernelD = c.kernel[0], g.kernelH = c.kernel[1], g.kernelW = c.kernel[2];
  g.strideD = c.stride[0], g.strideH = c.stride[1], g.strideW = c.stride[2];
  g.dilationD = c.dilation[0], g.dilationH = c.dilation[1], g.dilationW = c.dilation[2];
  g.padFront = c.pad[0], g.padTop = c.pad[1], g.padLeft = c.pad[2];
  g.groups = c.groups, g.depthMultiplier = 1;
  int64_t groupIn = c.inC / c.groups, groupOut = c.outC / c.groups;
  int64_t k = c.kernel[0] * c.kernel[1] * c.kernel[2] * groupIn;
  std::vector<float> in = randomFloats(c.batch * c.in[0] * c.in[1] * c.in[2] * c.inC, 7);
  std::vector<float> w = randomFloats(k * c.outC, 8), b = randomFloats(c.outC, 9);
  const bool winograd = algorithm == Algorithm::Winograd;
  std::vector<float> packed =
      winograd ? conv::winogradKernel(w, c.inC, c.outC) : conv::packGroupPanels(w, k, c.outC, c.groups);
  std::vector<float> bias = conv::padGroupBias(b, c.outC, c.groups);

  int64_t outPixels = c.batch * g.outD * g.outH * g.outW;
  std::vector<double> want(outPixels * c.outC), scale(outPixels * c.outC);
  for (int64_t pixel = 0; pixel < outPixels; ++pixel) {
    int64_t ox = pixel % g.outW, oy = pixel / g.outW % g.outH, oz = pixel / (g.outW * g.outH) % g.outD;
    int64_t n = pixel / (g.outW * g.outH * g.outD);
    for (int64_t co = 0; co < c.outC; ++co) {
      int64_t group = co / groupOut;
      double sum = b[co], magnitude = std::fabs(b[co]);
      for (int64_t kz = 0; kz < g.kernelD; ++kz)
        for (int64_t ky = 0; ky < g.kernelH; ++ky)
          for (int64_t kx = 0; kx < g.kernelW; ++kx)
            for (int64_t ci = 0; ci < groupIn; ++ci) {
              int64_t iz = oz * g.strideD + kz * g.dilationD - g.padFront;
              int64_t iy = oy * g.strideH + ky * g.dilationH - g.padTop;
              int64_t ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
              if (iz < 0 || iz >= g.inD || iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) continue;
              double x = in[(((n * g.inD + iz) * g.inH + iy) * g.inW + ix) * c.inC + group * groupIn + ci];
              double term = x * w[(((kz * g.kernelH + ky) * g.kernelW + kx) * groupIn + ci) * c.outC + co];
              sum += term;
              magnitude += std::fabs(term);
            }
      want[pixel * c.outC + co] = sum > 0 ? sum : 0;  // relu
      scale[pixel * c.outC + co] = magnitude;
    }
  }

  const auto *geometry = reinterpret_cast<const int64_t *>(&g);
  auto run = [&](int32_t threads) {
    std::vector<float> out(outPixels * c.outC, -7.0f);
    int64_t workspace = winograd ? abi::winogradWorkspaceFloats(c.inC, c.outC) : abi::convWorkspaceFloats(groupIn);
    Run context(threads, workspace * 4);
    v.kernel(out.data(), in.data(), packed.data(), bias.data(), c.batch, geometry, abi::kRelu, 0.0f, -1.0f, 0.0f,
             context.get());
    return out;
  };
  std::vector<float> one = run(1);
  expectNear(one, want, scale, std::string(v.name) + " " + c.describe());
  for (int32_t threads : {2, 5}) EXPECT_EQ(run(threads), one) << v.name << " " << c.describe() << " on " << threads;
}

TEST(Conv2D, WindowsStridesDilationsPadding) {
  for (const Variant &v : kVariants)
    for (int64_t kernel : {1, 2, 3, 5})
      for (int64_t stride : {1, 2})
        for (int64_t dilation : {1, 2})
          for (int64_t pad : {0, 1, 2})
            check(v, image(2, 9, 7, 3, 17, kernel, stride, dilation, pad, 1));
}

TEST(Conv2D, ChannelCountsAndGroups) {
  for (const Variant &v : kVariants) {
    check(v, image(1, 6, 6, 1, 1, 3, 1, 1, 1, 1));
    check(v, image(1, 5, 8, 33, 7, 3, 1, 1, 0, 1));
    check(v, image(1, 4, 4, 4, 34, 1, 2, 1, 0, 2));
    check(v, image(3, 7, 5, 6, 9, 3, 1, 1, 1, 3));
    check(v, image(1, 5, 5, 17, 20, 3, 1, 1, 1, 1));
    // More pixels (162) than output channels (100), but a kernel (576 x 100)
    // larger than the input (2 * 9 * 9 * 64): threads split the panels.
    check(v, image(2, 9, 9, 64, 100, 3, 1, 1, 1, 1));
  }
}

TEST(Conv2D, DepthBeyondOneBlockAndManyPixels) {
  // 3 * 3 * 40 = 360 > kGemmBlockDepth; 2 * 15 * 13 = 390 pixels span several
  // blocks of kGemmBlockRows.
  for (const Variant &v : kVariants) check(v, image(2, 15, 13, 40, 35, 3, 1, 1, 1, 1));
}

TEST(Conv2D, KernelBeyondL2InBlocksOfTiles) {
  // 15 panels of 3 * 3 * 256 floats: 2.2 MB, past kL2ResidentBytes, so blocks
  // of tiles take the panels in turn; 13 * 17 = 221 pixels make one whole
  // block and a partial one, 15 panels one more than whole tiles.
  for (const Variant &v : kVariants) check(v, image(1, 13, 17, 256, 240, 3, 1, 1, 1, 1));
}

TEST(Conv2D, FewInputChannelsManyChannelsAndPanelRemainders) {
  for (const Variant &v : kVariants) {
    // MNIST's first layer: 9 deep; 2 * 26 * 26 pixels end in a partial tile.
    check(v, image(2, 28, 28, 1, 32, 3, 1, 1, 0, 1));
    // 3 panels: a whole 12x2 tile and one more; taps in the padding.
    check(v, image(1, 11, 10, 2, 48, 3, 2, 2, 1, 1));
    // A tap's 300 channels deeper than kGemmBlockDepth, in the padding too.
    check(v, image(1, 6, 5, 300, 5, 2, 1, 1, 1, 1));
  }
}

TEST(Conv2DWinograd, PaddingOddSizesAndChannelTails) {
  for (const Variant &v : kWinogradVariants)
    for (int64_t pad : {0, 1}) {
      // Odd and even output sizes (the last tile half outside), channel
      // counts with and without a partial vector or panel.
      check(v, image(2, 9, 7, 16, 16, 3, 1, 1, pad, 1), Algorithm::Winograd);
      check(v, image(1, 8, 10, 17, 33, 3, 1, 1, pad, 1), Algorithm::Winograd);
      check(v, image(3, 5, 6, 40, 20, 3, 1, 1, pad, 1), Algorithm::Winograd);
      check(v, image(1, 3, 3, 20, 18, 3, 1, 1, pad, 1), Algorithm::Winograd);
    }
}

TEST(Conv2DWinograd, DepthBeyondOneBlockAndManyTiles) {
  for (const Variant &v : kWinogradVariants) {
    // 300 input channels: two depth blocks of the GEMM. 2 * 8 * 7 tiles of
    // 300 + 64 channels: more tiles than one block holds.
    check(v, image(2, 16, 13, 300, 50, 3, 1, 1, 1, 1), Algorithm::Winograd);
    // 4 * 23 * 23 = 2116 tiles of 16 + 16 channels: several blocks of the
    // most tiles a block holds.
    check(v, image(4, 46, 45, 16, 16, 3, 1, 1, 1, 1), Algorithm::Winograd);
  }
}

TEST(Conv3D, DepthWindowsStridesDilationsPadding) {
  for (const Variant &v : kVariants)
    for (int64_t kernel : {1, 2, 3})
      for (int64_t stride : {1, 2})
        for (int64_t dilation : {1, 2})
          for (int64_t pad : {0, 1})
            check(v, {2, {6, 5, 4}, 3, 17, {kernel, 2, 3}, {stride, 1, 2}, {dilation, 1, 1}, {pad, 1, 0}, 1});
}

TEST(Conv3D, ChannelCountsGroupsAndManyPixels) {
  for (const Variant &v : kVariants) {
    check(v, {1, {3, 3, 3}, 1, 1, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1});
    check(v, {3, {4, 3, 5}, 6, 9, {2, 3, 1}, {2, 1, 1}, {1, 2, 1}, {1, 2, 0}, 3});
    // 3 * 3 * 3 * 16 = 432 > kGemmBlockDepth; 2 * 7 * 8 * 9 = 1008 pixels.
    check(v, {2, {7, 8, 9}, 16, 35, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1});
    // Dilated in depth and height only: window rows stay single runs, their
    // offsets dilated.
    check(v, {2, {6, 7, 5}, 4, 19, {2, 3, 3}, {1, 1, 1}, {2, 2, 1}, {0, 0, 0}, 1});
    check(v, {2, {5, 7, 6}, 3, 17, {2, 2, 3}, {1, 2, 1}, {3, 2, 1}, {1, 1, 1}, 1});
  }
}

}  // namespace
