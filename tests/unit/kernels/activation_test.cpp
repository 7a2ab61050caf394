// The vector activations (exp, sigmoid, tanh and those built on them)
// through kiln_activation, against the C library over the whole float range:
// relative error within a few ulp, and the limits, infinities and NaN right.
#include "kernel_test_util.h"

#include <algorithm>
#include <limits>

using namespace kiln;
using namespace kiln_test;

extern "C" void kiln_activation(float *out, const float *in, int64_t count, int64_t cols, int32_t act, float alpha,
                                float maxValue, float threshold, const kiln::abi::RunContext *run);

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

std::vector<float> inputs() {
  std::vector<float> x;
  for (float v = -120.0f; v <= 120.0f; v += 0.37f) x.push_back(v);
  for (float v = -1.0f; v <= 1.0f; v += 0.0013f) x.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, 0.4999f, 0.5f, 0.5001f, 88.0f, 88.72f, 88.73f, 89.0f,
                  -87.0f, -103.0f, -104.0f, 9.0f, -9.0f, 44.0f})
    x.push_back(v);
  float inf = std::numeric_limits<float>::infinity();
  for (float v : {inf, -inf, std::numeric_limits<float>::quiet_NaN()}) x.push_back(v);
  while (x.size() % 16 != 5) x.push_back(0.25f);  // a scalar tail after the vectors
  return x;
}

// `inputScale`: the error may be relative to the input instead, for a
// difference that cancels in float as it does in Keras (x - tanh(x) near 0).
void check(int32_t act, double (*reference)(double), const char *name, float alpha = 0.0f, bool inputScale = false) {
  std::vector<float> x = inputs(), y(x.size());
  Run run(1, 0);
  kiln_activation(y.data(), x.data(), static_cast<int64_t>(x.size()), 1, act, alpha, -1.0f, 0.0f, run.get());
  int failures = 0;
  for (size_t i = 0; i < x.size() && failures < 5; ++i) {
    double want = static_cast<float>(reference(x[i]));  // what float can hold
    double scale = inputScale ? std::max(std::fabs(want), std::fabs(double(x[i]))) : std::fabs(want);
    bool ok = std::isnan(want) ? std::isnan(y[i])
              : std::isinf(want) ? y[i] == want
                                 : std::fabs(y[i] - want) <= 2e-6 * scale + 1e-37;
    if (!ok) {
      ++failures;
      ADD_FAILURE() << name << "(" << x[i] << ") = " << y[i] << ", expected " << want;
    }
  }
}

double exponential(double x) { return std::exp(x); }
double tanhRef(double x) { return std::tanh(x); }
double swish(double x) { return x / (1 + std::exp(-x)); }

TEST(Activation, Exponential) { check(abi::kExponential, exponential, "exp"); }

// Softmax over rows of 37 (two vectors and a tail), one value of 150 in a
// different place in each row: a maximum that missed it would overflow.
TEST(Activation, SoftmaxTakesTheMaximumFromEveryPlace) {
  const int64_t cols = 37;
  std::vector<float> x = randomFloats(cols * cols, 91), y(x.size());
  for (int64_t r = 0; r < cols; ++r) x[r * cols + r] = 150.0f;
  kiln_test::Run run(1, 0);
  kiln_activation(y.data(), x.data(), int64_t(x.size()), cols, abi::kSoftmax, 0.0f, -1.0f, 0.0f, run.get());
  for (int64_t r = 0; r < cols; ++r) {
    double total = 0;
    for (int64_t c = 0; c < cols; ++c) total += std::exp(double(x[r * cols + c]) - 150.0);
    for (int64_t c = 0; c < cols; ++c) {
      double want = std::exp(double(x[r * cols + c]) - 150.0) / total;
      EXPECT_NEAR(y[r * cols + c], want, 1e-6 * want + 1e-30) << "row " << r << ", column " << c;
    }
  }
}
TEST(Activation, Sigmoid) { check(abi::kSigmoid, sigmoid, "sigmoid"); }
TEST(Activation, Tanh) { check(abi::kTanh, tanhRef, "tanh"); }
TEST(Activation, Swish) { check(abi::kSwish, swish, "swish"); }

// Keras 3's further activations, as jax.nn computes them.
double celu(double x) { return x > 0 ? x : std::expm1(x); }
double hardTanh(double x) { return x > 1 ? 1 : x < -1 ? -1 : x; }
double hardShrink(double x) { return std::fabs(x) > 0.5 ? x : 0; }
double softShrink(double x) { return x > 0.5 ? x - 0.5 : x < -0.5 ? x + 0.5 : 0; }
double tanhShrink(double x) { return x - std::tanh(x); }
double squareplus(double x) { return (x + std::sqrt(x * x + 4)) / 2; }
double sparsePlus(double x) { return x <= -1 ? 0 : x >= 1 ? x : (x + 1) * (x + 1) / 4; }
double sparseSigmoid(double x) { return x != x ? x : x <= -1 ? 0 : x >= 1 ? 1 : (x + 1) / 2; }
double logSigmoid(double x) { return -(std::fmax(-x, 0.0) + std::log1p(std::exp(-std::fabs(x)))); }

TEST(Activation, Keras3Activations) {
  check(abi::kCelu, celu, "celu", 1.0f);
  check(abi::kHardTanh, hardTanh, "hard_tanh");
  check(abi::kHardShrink, hardShrink, "hard_shrink");
  check(abi::kSoftShrink, softShrink, "soft_shrink");
  check(abi::kTanhShrink, tanhShrink, "tanh_shrink", 0.0f, true);
  check(abi::kSquareplus, squareplus, "squareplus", 0.0f, true);
  check(abi::kSparsePlus, sparsePlus, "sparse_plus");
  check(abi::kSparseSigmoid, sparseSigmoid, "sparse_sigmoid");
  check(abi::kLogSigmoid, logSigmoid, "log_sigmoid");
}

}  // namespace
