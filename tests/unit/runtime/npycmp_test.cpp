// Tests of the npycmp tool, run as a separate process.
#include "test_util.h"

#include <sys/wait.h>

using namespace kiln_test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

class Npycmp : public TempDirTest {
protected:
  void SetUp() override {
#ifndef KILN_NPYCMP
    GTEST_SKIP() << "npycmp is not part of this build";
#endif
    TempDirTest::SetUp();
    a_ = path("a.npy");
    e_ = path("e.npy");
  }

  // Runs npycmp with `args` (each quoted) and returns its exit status;
  // stdout and stderr go to out_.
  int run(const std::vector<std::string> &args) {
#ifdef KILN_NPYCMP
    std::string cmd = "'" KILN_NPYCMP "'";
    for (const auto &a : args)
      cmd += " '" + a + "'";
    cmd += " > '" + path("out.txt") + "' 2>&1";
    int status = std::system(cmd.c_str());
    out_ = readFile(path("out.txt"));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
#else
    (void)args;
    return -1;
#endif
  }

  std::string a_, e_, out_;
};

TEST_F(Npycmp, EqualArraysPass) {
  saveArray<float>(a_, KILN_FLOAT32, {2, 2}, {1, 2, 3, 4});
  saveArray<float>(e_, KILN_FLOAT32, {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(run({a_, e_}), 0) << out_;
  EXPECT_EQ(out_, "npycmp: OK max|diff|=0 (worst at index 0 of 4; tolerance "
                  "atol+rtol*|ref| = 1e-05+1e-05*|ref|)\n");
}

TEST_F(Npycmp, SmallDifferencesPassAndReportTheWorst) {
  saveArray<double>(a_, KILN_FLOAT64, {3}, {1, 2.000001, 100.0005});
  saveArray<double>(e_, KILN_FLOAT64, {3}, {1, 2, 100});
  EXPECT_EQ(run({a_, e_}), 0) << out_;
  EXPECT_THAT(out_, StartsWith("npycmp: OK max|diff|=0.0005 "));
  EXPECT_THAT(out_, HasSubstr("worst at index 2 of 3"));
}

TEST_F(Npycmp, LargeDifferencesFail) {
  saveArray<float>(a_, KILN_FLOAT32, {4}, {1, 2.5f, 3, 4.01f});
  saveArray<float>(e_, KILN_FLOAT32, {4}, {1, 2, 3, 4});
  EXPECT_EQ(run({a_, e_}), 1) << out_;
  EXPECT_THAT(out_, StartsWith("npycmp: MISMATCH 2 of 4 elements differ; "
                               "worst at index 1: actual 2.5, expected 2 "));
  EXPECT_EQ(run({a_, e_, "--atol", "0.6"}), 0) << out_;
  EXPECT_EQ(run({a_, e_, "--rtol", "0.3"}), 0) << out_;
}

TEST_F(Npycmp, NanAndInfinity) {
  saveArray<float>(a_, KILN_FLOAT32, {3}, {NAN, INFINITY, 1});
  saveArray<float>(e_, KILN_FLOAT32, {3}, {NAN, INFINITY, 1});
  EXPECT_EQ(run({a_, e_}), 0) << out_;
  saveArray<float>(e_, KILN_FLOAT32, {3}, {0, INFINITY, 1});
  EXPECT_EQ(run({a_, e_}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("worst at index 0: actual nan, expected 0"));
  saveArray<float>(e_, KILN_FLOAT32, {3}, {NAN, 1e30f, 1});
  EXPECT_EQ(run({a_, e_, "--rtol", "1"}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("1 of 3 elements differ; worst at index 1"));
}

TEST_F(Npycmp, ComparesAcrossDtypes) {
  saveArray<int64_t>(a_, KILN_INT64, {2}, {3, -4});
  saveArray<float>(e_, KILN_FLOAT32, {2}, {3, -4});
  EXPECT_EQ(run({a_, e_}), 0) << out_;
}

TEST_F(Npycmp, ShapeMismatchFails) {
  saveArray<float>(a_, KILN_FLOAT32, {2, 3}, std::vector<float>(6));
  saveArray<float>(e_, KILN_FLOAT32, {3, 2}, std::vector<float>(6));
  EXPECT_EQ(run({a_, e_}), 1) << out_;
  EXPECT_EQ(out_, "npycmp: MISMATCH shape (2, 3) of " + a_ +
                      ", expected (3, 2) of " + e_ + "\n");
}

TEST_F(Npycmp, UsageAndLoadErrors) {
  saveArray<float>(e_, KILN_FLOAT32, {1}, {1});
  EXPECT_EQ(run({e_}), 2);
  EXPECT_EQ(run({e_, e_, e_}), 2);
  EXPECT_EQ(run({e_, e_, "--atol"}), 2);
  EXPECT_EQ(run({e_, e_, "--atol", "-1"}), 2);
  EXPECT_EQ(run({e_, e_, "--rtol", "abc"}), 2);
  EXPECT_EQ(run({e_, e_, "--bogus"}), 2);
  EXPECT_EQ(run({path("missing.npy"), e_}), 2);
  EXPECT_THAT(out_, HasSubstr("npycmp: error: " + path("missing.npy") +
                              ": cannot open"));
}

} // namespace
