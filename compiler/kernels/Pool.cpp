// Pooling over channels_last volumes (batch, depth, height, width, channels;
// see abi::WindowGeometry): 1D and 2D pooling have leading axes of size 1,
// and global pooling is one window over the whole volume. Each output
// position reduces the input positions of its window channel by channel: the
// innermost loops run over the contiguous channels with no data-dependent
// branches, so LLVM vectorises them once the shapes are constants.
#include "Parallel.h"

using namespace kiln;

namespace {

KILN_INLINE const abi::WindowGeometry &windowGeometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::WindowGeometry *>(g);
}

// The input positions along axis `a` under output position `o`'s window,
// clipped to the input: padding contributes nothing, as in TF.
struct Span {
  int64_t begin, end;
};

KILN_INLINE Span windowSpan(const abi::WindowGeometry &g, int a, int64_t o) {
  int64_t start = o * g.stride[a] - g.padBefore[a], stop = start + g.window[a];
  return {start < 0 ? 0 : start, stop < g.in[a] ? stop : g.in[a]};
}

// Calls body(output position, input position) for every input position of
// every output position's window, after start(output position) and before
// finish(output position, number of input positions); rows of output
// positions split between the run's threads.
template <class Start, class Body, class Finish>
KILN_INLINE void forEachWindow(float *__restrict out, const float *__restrict in, int64_t batch,
                               const abi::WindowGeometry &g, const abi::RunContext *run, Start start, Body body,
                               Finish finish) {
  const int64_t c = g.channels, rows = batch * g.out[0] * g.out[1];
  const int64_t work = rows * g.out[2] * g.window[0] * g.window[1] * g.window[2] * c;
  const int64_t tasks = kernels::taskCount(run, work, rows);
  kernels::parallelFor(run, tasks, [&](int64_t task, int32_t) {
    const kernels::Share share = kernels::shareOf(task, tasks, rows);
    for (int64_t row = share.begin; row < share.end; ++row) {
      int64_t b = row / (g.out[0] * g.out[1]), oz = row / g.out[1] % g.out[0], oy = row % g.out[1];
      Span depth = windowSpan(g, 0, oz), rowSpan = windowSpan(g, 1, oy);
      for (int64_t ox = 0; ox < g.out[2]; ++ox) {
        Span cols = windowSpan(g, 2, ox);
        float *__restrict o = out + (row * g.out[2] + ox) * c;
        start(o);
        for (int64_t z = depth.begin; z < depth.end; ++z)
          for (int64_t y = rowSpan.begin; y < rowSpan.end; ++y)
            for (int64_t x = cols.begin; x < cols.end; ++x)
              body(o, in + (((b * g.in[0] + z) * g.in[1] + y) * g.in[2] + x) * c);
        finish(o, (depth.end - depth.begin) * (rowSpan.end - rowSpan.begin) * (cols.end - cols.begin));
      }
    }
  });
}

}  // namespace

// Windows are never empty: 'valid' windows lie inside the input, and 'same'
// puts less than a pool of padding before the first and after the last one.
// NaN and infinities as TensorFlow's CPU kernels take them: MaxPool starts
// from the lowest finite float and skips NaN (a window of only -inf or NaN
// gives -3.4e38); the global pools, reductions, start from -inf and give NaN
// if the window holds one.
template <bool Reduction>
KILN_INLINE void maxPool(float *__restrict out, const float *__restrict in, int64_t batch,
                         const abi::WindowGeometry &g, const abi::RunContext *run) {
  int64_t channels = g.channels;
  forEachWindow(
      out, in, batch, g, run,
      [&](float *__restrict o) {
        for (int64_t c = 0; c < channels; ++c) o[c] = Reduction ? -INFINITY : -__FLT_MAX__;
      },
      [&](float *__restrict o, const float *__restrict p) {
        for (int64_t c = 0; c < channels; ++c)
          o[c] = Reduction ? kernels::maxPropagatingNaN(p[c], o[c]) : p[c] > o[c] ? p[c] : o[c];
      },
      [](float *, int64_t) {});
}

KILN_KERNEL void kiln_max_pool(float *__restrict out, const float *__restrict in, int64_t batch,
                               const int64_t *geometry, const abi::RunContext *run) {
  maxPool<false>(out, in, batch, windowGeometryOf(geometry), run);
}

// Global max pooling: a window over the whole volume.
KILN_KERNEL void kiln_global_max_pool(float *__restrict out, const float *__restrict in, int64_t batch,
                                      const int64_t *geometry, const abi::RunContext *run) {
  maxPool<true>(out, in, batch, windowGeometryOf(geometry), run);
}

// Sums the window in row-major order and divides by the number of input
// positions in it, as TF's CPU AvgPool does (so the results agree to the bit).
KILN_KERNEL void kiln_avg_pool(float *__restrict out, const float *__restrict in, int64_t batch,
                               const int64_t *geometry, const abi::RunContext *run) {
  const abi::WindowGeometry &g = windowGeometryOf(geometry);
  int64_t channels = g.channels;
  forEachWindow(
      out, in, batch, g, run,
      [&](float *__restrict o) {
        for (int64_t c = 0; c < channels; ++c) o[c] = 0.0f;
      },
      [&](float *__restrict o, const float *__restrict p) {
        for (int64_t c = 0; c < channels; ++c) o[c] += p[c];
      },
      [&](float *__restrict o, int64_t count) {
        for (int64_t c = 0; c < channels; ++c) o[c] /= float(count);
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
