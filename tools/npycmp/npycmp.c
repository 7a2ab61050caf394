/* npycmp ACTUAL.npy EXPECTED.npy [--atol A] [--rtol R] [--range-tol F]
 *
 * Passes iff both arrays have the same shape and every element satisfies
 * |actual - expected| <= atol + rtol * |expected| (the rule of numpy.isclose),
 * where a NaN matches only a NaN and an infinity only the same infinity.
 * --range-tol F adds F times the largest finite |expected| to atol: for
 * results whose rounding scales with the whole array's magnitude.
 * Elements of any supported dtype are compared as double.
 * Exit status: 0 match, 1 mismatch, 2 usage or load error. */
#include "kiln_rt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: npycmp ACTUAL.npy EXPECTED.npy [--atol A] [--rtol R] [--range-tol F]\n"
    "  passes iff shapes are equal and every element has\n"
    "  |actual - expected| <= atol + rtol*|expected| (defaults 1e-5 each);\n"
    "  --range-tol F adds F * max|expected| to atol (default 0)\n";

static double element(const kiln_array *a, size_t i) {
  switch (a->dtype) {
  case KILN_FLOAT32:
    return ((const float *)a->data)[i];
  case KILN_INT32:
    return ((const int32_t *)a->data)[i];
  case KILN_INT64:
    return (double)((const int64_t *)a->data)[i];
  case KILN_FLOAT64:
    return ((const double *)a->data)[i];
  }
  return NAN;
}

static void print_shape(FILE *f, const kiln_array *a) {
  fputc('(', f);
  for (int32_t i = 0; i < a->rank; i++)
    fprintf(f, "%s%lld", i ? ", " : "", (long long)a->dims[i]);
  fputs(a->rank == 1 ? ",)" : ")", f);
}

/* A tolerance: a finite number >= 0. */
static int parse_tol(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  const char *files[2];
  int num_files = 0;
  double atol = 1e-5, rtol = 1e-5, range_tol = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(arg, "--atol") == 0 || strcmp(arg, "--rtol") == 0 ||
        strcmp(arg, "--range-tol") == 0) {
      double *tol = strcmp(arg, "--atol") == 0   ? &atol
                    : strcmp(arg, "--rtol") == 0 ? &rtol
                                                 : &range_tol;
      if (i + 1 >= argc || parse_tol(argv[i + 1], tol) != 0) {
        fprintf(stderr, "npycmp: error: %s needs a number >= 0\n%s", arg,
                usage);
        return 2;
      }
      i++;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "npycmp: error: unknown option '%s'\n%s", arg, usage);
      return 2;
    } else if (num_files < 2) {
      files[num_files++] = arg;
    } else {
      fprintf(stderr, "npycmp: error: too many files\n%s", usage);
      return 2;
    }
  }
  if (num_files != 2) {
    fprintf(stderr, "npycmp: error: need ACTUAL.npy and EXPECTED.npy\n%s",
            usage);
    return 2;
  }

  kiln_array act, ref;
  char err[512];
  if (kiln_npy_load(files[0], &act, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "npycmp: error: %s\n", err);
    return 2;
  }
  if (kiln_npy_load(files[1], &ref, err, sizeof err) != KILN_OK) {
    fprintf(stderr, "npycmp: error: %s\n", err);
    kiln_array_free(&act);
    return 2;
  }

  int same_shape = act.rank == ref.rank;
  for (int32_t d = 0; same_shape && d < act.rank; d++)
    same_shape = act.dims[d] == ref.dims[d];
  if (!same_shape) {
    printf("npycmp: MISMATCH shape ");
    print_shape(stdout, &act);
    printf(" of %s, expected ", files[0]);
    print_shape(stdout, &ref);
    printf(" of %s\n", files[1]);
    kiln_array_free(&act);
    kiln_array_free(&ref);
    return 1;
  }

  size_t n = kiln_array_count(&act), failing = 0, worst = 0;
  if (range_tol > 0) {
    double range = 0;
    for (size_t i = 0; i < n; i++) {
      double e = fabs(element(&ref, i));
      if (isfinite(e) && e > range)
        range = e;
    }
    atol += range_tol * range;
  }

  /* The worst element: the largest |diff| while all pass, else the failing
   * element furthest past its tolerance (a NaN or infinity mismatch counts
   * as infinitely far). */
  double max_diff = 0, worst_excess = -1;
  for (size_t i = 0; i < n; i++) {
    double a = element(&act, i), e = element(&ref, i);
    double diff = 0, excess = -INFINITY;
    if (isnan(a) || isnan(e)) {
      if (isnan(a) != isnan(e))
        diff = excess = INFINITY;
    } else if (a != e) {
      diff = fabs(a - e);
      excess = isinf(a) || isinf(e) ? INFINITY : diff - (atol + rtol * fabs(e));
    }
    if (excess > 0) {
      if (failing++ == 0 || excess > worst_excess) {
        worst_excess = excess;
        worst = i;
      }
    } else if (failing == 0 && diff > max_diff) {
      worst = i;
    }
    if (diff > max_diff)
      max_diff = diff;
  }

  if (n == 0) {
    printf("npycmp: OK (no elements: both shapes are ");
    print_shape(stdout, &act);
    printf(")\n");
  } else if (failing == 0) {
    printf("npycmp: OK max|diff|=%.9g (worst at index %zu of %zu; tolerance "
           "atol+rtol*|ref| = %g+%g*|ref|)\n",
           max_diff, worst, n, atol, rtol);
  } else {
    double a = element(&act, worst), e = element(&ref, worst);
    printf("npycmp: MISMATCH %zu of %zu elements differ; worst at index %zu: "
           "actual %.9g, expected %.9g (|diff|=%.9g, tolerance %.9g = "
           "%g+%g*|ref|)\n",
           failing, n, worst, a, e, fabs(a - e), atol + rtol * fabs(e), atol,
           rtol);
  }
  kiln_array_free(&act);
  kiln_array_free(&ref);
  return failing == 0 ? 0 : 1;
}
