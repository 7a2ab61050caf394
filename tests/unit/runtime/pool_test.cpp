// kiln_pool: every index runs once, thread ids stay in range and are never
// shared by two tasks at the same time, and callers on several threads can
// share one pool.
#include <kiln_rt.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

struct Record {
  std::vector<std::atomic<int>> runs;     // per index
  std::vector<std::atomic<int>> running;  // per thread id: tasks in flight
  std::atomic<int> badThread{0}, overlap{0};
  int32_t threads;
  Record(int64_t count, int32_t threads) : runs(count), running(threads), threads(threads) {}
};

void recordTask(void *context, int64_t index, int32_t thread) {
  auto *r = static_cast<Record *>(context);
  if (thread < 0 || thread >= r->threads) {
    r->badThread++;
    return;
  }
  if (r->running[thread]++ != 0) r->overlap++;
  r->runs[index]++;
  static thread_local volatile int sink;  // a little work, so that tasks overlap
  for (int spin = 0; spin < 200; ++spin) sink = sink + spin;
  r->running[thread]--;
}

void expectEachOnce(const Record &r) {
  EXPECT_EQ(r.badThread, 0);
  EXPECT_EQ(r.overlap, 0);
  for (size_t i = 0; i < r.runs.size(); ++i) ASSERT_EQ(r.runs[i], 1) << "index " << i;
}

TEST(Pool, RunsEveryIndexOnceOnDistinctThreads) {
  kiln_pool *pool = kiln_pool_create(4);
  ASSERT_NE(pool, nullptr);
  const kiln_parallel *p = kiln_pool_parallel(pool);
  ASSERT_EQ(p->threads, 4);
  for (int64_t count : {0, 1, 2, 3, 4, 5, 17, 1000}) {
    Record r(count, p->threads);
    p->parallel_for(p->context, recordTask, &r, count);
    expectEachOnce(r);
  }
  kiln_pool_destroy(pool);
}

TEST(Pool, DefaultsToTheCoresAndAcceptsOneThread) {
  kiln_pool *pool = kiln_pool_create(0);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(kiln_pool_parallel(pool)->threads, kiln_cpu_count());
  kiln_pool_destroy(pool);
  pool = kiln_pool_create(1);
  const kiln_parallel *p = kiln_pool_parallel(pool);
  Record r(9, 1);
  p->parallel_for(p->context, recordTask, &r, 9);
  expectEachOnce(r);
  kiln_pool_destroy(pool);
  EXPECT_EQ(kiln_pool_parallel(nullptr), nullptr);
  kiln_pool_destroy(nullptr);
}

// Slower on the workers, so that the caller waits for them.
void slowTask(void *context, int64_t index, int32_t thread) {
  recordTask(context, index, thread);
  std::this_thread::sleep_for(std::chrono::milliseconds(thread == 0 ? 1 : 8));
}

TEST(Pool, WaitsForSlowTasksAndWakesSleepingWorkers) {
  // Tasks longer than the spins, so the caller sleeps until the workers
  // leave; a pause longer than the spins before every other round, so the
  // workers sleep in between (and join right away in the other rounds).
  kiln_pool *pool = kiln_pool_create(3);
  const kiln_parallel *p = kiln_pool_parallel(pool);
  for (int round = 0; round < 6; ++round) {
    if (round % 2) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    Record r(7, p->threads);
    p->parallel_for(p->context, slowTask, &r, 7);
    expectEachOnce(r);
  }
  kiln_pool_destroy(pool);
}

TEST(Pool, SharedByCallersOnEightThreads) {
  kiln_pool *pool = kiln_pool_create(3);
  const kiln_parallel *p = kiln_pool_parallel(pool);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int c = 0; c < 8; ++c)
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        Record r(37, p->threads);
        p->parallel_for(p->context, recordTask, &r, 37);
        bool ok = r.badThread == 0 && r.overlap == 0;
        for (auto &n : r.runs) ok = ok && n == 1;
        if (!ok) failures++;
      }
    });
  for (auto &t : callers) t.join();
  EXPECT_EQ(failures, 0);
  kiln_pool_destroy(pool);
}

}  // namespace
