/* The C API of a model compiled with `kilnc build --emit=obj -o mlp.o`
 * (tests/numerics/mlp_sequential) beyond the happy path: the size and batch
 * checks of the entry points, a caller's parallel-for, and the convenience
 * functions, whose results must equal mlp_run's. Prints one line per check;
 * exit status 1 if any fails. Strict C99. */
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  failures += !ok;
}

/* A parallel-for of three "threads" that runs the tasks one after the
 * other, giving them the thread ids 2, 1, 0, 2, ... and counting them. */
static int64_t tasks_run;

static void serial_for(void *context, kiln_task task, void *task_context, int64_t count) {
  int64_t i;
  (void)context;
  for (i = 0; i < count; i++) {
    task(task_context, i, (int32_t)(2 - i % 3));
    tasks_run++;
  }
}

int main(void) {
  enum { BATCH = 3 };
  static float input[BATCH * MLP_IN_0_SAMPLE_SIZE];
  static float direct[BATCH * MLP_OUT_0_SAMPLE_SIZE], convenient[BATCH * MLP_OUT_0_SAMPLE_SIZE];
  mlp_model model;
  void *scratch;
  int i;
  for (i = 0; i < BATCH * MLP_IN_0_SAMPLE_SIZE; i++)
    input[i] = (float)(i % 17) / 17.0f;

  check(mlp_scratch_size(-1, NULL) == -1, "scratch size of a negative batch is -1");
  check(mlp_scratch_size(INT64_MAX, NULL) == -1, "scratch size that overflows is -1");
  check(mlp_scratch_size(2, NULL) > mlp_scratch_size(1, NULL), "scratch grows with the batch");
  check(mlp_run(-1, input, direct, NULL, NULL) == MLP_ERR_BATCH, "run with a negative batch");

  scratch = malloc((size_t)mlp_scratch_size(BATCH, NULL) + MLP_SCRATCH_ALIGNMENT);
  check(mlp_run(BATCH, input, direct, (char *)scratch + (MLP_SCRATCH_ALIGNMENT - (uintptr_t)scratch % MLP_SCRATCH_ALIGNMENT), NULL) ==
            MLP_OK,
        "run");
  free(scratch);

  {
    kiln_parallel three = {serial_for, NULL, 3};
    static float threaded[BATCH * MLP_OUT_0_SAMPLE_SIZE];
    check(mlp_scratch_size(BATCH, &three) >= mlp_scratch_size(BATCH, NULL), "scratch for three threads");
    scratch = malloc((size_t)mlp_scratch_size(BATCH, &three) + MLP_SCRATCH_ALIGNMENT);
    check(mlp_run(BATCH, input, threaded, (char *)scratch + (MLP_SCRATCH_ALIGNMENT - (uintptr_t)scratch % MLP_SCRATCH_ALIGNMENT),
                  &three) == MLP_OK &&
              tasks_run > 0,
          "run on a parallel-for");
    check(memcmp(direct, threaded, sizeof direct) == 0, "a parallel-for computes what one thread does");
    free(scratch);
  }

  check(mlp_model_init(&model, -2, NULL) == MLP_ERR_BATCH && model.scratch == NULL, "init with a negative batch");
  check(mlp_model_init(&model, INT64_MAX, NULL) == MLP_ERR_BATCH, "init with a batch that overflows");
  check(mlp_model_init(&model, BATCH, NULL) == MLP_OK, "init");
  check((uintptr_t)model.scratch % MLP_SCRATCH_ALIGNMENT == 0, "init aligns the scratch");
  check(mlp_model_run(&model, BATCH, input, convenient, NULL) == MLP_OK, "model_run");
  check(memcmp(direct, convenient, sizeof direct) == 0, "model_run computes what run does");
  check(mlp_model_run(&model, BATCH + 1, input, convenient, NULL) == MLP_ERR_BATCH, "model_run beyond the scratch");
  check(mlp_model_run(&model, -1, input, convenient, NULL) == MLP_ERR_BATCH, "model_run with a negative batch");
  check(mlp_model_run(&model, 1, input, convenient, NULL) == MLP_OK && memcmp(direct, convenient, 10 * sizeof(float)) == 0,
        "model_run on fewer samples");
  mlp_model_free(&model);
  check(model.scratch == NULL && model.scratch_size == 0, "free");
  mlp_model_free(&model); /* a second free is harmless */
  return failures != 0;
}
