// The kernels of tensor expressions (Lambda layers and custom layers'
// call()): a fused elementwise map with broadcasting, a reduction over one
// axis, a strided copy (slices, transposes, concatenation) and a product
// with a weight matrix.
#include "Parallel.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

KILN_INLINE float unaryOp(int64_t op, float x) {
  switch (op) {
  case abi::kNegate: return -x;
  case abi::kAbs: return fabsf(x);
  case abi::kSquare: return x * x;
  case abi::kSqrt: return sqrtf(x);
  case abi::kRsqrt: return 1.0f / sqrtf(x);
  case abi::kExp: return expf(x);
  case abi::kLog: return logf(x);
  case abi::kSign: return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // NaN stays NaN, as tf.sign
  case abi::kFloor: return floorf(x);
  case abi::kCeil: return ceilf(x);
  case abi::kReciprocal: return 1.0f / x;
  case abi::kTrunc: return truncf(x);
  case abi::kSin: return sinf(x);
  case abi::kCos: return cosf(x);
  case abi::kTan: return tanf(x);
  case abi::kLog1p: return log1pf(x);
  case abi::kExpm1: return expm1f(x);
  case abi::kRound: return rintf(x);  // the default rounding mode: halves to even
  case abi::kErf: return erff(x);
  case abi::kErfc: return erfcf(x);
  default: return x;
  }
}

}  // namespace

// out = f(operands...) elementwise over `batch` samples of the output's
// per-sample shape. geometry: rank, sample size, operand count, the output's
// per-sample dims [rank], then per operand its per-sample stride (0 for an
// operand without a batch axis) and its strides over the output's axes
// [rank] (0 along broadcast axes). code: `length` instructions of
// (abi::MapInstruction, a, b).
KILN_KERNEL void kiln_expr_map(float *out, const float *const *operands, int64_t batch, const int64_t *geometry,
                               const int64_t *code, int64_t length, const float *immediates,
                               const abi::RunContext *run) {
  const int64_t rank = geometry[0], sampleSize = geometry[1], count = geometry[2];
  const int64_t *dims = geometry + 3;
  const int64_t *operandGeometry = dims + rank;  // per operand: batch stride, strides[rank]
  // Tasks are ranges of the elements of all samples.
  const int64_t total = batch * sampleSize, tasks = taskCount(run, total * length, total);
  parallelFor(run, tasks, [&](int64_t task, int32_t) {
    int64_t index[abi::kMaxRank], offset[abi::kMapOperands];
    float stack[abi::kMapStackDepth];
    // The index and operand offsets of element `at`.
    auto seek = [&](int64_t at) {
      int64_t s = at / sampleSize, n = at % sampleSize;
      for (int64_t i = rank - 1; i >= 0; --i) index[i] = n % dims[i], n /= dims[i];
      for (int64_t k = 0; k < count; ++k) {
        const int64_t *g = operandGeometry + k * (rank + 1);
        offset[k] = s * g[0];
        for (int64_t i = 0; i < rank; ++i) offset[k] += index[i] * g[1 + i];
      }
    };
    const Share share = shareOf(task, tasks, total);
    for (int64_t at = share.begin; at < share.end; ++at) {
      if (at == share.begin || at % sampleSize == 0) seek(at);
      int64_t top = -1;
      for (int64_t pc = 0; pc < length; ++pc) {
        const int64_t *ins = code + pc * 3;
        switch (ins[0]) {
        case abi::kMapOperand: stack[++top] = operands[ins[1]][offset[ins[1]]]; break;
        case abi::kMapImmediate: stack[++top] = immediates[ins[1]]; break;
        case abi::kMapUnary: stack[top] = unaryOp(ins[1], stack[top]); break;
        case abi::kMapBinary: --top; stack[top] = binaryOp(int32_t(ins[1]), stack[top], stack[top + 1]); break;
        case abi::kMapSelect: top -= 2; stack[top] = stack[top] != 0.0f ? stack[top + 1] : stack[top + 2]; break;
        case abi::kMapActivate: {
          const float *p = immediates + ins[2];
          stack[top] = activate(ActParams{int32_t(ins[1]), p[0], p[1], p[2]}, stack[top]);
          break;
        }
        default: break;
        }
      }
      out[at] = stack[0];
      for (int64_t i = rank - 1; i >= 0; --i) {
        for (int64_t k = 0; k < count; ++k) offset[k] += operandGeometry[k * (rank + 1) + 1 + i];
        if (++index[i] < dims[i]) break;
        for (int64_t k = 0; k < count; ++k) offset[k] -= operandGeometry[k * (rank + 1) + 1 + i] * dims[i];
        index[i] = 0;
      }
    }
  });
}

// Reduces the middle axis of [outer, axis, inner] into [outer, inner].
KILN_KERNEL void kiln_expr_reduce(float *out, const float *in, int64_t outer, int64_t axis, int64_t inner, int32_t op,
                                  const abi::RunContext *) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *x = in + o * axis * inner + i;
      float acc = x[0];
      for (int64_t k = 1; k < axis; ++k) {
        float v = x[k * inner];
        switch (op) {
        case abi::kReduceMax: acc = maxPropagatingNaN(acc, v); break;
        case abi::kReduceMin: acc = minPropagatingNaN(acc, v); break;
        case abi::kReduceProd: acc *= v; break;
        default: acc += v; break;
        }
      }
      out[o * inner + i] = op == abi::kReduceMean ? acc / float(axis) : acc;
    }
}

// out[outOffset + sum i_k * outStrides_k] = in[inOffset + sum i_k * inStrides_k]
// over the per-sample dims, for each of `batch` samples. geometry: rank,
// in sample stride, out sample stride, in offset, out offset, dims[rank],
// inStrides[rank], outStrides[rank].
KILN_KERNEL void kiln_expr_copy(float *out, const float *in, int64_t batch, const int64_t *geometry,
                                const abi::RunContext *) {
  const int64_t rank = geometry[0];
  const int64_t *dims = geometry + 5, *inStrides = dims + rank, *outStrides = inStrides + rank;
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i) total *= dims[i];
  int64_t index[abi::kMaxRank];
  for (int64_t s = 0; s < batch; ++s) {
    for (int64_t i = 0; i < rank; ++i) index[i] = 0;
    int64_t from = geometry[3] + s * geometry[1], to = geometry[4] + s * geometry[2];
    for (int64_t n = 0; n < total; ++n) {
      out[to] = in[from];
      for (int64_t i = rank - 1; i >= 0; --i) {
        from += inStrides[i];
        to += outStrides[i];
        if (++index[i] < dims[i]) break;
        from -= inStrides[i] * dims[i];
        to -= outStrides[i] * dims[i];
        index[i] = 0;
      }
    }
  }
}

// An int32 input of a traced program (token ids) as float32 values.
KILN_KERNEL void kiln_expr_from_int32(float *out, const int32_t *in, int64_t count, const abi::RunContext *) {
  for (int64_t i = 0; i < count; ++i) out[i] = float(in[i]);
}

// out[rows, n] = x[rows, k] * w[k, n] (a tensor times a weight matrix).
KILN_KERNEL void kiln_expr_matmul(float *out, const float *x, const float *w, int64_t rows, int64_t k, int64_t n,
                                  const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r) {
    float *y = out + r * n;
    for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
    for (int64_t i = 0; i < k; ++i) {
      float xv = x[r * k + i];
      const float *wr = w + i * n;
      for (int64_t j = 0; j < n; ++j) y[j] += xv * wr[j];
    }
  }
}
