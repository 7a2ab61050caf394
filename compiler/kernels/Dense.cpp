// C[M, N] = act(A[M, K] x B[K, N] + bias): the GEMM behind Dense (and, later,
// convolutions). B comes pre-packed in panels (see KernelABI.h) so the inner
// loop streams one contiguous panel while kMicroRows rows of A are broadcast
// into a register tile of accumulators.
#include "Common.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

template <int Rows>
KILN_INLINE void microTile(const float *a, int64_t lda, const float *panel, int64_t k, v16 *acc) {
  for (int i = 0; i < Rows; ++i) acc[i] = v16{} + 0.0f;
  for (int64_t kk = 0; kk < k; ++kk) {
    v16 b = *reinterpret_cast<const v16 *>(panel + kk * abi::kPanelWidth);
    for (int i = 0; i < Rows; ++i) acc[i] += a[i * lda + kk] * b;
  }
}

// Adds the bias, applies the activation and stores the valid columns.
template <int Rows>
KILN_INLINE void storeTile(v16 *acc, const float *bias, const ActParams &act, float *c, int64_t ldc, int64_t cols) {
  v16 b = bias ? *reinterpret_cast<const v16 *>(bias) : v16{} + 0.0f;
  for (int i = 0; i < Rows; ++i) {
    v16 v = acc[i] + b;
    for (int l = 0; l < abi::kPanelWidth; ++l) v[l] = activate(act, v[l]);
    float *row = c + i * ldc;
    if (cols == abi::kPanelWidth) {
      *reinterpret_cast<v16 *>(row) = v;
    } else {
      for (int64_t l = 0; l < cols; ++l) row[l] = v[l];
    }
  }
}

template <int Rows>
KILN_INLINE void rowBlock(const float *a, const float *packed, const float *bias, float *c, int64_t n, int64_t k,
                          const ActParams &act) {
  int64_t panels = abi::panelCount(n);
  for (int64_t p = 0; p < panels; ++p) {
    v16 acc[Rows];
    microTile<Rows>(a, k, packed + p * k * abi::kPanelWidth, k, acc);
    int64_t col = p * abi::kPanelWidth;
    int64_t cols = n - col < abi::kPanelWidth ? n - col : abi::kPanelWidth;
    storeTile<Rows>(acc, bias ? bias + col : nullptr, act, c + col, n, cols);
  }
}

}  // namespace

// `packed` holds panelCount(n) panels of k x kPanelWidth floats; `bias` (may
// be null) holds panelCount(n) * kPanelWidth floats, zero-padded.
KILN_KERNEL void kiln_dense(float *c, const float *a, const float *packed, const float *bias, int64_t m, int64_t n,
                            int64_t k, int32_t act, float alpha, float maxValue, float threshold) {
  ActParams p{act, alpha, maxValue, threshold};
  ActParams elementwise = abi::isRowwise(act) ? ActParams{abi::kLinear, 0, 0, 0} : p;
  int64_t row = 0;
  for (; row + abi::kMicroRows <= m; row += abi::kMicroRows)
    rowBlock<abi::kMicroRows>(a + row * k, packed, bias, c + row * n, n, k, elementwise);
  switch (m - row) {
  case 1: rowBlock<1>(a + row * k, packed, bias, c + row * n, n, k, elementwise); break;
  case 2: rowBlock<2>(a + row * k, packed, bias, c + row * n, n, k, elementwise); break;
  case 3: rowBlock<3>(a + row * k, packed, bias, c + row * n, n, k, elementwise); break;
  case 4: rowBlock<4>(a + row * k, packed, bias, c + row * n, n, k, elementwise); break;
  case 5: rowBlock<5>(a + row * k, packed, bias, c + row * n, n, k, elementwise); break;
  default: break;
  }
  if (abi::isRowwise(act)) softmaxRows(c, m, n, act == abi::kLogSoftmax);
}
