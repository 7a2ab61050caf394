// Helpers for testing the kernels directly: random data, the run context a
// kernel receives (with a parallel-for that runs tasks one after the other
// under rotating thread ids, or the runtime's pool), and comparison against
// a reference computed in double precision with an error bound.
#pragma once

#include "kernels/KernelABI.h"

#include <kiln_rt.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace kiln_test {

inline std::vector<float> randomFloats(size_t n, uint32_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> v(n);
  for (float &x : v) x = dist(rng);
  return v;
}

// Runs the tasks of a parallel-for in order on the calling thread, telling
// each it runs on thread (i % threads): a deterministic stand-in for a pool
// that still exercises how kernels split their work and use per-thread
// workspaces.
inline void serialFor(void *context, kiln_task task, void *taskContext, int64_t count) {
  int32_t threads = *static_cast<int32_t *>(context);
  for (int64_t i = 0; i < count; ++i) task(taskContext, i, static_cast<int32_t>(i % threads));
}

// A run context with `threads` workspaces of `workspaceBytes` each and the
// given parallel-for (serialFor when null and threads > 1). Each workspace
// is followed by a guard of 64 bytes; a kernel that writes past the
// workspace it was sized for fails the test.
class Run {
public:
  Run(int32_t threads, int64_t workspaceBytes, const kiln_parallel *parallel = nullptr)
      : threads_(threads), bytes_(workspaceBytes), stride_((workspaceBytes + 63) / 64 * 64 + kGuard),
        workspace_(static_cast<size_t>(threads * stride_ / 4)) {
    serial_ = {serialFor, &threads_, threads};
    const kiln_parallel *p = parallel ? parallel : &serial_;
    for (int32_t t = 0; t < threads; ++t) std::memset(guard(t), kFill, size_t(stride_ - bytes_));
    context_.parallel = threads > 1 ? reinterpret_cast<const kiln::abi::Parallel *>(p) : nullptr;
    context_.workspace = reinterpret_cast<char *>(workspace_.data());
    context_.workspaceBytes = stride_;
    context_.threads = threads;
  }
  ~Run() {
    for (int32_t t = 0; t < threads_; ++t)
      for (int64_t i = 0; i < stride_ - bytes_; ++i)
        if (static_cast<unsigned char>(guard(t)[i]) != kFill) {
          ADD_FAILURE() << "thread " << t << " wrote " << i << " bytes past its workspace of " << bytes_ << " bytes";
          break;
        }
  }
  const kiln::abi::RunContext *get() const { return &context_; }

private:
  static constexpr int64_t kGuard = 64;
  static constexpr unsigned char kFill = 0xA5;
  char *guard(int32_t t) { return reinterpret_cast<char *>(workspace_.data()) + t * stride_ + bytes_; }

  int32_t threads_;
  int64_t bytes_, stride_;
  kiln_parallel serial_;
  std::vector<float> workspace_;
  kiln::abi::RunContext context_;
};

// Compares got[i] with a reference in double precision: within
// 1e-6 + 3e-6 * scale[i], where scale is the sum of the magnitudes that made
// up the value (float rounding grows with it).
inline void expectNear(const std::vector<float> &got, const std::vector<double> &want, const std::vector<double> &scale,
                       const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double bound = 1e-6 + 3e-6 * scale[i];
    if (!(std::fabs(got[i] - want[i]) <= bound) && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", expected " << want[i] << " (bound "
                    << bound << ")";
  }
}

}  // namespace kiln_test

// The kernels under test, compiled for this machine (see CMakeLists.txt);
// KILN_TILED_DECLARATION declares a tiled kernel's variants.
extern "C" {
#define KILN_TILED_DECLARATION(name, params)                                                                        \
  void name##__12x2 params;                                                                                          \
  void name##__6x1 params;                                                                                           \
  void name##__3x1 params;
KILN_TILED_DECLARATION(kiln_dense, (float *c, const float *a, const float *packed, const float *bias, int64_t m,
                                    int64_t n, int64_t k, int32_t act, float alpha, float maxValue, float threshold,
                                    const kiln::abi::RunContext *run))
KILN_TILED_DECLARATION(kiln_conv2d, (float *out, const float *in, const float *packed, const float *bias,
                                     int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                     float maxValue, float threshold, const kiln::abi::RunContext *run))
KILN_TILED_DECLARATION(kiln_conv2d_winograd, (float *out, const float *in, const float *packed, const float *bias,
                                              int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                                              float maxValue, float threshold, const kiln::abi::RunContext *run))
KILN_TILED_DECLARATION(kiln_recurrent,
                       (float *out, float *stateH, float *stateC, const float *in, const float *mask,
                        const float *initialH, const float *initialC, const float *kernel, const float *bias,
                        const float *recurrentKernel, const float *recurrentBias, const float *candidateKernel,
                        float *temp, int64_t batch, const int64_t *geometry, int32_t act, float alpha,
                        int32_t recurrentAct, float recurrentAlpha, const kiln::abi::RunContext *run))
KILN_TILED_DECLARATION(kiln_conv_lstm,
                       (float *out, float *stateH, float *stateC, const float *in, const float *mask,
                        const float *initialH, const float *initialC, const float *kernel, const float *bias,
                        const float *recurrentKernel, float *temp, int64_t batch, const int64_t *geometry,
                        const int64_t *inputConv, const int64_t *recurrentConv, int32_t act, float alpha,
                        int32_t recurrentAct, float recurrentAlpha, const kiln::abi::RunContext *run))
}

namespace kiln_test {

// One register-tile variant of a kernel under test; KILN_TEST_VARIANTS(name)
// lists all of a tiled kernel's.
template <class Kernel>
struct TileVariant {
  const char *name;
  Kernel kernel;
};
#define KILN_TEST_VARIANTS(name) {{"12x2", name##__12x2}, {"6x1", name##__6x1}, {"3x1", name##__3x1}}

inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

}  // namespace kiln_test
