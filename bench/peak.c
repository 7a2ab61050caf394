/* The machine's FMA peak: every thread runs independent chains of vector
 * multiply-adds, enough of them to cover the FMA latency on every port.
 * Compiled with -O2 -march=native: the vector width is the widest the
 * machine has (AVX-512, AVX2/FMA, else 128-bit).
 *
 *   peak THREADS SECONDS      prints "peak_gflops=G" (all threads together) */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#define CHAINS 24
#elif defined(__AVX2__) || defined(__AVX__)
#define LANES 8
#define CHAINS 12
#else
#define LANES 4
#define CHAINS 12
#endif

typedef float vf __attribute__((vector_size(LANES * 4)));

static long iterations;
static volatile float sink;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg) {
  (void)arg;
  vf acc[CHAINS], m = (vf){} + 0.999999f, a = (vf){} + 1e-7f;
  for (int j = 0; j < CHAINS; ++j) acc[j] = (vf){} + (float)j;
  /* Unrolled, so the chains live in registers: a loop over an array in
   * memory measures store-to-load forwarding, not the FMA units. */
  for (long i = 0; i < iterations; ++i)
#pragma GCC unroll 64
    for (int j = 0; j < CHAINS; ++j) acc[j] = acc[j] * m + a;
  float total = 0;
  for (int j = 0; j < CHAINS; ++j)
    for (int l = 0; l < LANES; ++l) total += acc[j][l];
  sink = total;
  return NULL;
}

/* Wall seconds for `threads` threads doing `iterations` each. */
static double timed(int threads) {
  pthread_t t[256];
  double start = now_s();
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, work, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  return now_s() - start;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1 || threads > 256) return 2;
  iterations = 100000;
  double t;
  while ((t = timed(threads)) < seconds / 20) iterations *= 2;
  /* The best of twenty short runs: a shared machine's speed drifts from
   * one moment to the next (a VM's neighbours), and the peak is what the
   * cores reach when nothing slows them. */
  double best = t;
  for (int r = 0; r < 20; ++r)
    if ((t = timed(threads)) < best) best = t;
  double flops = 2.0 * LANES * CHAINS * (double)iterations * threads;
  printf("peak_gflops=%.2f lanes=%d\n", flops / best / 1e9, LANES);
  return 0;
}
