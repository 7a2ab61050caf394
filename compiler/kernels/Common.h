// Shared by the kernels: the SIMD vector type and the activation functions.
// Kernels are plain C++ compiled to LLVM bitcode and linked into each model,
// where LLVM compiles them for the model's target CPU: one function per
// kernel the model calls, however many layers call it.
#pragma once

#include "KernelABI.h"
#include "Libm.h"

#include <stddef.h>
#include <stdint.h>

// Vectors are passed by value only between always-inline functions, so the
// ABI of vector arguments never applies.
#pragma clang diagnostic ignored "-Wpsabi"

#define KILN_KERNEL extern "C"
#define KILN_INLINE static inline __attribute__((always_inline))

namespace kiln::kernels {

// One packed-panel row of floats; the backend splits it to the target's width.
typedef float v16 __attribute__((vector_size(64), aligned(4)));

// Parameters of an activation (see abi::Activation).
struct ActParams {
  int32_t act;
  float alpha;      // leaky slope, or ELU alpha
  float maxValue;   // ReLU layer max_value (kReluClipped); < 0: none
  float threshold;  // ReLU layer threshold
};

// NaN and infinities go through every kernel as TensorFlow takes them: a NaN
// stays NaN (fmaxf/fminf would drop it), so clamps are written as compares
// that keep x when it is NaN.
KILN_INLINE float clampBelow(float x, float low) { return x < low ? low : x; }
KILN_INLINE float clampAbove(float x, float high) { return x > high ? high : x; }
KILN_INLINE float reluf(float x) { return clampBelow(x, 0.0f); }
// tf.maximum / tf.minimum: NaN if either operand is.
KILN_INLINE float maxPropagatingNaN(float a, float b) { return a != a || a > b ? a : b; }
KILN_INLINE float minPropagatingNaN(float a, float b) { return a != a || a < b ? a : b; }

// The binary operations of abi::BinaryOp.
KILN_INLINE float binaryOp(int32_t op, float a, float b) {
  switch (op) {
  case abi::kAdd: return a + b;
  case abi::kSubtract: return a - b;
  case abi::kMultiply: return a * b;
  case abi::kMaximum: return maxPropagatingNaN(a, b);
  case abi::kMinimum: return minPropagatingNaN(a, b);
  case abi::kPRelu: return a >= 0.0f ? a : a * b;  // b: the slope
  case abi::kDivide: return a / b;
  case abi::kPower: return powf(a, b);
  case abi::kGreater: return a > b ? 1.0f : 0.0f;
  case abi::kGreaterEqual: return a >= b ? 1.0f : 0.0f;
  case abi::kLess: return a < b ? 1.0f : 0.0f;
  case abi::kLessEqual: return a <= b ? 1.0f : 0.0f;
  case abi::kEqual: return a == b ? 1.0f : 0.0f;
  case abi::kNotEqual: return a != b ? 1.0f : 0.0f;
  default: return a;
  }
}

KILN_INLINE float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

KILN_INLINE float softplusf(float x) {
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|)
  return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
}

KILN_INLINE float activate(const ActParams &p, float x) {
  using namespace abi;
  switch (p.act) {
  case kLinear: return x;
  case kRelu: return reluf(x);
  case kSigmoid: return sigmoidf(x);
  case kTanh: return tanhf(x);
  case kElu: return x > 0.0f ? x : p.alpha * expm1f(x);
  case kSelu: {
    const float alpha = 1.67326324235437728481f, scale = 1.05070098735548049342f;
    return scale * (x > 0.0f ? x : alpha * expm1f(x));
  }
  case kSoftplus: return softplusf(x);
  case kSoftsign: return x / (1.0f + fabsf(x));
  case kHardSigmoid: return clampAbove(clampBelow(0.2f * x + 0.5f, 0.0f), 1.0f);
  case kHardSigmoid3: return clampAbove(clampBelow(x + 3.0f, 0.0f), 6.0f) / 6.0f;
  case kHardSilu: return x * (clampAbove(clampBelow(x + 3.0f, 0.0f), 6.0f) / 6.0f);
  case kExponential: return expf(x);
  case kSwish: return x * sigmoidf(x);
  case kGelu: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
  case kGeluTanh: {
    const float c = 0.79788456080286535588f;  // sqrt(2 / pi)
    return 0.5f * x * (1.0f + tanhf(c * (x + 0.044715f * x * x * x)));
  }
  case kCelu: return x > 0.0f ? x : p.alpha * expm1f(x / p.alpha);
  case kHardTanh: return clampAbove(clampBelow(x, -1.0f), 1.0f);
  case kHardShrink: return fabsf(x) > 0.5f ? x : 0.0f;
  case kSoftShrink: return x > 0.5f ? x - 0.5f : x < -0.5f ? x + 0.5f : 0.0f;
  case kTanhShrink: return x - tanhf(x);
  case kSquareplus: return (x + sqrtf(x * x + 4.0f)) * 0.5f;
  case kSparsePlus: return x <= -1.0f ? 0.0f : x >= 1.0f ? x : (x + 1.0f) * (x + 1.0f) * 0.25f;
  case kSparseSigmoid: return clampAbove(clampBelow(x + 1.0f, 0.0f), 2.0f) * 0.5f;
  case kLogSigmoid: return -softplusf(-x);
  case kRelu6: return clampAbove(reluf(x), 6.0f);
  case kLeakyRelu: return x >= 0.0f ? x : p.alpha * x;
  case kMish: return x * tanhf(softplusf(x));
  case kReluClipped: {
    // As tf.keras backend.relu: keep x above the threshold (multiplying by
    // 0 or 1, so -inf below it gives NaN), clip to [0, max_value] if capped,
    // then leak below the threshold.
    float y = p.threshold != 0.0f ? x * (x > p.threshold ? 1.0f : 0.0f) : reluf(x);
    if (p.maxValue >= 0.0f) y = clampAbove(clampBelow(y, 0.0f), p.maxValue);
    if (p.alpha != 0.0f) y -= p.alpha * reluf(p.threshold - x);
    return y;
  }
  default: return x;  // softmax family: applied over rows, see softmaxRows
  }
}

}  // namespace kiln::kernels
