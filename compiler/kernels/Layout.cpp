// Kernels that move data: concatenation, axis permutation, repetition.
#include "Common.h"

using namespace kiln;

// Copies each of `outer` chunks of `chunk` floats from `in` into rows of
// `rowSize` floats of `out`, at `offset` within the row (one Concatenate input).
KILN_KERNEL void kiln_concat_part(float *out, const float *in, int64_t outer, int64_t chunk, int64_t rowSize,
                                  int64_t offset, const abi::RunContext *) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < chunk; ++i) out[o * rowSize + offset + i] = in[o * chunk + i];
}

// out[b, i0, i1, ...] = in[b, (i0 * strides[0] + i1 * strides[1] + ...)]:
// a gather over the `rank` per-sample axes of `outDims` (Permute).
KILN_KERNEL void kiln_permute(float *out, const float *in, int64_t batch, int64_t rank, const int64_t *outDims,
                              const int64_t *inStrides, int64_t sampleSize, const abi::RunContext *) {
  int64_t index[abi::kMaxRank] = {0};
  for (int64_t b = 0; b < batch; ++b) {
    const float *sample = in + b * sampleSize;
    float *dst = out + b * sampleSize;
    for (int64_t i = 0; i < rank; ++i) index[i] = 0;
    for (int64_t n = 0; n < sampleSize; ++n) {
      int64_t offset = 0;
      for (int64_t i = 0; i < rank; ++i) offset += index[i] * inStrides[i];
      dst[n] = sample[offset];
      for (int64_t i = rank - 1; i >= 0; --i) {  // next multi-index, last axis fastest
        if (++index[i] < outDims[i]) break;
        index[i] = 0;
      }
    }
  }
}

// out[b, r, :] = in[b, :] for r < repeats (RepeatVector).
KILN_KERNEL void kiln_repeat(float *out, const float *in, int64_t batch, int64_t repeats, int64_t features,
                             const abi::RunContext *) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < repeats; ++r)
      for (int64_t f = 0; f < features; ++f) out[(b * repeats + r) * features + f] = in[b * features + f];
}
