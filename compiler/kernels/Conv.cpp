// Convolutions as GEMMs over channels_last tensors (see abi::ConvGeometry).
//
// Keras's kernel ((kd,) kh, kw, cin, cout) in row-major order is already the
// GEMM's [K = (kd *) kh * kw * cin, N = cout] right-hand side, packed in panels at build
// time. The left-hand side is the im2col matrix of the input: one row of K
// values per output pixel. It is never built whole: the GEMM packs one block
// of it at a time in the thread's workspace (gemmPacked).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

KILN_INLINE const abi::ConvGeometry &geometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::ConvGeometry *>(g);
}

// Writes A(pixel, k0 + i) for i < kLen to dst[i * stride]: the im2col row of
// output pixel `pixel` (counted across the batch) for channel group `group`,
// K in the kernel's (kz, ky, kx, c) order; taps in the padding are zeros.
KILN_INLINE void im2colRow(float *dst, int64_t stride, const float *in, const abi::ConvGeometry &g, int64_t pixel,
                           int64_t group, int64_t k0, int64_t kLen) {
  int64_t groupIn = g.inC / g.groups;
  int64_t ox = pixel % g.outW, oy = pixel / g.outW % g.outH, oz = pixel / (g.outW * g.outH) % g.outD;
  int64_t b = pixel / (g.outW * g.outH * g.outD);
  const float *sample = in + b * g.inD * g.inH * g.inW * g.inC + group * groupIn;
  for (int64_t kk = k0, end = k0 + kLen; kk < end;) {
    int64_t tap = kk / groupIn, c = kk % groupIn;
    int64_t len = groupIn - c < end - kk ? groupIn - c : end - kk;
    int64_t iz = oz * g.strideD + tap / (g.kernelH * g.kernelW) * g.dilationD - g.padFront;
    int64_t iy = oy * g.strideH + tap / g.kernelW % g.kernelH * g.dilationH - g.padTop;
    int64_t ix = ox * g.strideW + tap % g.kernelW * g.dilationW - g.padLeft;
    if (iz >= 0 && iz < g.inD && iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW) {
      const float *src = sample + ((iz * g.inH + iy) * g.inW + ix) * g.inC + c;
      for (int64_t i = 0; i < len; ++i) dst[i * stride] = src[i];
    } else {
      for (int64_t i = 0; i < len; ++i) dst[i * stride] = 0.0f;
    }
    dst += len * stride;
    kk += len;
  }
}

// out = act(conv(in, kernel) + bias) for `batch` samples. `packed` holds, per
// group, panelCount(cout / groups) panels of K x kPanelWidth floats; `bias`
// (may be null) is padded the same way. Each thread's workspace holds one
// packed block: gemmPackFloats(K) floats.
template <class T>
KILN_INLINE void conv2d(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                        const int64_t *geometry, const ActParams &act, const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  int64_t groupOut = g.outC / g.groups;
  int64_t k = g.kernelD * g.kernelH * g.kernelW * (g.inC / g.groups);
  int64_t groupPanels = abi::panelCount(groupOut) * abi::kPanelWidth;  // floats per K row of one group
  int64_t pixels = batch * g.outD * g.outH * g.outW;
  for (int64_t group = 0; group < g.groups; ++group) {
    GemmOutput o{out + group * groupOut, g.outC, groupOut, bias ? bias + group * groupPanels : nullptr,
                 epilogueActivation(act)};
    gemmPacked<T>(o, packed + group * groupPanels * k, pixels, k,
                  [&](int64_t pixel, int64_t k0, int64_t kLen, float *dst, int64_t stride) {
                    im2colRow(dst, stride, in, g, pixel, group, k0, kLen);
                  },
                  run);
  }
  if (abi::isRowwise(act.act)) softmaxRows(out, pixels, g.outC, act.act == abi::kLogSoftmax);
}

// The transposed convolution: every input pixel times the kernel gives a
// (kd, kh, kw, cout) block of columns (a GEMM with `packed`, the kernel as
// [K = cin, N = kd * kh * kw * cout]), and col2im adds each block into the output
// window it covers. The workspace holds the columns of one tile of input
// pixels: kMaxTileRows * N floats.
template <class T>
KILN_INLINE void conv2dTranspose(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                                 const int64_t *geometry, const ActParams &act, const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  float *columns = workspaceOf(run, 0);
  int64_t n = g.kernelD * g.kernelH * g.kernelW * g.outC, k = g.inC;
  int64_t outPixels = batch * g.outD * g.outH * g.outW, inPixels = batch * g.inD * g.inH * g.inW;
  // Every output starts as its bias: pixels no window covers keep only it.
  for (int64_t q = 0; q < outPixels; ++q)
    for (int64_t c = 0; c < g.outC; ++c) out[q * g.outC + c] = bias ? bias[c] : 0.0f;

  const GemmOutput linear{columns, n, n, nullptr, ActParams{abi::kLinear, 0, 0, 0}};
  for (int64_t pixel = 0; pixel < inPixels; pixel += T::kRows) {
    int64_t rows = inPixels - pixel < T::kRows ? inPixels - pixel : T::kRows;
    gemmBlock<T, false>(in + pixel * k, k, packed, k, 0, k, linear, 0, rows, 0, abi::panelCount(n), true, true);
    for (int64_t i = 0; i < rows; ++i) {
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
  }

  // The activation waits until every window has been added.
  if (abi::isRowwise(act.act)) softmaxRows(out, outPixels, g.outC, act.act == abi::kLogSoftmax);
  else activateRow(act, out, outPixels * g.outC);
}

}  // namespace

KILN_TILED_KERNEL(kiln_conv2d, conv2d,
                  (float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                   const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                   const abi::RunContext *run),
                  (out, in, packed, bias, batch, geometry, ActParams{act, alpha, maxValue, threshold}, run))

KILN_TILED_KERNEL(kiln_conv2d_transpose, conv2dTranspose,
                  (float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                   const int64_t *geometry, int32_t act, float alpha, float maxValue, float threshold,
                   const abi::RunContext *run),
                  (out, in, packed, bias, batch, geometry, ActParams{act, alpha, maxValue, threshold}, run))
