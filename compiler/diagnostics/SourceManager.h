// Source files and positions within them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// A byte offset in one registered buffer. File 0 is "no location".
struct SourceLoc {
  uint32_t file = 0;
  uint32_t offset = 0;
  bool valid() const { return file != 0; }
  bool operator==(const SourceLoc &) const = default;
};

// A half-open byte range [begin, end) within one file.
struct SourceRange {
  SourceLoc begin;
  uint32_t end = 0;
  bool valid() const { return begin.valid(); }
  bool operator==(const SourceRange &) const = default;
  static SourceRange span(SourceRange a, SourceRange b) {
    if (!a.valid()) return b;
    if (!b.valid() || a.begin.file != b.begin.file) return a;
    return {a.begin, std::max(a.end, b.end)};
  }
};

struct LineColumn {
  unsigned line = 0;    // 1-based
  unsigned column = 0;  // 1-based, in bytes
};

class SourceManager {
public:
  // Registers a buffer and returns its file id (never 0).
  uint32_t addBuffer(std::string name, std::string text);

  const std::string &name(uint32_t file) const { return files_[file - 1].name; }
  const std::string &text(uint32_t file) const { return files_[file - 1].text; }
  LineColumn lineColumn(SourceLoc loc) const;
  std::string_view lineText(uint32_t file, unsigned line) const;
  // The offset of the start of a 1-based line.
  uint32_t lineOffset(uint32_t file, unsigned line) const;
  unsigned lineCount(uint32_t file) const;

private:
  struct File {
    std::string name;
    std::string text;
    std::vector<uint32_t> lineStarts;
  };
  std::vector<File> files_;
};

}  // namespace kiln
