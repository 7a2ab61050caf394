// Kernels that move channels_last data: zero padding and cropping (one
// window copy) and nearest upsampling over volumes (abi::WindowGeometry),
// bilinear and area resizing over images (batch, height, width, channels).
// Lower ranks are the leading axes of size 1. The innermost loops run over
// whole rows of width * channels contiguous floats, or over the channels,
// without data-dependent branches.
#include "Common.h"

using namespace kiln;

namespace {

KILN_INLINE const abi::WindowGeometry &windowGeometryOf(const int64_t *g) {
  return *reinterpret_cast<const abi::WindowGeometry *>(g);
}

}  // namespace

// out[b, z, y, x, :] = in[b, z - padBefore[0], y - padBefore[1], x -
// padBefore[2], :], or 0 where that is outside the input: ZeroPadding
// (positive padBefore, a larger output) and Cropping (negative, a smaller
// output). See abi::WindowGeometry.
KILN_KERNEL void kiln_spatial_window(float *__restrict out, const float *__restrict in, int64_t batch,
                                     const int64_t *geometry, const abi::RunContext *) {
  const abi::WindowGeometry &g = windowGeometryOf(geometry);
  int64_t channels = g.channels, padX = g.padBefore[2];
  // The output columns that have an input column, as floats within a row.
  int64_t first = (padX > 0 ? padX : 0) * channels;
  int64_t last = (g.in[2] + padX < g.out[2] ? g.in[2] + padX : g.out[2]) * channels;
  int64_t outRow = g.out[2] * channels, inRow = g.in[2] * channels, shift = -padX * channels;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t z = 0; z < g.out[0]; ++z)
      for (int64_t y = 0; y < g.out[1]; ++y) {
        float *__restrict o = out + ((b * g.out[0] + z) * g.out[1] + y) * outRow;
        int64_t iz = z - g.padBefore[0], iy = y - g.padBefore[1];
        if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1]) {
          for (int64_t i = 0; i < outRow; ++i) o[i] = 0.0f;
          continue;
        }
        const float *__restrict row = in + ((b * g.in[0] + iz) * g.in[1] + iy) * inRow;
        for (int64_t i = 0; i < first; ++i) o[i] = 0.0f;
        for (int64_t i = first; i < last; ++i) o[i] = row[i + shift];
        for (int64_t i = last; i < outRow; ++i) o[i] = 0.0f;
      }
}

// Nearest-neighbour upsampling by integer factors (window): every input
// element becomes a block of factors. (Keras repeats elements;
// tf.image.resize's nearest neighbour picks the same pixels for integer
// factors.)
KILN_KERNEL void kiln_upsample_nearest(float *__restrict out, const float *__restrict in, int64_t batch,
                                       const int64_t *geometry, const abi::RunContext *) {
  const abi::WindowGeometry &g = windowGeometryOf(geometry);
  int64_t channels = g.channels, factorX = g.window[2];
  int64_t outRow = g.out[2] * channels, outPlane = g.out[1] * outRow;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t z = 0; z < g.in[0]; ++z) {
      float *__restrict plane = out + (b * g.out[0] + z * g.window[0]) * outPlane;
      for (int64_t y = 0; y < g.in[1]; ++y) {
        const float *__restrict row = in + ((b * g.in[0] + z) * g.in[1] + y) * g.in[2] * channels;
        float *__restrict o = plane + y * g.window[1] * outRow;
        for (int64_t x = 0; x < g.in[2]; ++x)
          for (int64_t r = 0; r < factorX; ++r)
            for (int64_t c = 0; c < channels; ++c) o[(x * factorX + r) * channels + c] = row[x * channels + c];
        for (int64_t r = 1; r < g.window[1]; ++r)
          for (int64_t i = 0; i < outRow; ++i) o[r * outRow + i] = o[i];
      }
      for (int64_t r = 1; r < g.window[0]; ++r)
        for (int64_t i = 0; i < outPlane; ++i) plane[r * outPlane + i] = plane[i];
    }
}

namespace {

// One output coordinate of TF's ResizeBilinear (tf.image.resize 'bilinear',
// antialias=False), in float32 as resize_bilinear_op.cc computes it: for an
// axis of input size `in`, src as abi::ResizeCoordinates says (scale = in /
// out, or (in - 1) / (out - 1) with corners aligned), lower =
// max(floor(src), 0), upper = min(ceil(src), in - 1), lerp = src -
// floor(src), so edge pixels clamp. (TensorFlow.js's UpSampling2D uses the
// asymmetric src = i * scale.)
struct Source {
  int64_t lower, upper;
  float lerp;
};
KILN_INLINE float resizeScale(int64_t in, int64_t out, int64_t coordinates) {
  if (coordinates == abi::kResizeAlignCorners && out > 1)
    return static_cast<float>(in - 1) / static_cast<float>(out - 1);
  return static_cast<float>(in) / static_cast<float>(out);
}
KILN_INLINE Source bilinearSource(int64_t i, float scale, int64_t in, int64_t coordinates) {
#pragma clang fp contract(off)
  const float src = coordinates == abi::kResizeHalfPixel ? (static_cast<float>(i) + 0.5f) * scale - 0.5f
                                                         : static_cast<float>(i) * scale;
  const float base = floorf(src);
  int64_t lower = static_cast<int64_t>(base), upper = static_cast<int64_t>(ceilf(src));
  return {lower > 0 ? lower : 0, upper < in - 1 ? upper : in - 1, src - base};
}

}  // namespace

// Bilinear resize of the window of rows [top, top + winH) and columns
// [left, left + winW) of each image to outH x outW, as TF's ResizeBilinear
// with `coordinates` (abi::ResizeCoordinates): output row y blends two window
// rows (bilinearSource) and so do columns.
// The sources are computed here from the sizes, which may be known only at
// run time (UpSampling2D over open axes).
KILN_KERNEL void kiln_resize_bilinear(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                      int64_t inW, int64_t channels, int64_t top, int64_t left, int64_t winH,
                                      int64_t winW, int64_t outH, int64_t outW, int64_t coordinates,
                                      const abi::RunContext *) {
  // TF evaluates the blend with separate multiplies and adds; no FMA, so the
  // results agree to the bit.
#pragma clang fp contract(off)
  const float scaleY = resizeScale(winH, outH, coordinates), scaleX = resizeScale(winW, outW, coordinates);
  for (int64_t b = 0; b < batch; ++b) {
    const float *image = in + b * inH * inW * channels;
    for (int64_t y = 0; y < outH; ++y) {
      Source row = bilinearSource(y, scaleY, winH, coordinates);
      const float *upper = image + (top + row.lower) * inW * channels;
      const float *lower = image + (top + row.upper) * inW * channels;
      float *__restrict o = out + (b * outH + y) * outW * channels;
      for (int64_t x = 0; x < outW; ++x) {
        Source col = bilinearSource(x, scaleX, winW, coordinates);
        int64_t l = (left + col.lower) * channels, r = (left + col.upper) * channels;
        for (int64_t c = 0; c < channels; ++c) {
          float t = upper[l + c] + (upper[r + c] - upper[l + c]) * col.lerp;
          float d = lower[l + c] + (lower[r + c] - lower[l + c]) * col.lerp;
          o[x * channels + c] = t + (d - t) * row.lerp;
        }
      }
    }
  }
}

// A resize in which each output row (column) is a weighted sum of input rows
// (columns), then scaled: TF's ResizeArea, and nearest neighbour as one tap
// of weight 1 (exact). Output row y sums taps rowSpans[2y] .. rowSpans[2y+1]
// - 1 of rowIndex/rowWeight; columns likewise. Each row's column sum is
// formed first, then weighted, in TF's order, so results agree to the bit.
KILN_KERNEL void kiln_resize_taps(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                  int64_t inW, int64_t channels, int64_t outH, int64_t outW, const int64_t *rowSpans,
                                  const int64_t *rowIndex, const float *rowWeight, const int64_t *colSpans,
                                  const int64_t *colIndex, const float *colWeight, float scale,
                                  const abi::RunContext *) {
#pragma clang fp contract(off)
  for (int64_t b = 0; b < batch; ++b) {
    const float *image = in + b * inH * inW * channels;
    for (int64_t y = 0; y < outH; ++y) {
      float *__restrict o = out + (b * outH + y) * outW * channels;
      for (int64_t x = 0; x < outW; ++x)
        for (int64_t c = 0; c < channels; ++c) {
          float sum = 0.0f;
          for (int64_t i = rowSpans[2 * y]; i < rowSpans[2 * y + 1]; ++i) {
            const float *row = image + rowIndex[i] * inW * channels + c;
            int64_t j = colSpans[2 * x];
            float sumRow = row[colIndex[j] * channels] * colWeight[j];
            for (++j; j < colSpans[2 * x + 1]; ++j) sumRow += row[colIndex[j] * channels] * colWeight[j];
            sum += sumRow * rowWeight[i];
          }
          o[x * channels + c] = sum * scale;
        }
    }
  }
}
