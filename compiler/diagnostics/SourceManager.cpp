#include "diagnostics/SourceManager.h"

#include <algorithm>

namespace kiln {

uint32_t SourceManager::addBuffer(std::string name, std::string text) {
  File f{std::move(name), std::move(text), {0}};
  for (uint32_t i = 0; i < f.text.size(); ++i)
    if (f.text[i] == '\n') f.lineStarts.push_back(i + 1);
  files_.push_back(std::move(f));
  return static_cast<uint32_t>(files_.size());
}

LineColumn SourceManager::lineColumn(SourceLoc loc) const {
  if (!loc.valid()) return {};
  const File &f = files_[loc.file - 1];
  auto it = std::upper_bound(f.lineStarts.begin(), f.lineStarts.end(), loc.offset);
  unsigned line = static_cast<unsigned>(it - f.lineStarts.begin());
  return {line, loc.offset - f.lineStarts[line - 1] + 1};
}

uint32_t SourceManager::lineOffset(uint32_t file, unsigned line) const {
  const File &f = files_[file - 1];
  if (line == 0) return 0;
  if (line > f.lineStarts.size()) return static_cast<uint32_t>(f.text.size());
  return f.lineStarts[line - 1];
}

unsigned SourceManager::lineCount(uint32_t file) const {
  return static_cast<unsigned>(files_[file - 1].lineStarts.size());
}

std::string_view SourceManager::lineText(uint32_t file, unsigned line) const {
  const File &f = files_[file - 1];
  if (line == 0 || line > f.lineStarts.size()) return {};
  uint32_t begin = f.lineStarts[line - 1];
  uint32_t end = line < f.lineStarts.size() ? f.lineStarts[line] : f.text.size();
  std::string_view text(f.text.data() + begin, end - begin);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

}  // namespace kiln
