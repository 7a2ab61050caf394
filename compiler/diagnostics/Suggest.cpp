#include "diagnostics/Suggest.h"

#include <algorithm>
#include <cctype>

namespace kiln {

// Edit distance counting a swap of neighbours as one edit ("rleu" -> "relu").
static size_t editDistance(std::string_view a, std::string_view b) {
  auto eq = [&](size_t i, size_t j) {
    return std::tolower(static_cast<unsigned char>(a[i])) == std::tolower(static_cast<unsigned char>(b[j]));
  };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (eq(i - 1, j - 1) ? 0 : 1)});
      if (i > 1 && j > 1 && eq(i - 1, j - 2) && eq(i - 2, j - 1)) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string> &candidates) {
  size_t best = std::max<size_t>(1, (word.size() + 2) / 3) + 1;  // accept distances below this
  std::optional<std::string> match;
  for (const std::string &c : candidates) {
    size_t d = editDistance(word, c);
    if (d < best) {
      best = d;
      match = c;
    }
  }
  return match;
}

}  // namespace kiln
