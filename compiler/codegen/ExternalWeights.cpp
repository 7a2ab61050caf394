#include "codegen/ExternalWeights.h"

#include "kiln_weights.h"

#include <xxhash.h>

#include <cerrno>
#include <cstring>

namespace kiln {

namespace {

void store64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

void store32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

}  // namespace

ExternalWeights::~ExternalWeights() {
  if (file_) std::fclose(file_);
  XXH64_freeState(hash_);
}

bool ExternalWeights::open(const std::string &path, std::string &error) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) {
    error = "cannot write the weights file '" + path + "': " + std::strerror(errno);
    return false;
  }
  // The header is written last, when the table's place is known.
  unsigned char header[KILN_WEIGHTS_HEADER_SIZE] = {};
  return write(header, sizeof header);
}

bool ExternalWeights::write(const void *data, uint64_t bytes) {
  if (!failed_ && bytes && std::fwrite(data, 1, bytes, file_) != bytes) failed_ = true;
  end_ += bytes;
  return !failed_;
}

uint64_t ExternalWeights::add(const std::string &name, const void *data, uint64_t bytes) {
  if (std::optional<uint64_t> known = offsetOf(name)) return *known;
  uint64_t offset = begin(name);
  extend(data, bytes);
  end();
  return offset;
}

std::optional<uint64_t> ExternalWeights::offsetOf(const std::string &name) const {
  if (auto it = offsets_.find(name); it != offsets_.end()) return it->second;
  return std::nullopt;
}

uint64_t ExternalWeights::begin(const std::string &name) {
  static const unsigned char zeros[KILN_WEIGHTS_ALIGNMENT] = {};
  write(zeros, (KILN_WEIGHTS_ALIGNMENT - end_ % KILN_WEIGHTS_ALIGNMENT) % KILN_WEIGHTS_ALIGNMENT);
  offsets_[name] = end_;
  layout_.push_back(end_);
  layout_.push_back(0);
  if (!hash_) hash_ = XXH64_createState();
  XXH64_reset(hash_, 0);
  return end_;
}

void ExternalWeights::extend(const void *data, uint64_t bytes) {
  write(data, bytes);
  XXH64_update(hash_, data, bytes);
  layout_.back() += bytes;
}

void ExternalWeights::end() { checksums_.push_back(XXH64_digest(hash_)); }

bool ExternalWeights::finish(uint64_t modelHash, std::string &error) {
  static const unsigned char zeros[KILN_WEIGHTS_ALIGNMENT] = {};
  write(zeros, (KILN_WEIGHTS_ALIGNMENT - end_ % KILN_WEIGHTS_ALIGNMENT) % KILN_WEIGHTS_ALIGNMENT);
  uint64_t tableOffset = end_;
  std::vector<unsigned char> table(checksums_.size() * KILN_WEIGHTS_ENTRY_SIZE);
  for (size_t i = 0; i < checksums_.size(); ++i) {
    store64(&table[i * KILN_WEIGHTS_ENTRY_SIZE], layout_[2 * i]);
    store64(&table[i * KILN_WEIGHTS_ENTRY_SIZE + 8], layout_[2 * i + 1]);
    store64(&table[i * KILN_WEIGHTS_ENTRY_SIZE + 16], checksums_[i]);
  }
  write(table.data(), table.size());

  unsigned char header[KILN_WEIGHTS_HEADER_SIZE] = {};
  std::memcpy(header, KILN_WEIGHTS_MAGIC, 8);
  store32(header + 8, KILN_WEIGHTS_VERSION);
  store32(header + 12, static_cast<uint32_t>(checksums_.size()));
  store64(header + 16, modelHash);
  store64(header + 24, end_);
  store64(header + 32, tableOffset);
  store64(header + 40, kiln_weights_checksum(table.data(), table.size()));
  bool ok = !failed_ && std::fseek(file_, 0, SEEK_SET) == 0 && std::fwrite(header, 1, sizeof header, file_) == sizeof header;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) error = "cannot write the weights file '" + path_ + "': " + std::strerror(errno);
  return ok;
}

}  // namespace kiln
