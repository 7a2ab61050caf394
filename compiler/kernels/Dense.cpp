// C[M, N] = act(A[M, K] x B[K, N] + bias): Dense over the last axis, on the
// shared GEMM (Gemm.h).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

// `packed` holds panelCount(n) panels of k x kPanelWidth floats; `bias` (may
// be null) holds panelCount(n) * kPanelWidth floats, zero-padded.
template <class T>
KILN_INLINE void dense(float *c, const float *a, const float *packed, const float *bias, int64_t m, int64_t n,
                       int64_t k, const ActParams &act, const abi::RunContext *run) {
  gemm<T>(c, n, a, k, packed, bias, m, n, k, act, run);
}

}  // namespace

KILN_TILED_KERNEL(kiln_dense, dense,
                  (float *c, const float *a, const float *packed, const float *bias, int64_t m, int64_t n, int64_t k,
                   int32_t act, float alpha, float maxValue, float threshold, const abi::RunContext *run),
                  (c, a, packed, bias, m, n, k, ActParams{act, alpha, maxValue, threshold}, run))
