// The pooling kernels against naive loops over every output and window
// position: windows, strides and TF's 'valid' and 'same' padding along each
// of the volume's three axes (1-D, 2-D and 3-D pooling), channel counts that
// are not a vector's, and the global pools. NaN as TensorFlow's CPU kernels
// take it: MaxPool skips it, a global max pool (a reduction) gives NaN.
#include "kernel_test_util.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cstring>
#include <limits>

using namespace kiln_test;

extern "C" {
#define KILN_POOL_DECLARATION(name)                                                                                 \
  void name(float *out, const float *in, int64_t batch, const int64_t *geometry, const kiln::abi::RunContext *run);
KILN_POOL_DECLARATION(kiln_max_pool)
KILN_POOL_DECLARATION(kiln_avg_pool)
KILN_POOL_DECLARATION(kiln_global_max_pool)
#undef KILN_POOL_DECLARATION
}

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using PoolKernel = void (*)(float *, const float *, int64_t, const int64_t *, const abi::RunContext *);
using Axes = std::array<int64_t, abi::kSpatialAxes>;  // depth, height, width

struct Case {
  int64_t batch;
  Axes in, window, stride;
  bool same;  // TF's 'same' padding, else 'valid'
  int64_t channels;
  std::string describe() const {
    auto axes = [](const Axes &v) {
      return std::to_string(v[0]) + "x" + std::to_string(v[1]) + "x" + std::to_string(v[2]);
    };
    return "batch=" + std::to_string(batch) + " in=" + axes(in) + "x" + std::to_string(channels) +
           " window=" + axes(window) + " stride=" + axes(stride) + (same ? " same" : " valid");
  }
  // TF's output sizes and padding: 'same' gives ceil(in / stride) outputs
  // and puts the smaller half of the padding before the first.
  abi::WindowGeometry geometry() const {
    abi::WindowGeometry g{};
    for (int a = 0; a < abi::kSpatialAxes; ++a) {
      g.in[a] = in[a], g.window[a] = window[a], g.stride[a] = stride[a];
      g.out[a] = same ? (in[a] + stride[a] - 1) / stride[a] : (in[a] - window[a]) / stride[a] + 1;
      g.padBefore[a] = same ? std::max<int64_t>((g.out[a] - 1) * stride[a] + window[a] - in[a], 0) / 2 : 0;
    }
    g.channels = channels;
    return g;
  }
};

int64_t outputSize(const abi::WindowGeometry &g, int64_t batch) {
  return batch * g.out[0] * g.out[1] * g.out[2] * g.channels;
}

// Calls visit(output index, input index) for every position of every
// output's window that lies inside the input.
template <class Visit>
void eachWindowPosition(const abi::WindowGeometry &g, int64_t batch, Visit visit) {
  int64_t c = g.channels;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oz = 0; oz < g.out[0]; ++oz)
      for (int64_t oy = 0; oy < g.out[1]; ++oy)
        for (int64_t ox = 0; ox < g.out[2]; ++ox)
          for (int64_t wz = 0; wz < g.window[0]; ++wz)
            for (int64_t wy = 0; wy < g.window[1]; ++wy)
              for (int64_t wx = 0; wx < g.window[2]; ++wx) {
                int64_t iz = oz * g.stride[0] + wz - g.padBefore[0], iy = oy * g.stride[1] + wy - g.padBefore[1];
                int64_t ix = ox * g.stride[2] + wx - g.padBefore[2];
                if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1] || ix < 0 || ix >= g.in[2]) continue;
                int64_t o = (((n * g.out[0] + oz) * g.out[1] + oy) * g.out[2] + ox) * c;
                int64_t i = (((n * g.in[0] + iz) * g.in[1] + iy) * g.in[2] + ix) * c;
                for (int64_t ch = 0; ch < c; ++ch) visit(o + ch, i + ch);
              }
}

// The bits of v: a NaN equals itself.
std::vector<uint32_t> bits(const std::vector<float> &v) {
  std::vector<uint32_t> b(v.size());
  std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
  return b;
}

// The kernel's output on one thread; on 2 and 5 (rows of windows split
// between them) it must be the same, bit for bit.
std::vector<float> runPool(PoolKernel kernel, const abi::WindowGeometry &g, int64_t batch,
                           const std::vector<float> &in) {
  auto run = [&](int32_t threads) {
    std::vector<float> out(size_t(outputSize(g, batch)), -7.0f);
    Run context(threads, 0);
    kernel(out.data(), in.data(), batch, reinterpret_cast<const int64_t *>(&g), context.get());
    return out;
  };
  std::vector<float> one = run(1);
  for (int32_t threads : {2, 5}) EXPECT_EQ(bits(run(threads)), bits(one)) << "on " << threads << " threads";
  return one;
}

void check(const Case &c) {
  abi::WindowGeometry g = c.geometry();
  if (g.out[0] < 1 || g.out[1] < 1 || g.out[2] < 1) return;  // the window is larger than the input
  std::vector<float> in = randomFloats(c.batch * c.in[0] * c.in[1] * c.in[2] * c.channels, 31, -4.0f, 4.0f);
  size_t n = size_t(outputSize(g, c.batch));
  std::vector<double> max(n, -DBL_MAX), sum(n, 0.0), magnitude(n, 0.0), count(n, 0.0);
  eachWindowPosition(g, c.batch, [&](int64_t o, int64_t i) {
    max[o] = std::max(max[o], double(in[i]));
    sum[o] += in[i], magnitude[o] += std::fabs(in[i]), count[o] += 1;
  });
  std::vector<double> mean(n), meanScale(n), exact(n, 0.0);
  for (size_t o = 0; o < n; ++o) {
    ASSERT_GT(count[o], 0) << "an empty window in " << c.describe();
    mean[o] = sum[o] / count[o], meanScale[o] = magnitude[o] / count[o];
  }
  expectNear(runPool(kiln_max_pool, g, c.batch, in), max, exact, "max " + c.describe());
  expectNear(runPool(kiln_avg_pool, g, c.batch, in), mean, meanScale, "average " + c.describe());
}

TEST(Pooling, TwoDimensionalWindowsStridesAndPadding) {
  for (int64_t window : {1, 2, 3, 4})
    for (int64_t stride : {1, 2, 3})
      for (bool same : {false, true}) check({2, {1, 9, 7}, {1, window, window}, {1, stride, stride}, same, 17});
}

TEST(Pooling, RowsSplitBetweenThreads) {
  // 2 * 30 rows of 30 windows of 3 x 3 x 40: enough work to split the rows.
  for (bool same : {false, true}) check({2, {1, 30, 30}, {1, 3, 3}, {1, 1, 1}, same, 40});
  check({3, {4, 12, 10}, {2, 2, 2}, {1, 2, 2}, true, 64});
}

TEST(Pooling, UnequalAxesAndChannelCounts) {
  for (int64_t channels : {1, 3, 16, 33}) {
    check({1, {1, 10, 5}, {1, 3, 2}, {1, 2, 1}, true, channels});
    check({3, {1, 6, 11}, {1, 2, 5}, {1, 3, 2}, false, channels});
  }
}

TEST(Pooling, OneAndThreeDimensional) {
  for (bool same : {false, true}) {
    check({2, {1, 1, 13}, {1, 1, 3}, {1, 1, 2}, same, 5});       // 1-D: steps x channels
    check({1, {1, 1, 7}, {1, 1, 7}, {1, 1, 1}, same, 20});       // one window over the steps
    check({2, {5, 6, 4}, {2, 3, 2}, {2, 1, 2}, same, 7});        // 3-D
    check({1, {3, 3, 3}, {3, 3, 3}, {2, 2, 2}, same, 1});
  }
}

TEST(Pooling, GlobalMaxIsOneWindowOverTheVolume) {
  for (Axes in : {Axes{1, 1, 9}, Axes{1, 7, 5}, Axes{3, 4, 5}}) {
    Case c{2, in, in, {1, 1, 1}, false, 19};
    abi::WindowGeometry g = c.geometry();
    std::vector<float> x = randomFloats(c.batch * in[0] * in[1] * in[2] * c.channels, 41, -4.0f, 4.0f);
    std::vector<double> want(size_t(outputSize(g, c.batch)), -INFINITY), exact(want.size(), 0.0);
    eachWindowPosition(g, c.batch, [&](int64_t o, int64_t i) { want[o] = std::max(want[o], double(x[i])); });
    expectNear(runPool(kiln_global_max_pool, g, c.batch, x), want, exact, "global max " + c.describe());
  }
}

TEST(Pooling, NotANumber) {
  // One window of 2 x 2 over one sample of 2 channels: channel 0 holds a NaN
  // among numbers, channel 1 only NaN and -inf.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> in = {1.0f, nan, nan, -INFINITY, 3.0f, nan, -2.0f, nan};
  abi::WindowGeometry g = Case{1, {1, 2, 2}, {1, 2, 2}, {1, 1, 1}, false, 2}.geometry();
  std::vector<float> max = runPool(kiln_max_pool, g, 1, in);
  EXPECT_EQ(max[0], 3.0f);
  EXPECT_EQ(max[1], -FLT_MAX);  // TF's MaxPool starts from the lowest finite float
  std::vector<float> global = runPool(kiln_global_max_pool, g, 1, in);
  EXPECT_TRUE(std::isnan(global[0]) && std::isnan(global[1]));
  std::vector<float> mean = runPool(kiln_avg_pool, g, 1, in);
  EXPECT_TRUE(std::isnan(mean[0]) && std::isnan(mean[1]));
}

}  // namespace
