// A model's packed weights, kept out of the LLVM module. The module holds
// one zero-filled global of the blob's size in a section of its own
// (kSection); each weight is an offset into it. Once the object file is
// written, patchObject writes the bytes over that section. LLVM never
// holds, copies or emits the weights one element at a time, so a model's
// build time and memory grow with its layers, not with its parameters.
//
// The bytes wait in a temporary file, so memory holds only one layer's
// packed weights at a time.
#pragma once

#include <llvm/ADT/SmallString.h>
#include <llvm/IR/Module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

class WeightBlob {
public:
  // The object file section that holds the weights.
  static constexpr const char *kSection = ".rodata.kiln_weights";

  WeightBlob() = default;
  WeightBlob(const WeightBlob &) = delete;
  WeightBlob &operator=(const WeightBlob &) = delete;
  ~WeightBlob();

  // Appends `bytes` bytes at the next multiple of 64; returns their offset.
  // On an I/O failure returns -1 (and error() says why).
  int64_t append(const void *data, size_t bytes);
  // Appends `bytes` bytes right after the last ones: the rest of a weight
  // written in parts.
  void extend(const void *data, size_t bytes);
  int64_t size() const { return size_; }
  const std::string &error() const { return error_; }

  // Writes the bytes over kSection of the object file at `path`.
  bool patchObject(const std::string &path, std::string &error) const;

private:
  bool open();

  llvm::SmallString<128> path_;
  int fd_ = -1;
  int64_t size_ = 0;
  std::string error_;
};

}  // namespace kiln
