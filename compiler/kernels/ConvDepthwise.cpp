// Depthwise and separable convolutions over channels_last tensors (see
// abi::ConvGeometry, with outC = inC * depthMultiplier).
//
// A depthwise convolution has no reduction over channels, so it is not a
// GEMM: each output pixel is a sum over the window's taps of an input pixel
// times the tap's weights, elementwise. Channels are contiguous in
// channels_last, so the sum runs on vectors of kPanelWidth channels.
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

KILN_INLINE const abi::ConvGeometry &geometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::ConvGeometry *>(g);
}

// dst[co] = act(bias[co] + sum over taps of x[tap][co / dm] * kernel[tap][co])
// for the output pixel (oy, ox) of one sample. Keras's depthwise kernel
// (kh, kw, cin, dm) already orders each tap's weights by output channel
// co = c * dm + m; `kernel` holds them per tap, zero-padded to whole panels,
// and `bias` (may be null) is padded likewise.
KILN_INLINE void depthwisePixel(float *dst, const float *sample, const abi::ConvGeometry &g, int64_t oy, int64_t ox,
                                const float *kernel, const float *bias, const ActParams &act) {
  int64_t tapStride = abi::panelCount(g.outC) * abi::kPanelWidth;
  int64_t dm = g.depthMultiplier;
  for (int64_t c0 = 0; c0 < g.outC; c0 += abi::kPanelWidth) {
    int64_t lanes = g.outC - c0 < abi::kPanelWidth ? g.outC - c0 : abi::kPanelWidth;
    v16 acc = bias ? load16(bias + c0) : splat(0.0f);
    for (int64_t ky = 0; ky < g.kernelH; ++ky) {
      int64_t iy = oy * g.strideH + ky * g.dilationH - g.padTop;
      if (iy < 0 || iy >= g.inH) continue;
      for (int64_t kx = 0; kx < g.kernelW; ++kx) {
        int64_t ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
        if (ix < 0 || ix >= g.inW) continue;
        const float *x = sample + (iy * g.inW + ix) * g.inC;
        v16 xs;
        if (dm == 1 && lanes == abi::kPanelWidth) {
          xs = load16(x + c0);
        } else {  // a channel tail, or each input channel feeding dm outputs
          for (int l = 0; l < abi::kPanelWidth; ++l) xs[l] = l < lanes ? x[(c0 + l) / dm] : 0.0f;
        }
        acc += xs * load16(kernel + (ky * g.kernelW + kx) * tapStride + c0);
      }
    }
    activateVector(act, acc);
    if (lanes == abi::kPanelWidth) {
      store16(dst + c0, acc);
    } else {
      for (int64_t l = 0; l < lanes; ++l) dst[c0 + l] = acc[l];
    }
  }
}

}  // namespace

// out = act(depthwise(in, kernel) + bias) for `batch` samples.
KILN_KERNEL void kiln_depthwise_conv2d(float *out, const float *in, const float *kernel, const float *bias,
                                       int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                       float maxValue, float threshold, const abi::RunContext *) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  ActParams elementwise = epilogueActivation(ActParams{act, alpha, maxValue, threshold});
  for (int64_t b = 0; b < batch; ++b) {
    const float *sample = in + b * g.inH * g.inW * g.inC;
    for (int64_t oy = 0; oy < g.outH; ++oy)
      for (int64_t ox = 0; ox < g.outW; ++ox)
        depthwisePixel(out + ((b * g.outH + oy) * g.outW + ox) * g.outC, sample, g, oy, ox, kernel, bias,
                       elementwise);
  }
  if (abi::isRowwise(act)) softmaxRows(out, batch * g.outH * g.outW, g.outC, act == abi::kLogSoftmax);
}

namespace {

// out = act(pointwise(depthwise(in)) + bias): the depthwise result of one
// tile of output pixels goes to the thread's workspace (kMaxTileRows * outC
// floats, outC = cin * dm), which is at once the left-hand side of the 1x1
// pointwise GEMM with `pointwise` ([outC, filters] packed in panels).
template <class T>
KILN_INLINE void separableConv2d(float *out, const float *in, const float *depthwise, const float *pointwise,
                                 const float *bias, int64_t batch, int64_t filters, const int64_t *geometry,
                                 const ActParams &act, const abi::RunContext *run) {
  const abi::ConvGeometry &g = geometryOf(geometry);
  ActParams linear{abi::kLinear, 0, 0, 0};
  const GemmOutput o{out, filters, filters, bias, epilogueActivation(act)};
  int64_t pixels = batch * g.outH * g.outW;
  int64_t tiles = (pixels + T::kRows - 1) / T::kRows;
  int64_t tasks = taskCount(run, pixels * filters * g.outC, tiles);
  int64_t tilesPerTask = (tiles + tasks - 1) / tasks;
  parallelFor(run, (tiles + tilesPerTask - 1) / tilesPerTask, [&](int64_t task, int32_t thread) {
    float *tile = workspaceOf(run, thread);
    int64_t end = (task + 1) * tilesPerTask * T::kRows < pixels ? (task + 1) * tilesPerTask * T::kRows : pixels;
    for (int64_t pixel = task * tilesPerTask * T::kRows; pixel < end; pixel += T::kRows) {
      int64_t rows = end - pixel < T::kRows ? end - pixel : T::kRows;
      for (int64_t i = 0; i < rows; ++i) {
        int64_t p = pixel + i;
        int64_t ox = p % g.outW, oy = p / g.outW % g.outH, b = p / (g.outW * g.outH);
        depthwisePixel(tile + i * g.outC, in + b * g.inH * g.inW * g.inC, g, oy, ox, depthwise, nullptr, linear);
      }
      gemmBlock<T>(tile, g.outC, pointwise, g.outC, 0, g.outC, o, pixel, rows, 0, abi::panelCount(filters),
                          true, true);
    }
  });
  if (abi::isRowwise(act.act)) softmaxRows(out, pixels, filters, act.act == abi::kLogSoftmax);
}

}  // namespace

KILN_TILED_KERNEL(kiln_separable_conv2d, separableConv2d,
                  (float *out, const float *in, const float *depthwise, const float *pointwise, const float *bias,
                   int64_t batch, int64_t filters, const int64_t *geometry, int32_t act, float alpha, float maxValue,
                   float threshold, const abi::RunContext *run),
                  (out, in, depthwise, pointwise, bias, batch, filters, geometry,
                   ActParams{act, alpha, maxValue, threshold}, run))
