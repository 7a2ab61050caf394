/* Times a model compiled with `kilnc build --emit=obj --name model` (one
 * input, one output) the way bench/peers.py times its peers: warm-up runs,
 * then runs timed one by one until the time budget is spent; prints the
 * median. Writes the output of the last run for the correctness check.
 *
 *   timer IN.npy OUT.npy THREADS SECONDS
 * prints "median_ms=M min_ms=F runs=N" (F: the fastest run, for comparing
 * two builds on a machine whose load comes and goes). */
#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <kiln_rt.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s IN.npy OUT.npy THREADS SECONDS\n", argv[0]);
    return 2;
  }
  char err[512];
  kiln_array in, out;
  if (kiln_npy_load(argv[1], &in, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "timer: %s\n", err);
    return 1;
  }
  int threads = atoi(argv[3]);
  double budget = atof(argv[4]) * 1e3;
  int64_t batch = in.dims[0];
  int64_t dims[2] = {batch, MODEL_OUT_0_SAMPLE_SIZE};
  kiln_pool *pool = threads > 1 ? kiln_pool_create(threads) : NULL;
  const kiln_parallel *parallel = kiln_pool_parallel(pool);
  int64_t bytes = model_scratch_size(batch, parallel);
  void *scratch = aligned_alloc(MODEL_SCRATCH_ALIGNMENT, (size_t)(bytes + 63) / 64 * 64 + 64);
  if (kiln_array_alloc(&out, KILN_FLOAT32, 2, dims) != KILN_OK || !scratch || (threads > 1 && !pool)) return 1;

  enum { MAX_RUNS = 2000 };
  static double times[MAX_RUNS];
  double start = now_ms();
  for (int i = 0; i < 3 || now_ms() - start < budget / 5; ++i)
    if (model_run(batch, in.data, out.data, scratch, parallel) != MODEL_OK) return 1;
  int runs = 0;
  start = now_ms();
  while (runs < MAX_RUNS && (runs < 5 || now_ms() - start < budget)) {
    double t0 = now_ms();
    model_run(batch, in.data, out.data, scratch, parallel);
    times[runs++] = now_ms() - t0;
  }
  qsort(times, (size_t)runs, sizeof times[0], compare);
  printf("median_ms=%.6f min_ms=%.6f runs=%d\n",
         runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2, times[0], runs);
  if (kiln_npy_save(argv[2], &out, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "timer: %s\n", err);
    return 1;
  }
  kiln_pool_destroy(pool);
  free(scratch);
  return 0;
}
