// Pooling over channels_last images (batch, height, width, channels); 1D
// pooling is the height-1 case and global pooling one window over the whole
// image. Each output pixel reduces the input pixels of its window channel by
// channel: the innermost loops run over the contiguous channels with no
// data-dependent branches, so LLVM vectorises them once the shapes are
// constants.
#include "Common.h"

using namespace kiln;

namespace {

// The input rows (or columns) under output row `o`'s window, clipped to the
// input: padding contributes nothing, as in TF.
struct Span {
  int64_t begin, end;
};

KILN_INLINE Span windowSpan(int64_t o, int64_t stride, int64_t pool, int64_t padBefore, int64_t size) {
  int64_t start = o * stride - padBefore;
  return {start < 0 ? 0 : start, start + pool < size ? start + pool : size};
}

// Calls body(outPixel, window rows, window cols) for every output pixel.
template <class Body>
KILN_INLINE void forEachWindow(float *__restrict out, int64_t batch, int64_t channels, int64_t outH, int64_t outW,
                               int64_t inH, int64_t inW, int64_t poolH, int64_t poolW, int64_t strideH,
                               int64_t strideW, int64_t padTop, int64_t padLeft, Body body) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < outH; ++oy) {
      Span rows = windowSpan(oy, strideH, poolH, padTop, inH);
      for (int64_t ox = 0; ox < outW; ++ox) {
        Span cols = windowSpan(ox, strideW, poolW, padLeft, inW);
        body(out + ((b * outH + oy) * outW + ox) * channels, b, rows, cols);
      }
    }
}

}  // namespace

// Windows are never empty: 'valid' windows lie inside the input, and 'same'
// puts less than a pool of padding before the first and after the last one.
// NaN and infinities as TensorFlow's CPU kernels take them: MaxPool starts
// from the lowest finite float and skips NaN (a window of only -inf or NaN
// gives -3.4e38); the global pools, reductions, start from -inf and give NaN
// if the window holds one.
template <bool Reduction>
KILN_INLINE void maxPool(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH, int64_t inW,
                         int64_t channels, int64_t outH, int64_t outW, int64_t poolH, int64_t poolW,
                         int64_t strideH, int64_t strideW, int64_t padTop, int64_t padLeft) {
  forEachWindow(out, batch, channels, outH, outW, inH, inW, poolH, poolW, strideH, strideW, padTop, padLeft,
                [&](float *__restrict o, int64_t b, Span rows, Span cols) {
                  for (int64_t c = 0; c < channels; ++c) o[c] = Reduction ? -INFINITY : -__FLT_MAX__;
                  for (int64_t y = rows.begin; y < rows.end; ++y)
                    for (int64_t x = cols.begin; x < cols.end; ++x) {
                      const float *__restrict p = in + ((b * inH + y) * inW + x) * channels;
                      for (int64_t c = 0; c < channels; ++c)
                        o[c] = Reduction ? kernels::maxPropagatingNaN(p[c], o[c]) : p[c] > o[c] ? p[c] : o[c];
                    }
                });
}

KILN_KERNEL void kiln_max_pool(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                               int64_t inW, int64_t channels, int64_t outH, int64_t outW, int64_t poolH,
                               int64_t poolW, int64_t strideH, int64_t strideW, int64_t padTop, int64_t padLeft,
                               const abi::RunContext *) {
  maxPool<false>(out, in, batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft);
}

KILN_KERNEL void kiln_global_max_pool(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                      int64_t inW, int64_t channels, const abi::RunContext *) {
  maxPool<true>(out, in, batch, inH, inW, channels, 1, 1, inH, inW, 1, 1, 0, 0);
}

// Sums the window in row-major order and divides by the number of input
// pixels in it, as TF's CPU AvgPool does (so the results agree to the bit).
KILN_KERNEL void kiln_avg_pool(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                               int64_t inW, int64_t channels, int64_t outH, int64_t outW, int64_t poolH,
                               int64_t poolW, int64_t strideH, int64_t strideW, int64_t padTop, int64_t padLeft,
                               const abi::RunContext *) {
  forEachWindow(out, batch, channels, outH, outW, inH, inW, poolH, poolW, strideH, strideW, padTop, padLeft,
                [&](float *__restrict o, int64_t b, Span rows, Span cols) {
                  for (int64_t c = 0; c < channels; ++c) o[c] = 0.0f;
                  for (int64_t y = rows.begin; y < rows.end; ++y)
                    for (int64_t x = cols.begin; x < cols.end; ++x) {
                      const float *__restrict p = in + ((b * inH + y) * inW + x) * channels;
                      for (int64_t c = 0; c < channels; ++c) o[c] += p[c];
                    }
                  float count = float((rows.end - rows.begin) * (cols.end - cols.begin));
                  for (int64_t c = 0; c < channels; ++c) o[c] /= count;
                });
}

// GlobalAveragePooling1D of a masked sequence, as Keras computes it:
// sum(x * mask) / sum(mask) over the steps (NaN if every step is masked).
KILN_KERNEL void kiln_masked_mean_steps(float *__restrict out, const float *__restrict in,
                                        const float *__restrict mask, int64_t batch, int64_t steps,
                                        int64_t channels, const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b) {
    float *__restrict o = out + b * channels;
    float count = 0.0f;
    for (int64_t c = 0; c < channels; ++c) o[c] = 0.0f;
    for (int64_t t = 0; t < steps; ++t) {
      const float *__restrict p = in + (b * steps + t) * channels;
      float m = mask[b * steps + t];
      count += m;
      for (int64_t c = 0; c < channels; ++c) o[c] += p[c] * m;
    }
    for (int64_t c = 0; c < channels; ++c) o[c] /= count;
  }
}
