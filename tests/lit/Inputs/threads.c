/* One model called from 8 threads at once, each with its own scratch (its
 * own net_model), each on its own sample of IN.npy, many times; the odd ones
 * split each call over one kiln_pool they share, the even ones run on their
 * own thread. Every output
 * must match EXPECTED.npy (Keras's) within ATOL + RTOL * |expected|.
 * Prints one line; exit status 1 on any mismatch. The model is built with
 * `kilnc build --emit=obj --name net`.
 *     threads IN.npy EXPECTED.npy ATOL RTOL */
#include "net.h"

#include <kiln_rt.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 8, ROUNDS = 20 };

static kiln_array input, expected;
static int64_t batch;
static float atol_, rtol_;
static const kiln_parallel *shared_pool;

struct job {
  int thread;
  int mismatches;
};

static void *work(void *arg) {
  struct job *job = arg;
  float out[NET_OUT_0_SAMPLE_SIZE];
  net_model model;
  int round;
  int64_t i;
  const kiln_parallel *parallel = job->thread % 2 ? shared_pool : NULL;
  if (net_model_init(&model, 1, parallel) != NET_OK) {
    job->mismatches = -1;
    return NULL;
  }
  for (round = 0; round < ROUNDS; round++) {
    int64_t sample = (job->thread + round) % batch;
    const float *in = (const float *)input.data + sample * NET_IN_0_SAMPLE_SIZE;
    const float *want = (const float *)expected.data + sample * NET_OUT_0_SAMPLE_SIZE;
    if (net_model_run(&model, 1, in, out, parallel) != NET_OK) job->mismatches++;
    for (i = 0; i < NET_OUT_0_SAMPLE_SIZE; i++)
      if (!(fabsf(out[i] - want[i]) <= atol_ + rtol_ * fabsf(want[i]))) job->mismatches++;
  }
  net_model_free(&model);
  return NULL;
}

int main(int argc, char **argv) {
  char err[512];
  pthread_t threads[THREADS];
  struct job jobs[THREADS];
  kiln_pool *pool;
  int t, failed = 0;
  if (argc != 5 || kiln_npy_load(argv[1], &input, err, sizeof err) != KILN_OK ||
      kiln_npy_load(argv[2], &expected, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "usage: threads IN.npy EXPECTED.npy ATOL RTOL (%s)\n", argc == 5 ? err : "");
    return 2;
  }
  batch = input.dims[0];
  atol_ = strtof(argv[3], NULL);
  rtol_ = strtof(argv[4], NULL);
  if (kiln_array_count(&input) != (size_t)batch * NET_IN_0_SAMPLE_SIZE ||
      kiln_array_count(&expected) != (size_t)batch * NET_OUT_0_SAMPLE_SIZE) {
    fprintf(stderr, "the arrays do not fit the model\n");
    return 2;
  }
  pool = kiln_pool_create(3);
  if (!pool) return 2;
  shared_pool = kiln_pool_parallel(pool);
  for (t = 0; t < THREADS; t++) {
    jobs[t].thread = t;
    jobs[t].mismatches = 0;
    if (pthread_create(&threads[t], NULL, work, &jobs[t]) != 0) return 2;
  }
  for (t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    if (jobs[t].mismatches) {
      printf("thread %d: %d mismatches\n", t, jobs[t].mismatches);
      failed = 1;
    }
  }
  kiln_pool_destroy(pool);
  if (!failed) printf("%d threads x %d runs: all outputs match\n", THREADS, ROUNDS);
  kiln_array_free(&input);
  kiln_array_free(&expected);
  return failed;
}
