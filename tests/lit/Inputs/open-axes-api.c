/* The C API of a model with two open axes (tests/numerics/keras2_open_merges:
 * inputs (batch, steps_a, 4), (batch, steps_b, 4), (batch, 1, 4); the merges
 * need steps_a == steps_b, the Conv1D at least 3 steps). Prints one line per
 * check. */
#include "merges.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 2
#define MAX_STEPS 30

static void check(int ok, const char *what) { printf("%s: %s\n", ok ? "ok" : "FAILED", what); }

int main(void) {
  static float a[BATCH * MAX_STEPS * 4], b[BATCH * MAX_STEPS * 4], bias[BATCH * 4];
  static float features[BATCH * MAX_STEPS * 8], steps[BATCH * 2 * MAX_STEPS * 8], pooled[BATCH * 8];
  int64_t small = merges_scratch_size(BATCH, 3, 3, NULL), large = merges_scratch_size(BATCH, 20, 20, NULL);
  check(small > 0 && large > small, "scratch size grows with the steps");
  check(merges_scratch_size(BATCH, 5, 4, NULL) == -1, "scratch size of unequal merged axes is -1");
  check(merges_scratch_size(BATCH, 2, 2, NULL) == -1, "scratch size of steps too few for the window is -1");
  check(merges_scratch_size(BATCH, 0, 0, NULL) == -1, "scratch size of empty axes is -1");
  check(MERGES_IN_0_SAMPLE_SIZE(7, 7) == 28 && MERGES_OUT_1_SAMPLE_SIZE(7, 7) == 96, "sample sizes of 7 steps");

  void *scratch = aligned_alloc(MERGES_SCRATCH_ALIGNMENT, (size_t)(large + MERGES_SCRATCH_ALIGNMENT) / 64 * 64);
  check(merges_run(BATCH, 5, 4, a, b, bias, features, steps, pooled, scratch, NULL) == MERGES_ERR_AXES,
        "run with unequal merged axes");
  check(merges_run(BATCH, 1, 1, a, b, bias, features, steps, pooled, scratch, NULL) == MERGES_ERR_AXES,
        "run with steps too few for the window");
  check(merges_run(BATCH, 7, 7, a, b, bias, features, steps, pooled, scratch, NULL) == MERGES_OK, "run with 7 steps");
  free(scratch);

  merges_model m;
  check(merges_model_init(&m, BATCH, 5, 4, NULL) == MERGES_ERR_AXES, "model_init with unequal merged axes");
  check(merges_model_init(&m, -1, 3, 3, NULL) == MERGES_ERR_BATCH, "model_init with a negative batch");
  check(merges_model_init(&m, BATCH, 20, 20, NULL) == MERGES_OK, "model_init for 20 steps");
  check(merges_model_run(&m, BATCH, 7, 7, a, b, bias, features, steps, pooled, NULL) == MERGES_OK, "model_run with 7 steps");
  check(merges_model_run(&m, BATCH, 7, 6, a, b, bias, features, steps, pooled, NULL) == MERGES_ERR_AXES,
        "model_run with unequal merged axes");
  check(merges_model_run(&m, BATCH, MAX_STEPS, MAX_STEPS, a, b, bias, features, steps, pooled, NULL) == MERGES_ERR_BATCH,
        "model_run beyond the scratch");
  merges_model_free(&m);
  return 0;
}
