// External weights: the format of kiln_weights.h (checksum, validation) and
// how an executable finds, maps and checks its weights file. The files are
// written here from the layout kiln_weights.h documents, independently of
// kilnc's writer.
#include "kiln_weights.h"
#include "test_util.h"

#include <cstring>

using namespace kiln_test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

// XXH64 test vectors (seed 0), from the reference implementation.
TEST(WeightsChecksum, MatchesXxh64) {
  std::string s35 = "0123456789abcdef0123456789abcdefXYZ", s768;
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < 256; i++) s768 += static_cast<char>(i);
  EXPECT_EQ(kiln_weights_checksum("", 0), 0xef46db3751d8e999ull);
  EXPECT_EQ(kiln_weights_checksum("a", 1), 0xd24ec4f1a98c6e5bull);
  EXPECT_EQ(kiln_weights_checksum("abc", 3), 0x44bc2cf5ad770999ull);
  EXPECT_EQ(kiln_weights_checksum(s35.data(), s35.size()), 0x654f6a2b39e4d8c1ull);
  EXPECT_EQ(kiln_weights_checksum(s768.data(), s768.size()), 0x8e03c838c596036full);
}

void put64(std::string &s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; i++) s[at + i] = static_cast<char>(v >> (8 * i));
}

const uint64_t kHash = 0x1234567890abcdefull;
// Two tensors: 12 bytes at 64, 8 bytes at 128; the table at 192.
const uint64_t kLayout[] = {64, 12, 128, 8};

// A weights file laid out as kiln_weights.h says.
std::string weightsFile() {
  std::string f(192 + 2 * KILN_WEIGHTS_ENTRY_SIZE, '\0');
  std::memcpy(&f[0], "KILNWTS", 8);
  f[8] = 1;  // version
  f[12] = 2; // tensors
  put64(f, 16, kHash);
  put64(f, 24, f.size());
  put64(f, 32, 192);
  const char a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, b[8] = {-1, -2, -3, -4, -5, -6, -7, -8};
  std::memcpy(&f[64], a, 12);
  std::memcpy(&f[128], b, 8);
  for (int i = 0; i < 2; i++) {
    put64(f, 192 + 24 * i, kLayout[2 * i]);
    put64(f, 192 + 24 * i + 8, kLayout[2 * i + 1]);
    put64(f, 192 + 24 * i + 16, kiln_weights_checksum(&f[kLayout[2 * i]], kLayout[2 * i + 1]));
  }
  put64(f, 40, kiln_weights_checksum(&f[192], 48));
  return f;
}

// Validates `f` from a 64-byte-aligned copy.
kiln_weights_status validate(const std::string &f, uint64_t hash = kHash) {
  alignas(64) static char buffer[4096];
  std::memcpy(buffer, f.data(), f.size());
  return kiln_weights_validate(buffer, f.size(), hash, kLayout, 2);
}

TEST(WeightsValidate, AcceptsTheDocumentedLayout) { EXPECT_EQ(validate(weightsFile()), KILN_WEIGHTS_OK); }

TEST(WeightsValidate, RejectsEachDamage) {
  std::string f = weightsFile();
  EXPECT_EQ(validate(""), KILN_WEIGHTS_NOT_WEIGHTS);
  EXPECT_EQ(validate(f.substr(0, 63)), KILN_WEIGHTS_NOT_WEIGHTS);
  std::string magic = f;
  magic[0] = 'X';
  EXPECT_EQ(validate(magic), KILN_WEIGHTS_NOT_WEIGHTS);
  std::string version = f;
  version[8] = 2;
  EXPECT_EQ(validate(version), KILN_WEIGHTS_BAD_VERSION);
  EXPECT_EQ(validate(f, kHash + 1), KILN_WEIGHTS_OTHER_MODEL);
  EXPECT_EQ(validate(f.substr(0, f.size() - 1)), KILN_WEIGHTS_TRUNCATED);
  EXPECT_EQ(validate(f + "x"), KILN_WEIGHTS_TRUNCATED);
  for (size_t at : {size_t(64), size_t(70), size_t(135)}) {  // a byte of either tensor
    std::string data = f;
    data[at] ^= 1;
    EXPECT_EQ(validate(data), KILN_WEIGHTS_CORRUPT) << at;
  }
  std::string table = f;
  table[200] ^= 1;  // the first tensor's size: the table's checksum no longer fits
  EXPECT_EQ(validate(table), KILN_WEIGHTS_CORRUPT);
  std::string outside = f;
  put64(outside, 32, 1 << 30);  // a table beyond the end
  EXPECT_EQ(validate(outside), KILN_WEIGHTS_CORRUPT);
  alignas(64) static char buffer[4096];
  std::memcpy(buffer + 8, f.data(), f.size());
  EXPECT_EQ(kiln_weights_validate(buffer + 8, f.size(), kHash, kLayout, 2), KILN_WEIGHTS_MISALIGNED);
}

// ---- the executable's driver with a model that reads external weights -------

struct Result {
  int status;
  std::string out, err;
};

const int64_t kDims[] = {-1, 1};
const kiln_tensor_info kIn[] = {tensor("x", KILN_FLOAT32, 2, kDims)};
const kiln_tensor_info kOut[] = {tensor("y", KILN_FLOAT32, 2, kDims)};
int64_t noScratch(int64_t, const int64_t *, const kiln_parallel *) { return 0; }
// y = x + the first weight byte.
int32_t addWeight(int64_t batch, const int64_t *, const void *const *in, void *const *out, const void *weights, void *,
                  const kiln_parallel *) {
  for (int64_t i = 0; i < batch; i++)
    static_cast<float *>(out[0])[i] =
        static_cast<const float *>(in[0])[i] + static_cast<const signed char *>(weights)[64];
  return 0;
}
int32_t check(const void *data, size_t size) { return kiln_weights_validate(data, size, kHash, kLayout, 2); }

class ExternalWeights : public TempDirTest {
protected:
  Result run(const std::string &weightsPath, std::vector<std::string> args) {
    kiln_model_info m = model("weighted", kIn, 1, kOut, 1, noScratch, addWeight);
    m.weights_path = weightsPath.c_str();
    m.weights_check = check;
    std::string x = path("x.npy");
    saveArray<float>(x, KILN_FLOAT32, {2, 1}, {10, 20});
    args.insert(args.begin(), {"prog", x});
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    int status = kiln_rt_main(&m, static_cast<int>(args.size()), argv.data());
    std::string out = ::testing::internal::GetCapturedStdout();
    return {status, out, ::testing::internal::GetCapturedStderr()};
  }
  void expectError(const Result &r, const std::string &what) {
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.err, StartsWith("kiln: error: "));
    EXPECT_THAT(r.err, HasSubstr(what));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

TEST_F(ExternalWeights, LoadsTheRecordedFile) {
  writeFile(path("model.weights"), weightsFile());
  Result r = run(path("model.weights"), {});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "y shape (2, 1):\n11\n21\n");
}

TEST_F(ExternalWeights, WeightsOptionOverridesTheRecordedPath) {
  writeFile(path("other.weights"), weightsFile());
  Result r = run(path("missing.weights"), {"--weights", path("other.weights")});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(ExternalWeights, ARelativePathIsBesideTheProgram) {
  Result r = run("surely-not-beside-the-test-program.weights", {});
  expectError(r, "cannot read the weights file: ");
  EXPECT_THAT(r.err, HasSubstr("/surely-not-beside-the-test-program.weights: cannot open: No such file or directory"));
  EXPECT_THAT(r.err, HasSubstr("give its path with --weights FILE"));
}

TEST_F(ExternalWeights, EachDamageIsAClearError) {
  std::string f = weightsFile();
  std::string corrupt = f;
  corrupt[70] ^= 1;
  std::string other = f;
  put64(other, 16, kHash ^ 1);
  std::string version = f;
  version[8] = 2;
  const std::pair<std::string, std::string> cases[] = {
      {"", "is not a Kiln weights file"},
      {"not weights at all, but long enough to hold a whole header of sixty-four bytes", "is not a Kiln weights file"},
      {f.substr(0, f.size() - 10), "is truncated"},
      {corrupt, "is corrupted: a checksum does not match"},
      {other, "was built for another model"},
      {version, "has a weights format version this program does not read"},
  };
  for (const auto &[bytes, message] : cases) {
    writeFile(path("bad.weights"), bytes);
    expectError(run(path("bad.weights"), {}), "weights file '" + path("bad.weights") + "' " + message);
  }
  std::filesystem::create_directory(path("dir"));
  expectError(run(path("dir"), {}), "is a directory");
}

}  // namespace
