// C[M, N] = act(A[M, K] x B[K, N] + bias): Dense over the last axis, on the
// shared GEMM micro-kernel (Gemm.h).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

// `packed` holds panelCount(n) panels of k x kPanelWidth floats; `bias` (may
// be null) holds panelCount(n) * kPanelWidth floats, zero-padded.
KILN_KERNEL void kiln_dense(float *c, const float *a, const float *packed, const float *bias, int64_t m, int64_t n,
                            int64_t k, int32_t act, float alpha, float maxValue, float threshold,
                            const abi::RunContext *run) {
  gemm(c, a, packed, bias, m, n, k, ActParams{act, alpha, maxValue, threshold}, run);
}
