// The register-blocked GEMM micro-kernel shared by Dense and the
// convolutions: C[rows, n] = act(A[rows, k] x B[k, n] + bias).
//
// B comes pre-packed in panels (see KernelABI.h), so the inner loop streams
// one contiguous panel while up to kMicroRows rows of A are broadcast into a
// register tile of accumulators. A is any row-major block: the input itself
// (Dense, 1x1 convolutions) or a tile packed in the workspace (im2col).
#pragma once

#include "Parallel.h"

namespace kiln::kernels {

// The loops over a tile's rows must be unrolled for the accumulators to live
// in registers; the kernels are compiled with -fno-unroll-loops (the model's
// own optimization decides the rest), so they ask for it explicitly.
#define KILN_UNROLL _Pragma("clang loop unroll(full)")

// acc[i] = A[i, 0..k) x panel for Rows rows of A, `lda` floats apart.
template <int Rows>
KILN_INLINE void microTile(const float *a, int64_t lda, const float *panel, int64_t k, v16 *acc) {
  KILN_UNROLL for (int i = 0; i < Rows; ++i) acc[i] = v16{} + 0.0f;
  for (int64_t kk = 0; kk < k; ++kk) {
    v16 b = *reinterpret_cast<const v16 *>(panel + kk * abi::kPanelWidth);
    KILN_UNROLL for (int i = 0; i < Rows; ++i) acc[i] += a[i * lda + kk] * b;
  }
}

// The epilogue's activation on a whole register, in place: the
// piecewise-linear ones as vector operations, the others lane by lane.
// (By reference: a vector passed by value would warn of the AVX ABI.)
KILN_INLINE void activateVector(const ActParams &p, v16 &v) {
  const v16 zero = v16{} + 0.0f;
  switch (p.act) {
  case abi::kLinear: break;
  // Selects, not min/max: a NaN must stay NaN (see clampBelow).
  case abi::kRelu: v = v < zero ? zero : v; break;
  case abi::kRelu6: v = v < zero ? zero : v > zero + 6.0f ? zero + 6.0f : v; break;
  case abi::kLeakyRelu: v = v >= zero ? v : p.alpha * v; break;
  default:
    for (int l = 0; l < abi::kPanelWidth; ++l) v[l] = activate(p, v[l]);
  }
}

// Adds the bias, applies the activation and stores the valid columns.
template <int Rows>
KILN_INLINE void storeTile(v16 *acc, const float *bias, const ActParams &act, float *c, int64_t ldc, int64_t cols) {
  v16 b = bias ? *reinterpret_cast<const v16 *>(bias) : v16{} + 0.0f;
  KILN_UNROLL for (int i = 0; i < Rows; ++i) {
    v16 v = acc[i] + b;
    activateVector(act, v);
    float *row = c + i * ldc;
    if (cols == abi::kPanelWidth) {
      *reinterpret_cast<v16 *>(row) = v;
    } else {
      for (int64_t l = 0; l < cols; ++l) row[l] = v[l];
    }
  }
}

// Rows rows of C over panels [firstPanel, endPanel) of B (by default all
// panelCount(n) of them); `bias` (may be null) is padded to whole panels.
template <int Rows>
KILN_INLINE void rowBlock(const float *a, int64_t lda, const float *packed, const float *bias, float *c, int64_t ldc,
                          int64_t n, int64_t k, const ActParams &act, int64_t firstPanel = 0,
                          int64_t endPanel = -1) {
  if (endPanel < 0) endPanel = abi::panelCount(n);
  for (int64_t p = firstPanel; p < endPanel; ++p) {
    v16 acc[Rows];
    microTile<Rows>(a, lda, packed + p * k * abi::kPanelWidth, k, acc);
    int64_t col = p * abi::kPanelWidth;
    int64_t cols = n - col < abi::kPanelWidth ? n - col : abi::kPanelWidth;
    storeTile<Rows>(acc, bias ? bias + col : nullptr, act, c + col, ldc, cols);
  }
}

// The row count of a block as a type, so that a generic lambda can
// instantiate the templates above with it (C++17 has no template lambdas).
template <int N>
struct RowCount {
  static constexpr int value = N;
};

// Calls block(RowCount<R>{}, row) for consecutive blocks of R rows covering
// [0, m): full blocks of kMicroRows, then one shorter block for the rest.
template <class Block>
KILN_INLINE void forEachRowBlock(int64_t m, Block &&block) {
  int64_t row = 0;
  for (; row + abi::kMicroRows <= m; row += abi::kMicroRows) block(RowCount<abi::kMicroRows>{}, row);
  static_assert(abi::kMicroRows == 6, "the tail cases below assume six-row blocks");
  switch (m - row) {
  case 1: block(RowCount<1>{}, row); break;
  case 2: block(RowCount<2>{}, row); break;
  case 3: block(RowCount<3>{}, row); break;
  case 4: block(RowCount<4>{}, row); break;
  case 5: block(RowCount<5>{}, row); break;
  default: break;
  }
}

// The activation the GEMM epilogue applies: the softmax family works on whole
// rows, so it runs after the GEMM (softmaxRows) and the epilogue stays linear.
KILN_INLINE ActParams epilogueActivation(const ActParams &p) {
  return abi::isRowwise(p.act) ? ActParams{abi::kLinear, 0, 0, 0} : p;
}

// C = act(A x B + bias) for m rows, A and C dense (lda = k, ldc = n), on
// the run's threads: each task takes whole blocks of rows or, when there
// are too few rows, a range of column panels.
KILN_INLINE void gemm(float *c, const float *a, const float *packed, const float *bias, int64_t m, int64_t n,
                      int64_t k, const ActParams &act, const abi::RunContext *run) {
  ActParams elementwise = epilogueActivation(act);
  int64_t panels = abi::panelCount(n), rowBlocks = (m + abi::kMicroRows - 1) / abi::kMicroRows;
  int64_t tasks = taskCount(run, m * n * k, rowBlocks * panels);
  if (rowBlocks >= tasks) {
    int64_t taskRows = (rowBlocks + tasks - 1) / tasks * abi::kMicroRows;
    parallelFor(run, (m + taskRows - 1) / taskRows, [&](int64_t task, int32_t) {
      int64_t first = task * taskRows, rows = m - first < taskRows ? m - first : taskRows;
      forEachRowBlock(rows, [&](auto tile, int64_t row) {
        row += first;
        rowBlock<decltype(tile)::value>(a + row * k, k, packed, bias, c + row * n, n, n, k, elementwise);
      });
    });
  } else {
    int64_t taskPanels = (panels + tasks - 1) / tasks;
    parallelFor(run, (panels + taskPanels - 1) / taskPanels, [&](int64_t task, int32_t) {
      int64_t firstPanel = task * taskPanels;
      int64_t endPanel = firstPanel + taskPanels < panels ? firstPanel + taskPanels : panels;
      forEachRowBlock(m, [&](auto tile, int64_t row) {
        rowBlock<decltype(tile)::value>(a + row * k, k, packed, bias, c + row * n, n, n, k, elementwise, firstPanel,
                                        endPanel);
      });
    });
  }
  if (abi::isRowwise(act.act)) softmaxRows(c, m, n, act.act == abi::kLogSoftmax);
}

}  // namespace kiln::kernels
