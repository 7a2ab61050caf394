// Kernels for sequences: embedding lookup and masking.
#include "Parallel.h"
#include "VectorMath.h"

using namespace kiln;
using namespace kiln::kernels;

namespace {

// One row of the table per id; an id outside [0, vocabulary) gives zeros
// (as TensorFlow's gather does on GPUs) and is never read through. Float ids
// truncate toward zero, as tf.cast does; they are range-checked as floats
// first (converting NaN or a huge value to an integer is undefined), and a
// NaN id is nonzero for the mask, as its cast (INT_MIN) is. The rows are
// copied a vector at a time and split over the threads: a recurrent layer's
// projected table has rows of its gate width (512 floats for an LSTM of
// 128 units), and the lookup for every step of a batch is megabytes.
template <class Id>
KILN_INLINE void lookup(float *out, float *mask, const Id *ids, const float *table, int64_t count, int64_t vocabulary,
                        int64_t dim, const abi::RunContext *run) {
  const int64_t tasks = taskCount(run, count * dim, count);
  parallelFor(run, tasks, [&](int64_t task, int32_t) {
    const Share share = shareOf(task, tasks, count);
    for (int64_t i = share.begin; i < share.end; ++i) {
      Id id = ids[i];
      bool valid = id >= 0 && id < vocabulary;
      const float *row = table + (valid ? int64_t(id) : 0) * dim;
      float *to = out + i * dim;
      int64_t d = 0;
      for (; d + 16 <= dim; d += 16) store16(to + d, valid ? load16(row + d) : v16{});
      for (; d < dim; ++d) to[d] = valid ? row[d] : 0.0f;
      if (mask) mask[i] = id > -1 && id < 1 ? 0.0f : 1.0f;
    }
  });
}

}  // namespace

// out[i, :] = table[ids[i], :]; with `mask`, also mask[i] = (ids[i] != 0).
KILN_KERNEL void kiln_embedding_i32(float *out, float *mask, const int32_t *ids, const float *table, int64_t count,
                                    int64_t vocabulary, int64_t dim, const abi::RunContext *run) {
  lookup(out, mask, ids, table, count, vocabulary, dim, run);
}

KILN_KERNEL void kiln_embedding_f32(float *out, float *mask, const float *ids, const float *table, int64_t count,
                                    int64_t vocabulary, int64_t dim, const abi::RunContext *run) {
  lookup(out, mask, ids, table, count, vocabulary, dim, run);
}

// A mask over (rows, width) reduced to one entry per row: 1 if any of the
// row's entries is (Keras's any over the trailing axes of a mask).
KILN_KERNEL void kiln_mask_any(float *out, const float *mask, int64_t rows, int64_t width, const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r) {
    bool any = false;
    for (int64_t i = 0; i < width; ++i) any |= mask[r * width + i] != 0.0f;
    out[r] = any ? 1.0f : 0.0f;
  }
}

// Keras's Masking: a timestep whose features all equal `value` is masked;
// masked timesteps are zeroed, and mask[t] (if wanted) says which are kept.
// The positions 0 .. steps - 1, for each of `rows` samples.
KILN_KERNEL void kiln_positions(int32_t *out, int64_t rows, int64_t steps, const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < steps; ++t) out[r * steps + t] = int32_t(t);
}

// count ids (int32, or float32 compared as numbers) as rows of `depth`.
KILN_KERNEL void kiln_one_hot(float *out, const void *ids, int64_t count, int64_t depth, int32_t intIds, float on,
                              float off, const abi::RunContext *) {
  for (int64_t i = 0; i < count; ++i) {
    float *row = out + i * depth;
    for (int64_t c = 0; c < depth; ++c) row[c] = off;
    double id = intIds ? double(static_cast<const int32_t *>(ids)[i]) : double(static_cast<const float *>(ids)[i]);
    if (id >= 0 && id < double(depth) && id == double(int64_t(id))) row[int64_t(id)] = on;
  }
}

// Each of `rows` rows of `tokens` ids as a row of `depth`: how many times
// each id in [0, depth) occurs, or with `marks` 1 where it does; other ids
// count nowhere.
KILN_KERNEL void kiln_token_counts(float *out, const void *ids, int64_t rows, int64_t tokens, int64_t depth,
                                   int32_t intIds, int32_t marks, const abi::RunContext *) {
  for (int64_t r = 0; r < rows; ++r) {
    float *row = out + r * depth;
    for (int64_t c = 0; c < depth; ++c) row[c] = 0.0f;
    for (int64_t t = r * tokens; t < (r + 1) * tokens; ++t) {
      double id = intIds ? double(static_cast<const int32_t *>(ids)[t]) : double(static_cast<const float *>(ids)[t]);
      if (id < 0 || id >= double(depth) || id != double(int64_t(id))) continue;
      float &cell = row[int64_t(id)];
      cell = marks ? 1.0f : cell + 1.0f;
    }
  }
}

KILN_KERNEL void kiln_masking(float *out, float *mask, const float *in, int64_t steps, int64_t features, float value,
                              const abi::RunContext *) {
  for (int64_t t = 0; t < steps; ++t) {
    bool keep = false;
    for (int64_t f = 0; f < features; ++f) keep |= in[t * features + f] != value;
    // Multiplied, as Keras does: a masked step of infinities becomes NaN.
    for (int64_t f = 0; f < features; ++f) out[t * features + f] = in[t * features + f] * (keep ? 1.0f : 0.0f);
    if (mask) mask[t] = keep ? 1.0f : 0.0f;
  }
}
