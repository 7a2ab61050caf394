// What the file-reading fuzz targets share: a scratch folder of this
// process's own, where each input is written before the reader opens it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace kiln::fuzz {

// Removed when the process exits normally (a run's time is up); a crash
// leaves it for inspection.
inline const std::string &scratchDir() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  static const bool removedAtExit = [] {
    return std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }) == 0;
  }();
  (void)removedAtExit;
  return dir;
}

// Writes `size` bytes to `name` in the scratch folder; returns its path.
inline std::string writeFile(const std::string &name, const void *data, size_t size) {
  std::string path = scratchDir() + "/" + name;
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
  return path;
}

}  // namespace kiln::fuzz
