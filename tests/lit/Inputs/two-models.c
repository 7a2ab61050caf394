/* Two models compiled with different --name prefixes (digits: an MLP,
 * conv: a Conv2D) linked into one program, each run on an input .npy and
 * its output written as .npy:
 *   two-models DIGITS_IN DIGITS_OUT CONV_IN CONV_OUT */
#include "libconv.h"
#include "libdigits.h"

#include <kiln_rt.h>

#include <stdio.h>

/* Loads `in`, runs one model on it through `run` and saves the output. */
static int run_one(const char *in, const char *out, int32_t out_rank, const int64_t *out_dims,
                   int (*run)(int64_t, const float *, float *)) {
  char err[512];
  kiln_array x, y;
  int64_t dims[KILN_MAX_RANK];
  int i;
  if (kiln_npy_load(in, &x, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  dims[0] = x.dims[0];
  for (i = 1; i < out_rank; i++) dims[i] = out_dims[i];
  if (kiln_array_alloc(&y, KILN_FLOAT32, out_rank, dims) != KILN_OK) return 1;
  if (run(x.dims[0], x.data, y.data) != 0 || kiln_npy_save(out, &y, err, sizeof err) != KILN_OK) return 1;
  kiln_array_free(&x);
  kiln_array_free(&y);
  return 0;
}

static int run_digits(int64_t batch, const float *x, float *y) {
  digits_model m;
  int status = digits_model_init(&m, batch, NULL);
  if (status == DIGITS_OK) status = digits_model_run(&m, batch, x, y, NULL);
  digits_model_free(&m);
  return status;
}

static int run_conv(int64_t batch, const float *x, float *y) {
  conv_model m;
  int status = conv_model_init(&m, batch, NULL);
  if (status == CONV_OK) status = conv_model_run(&m, batch, x, y, NULL);
  conv_model_free(&m);
  return status;
}

int main(int argc, char **argv) {
  static const int64_t digits_dims[] = {0, 10}, conv_dims[] = {0, 6, 7, 5};
  if (argc != 5) return 2;
  return run_one(argv[1], argv[2], 2, digits_dims, run_digits) ||
         run_one(argv[3], argv[4], 4, conv_dims, run_conv);
}
