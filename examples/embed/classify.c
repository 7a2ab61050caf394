/* Embedding a Kiln-compiled model in a C program.
 *
 * `kilnc build mnist.kiln --weights model.json --emit=obj -o mnist.o` writes
 * mnist.o and mnist.h; this program includes the header, links the object and
 * libkiln_rt (used here only to read and write .npy files), and runs the
 * model on two threads at once, each with its own scratch memory: the
 * generated code keeps no global state, so that is all reentrancy takes.
 *
 *   classify INPUT.npy OUTPUT.npy
 */
#include "mnist.h"

#include <kiln_rt.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
  int64_t batch;
  const float *input;
  float *output;
};

static void *run(void *arg) {
  struct job *job = arg;
  int64_t bytes = mnist_scratch_size(job->batch);
  if (bytes < 0) return (void *)1;
  /* aligned_alloc wants a multiple of the alignment */
  size_t rounded = ((size_t)bytes + MNIST_SCRATCH_ALIGNMENT - 1) / MNIST_SCRATCH_ALIGNMENT * MNIST_SCRATCH_ALIGNMENT;
  void *scratch = aligned_alloc(MNIST_SCRATCH_ALIGNMENT, rounded ? rounded : MNIST_SCRATCH_ALIGNMENT);
  if (!scratch) return (void *)1;
  int status = mnist_run(job->batch, job->input, job->output, scratch);
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
  kiln_array out[2];
  if (kiln_array_alloc(&out[0], KILN_FLOAT32, 2, dims) != KILN_OK ||
      kiln_array_alloc(&out[1], KILN_FLOAT32, 2, dims) != KILN_OK)
    return 1;

  pthread_t threads[2];
  struct job jobs[2];
  for (int t = 0; t < 2; ++t) {
    jobs[t] = (struct job){batch, in.data, out[t].data};
    pthread_create(&threads[t], NULL, run, &jobs[t]);
  }
  int failed = 0;
  for (int t = 0; t < 2; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    failed |= result != NULL;
  }
  if (failed || memcmp(out[0].data, out[1].data, (size_t)batch * MNIST_OUT_0_SAMPLE_SIZE * sizeof(float)) != 0) {
    fprintf(stderr, "classify: the two concurrent runs disagree\n");
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
  kiln_array_free(&out[0]);
  kiln_array_free(&out[1]);
  return 0;
}
