/* Embedding a Kiln-compiled model in a C program.
 *
 * `kilnc build mnist.kiln --weights model.json --emit=obj -o mnist.o` writes
 * mnist.o and mnist.h; this program includes the header, links the object and
 * libkiln_rt (to read and write .npy files, and for its thread pool), and
 * runs the model from eight threads at once, each with its own scratch
 * memory: the generated code keeps no global state, so that is all
 * reentrancy takes. Half of the calls also lend the model a two-thread pool
 * (shared by all of them) to split each run over; the others run on their
 * own thread. All eight must give the same result.
 *
 *   classify INPUT.npy OUTPUT.npy
 */
#include "mnist.h"

#include <kiln_rt.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLERS 8

struct job {
  int64_t batch;
  const float *input;
  float *output;
  const kiln_parallel *parallel; /* NULL: run on the calling thread */
};

static void *run(void *arg) {
  struct job *job = arg;
  int64_t bytes = mnist_scratch_size(job->batch, job->parallel);
  if (bytes < 0) return (void *)1;
  /* aligned_alloc wants a multiple of the alignment */
  size_t rounded = ((size_t)bytes + MNIST_SCRATCH_ALIGNMENT - 1) / MNIST_SCRATCH_ALIGNMENT * MNIST_SCRATCH_ALIGNMENT;
  void *scratch = aligned_alloc(MNIST_SCRATCH_ALIGNMENT, rounded ? rounded : MNIST_SCRATCH_ALIGNMENT);
  if (!scratch) return (void *)1;
  int status = mnist_run(job->batch, job->input, job->output, scratch, job->parallel);
  free(scratch);
  return status ? (void *)1 : NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUT.npy OUTPUT.npy\n", argv[0]);
    return 2;
  }
  char err[512];
  kiln_array in;
  if (kiln_npy_load(argv[1], &in, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "classify: %s\n", err);
    return 1;
  }
  if (in.dtype != KILN_FLOAT32 || in.rank != 2 || in.dims[1] != MNIST_IN_0_SAMPLE_SIZE) {
    fprintf(stderr, "classify: %s: expected float32 samples of %d values\n", argv[1], MNIST_IN_0_SAMPLE_SIZE);
    return 1;
  }
  int64_t batch = in.dims[0];
  int64_t dims[2] = {in.dims[0], MNIST_OUT_0_SAMPLE_SIZE};
  kiln_array out[CALLERS];
  for (int t = 0; t < CALLERS; ++t)
    if (kiln_array_alloc(&out[t], KILN_FLOAT32, 2, dims) != KILN_OK)
      return 1;
  kiln_pool *pool = kiln_pool_create(2);
  if (!pool)
    return 1;

  pthread_t threads[CALLERS];
  struct job jobs[CALLERS];
  for (int t = 0; t < CALLERS; ++t) {
    jobs[t] = (struct job){batch, in.data, out[t].data, t % 2 ? kiln_pool_parallel(pool) : NULL};
    pthread_create(&threads[t], NULL, run, &jobs[t]);
  }
  int failed = 0;
  for (int t = 0; t < CALLERS; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    failed |= result != NULL;
  }
  kiln_pool_destroy(pool);
  for (int t = 1; t < CALLERS; ++t)
    failed |= memcmp(out[0].data, out[t].data, (size_t)batch * MNIST_OUT_0_SAMPLE_SIZE * sizeof(float)) != 0;
  if (failed) {
    fprintf(stderr, "classify: the concurrent runs disagree\n");
    return 1;
  }

  const float *p = out[0].data;
  for (int64_t i = 0; i < batch; ++i, p += MNIST_OUT_0_SAMPLE_SIZE) {
    int best = 0;
    for (int c = 1; c < MNIST_OUT_0_SAMPLE_SIZE; ++c)
      if (p[c] > p[best]) best = c;
    printf("sample %lld: class %d (p=%.4f)\n", (long long)i, best, p[best]);
  }
  if (kiln_npy_save(argv[2], &out[0], err, sizeof err) != KILN_OK) {
    fprintf(stderr, "classify: %s\n", err);
    return 1;
  }
  kiln_array_free(&in);
  for (int t = 0; t < CALLERS; ++t)
    kiln_array_free(&out[t]);
  return 0;
}
