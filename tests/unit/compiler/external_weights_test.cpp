// The --external-weights writer: tensors written whole or in parts give the
// same file, and the runtime's own check (kiln_weights_validate, its XXH64)
// accepts what the writer's libxxhash checksums describe.
#include "codegen/ExternalWeights.h"

#include "kiln_weights.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <numeric>

using namespace kiln;

namespace {

std::string scratchPath(const char *name) {
  const char *dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/kiln_external_weights_test_" + name + ".kw";
}

std::vector<char> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes a small tensor and one of 1000 floats (several XXH64 stripes and a
// tail), the large one whole or in three uneven parts.
std::vector<char> write(const std::string &path, bool inParts, std::vector<uint64_t> &layout) {
  std::vector<float> small = {1.5f, -2.0f, 3.25f};
  std::vector<float> large(1000);
  std::iota(large.begin(), large.end(), -500.0f);
  ExternalWeights file;
  std::string error;
  EXPECT_TRUE(file.open(path, error)) << error;
  file.add("small", small.data(), small.size() * sizeof(float));
  if (inParts) {
    uint64_t offset = file.begin("large");
    file.extend(large.data(), 7 * sizeof(float));
    file.extend(large.data() + 7, 600 * sizeof(float));
    file.extend(large.data() + 607, 393 * sizeof(float));
    file.end();
    EXPECT_EQ(file.offsetOf("large"), offset);
  } else {
    file.add("large", large.data(), large.size() * sizeof(float));
  }
  EXPECT_EQ(file.add("small", nullptr, 0), *file.offsetOf("small"));  // a name is written once
  EXPECT_TRUE(file.finish(0x1234, error)) << error;
  layout = file.layout();
  std::vector<char> bytes = readFile(path);
  std::remove(path.c_str());
  return bytes;
}

}  // namespace

TEST(ExternalWeights, PartsGiveTheSameFileAsOneWrite) {
  std::vector<uint64_t> wholeLayout, partsLayout;
  std::vector<char> whole = write(scratchPath("whole"), false, wholeLayout);
  std::vector<char> parts = write(scratchPath("parts"), true, partsLayout);
  EXPECT_EQ(wholeLayout, partsLayout);
  ASSERT_EQ(wholeLayout.size(), 4u);
  EXPECT_EQ(wholeLayout[3], 1000 * sizeof(float));
  EXPECT_EQ(whole, parts);
}

TEST(ExternalWeights, TheRuntimeAcceptsTheFile) {
  std::vector<uint64_t> layout;
  std::vector<char> bytes = write(scratchPath("check"), true, layout);
  // kiln_weights_validate wants the file 64-byte aligned, as mmap gives it.
  void *aligned = std::aligned_alloc(KILN_WEIGHTS_ALIGNMENT, (bytes.size() + 63) / 64 * 64);
  std::copy(bytes.begin(), bytes.end(), static_cast<char *>(aligned));
  EXPECT_EQ(kiln_weights_validate(aligned, bytes.size(), 0x1234, layout.data(), layout.size() / 2), KILN_WEIGHTS_OK);
  static_cast<char *>(aligned)[layout[2] + 4000 - 1] ^= 1;  // the large tensor's last byte
  EXPECT_EQ(kiln_weights_validate(aligned, bytes.size(), 0x1234, layout.data(), layout.size() / 2),
            KILN_WEIGHTS_CORRUPT);
  std::free(aligned);
}
