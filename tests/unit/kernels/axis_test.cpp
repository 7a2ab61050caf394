// The kernels that reduce or normalise along an axis, against their
// definitions in double precision over odd sizes (1, 7, 17, 33): layer,
// group, RMS and unit normalization, softmax and log-softmax over any axis, Keras's Dot (with and
// without normalize), the reductions of tensor math, its matrix product and
// the per-channel affine map of inference-time batch normalization, and
// tensor math's reading of int32 tensors.
#include "kernel_test_util.h"

using namespace kiln_test;

extern "C" {
using kiln::abi::RunContext;
void kiln_layer_norm(float *out, const float *in, const float *gamma, const float *beta, int64_t rows, int64_t cols,
                     float epsilon, const RunContext *run);
void kiln_group_norm(float *out, const float *in, const float *gamma, const float *beta, int64_t batch,
                     int64_t positions, int64_t channels, int64_t groups, float epsilon, const RunContext *run);
void kiln_rms_norm(float *out, const float *in, const float *scale, int64_t rows, int64_t cols, float epsilon,
                   int32_t unit, const RunContext *run);
void kiln_softmax_axis(float *out, const float *in, int64_t outer, int64_t axis, int64_t inner, int32_t logarithm,
                       const RunContext *run);
void kiln_dot(float *out, const float *x, const float *y, int64_t batch, int64_t p, int64_t k, int64_t q, int64_t r,
              int64_t s, int32_t normalize, const RunContext *run);
void kiln_expr_reduce(float *out, const float *in, int64_t outer, int64_t axis, int64_t inner, int32_t op,
                      const RunContext *run);
void kiln_expr_matmul(float *out, const float *x, const float *w, int64_t rows, int64_t k, int64_t n,
                      const RunContext *run);
void kiln_channel_affine(float *out, const float *in, const float *scale, const float *shift, int64_t outer,
                         int64_t channels, int64_t inner, const RunContext *run);
void kiln_expr_map(float *out, const float *const *operands, int64_t batch, const int64_t *geometry,
                   const int64_t *code, int64_t length, const float *immediates, const RunContext *run);
void kiln_expr_from_int32(float *out, const int32_t *in, int64_t count, const RunContext *run);
}

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

const int64_t kSizes[] = {1, 7, 17, 33};

TEST(AxisKernels, LayerNormalization) {
  for (int64_t cols : kSizes)
    for (bool affine : {true, false}) {
      int64_t rows = 5;
      std::vector<float> in = randomFloats(rows * cols, 81, -3.0f, 5.0f), gamma = randomFloats(cols, 82),
                         beta = randomFloats(cols, 83);
      const float epsilon = 1e-3f;
      std::vector<double> want(in.size()), scale(in.size());
      for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, variance = 0;
        for (int64_t c = 0; c < cols; ++c) mean += in[r * cols + c] / double(cols);
        for (int64_t c = 0; c < cols; ++c) variance += std::pow(in[r * cols + c] - mean, 2) / double(cols);
        for (int64_t c = 0; c < cols; ++c) {
          double y = (in[r * cols + c] - mean) / std::sqrt(variance + epsilon);
          want[r * cols + c] = affine ? y * gamma[c] + beta[c] : y;
          scale[r * cols + c] = 8 * (std::fabs(y) + 1);  // the mean's and variance's rounding, scaled by 1/sigma
        }
      }
      std::vector<float> out(in.size(), -7.0f);
      kiln_layer_norm(out.data(), in.data(), affine ? gamma.data() : nullptr, affine ? beta.data() : nullptr, rows,
                      cols, epsilon, nullptr);
      expectNear(out, want, scale, "layer norm of " + std::to_string(cols) + (affine ? " with gamma, beta" : ""));
    }
}

TEST(AxisKernels, GroupNormalization) {
  for (int64_t positions : kSizes)
    for (auto [channels, groups] : {std::pair<int64_t, int64_t>{7, 7}, {12, 4}, {12, 1}, {34, 17}})
      for (bool affine : {true, false}) {
        int64_t batch = 3, width = channels / groups;
        std::vector<float> in = randomFloats(batch * positions * channels, 85, -3.0f, 5.0f),
                           gamma = randomFloats(channels, 86), beta = randomFloats(channels, 87);
        const float epsilon = 1e-3f;
        std::vector<double> want(in.size()), scale(in.size());
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t g = 0; g < groups; ++g) {
            auto at = [&](int64_t p, int64_t c) { return size_t((b * positions + p) * channels + g * width + c); };
            double mean = 0, variance = 0, n = double(positions * width);
            for (int64_t p = 0; p < positions; ++p)
              for (int64_t c = 0; c < width; ++c) mean += in[at(p, c)] / n;
            for (int64_t p = 0; p < positions; ++p)
              for (int64_t c = 0; c < width; ++c) variance += std::pow(in[at(p, c)] - mean, 2) / n;
            for (int64_t p = 0; p < positions; ++p)
              for (int64_t c = 0; c < width; ++c) {
                double y = (in[at(p, c)] - mean) / std::sqrt(variance + epsilon);
                want[at(p, c)] = affine ? y * gamma[g * width + c] + beta[g * width + c] : y;
                scale[at(p, c)] = 8 * (std::fabs(y) + 1);
              }
          }
        std::vector<float> out(in.size(), -7.0f);
        kiln_group_norm(out.data(), in.data(), affine ? gamma.data() : nullptr, affine ? beta.data() : nullptr, batch,
                        positions, channels, groups, epsilon, nullptr);
        expectNear(out, want, scale,
                   "group norm of " + std::to_string(positions) + " x " + std::to_string(channels) + " in " +
                       std::to_string(groups) + " groups" + (affine ? " with gamma, beta" : ""));
      }
}

TEST(AxisKernels, RmsAndUnitNormalization) {
  for (int64_t cols : kSizes)
    for (int32_t unit : {0, 1})
      for (bool scaled : {true, false}) {
        int64_t rows = 4;
        std::vector<float> in = randomFloats(rows * cols, 88, -3.0f, 5.0f), scale = randomFloats(cols, 89);
        for (int64_t c = 0; c < cols; ++c) in[c] = 0.0f;  // a zero row: the floor keeps it finite
        const float epsilon = unit ? 1e-12f : 1e-6f;
        std::vector<double> want(in.size()), tolerance(in.size());
        for (int64_t r = 0; r < rows; ++r) {
          double squares = 0;
          for (int64_t c = 0; c < cols; ++c) squares += double(in[r * cols + c]) * in[r * cols + c];
          double inv = unit ? 1 / std::sqrt(std::max(squares, double(epsilon))) : 1 / std::sqrt(squares / cols + epsilon);
          for (int64_t c = 0; c < cols; ++c) {
            double y = in[r * cols + c] * inv;
            want[r * cols + c] = scaled ? y * scale[c] : y;
            tolerance[r * cols + c] = 4 * (std::fabs(want[r * cols + c]) + 1);
          }
        }
        std::vector<float> out(in.size(), -7.0f);
        kiln_rms_norm(out.data(), in.data(), scaled ? scale.data() : nullptr, rows, cols, epsilon, unit, nullptr);
        expectNear(out, want, tolerance,
                   std::string(unit ? "unit" : "RMS") + " norm of " + std::to_string(cols) + (scaled ? " scaled" : ""));
      }
}

TEST(AxisKernels, SoftmaxOverEveryAxisPosition) {
  for (int64_t axis : kSizes)
    for (int64_t inner : {1, 3})
      for (int32_t logarithm : {0, 1})
        for (float spread : {6.0f, 500.0f}) {  // exp overflows unless the maximum is subtracted
          int64_t outer = 4;
          std::vector<float> in = randomFloats(outer * axis * inner, 84, -spread, spread);
          std::vector<double> want(in.size()), scale(in.size());
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
              auto at = [&](int64_t k) { return size_t((o * axis + k) * inner + i); };
              double top = -INFINITY, sum = 0;
              for (int64_t k = 0; k < axis; ++k) top = std::max(top, double(in[at(k)]));
              for (int64_t k = 0; k < axis; ++k) sum += std::exp(in[at(k)] - top);
              for (int64_t k = 0; k < axis; ++k)
                want[at(k)] = logarithm ? in[at(k)] - top - std::log(sum) : std::exp(in[at(k)] - top) / sum;
            }
          for (size_t at = 0; at < want.size(); ++at) scale[at] = 4 * (std::fabs(want[at]) + 1);
          std::vector<float> out(in.size(), -7.0f);
          kiln_softmax_axis(out.data(), in.data(), outer, axis, inner, logarithm, nullptr);
          expectNear(out, want, scale,
                     std::string(logarithm ? "log-" : "") + "softmax over " + std::to_string(axis) + " x " +
                         std::to_string(inner));
        }
}

TEST(AxisKernels, DotWithAndWithoutNormalize) {
  struct Shape {
    int64_t p, k, q, r, s;
  };
  for (Shape d : {Shape{1, 7, 1, 1, 1}, Shape{3, 17, 1, 1, 2}, Shape{1, 5, 4, 3, 1}, Shape{2, 33, 2, 2, 3}})
    for (int32_t normalize : {0, 1}) {
      int64_t batch = 2;
      std::vector<float> x = randomFloats(batch * d.p * d.k * d.q, 85), y = randomFloats(batch * d.r * d.k * d.s, 86);
      std::vector<double> want(batch * d.p * d.q * d.r * d.s), scale(want.size());
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t pi = 0; pi < d.p; ++pi)
          for (int64_t qi = 0; qi < d.q; ++qi)
            for (int64_t ri = 0; ri < d.r; ++ri)
              for (int64_t si = 0; si < d.s; ++si) {
                double dot = 0, magnitude = 0, xx = 0, yy = 0;
                for (int64_t ki = 0; ki < d.k; ++ki) {
                  double xv = x[((b * d.p + pi) * d.k + ki) * d.q + qi], yv = y[((b * d.r + ri) * d.k + ki) * d.s + si];
                  dot += xv * yv, magnitude += std::fabs(xv * yv), xx += xv * xv, yy += yv * yv;
                }
                double norm = normalize ? std::sqrt(xx) * std::sqrt(yy) : 1.0;
                size_t at = size_t((((b * d.p + pi) * d.q + qi) * d.r + ri) * d.s + si);
                want[at] = dot / norm, scale[at] = (magnitude + (normalize ? 2 : 0)) / norm;
              }
      std::vector<float> out(want.size(), -7.0f);
      kiln_dot(out.data(), x.data(), y.data(), batch, d.p, d.k, d.q, d.r, d.s, normalize, nullptr);
      expectNear(out, want, scale, "dot over " + std::to_string(d.k) + (normalize ? ", normalized" : ""));
    }
}

TEST(AxisKernels, ReductionsMatrixProductAndChannelAffine) {
  for (int64_t axis : kSizes) {
    int64_t outer = 3, inner = 5;
    std::vector<float> in = randomFloats(outer * axis * inner, 87, 0.5f, 1.5f);
    for (int32_t op : {abi::kReduceSum, abi::kReduceMean, abi::kReduceMax, abi::kReduceMin, abi::kReduceProd}) {
      std::vector<double> want(outer * inner), scale(want.size());
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          double acc = op == abi::kReduceProd ? 1 : op == abi::kReduceMax ? -INFINITY : op == abi::kReduceMin ? INFINITY : 0;
          for (int64_t k = 0; k < axis; ++k) {
            double v = in[(o * axis + k) * inner + i];
            acc = op == abi::kReduceProd  ? acc * v
                  : op == abi::kReduceMax ? std::max(acc, v)
                  : op == abi::kReduceMin ? std::min(acc, v)
                                          : acc + v;
          }
          want[o * inner + i] = op == abi::kReduceMean ? acc / double(axis) : acc;
          scale[o * inner + i] = std::fabs(want[o * inner + i]) * double(axis);
        }
      std::vector<float> out(want.size(), -7.0f);
      kiln_expr_reduce(out.data(), in.data(), outer, axis, inner, op, nullptr);
      expectNear(out, want, scale, "reduction " + std::to_string(op) + " over " + std::to_string(axis));
    }

    int64_t rows = 4, n = 9;
    std::vector<float> x = randomFloats(rows * axis, 88), w = randomFloats(axis * n, 89);
    std::vector<double> product(rows * n, 0.0), magnitude(rows * n, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t k = 0; k < axis; ++k) {
          product[r * n + j] += double(x[r * axis + k]) * w[k * n + j];
          magnitude[r * n + j] += std::fabs(double(x[r * axis + k]) * w[k * n + j]);
        }
    std::vector<float> out(product.size(), -7.0f);
    kiln_expr_matmul(out.data(), x.data(), w.data(), rows, axis, n, nullptr);
    expectNear(out, product, magnitude, "matrix product over " + std::to_string(axis));

    std::vector<float> gain = randomFloats(axis, 90), shift = randomFloats(axis, 91);
    std::vector<double> affine(in.size()), affineScale(in.size());
    for (size_t at = 0; at < in.size(); ++at) {
      int64_t c = int64_t(at) / inner % axis;
      affine[at] = double(in[at]) * gain[c] + shift[c];
      affineScale[at] = std::fabs(double(in[at]) * gain[c]) + std::fabs(shift[c]);
    }
    std::vector<float> mapped(in.size(), -7.0f);
    kiln_channel_affine(mapped.data(), in.data(), gain.data(), shift.data(), outer, axis, inner, nullptr);
    expectNear(mapped, affine, affineScale, "channel affine over " + std::to_string(axis));
  }
}

TEST(AxisKernels, ElementwiseMapSplitBetweenThreads) {
  // out[b, i, j] = x[b, i, j] * y[j] + 1.5 over 3 samples of 60 x 77: enough
  // work for two tasks, which split a sample.
  const int64_t batch = 3, rows = 60, cols = 77, size = rows * cols;
  std::vector<float> x = randomFloats(batch * size, 95), y = randomFloats(cols, 96);
  const float *operands[] = {x.data(), y.data()};
  const int64_t geometry[] = {2, size, 2, rows, cols, size, cols, 1, 0, 0, 1};
  const int64_t code[] = {abi::kMapOperand, 0, 0, abi::kMapOperand, 1, 0, abi::kMapBinary, abi::kMultiply, 0,
                          abi::kMapImmediate, 0, 0, abi::kMapBinary, abi::kAdd, 0};
  const float immediates[] = {1.5f};
  auto run = [&](int32_t threads) {
    std::vector<float> out(x.size(), -7.0f);
    kiln_test::Run context(threads, 0);
    kiln_expr_map(out.data(), operands, batch, geometry, code, 5, immediates, context.get());
    return out;
  };
  std::vector<float> one = run(1);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        int64_t at = (b * rows + i) * cols + j;
        ASSERT_EQ(one[at], x[at] * y[j] + 1.5f) << "sample " << b << " at " << i << ", " << j;
      }
  for (int32_t threads : {2, 5}) EXPECT_EQ(run(threads), one) << "on " << threads << " threads";
}

TEST(AxisKernels, Int32ValuesAsFloat32) {
  // Token ids, negative values and the largest exact integers (2^24).
  for (int64_t count : {1, 7, 17, 33}) {
    std::vector<int32_t> in;
    for (int64_t i = 0; i < count; ++i) in.push_back(i % 3 == 0 ? int32_t(i * 7919) : i % 3 == 1 ? -int32_t(i) : 16777216 - int32_t(i));
    std::vector<float> out(size_t(count) + 1, -7.0f);
    kiln_test::Run context(1, 0);
    kiln_expr_from_int32(out.data(), in.data(), count, context.get());
    for (int64_t i = 0; i < count; ++i) ASSERT_EQ(double(out[i]), double(in[i])) << "count " << count << " at " << i;
    EXPECT_EQ(out[count], -7.0f) << "written past " << count;
  }
}

}  // namespace
