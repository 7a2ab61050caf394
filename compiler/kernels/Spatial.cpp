// Kernels that move channels_last image data (batch, height, width,
// channels): zero padding and cropping (one window copy), upsampling and
// resizing.
// 1D layers are the height-1 case. The innermost loops run over whole rows
// of width * channels contiguous floats, or over the channels, without
// data-dependent branches.
#include "Common.h"

using namespace kiln;

// out[b, y, x, :] = in[b, y + offsetY, x + offsetX, :], or 0 where that is
// outside the input: ZeroPadding (negative offsets, a larger output) and
// Cropping (positive offsets, a smaller output).
KILN_KERNEL void kiln_spatial_window(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                     int64_t inW, int64_t channels, int64_t outH, int64_t outW, int64_t offsetY,
                                     int64_t offsetX, const abi::RunContext *) {
  // The output columns that have an input column, as floats within a row.
  int64_t first = (offsetX < 0 ? -offsetX : 0) * channels;
  int64_t last = (inW - offsetX < outW ? inW - offsetX : outW) * channels;
  int64_t outRow = outW * channels, inRow = inW * channels, shift = offsetX * channels;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < outH; ++y) {
      float *__restrict o = out + (b * outH + y) * outRow;
      int64_t iy = y + offsetY;
      if (iy < 0 || iy >= inH) {
        for (int64_t i = 0; i < outRow; ++i) o[i] = 0.0f;
        continue;
      }
      const float *__restrict row = in + (b * inH + iy) * inRow;
      for (int64_t i = 0; i < first; ++i) o[i] = 0.0f;
      for (int64_t i = first; i < last; ++i) o[i] = row[i + shift];
      for (int64_t i = last; i < outRow; ++i) o[i] = 0.0f;
    }
}

// Nearest-neighbour upsampling by integer factors: every input pixel becomes
// a factorH x factorW block. (Keras repeats elements; tf.image.resize's
// nearest neighbour picks the same pixels for integer factors.)
KILN_KERNEL void kiln_upsample_nearest(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                       int64_t inW, int64_t channels, int64_t factorH, int64_t factorW,
                                       const abi::RunContext *) {
  int64_t outRow = inW * factorW * channels;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < inH; ++y) {
      const float *__restrict row = in + (b * inH + y) * inW * channels;
      float *__restrict o = out + (b * inH + y) * factorH * outRow;
      for (int64_t x = 0; x < inW; ++x)
        for (int64_t r = 0; r < factorW; ++r)
          for (int64_t c = 0; c < channels; ++c) o[(x * factorW + r) * channels + c] = row[x * channels + c];
      for (int64_t r = 1; r < factorH; ++r)
        for (int64_t i = 0; i < outRow; ++i) o[r * outRow + i] = o[i];
    }
}

// Bilinear resize with precomputed source rows and columns, as TF's
// ResizeBilinear: output row y blends input rows rows[2y] and rows[2y + 1]
// with weight rowLerp[y] on the second (columns likewise). The compiler
// computes the tables (see layers/spatial/UpSampling.cpp).
KILN_KERNEL void kiln_resize_bilinear(float *__restrict out, const float *__restrict in, int64_t batch, int64_t inH,
                                      int64_t inW, int64_t channels, int64_t outH, int64_t outW,
                                      const int64_t *rows, const float *rowLerp, const int64_t *cols,
                                      const float *colLerp, const abi::RunContext *) {
  // TF evaluates the blend with separate multiplies and adds; no FMA, so the
  // results agree to the bit.
#pragma clang fp contract(off)
  for (int64_t b = 0; b < batch; ++b) {
    const float *image = in + b * inH * inW * channels;
    for (int64_t y = 0; y < outH; ++y) {
      const float *top = image + rows[2 * y] * inW * channels;
      const float *bottom = image + rows[2 * y + 1] * inW * channels;
      float yl = rowLerp[y];
      float *__restrict o = out + (b * outH + y) * outW * channels;
      for (int64_t x = 0; x < outW; ++x) {
        int64_t left = cols[2 * x] * channels, right = cols[2 * x + 1] * channels;
        float xl = colLerp[x];
        for (int64_t c = 0; c < channels; ++c) {
          float t = top[left + c] + (top[right + c] - top[left + c]) * xl;
          float d = bottom[left + c] + (bottom[right + c] - bottom[left + c]) * xl;
          o[x * channels + c] = t + (d - t) * yl;
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
