// kiln_conv2d against a naive 7-deep loop, for every register tile, over
// kernel sizes, strides, dilations, paddings, channel groups and odd channel
// counts, on one thread and split over several.
#include "kernel_test_util.h"
#include "layers/conv/ConvCommon.h"

using namespace kiln;
using namespace kiln_test;

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using ConvKernel = void (*)(float *, const float *, const float *, const float *, int64_t, const int64_t *, int32_t,
                            float, float, float, const abi::RunContext *);
struct Variant {
  const char *name;
  ConvKernel kernel;
};
const Variant kVariants[] = {{"12x2", kiln_conv2d__12x2}, {"6x1", kiln_conv2d__6x1}, {"3x1", kiln_conv2d__3x1}};

struct Case {
  int64_t batch, inH, inW, inC, outC, kernel, stride, dilation, pad, groups;
  int64_t out(int64_t in) const { return (in + 2 * pad - ((kernel - 1) * dilation + 1)) / stride + 1; }
  std::string describe() const {
    return "batch=" + std::to_string(batch) + " in=" + std::to_string(inH) + "x" + std::to_string(inW) + "x" +
           std::to_string(inC) + " out channels=" + std::to_string(outC) + " kernel=" + std::to_string(kernel) +
           " stride=" + std::to_string(stride) + " dilation=" + std::to_string(dilation) +
           " pad=" + std::to_string(pad) + " groups=" + std::to_string(groups);
  }
};

void check(const Variant &v, const Case &c) {
  if (c.out(c.inH) < 1 || c.out(c.inW) < 1) return;  // the window is larger than the input
  abi::ConvGeometry g{c.inH,   c.inW,   c.inC,      c.out(c.inH), c.out(c.inW), c.outC, c.kernel, c.kernel,
                      c.stride, c.stride, c.dilation, c.dilation,   c.pad,        c.pad,  c.groups, 1};
  int64_t groupIn = c.inC / c.groups, groupOut = c.outC / c.groups, k = c.kernel * c.kernel * groupIn;
  std::vector<float> in = randomFloats(c.batch * c.inH * c.inW * c.inC, 7);
  std::vector<float> w = randomFloats(k * c.outC, 8), b = randomFloats(c.outC, 9);
  std::vector<float> packed = conv::packGroupPanels(w, k, c.outC, c.groups);
  std::vector<float> bias = conv::padGroupBias(b, c.outC, c.groups);

  int64_t outPixels = c.batch * g.outH * g.outW;
  std::vector<double> want(outPixels * c.outC), scale(outPixels * c.outC);
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox)
        for (int64_t co = 0; co < c.outC; ++co) {
          int64_t group = co / groupOut;
          double sum = b[co], magnitude = std::fabs(b[co]);
          for (int64_t ky = 0; ky < c.kernel; ++ky)
            for (int64_t kx = 0; kx < c.kernel; ++kx)
              for (int64_t ci = 0; ci < groupIn; ++ci) {
                int64_t iy = oy * c.stride + ky * c.dilation - c.pad, ix = ox * c.stride + kx * c.dilation - c.pad;
                if (iy < 0 || iy >= c.inH || ix < 0 || ix >= c.inW) continue;
                double x = in[((n * c.inH + iy) * c.inW + ix) * c.inC + group * groupIn + ci];
                double term = x * w[((ky * c.kernel + kx) * groupIn + ci) * c.outC + co];
                sum += term;
                magnitude += std::fabs(term);
              }
          int64_t at = ((n * g.outH + oy) * g.outW + ox) * c.outC + co;
          want[at] = sum > 0 ? sum : 0;  // relu
          scale[at] = magnitude;
        }

  const auto *geometry = reinterpret_cast<const int64_t *>(&g);
  auto run = [&](int32_t threads) {
    std::vector<float> out(outPixels * c.outC, -7.0f);
    Run context(threads, abi::gemmPackFloats(k) * 4);
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
            check(v, {2, 9, 7, 3, 17, kernel, stride, dilation, pad, 1});
}

TEST(Conv2D, ChannelCountsAndGroups) {
  for (const Variant &v : kVariants) {
    check(v, {1, 6, 6, 1, 1, 3, 1, 1, 1, 1});
    check(v, {1, 5, 8, 33, 7, 3, 1, 1, 0, 1});
    check(v, {1, 4, 4, 4, 34, 1, 2, 1, 0, 2});
    check(v, {3, 7, 5, 6, 9, 3, 1, 1, 1, 3});
    check(v, {1, 5, 5, 17, 20, 3, 1, 1, 1, 1});
  }
}

TEST(Conv2D, DepthBeyondOneBlockAndManyPixels) {
  // 3 * 3 * 40 = 360 > kGemmBlockDepth; 2 * 15 * 13 = 390 pixels span several
  // blocks of kGemmBlockRows.
  for (const Variant &v : kVariants) check(v, {2, 15, 13, 40, 35, 3, 1, 1, 1, 1});
}

}  // namespace
