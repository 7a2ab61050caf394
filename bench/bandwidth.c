/* How fast one core reads a block of memory it reads over and over, as a
 * batch-1 layer reads its weights: the bound on a memory-bound case (see
 * "Targets" in README.md). Sums the block with vector loads in 8
 * independent chains; the best of several passes counts.
 *
 *   bandwidth KIB...        prints "kib=K gbs=G" per block size */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The CPU's widest vectors: wider ones are split by the compiler, through
 * memory, and the loop would time that instead of the loads. */
#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#else
#define VECTOR_BYTES 16
#endif
typedef float vec __attribute__((vector_size(VECTOR_BYTES)));

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static vec sum(const vec *p, size_t n) {
  vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
  for (size_t i = 0; i + 8 <= n; i += 8) {
    a0 += p[i];
    a1 += p[i + 1];
    a2 += p[i + 2];
    a3 += p[i + 3];
    a4 += p[i + 4];
    a5 += p[i + 5];
    a6 += p[i + 6];
    a7 += p[i + 7];
  }
  return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s KIB...\n", argv[0]);
    return 2;
  }
  for (int arg = 1; arg < argc; ++arg) {
    size_t kib = strtoul(argv[arg], NULL, 10), n = kib * 1024 / sizeof(vec);
    vec *block = aligned_alloc(64, n * sizeof(vec));
    if (!block || n < 8) return 1;
    for (size_t i = 0; i < n; ++i) block[i] = (vec){0} + (float)(i & 7);
    /* Enough passes for about 64 MB per timing, five timings. */
    size_t passes = 64u * 1024 * 1024 / (n * sizeof(vec)) + 1;
    double best = 0;
    vec total = {0};
    for (int t = 0; t < 5; ++t) {
      double start = now();
      for (size_t p = 0; p < passes; ++p) total += sum(block, n);
      double gbs = (double)passes * (double)(n * sizeof(vec)) / (now() - start) / 1e9;
      if (gbs > best) best = gbs;
    }
    printf("kib=%zu gbs=%.1f check=%g\n", kib, best, (double)total[0]);
    free(block);
  }
  return 0;
}
