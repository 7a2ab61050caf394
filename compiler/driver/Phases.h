// `kilnc build --time-phases`: the wall and CPU time of each phase of a
// build and the peak memory, printed to stderr at the end. (On a shared
// machine the CPU time is the one to compare.)
#pragma once

#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>
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
  struct Phase {
    std::string name;
    double wall, cpu;  // seconds
  };
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now(), last_ = start_;
  std::clock_t startCpu_ = std::clock(), lastCpu_ = startCpu_;
  std::vector<Phase> phases_;
};

}  // namespace kiln
