// The activations on whole registers (v16): exp, sigmoid and tanh as
// polynomials, so that GEMM epilogues, recurrent gates and softmax rows
// run at vector speed. The scalar `activate` (Common.h) stays the reference.
#pragma once

#include "Common.h"

namespace kiln::kernels {

typedef int32_t vi16 __attribute__((vector_size(64), aligned(4)));

KILN_INLINE v16 splat(float x) { return v16{} + x; }
KILN_INLINE v16 load16(const float *p) { return *reinterpret_cast<const v16 *>(p); }
KILN_INLINE void store16(float *p, const v16 &v) { *reinterpret_cast<v16 *>(p) = v; }

// e^x within 2 ulp: +inf above 88.72, 0 below -103.97, NaN for NaN.
// Cody-Waite reduction x = n ln2 + r, |r| <= ln2 / 2, Cephes's polynomial
// for e^r, and 2^n applied in two halves so that no step overflows early.
KILN_INLINE v16 expv(v16 x) {
  const v16 high = splat(88.72283935546875f), low = splat(-103.972084045410f);
  v16 xc = __builtin_elementwise_min(__builtin_elementwise_max(x, low), high);
  // n = round(x / ln2) by the magic-number trick (exact, any target).
  const v16 magic = splat(12582912.0f);  // 1.5 * 2^23
  v16 t = xc * 1.44269504088896341f + magic;
  v16 n = t - magic;
  vi16 ni = (vi16)t - (vi16)magic;
  v16 r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  v16 p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  v16 y = p * (r * r) + r + 1.0f;
  vi16 half = ni >> 1;
  y *= (v16)((half + 127) << 23);
  y *= (v16)((ni - half + 127) << 23);
  y = x > high ? splat(__builtin_inff()) : y;
  y = x < low ? splat(0.0f) : y;
  return x != x ? x : y;
}

// 1 / (1 + e^-x), as e^x / (1 + e^x) below 0: e^-|x| never overflows, and
// the tail of large negative x keeps its relative precision.
KILN_INLINE v16 sigmoidv(v16 x) {
  v16 e = expv(-__builtin_elementwise_abs(x));
  v16 s = 1.0f / (1.0f + e);
  return x < 0.0f ? e * s : s;
}

// tanh x: an odd Taylor polynomial for |x| < 0.5 (relative error ~1e-7),
// else 1 - 2 / (e^2|x| + 1) with the sign of x.
KILN_INLINE v16 tanhv(v16 x) {
  v16 ax = __builtin_elementwise_abs(x);
  v16 x2 = x * x;
  v16 p = splat(-0.00145583438705131826f);                   // -929569 / 638512875
  p = p * x2 + 0.00359212803657248102f;                       // 21844 / 6081075
  p = p * x2 - 0.00886323552990219656f;                       // -1382 / 155925
  p = p * x2 + 0.0218694885361552028f;                        // 62 / 2835
  p = p * x2 - 0.0539682539682539683f;                        // -17 / 315
  p = p * x2 + 0.133333333333333333f;                         // 2 / 15
  p = p * x2 - 0.333333333333333333f;                         // -1 / 3
  v16 small = x + x * x2 * p;
  v16 large = 1.0f - 2.0f / (expv(2.0f * ax) + 1.0f);
  large = x < 0.0f ? -large : large;
  v16 y = ax < 0.5f ? small : large;
  return x != x ? x : y;
}

// The epilogue's activation on a whole register, in place: vector code for
// the common ones, the scalar reference lane by lane for the others.
// (By reference: a vector passed by value would warn of the AVX ABI.)
KILN_INLINE void activateVector(const ActParams &p, v16 &v) {
  const v16 zero = splat(0.0f), one = splat(1.0f), six = splat(6.0f);
  // Clamps are selects, not min/max: a NaN must stay NaN (see clampBelow).
  switch (p.act) {
  case abi::kLinear: break;
  case abi::kRelu: v = v < zero ? zero : v; break;
  case abi::kRelu6: v = v < zero ? zero : v > six ? six : v; break;
  case abi::kLeakyRelu: v = v >= zero ? v : p.alpha * v; break;
  case abi::kSigmoid: v = sigmoidv(v); break;
  case abi::kTanh: v = tanhv(v); break;
  case abi::kSwish: v = v * sigmoidv(v); break;
  case abi::kExponential: v = expv(v); break;
  case abi::kSoftsign: v = v / (1.0f + __builtin_elementwise_abs(v)); break;
  case abi::kHardSigmoid: {
    v16 y = 0.2f * v + 0.5f;
    v = y < zero ? zero : y > one ? one : y;
    break;
  }
  case abi::kHardSigmoid3:
  case abi::kHardSilu: {
    v16 y = v + 3.0f;
    y = (y < zero ? zero : y > six ? six : y) / 6.0f;
    v = p.act == abi::kHardSilu ? v * y : y;
    break;
  }
  default:
    for (int l = 0; l < 16; ++l) v[l] = activate(p, v[l]);
  }
}

// activateVector on 16 floats, out of line. (By pointer: clang takes a
// reference to a vector as aligned to its whole size, which a register's
// spill slot need not be.)
[[gnu::noinline]] static inline void activateLanes(const ActParams &p, float *lanes) {
  v16 v = load16(lanes);
  activateVector(p, v);
  store16(lanes, v);
}

// activateVector for the GEMM epilogue, which applies it to each of a tile's
// accumulators: the activations that are a compare and a select inline, the
// others out of line (inlined at every accumulator, they made a kernel
// megabytes of code).
KILN_INLINE void activateAccumulator(const ActParams &p, v16 &v) {
  switch (p.act) {
  case abi::kLinear:
  case abi::kRelu:
  case abi::kRelu6:
  case abi::kLeakyRelu: activateVector(p, v); break;
  default: {
    float lanes[16];
    __builtin_memcpy(lanes, &v, sizeof lanes);
    activateLanes(p, lanes);
    __builtin_memcpy(&v, lanes, sizeof lanes);
  }
  }
}

// act(x) for `count` floats in place (softmax family excepted).
KILN_INLINE void activateRow(const ActParams &p, float *x, int64_t count) {
  if (p.act == abi::kLinear) return;
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    v16 v = load16(x + i);
    activateVector(p, v);
    store16(x + i, v);
  }
  for (; i < count; ++i) x[i] = activate(p, x[i]);
}

// Softmax or log-softmax of each row of `rows` x `cols`, in place.
KILN_INLINE void softmaxRows(float *data, int64_t rows, int64_t cols, bool logarithm) {
  for (int64_t r = 0; r < rows; ++r) {
    float *row = data + r * cols;
    int64_t whole = cols / 16 * 16;
    // The largest number (fmaxf skips NaN) in vectors of 16 lanes, then
    // across them: the same value as one pass, without its latency chain.
    float max = row[0];
    if (whole > 0) {
      v16 lanes = load16(row);
      for (int64_t c = 16; c < whole; c += 16) lanes = __builtin_elementwise_max(lanes, load16(row + c));
      for (int l = 0; l < 16; ++l) max = fmaxf(max, lanes[l]);
    }
    for (int64_t c = whole; c < cols; ++c) max = fmaxf(max, row[c]);
    float sum = 0.0f;
    v16 sums = splat(0.0f);
    for (int64_t c = 0; c < whole; c += 16) {
      v16 e = expv(load16(row + c) - max);
      if (!logarithm) store16(row + c, e);
      sums += e;
    }
    for (int64_t c = whole; c < cols; ++c) {
      float e = expf(row[c] - max);
      if (!logarithm) row[c] = e;
      sum += e;
    }
    for (int l = 0; l < 16; ++l) sum += sums[l];
    if (logarithm) {
      float shift = max + logf(sum);
      for (int64_t c = 0; c < cols; ++c) row[c] -= shift;
    } else {
      float inv = 1.0f / sum;
      for (int64_t c = 0; c < cols; ++c) row[c] *= inv;
    }
  }
}

}  // namespace kiln::kernels
