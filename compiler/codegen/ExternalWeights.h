// The external weights file (--external-weights), written while the model is
// lowered: each constant goes to the file as soon as it is packed (a large
// kernel panel by panel), so no LLVM constant holds it and kilnc keeps no
// second copy. The format is runtime/include/kiln_weights.h; the checksums
// are libxxhash's streaming XXH64, the hash the runtime checks.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

struct XXH64_state_s;

namespace kiln {

class ExternalWeights {
public:
  ExternalWeights() = default;
  ExternalWeights(const ExternalWeights &) = delete;
  ExternalWeights &operator=(const ExternalWeights &) = delete;
  ~ExternalWeights();

  // Creates the file; false with `error` set if it cannot be written.
  bool open(const std::string &path, std::string &error);
  // Appends a tensor named `name` (64-byte aligned) and returns its offset
  // in the file; a name added before returns the first offset.
  uint64_t add(const std::string &name, const void *data, uint64_t bytes);
  // The offset of a tensor added before, if `name` was.
  std::optional<uint64_t> offsetOf(const std::string &name) const;
  // A tensor written in parts: begin returns its offset, each extend
  // appends bytes, end closes it. `name` must not have been added.
  uint64_t begin(const std::string &name);
  void extend(const void *data, uint64_t bytes);
  void end();
  // Writes the table and the header. `modelHash` identifies the model
  // definition; see definitionHash.
  bool finish(uint64_t modelHash, std::string &error);

  // (offset, size in bytes) of every tensor, in file order, flattened.
  const std::vector<uint64_t> &layout() const { return layout_; }
  const std::string &path() const { return path_; }

private:
  bool write(const void *data, uint64_t bytes);

  std::string path_;
  std::FILE *file_ = nullptr;
  bool failed_ = false;
  uint64_t end_ = 0;  // bytes written so far
  std::map<std::string, uint64_t> offsets_;
  std::vector<uint64_t> layout_;
  std::vector<uint64_t> checksums_;
  XXH64_state_s *hash_ = nullptr;  // of the tensor being written
};

}  // namespace kiln
