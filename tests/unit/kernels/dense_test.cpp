// kiln_dense against a naive matrix product, for every register tile, over
// sizes that leave tails everywhere (M, N, K of 1, 7, 17, 33, ... and larger
// than a cache block), with and without threads, with the activations the
// epilogue applies.
#include "codegen/LowerContext.h"
#include "kernel_test_util.h"

#include <cstddef>
#include <cstring>
#include <functional>

using namespace kiln;
using namespace kiln_test;

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using DenseKernel = void (*)(float *, const float *, const float *, const float *, int64_t, int64_t, int64_t,
                             int32_t, float, float, float, const abi::RunContext *);

using Variant = TileVariant<DenseKernel>;
const Variant kVariants[] = KILN_TEST_VARIANTS(kiln_dense);

double reference(int32_t act, double x) {
  switch (act) {
  case abi::kRelu: return x > 0 ? x : 0;
  case abi::kSigmoid: return 1 / (1 + std::exp(-x));
  case abi::kTanh: return std::tanh(x);
  default: return x;
  }
}

struct Case {
  int64_t m, n, k;
  int32_t act;
  bool bias;
};

// Runs one case on `threads` (serialFor) and returns the output.
std::vector<float> runDense(const Variant &v, const Case &c, const std::vector<float> &a,
                            const std::vector<float> &packed, const std::vector<float> &bias, int32_t threads,
                            const kiln_parallel *parallel = nullptr) {
  std::vector<float> out(c.m * c.n, -7.0f);
  Run run(threads, 0, parallel);
  v.kernel(out.data(), a.data(), packed.data(), c.bias ? bias.data() : nullptr, c.m, c.n, c.k, c.act, 0.0f, -1.0f,
           0.0f, run.get());
  return out;
}

void check(const Variant &v, const Case &c) {
  std::string what = std::string(v.name) + " m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) +
                     " k=" + std::to_string(c.k) + " act=" + std::to_string(c.act);
  std::vector<float> a = randomFloats(c.m * c.k, 1), w = randomFloats(c.k * c.n, 2), b = randomFloats(c.n, 3);
  std::vector<float> packed = packPanels(w, c.k, c.n), bias = padToPanels(b, c.n);

  std::vector<double> want(c.m * c.n), scale(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i) {
    std::vector<double> row(c.n, 0.0);
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = c.bias ? b[j] : 0.0, magnitude = c.bias ? std::fabs(b[j]) : 0.0;
      for (int64_t kk = 0; kk < c.k; ++kk) {
        sum += double(a[i * c.k + kk]) * w[kk * c.n + j];
        magnitude += std::fabs(double(a[i * c.k + kk]) * w[kk * c.n + j]);
      }
      row[j] = sum;
      scale[i * c.n + j] = magnitude;
    }
    if (c.act == abi::kSoftmax) {
      double max = row[0], total = 0;
      for (double x : row) max = std::max(max, x);
      for (double &x : row) total += (x = std::exp(x - max));
      for (double &x : row) x /= total;
    }
    for (int64_t j = 0; j < c.n; ++j) want[i * c.n + j] = c.act == abi::kSoftmax ? row[j] : reference(c.act, row[j]);
  }

  std::vector<float> one = runDense(v, c, a, packed, bias, 1);
  expectNear(one, want, scale, what);
  // Any split over threads gives the same bits: no task shares an output.
  for (int32_t threads : {2, 3, 8})
    EXPECT_EQ(runDense(v, c, a, packed, bias, threads), one) << what << " on " << threads << " threads";
}

TEST(Dense, OddSizesAndTails) {
  for (const Variant &v : kVariants)
    for (int64_t m : {1, 2, 5, 7, 13, 17, 33, 100})
      for (int64_t n : {1, 7, 16, 17, 33, 40})
        for (int64_t k : {1, 7, 17, 33})
          check(v, {m, n, k, abi::kLinear, true});
}

TEST(Dense, DepthBeyondOneBlock) {
  // K > kGemmBlockDepth: partial sums carried across depth blocks, and the
  // bias and activation applied once, after the last.
  for (const Variant &v : kVariants)
    for (int64_t m : {1, 7, 30, 97, 200})
      for (int64_t k : {abi::kGemmBlockDepth + 1, 3 * abi::kGemmBlockDepth - 5})
        check(v, {m, 19, k, abi::kRelu, true});
}

TEST(Dense, EpilogueActivations) {
  for (const Variant &v : kVariants)
    for (int32_t act : {abi::kRelu, abi::kSigmoid, abi::kTanh, abi::kSoftmax})
      for (int64_t m : {1, 6, 13})
        check(v, {m, 21, 9, act, act != abi::kTanh});
}

TEST(Dense, RowsDoNotDependOnTheBatch) {
  // A sample gives the same bits alone as among others: in a full tile, a
  // tail tile or a skinny product, with and without depth blocks.
  for (const Variant &v : kVariants)
    for (int64_t k : {int64_t{7}, abi::kGemmBlockDepth + 1, 3 * abi::kGemmBlockDepth - 5})
      for (int64_t m : {1, 5, 6, 7, 13, 97}) {
        Case c{m, 40, k, abi::kRelu, true};
        std::vector<float> a = randomFloats(c.m * c.k, 10), w = randomFloats(c.k * c.n, 11);
        std::vector<float> packed = packPanels(w, c.k, c.n), bias = padToPanels(randomFloats(c.n, 12), c.n);
        std::vector<float> all = runDense(v, c, a, packed, bias, 1);
        for (int64_t i = 0; i < m; ++i) {
          Case single{1, c.n, c.k, c.act, true};
          std::vector<float> row(a.begin() + i * k, a.begin() + (i + 1) * k);
          EXPECT_EQ(runDense(v, single, row, packed, bias, 1),
                    std::vector<float>(all.begin() + i * c.n, all.begin() + (i + 1) * c.n))
              << v.name << " row " << i << " of m=" << m << " k=" << k;
        }
      }
}

TEST(Dense, OnTheRuntimePool) {
  kiln_pool *pool = kiln_pool_create(3);
  ASSERT_NE(pool, nullptr);
  for (const Variant &v : kVariants) {
    Case c{64, 512, 300, abi::kRelu, true};
    std::vector<float> a = randomFloats(c.m * c.k, 4), w = randomFloats(c.k * c.n, 5), b = randomFloats(c.n, 6);
    std::vector<float> packed = packPanels(w, c.k, c.n), bias = padToPanels(b, c.n);
    EXPECT_EQ(runDense(v, c, a, packed, bias, 3, kiln_pool_parallel(pool)), runDense(v, c, a, packed, bias, 1))
        << v.name;
  }
  kiln_pool_destroy(pool);
}

TEST(Dense, ParallelLayoutMatchesTheCApi) {
  static_assert(sizeof(abi::Parallel) == sizeof(kiln_parallel), "kiln_parallel's layout");
  EXPECT_EQ(offsetof(abi::Parallel, context), offsetof(kiln_parallel, context));
  EXPECT_EQ(offsetof(abi::Parallel, threads), offsetof(kiln_parallel, threads));
}

}  // namespace
