#include "driver/Phases.h"

#include <fmt/format.h>

#include <sys/resource.h>

namespace kiln {

void PhaseTimer::mark(const char *name) {
  Clock::time_point now = Clock::now();
  phases_.emplace_back(name, std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

void PhaseTimer::print(std::FILE *out) const {
  for (const auto &[name, seconds] : phases_) fmt::print(out, "kilnc: {:<20} {:8.3f} s\n", name, seconds);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);  // ru_maxrss: kilobytes on Linux
  fmt::print(out, "kilnc: {:<20} {:8.3f} s, peak memory {} MB\n", "total",
             std::chrono::duration<double>(last_ - start_).count(), usage.ru_maxrss / 1024);
}

}  // namespace kiln
