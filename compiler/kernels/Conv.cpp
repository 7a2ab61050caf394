// Convolutions over channels_last tensors (see abi::ConvGeometry).
//
// Keras's kernel ((kd,) kh, kw, cin, cout) in row-major order is already the
// GEMM's [K = (kd *) kh * kw * cin, N = cout] right-hand side, packed in panels at build
// time. The left-hand side, the im2col matrix of the input (one row of K
// values per output pixel), is never built: a register tile of output pixels
// walks the window's taps and, for each, reads its pixels' cin channels
// where they lie in the input, or from a row of zeros for a tap in the
// padding (an indirect GEMM, as XNNPACK's igemm). Nothing is packed at run
// time, so a convolution costs its multiply-adds even when cin is small (a
// 3x3 window on one channel is 9 deep).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

KILN_INLINE const abi::ConvGeometry &geometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::ConvGeometry *>(g);
}

// Where output pixel `pixel` (counted across the batch) reads: its sample
// from the first channel of `group`, and the input position of its window's
// first tap (negative in the padding).
struct PixelOrigin {
  const float *sample;
  int64_t z, y, x;
};

KILN_INLINE PixelOrigin originOf(const float *in, const abi::ConvGeometry &g, int64_t pixel, int64_t group) {
  int64_t ox = pixel % g.outW, oy = pixel / g.outW % g.outH, oz = pixel / (g.outW * g.outH) % g.outD;
  int64_t b = pixel / (g.outW * g.outH * g.outD);
  return {in + b * g.inD * g.inH * g.inW * g.inC + group * (g.inC / g.groups), oz * g.strideD - g.padFront,
          oy * g.strideH - g.padTop, ox * g.strideW - g.padLeft};
}

// One register tile: output pixels [pixel, pixel + rows) (rows <= Rows) of
// `out` by panels [panel, panel + Panels) of `packed` (k deep), summed over
// the taps in the kernel's (kz, ky, kx, c) order, that is over K in order.
template <int Rows, int Panels>
KILN_INLINE void convTile(const float *in, const abi::ConvGeometry &g, int64_t group, const float *zeros,
                          const float *packed, int64_t k, const GemmOutput &out, int64_t pixel, int64_t rows,
                          int64_t panel) {
  const int64_t groupIn = g.inC / g.groups, panelStride = k * abi::kPanelWidth;
  PixelOrigin origin[Rows];
  // Rows past `rows` repeat the last pixel: computed, never stored.
  KILN_UNROLL for (int r = 0; r < Rows; ++r) origin[r] = originOf(in, g, pixel + (r < rows ? r : rows - 1), group);
  v16 acc[Rows][Panels];
  KILN_UNROLL for (int r = 0; r < Rows; ++r) KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] = splat(0.0f);
  const float *b = packed + panel * panelStride;
  for (int64_t kz = 0; kz < g.kernelD; ++kz)
    for (int64_t ky = 0; ky < g.kernelH; ++ky)
      for (int64_t kx = 0; kx < g.kernelW; ++kx) {
        const float *a[Rows];
        KILN_UNROLL for (int r = 0; r < Rows; ++r) {
          int64_t z = origin[r].z + kz * g.dilationD, y = origin[r].y + ky * g.dilationH;
          int64_t x = origin[r].x + kx * g.dilationW;
          bool inside = uint64_t(z) < uint64_t(g.inD) && uint64_t(y) < uint64_t(g.inH) && uint64_t(x) < uint64_t(g.inW);
          a[r] = inside ? origin[r].sample + ((z * g.inH + y) * g.inW + x) * g.inC : zeros;
        }
        for (int64_t c = 0; c < groupIn; ++c) {
          v16 bv[Panels];
          KILN_UNROLL for (int p = 0; p < Panels; ++p) bv[p] = load16(b + p * panelStride + c * abi::kPanelWidth);
          KILN_UNROLL for (int r = 0; r < Rows; ++r) {
            float x = a[r][c];
            KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] += x * bv[p];
          }
        }
        b += groupIn * abi::kPanelWidth;
      }
  storeTile<Rows, Panels>(acc, out, pixel, rows, panel * abi::kPanelWidth, false, true);
}

// out = act(conv(in, kernel) + bias) for `batch` samples. `packed` holds, per
// group, panelCount(cout / groups) panels of K x kPanelWidth floats; `bias`
// (may be null) is padded the same way. Each thread's workspace holds the
// row of zeros (abi::convWorkspaceFloats). Tasks are blocks of pixels and
// ranges of panels, as the GEMM's.
template <class T>
KILN_INLINE void conv2d(float *out, const float *in, const float *packed, const float *bias, int64_t batch,
                        const int64_t *geometry, const ActParams &act, const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  int64_t groupIn = g.inC / g.groups, groupOut = g.outC / g.groups;
  int64_t k = g.kernelD * g.kernelH * g.kernelW * groupIn;
  int64_t panels = abi::panelCount(groupOut);
  int64_t pixels = batch * g.outD * g.outH * g.outW;
  GemmSplit s = splitGemm<T>(run, pixels, groupOut, k, T::kRows);
  for (int64_t group = 0; group < g.groups; ++group) {
    const GemmOutput o{out + group * groupOut, g.outC, groupOut,
                       bias ? bias + group * panels * abi::kPanelWidth : nullptr, epilogueActivation(act)};
    const float *groupPacked = packed + group * panels * abi::kPanelWidth * k;
    parallelFor(run, s.tasks(), [&](int64_t task, int32_t thread) {
      float *zeros = workspaceOf(run, thread);
      for (int64_t c = 0; c < groupIn; ++c) zeros[c] = 0.0f;
      int64_t row0 = task / s.panelTasks * s.rowChunk, p0 = task % s.panelTasks * s.panelChunk;
      int64_t rowEnd = row0 + s.rowChunk < pixels ? row0 + s.rowChunk : pixels;
      int64_t pEnd = p0 + s.panelChunk < panels ? p0 + s.panelChunk : panels;
      // Blocks of pixels, panels within: a panel's slice of the kernel stays
      // in cache while the block's pixels pass it.
      for (int64_t block = row0; block < rowEnd; block += abi::kGemmBlockRows) {
        int64_t blockEnd = rowEnd - block < abi::kGemmBlockRows ? rowEnd : block + abi::kGemmBlockRows;
        for (int64_t p = p0; p < pEnd; p += T::kPanels)
          for (int64_t pixel = block; pixel < blockEnd; pixel += T::kRows) {
            int64_t rows = blockEnd - pixel < T::kRows ? blockEnd - pixel : T::kRows;
            if (p + T::kPanels <= pEnd)
              convTile<T::kRows, T::kPanels>(in, g, group, zeros, groupPacked, k, o, pixel, rows, p);
            else
              for (int64_t q = p; q < pEnd; ++q)
                convTile<T::kRows, 1>(in, g, group, zeros, groupPacked, k, o, pixel, rows, q);
          }
      }
    });
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
    gemmBlock<T>(in + pixel * k, k, packed, k, 0, k, linear, 0, rows, 0, abi::panelCount(n), true, true);
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
