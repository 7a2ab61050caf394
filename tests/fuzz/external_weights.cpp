// libFuzzer target: the loader of --external-weights builds on arbitrary
// bytes: libkiln_rt maps the file (kiln_file_map) and the model checks it
// (kiln_weights_validate, which <prefix>_weights_check calls) before its code
// reads a tensor. Each input is checked twice: for a fixed model (the Dense
// model of corpus/external_weights/dense.weights), and for the model its own
// header and table describe, so that mutations reach the table, bounds and
// checksum checks past the model's hash and layout. Whatever is accepted has
// every tensor inside the file, and every refusal has a message.
#include "FuzzFiles.h"

#include "kiln_rt.h"
#include "kiln_weights.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// Of `model = Sequential([Dense(2, input_dim=3)])`, as kilnc wrote it to
// corpus/external_weights/dense.weights.
constexpr uint64_t kDenseHash = 0x6c806a41751ee43full;
constexpr uint64_t kDenseLayout[] = {64, 192, 256, 64};

// The model an input describes: its hash and the (offset, size) pairs of its
// table, if the table lies in the file.
bool describedModel(const unsigned char *p, uint64_t size, uint64_t &hash, std::vector<uint64_t> &layout) {
  if (size < KILN_WEIGHTS_HEADER_SIZE) return false;
  uint32_t n = kiln_weights_load32(p + 12);
  uint64_t table = kiln_weights_load64(p + 32);
  if (table > size || (size - table) / KILN_WEIGHTS_ENTRY_SIZE < n) return false;
  hash = kiln_weights_load64(p + 16);
  for (uint32_t i = 0; i < n; ++i) {
    layout.push_back(kiln_weights_load64(p + table + uint64_t(i) * KILN_WEIGHTS_ENTRY_SIZE));
    layout.push_back(kiln_weights_load64(p + table + uint64_t(i) * KILN_WEIGHTS_ENTRY_SIZE + 8));
  }
  return true;
}

// Validates `size` bytes at `p` for the model (hash, layout); checks that an
// accepted file holds every tensor and that any result can be explained.
void check(const void *p, uint64_t size, uint64_t hash, const std::vector<uint64_t> &layout) {
  uint32_t count = uint32_t(layout.size() / 2);
  kiln_weights_status status = kiln_weights_validate(p, size, hash, layout.data(), count);
  const char *said = kiln_weights_describe(status);
  if (!said || !*said) std::abort();
  if (status != KILN_WEIGHTS_OK) return;
  if (size < KILN_WEIGHTS_HEADER_SIZE || kiln_weights_load64(static_cast<const unsigned char *>(p) + 24) != size)
    std::abort();
  for (uint32_t i = 0; i < count; ++i)
    if (layout[2 * i] > size || layout[2 * i + 1] > size - layout[2 * i]) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Mapped as a built executable maps it: page aligned, from a file.
  std::string path = kiln::fuzz::writeFile("model.weights", data, size);
  kiln_mapped_file file;
  char err[512];
  if (kiln_file_map(path.c_str(), &file, err, sizeof err) != KILN_OK || file.size != size ||
      (size && std::memcmp(file.data, data, size) != 0))
    std::abort();
  // A heap copy of exactly `size` bytes, 64-byte aligned: AddressSanitizer
  // sees any read past the end, which a page-sized mapping would hide.
  void *copy = nullptr;
  if (posix_memalign(&copy, KILN_WEIGHTS_ALIGNMENT, size ? size : 1) != 0) std::abort();
  if (size) std::memcpy(copy, data, size);
  std::vector<uint64_t> fixed(std::begin(kDenseLayout), std::end(kDenseLayout)), described;
  uint64_t hash = 0;
  for (const void *p : {file.data, static_cast<const void *>(copy)}) {
    check(p, size, kDenseHash, fixed);
    if (describedModel(static_cast<const unsigned char *>(copy), size, hash, described)) check(p, size, hash, described);
    described.clear();
  }
  // Misaligned: refused before anything past the version is read.
  if (size > KILN_WEIGHTS_HEADER_SIZE + 8) {
    kiln_weights_status status =
        kiln_weights_validate(static_cast<char *>(copy) + 8, size - 8, kDenseHash, fixed.data(), 2);
    if (status == KILN_WEIGHTS_OK) std::abort();
  }
  kiln_file_unmap(&file);
  std::free(copy);
  return 0;
}
