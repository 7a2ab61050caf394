/* The C API of a model compiled with `kilnc build --emit=obj -o mlp.o`
 * (tests/numerics/mlp_sequential) beyond the happy path: the size and batch
 * checks of the entry points, and the convenience functions, whose results
 * must equal mlp_run's. Prints one line per check; exit status 1 if any
 * fails. Strict C99. */
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  failures += !ok;
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

  check(mlp_scratch_size(-1) == -1, "scratch size of a negative batch is -1");
  check(mlp_scratch_size(INT64_MAX) == -1, "scratch size that overflows is -1");
  check(mlp_scratch_size(2) > mlp_scratch_size(1), "scratch grows with the batch");
  check(mlp_run(-1, input, direct, NULL) == MLP_ERR_BATCH, "run with a negative batch");

  scratch = malloc((size_t)mlp_scratch_size(BATCH) + MLP_SCRATCH_ALIGNMENT);
  check(mlp_run(BATCH, input, direct, (char *)scratch + (MLP_SCRATCH_ALIGNMENT - (uintptr_t)scratch % MLP_SCRATCH_ALIGNMENT)) ==
            MLP_OK,
        "run");
  free(scratch);

  check(mlp_model_init(&model, -2) == MLP_ERR_BATCH && model.scratch == NULL, "init with a negative batch");
  check(mlp_model_init(&model, INT64_MAX) == MLP_ERR_BATCH, "init with a batch that overflows");
  check(mlp_model_init(&model, BATCH) == MLP_OK, "init");
  check((uintptr_t)model.scratch % MLP_SCRATCH_ALIGNMENT == 0, "init aligns the scratch");
  check(mlp_model_run(&model, BATCH, input, convenient) == MLP_OK, "model_run");
  check(memcmp(direct, convenient, sizeof direct) == 0, "model_run computes what run does");
  check(mlp_model_run(&model, BATCH + 1, input, convenient) == MLP_ERR_BATCH, "model_run beyond the scratch");
  check(mlp_model_run(&model, -1, input, convenient) == MLP_ERR_BATCH, "model_run with a negative batch");
  check(mlp_model_run(&model, 1, input, convenient) == MLP_OK && memcmp(direct, convenient, 10 * sizeof(float)) == 0,
        "model_run on fewer samples");
  mlp_model_free(&model);
  check(model.scratch == NULL && model.scratch_size == 0, "free");
  mlp_model_free(&model); /* a second free is harmless */
  return failures != 0;
}
