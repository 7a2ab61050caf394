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

// Where an output pixel reads: its sample from the first channel of its
// group, and the input position of its window's first tap (negative in the
// padding).
struct PixelOrigin {
  const float *sample;
  int64_t z, y, x;
};

// An output pixel's place (sample, z, y, x), stepped through the pixels in
// order: a task divides only to find its first pixel.
struct PixelCursor {
  int64_t b, z, y, x;

  PixelCursor(const abi::ConvGeometry &g, int64_t pixel)
      : b(pixel / (g.outW * g.outH * g.outD)), z(pixel / (g.outW * g.outH) % g.outD), y(pixel / g.outW % g.outH),
        x(pixel % g.outW) {}

  __attribute__((always_inline)) void next(const abi::ConvGeometry &g) {
    if (++x < g.outW) return;
    x = 0;
    if (++y < g.outH) return;
    y = 0;
    if (++z == g.outD) z = 0, ++b;
  }
};

// The origins of the `rows` output pixels from `at` (which moves past them)
// for channel group `group`; the tile's rows past `rows` repeat the last
// pixel (computed, never stored). Returns whether every tap of every pixel
// lies inside the input.
template <int Rows>
KILN_INLINE bool tileOrigins(PixelOrigin (&origin)[Rows], const float *in, const abi::ConvGeometry &g, int64_t group,
                             PixelCursor &at, int64_t rows) {
  const int64_t sampleSize = g.inD * g.inH * g.inW * g.inC, groupOffset = group * (g.inC / g.groups);
  const int64_t spanD = (g.kernelD - 1) * g.dilationD, spanH = (g.kernelH - 1) * g.dilationH;
  const int64_t spanW = (g.kernelW - 1) * g.dilationW;
  bool inside = true;
  KILN_UNROLL for (int r = 0; r < Rows; ++r) {
    if (r > 0 && r < rows) at.next(g);
    PixelOrigin &o = origin[r];
    o = {in + at.b * sampleSize + groupOffset, at.z * g.strideD - g.padFront, at.y * g.strideH - g.padTop,
         at.x * g.strideW - g.padLeft};
    inside = inside && o.z >= 0 && o.z + spanD < g.inD && o.y >= 0 && o.y + spanH < g.inH && o.x >= 0 &&
             o.x + spanW < g.inW;
  }
  at.next(g);
  return inside;
}

// acc += sum over i < depth of a[r][i] * row i of B's panels from `b`.
// Each row of a panel is one cache line, read once per tile and gone from L1
// before the next tile: they are prefetched kPanelPrefetchRows ahead (past
// the run's end, that is the next window row's). On an Intel Xeon the
// hardware's own prefetch left VGG16's layers 4-5% slower.
constexpr int64_t kPanelPrefetchRows = 16;
template <int Rows, int Panels>
KILN_INLINE void multiplyRun(const float *const (&a)[Rows], int64_t depth, const float *b, int64_t panelStride,
                             v16 (&acc)[Rows][Panels]) {
  for (int64_t i = 0; i < depth; ++i) {
    v16 bv[Panels];
    KILN_UNROLL for (int p = 0; p < Panels; ++p) bv[p] = load16(b + p * panelStride + i * abi::kPanelWidth);
    KILN_UNROLL for (int p = 0; p < Panels; ++p)
      __builtin_prefetch(b + p * panelStride + (i + kPanelPrefetchRows) * abi::kPanelWidth);
    KILN_UNROLL for (int r = 0; r < Rows; ++r) {
      float x = a[r][i];
      KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] += x * bv[p];
    }
  }
}

// One register tile: output pixels [pixel, pixel + rows) of `out`, whose
// origins are `origin`, by panels [panel, panel + Panels) of `packed` (k
// deep), summed over K in order. `inside`: no tap falls in the padding, and
// where the taps of a window row are adjacent in the input (dilation 1 and
// one group) so are their K indices: one run per window row. Else tap by
// tap, a tap in the padding reading `zeros`.
template <int Rows, int Panels>
KILN_INLINE void convTile(const abi::ConvGeometry &g, const PixelOrigin (&origin)[Rows], bool inside,
                          const float *zeros, const float *packed, int64_t k, const GemmOutput &out, int64_t pixel,
                          int64_t rows, int64_t panel) {
  const int64_t groupIn = g.inC / g.groups, panelStride = k * abi::kPanelWidth;
  v16 acc[Rows][Panels];
  KILN_UNROLL for (int r = 0; r < Rows; ++r) KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] = splat(0.0f);
  const float *b = packed + panel * panelStride;
  if (inside && g.dilationW == 1 && g.groups == 1) {
    // A window row is one run of kernelW * inC floats, at the same offset
    // from every pixel's window origin: the run's only set-up is adding it.
    const float *windows[Rows];
    KILN_UNROLL for (int r = 0; r < Rows; ++r) {
      const PixelOrigin &o = origin[r];
      windows[r] = o.sample + ((o.z * g.inH + o.y) * g.inW + o.x) * g.inC;
    }
    const int64_t depth = g.kernelW * g.inC, rowStride = g.dilationH * g.inW * g.inC;
    for (int64_t kz = 0; kz < g.kernelD; ++kz)
      for (int64_t ky = 0; ky < g.kernelH; ++ky) {
        const int64_t offset = kz * g.dilationD * g.inH * g.inW * g.inC + ky * rowStride;
        const float *a[Rows];
        KILN_UNROLL for (int r = 0; r < Rows; ++r) a[r] = windows[r] + offset;
        multiplyRun<Rows, Panels>(a, depth, b, panelStride, acc);
        b += depth * abi::kPanelWidth;
      }
  } else {
    for (int64_t kz = 0; kz < g.kernelD; ++kz)
      for (int64_t ky = 0; ky < g.kernelH; ++ky)
        for (int64_t kx = 0; kx < g.kernelW; ++kx) {
          const float *a[Rows];
          KILN_UNROLL for (int r = 0; r < Rows; ++r) {
            int64_t z = origin[r].z + kz * g.dilationD, y = origin[r].y + ky * g.dilationH;
            int64_t x = origin[r].x + kx * g.dilationW;
            bool in = inside || (uint64_t(z) < uint64_t(g.inD) && uint64_t(y) < uint64_t(g.inH) &&
                                 uint64_t(x) < uint64_t(g.inW));
            a[r] = in ? origin[r].sample + ((z * g.inH + y) * g.inW + x) * g.inC : zeros;
          }
          multiplyRun<Rows, Panels>(a, groupIn, b, panelStride, acc);
          b += groupIn * abi::kPanelWidth;
        }
  }
  storeTile<Rows, Panels>(acc, out, pixel, rows, panel * abi::kPanelWidth, false, true);
}

// The order of a task's tiles. A tile of pixels takes each panel in turn,
// over the whole depth: its windows stay in L1 while the kernel streams past
// from L2. A kernel larger than kL2ResidentBytes would stream from L3 for
// every tile; blocks of kMostBlockTiles tiles then take each panel in turn,
// so that it streams from L3 once per block (their windows from L2).
constexpr int64_t kL2ResidentBytes = 1 << 20, kMostBlockTiles = 16;

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
  // A's rows are windows over the input: what the tasks would share is the
  // input, not the (k times larger) im2col matrix.
  int64_t inputFloats = batch * g.inD * g.inH * g.inW * groupIn;
  GemmSplit s = splitGemm<T>(run, pixels, groupOut, k, T::kRows, k * groupOut > inputFloats);
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
      int64_t kernelBytes = (pEnd - p0) * k * abi::kPanelWidth * int64_t(sizeof(float));
      int64_t blockTiles = kernelBytes > kL2ResidentBytes ? kMostBlockTiles : 1;
      PixelCursor at(g, row0);
      for (int64_t block = row0; block < rowEnd; block += blockTiles * T::kRows) {
        PixelOrigin origins[kMostBlockTiles][T::kRows];
        bool inside[kMostBlockTiles];
        int64_t tiles = 0;
        for (int64_t pixel = block; pixel < rowEnd && tiles < blockTiles; pixel += T::kRows, ++tiles)
          inside[tiles] = tileOrigins(origins[tiles], in, g, group, at,
                                      rowEnd - pixel < T::kRows ? rowEnd - pixel : T::kRows);
        // The block's tiles by panels [p, p + Panels).
        auto blockByPanels = [&](auto panelCount, int64_t p) {
          for (int64_t t = 0; t < tiles; ++t) {
            int64_t pixel = block + t * T::kRows;
            convTile<T::kRows, decltype(panelCount)::value>(g, origins[t], inside[t], zeros, groupPacked, k, o, pixel,
                                                            rowEnd - pixel < T::kRows ? rowEnd - pixel : T::kRows, p);
          }
        };
        int64_t p = p0;
        for (; p + T::kPanels <= pEnd; p += T::kPanels) blockByPanels(Count<T::kPanels>{}, p);
        for (; p < pEnd; ++p) blockByPanels(Count<1>{}, p);
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
