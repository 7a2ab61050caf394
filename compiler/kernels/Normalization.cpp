// Normalization kernels: a per-channel affine map (inference-time batch
// normalization), layer normalization over trailing axes, group
// normalization over positions and groups of channels, RMS and L2 (unit)
// normalization of rows.
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

// Group normalization over [batch, positions, channels]: the channels in
// `groups` runs of channels / groups, each normalized over every position
// of its sample, then * gamma[c] + beta[c] (either may be null). Mean and
// variance in double: a group spans positions * channels / groups values.
KILN_KERNEL void kiln_group_norm(float *out, const float *in, const float *gamma, const float *beta, int64_t batch,
                                 int64_t positions, int64_t channels, int64_t groups, float epsilon,
                                 const abi::RunContext *) {
  int64_t width = channels / groups;
  double count = double(positions) * double(width);
  for (int64_t b = 0; b < batch; ++b) {
    const float *x = in + b * positions * channels;
    float *y = out + b * positions * channels;
    for (int64_t g = 0; g < groups; ++g) {
      double sum = 0;
      for (int64_t p = 0; p < positions; ++p)
        for (int64_t c = g * width; c < (g + 1) * width; ++c) sum += x[p * channels + c];
      double mean = sum / count, squares = 0;
      for (int64_t p = 0; p < positions; ++p)
        for (int64_t c = g * width; c < (g + 1) * width; ++c) {
          double d = x[p * channels + c] - mean;
          squares += d * d;
        }
      float inv = 1.0f / sqrtf(float(squares / count) + epsilon);
      float m = float(mean);
      for (int64_t p = 0; p < positions; ++p)
        for (int64_t c = g * width; c < (g + 1) * width; ++c) {
          float v = (x[p * channels + c] - m) * inv;
          if (gamma) v *= gamma[c];
          if (beta) v += beta[c];
          y[p * channels + c] = v;
        }
    }
  }
}

// Each row of `cols` values scaled by the inverse of its root mean square,
// 1 / sqrt(mean(x^2) + epsilon) (RMSNormalization, then * scale[c] unless
// scale is null), or with `unit` of its L2 norm, 1 / sqrt(max(sum(x^2),
// epsilon)) (UnitNormalization).
KILN_KERNEL void kiln_rms_norm(float *out, const float *in, const float *scale, int64_t rows, int64_t cols,
                               float epsilon, int32_t unit, const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = in + r * cols;
    float *y = out + r * cols;
    double squares = 0;
    for (int64_t c = 0; c < cols; ++c) squares += double(x[c]) * double(x[c]);
    float inv = unit ? 1.0f / sqrtf(fmaxf(float(squares), epsilon)) : 1.0f / sqrtf(float(squares / double(cols)) + epsilon);
    for (int64_t c = 0; c < cols; ++c) y[c] = scale ? x[c] * inv * scale[c] : x[c] * inv;
  }
}
