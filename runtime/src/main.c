/* kiln_rt_main: the command-line driver of executables built by
 * `kilnc build`. It loads and checks the inputs, runs the model, and writes
 * or prints the outputs. Every failure is one line on stderr starting with
 * "kiln: error: " and exit status 1. */
#define _POSIX_C_SOURCE 200809L

#include "rt_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void print_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("kiln: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* Keras-style shape of a model tensor: "(batch, 784)". */
static const char *model_shape(char *buf, size_t len,
                               const kiln_tensor_info *t) {
  return kiln_rt_format_shape(buf, len, t->rank, t->dims, "batch");
}

static const char *dtype_name(int32_t dtype) {
  return kiln_dtype_name((kiln_dtype)dtype);
}

/* Prints "a, b, c" to f. */
static void print_names(FILE *f, const kiln_tensor_info *t, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    fprintf(f, "%s%s", i ? ", " : "", t[i].name);
}

static void print_usage(const kiln_model_info *m, const char *prog) {
  printf("usage: %s", prog);
  for (int32_t i = 0; i < m->num_inputs; i++)
    printf(" %s.npy", m->inputs[i].name);
  printf(" [");
  for (int32_t i = 0; i < m->num_outputs; i++)
    printf("%s-o %s.npy", i ? " " : "", m->outputs[i].name);
  printf(" | --out-dir DIR] [--labels FILE] [--repeat N] [--help]\n\n");
  printf("Runs the model '%s' on the inputs, which are .npy files, and prints "
         "the\noutputs as text or, with -o, writes them as .npy files.\n\n",
         m->name);
  char shape[KILN_RT_SHAPE_LEN];
  printf("inputs, in this order:\n");
  for (int32_t i = 0; i < m->num_inputs; i++)
    printf("  %-20s %-8s %s\n", m->inputs[i].name,
           dtype_name(m->inputs[i].dtype),
           model_shape(shape, sizeof shape, &m->inputs[i]));
  printf("outputs, in this order:\n");
  for (int32_t i = 0; i < m->num_outputs; i++)
    printf("  %-20s %-8s %s\n", m->outputs[i].name,
           dtype_name(m->outputs[i].dtype),
           model_shape(shape, sizeof shape, &m->outputs[i]));
  printf("\nbatch is the number of samples; it must be the same for all "
         "inputs.\n\n"
         "options:\n"
         "  -o FILE     write the next output to FILE (give it for every "
         "output or none)\n"
         "  --out-dir DIR\n"
         "              write every output to DIR/<output name>.npy\n"
         "  --labels FILE\n"
         "              a classifier's true labels (.npy, one integer per "
         "sample): print\n"
         "              each sample's predicted class (the largest value of "
         "the first\n"
         "              output) against its label, and the accuracy\n"
         "  --repeat N  after the first run, run N more times and print the "
         "mean latency\n"
         "              to stderr\n"
         "  --help      show this help\n");
}

/* The model description comes from generated code, but a bad one should
 * give a message rather than a crash. */
static int model_valid(const kiln_model_info *m) {
  if (!m || !m->name || !m->run || m->num_inputs < 1 || m->num_outputs < 1 ||
      !m->inputs || !m->outputs)
    return 0;
  for (int32_t k = 0; k < m->num_inputs + m->num_outputs; k++) {
    const kiln_tensor_info *t =
        k < m->num_inputs ? &m->inputs[k] : &m->outputs[k - m->num_inputs];
    if (!t->name || !kiln_rt_dtype_valid(t->dtype) || t->rank < 1 ||
        t->rank > KILN_MAX_RANK || !t->dims)
      return 0;
  }
  return 1;
}

typedef struct options {
  const char **inputs; /* positional files; argc entries are allocated */
  int num_inputs;
  const char **outputs; /* -o files */
  int num_outputs;
  const char *out_dir; /* --out-dir: outputs as DIR/<name>.npy */
  const char *labels;  /* --labels: true classes, for an accuracy report */
  long long repeat;    /* timed runs after the first; 0 for none */
  int help;
} options;

/* Parses a --repeat count: a whole decimal number >= 1. */
static int parse_repeat(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1)
    return -1;
  *out = v;
  return 0;
}

/* Fills `o` from argv; returns 0, or -1 after printing an error. */
static int parse_args(int argc, char **argv, const char *prog, options *o) {
  int only_files = 0; /* after "--" every argument is a file */
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!arg)
      continue;
    if (only_files || arg[0] != '-' || arg[1] == '\0') {
      o->inputs[o->num_inputs++] = arg;
    } else if (strcmp(arg, "--") == 0) {
      only_files = 1;
    } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      o->help = 1;
    } else if (strcmp(arg, "-o") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        print_error("-o needs a file name; see %s --help", prog);
        return -1;
      }
      o->outputs[o->num_outputs++] = argv[++i];
    } else if (strcmp(arg, "--out-dir") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        print_error("--out-dir needs a directory; see %s --help", prog);
        return -1;
      }
      o->out_dir = argv[++i];
    } else if (strcmp(arg, "--labels") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        print_error("--labels needs a .npy file; see %s --help", prog);
        return -1;
      }
      o->labels = argv[++i];
    } else if (strcmp(arg, "--repeat") == 0 ||
               strncmp(arg, "--repeat=", 9) == 0) {
      const char *value = arg[8] == '=' ? arg + 9 : NULL;
      if (!value && i + 1 < argc)
        value = argv[++i];
      if (!value) {
        print_error("--repeat needs a number of runs; see %s --help", prog);
        return -1;
      }
      if (parse_repeat(value, &o->repeat) != 0) {
        print_error("--repeat needs a whole number of runs >= 1, got '%s'",
                    value);
        return -1;
      }
    } else {
      print_error("unknown option '%s'; see %s --help", arg, prog);
      return -1;
    }
  }
  return 0;
}

/* Checks input `i` (loaded from `file` into `a`) against the model, and
 * converts int64 data to int32 where the model wants int32. `batch` is the
 * batch size of the inputs checked so far, or -1 before the first. */
static int check_input(const kiln_model_info *m, int32_t i, const char *file,
                       kiln_array *a, int64_t *batch, const char *first_file) {
  const kiln_tensor_info *t = &m->inputs[i];
  char want[KILN_RT_SHAPE_LEN], got[KILN_RT_SHAPE_LEN];
  int from_int64 = t->dtype == KILN_INT32 && a->dtype == KILN_INT64;
  if ((int32_t)a->dtype != t->dtype && !from_int64) {
    print_error(
        "input '%s' (%s): expected %s, got %s; convert with x.astype('%s')",
        t->name, file, dtype_name(t->dtype), kiln_dtype_name(a->dtype),
        dtype_name(t->dtype));
    return -1;
  }
  int same = a->rank == t->rank;
  for (int32_t d = 1; same && d < t->rank; d++)
    same = a->dims[d] == t->dims[d];
  if (!same) {
    print_error("input '%s' (%s): expected shape %s, got %s", t->name, file,
                model_shape(want, sizeof want, t),
                kiln_rt_format_shape(got, sizeof got, a->rank, a->dims, NULL));
    return -1;
  }
  if (a->dims[0] < 1) {
    print_error("input '%s' (%s): expected shape %s with batch >= 1, got %s",
                t->name, file, model_shape(want, sizeof want, t),
                kiln_rt_format_shape(got, sizeof got, a->rank, a->dims, NULL));
    return -1;
  }
  if (*batch >= 0 && a->dims[0] != *batch) {
    print_error(
        "input '%s' (%s): batch size %lld differs from the batch size %lld "
        "of input '%s' (%s)",
        t->name, file, (long long)a->dims[0], (long long)*batch,
        m->inputs[0].name, first_file);
    return -1;
  }
  *batch = a->dims[0];
  if (!from_int64)
    return 0;

  kiln_array narrow;
  if (kiln_array_alloc(&narrow, KILN_INT32, a->rank, a->dims) != KILN_OK) {
    print_error("input '%s' (%s): out of memory", t->name, file);
    return -1;
  }
  const int64_t *src = a->data;
  int32_t *dst = narrow.data;
  size_t n = kiln_array_count(a);
  for (size_t k = 0; k < n; k++) {
    if (src[k] < INT32_MIN || src[k] > INT32_MAX) {
      print_error("input '%s' (%s): value %lld at index %zu does not fit int32",
                  t->name, file, (long long)src[k], k);
      kiln_array_free(&narrow);
      return -1;
    }
    dst[k] = (int32_t)src[k];
  }
  kiln_array_free(a);
  *a = narrow;
  return 0;
}

static void print_float(double v) {
  if (isnan(v))
    fputs("nan", stdout); /* not "-nan": the sign of a NaN means nothing */
  else
    printf("%.8g", v);
}

static void print_value(const kiln_array *a, size_t k) {
  switch (a->dtype) {
  case KILN_FLOAT32:
    print_float(((const float *)a->data)[k]);
    return;
  case KILN_FLOAT64:
    print_float(((const double *)a->data)[k]);
    return;
  case KILN_INT32:
    printf("%lld", (long long)((const int32_t *)a->data)[k]);
    return;
  case KILN_INT64:
    printf("%lld", (long long)((const int64_t *)a->data)[k]);
    return;
  }
}

/* Prints an output as text: a title line, then one row of the last axis
 * per line. */
static void print_output(const kiln_tensor_info *t, const kiln_array *a) {
  char shape[KILN_RT_SHAPE_LEN];
  printf("%s shape %s:\n", t->name,
         kiln_rt_format_shape(shape, sizeof shape, a->rank, a->dims, NULL));
  size_t n = kiln_array_count(a);
  size_t row = (size_t)a->dims[a->rank - 1]; /* > 0 whenever n > 0 */
  for (size_t k = 0; k < n; k++) {
    print_value(a, k);
    putchar((k + 1) % row == 0 ? '\n' : ' ');
  }
}

/* Writes `a` to `file` through `out`, which the caller then commits. */
static int write_output(const char *file, const kiln_array *a,
                        kiln_rt_output *out) {
  char err[512];
  if (kiln_rt_output_open(out, file, err, sizeof err) != KILN_OK) {
    print_error("%s", err);
    return -1;
  }
  int e = kiln_rt_npy_write(out->file, a);
  if (e != 0) {
    print_error("%s: write error: %s", file, strerror(e));
    return -1;
  }
  if (kiln_rt_output_close(out, err, sizeof err) != KILN_OK) {
    print_error("%s", err);
    return -1;
  }
  return 0;
}

/* --labels: each sample's predicted class (the first largest value of a
 * (batch, classes) output, as numpy's argmax) against its label, then the
 * accuracy. Returns 0, or -1 after printing an error. */
static int print_classes(const kiln_tensor_info *t, const kiln_array *scores,
                         const char *file) {
  char err[512], shape[KILN_RT_SHAPE_LEN];
  if (scores->rank != 2 || scores->dtype != KILN_FLOAT32) {
    print_error("--labels needs a model whose first output is (batch, classes) "
                "float32; '%s' is %s",
                t->name,
                kiln_rt_format_shape(shape, sizeof shape, scores->rank,
                                     scores->dims, NULL));
    return -1;
  }
  kiln_array labels;
  if (kiln_npy_load(file, &labels, err, sizeof err) != KILN_OK) {
    print_error("%s", err);
    return -1;
  }
  int64_t n = scores->dims[0], classes = scores->dims[1];
  int ok = (labels.dtype == KILN_INT32 || labels.dtype == KILN_INT64) &&
           (labels.rank == 1 || (labels.rank == 2 && labels.dims[1] == 1)) &&
           labels.dims[0] == n;
  if (!ok) {
    print_error("labels (%s): expected %lld integers (int32 or int64), got %s "
                "%s",
                file, (long long)n, kiln_dtype_name(labels.dtype),
                kiln_rt_format_shape(shape, sizeof shape, labels.rank,
                                     labels.dims, NULL));
    kiln_array_free(&labels);
    return -1;
  }
  const float *row = scores->data;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i++, row += classes) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; c++)
      if (row[c] > row[best])
        best = c;
    long long label = labels.dtype == KILN_INT32
                          ? ((const int32_t *)labels.data)[i]
                          : ((const int64_t *)labels.data)[i];
    correct += best == label;
    printf("sample %lld: class %lld (%.4f), label %lld%s\n", (long long)i,
           (long long)best, row[best], label, best == label ? "" : "  <- wrong");
  }
  printf("accuracy: %lld of %lld = %.4f\n", (long long)correct, (long long)n,
         n ? (double)correct / (double)n : 0.0);
  kiln_array_free(&labels);
  return 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Everything allocated for one invocation, freed in one place. */
typedef struct state {
  options opt;
  kiln_array *in, *out;
  const void **in_data;
  void **out_data;
  void *scratch;
  kiln_rt_output *files; /* output files written but not yet in place */
  char **paths;          /* --out-dir file names */
} state;

static void state_free(state *s, const kiln_model_info *m) {
  for (int32_t i = 0; s->in && i < m->num_inputs; i++)
    kiln_array_free(&s->in[i]);
  for (int32_t i = 0; s->out && i < m->num_outputs; i++)
    kiln_array_free(&s->out[i]);
  free(s->in);
  free(s->out);
  free(s->in_data);
  free(s->out_data);
  free(s->scratch);
  for (int32_t i = 0; s->files && i < m->num_outputs; i++)
    if (s->files[i].file || s->files[i].temp)
      kiln_rt_output_discard(&s->files[i]);
  for (int32_t i = 0; s->paths && i < m->num_outputs; i++)
    free(s->paths[i]);
  free(s->files);
  free(s->paths);
  free(s->opt.inputs);
  free(s->opt.outputs);
}

/* The body of kiln_rt_main; returns the exit status, leaving cleanup to the
 * caller. */
static int run_main(const kiln_model_info *m, int argc, char **argv, state *s) {
  const char *prog = argc > 0 && argv && argv[0] ? argv[0] : m->name;
  options *o = &s->opt;
  int slots = argc > 0 ? argc : 1;
  o->inputs = calloc((size_t)slots, sizeof *o->inputs);
  o->outputs = calloc((size_t)slots, sizeof *o->outputs);
  s->in = calloc((size_t)m->num_inputs, sizeof *s->in);
  s->out = calloc((size_t)m->num_outputs, sizeof *s->out);
  s->in_data = calloc((size_t)m->num_inputs, sizeof *s->in_data);
  s->out_data = calloc((size_t)m->num_outputs, sizeof *s->out_data);
  s->files = calloc((size_t)m->num_outputs, sizeof *s->files);
  s->paths = calloc((size_t)m->num_outputs, sizeof *s->paths);
  if (!o->inputs || !o->outputs || !s->in || !s->out || !s->in_data ||
      !s->out_data || !s->files || !s->paths) {
    print_error("out of memory");
    return 1;
  }

  if (argv && parse_args(argc, argv, prog, o) != 0)
    return 1;
  if (o->help) {
    print_usage(m, prog);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (o->num_inputs != m->num_inputs) {
    fprintf(stderr, "kiln: error: model '%s' takes %d input file%s (", m->name,
            (int)m->num_inputs, m->num_inputs == 1 ? "" : "s");
    print_names(stderr, m->inputs, m->num_inputs);
    fprintf(stderr, "), got %d; see %s --help\n", o->num_inputs, prog);
    return 1;
  }
  if (o->out_dir && o->num_outputs != 0) {
    print_error("give either -o files or --out-dir, not both");
    return 1;
  }
  if (o->num_outputs != 0 && o->num_outputs != m->num_outputs) {
    fprintf(stderr, "kiln: error: model '%s' has %d output%s (", m->name,
            (int)m->num_outputs, m->num_outputs == 1 ? "" : "s");
    print_names(stderr, m->outputs, m->num_outputs);
    fprintf(stderr, "): give -o for each or for none, got %d; see %s --help\n",
            o->num_outputs, prog);
    return 1;
  }

  /* Inputs. */
  int64_t batch = -1;
  for (int32_t i = 0; i < m->num_inputs; i++) {
    char err[512];
    if (kiln_npy_load(o->inputs[i], &s->in[i], err, sizeof err) != KILN_OK) {
      print_error("%s", err);
      return 1;
    }
    if (check_input(m, i, o->inputs[i], &s->in[i], &batch, o->inputs[0]) != 0)
      return 1;
    s->in_data[i] = s->in[i].data;
  }

  /* Outputs and scratch. */
  for (int32_t i = 0; i < m->num_outputs; i++) {
    const kiln_tensor_info *t = &m->outputs[i];
    int64_t dims[KILN_MAX_RANK];
    dims[0] = batch;
    for (int32_t d = 1; d < t->rank; d++)
      dims[d] = t->dims[d];
    if (kiln_array_alloc(&s->out[i], (kiln_dtype)t->dtype, t->rank, dims) !=
        KILN_OK) {
      char shape[KILN_RT_SHAPE_LEN];
      print_error(
          "out of memory for output '%s' of shape %s", t->name,
          kiln_rt_format_shape(shape, sizeof shape, t->rank, dims, NULL));
      return 1;
    }
    s->out_data[i] = s->out[i].data;
  }
  int64_t scratch = m->scratch_size ? m->scratch_size(batch) : 0;
  if (scratch < 0 || (uint64_t)scratch > SIZE_MAX ||
      !(s->scratch = kiln_rt_aligned_alloc((size_t)scratch))) {
    print_error("out of memory for the scratch of a batch of %lld",
                (long long)batch);
    return 1;
  }

  /* Run, then the timed repeats. */
  int32_t rc = m->run(batch, s->in_data, s->out_data, s->scratch);
  if (rc != 0) {
    print_error("model '%s' failed (status %d)", m->name, (int)rc);
    return 1;
  }
  if (o->repeat > 0) {
    double start = now_ms();
    for (long long r = 0; r < o->repeat; r++) {
      rc = m->run(batch, s->in_data, s->out_data, s->scratch);
      if (rc != 0) {
        print_error("model '%s' failed (status %d) in repeat %lld", m->name,
                    (int)rc, r + 1);
        return 1;
      }
    }
    double mean = (now_ms() - start) / (double)o->repeat;
    fprintf(stderr, "%s: mean latency %.3f ms over %lld runs\n", m->name, mean,
            o->repeat);
  }

  /* Results: printed, or written to files that replace their destinations
   * only once every one of them is complete. */
  if (o->labels && print_classes(&m->outputs[0], &s->out[0], o->labels) != 0)
    return 1;
  for (int32_t i = 0; i < m->num_outputs; i++) {
    const char *file = o->num_outputs ? o->outputs[i] : NULL;
    if (o->out_dir) {
      size_t len = strlen(o->out_dir) + strlen(m->outputs[i].name) + 6;
      char *path = malloc(len);
      if (!path) {
        print_error("out of memory");
        return 1;
      }
      snprintf(path, len, "%s/%s.npy", o->out_dir, m->outputs[i].name);
      s->paths[i] = path;
      file = path;
    }
    if (!file) {
      if (!o->labels)
        print_output(&m->outputs[i], &s->out[i]);
    } else if (write_output(file, &s->out[i], &s->files[i]) != 0)
      return 1;
  }
  for (int32_t i = 0; i < m->num_outputs; i++) {
    char err[512];
    if (s->files[i].path &&
        kiln_rt_output_commit(&s->files[i], err, sizeof err) != KILN_OK) {
      print_error("%s", err);
      return 1;
    }
  }
  if (fflush(stdout) != 0) {
    print_error("cannot write the outputs to stdout: %s", strerror(errno));
    return 1;
  }
  return 0;
}

int kiln_rt_main(const kiln_model_info *model, int argc, char **argv) {
  if (!model_valid(model)) {
    print_error("internal: the model description is invalid");
    return 1;
  }
  state s;
  memset(&s, 0, sizeof s);
  int status = run_main(model, argc, argv, &s);
  state_free(&s, model);
  fflush(stdout);
  fflush(stderr);
  return status;
}
