#include "driver/Phases.h"

#include <fmt/format.h>

#include <sys/resource.h>

namespace kiln {

namespace {

double seconds(std::clock_t from, std::clock_t to) { return double(to - from) / CLOCKS_PER_SEC; }

}  // namespace

void PhaseTimer::mark(const char *name) {
  Clock::time_point now = Clock::now();
  std::clock_t cpu = std::clock();
  phases_.push_back({name, std::chrono::duration<double>(now - last_).count(), seconds(lastCpu_, cpu)});
  last_ = now;
  lastCpu_ = cpu;
}

void PhaseTimer::print(std::FILE *out) const {
  for (const Phase &p : phases_) fmt::print(out, "kilnc: {:<20} {:8.3f} s  cpu {:8.3f} s\n", p.name, p.wall, p.cpu);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);  // ru_maxrss: kilobytes on Linux
  fmt::print(out, "kilnc: {:<20} {:8.3f} s  cpu {:8.3f} s, peak memory {} MB\n", "total",
             std::chrono::duration<double>(last_ - start_).count(), seconds(startCpu_, lastCpu_),
             usage.ru_maxrss / 1024);
}

}  // namespace kiln
