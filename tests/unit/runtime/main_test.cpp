#include <filesystem>
// End-to-end tests of kiln_rt_main with a fake model whose run adds 1 to
// every element.
#include "test_util.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <thread>

using namespace kiln_test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

// ---- the fake model ---------------------------------------------------------
// inputs:  x float32 (batch, 3), ids int32 (batch, 2)
// outputs: y = x + 1, z = ids + 1

const int64_t kDims3[] = {-1, 3};
const int64_t kDims2[] = {-1, 2};
const kiln_tensor_info kInputs[] = {tensor("x", KILN_FLOAT32, 2, kDims3),
                                    tensor("ids", KILN_INT32, 2, kDims2)};
const kiln_tensor_info kOutputs[] = {tensor("y", KILN_FLOAT32, 2, kDims3),
                                     tensor("z", KILN_INT32, 2, kDims2)};

int g_runs;           // calls of run since the test started
int64_t g_batch;     // the batch of the last call
int32_t g_run_status; // what run returns

int32_t g_threads;    // the thread count of the last call's parallel-for

int64_t scratchSize(int64_t batch, const int64_t *, const kiln_parallel *) { return batch * 100; }

int32_t addOne(int64_t batch, const int64_t *, const void *const *in,
               void *const *out, const void *, void *scratch,
               const kiln_parallel *parallel) {
  g_runs++;
  g_batch = batch;
  g_threads = parallel ? parallel->threads : 1;
  // The scratch must be aligned and as large as promised.
  if (reinterpret_cast<uintptr_t>(scratch) % 64 != 0)
    return 99;
  std::memset(scratch, 0xab, scratchSize(batch, nullptr, parallel));
  const float *x = static_cast<const float *>(in[0]);
  const int32_t *ids = static_cast<const int32_t *>(in[1]);
  float *y = static_cast<float *>(out[0]);
  int32_t *z = static_cast<int32_t *>(out[1]);
  for (int64_t i = 0; i < batch * 3; i++)
    y[i] = x[i] + 1;
  for (int64_t i = 0; i < batch * 2; i++)
    z[i] = ids[i] + 1;
  return g_run_status;
}

const kiln_model_info kModel = model("fake", kInputs, 2, kOutputs, 2, scratchSize, addOne);

// A second model: one rank-1 float64 input and output, no scratch.
const int64_t kDims1[] = {-1};
const kiln_tensor_info kVecIn[] = {tensor("v", KILN_FLOAT64, 1, kDims1)};
const kiln_tensor_info kVecOut[] = {tensor("w", KILN_FLOAT64, 1, kDims1)};
int64_t noScratch(int64_t, const int64_t *, const kiln_parallel *) { return 0; }
int32_t vecAddOne(int64_t batch, const int64_t *, const void *const *in,
                  void *const *out, const void *, void *, const kiln_parallel *) {
  for (int64_t i = 0; i < batch; i++)
    static_cast<double *>(out[0])[i] =
        static_cast<const double *>(in[0])[i] + 1;
  return 0;
}
const kiln_model_info kVecModel = model("vec", kVecIn, 1, kVecOut, 1, noScratch, vecAddOne);

// A third: the vector model, whose k-th call takes 5 * (k - 1) ms more.
int g_slow_calls;
int32_t slowAddOne(int64_t batch, const int64_t *axes, const void *const *in,
                   void *const *out, const void *weights, void *scratch,
                   const kiln_parallel *parallel) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * g_slow_calls++));
  return vecAddOne(batch, axes, in, out, weights, scratch, parallel);
}
const kiln_model_info kSlowModel = model("slow", kVecIn, 1, kVecOut, 1, noScratch, slowAddOne);

struct Result {
  int status;
  std::string out, err;
};

Result runMain(const kiln_model_info &model, std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int status = kiln_rt_main(&model, static_cast<int>(args.size()), argv.data());
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  return {status, out, err};
}

class Driver : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    g_runs = 0;
    g_batch = 0;
    g_run_status = 0;
    x_ = path("x.npy");
    ids_ = path("ids.npy");
    saveArray<float>(x_, KILN_FLOAT32, {2, 3}, {1, 2, 3, 0.1f, -5, 1e9f});
    saveArray<int32_t>(ids_, KILN_INT32, {2, 2}, {7, 8, -1, 2147483646});
  }

  // Expects failure with exactly one error line containing `what`.
  void expectError(const Result &r, const std::string &what) {
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.err, StartsWith("kiln: error: "));
    EXPECT_THAT(r.err, HasSubstr(what));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }

  std::string x_, ids_;
};

// ---- success ---------------------------------------------------------------

TEST_F(Driver, WritesOutputs) {
  Result r =
      runMain(kModel, {x_, ids_, "-o", path("y.npy"), "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(g_runs, 1);
  EXPECT_EQ(g_batch, 2u);
  EXPECT_EQ(loadArray<float>(path("y.npy"), KILN_FLOAT32, {2, 3}),
            (std::vector<float>{2, 3, 4, 1.1f, -4, 1e9f + 1}));
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 9, 0, 2147483647}));
}

TEST_F(Driver, PrintsOutputsAsText) {
  Result r = runMain(kModel, {x_, ids_});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "y shape (2, 3):\n"
                   "2 3 4\n"
                   "1.1 -4 1e+09\n"
                   "z shape (2, 2):\n"
                   "8 9\n"
                   "0 2147483647\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(Driver, PrintsRank1OutputsOnOneLine) {
  saveArray<double>(path("v.npy"), KILN_FLOAT64, {4}, {0, 0.5, -2, 1e-20});
  Result r = runMain(kVecModel, {path("v.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "w shape (4,):\n1 1.5 -1 1\n");
}

TEST_F(Driver, ConvertsInt64InputsToInt32) {
  saveArray<int64_t>(ids_, KILN_INT64, {2, 2}, {7, 8, -1, -2147483648LL});
  Result r =
      runMain(kModel, {x_, ids_, "-o", path("y.npy"), "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 9, 0, -2147483647}));
}

TEST_F(Driver, BenchReportsLatencies) {
  Result r = runMain(kModel, {x_, ids_, "--bench", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_runs, 4);
  EXPECT_THAT(r.err, StartsWith("fake: mean latency "));
  EXPECT_THAT(r.err, HasSubstr(" ms over 3 runs of batch 2 on "));
  EXPECT_THAT(r.err, HasSubstr("\nfake: latency min "));
  EXPECT_THAT(r.err, HasSubstr(" ms, p50 "));
  EXPECT_THAT(r.err, HasSubstr(" ms, p99 "));
  EXPECT_THAT(r.out, StartsWith("y shape (2, 3):\n"));
  r = runMain(kModel, {"--bench=1", x_, ids_});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Driver, BenchPercentilesAreOfTheSortedLatencies) {
  // The timed runs take at least 5, 10, ..., 50 ms: the nearest-rank p50 is
  // the 5th (>= 25 ms), p90 the 9th, p99 and the maximum the 10th. Sleeping
  // only ever takes longer, so only lower bounds are checked.
  saveArray<double>(path("v.npy"), KILN_FLOAT64, {1}, {0});
  g_slow_calls = 0;
  Result r = runMain(kSlowModel, {path("v.npy"), "--bench", "10"});
  ASSERT_EQ(r.status, 0) << r.err;
  double mn, p50, p90, p99, mx;
  ASSERT_EQ(std::sscanf(r.err.substr(r.err.find("latency min")).c_str(),
                        "latency min %lf ms, p50 %lf ms, p90 %lf ms, p99 %lf "
                        "ms, max %lf ms",
                        &mn, &p50, &p90, &p99, &mx),
            5)
      << r.err;
  EXPECT_GE(mn, 5);
  EXPECT_GE(p50, 25);
  EXPECT_GE(p90, 45);
  EXPECT_GE(p99, 50);
  EXPECT_LE(mn, p50);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, mx);
}

TEST_F(Driver, LabelsPrintEachClassAndTheAccuracy) {
  // y = x + 1: rows (2, 3, 4) and (1.1, -4, 1e9 + 1), both class 2.
  saveArray<int64_t>(path("labels.npy"), KILN_INT64, {2}, {2, 0});
  Result r = runMain(kModel, {x_, ids_, "--labels", path("labels.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "sample 0: class 2 (4.0000), label 2\n"
                   "sample 1: class 2 (1000000000.0000), label 0  <- wrong\n"
                   "accuracy: 1 of 2 = 0.5000\n");
  // Streamed a sample at a time, the report is the same.
  Result batched = runMain(kModel, {x_, ids_, "--labels", path("labels.npy"),
                                    "--batch", "1"});
  ASSERT_EQ(batched.status, 0) << batched.err;
  EXPECT_EQ(g_batch, 1);
  EXPECT_EQ(batched.out, r.out);
}

TEST_F(Driver, LabelsMustBeOneIntegerPerSample) {
  saveArray<int32_t>(path("labels.npy"), KILN_INT32, {3}, {2, 0, 1});
  expectError(runMain(kModel, {x_, ids_, "--labels", path("labels.npy")}),
              "expected 2 integers (int32 or int64), got int32 (3,)");
  saveArray<float>(path("float.npy"), KILN_FLOAT32, {2}, {2, 0});
  expectError(runMain(kModel, {x_, ids_, "--labels", path("float.npy")}),
              "expected 2 integers (int32 or int64), got float32 (2,)");
  saveArray<double>(path("v.npy"), KILN_FLOAT64, {2}, {0, 1});
  expectError(runMain(kVecModel, {path("v.npy"), "--labels", path("labels.npy")}),
              "--labels needs a model whose first output is (batch, classes) "
              "float32; 'w' is float64 (batch,)");
}

// ---- --batch: the inputs go through the model a few samples at a time -----

TEST_F(Driver, BatchRunsSamplesAtATime) {
  Result r = runMain(kModel, {x_, ids_, "--batch", "1", "-o", path("y.npy"),
                              "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_runs, 2);
  EXPECT_EQ(g_batch, 1);
  EXPECT_EQ(loadArray<float>(path("y.npy"), KILN_FLOAT32, {2, 3}),
            (std::vector<float>{2, 3, 4, 1.1f, -4, 1e9f + 1}));
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 9, 0, 2147483647}));

  r = runMain(kModel, {x_, ids_, "--batch=100", "--out-dir", path("")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_runs, 3);
  EXPECT_EQ(g_batch, 2);
}

TEST_F(Driver, BatchConvertsInt64PerBatch) {
  saveArray<int64_t>(ids_, KILN_INT64, {2, 2}, {7, 8, -1, -2147483648LL});
  Result r = runMain(kModel, {x_, ids_, "--batch", "1", "-o", path("y.npy"),
                              "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 9, 0, -2147483647}));
  // The index of a value out of range counts from the start of the file.
  // The failed run leaves the earlier outputs as they were, and no
  // temporary behind.
  saveArray<int64_t>(ids_, KILN_INT64, {2, 2}, {7, 8, -1, 1LL << 40});
  expectError(runMain(kModel, {x_, ids_, "--batch", "1", "-o", path("y.npy"),
                               "-o", path("z.npy")}),
              "value 1099511627776 at index 3 does not fit int32");
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 9, 0, -2147483647}));
  for (const auto &entry : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << entry.path();
}

TEST_F(Driver, BatchPrintsOneOutput) {
  saveArray<double>(path("v.npy"), KILN_FLOAT64, {4}, {0, 0.5, -2, 1e-20});
  Result r = runMain(kVecModel, {path("v.npy"), "--batch", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "w shape (4,):\n1 1.5 -1 1\n");
  // Two outputs printed one after the other need all samples at once.
  expectError(runMain(kModel, {x_, ids_, "--batch", "1"}),
              "--batch prints one output after the other only with all "
              "samples at once; write the 2 outputs with -o or --out-dir");
}

TEST_F(Driver, ThreadsLendsAPoolOfThatSize) {
  Result r = runMain(kModel, {x_, ids_, "--threads", "3", "--bench", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_threads, 3);
  EXPECT_THAT(r.err, HasSubstr(" ms over 1 runs of batch 2 on 3 threads\n"));
  r = runMain(kModel, {x_, ids_, "--threads=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_threads, 1);
  r = runMain(kModel, {x_, ids_});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_threads, kiln_cpu_count());
  expectError(runMain(kModel, {x_, ids_, "--threads", "0"}),
              "--threads needs a whole number of threads >= 1, got '0'");
  expectError(runMain(kModel, {x_, ids_, "--threads", "5000"}),
              "--threads needs a whole number of threads from 1 to 4096, got 5000");
  expectError(runMain(kModel, {x_, ids_, "--threads"}), "--threads needs a number of threads; see prog --help");
}

TEST_F(Driver, HelpListsInputsAndOutputs) {
  Result r = runMain(kModel, {"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, StartsWith("usage: prog x.npy ids.npy [-o y.npy -o z.npy | --out-dir DIR] "
                                "[--labels FILE] [--batch N] [--bench N] [--threads N] [--help]\n"
                                "       prog --self-test\n"));
  EXPECT_THAT(r.out, HasSubstr("x                    float32  (batch, 3)\n"));
  EXPECT_THAT(r.out, HasSubstr("ids                  int32    (batch, 2)\n"));
  EXPECT_THAT(r.out, HasSubstr("z                    int32    (batch, 2)\n"));
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, OutDirWritesOutputsByName) {
  std::string dir = ::testing::TempDir() + "kiln_outdir";
  std::filesystem::create_directories(dir);
  Result r = runMain(kModel, {x_, ids_, "--out-dir", dir});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/y.npy"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/z.npy"));
  expectError(runMain(kModel, {x_, ids_, "--out-dir", dir, "-o", "a.npy", "-o", "b.npy"}),
              "give either -o files or --out-dir, not both");
}

TEST_F(Driver, FilesAfterDoubleDash) {
  Result r = runMain(kModel, {"--", x_, ids_});
  EXPECT_EQ(r.status, 0) << r.err;
}

// ---- errors
// ------------------------------------------------------------------

// As Keras's predict casts its inputs: float64 and integers to a float32
// input, whole numbers of any dtype to an int32 one (token ids).
TEST_F(Driver, ConvertsInputsAsKerasCasts) {
  saveArray<double>(x_, KILN_FLOAT64, {2, 3}, {1, 2.5, -3, 0.1, 1e300, -1e-300});
  saveArray<float>(ids_, KILN_FLOAT32, {2, 2}, {7, 0, -1, 16777216});
  Result r =
      runMain(kModel, {x_, ids_, "-o", path("y.npy"), "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(loadArray<float>(path("y.npy"), KILN_FLOAT32, {2, 3}),
            (std::vector<float>{2, 3.5f, -2, 0.1f + 1, INFINITY, 1}));
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{8, 1, 0, 16777217}));
  saveArray<int64_t>(x_, KILN_INT64, {2, 3}, {1, 2, 3, 4, 5, 1LL << 40});
  saveArray<double>(ids_, KILN_FLOAT64, {2, 2}, {1, 2, 3, -2147483648.0});
  r = runMain(kModel, {x_, ids_, "-o", path("y.npy"), "-o", path("z.npy")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(loadArray<float>(path("y.npy"), KILN_FLOAT32, {2, 3}),
            (std::vector<float>{2, 3, 4, 5, 6, 1099511627776.0f + 1}));
  EXPECT_EQ(loadArray<int32_t>(path("z.npy"), KILN_INT32, {2, 2}),
            (std::vector<int32_t>{2, 3, 4, -2147483647}));
}

TEST_F(Driver, IdsThatAreNotWholeNumbers) {
  saveArray<float>(ids_, KILN_FLOAT32, {2, 2}, {1, 2, 2.5f, 4});
  expectError(runMain(kModel, {x_, ids_}),
              "input 'ids' (" + ids_ +
                  "): value 2.5 at index 2 is not a whole number that fits "
                  "int32 (the input takes token ids)");
  saveArray<double>(ids_, KILN_FLOAT64, {2, 2}, {1, 2, 3, 2147483648.0});
  expectError(runMain(kModel, {x_, ids_}), "value 2.14748365e+09 at index 3 is not a whole number");
  saveArray<float>(ids_, KILN_FLOAT32, {2, 2}, {NAN, 2, 3, 4});
  expectError(runMain(kModel, {x_, ids_}), "value nan at index 0 is not a whole number");
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, WrongDtype) {
  // A float64 model input takes float64 only.
  saveArray<float>(path("v.npy"), KILN_FLOAT32, {2}, {1, 2});
  expectError(runMain(kVecModel, {path("v.npy")}),
              "input 'v' (" + path("v.npy") +
                  "): expected float64, got float32; convert with "
                  "x.astype('float64')");
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, WrongShape) {
  saveArray<float>(x_, KILN_FLOAT32, {3}, {1, 2, 3});
  expectError(runMain(kModel, {x_, ids_}),
              "kiln: error: input 'x' (" + x_ +
                  "): expected shape (batch, 3), got (3,)\n");
  saveArray<float>(x_, KILN_FLOAT32, {2, 4}, std::vector<float>(8));
  expectError(runMain(kModel, {x_, ids_}),
              "expected shape (batch, 3), got (2, 4)");
  saveArray<float>(x_, KILN_FLOAT32, {0, 3}, {});
  expectError(runMain(kModel, {x_, ids_}),
              "expected shape (batch, 3) with batch >= 1, got (0, 3)");
}

TEST_F(Driver, BatchMismatch) {
  saveArray<int32_t>(ids_, KILN_INT32, {3, 2}, {1, 2, 3, 4, 5, 6});
  expectError(runMain(kModel, {x_, ids_}),
              "input 'ids' (" + ids_ +
                  "): batch size 3 differs from the batch size 2 of input "
                  "'x' (" +
                  x_ + ")");
}

TEST_F(Driver, Int64ValueOutOfRange) {
  saveArray<int64_t>(ids_, KILN_INT64, {2, 2}, {1, 2, 3, 1LL << 31});
  expectError(runMain(kModel, {x_, ids_}),
              "input 'ids' (" + ids_ +
                  "): value 2147483648 at index 3 does not fit int32");
}

TEST_F(Driver, WrongFileCounts) {
  expectError(runMain(kModel, {x_}),
              "model 'fake' takes 2 input files (x, ids), got 1");
  expectError(runMain(kModel, {}),
              "model 'fake' takes 2 input files (x, ids), got 0");
  expectError(runMain(kModel, {x_, ids_, x_}),
              "model 'fake' takes 2 input files (x, ids), got 3");
  expectError(runMain(kModel, {x_, ids_, "-o", path("y.npy")}),
              "model 'fake' has 2 outputs (y, z): give -o for each or for "
              "none, got 1");
  EXPECT_FALSE(std::filesystem::exists(path("y.npy")));
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, BadArguments) {
  expectError(runMain(kModel, {x_, ids_, "-o"}), "-o needs a file name");
  expectError(runMain(kModel, {x_, ids_, "--frobnicate"}),
              "unknown option '--frobnicate'");
  expectError(runMain(kModel, {x_, ids_, "--bench"}),
              "--bench needs a number of runs");
  expectError(runMain(kModel, {x_, ids_, "--batch"}),
              "--batch needs a number of samples");
  for (const char *n : {"x", "0", "-3", "2.5", "", "99999999999999999999"}) {
    expectError(runMain(kModel, {x_, ids_, "--bench", n}),
                "--bench needs a whole number of runs >= 1, got '" +
                    std::string(n) + "'");
    expectError(runMain(kModel, {x_, ids_, "--batch=" + std::string(n)}),
                "--batch needs a whole number of samples >= 1, got '" +
                    std::string(n) + "'");
  }
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, UnreadableInput) {
  std::string missing = path("missing.npy");
  expectError(runMain(kModel, {x_, missing}),
              "kiln: error: " + missing + ": cannot open: No such file");
  writeFile(ids_, "not a npy file");
  expectError(runMain(kModel, {x_, ids_}), ids_ + ": not a .npy file");
}

TEST_F(Driver, RunFailure) {
  g_run_status = 5;
  expectError(runMain(kModel, {x_, ids_}), "model 'fake' failed (status 5)");
}

TEST_F(Driver, UnwritableOutput) {
  expectError(
      runMain(kModel, {x_, ids_, "-o", path("no/y.npy"), "-o", path("z.npy")}),
      path("no/y.npy") + ": cannot create");
}

// ---- --self-test -------------------------------------------------------------

TEST_F(Driver, SelfTestComparesWithTheReference) {
  const float x[] = {1, 2, 3, 0.1f, -5, 1e9f};
  const int32_t ids[] = {7, 8, -1, 5};
  float y[] = {2, 3, 4, 1.1f, -4, 1e9f + 1};
  int32_t z[] = {8, 9, 0, 6};
  const void *inputs[] = {x, ids};
  const void *outputs[] = {y, z};
  kiln_test_vectors vectors = {2, inputs, outputs, 1e-6, 1e-6};
  kiln_model_info model = kModel;
  model.test_vectors = &vectors;

  Result r = runMain(model, {"--self-test"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(g_batch, 2);
  EXPECT_THAT(r.out, StartsWith("self-test: model 'fake' on 2 reference "
                                "samples, tolerance |got - expected| <= 1e-06 "
                                "+ 1e-06 * |expected|\n"));
  EXPECT_THAT(r.out, HasSubstr("self-test: output 'y' (2, 3): ok"));
  EXPECT_THAT(r.out, HasSubstr("self-test: output 'z' (2, 2): ok"));
  EXPECT_THAT(r.out, HasSubstr("self-test: passed\n"));
  EXPECT_EQ(r.err, "");

  y[4] = -4.01f;  // outside 1e-6 + 1e-6 * 4
  r = runMain(model, {"--self-test"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("self-test: output 'y' (2, 3): FAILED, max "
                               "|diff| 0.01 at index 4 (expected -4.01"));
  EXPECT_THAT(r.out, HasSubstr("1 of 6 values of 'y' are outside the tolerance"));
  EXPECT_EQ(r.err, "kiln: error: self-test of 'fake' failed\n");
}

TEST_F(Driver, SelfTestNeedsVectors) {
  expectError(runMain(kModel, {"--self-test"}),
              "'fake' was built without test vectors; build it with kilnc "
              "build --embed-test-vectors DIR");
  expectError(runMain(kModel, {"--self-test", x_}),
              "--self-test takes no files and no other options");
  EXPECT_EQ(g_runs, 0);
}

TEST_F(Driver, InvalidModelDescription) {
  kiln_model_info bad = kModel;
  bad.num_inputs = 0;
  expectError(runMain(bad, {}), "internal: the model description is invalid");
}

} // namespace
