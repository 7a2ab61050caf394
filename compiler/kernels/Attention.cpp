// The attention core shared by Attention, AdditiveAttention and
// MultiHeadAttention (see abi::AttentionGeometry): for every sample, head and
// query, the scores against all keys, Keras's -1e9 added where a pair is
// masked, a softmax with the maximum subtracted, and the weighted sum of the
// values. MultiHeadAttention's projections run before and after it on the
// packed GEMM (Dense.cpp).
#include "Gemm.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

// Explicit mask tensors may be int32 or float32; nonzero means "attend".
KILN_INLINE bool attends(const void *mask, int64_t i, bool isInt) {
  return isInt ? static_cast<const int32_t *>(mask)[i] != 0 : static_cast<const float *>(mask)[i] != 0.0f;
}

// The scores of one query against every key. The head's keys come
// transposed, keysT[d * keys + j], so that the inner loops run along the keys
// over contiguous memory, without a reduction, and vectorise.
KILN_INLINE void scoreRow(float *__restrict s, const float *__restrict query, const float *__restrict keysT,
                          const float *scale, float concatWeight, const abi::AttentionGeometry &g) {
  const int64_t keys = g.keys;
  for (int64_t j = 0; j < keys; ++j) s[j] = 0.0f;
  switch (g.score) {
  case abi::kScoreDot: {
    // Blocks of 8 vectors of keys summed over d in registers, the rest as
    // the other scores; each key's sum runs over d in order either way.
    constexpr int64_t kBlock = 8 * abi::kPanelWidth;
    int64_t j0 = 0;
    for (; j0 + kBlock <= keys; j0 += kBlock) {
      v16 acc[8];
      KILN_UNROLL for (int u = 0; u < 8; ++u) acc[u] = splat(0.0f);
      for (int64_t d = 0; d < g.keyDim; ++d) {
        const float *row = keysT + d * keys + j0;
        KILN_UNROLL for (int u = 0; u < 8; ++u) acc[u] += query[d] * load16(row + u * abi::kPanelWidth);
      }
      KILN_UNROLL for (int u = 0; u < 8; ++u) store16(s + j0 + u * abi::kPanelWidth, acc[u]);
    }
    for (int64_t d = 0; d < g.keyDim; ++d) {
      const float qd = query[d], *row = keysT + d * keys;
      for (int64_t j = j0; j < keys; ++j) s[j] += qd * row[j];
    }
    if (scale)
      for (int64_t j = 0; j < keys; ++j) s[j] *= scale[0];
    break;
  }
  case abi::kScoreConcat: {
    const float c = scale ? scale[0] : 1.0f;  // multiplying by 1 is exact
    for (int64_t d = 0; d < g.keyDim; ++d) {
      const float qd = query[d], *row = keysT + d * keys;
      for (int64_t j = 0; j < keys; ++j) s[j] += tanhf(c * (qd + row[j]));
    }
    for (int64_t j = 0; j < keys; ++j) s[j] *= concatWeight;
    break;
  }
  default:  // kScoreAdditive
    for (int64_t d = 0; d < g.keyDim; ++d) {
      const float qd = query[d], c = scale ? scale[d] : 1.0f, *row = keysT + d * keys;
      for (int64_t j = 0; j < keys; ++j) s[j] += c * tanhf(qd + row[j]);
    }
    break;
  }
}

// o = the values' rows weighted by s, each output summed over the keys in
// order: up to four vectors of outputs in registers at a time.
KILN_INLINE void weightedSum(float *__restrict o, const float *__restrict s, const float *__restrict values,
                             const abi::AttentionGeometry &g) {
  int64_t e0 = 0;
  auto vectors = [&](auto count) {
    constexpr int N = decltype(count)::value;
    for (; e0 + N * abi::kPanelWidth <= g.valueDim; e0 += N * abi::kPanelWidth) {
      v16 acc[N];
      KILN_UNROLL for (int u = 0; u < N; ++u) acc[u] = splat(0.0f);
      for (int64_t j = 0; j < g.keys; ++j) {
        const float *row = values + j * g.valueStride + e0;
        KILN_UNROLL for (int u = 0; u < N; ++u) acc[u] += s[j] * load16(row + u * abi::kPanelWidth);
      }
      KILN_UNROLL for (int u = 0; u < N; ++u) store16(o + e0 + u * abi::kPanelWidth, acc[u]);
    }
  };
  vectors(Count<4>{});
  vectors(Count<1>{});
  for (int64_t e = e0; e < g.valueDim; ++e) o[e] = 0.0f;
  for (int64_t j = 0; j < g.keys; ++j) {
    const float w = s[j], *__restrict row = values + j * g.valueStride;
    for (int64_t e = e0; e < g.valueDim; ++e) o[e] += w * row[e];
  }
}

struct Masks {
  const void *query, *value, *key, *attention;  // this sample's, or null
};

// Keras subtracts 1e9 from masked scores rather than dropping them, so a row
// with every key masked still gets a (uniform) softmax; so does this.
// Returns false if every key is masked.
KILN_INLINE bool maskRow(float *s, int64_t i, const Masks &m, const abi::AttentionGeometry &g) {
  const bool causal = g.flags & abi::kAttendCausal;
  const bool rowMasked = m.query && !(g.flags & abi::kQueryMaskZeroesOutput) &&
                         !attends(m.query, i, g.flags & abi::kQueryMaskInt);
  if (!rowMasked && !m.value && !m.key && !m.attention) {  // at most causal: no test per key
    for (int64_t j = causal ? i + 1 : g.keys; j < g.keys; ++j) s[j] -= 1.0e9f;
    return true;
  }
  bool any = false;
  for (int64_t j = 0; j < g.keys; ++j) {
    bool keep = !rowMasked && (!causal || j <= i);
    if (m.value) keep = keep && attends(m.value, j, g.flags & abi::kValueMaskInt);
    if (m.key) keep = keep && attends(m.key, j, g.flags & abi::kKeyMaskInt);
    if (m.attention)
      keep = keep && attends(m.attention, (g.flags & abi::kAttentionMaskRow ? 0 : i) * g.keys + j,
                             g.flags & abi::kAttentionMaskInt);
    if (!keep) s[j] -= 1.0e9f;
    any = any || keep;
  }
  return any;
}

}  // namespace

// out: the context rows (see the geometry); weights (may be null): the
// softmax weights; outMask (may be null): the query mask as float32 1/0, the
// output mask of a call with explicit masks. `scale`: null, one float (dot,
// concat) or keyDim floats (additive). Each thread's workspace holds
// (keyDim + 1) * keys floats. Tasks are blocks of queries of one sample and
// head; each transposes its head's keys.
KILN_KERNEL void kiln_attention(float *out, float *weights, float *outMask, const float *q, const float *k,
                                const float *v, const void *queryMask, const void *valueMask, const void *keyMask,
                                const void *attentionMask, const float *scale, float concatWeight, int64_t batch,
                                const int64_t *geometry, const abi::RunContext *run) {
  const abi::AttentionGeometry &g = *reinterpret_cast<const abi::AttentionGeometry *>(geometry);
  auto masksOf = [&](int64_t b) {
    return Masks{queryMask ? static_cast<const char *>(queryMask) + 4 * b * g.queries : nullptr,
                 valueMask ? static_cast<const char *>(valueMask) + 4 * b * g.keys : nullptr,
                 keyMask ? static_cast<const char *>(keyMask) + 4 * b * g.keys : nullptr,
                 attentionMask ? static_cast<const char *>(attentionMask) +
                                     4 * b * (g.flags & abi::kAttentionMaskRow ? 1 : g.queries) * g.keys
                               : nullptr};
  };
  if (outMask)
    for (int64_t b = 0; b < batch; ++b) {
      Masks m = masksOf(b);
      for (int64_t i = 0; i < g.queries; ++i)
        outMask[b * g.queries + i] = !m.query || attends(m.query, i, g.flags & abi::kQueryMaskInt) ? 1.0f : 0.0f;
    }
  // Blocks of at least 16 queries, so that transposing the keys again for
  // every block costs little.
  const int64_t sampleHeads = batch * g.heads;
  const int64_t work = sampleHeads * g.queries * g.keys * (g.keyDim + g.valueDim);
  const int64_t mostBlocks = g.queries / 16 > 1 ? g.queries / 16 : 1;
  const int64_t blocks = (taskCount(run, work, sampleHeads * mostBlocks) + sampleHeads - 1) / sampleHeads;
  parallelFor(run, sampleHeads * blocks, [&](int64_t task, int32_t thread) {
    const int64_t b = task / blocks / g.heads, h = task / blocks % g.heads, block = task % blocks;
    const Masks m = masksOf(b);
    float *keysT = workspaceOf(run, thread), *s = keysT + g.keyDim * g.keys;
    const float *qs = q + b * g.querySample + h * g.keyDim;
    const float *ks = k + b * g.keySample + h * g.keyDim;
    const float *vs = v + b * g.valueSample + h * g.valueDim;
    float *os = out + b * g.outSample + h * g.valueDim;
    for (int64_t j = 0; j < g.keys; ++j)
      for (int64_t d = 0; d < g.keyDim; ++d) keysT[d * g.keys + j] = ks[j * g.keyStride + d];
    const Share queries = shareOf(block, blocks, g.queries);
    for (int64_t i = queries.begin; i < queries.end; ++i) {
      scoreRow(s, qs + i * g.queryStride, keysT, scale, concatWeight, g);
      if (maskRow(s, i, m, g) || !(g.flags & (abi::kMaskedRowsZero | abi::kMaskedRowsUniform)))
        softmaxRows(s, 1, g.keys, false);
      else
        for (int64_t j = 0; j < g.keys; ++j) s[j] = g.flags & abi::kMaskedRowsZero ? 0.0f : 1.0f / float(g.keys);
      if (weights) {
        float *w = weights + ((b * g.heads + h) * g.queries + i) * g.keys;
        for (int64_t j = 0; j < g.keys; ++j) w[j] = s[j];
      }
      float *o = os + i * g.outStride;
      weightedSum(o, s, vs, g);
      // Attention: result *= query_mask (Keras 2's BaseDenseAttention).
      if (m.query && (g.flags & abi::kQueryMaskZeroesOutput)) {
        const float keep = attends(m.query, i, g.flags & abi::kQueryMaskInt) ? 1.0f : 0.0f;
        for (int64_t e = 0; e < g.valueDim; ++e) o[e] *= keep;
      }
    }
  });
}
