// kiln_attention against the computation Keras's attention layers describe,
// in double precision: dot scores (scaled or not), concat and additive
// scores, several heads interleaved as MultiHeadAttention lays them out,
// causal attention, float32 and int32 masks on queries, values, keys and
// pairs (a masked pair's score minus 1e9, so a row with every key masked is
// uniform; one row of pairs for every query), Attention's zeroing of masked queries, Keras 3's zero or
// uniform rows where every key is masked, the softmax weights and the output mask.
#include "kernel_test_util.h"

#include <memory>

using namespace kiln_test;

extern "C" void kiln_attention(float *out, float *weights, float *outMask, const float *q, const float *k,
                               const float *v, const void *queryMask, const void *valueMask, const void *keyMask,
                               const void *attentionMask, const float *scale, float concatWeight, int64_t batch,
                               const int64_t *geometry, const kiln::abi::RunContext *run);

namespace {

namespace abi = kiln::abi;  // not the global one gtest's <cxxabi.h> declares

// A mask of 0/1 values stored as float32 or int32, nonzero meaning "attend".
struct Mask {
  bool present = false, isInt = false;
  std::vector<float> floats;
  std::vector<int32_t> ints;
  void fill(size_t n, uint32_t seed, bool asInt) {
    present = true, isInt = asInt;
    std::vector<float> r = randomFloats(n, seed, 0.0f, 1.0f);
    // Any nonzero value attends, not only 1.
    for (float x : r) {
      if (isInt) ints.push_back(x < 0.35f ? 1 : x < 0.7f ? -3 : 0);
      else floats.push_back(x < 0.35f ? 1.0f : x < 0.7f ? 2.5f : 0.0f);
    }
  }
  bool attends(size_t i) const { return !present || (isInt ? ints[i] != 0 : floats[i] != 0.0f); }
  const void *data() const { return !present ? nullptr : isInt ? (const void *)ints.data() : floats.data(); }
};

struct Case {
  int64_t batch = 2, queries = 6, keys = 9, keyDim = 5, valueDim = 7, heads = 1;
  abi::AttentionScore score = abi::kScoreDot;
  bool scaled = true, causal = false, queryMaskZeroesOutput = false;
  bool pairRow = false;  // the pair mask is one row of keys for every query (kAttentionMaskRow)
  int64_t maskedRows = 0;  // kMaskedRowsZero or kMaskedRowsUniform: a row with every key masked
  float spread = 1.0f;     // scales the queries: large scores
  Mask query, value, key, pair;
  std::string name;
};

double scoreOf(const Case &c, const float *q, const float *k, const std::vector<float> &scale, float concatWeight) {
  double s = 0;
  for (int64_t d = 0; d < c.keyDim; ++d) switch (c.score) {
    case abi::kScoreDot: s += double(q[d]) * k[d]; break;
    case abi::kScoreConcat: s += std::tanh((c.scaled ? scale[0] : 1.0) * (double(q[d]) + k[d])); break;
    default: s += (c.scaled ? scale[d] : 1.0) * std::tanh(double(q[d]) + k[d]); break;
    }
  if (c.score == abi::kScoreDot && c.scaled) s *= scale[0];
  if (c.score == abi::kScoreConcat) s *= concatWeight;
  return s;
}

void check(const Case &c) {
  int64_t qWidth = c.heads * c.keyDim, vWidth = c.heads * c.valueDim;
  std::vector<float> q = randomFloats(c.batch * c.queries * qWidth, 61);
  for (float &x : q) x *= c.spread;
  std::vector<float> k = randomFloats(c.batch * c.keys * qWidth, 62);
  std::vector<float> v = randomFloats(c.batch * c.keys * vWidth, 63);
  std::vector<float> scale = randomFloats(c.score == abi::kScoreAdditive ? c.keyDim : 1, 64, 0.2f, 1.5f);
  const float concatWeight = 0.75f;
  abi::AttentionGeometry g{c.queries, c.keys, c.keyDim, c.valueDim, c.heads,
                           qWidth,    qWidth, vWidth,   vWidth,     c.queries * qWidth,
                           c.keys * qWidth, c.keys * vWidth, c.queries * vWidth, c.score, 0};
  g.flags = (c.causal ? int64_t(abi::kAttendCausal) : 0) | (c.queryMaskZeroesOutput ? int64_t(abi::kQueryMaskZeroesOutput) : 0) |
            (c.query.isInt ? int64_t(abi::kQueryMaskInt) : 0) | (c.value.isInt ? int64_t(abi::kValueMaskInt) : 0) |
            (c.key.isInt ? int64_t(abi::kKeyMaskInt) : 0) | (c.pair.isInt ? int64_t(abi::kAttentionMaskInt) : 0) |
            (c.pairRow ? int64_t(abi::kAttentionMaskRow) : 0) | c.maskedRows;

  std::vector<double> want(c.batch * c.queries * vWidth), scale_(want.size());
  std::vector<double> wantWeights(c.batch * c.heads * c.queries * c.keys);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t i = 0; i < c.queries; ++i) {
        bool queryAttends = c.query.attends(b * c.queries + i);
        std::vector<double> s(c.keys);
        double top = -INFINITY;
        bool anyKept = false;
        for (int64_t j = 0; j < c.keys; ++j) {
          bool keep = (queryAttends || c.queryMaskZeroesOutput) && (!c.causal || j <= i) &&
                      c.value.attends(b * c.keys + j) && c.key.attends(b * c.keys + j) &&
                      c.pair.attends((b * (c.pairRow ? 1 : c.queries) + (c.pairRow ? 0 : i)) * c.keys + j);
          // Keras adds -1e9 in float32, which absorbs a score this small.
          s[j] = keep ? scoreOf(c, &q[(b * c.queries + i) * qWidth + h * c.keyDim],
                                &k[(b * c.keys + j) * qWidth + h * c.keyDim], scale, concatWeight)
                      : -1.0e9;
          top = std::max(top, s[j]);
          anyKept = anyKept || keep;
        }
        double total = 0;
        for (double &x : s) total += x = std::exp(x - top);
        if (!anyKept && c.maskedRows) {
          total = 1;
          for (double &x : s) x = c.maskedRows == abi::kMaskedRowsZero ? 0.0 : 1.0 / double(c.keys);
        }
        for (int64_t j = 0; j < c.keys; ++j) wantWeights[((b * c.heads + h) * c.queries + i) * c.keys + j] = s[j] / total;
        bool zero = c.queryMaskZeroesOutput && !queryAttends;
        for (int64_t e = 0; e < c.valueDim; ++e) {
          double o = 0, magnitude = 0;
          for (int64_t j = 0; j < c.keys; ++j) {
            double term = s[j] / total * v[(b * c.keys + j) * vWidth + h * c.valueDim + e];
            o += term, magnitude += std::fabs(term);
          }
          size_t at = size_t((b * c.queries + i) * vWidth + h * c.valueDim + e);
          want[at] = zero ? 0.0 : o, scale_[at] = magnitude;
        }
      }

  // The output, weights and output mask on `threads` threads: one after the
  // other, or on the runtime's pool of three.
  auto run = [&](int32_t threads, const kiln_parallel *parallel) {
    std::vector<float> out(want.size(), -7.0f), weights(wantWeights.size(), -7.0f), outMask(c.batch * c.queries, -7.0f);
    Run context(threads, (c.keyDim + 1) * c.keys * 4, parallel);
    kiln_attention(out.data(), weights.data(), outMask.data(), q.data(), k.data(), v.data(), c.query.data(),
                   c.value.data(), c.key.data(), c.pair.data(), c.scaled ? scale.data() : nullptr, concatWeight,
                   c.batch, reinterpret_cast<const int64_t *>(&g), context.get());
    out.insert(out.end(), weights.begin(), weights.end());
    out.insert(out.end(), outMask.begin(), outMask.end());
    return out;
  };
  const std::vector<float> all = run(1, nullptr);
  for (int32_t threads : {2, 5}) EXPECT_EQ(run(threads, nullptr), all) << c.name << " on " << threads << " threads";
  static std::unique_ptr<kiln_pool, void (*)(kiln_pool *)> pool(kiln_pool_create(3), kiln_pool_destroy);
  EXPECT_EQ(run(3, kiln_pool_parallel(pool.get())), all) << c.name << " on a pool of 3 threads";
  const std::vector<float> out(all.begin(), all.begin() + want.size());
  const std::vector<float> weights(all.begin() + want.size(), all.begin() + want.size() + wantWeights.size());
  const std::vector<float> outMask(all.begin() + want.size() + wantWeights.size(), all.end());
  expectNear(out, want, scale_, c.name + ": output");
  std::vector<double> weightScale(wantWeights.size(), 1.0);
  expectNear(weights, wantWeights, weightScale, c.name + ": weights");
  std::vector<double> wantMask(outMask.size());
  for (size_t i = 0; i < wantMask.size(); ++i) wantMask[i] = c.query.attends(i) ? 1.0 : 0.0;
  expectNear(outMask, wantMask, std::vector<double>(wantMask.size(), 0.0), c.name + ": output mask");
}

TEST(Attention, ScoresHeadsAndScales) {
  for (abi::AttentionScore score : {abi::kScoreDot, abi::kScoreConcat, abi::kScoreAdditive})
    for (bool scaled : {true, false}) {
      Case c;
      c.score = score, c.scaled = scaled;
      c.name = "score " + std::to_string(score) + (scaled ? " scaled" : "");
      check(c);
    }
  Case heads;
  heads.heads = 3, heads.queries = 4, heads.keys = 11, heads.keyDim = 8, heads.valueDim = 3;
  heads.name = "three heads";
  check(heads);
}

TEST(Attention, CausalAndMasks) {
  for (bool asInt : {false, true}) {
    Case causal;
    causal.queries = causal.keys = 7, causal.heads = 2, causal.causal = true;
    causal.value.fill(causal.batch * causal.keys, 71, asInt);
    causal.name = "causal with a value mask";
    check(causal);

    Case masks;  // MultiHeadAttention: a masked query masks its scores
    masks.heads = 2;
    masks.query.fill(masks.batch * masks.queries, 72, asInt);
    masks.key.fill(masks.batch * masks.keys, 73, asInt);
    masks.pair.fill(masks.batch * masks.queries * masks.keys, 74, asInt);
    masks.name = "query, key and pair masks";
    check(masks);

    Case row;  // a padding mask (batch, 1, keys) broadcast over the queries
    row.heads = 2, row.pairRow = true;
    row.pair.fill(row.batch * row.keys, 77, asInt);
    row.name = "a pair mask of one row";
    check(row);

    Case zeroes;  // Attention: a masked query's output is zero
    zeroes.queryMaskZeroesOutput = true;
    zeroes.query.fill(zeroes.batch * zeroes.queries, 75, asInt);
    zeroes.value.fill(zeroes.batch * zeroes.keys, 76, asInt);
    zeroes.name = "masked queries zeroed";
    check(zeroes);
  }
}

TEST(Attention, QueriesSplitBetweenThreads) {
  // 64 queries against 64 keys: enough work for four tasks of 16 queries.
  Case c;
  c.batch = 1, c.queries = c.keys = 64, c.keyDim = c.valueDim = 16, c.causal = true;
  c.query.fill(c.queries, 77, false);
  c.pair.fill(c.queries * c.keys, 78, true);
  c.name = "64 causal queries with query and pair masks";
  check(c);
  Case heads;
  heads.heads = 3, heads.queries = 40, heads.keys = 33, heads.keyDim = heads.valueDim = 12;
  heads.name = "two samples of three heads of 40 queries";
  check(heads);
}

TEST(Attention, ManyKeys) {
  // 150 keys: one block of 128 dot products summed in registers, 22 more;
  // the softmax's maximum over vectors and a tail.
  for (bool causal : {false, true}) {
    Case c;
    c.queries = 20, c.keys = 150, c.keyDim = 9, c.valueDim = 4, c.causal = causal;
    c.name = std::string("150 keys") + (causal ? ", causal" : "");
    check(c);
  }
  Case wide;  // 83 values: four vectors, one more and 3 lanes
  wide.queries = 3, wide.keys = 40, wide.valueDim = 83, wide.heads = 2;
  wide.name = "83 values per head";
  check(wide);
  Case masked;
  masked.queries = 5, masked.keys = 130, masked.heads = 2;
  masked.value.fill(masked.batch * masked.keys, 79, false);
  masked.name = "130 keys, a value mask";
  check(masked);
}

TEST(Attention, EveryKeyMaskedIsUniform) {
  Case c;
  c.value.fill(c.batch * c.keys, 0, false);
  for (float &x : c.value.floats) x = 0.0f;
  c.name = "every key masked";
  check(c);
}

// Scores in the hundreds, where a softmax of the scores less 1e9 (in
// float32) is no longer uniform: Keras 3's dot_product_attention gives such
// a row uniform weights, its Softmax layer zero weights.
TEST(Attention, EveryKeyMaskedWithLargeScores) {
  for (int64_t rows : {int64_t(abi::kMaskedRowsUniform), int64_t(abi::kMaskedRowsZero)}) {
    Case c;
    c.heads = 2, c.spread = 60.0f, c.maskedRows = rows;
    c.query.fill(c.batch * c.queries, 81, false);
    c.value.fill(c.batch * c.keys, 82, false);
    for (int64_t j = 0; j < c.keys; ++j) c.value.floats[j] = 0.0f;  // the first sample's keys all masked
    c.name = rows == abi::kMaskedRowsZero ? "every key masked, zero rows" : "every key masked, uniform rows";
    check(c);
  }
}

}  // namespace
