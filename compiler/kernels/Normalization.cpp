// Normalization kernels: a per-channel affine map (inference-time batch
// normalization) and layer normalization over trailing axes.
#include "Common.h"

using namespace kiln;

// out[o, c, i] = in[o, c, i] * scale[c] + shift[c] over [outer, channels, inner].
KILN_KERNEL void kiln_channel_affine(float *out, const float *in, const float *scale, const float *shift,
                                     int64_t outer, int64_t channels, int64_t inner, const abi::RunContext *) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (o * channels + c) * inner + i;
        out[at] = in[at] * scale[c] + shift[c];
      }
}

// Each row of `cols` values: (x - mean) / sqrt(variance + epsilon), then
// * gamma + beta (either may be null: no scale, no centre).
KILN_KERNEL void kiln_layer_norm(float *out, const float *in, const float *gamma, const float *beta, int64_t rows,
                                 int64_t cols, float epsilon, const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = in + r * cols;
    float *y = out + r * cols;
    float mean = 0.0f;
    for (int64_t c = 0; c < cols; ++c) mean += x[c];
    mean /= float(cols);
    float variance = 0.0f;
    for (int64_t c = 0; c < cols; ++c) variance += (x[c] - mean) * (x[c] - mean);
    variance /= float(cols);
    float inv = 1.0f / sqrtf(variance + epsilon);
    for (int64_t c = 0; c < cols; ++c) {
      float v = (x[c] - mean) * inv;
      if (gamma) v *= gamma[c];
      if (beta) v += beta[c];
      y[c] = v;
    }
  }
}
