#include "diagnostics/Suggest.h"

#include <algorithm>
#include <cctype>

namespace kiln {

namespace {

// Names longer than this are not typos worth a suggestion, and comparing
// them would cost the square of their length.
constexpr size_t kMaxSuggestedLength = 64;

// Edit distance counting a swap of neighbours as one edit ("rleu" -> "relu"),
// or `bound` if it is `bound` or more: rows stop once no cell is below it.
size_t editDistance(std::string_view a, std::string_view b, size_t bound) {
  size_t difference = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (difference >= bound) return bound;
  auto eq = [&](size_t i, size_t j) {
    return std::tolower(static_cast<unsigned char>(a[i])) == std::tolower(static_cast<unsigned char>(b[j]));
  };
  // Three rows: the one being filled, the previous, and the one before (swaps).
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (eq(i - 1, j - 1) ? 0 : 1)});
      if (i > 1 && j > 1 && eq(i - 1, j - 2) && eq(i - 2, j - 1)) row[j] = std::min(row[j], before[j - 2] + 1);
      best = std::min(best, row[j]);
    }
    if (best >= bound) return bound;
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return std::min(previous[b.size()], bound);
}

}  // namespace

std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string> &candidates) {
  if (word.size() > kMaxSuggestedLength) return std::nullopt;
  size_t best = std::max<size_t>(1, (word.size() + 2) / 3) + 1;  // accept distances below this
  std::optional<std::string> match;
  for (const std::string &c : candidates) {
    if (c.size() > kMaxSuggestedLength) continue;
    size_t d = editDistance(word, c, best);
    if (d < best) {
      best = d;
      match = c;
    }
  }
  return match;
}

}  // namespace kiln
