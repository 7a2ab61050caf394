// Binary elementwise kernels with NumPy-style broadcasting (merge layers,
// PReLU), and the softmax over any axis.
#include "Common.h"

using namespace kiln;

using kernels::binaryOp;

// out[i] = a[i] op b[i] for `count` elements (operands of one shape).
KILN_KERNEL void kiln_binary(float *out, const float *a, const float *b, int64_t count, int32_t op,
                             const abi::RunContext *) {
  for (int64_t i = 0; i < count; ++i) out[i] = binaryOp(op, a[i], b[i]);
}

// The broadcasting form: `rank` per-sample axes of sizes outDims; operand
// strides are 0 along broadcast axes, and aBatch/bBatch are the per-sample
// strides (0 for an operand without a batch axis, such as PReLU's alpha).
KILN_KERNEL void kiln_binary_broadcast(float *out, const float *a, const float *b, int64_t batch, int64_t rank,
                                       const int64_t *outDims, const int64_t *aStrides, const int64_t *bStrides,
                                       int64_t aBatch, int64_t bBatch, int64_t sampleSize, int32_t op,
                                       const abi::RunContext *) {
  int64_t index[abi::kMaxRank];
  for (int64_t s = 0; s < batch; ++s) {
    for (int64_t i = 0; i < rank; ++i) index[i] = 0;
    int64_t aOffset = 0, bOffset = 0;
    for (int64_t n = 0; n < sampleSize; ++n) {
      out[s * sampleSize + n] = binaryOp(op, a[s * aBatch + aOffset], b[s * bBatch + bOffset]);
      for (int64_t i = rank - 1; i >= 0; --i) {
        aOffset += aStrides[i];
        bOffset += bStrides[i];
        if (++index[i] < outDims[i]) break;
        aOffset -= aStrides[i] * outDims[i];
        bOffset -= bStrides[i] * outDims[i];
        index[i] = 0;
      }
    }
  }
}

// out[i] *= factor (Average divides the sum by the input count).
KILN_KERNEL void kiln_scale(float *out, int64_t count, float factor, const abi::RunContext *) {
  for (int64_t i = 0; i < count; ++i) out[i] *= factor;
}

// Softmax (or log-softmax) over the middle axis of [outer, axis, inner].
KILN_KERNEL void kiln_softmax_axis(float *out, const float *in, int64_t outer, int64_t axis, int64_t inner,
                                   int32_t logarithm, const abi::RunContext *) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float *x = in + o * axis * inner + i;
      float *y = out + o * axis * inner + i;
      float max = x[0];
      for (int64_t k = 1; k < axis; ++k) max = fmaxf(max, x[k * inner]);
      float sum = 0.0f;
      for (int64_t k = 0; k < axis; ++k) sum += expf(x[k * inner] - max);
      if (logarithm) {
        float logSum = logf(sum);
        for (int64_t k = 0; k < axis; ++k) y[k * inner] = x[k * inner] - max - logSum;
      } else {
        float inv = 1.0f / sum;
        for (int64_t k = 0; k < axis; ++k) y[k * inner] = expf(x[k * inner] - max) * inv;
      }
    }
  }
}

// Keras's Dot (batch dot product): x is [batch, p, k, q], y is [batch, r, k, s]
// (k the contracted axis); out is [batch, p, q, r, s]. With `normalize`, each
// vector along k is first scaled to unit L2 norm (as tf.math.l2_normalize).
KILN_KERNEL void kiln_dot(float *out, const float *x, const float *y, int64_t batch, int64_t p, int64_t k, int64_t q,
                          int64_t r, int64_t s, int32_t normalize, const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b) {
    const float *xb = x + b * p * k * q;
    const float *yb = y + b * r * k * s;
    float *ob = out + b * p * q * r * s;
    for (int64_t pi = 0; pi < p; ++pi)
      for (int64_t qi = 0; qi < q; ++qi)
        for (int64_t ri = 0; ri < r; ++ri)
          for (int64_t si = 0; si < s; ++si) {
            float dot = 0.0f, xx = 0.0f, yy = 0.0f;
            for (int64_t ki = 0; ki < k; ++ki) {
              float xv = xb[(pi * k + ki) * q + qi], yv = yb[(ri * k + ki) * s + si];
              dot += xv * yv;
              xx += xv * xv;
              yy += yv * yv;
            }
            if (normalize) dot *= 1.0f / sqrtf(fmaxf(xx, 1e-12f)) * (1.0f / sqrtf(fmaxf(yy, 1e-12f)));
            ob[((pi * q + qi) * r + ri) * s + si] = dot;
          }
  }
}
