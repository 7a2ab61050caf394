// Reading input files (model files, weights manifests and shards) that may be
// anything a path names: only regular files are read, and only as much as
// they held when opened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kiln {

// A regular file opened for reading; FIFOs, devices and directories are
// refused before anything is read from them (a FIFO is not waited on).
class RegularFile {
public:
  // On failure ok() is false and `error` says why ("it is a directory").
  RegularFile(const std::string &path, std::string &error);
  ~RegularFile();
  RegularFile(const RegularFile &) = delete;
  RegularFile &operator=(const RegularFile &) = delete;

  bool ok() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  // Appends the file, as large as it was when opened, to `out`.
  bool readInto(std::string &out, std::string &error);

private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// The whole regular file at `path` if it has at most `limit` bytes; else
// nullopt with `error` set ("it is 300 MiB, more than the 256 MiB <what>
// may have").
std::optional<std::string> readWholeFile(const std::string &path, uint64_t limit, const char *what,
                                         std::string &error);

}  // namespace kiln
