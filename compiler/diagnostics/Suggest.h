// "Did you mean" suggestions: the candidate closest to a misspelled name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// The closest candidate by edit distance (case-insensitive), if it is close
// enough to be a plausible typo.
std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string> &candidates);

}  // namespace kiln
