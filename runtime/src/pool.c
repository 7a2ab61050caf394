/* kiln_pool: a small persistent thread pool that implements kiln_parallel.
 *
 * A parallel-for publishes its task and opens a new generation of `state`;
 * workers join it, and they and the calling thread claim indices until none
 * are left. The indices are cut into one contiguous range per thread: each
 * claims from its own first, then from the others' (as pthreadpool does), so
 * that a thread runs the same tasks run after run when none is late, and the
 * weights those tasks read stay in its core's cache. The caller then closes
 * the generation and waits only for the workers that joined: a worker that
 * wakes up late (on a busy machine it may not be scheduled for milliseconds)
 * finds the generation closed and does not hold anyone up. Between
 * parallel-fors workers spin for a short while (a model run is a burst of
 * parallel-fors microseconds apart), then sleep on a condition variable. */
#define _GNU_SOURCE

#include "rt_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Polls of `state` before a worker goes to sleep: some tens of
 * microseconds. */
#define KILN_POOL_SPINS 20000

struct kiln_pool {
  kiln_parallel parallel; /* what kiln_pool_parallel hands out */
  pthread_t *workers; /* threads - 1 of them */
  pthread_mutex_t busy; /* held for a whole parallel-for */

  /* What workers read: the current parallel-for, valid while its generation
   * is open. Each group of fields that one side writes while the other
   * reads has a cache line of its own. */
  _Alignas(64) int32_t threads;
  kiln_task task;
  void *task_context;
  struct claim_range *ranges; /* one per thread */
  /* generation * 2 + 1 while a parallel-for is open, + 0 once closed */
  atomic_uint state;

  _Alignas(64) atomic_int joined; /* workers inside the current parallel-for */

  _Alignas(64) atomic_int sleepers;
  atomic_int stop;
  pthread_mutex_t lock; /* for sleeping on the conditions below */
  pthread_cond_t wake;  /* state changed, or stop */
  pthread_cond_t done;  /* joined reached 0 */
};

/* The indices of one thread's share, [next, end) not yet claimed; on a
 * cache line of its own, as every claim writes it. */
struct claim_range {
  _Alignas(64) atomic_int_fast64_t next;
  int64_t end;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/* Runs tasks of the current parallel-for as `thread` until none are left:
 * its own range's, then the following threads'. */
static void claim_tasks(kiln_pool *pool, int32_t thread) {
  for (int32_t k = 0; k < pool->threads; ++k) {
    struct claim_range *range = &pool->ranges[(thread + k) % pool->threads];
    for (;;) {
      int64_t i = atomic_fetch_add_explicit(&range->next, 1, memory_order_relaxed);
      if (i >= range->end)
        break;
      pool->task(pool->task_context, i, thread);
    }
  }
}

/* Waits until `state` differs from `seen` or the pool stops; returns the
 * new state. */
static unsigned await_change(kiln_pool *pool, unsigned seen) {
  unsigned now = atomic_load(&pool->state);
  for (int spin = 0; now == seen && spin < KILN_POOL_SPINS; ++spin) {
    cpu_relax();
    now = atomic_load(&pool->state);
  }
  if (now != seen)
    return now;
  pthread_mutex_lock(&pool->lock);
  atomic_fetch_add(&pool->sleepers, 1);
  while ((now = atomic_load(&pool->state)) == seen && !atomic_load(&pool->stop))
    pthread_cond_wait(&pool->wake, &pool->lock);
  atomic_fetch_sub(&pool->sleepers, 1);
  pthread_mutex_unlock(&pool->lock);
  return now;
}

typedef struct worker_start {
  kiln_pool *pool;
  int32_t thread;
} worker_start;

static void *worker_main(void *arg) {
  worker_start start = *(worker_start *)arg;
  free(arg);
  kiln_pool *pool = start.pool;
  unsigned seen = 0;
  for (;;) {
    seen = await_change(pool, seen);
    if (atomic_load(&pool->stop))
      return NULL;
    if (!(seen & 1))
      continue; /* closed already */
    atomic_fetch_add(&pool->joined, 1);
    if (atomic_load(&pool->state) == seen)
      claim_tasks(pool, start.thread);
    if (atomic_fetch_sub(&pool->joined, 1) == 1) {
      pthread_mutex_lock(&pool->lock);
      pthread_cond_signal(&pool->done);
      pthread_mutex_unlock(&pool->lock);
    }
  }
}

static void pool_parallel_for(void *context, kiln_task task,
                              void *task_context, int64_t count) {
  kiln_pool *pool = context;
  if (count <= 0)
    return;
  /* A single task, or the pool is busy with another caller's parallel-for:
   * run here as thread 0 (this caller's run has its own scratch). */
  if (count == 1 || pool->threads == 1 ||
      pthread_mutex_trylock(&pool->busy) != 0) {
    for (int64_t i = 0; i < count; ++i)
      task(task_context, i, 0);
    return;
  }
  pool->task = task;
  pool->task_context = task_context;
  int64_t share = count / pool->threads, extra = count % pool->threads, start = 0;
  for (int32_t t = 0; t < pool->threads; ++t) {
    atomic_store_explicit(&pool->ranges[t].next, start, memory_order_relaxed);
    start += share + (t < extra);
    pool->ranges[t].end = start;
  }
  unsigned open = (atomic_load(&pool->state) | 1) + 2;
  atomic_store(&pool->state, open);
  if (atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
  }

  claim_tasks(pool, 0);
  atomic_store(&pool->state, open - 1); /* closed: late workers stay out */
  for (int spin = 0; atomic_load(&pool->joined) != 0 && spin < KILN_POOL_SPINS;
       ++spin)
    cpu_relax();
  if (atomic_load(&pool->joined) != 0) {
    pthread_mutex_lock(&pool->lock);
    while (atomic_load(&pool->joined) != 0)
      pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
  }
  pthread_mutex_unlock(&pool->busy);
}

int32_t kiln_cpu_count(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int32_t)n : 1;
}

/* Stops and joins the first `started` workers. */
static void stop_workers(kiln_pool *pool, int32_t started) {
  pthread_mutex_lock(&pool->lock);
  atomic_store(&pool->stop, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
  for (int32_t i = 0; i < started; ++i)
    pthread_join(pool->workers[i], NULL);
}

static void free_pool(kiln_pool *pool) {
  pthread_cond_destroy(&pool->done);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->lock);
  pthread_mutex_destroy(&pool->busy);
  free(pool->workers);
  free(pool->ranges);
  free(pool);
}

kiln_pool *kiln_pool_create(int32_t threads) {
  if (threads < 1)
    threads = kiln_cpu_count();
  kiln_pool *pool = aligned_alloc(_Alignof(kiln_pool), sizeof *pool);
  if (!pool)
    return NULL;
  memset(pool, 0, sizeof *pool);
  pool->workers = calloc((size_t)threads, sizeof *pool->workers);
  pool->ranges = aligned_alloc(_Alignof(struct claim_range), (size_t)threads * sizeof *pool->ranges);
  if (!pool->workers || !pool->ranges) {
    free(pool->workers);
    free(pool->ranges);
    free(pool);
    return NULL;
  }
  pool->threads = threads;
  pool->parallel.parallel_for = pool_parallel_for;
  pool->parallel.context = pool;
  pool->parallel.threads = threads;
  pthread_mutex_init(&pool->busy, NULL);
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  for (int32_t i = 0; i < threads - 1; ++i) {
    worker_start *start = malloc(sizeof *start);
    if (start) {
      start->pool = pool;
      start->thread = i + 1;
    }
    if (!start || pthread_create(&pool->workers[i], NULL, worker_main, start) != 0) {
      free(start);
      stop_workers(pool, i);
      free_pool(pool);
      return NULL;
    }
  }
  return pool;
}

void kiln_pool_destroy(kiln_pool *pool) {
  if (!pool)
    return;
  stop_workers(pool, pool->threads - 1);
  free_pool(pool);
}

const kiln_parallel *kiln_pool_parallel(const kiln_pool *pool) {
  return pool ? &pool->parallel : NULL;
}
