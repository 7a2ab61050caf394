// The vector activations (exp, sigmoid, tanh and those built on them)
// through kiln_activation, against the C library over the whole float range:
// relative error within a few ulp, and the limits, infinities and NaN right.
#include "kernel_test_util.h"

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

void check(int32_t act, double (*reference)(double), const char *name) {
  std::vector<float> x = inputs(), y(x.size());
  Run run(1, 0);
  kiln_activation(y.data(), x.data(), static_cast<int64_t>(x.size()), 1, act, 0.0f, -1.0f, 0.0f, run.get());
  int failures = 0;
  for (size_t i = 0; i < x.size() && failures < 5; ++i) {
    double want = static_cast<float>(reference(x[i]));  // what float can hold
    bool ok = std::isnan(want) ? std::isnan(y[i])
              : std::isinf(want) ? y[i] == want
                                 : std::fabs(y[i] - want) <= 2e-6 * std::fabs(want) + 1e-37;
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

}  // namespace
