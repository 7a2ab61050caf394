// Convolutions as GEMMs over channels_last tensors (see abi::ConvGeometry).
//
// Keras's kernel ((kd,) kh, kw, cin, cout) in row-major order is already the
// GEMM's [K = (kd *) kh * kw * cin, N = cout] right-hand side, packed in panels at build
// time. The left-hand side is the im2col matrix of the input: one row of K
// values per output pixel. It is never built whole: a tile of kMicroRows rows
// is packed in the workspace and consumed by the micro-kernel at once.
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

KILN_INLINE const abi::ConvGeometry &geometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::ConvGeometry *>(g);
}

// Packs the im2col rows of Rows consecutive output pixels (counted across the
// batch from `pixel`) for channel group `group` into `tile` [Rows x K], K in
// the kernel's (ky, kx, c) order; taps in the padding are zeros.
template <int Rows>
KILN_INLINE void im2colTile(float *tile, const float *in, const abi::ConvGeometry &g, int64_t pixel, int64_t group) {
  int64_t groupIn = g.inC / g.groups;
  int64_t k = g.kernelD * g.kernelH * g.kernelW * groupIn;
  for (int i = 0; i < Rows; ++i) {
    int64_t p = pixel + i;
    int64_t ox = p % g.outW, oy = p / g.outW % g.outH, oz = p / (g.outW * g.outH) % g.outD;
    int64_t b = p / (g.outW * g.outH * g.outD);
    const float *sample = in + b * g.inD * g.inH * g.inW * g.inC + group * groupIn;
    float *dst = tile + i * k;
    for (int64_t kz = 0; kz < g.kernelD; ++kz) {
      int64_t iz = oz * g.strideD + kz * g.dilationD - g.padFront;
      bool planeInside = iz >= 0 && iz < g.inD;
      for (int64_t ky = 0; ky < g.kernelH; ++ky) {
        int64_t iy = oy * g.strideH + ky * g.dilationH - g.padTop;
        bool rowInside = planeInside && iy >= 0 && iy < g.inH;
        for (int64_t kx = 0; kx < g.kernelW; ++kx, dst += groupIn) {
          int64_t ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
          if (!rowInside || ix < 0 || ix >= g.inW) {
            for (int64_t c = 0; c < groupIn; ++c) dst[c] = 0.0f;
            continue;
          }
          const float *src = sample + ((iz * g.inH + iy) * g.inW + ix) * g.inC;
          for (int64_t c = 0; c < groupIn; ++c) dst[c] = src[c];
        }
      }
    }
  }
}

}  // namespace

// out = act(conv(in, kernel) + bias) for `batch` samples. `packed` holds, per
// group, panelCount(cout / groups) panels of K x kPanelWidth floats; `bias`
// (may be null) is padded the same way. Each thread's workspace holds one
// tile: kMicroRows * K floats.
KILN_KERNEL void kiln_conv2d(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                             const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                             const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  ActParams p{act, alpha, maxValue, threshold};
  ActParams elementwise = epilogueActivation(p);
  int64_t groupOut = g.outC / g.groups;
  int64_t k = g.kernelD * g.kernelH * g.kernelW * (g.inC / g.groups);
  int64_t groupPanels = abi::panelCount(groupOut) * abi::kPanelWidth;  // floats per K row of one group
  int64_t pixels = batch * g.outD * g.outH * g.outW;
  int64_t rowBlocks = (pixels + abi::kMicroRows - 1) / abi::kMicroRows;
  int64_t tasks = taskCount(run, pixels * g.outC * k, rowBlocks);
  int64_t taskPixels = (rowBlocks + tasks - 1) / tasks * abi::kMicroRows;
  parallelFor(run, (pixels + taskPixels - 1) / taskPixels, [&](int64_t task, int32_t thread) {
    float *tile = workspaceOf(run, thread);
    int64_t first = task * taskPixels;
    forEachRowBlock(pixels - first < taskPixels ? pixels - first : taskPixels, [&](auto rows, int64_t pixel) {
      constexpr int Rows = decltype(rows)::value;
      pixel += first;
      for (int64_t group = 0; group < g.groups; ++group) {
        im2colTile<Rows>(tile, in, g, pixel, group);
        rowBlock<Rows>(tile, k, packed + group * groupPanels * k, bias ? bias + group * groupPanels : nullptr,
                       out + pixel * g.outC + group * groupOut, g.outC, groupOut, k, elementwise);
      }
    });
  });
  if (abi::isRowwise(act)) softmaxRows(out, pixels, g.outC, act == abi::kLogSoftmax);
}

// The transposed convolution: every input pixel times the kernel gives a
// (kh, kw, cout) block of columns (a GEMM with `packed`, the kernel as
// [K = cin, N = kh * kw * cout]), and col2im adds each block into the output
// window it covers. The workspace holds the columns: kMicroRows * N floats.
KILN_KERNEL void kiln_conv2d_transpose(float *out, const float *in, const float *packed, const float *bias,
                                       int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                       float maxValue, float threshold, const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  float *columns = workspaceOf(run, 0);
  int64_t n = g.kernelD * g.kernelH * g.kernelW * g.outC, k = g.inC;
  int64_t outPixels = batch * g.outD * g.outH * g.outW;
  // Every output starts as its bias: pixels no window covers keep only it.
  for (int64_t q = 0; q < outPixels; ++q)
    for (int64_t c = 0; c < g.outC; ++c) out[q * g.outC + c] = bias ? bias[c] : 0.0f;

  ActParams linear{abi::kLinear, 0, 0, 0};
  forEachRowBlock(batch * g.inD * g.inH * g.inW, [&](auto rows, int64_t pixel) {
    constexpr int Rows = decltype(rows)::value;
    rowBlock<Rows>(in + pixel * k, k, packed, nullptr, columns, n, n, k, linear);
    for (int i = 0; i < Rows; ++i) {
      int64_t p = pixel + i;
      int64_t ix = p % g.inW, iy = p / g.inW % g.inH, iz = p / (g.inW * g.inH) % g.inD;
      int64_t b = p / (g.inW * g.inH * g.inD);
      for (int64_t kz = 0; kz < g.kernelD; ++kz) {
        int64_t oz = iz * g.strideD + kz - g.padFront;
        if (oz < 0 || oz >= g.outD) continue;
        for (int64_t ky = 0; ky < g.kernelH; ++ky) {
          int64_t oy = iy * g.strideH + ky - g.padTop;
          if (oy < 0 || oy >= g.outH) continue;
          for (int64_t kx = 0; kx < g.kernelW; ++kx) {
            int64_t ox = ix * g.strideW + kx - g.padLeft;
            if (ox < 0 || ox >= g.outW) continue;
            float *dst = out + (((b * g.outD + oz) * g.outH + oy) * g.outW + ox) * g.outC;
            const float *src = columns + i * n + ((kz * g.kernelH + ky) * g.kernelW + kx) * g.outC;
            for (int64_t c = 0; c < g.outC; ++c) dst[c] += src[c];
          }
        }
      }
    }
  });

  // The activation waits until every window has been added.
  if (abi::isRowwise(act)) {
    softmaxRows(out, outPixels, g.outC, act == abi::kLogSoftmax);
  } else if (act != abi::kLinear) {
    ActParams p{act, alpha, maxValue, threshold};
    for (int64_t i = 0; i < outPixels * g.outC; ++i) out[i] = activate(p, out[i]);
  }
}
