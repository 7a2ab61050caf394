// kiln_recurrent against a naive step-by-step recurrence in double
// precision (Keras's equations), for every cell and register tile, over
// unit counts that leave partial blocks, with masks and going backwards,
// on one thread and split over several.
#include "codegen/LowerContext.h"
#include "kernel_test_util.h"

using namespace kiln;
using namespace kiln_test;

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

using Variant = TileVariant<decltype(&kiln_recurrent__6x1)>;
const Variant kVariants[] = KILN_TEST_VARIANTS(kiln_recurrent);

struct Case {
  abi::RecurrentCell cell;
  int64_t batch, steps, features, units;
  bool backwards, masked, sequences;
  bool projected = false;  // the input is x_t W already (inputProjected), in wider rows
};

// `pool` (may be null): also run on it, several times, against one thread.
void check(const Variant &v, const Case &c, const kiln_parallel *pool = nullptr) {
  std::string what = std::string(v.name) + " cell=" + std::to_string(c.cell) + " units=" + std::to_string(c.units) +
                     " batch=" + std::to_string(c.batch) + (c.backwards ? " backwards" : "") +
                     (c.masked ? " masked" : "") + (c.projected ? " projected" : "");
  const int64_t G = abi::recurrentGates(c.cell), u = c.units, T = c.steps, F = c.features;
  std::vector<float> x = randomFloats(c.batch * T * F, 11), W = randomFloats(F * G * u, 12, -0.5f, 0.5f);
  std::vector<float> U = randomFloats(u * G * u, 13, -0.5f, 0.5f), b = randomFloats(2 * G * u, 14, -0.5f, 0.5f);
  std::vector<float> mask(c.batch * T, 1.0f);
  if (c.masked)
    for (int64_t s = 0; s < c.batch; ++s) mask[s * T + (s + 1) % T] = 0.0f;

  // The reference: h, c per sample; Keras's gate order and equations.
  std::vector<double> want(c.batch * (c.sequences ? T : 1) * u);
  for (int64_t s = 0; s < c.batch; ++s) {
    std::vector<double> h(u, 0.0), cs(u, 0.0), out(u, 0.0);
    for (int64_t t = 0; t < T; ++t) {
      int64_t step = c.backwards ? T - 1 - t : t;
      if (mask[s * T + step] != 0.0f) {
        std::vector<double> xw(G * u), hu(G * u);
        for (int64_t j = 0; j < G * u; ++j) {
          xw[j] = b[j];
          hu[j] = c.cell == abi::kGRU ? b[G * u + j] : 0.0;
          for (int64_t f = 0; f < F; ++f) xw[j] += double(x[(s * T + step) * F + f]) * W[f * G * u + j];
          if (c.cell != abi::kGRUResetBefore || j < 2 * u)
            for (int64_t i = 0; i < u; ++i) hu[j] += h[i] * U[i * G * u + j];
        }
        std::vector<double> next(u);
        for (int64_t j = 0; j < u; ++j) {
          switch (c.cell) {
          case abi::kSimpleRNN: next[j] = std::tanh(xw[j] + hu[j]); break;
          case abi::kLSTM: {
            double i = sigmoid(xw[j] + hu[j]), f = sigmoid(xw[u + j] + hu[u + j]);
            double g = std::tanh(xw[2 * u + j] + hu[2 * u + j]), o = sigmoid(xw[3 * u + j] + hu[3 * u + j]);
            cs[j] = f * cs[j] + i * g;
            next[j] = o * std::tanh(cs[j]);
            break;
          }
          case abi::kGRU: {
            double z = sigmoid(xw[j] + hu[j]), r = sigmoid(xw[u + j] + hu[u + j]);
            double hh = std::tanh(xw[2 * u + j] + r * hu[2 * u + j]);
            next[j] = z * h[j] + (1 - z) * hh;
            break;
          }
          default: {
            double z = sigmoid(xw[j] + hu[j]), product = 0;
            for (int64_t i = 0; i < u; ++i)
              product += sigmoid(xw[u + i] + hu[u + i]) * h[i] * U[i * G * u + 2 * u + j];
            next[j] = z * h[j] + (1 - z) * std::tanh(xw[2 * u + j] + product);
          }
          }
        }
        h = out = next;
      }
      if (c.sequences)
        for (int64_t j = 0; j < u; ++j) want[(s * T + t) * u + j] = out[j];
    }
    if (!c.sequences)
      for (int64_t j = 0; j < u; ++j) want[s * u + j] = out[j];
  }

  std::vector<float> kernel = packGates(W, F, u, 0, G);
  std::vector<float> recurrent = c.cell == abi::kGRUResetBefore ? packGates(U, u, u, 0, 2) : packGates(U, u, u, 0, G);
  // Only the reset-before GRU has a separate candidate kernel (U's third gate).
  std::vector<float> candidate = c.cell == abi::kGRUResetBefore ? packGates(U, u, u, 2, 1) : std::vector<float>{};
  std::vector<float> bias = layOutGates(b.data(), u, G), recurrentBias = layOutGates(b.data() + G * u, u, G);
  // A projected input: x_t W in the gate layout, summed in double, in rows
  // of `stride` floats from column 16 (as Bidirectional's directions read
  // one row of both), the columns around it NaN.
  const int64_t width = abi::recurrentGateWidth(G, u), stride = width + 32, offset = c.projected ? 16 : 0;
  std::vector<float> input = x;
  if (c.projected) {
    input.assign(c.batch * T * stride, std::nanf(""));
    for (int64_t row = 0; row < c.batch * T; ++row) {
      std::vector<float> xw(G * u);
      for (int64_t j = 0; j < G * u; ++j) {
        double sum = 0;
        for (int64_t f = 0; f < F; ++f) sum += double(x[row * F + f]) * W[f * G * u + j];
        xw[j] = float(sum);
      }
      std::vector<float> laidOut = layOutGates(xw.data(), u, G);
      std::copy(laidOut.begin(), laidOut.end(), input.begin() + row * stride + offset);
    }
  }
  abi::RecurrentGeometry g{c.cell, T, c.projected ? stride : F, u, c.backwards, c.sequences, 0, c.projected};
  int64_t tempFloats = c.batch * abi::recurrentTemporary(T, abi::recurrentGateWidth(G, u), u).total;
  // The output, then the final h and c (return_state).
  const size_t outSize = want.size(), stateSize = size_t(c.batch * u);
  auto run = [&](int32_t threads, const kiln_parallel *parallel) {
    // 16 guard floats after the temporary memory the layer was sized for.
    std::vector<float> result(outSize + 2 * stateSize, -7.0f), temp(tempFloats + 16, 1234.5f);
    float *stateH = result.data() + outSize, *stateC = stateH + stateSize;
    Run context(threads, 0, parallel);
    v.kernel(result.data(), stateH, c.cell == abi::kLSTM ? stateC : nullptr, input.data() + offset,
             c.masked ? mask.data() : nullptr, nullptr, nullptr, c.projected ? nullptr : kernel.data(), bias.data(), recurrent.data(),
             c.cell == abi::kGRU ? recurrentBias.data() : nullptr,
             c.cell == abi::kGRUResetBefore ? candidate.data() : nullptr, temp.data(), c.batch,
             reinterpret_cast<const int64_t *>(&g), abi::kTanh, 0.0f, abi::kSigmoid, 0.0f, context.get());
    for (int64_t i = tempFloats; i < tempFloats + 16; ++i)
      EXPECT_EQ(temp[i], 1234.5f) << what << ": wrote past the temporary memory";
    return result;
  };
  std::vector<float> one = run(1, nullptr);
  // The states pass through T squashing steps: a loose, absolute bound.
  expectNear(std::vector<float>(one.begin(), one.begin() + outSize), want, std::vector<double>(outSize, 10.0), what);
  // Unmasked, the final h is the last output.
  if (!c.masked && !c.sequences) {
    EXPECT_EQ(std::vector<float>(one.begin() + outSize, one.begin() + outSize + stateSize),
              std::vector<float>(one.begin(), one.begin() + outSize))
        << what << ": final state";
  }
  for (int32_t threads : {2, 3}) EXPECT_EQ(run(threads, nullptr), one) << what << " on " << threads << " threads";
  for (int round = 0; pool && round < 20; ++round)
    ASSERT_EQ(run(pool->threads, pool), one) << what << " on the pool, round " << round;
}

TEST(Recurrent, EveryCellOverPartialBlocks) {
  for (const Variant &v : kVariants)
    for (abi::RecurrentCell cell : {abi::kSimpleRNN, abi::kLSTM, abi::kGRU, abi::kGRUResetBefore})
      for (int64_t units : {1, 7, 17, 33})
        check(v, {cell, 2, 5, 3, units, false, false, true});
}

TEST(Recurrent, ThreadsTakeSamplesWhenEachFillsTheTile) {
  // 29 samples: each of 2 threads takes 14 or 15 with every tile; 3 threads
  // share the units of each step instead. An odd and an even step count.
  for (const Variant &v : kVariants)
    for (abi::RecurrentCell cell : {abi::kSimpleRNN, abi::kLSTM, abi::kGRU, abi::kGRUResetBefore})
      for (int64_t steps : {5, 4}) {
        check(v, {cell, 29, steps, 3, 20, false, false, false});
        check(v, {cell, 29, steps, 3, 20, true, true, true});
      }
}

TEST(Recurrent, StepsSharedOnTheRuntimePool) {
  // One or two samples: the threads share each step's units and wait for
  // each other between steps (between the two phases of the reset-before
  // GRU). Eight threads, more than the cores of most machines that run the
  // tests: a thread that waits too long for a descheduled one leaves.
  kiln_pool *pool = kiln_pool_create(8);
  ASSERT_NE(pool, nullptr);
  for (const Variant &v : kVariants)
    for (abi::RecurrentCell cell : {abi::kLSTM, abi::kGRUResetBefore}) {
      check(v, {cell, 1, 7, 3, 200, false, false, true}, kiln_pool_parallel(pool));
      check(v, {cell, 2, 6, 3, 200, true, true, false}, kiln_pool_parallel(pool));
    }
  kiln_pool_destroy(pool);
}

TEST(Recurrent, ProjectedInputTakesOnlyTheBias) {
  for (const Variant &v : kVariants)
    for (abi::RecurrentCell cell : {abi::kSimpleRNN, abi::kLSTM, abi::kGRU, abi::kGRUResetBefore}) {
      check(v, {cell, 2, 5, 3, 17, false, false, true, true});
      check(v, {cell, 1, 6, 4, 40, true, true, false, true});
    }
}

TEST(Recurrent, MasksBackwardsAndLastOutput) {
  for (const Variant &v : kVariants)
    for (abi::RecurrentCell cell : {abi::kLSTM, abi::kGRU, abi::kGRUResetBefore}) {
      check(v, {cell, 3, 6, 4, 20, true, true, false});
      check(v, {cell, 7, 4, 9, 128, false, true, true});
    }
}

}  // namespace
