// kiln_conv2d_transpose against its definition, for every register tile:
// each input pixel times the kernel, added into the output window at
// (input position * stride - padding), over kernel sizes, strides, paddings,
// extra output rows (Keras's output_padding), 3-D volumes and channel counts
// that end inside a panel.
#include "codegen/LowerContext.h"
#include "kernel_test_util.h"

#include <array>

using namespace kiln;
using namespace kiln_test;

extern "C" {
KILN_TILED_DECLARATION(kiln_conv2d_transpose, (float *out, const float *in, const float *packed, const float *bias,
                                               int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                               float maxValue, float threshold, const kiln::abi::RunContext *run))
}

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using TransposeKernel = void (*)(float *, const float *, const float *, const float *, int64_t, const int64_t *,
                                 int32_t, float, float, float, const abi::RunContext *);
const TileVariant<TransposeKernel> kVariants[] = KILN_TEST_VARIANTS(kiln_conv2d_transpose);

using Axes = std::array<int64_t, 3>;  // depth, height, width

struct Case {
  int64_t batch;
  Axes in;
  int64_t inC, outC;
  Axes kernel, stride, pad, extra;  // extra: output positions beyond the last window's
  int64_t out(int a) const { return (in[a] - 1) * stride[a] + kernel[a] - 2 * pad[a] + extra[a]; }
  std::string describe() const {
    auto axes = [](const Axes &v) {
      return std::to_string(v[0]) + "x" + std::to_string(v[1]) + "x" + std::to_string(v[2]);
    };
    return "batch=" + std::to_string(batch) + " in=" + axes(in) + "x" + std::to_string(inC) +
           " filters=" + std::to_string(outC) + " kernel=" + axes(kernel) + " stride=" + axes(stride) +
           " pad=" + axes(pad) + " extra=" + axes(extra);
  }
};

Case image(int64_t inH, int64_t inW, int64_t inC, int64_t outC, int64_t kernel, int64_t stride, int64_t pad,
           int64_t extra) {
  return {2, {1, inH, inW}, inC, outC, {1, kernel, kernel}, {1, stride, stride}, {0, pad, pad}, {0, extra, extra}};
}

void check(const TileVariant<TransposeKernel> &v, const Case &c) {
  abi::ConvGeometry g{};
  g.inD = c.in[0], g.inH = c.in[1], g.inW = c.in[2], g.inC = c.inC;
  g.outD = c.out(0), g.outH = c.out(1), g.outW = c.out(2), g.outC = c.outC;
  g.kernelD = c.kernel[0], g.kernelH = c.kernel[1], g.kernelW = c.kernel[2];
  g.strideD = c.stride[0], g.strideH = c.stride[1], g.strideW = c.stride[2];
  g.dilationD = g.dilationH = g.dilationW = 1;
  g.padFront = c.pad[0], g.padTop = c.pad[1], g.padLeft = c.pad[2];
  g.groups = 1, g.depthMultiplier = 1;
  int64_t taps = c.kernel[0] * c.kernel[1] * c.kernel[2], n = taps * c.outC;
  std::vector<float> in = randomFloats(c.batch * c.in[0] * c.in[1] * c.in[2] * c.inC, 51);
  // Keras's kernel: ((kd,) kh, kw, filters, cin).
  std::vector<float> w = randomFloats(n * c.inC, 52), b = randomFloats(c.outC, 53);

  int64_t outPixels = c.batch * g.outD * g.outH * g.outW;
  std::vector<double> want(outPixels * c.outC), scale(outPixels * c.outC);
  for (int64_t q = 0; q < outPixels; ++q)
    for (int64_t co = 0; co < c.outC; ++co) want[q * c.outC + co] = b[co], scale[q * c.outC + co] = std::fabs(b[co]);
  for (int64_t s = 0; s < c.batch; ++s)
    for (int64_t iz = 0; iz < g.inD; ++iz)
      for (int64_t iy = 0; iy < g.inH; ++iy)
        for (int64_t ix = 0; ix < g.inW; ++ix)
          for (int64_t tap = 0; tap < taps; ++tap) {
            int64_t kx = tap % g.kernelW, ky = tap / g.kernelW % g.kernelH, kz = tap / (g.kernelW * g.kernelH);
            int64_t oz = iz * g.strideD + kz - g.padFront, oy = iy * g.strideH + ky - g.padTop;
            int64_t ox = ix * g.strideW + kx - g.padLeft;
            if (oz < 0 || oz >= g.outD || oy < 0 || oy >= g.outH || ox < 0 || ox >= g.outW) continue;
            int64_t q = ((s * g.outD + oz) * g.outH + oy) * g.outW + ox;
            const float *x = in.data() + (((s * g.inD + iz) * g.inH + iy) * g.inW + ix) * c.inC;
            for (int64_t co = 0; co < c.outC; ++co)
              for (int64_t ci = 0; ci < c.inC; ++ci) {
                double term = double(x[ci]) * w[(tap * c.outC + co) * c.inC + ci];
                want[q * c.outC + co] += term;
                scale[q * c.outC + co] += std::fabs(term);
              }
          }
  for (double &x : want) x = x > 0 ? x : 0;  // relu

  // The lowering's GEMM operand: the kernel as [K = cin, N = taps * filters].
  std::vector<float> columns(c.inC * n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t ci = 0; ci < c.inC; ++ci) columns[ci * n + j] = w[j * c.inC + ci];
  std::vector<float> packed = packPanels(columns, c.inC, n);
  std::vector<float> out(want.size(), -7.0f);
  Run context(1, abi::kMaxTileRows * n * 4);
  v.kernel(out.data(), in.data(), packed.data(), b.data(), c.batch, reinterpret_cast<const int64_t *>(&g), abi::kRelu,
           0.0f, -1.0f, 0.0f, context.get());
  expectNear(out, want, scale, std::string(v.name) + " " + c.describe());
}

TEST(ConvTranspose, WindowsStridesPaddingAndOutputPadding) {
  for (const auto &v : kVariants)
    for (int64_t kernel : {1, 2, 3, 4})
      for (int64_t stride : {1, 2, 3})
        for (int64_t pad : {0, 1})
          for (int64_t extra : {0, 1}) {
            if (extra >= stride || 2 * pad >= kernel + extra) continue;  // as Keras allows
            check(v, image(5, 4, 3, 17, kernel, stride, pad, extra));
          }
}

TEST(ConvTranspose, ChannelCountsVolumesAndManyPixels) {
  for (const auto &v : kVariants) {
    check(v, image(3, 3, 1, 1, 3, 2, 1, 1));
    check(v, image(4, 6, 33, 7, 3, 1, 1, 0));
    check(v, image(7, 5, 2, 48, 2, 2, 0, 0));  // 3 panels of filters
    check(v, {1, {3, 4, 2}, 5, 9, {2, 3, 3}, {2, 1, 2}, {0, 1, 1}, {1, 0, 1}});
    // 2 * 9 * 11 = 198 input pixels: many tiles and a partial one.
    check(v, image(9, 11, 6, 20, 3, 2, 1, 1));
  }
}

}  // namespace
