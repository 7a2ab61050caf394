// `kilnc build --time-phases`: the wall time of each phase of a build and
// the peak memory, printed to stderr at the end.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

class PhaseTimer {
public:
  // Ends the phase running since the last mark (or since construction) and
  // records it under `name`.
  void mark(const char *name);
  // One line per phase, then the total and the peak memory.
  void print(std::FILE *out) const;

private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now(), last_ = start_;
  std::vector<std::pair<std::string, double>> phases_;
};

}  // namespace kiln
