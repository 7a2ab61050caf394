/* Calls a model compiled with `kilnc build --emit=obj -o mlp.o` through its
 * generated header mlp.h, on the two samples of mlp-input-2x784.npy (all
 * 0.5, then all 0.25), and prints the output as the executable does. */
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  enum { BATCH = 2 };
  static float input[BATCH * MLP_IN_0_SAMPLE_SIZE];
  static float output[BATCH * MLP_OUT_0_SAMPLE_SIZE];
  for (int i = 0; i < MLP_IN_0_SAMPLE_SIZE; i++) {
    input[i] = 0.5f;
    input[MLP_IN_0_SAMPLE_SIZE + i] = 0.25f;
  }
  size_t bytes = mlp_scratch_size(BATCH, NULL);
  void *scratch = aligned_alloc(MLP_SCRATCH_ALIGNMENT, (bytes + 63) / 64 * 64 + 64);
  if (!scratch || MLP_NUM_INPUTS != 1 || MLP_NUM_OUTPUTS != 1) return 2;
  if (mlp_run(BATCH, input, output, scratch, NULL) != 0) return 3;
  printf("dense_2 shape (%d, %d):\n", BATCH, MLP_OUT_0_SAMPLE_SIZE);
  for (int k = 0; k < BATCH * MLP_OUT_0_SAMPLE_SIZE; k++)
    printf("%.8g%c", output[k], (k + 1) % MLP_OUT_0_SAMPLE_SIZE == 0 ? '\n' : ' ');
  free(scratch);
  return 0;
}
