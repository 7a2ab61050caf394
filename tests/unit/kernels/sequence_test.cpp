// The embedding lookup against a plain gather: rows narrower and wider than
// a vector (1, 7, 16, 17, 33 and 512 floats, a recurrent layer's projected
// table), ids outside the vocabulary (zeros), float ids truncated toward
// zero, the mask of zero ids, and lookups large enough to be split over
// three threads.
#include "kernel_test_util.h"

using namespace kiln_test;

extern "C" {
void kiln_embedding_i32(float *out, float *mask, const int32_t *ids, const float *table, int64_t count,
                        int64_t vocabulary, int64_t dim, const kiln::abi::RunContext *run);
void kiln_embedding_f32(float *out, float *mask, const float *ids, const float *table, int64_t count,
                        int64_t vocabulary, int64_t dim, const kiln::abi::RunContext *run);
}

namespace {

// Row `id` of the table, or zeros for an id outside it; and the mask entry.
void gather(const std::vector<float> &table, int64_t vocabulary, int64_t dim, double id, float *row, float &mask) {
  bool valid = id >= 0 && id < double(vocabulary);
  int64_t index = valid ? int64_t(id) : 0;
  for (int64_t d = 0; d < dim; ++d) row[d] = valid ? table[size_t(index * dim + d)] : 0.0f;
  mask = id > -1 && id < 1 ? 0.0f : 1.0f;
}

TEST(Embedding, RowWidthsIdsOutsideAndThreads) {
  const int64_t vocabulary = 50;
  for (int64_t dim : {1, 7, 16, 17, 33, 512})
    for (int64_t count : {1, 9, 300})
      for (int32_t threads : {1, 3}) {
        std::string what = "dim " + std::to_string(dim) + ", " + std::to_string(count) + " ids, " +
                           std::to_string(threads) + " threads";
        std::vector<float> table = randomFloats(size_t(vocabulary * dim), uint32_t(dim * 31 + count));
        std::vector<int32_t> ids(static_cast<size_t>(count));
        std::vector<float> floatIds(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) {
          ids[size_t(i)] = int32_t((i * 37) % (vocabulary + 6)) - 3;  // -3 .. vocabulary + 2
          floatIds[size_t(i)] = float(ids[size_t(i)]) + (i % 2 ? 0.75f : -0.25f);
        }
        kiln_test::Run run(threads, 0);
        std::vector<float> got(size_t(count * dim), -7.0f), gotMask(size_t(count), -7.0f);
        std::vector<float> want(static_cast<size_t>(count * dim)), wantMask(static_cast<size_t>(count));
        kiln_embedding_i32(got.data(), gotMask.data(), ids.data(), table.data(), count, vocabulary, dim, run.get());
        for (int64_t i = 0; i < count; ++i)
          gather(table, vocabulary, dim, ids[size_t(i)], &want[size_t(i * dim)], wantMask[size_t(i)]);
        EXPECT_EQ(got, want) << "int32 ids, " << what;
        EXPECT_EQ(gotMask, wantMask) << "int32 ids, " << what;

        std::fill(got.begin(), got.end(), -7.0f);
        std::fill(gotMask.begin(), gotMask.end(), -7.0f);
        kiln_embedding_f32(got.data(), gotMask.data(), floatIds.data(), table.data(), count, vocabulary, dim,
                           run.get());
        for (int64_t i = 0; i < count; ++i)
          gather(table, vocabulary, dim, std::trunc(floatIds[size_t(i)]), &want[size_t(i * dim)],
                 wantMask[size_t(i)]);
        EXPECT_EQ(got, want) << "float ids, " << what;
        EXPECT_EQ(gotMask, wantMask) << "float ids, " << what;
      }
}

}  // namespace
