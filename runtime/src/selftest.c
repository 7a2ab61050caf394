/* --self-test: runs the reference inputs built into the executable
 * (`kilnc build --embed-test-vectors`) and compares every output with its
 * reference within the stated tolerance, the way frugally-deep ships a test
 * case with each model. */
#include "rt_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Element k of an output as a double. */
static double element(int32_t dtype, const void *data, size_t k) {
  return dtype == KILN_INT32 ? (double)((const int32_t *)data)[k]
                             : (double)((const float *)data)[k];
}

/* Compares output `i`; prints its line and returns 1 if it passes. */
static int check_output(const kiln_model_info *m, int32_t i,
                        const kiln_array *got, const void *want) {
  const kiln_test_vectors *t = m->test_vectors;
  size_t count = kiln_array_count(got), failures = 0, worst = 0;
  double worst_diff = -1;
  for (size_t k = 0; k < count; k++) {
    double g = element(got->dtype, got->data, k);
    double w = element(got->dtype, want, k);
    /* NaN matches only NaN; anything else is |g - w| against the bound. */
    double diff = isnan(w) || isnan(g) ? (isnan(w) && isnan(g) ? 0 : INFINITY)
                                       : fabs(g - w);
    if (diff > t->atol + t->rtol * fabs(w))
      failures++;
    if (diff > worst_diff) {
      worst_diff = diff;
      worst = k;
    }
  }
  char shape[KILN_RT_SHAPE_LEN];
  kiln_rt_format_shape(shape, sizeof shape, got->rank, got->dims, NULL);
  printf("self-test: output '%s' %s: %s, max |diff| %.3g at index %zu "
         "(expected %.9g, got %.9g)\n",
         m->outputs[i].name, shape, failures ? "FAILED" : "ok",
         worst_diff > 0 ? worst_diff : 0.0,
         worst, count ? element(got->dtype, want, worst) : 0.0,
         count ? element(got->dtype, got->data, worst) : 0.0);
  if (failures)
    printf("self-test: %zu of %zu values of '%s' are outside the tolerance\n",
           failures, count, m->outputs[i].name);
  return failures == 0;
}

int kiln_rt_self_test(const kiln_model_info *m, const void *weights) {
  const kiln_test_vectors *t = m->test_vectors;
  if (!t) {
    kiln_rt_error("'%s' was built without test vectors; build it with "
                  "kilnc build --embed-test-vectors DIR",
                  m->name);
    return 1;
  }
  if (m->num_axes > 0) {
    kiln_rt_error("'%s' has open axes: run it on .npy files instead of "
                  "--self-test", m->name);
    return 1;
  }
  kiln_array *out = calloc((size_t)m->num_outputs, sizeof *out);
  void **out_data = calloc((size_t)m->num_outputs, sizeof *out_data);
  int64_t bytes = m->scratch_size ? m->scratch_size(t->batch, NULL, NULL) : 0;
  void *scratch = bytes >= 0 && (uint64_t)bytes <= SIZE_MAX
                      ? kiln_rt_aligned_alloc((size_t)bytes)
                      : NULL;
  int status = 1, ok = 1;
  for (int32_t i = 0; out && out_data && i < m->num_outputs; i++) {
    int64_t dims[KILN_MAX_RANK];
    for (int32_t d = 0; d < m->outputs[i].rank; d++)
      dims[d] = d == 0 ? t->batch : m->outputs[i].dims[d];
    if (kiln_array_alloc(&out[i], (kiln_dtype)m->outputs[i].dtype,
                         m->outputs[i].rank, dims) != KILN_OK)
      ok = 0;
    else
      out_data[i] = out[i].data;
  }
  if (!out || !out_data || !scratch || !ok) {
    kiln_rt_error("out of memory for the self-test");
  } else if (m->run(t->batch, NULL, t->inputs, out_data, weights, scratch, NULL) != 0) {
    kiln_rt_error("model '%s' failed in the self-test", m->name);
  } else {
    printf("self-test: model '%s' on %lld reference samples, tolerance "
           "|got - expected| <= %g + %g * |expected|\n",
           m->name, (long long)t->batch, t->atol, t->rtol);
    int passed = 1;
    for (int32_t i = 0; i < m->num_outputs; i++)
      passed &= check_output(m, i, &out[i], t->outputs[i]);
    if (passed)
      printf("self-test: passed\n");
    else
      kiln_rt_error("self-test of '%s' failed", m->name);
    status = passed ? 0 : 1;
  }
  for (int32_t i = 0; out && i < m->num_outputs; i++)
    kiln_array_free(&out[i]);
  free(out);
  free(out_data);
  free(scratch);
  return status;
}
