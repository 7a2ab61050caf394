// Splitting a kernel's work over the caller's threads (abi::RunContext).
//
// A kernel cuts its work into independent tasks (tiles of the output) and
// hands them to parallelFor; the caller's parallel-for runs them on its
// threads. Tasks never share an output element, so the result does not
// depend on the number of threads.
#pragma once

#include "Common.h"

namespace kiln::kernels {

template <class Body>
void runTask(void *body, int64_t index, int32_t thread) {
  (*static_cast<const Body *>(body))(index, thread);
}

// Calls body(i, thread) for every i in [0, count), on the caller's threads
// if it lent some, else on this one; `thread` picks the workspace.
template <class Body>
KILN_INLINE void parallelFor(const abi::RunContext *run, int64_t count, const Body &body) {
  if (run->threads > 1 && count > 1) {
    run->parallel->parallelFor(run->parallel->context, &runTask<Body>, const_cast<Body *>(&body), count);
    return;
  }
  for (int64_t i = 0; i < count; ++i) body(i, 0);
}

// The workspace of thread `thread` (LayerKind::workspaceBytes of it).
KILN_INLINE float *workspaceOf(const abi::RunContext *run, int32_t thread) {
  return reinterpret_cast<float *>(run->workspace + thread * run->workspaceBytes);
}

// Task `task`'s share of the items [0, n) cut into `tasks` contiguous
// ranges, as even as whole items allow.
struct Share {
  int64_t begin, end;
};
KILN_INLINE Share shareOf(int64_t task, int64_t tasks, int64_t n) { return {task * n / tasks, (task + 1) * n / tasks}; }

// A count that the tasks of one parallel-for share, on a cache line of its
// own so that counting does not stall the threads' other writes.
struct alignas(64) SharedCounter {
  int64_t value = 0;

  __attribute__((always_inline)) int64_t load() const { return __atomic_load_n(&value, __ATOMIC_ACQUIRE); }

  // Adds one; what this thread wrote before is visible to a thread that
  // sees the new count.
  __attribute__((always_inline)) void add() { __atomic_fetch_add(&value, 1, __ATOMIC_RELEASE); }

  // Moves the count from `seen` to seen + 1, unless another thread did first.
  __attribute__((always_inline)) bool advanceFrom(int64_t seen) {
    return __atomic_compare_exchange_n(&value, &seen, seen + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  }

  // Waits until the count reaches `count`, for at most `spins` polls;
  // whether it did.
  __attribute__((always_inline)) bool awaitAtLeast(int64_t count, int64_t spins) const {
    for (int64_t spin = 0; load() < count; ++spin) {
      if (spin == spins) return false;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      __asm__ __volatile__("yield");
#endif
    }
    return true;
  }
};

// How many tasks to cut `work` (multiply-adds, or elements) into: one when it
// is too small to be worth waking threads for, else a few per thread so
// that uneven tasks even out, never more than `most`.
KILN_INLINE int64_t taskCount(const abi::RunContext *run, int64_t work, int64_t most) {
  const int64_t minimumWork = 32 * 1024;
  if (run->threads <= 1 || work < 2 * minimumWork) return 1;
  int64_t tasks = work / minimumWork;
  int64_t wanted = 4 * run->threads;
  tasks = tasks < wanted ? tasks : wanted;
  return tasks < most ? tasks : most;
}

}  // namespace kiln::kernels
