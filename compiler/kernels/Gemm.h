// The GEMM shared by Dense, the convolutions and the recurrent layers:
// C = act(A x B + bias), B pre-packed at build time in panels of
// kPanelWidth columns (KernelABI.h).
//
// As in BLIS: a register tile of Rows x Panels vectors of accumulators is
// the micro-kernel; depth is cut into blocks of kGemmBlockDepth so that a
// panel's slice of B stays in L1 while the rows of A stream past it, and
// rows into blocks of kGemmBlockRows. The tile is a template
// parameter (Tile<R, P>): codegen picks the instantiation whose registers
// fit the target (Kernels.h), the packed layout is the same for all.
// Tasks for threads are blocks of rows and ranges of panels; they never
// share an output element, and the depth is never split between them.
#pragma once

#include "Parallel.h"
#include "VectorMath.h"

namespace kiln::kernels {

// A register tile: Rows rows of A times Panels panels of B.
template <int R, int P>
struct Tile {
  static constexpr int kRows = R, kPanels = P;
};

// A count (of rows, of panels) as a type, so that a generic lambda can
// instantiate templates with it.
template <int N>
struct Count {
  static constexpr int value = N;
};

// Calls f(Count<n>{}) for the runtime n in [1, Max).
template <int Max, int N = 1, class F>
KILN_INLINE void withRowCount(int64_t n, F &&f) {
  if constexpr (N < Max) {
    if (n == N) f(Count<N>{});
    else withRowCount<Max, N + 1>(n, f);
  }
}

// The loops over a tile must be unrolled for the accumulators to live in
// registers; the kernels are compiled with -fno-unroll-loops (the model's
// own optimization decides the rest), so they ask for it explicitly.
#define KILN_UNROLL _Pragma("clang loop unroll(full)")

// acc[r][p] = sum over kk < k of A(r, kk) * B_p(kk), A(r, kk) being
// a[r * lda + kk]; panel p of B starts `panelStride` floats after panel p - 1.
template <int Rows, int Panels>
KILN_INLINE void multiplyTile(const float *a, int64_t lda, const float *b, int64_t panelStride, int64_t k,
                              v16 (&acc)[Rows][Panels]) {
  KILN_UNROLL for (int r = 0; r < Rows; ++r) KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] = splat(0.0f);
  for (int64_t kk = 0; kk < k; ++kk) {
    v16 bv[Panels];
    KILN_UNROLL for (int p = 0; p < Panels; ++p) bv[p] = load16(b + p * panelStride + kk * abi::kPanelWidth);
    KILN_UNROLL for (int r = 0; r < Rows; ++r) {
      float x = a[r * lda + kk];
      KILN_UNROLL for (int p = 0; p < Panels; ++p) acc[r][p] += x * bv[p];
    }
  }
}

// What the GEMM writes: C with row stride ldc, `n` valid columns, the bias
// (null, or padded to whole panels) and the epilogue's activation.
struct GemmOutput {
  float *c;
  int64_t ldc;
  int64_t n;
  const float *bias;
  ActParams act;  // elementwise (see epilogueActivation)
};

// Writes the first `rows` rows of a tile whose first column is `col`:
// adds what C holds if `accumulate` (a later depth block), and the bias and
// the activation if `finish` (the last one).
template <int Rows, int Panels>
KILN_INLINE void storeTile(v16 (&acc)[Rows][Panels], const GemmOutput &out, int64_t row, int64_t rows, int64_t col,
                           bool accumulate, bool finish) {
  KILN_UNROLL for (int r = 0; r < Rows; ++r) {
    if (r >= rows) break;
    float *dst = out.c + (row + r) * out.ldc + col;
    KILN_UNROLL for (int p = 0; p < Panels; ++p) {
      int64_t width = out.n - col - p * abi::kPanelWidth;
      if (width <= 0) break;
      v16 v = acc[r][p];
      float *d = dst + p * abi::kPanelWidth;
      if (width >= abi::kPanelWidth) {
        if (accumulate) v += load16(d);
        if (finish) {
          if (out.bias) v += load16(out.bias + col + p * abi::kPanelWidth);
          activateAccumulator(out.act, v);
        }
        store16(d, v);
      } else {  // the last, partial panel
        if (accumulate)
          for (int64_t l = 0; l < width; ++l) v[l] += d[l];
        if (finish) {
          if (out.bias) v += load16(out.bias + col + p * abi::kPanelWidth);
          activateAccumulator(out.act, v);
        }
        for (int64_t l = 0; l < width; ++l) d[l] = v[l];
      }
    }
  }
}

// One tile: `rows` (<= Rows) rows from `row` of C, panels [panel, panel +
// Panels) over depth [k0, k0 + kLen) of B, whose panels are k floats deep.
template <int Rows, int Panels>
KILN_INLINE void gemmTile(const float *a, int64_t lda, const float *packed, int64_t k, int64_t k0, int64_t kLen,
                          const GemmOutput &out, int64_t row, int64_t rows, int64_t panel, bool first, bool last) {
  v16 acc[Rows][Panels];
  const int64_t panelStride = k * abi::kPanelWidth;
  multiplyTile<Rows, Panels>(a, lda, packed + panel * panelStride + k0 * abi::kPanelWidth, panelStride,
                                          kLen, acc);
  storeTile<Rows, Panels>(acc, out, row, rows, panel * abi::kPanelWidth, !first, last);
}

// How many panels a tile of `rows` rows (fewer than the tile's) takes at
// once: as many as the tile's accumulators allow, a power of two up to 4.
template <class T, int Rows>
constexpr int skinnyPanels() {
  int fit = T::kRows * T::kPanels / Rows;
  return fit >= 4 ? 4 : fit >= 2 ? 2 : 1;
}

// Tiles over panels [firstPanel, endPanel) for Rows rows, Panels at a time
// and the remainder one by one.
template <int Rows, int Panels>
KILN_INLINE void tileRow(const float *a, int64_t lda, const float *packed, int64_t k, int64_t k0, int64_t kLen,
                         const GemmOutput &out, int64_t row, int64_t rows, int64_t firstPanel, int64_t endPanel,
                         bool first, bool last) {
  int64_t p = firstPanel;
  for (; p + Panels <= endPanel; p += Panels)
    gemmTile<Rows, Panels>(a, lda, packed, k, k0, kLen, out, row, rows, p, first, last);
  if constexpr (Panels > 1)
    for (; p < endPanel; ++p)
      gemmTile<Rows, 1>(a, lda, packed, k, k0, kLen, out, row, rows, p, first, last);
}

// C rows [row, row + rows) x panels [firstPanel, endPanel) over depth
// [k0, k0 + kLen), A's rows `lda` apart. The rows after the last whole
// group of T::kRows get tiles of their own height, as many panels wide as
// the registers allow.
template <class T>
KILN_INLINE void gemmBlock(const float *a, int64_t lda, const float *packed, int64_t k, int64_t k0, int64_t kLen,
                           const GemmOutput &out, int64_t row, int64_t rows, int64_t firstPanel, int64_t endPanel,
                           bool first, bool last) {
  int64_t groups = rows / T::kRows;
  // Panels outermost: a panel's depth block stays in L1 across the rows.
  for (int64_t p = firstPanel; p < endPanel && groups > 0; p += T::kPanels) {
    int64_t pEnd = p + T::kPanels < endPanel ? p + T::kPanels : endPanel;
    for (int64_t g = 0; g < groups; ++g)
      tileRow<T::kRows, T::kPanels>(a + g * T::kRows * lda, lda, packed, k, k0, kLen, out, row + g * T::kRows,
                                    T::kRows, p, pEnd, first, last);
  }
  int64_t done = groups * T::kRows;
  if (done < rows)
    withRowCount<T::kRows>(rows - done, [&](auto count) {
      constexpr int Rows = decltype(count)::value;
      tileRow<Rows, skinnyPanels<T, Rows>()>(a + done * lda, lda, packed, k, k0, kLen, out, row + done, Rows,
                                             firstPanel, endPanel, first, last);
    });
}

// How to cut an m x n x k product into tasks: `rowChunk` rows (a multiple
// of the tile's) by `panelChunk` panels. Whichever operand is the larger is
// shared: `splitPanels` (B, k x n, is the larger) splits the panels (each
// task reads all of A), else the rows (each task reads all of B). A task
// keeps the tile's panels where there are enough, and never runs narrower
// tiles than one thread would.
struct GemmSplit {
  int64_t rowChunk, panelChunk, rowTasks, panelTasks;
  int64_t tasks() const { return rowTasks * panelTasks; }
};

template <class T>
KILN_INLINE GemmSplit splitGemm(const abi::RunContext *run, int64_t m, int64_t n, int64_t k, int64_t rowUnit,
                                bool splitPanels) {
  int64_t panels = abi::panelCount(n);
  int64_t rowGroups = (m + rowUnit - 1) / rowUnit;
  int64_t tasks = taskCount(run, m * n * k, rowGroups * panels);
  int64_t mostPanelTasks = panels > T::kPanels ? panels / T::kPanels : 1;
  int64_t panelTasks = splitPanels ? tasks : (tasks + rowGroups - 1) / rowGroups;
  if (panelTasks > mostPanelTasks) panelTasks = mostPanelTasks;
  int64_t rowTasks = (tasks + panelTasks - 1) / panelTasks;
  if (rowTasks > rowGroups) rowTasks = rowGroups;
  GemmSplit s;
  s.rowChunk = (rowGroups + rowTasks - 1) / rowTasks * rowUnit;
  s.panelChunk = (panels + panelTasks - 1) / panelTasks;
  if (s.panelChunk % T::kPanels && s.panelChunk > T::kPanels)  // whole tiles where possible
    s.panelChunk += T::kPanels - s.panelChunk % T::kPanels;
  s.rowTasks = (m + s.rowChunk - 1) / s.rowChunk;
  s.panelTasks = (panels + s.panelChunk - 1) / s.panelChunk;
  return s;
}

// The activation the GEMM epilogue applies: the softmax family works on whole
// rows, so it runs after the GEMM (softmaxRows) and the epilogue stays linear.
KILN_INLINE ActParams epilogueActivation(const ActParams &p) {
  return abi::isRowwise(p.act) ? ActParams{abi::kLinear, 0, 0, 0} : p;
}

// C[m, n] = act(A[m, k] x B + bias), A's rows `lda` apart and C's `ldc`,
// on the run's threads.
template <class T>
KILN_INLINE void gemm(float *c, int64_t ldc, const float *a, int64_t lda, const float *packed, const float *bias,
                      int64_t m, int64_t n, int64_t k, const ActParams &act, const abi::RunContext *run) {
  const GemmOutput out{c, ldc, n, bias, epilogueActivation(act)};
  GemmSplit s = splitGemm<T>(run, m, n, k, T::kRows, n > m);
  int64_t panels = abi::panelCount(n);
  // The same depth blocks whatever m: a row's sums (and so its bits) must
  // not depend on how many rows come with it, the batch.
  int64_t depthBlock = k > abi::kGemmBlockDepth ? abi::kGemmBlockDepth : k > 0 ? k : 1;
  parallelFor(run, s.tasks(), [&](int64_t task, int32_t) {
    int64_t row0 = task / s.panelTasks * s.rowChunk, p0 = task % s.panelTasks * s.panelChunk;
    int64_t rowEnd = row0 + s.rowChunk < m ? row0 + s.rowChunk : m;
    int64_t pEnd = p0 + s.panelChunk < panels ? p0 + s.panelChunk : panels;
    for (int64_t row = row0; row < rowEnd; row += abi::kGemmBlockRows) {
      int64_t rows = rowEnd - row < abi::kGemmBlockRows ? rowEnd - row : abi::kGemmBlockRows;
      for (int64_t k0 = 0; k0 < k || k0 == 0; k0 += depthBlock) {
        int64_t kLen = k - k0 < depthBlock ? k - k0 : depthBlock;
        gemmBlock<T>(a + row * lda + k0, lda, packed, k, k0, kLen, out, row, rows, p0, pEnd, k0 == 0,
                            k0 + kLen >= k);
      }
    }
  });
  if (abi::isRowwise(act.act)) softmaxRows(c, m, n, act.act == abi::kLogSoftmax);
}

// Of a tiled kernel's variants (v12x2, v6x1, v3x1), the one of tile T.
template <class T, class F>
KILN_INLINE F tiledKernel(F v12x2, F v6x1, F v3x1) {
  if constexpr (T::kRows == 12 && T::kPanels == 2) return v12x2;
  else if constexpr (T::kRows == 6 && T::kPanels == 1) return v6x1;
  else {
    static_assert(T::kRows == 3 && T::kPanels == 1, "a tile of KILN_TILED_KERNEL");
    return v3x1;
  }
}

}  // namespace kiln::kernels

// Defines a kernel once per register tile, as name__<rows>x<panels>:
// impl<Tile<R, P>> with the kernel's parameters. Codegen calls the one whose
// accumulators fit the target's registers (ModelCodegen::kernel): 12x2 for
// 32 vector registers of 512 bits, 6x1 for 16 of 256 bits (or 32 of 128),
// 3x1 otherwise.
#define KILN_TILED_KERNEL(name, impl, params, args)                                                                  \
  KILN_KERNEL void name##__12x2 params { impl<Tile<12, 2>> args; }                                                   \
  KILN_KERNEL void name##__6x1 params { impl<Tile<6, 1>> args; }                                                     \
  KILN_KERNEL void name##__3x1 params { impl<Tile<3, 1>> args; }

// Declares the variants of a kernel that KILN_TILED_KERNEL defines in
// another file, for a kernel that runs it with its own register tile (see
// tiledKernel).
#define KILN_TILED_KERNEL_DECLARATION(name, params)                                                                  \
  KILN_KERNEL void name##__12x2 params;                                                                              \
  KILN_KERNEL void name##__6x1 params;                                                                               \
  KILN_KERNEL void name##__3x1 params;
