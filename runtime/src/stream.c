/* Running a model over its input files. The inputs are mapped, not read,
 * and go through the model `--batch` samples at a time into one fixed set of
 * buffers (outputs, scratch, converted inputs); outputs are written as they
 * come and the input pages already used are let go, so memory stays the
 * same however many samples the files hold. Without --batch all samples go
 * through at once. */
#define _POSIX_C_SOURCE 200809L

#include "rt_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct input_stream {
  kiln_rt_mapping map;
  size_t sample_bytes; /* of one sample in the file */
  void *staging; /* a batch in the model's dtype, when the file's cannot be
                    handed over in place (another dtype, misaligned data) */
} input_stream;

typedef struct output_stream {
  kiln_array batch;        /* the outputs of one run */
  int to_file;             /* written as .npy, else printed */
  kiln_rt_npy_writer file; /* a temporary until every output is complete */
  char *path;              /* DIR/<name>.npy with --out-dir */
} output_stream;

/* Everything allocated for one invocation, freed in one place. */
typedef struct run_state {
  input_stream *in;
  output_stream *out;
  const void **in_data;
  void **out_data;
  void *scratch;
  int64_t *axes;      /* sizes of the open axes, from the inputs */
  int64_t *open_dims; /* the outputs' dims for those sizes */
  kiln_rt_labels labels; /* --labels */
  kiln_pool *pool;       /* --threads, NULL for one */
  const kiln_parallel *parallel;
} run_state;

static void state_free(run_state *s, const kiln_model_info *m) {
  for (int32_t i = 0; s->in && i < m->num_inputs; i++) {
    kiln_rt_npy_unmap(&s->in[i].map);
    free(s->in[i].staging);
  }
  for (int32_t i = 0; s->out && i < m->num_outputs; i++) {
    kiln_array_free(&s->out[i].batch);
    kiln_rt_output_discard(&s->out[i].file.out);
    free(s->out[i].path);
  }
  free(s->in);
  free(s->out);
  free(s->in_data);
  free(s->out_data);
  free(s->scratch);
  free(s->axes);
  free(s->open_dims);
  kiln_rt_npy_unmap(&s->labels.map);
  kiln_pool_destroy(s->pool);
}

/* Checks input `i` (mapped from `file`) against the model. `total` is the
 * batch size of the inputs checked so far, or -1 before the first; the
 * input's open axes take their sizes in `axes`. */
static int check_input(const kiln_model_info *m, int32_t i, const char *file,
                       const kiln_array *a, int64_t *total,
                       const char *first_file, int64_t *axes) {
  const kiln_tensor_info *t = &m->inputs[i];
  char want[KILN_RT_SHAPE_LEN], got[KILN_RT_SHAPE_LEN];
  const char *dtype = kiln_dtype_name((kiln_dtype)t->dtype);
  /* As Keras's predict casts its inputs: any of them to float32; to int32
   * (token ids) whole numbers in range, checked as they are read. */
  int convertible = t->dtype == KILN_FLOAT32 || t->dtype == KILN_INT32;
  if ((int32_t)a->dtype != t->dtype && !convertible) {
    kiln_rt_error(
        "input '%s' (%s): expected %s, got %s; convert with x.astype('%s')",
        t->name, file, dtype, kiln_dtype_name(a->dtype), dtype);
    return -1;
  }
  int same = a->rank == t->rank;
  for (int32_t d = 1; same && d < t->rank; d++) {
    int64_t k = KILN_OPEN_AXIS(0) - t->dims[d];
    int open = k >= 0 && k < m->num_axes;
    if (open)
      axes[k] = a->dims[d];
    same = open ? a->dims[d] >= 1 : a->dims[d] == t->dims[d];
  }
  if (t->shape)
    snprintf(want, sizeof want, "%s", t->shape);
  else
    kiln_rt_format_shape(want, sizeof want, t->rank, t->dims, "batch");
  kiln_rt_format_shape(got, sizeof got, a->rank, a->dims, NULL);
  if (!same) {
    kiln_rt_error("input '%s' (%s): expected shape %s, got %s", t->name, file,
                  want, got);
    return -1;
  }
  if (a->dims[0] < 1) {
    kiln_rt_error("input '%s' (%s): expected shape %s with batch >= 1, got %s",
                  t->name, file, want, got);
    return -1;
  }
  if (*total >= 0 && a->dims[0] != *total) {
    kiln_rt_error("input '%s' (%s): batch size %lld differs from the batch "
                  "size %lld of input '%s' (%s)",
                  t->name, file, (long long)a->dims[0], (long long)*total,
                  m->inputs[0].name, first_file);
    return -1;
  }
  *total = a->dims[0];
  return 0;
}

/* Element `k` of `src`, an array of `dtype`. int64 values past 2^53 round,
 * which only matters for int32 inputs, where they are out of range anyway. */
static double element_at(kiln_dtype dtype, const char *src, size_t k) {
  switch (dtype) {
  case KILN_FLOAT32: {
    float v;
    memcpy(&v, src + k * sizeof v, sizeof v);
    return v;
  }
  case KILN_FLOAT64: {
    double v;
    memcpy(&v, src + k * sizeof v, sizeof v);
    return v;
  }
  case KILN_INT32: {
    int32_t v;
    memcpy(&v, src + k * sizeof v, sizeof v);
    return v;
  }
  case KILN_INT64: {
    int64_t v;
    memcpy(&v, src + k * sizeof v, sizeof v);
    return (double)v;
  }
  }
  return 0;
}

/* Points `*data` at samples [start, start + n) of input `i` in the model's
 * dtype: in place in the mapping, or converted into the staging buffer. */
static int prepare_input(const kiln_model_info *m, int32_t i, input_stream *s,
                         int64_t start, int64_t n, const char *file,
                         const void **data) {
  const char *src =
      (const char *)s->map.array.data + (size_t)start * s->sample_bytes;
  size_t bytes = (size_t)n * s->sample_bytes;
  if (!s->staging) {
    *data = src;
  } else if ((int32_t)s->map.array.dtype == m->inputs[i].dtype) {
    memcpy(s->staging, src, bytes);
    *data = s->staging;
  } else if (m->inputs[i].dtype == KILN_FLOAT32) {
    float *dst = s->staging;
    size_t count = bytes / kiln_dtype_size(s->map.array.dtype);
    for (size_t k = 0; k < count; k++)
      dst[k] = (float)element_at(s->map.array.dtype, src, k);
    *data = s->staging;
  } else { /* token ids for an int32 input */
    int32_t *dst = s->staging;
    size_t count = bytes / kiln_dtype_size(s->map.array.dtype);
    for (size_t k = 0; k < count; k++) {
      double v = element_at(s->map.array.dtype, src, k);
      if (v >= INT32_MIN && v <= INT32_MAX && v == floor(v)) {
        dst[k] = (int32_t)v;
        continue;
      }
      size_t element = kiln_dtype_size(s->map.array.dtype);
      size_t at = (size_t)start * (s->sample_bytes / element) + k;
      if (s->map.array.dtype == KILN_INT64) {
        int64_t id;
        memcpy(&id, src + k * sizeof id, sizeof id);
        kiln_rt_error("input '%s' (%s): value %lld at index %zu does not "
                      "fit int32",
                      m->inputs[i].name, file, (long long)id, at);
      } else {
        kiln_rt_error("input '%s' (%s): value %.9g at index %zu is not a "
                      "whole number that fits int32 (the input takes token "
                      "ids)",
                      m->inputs[i].name, file, v, at);
      }
      return -1;
    }
    *data = s->staging;
  }
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

/* Prints the first `n` samples of `a`, samples [start, start + n) of
 * `total`, as text: one row of the last axis per line (the whole output on
 * one line if it has only the batch axis). */
static void print_rows(const kiln_array *a, int64_t start, int64_t n,
                       int64_t total) {
  size_t sample = kiln_array_count(a) / (size_t)a->dims[0];
  size_t row = a->rank == 1 ? (size_t)total : (size_t)a->dims[a->rank - 1];
  size_t first = (size_t)start * sample;
  for (size_t k = 0; k < (size_t)n * sample; k++) {
    print_value(a, k);
    putchar((first + k + 1) % row == 0 ? '\n' : ' ');
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* --bench: `runs` more runs of the first batch, timed one by one. */
static int bench(const kiln_model_info *m, const void *weights, long long runs, int64_t n,
                 run_state *s) {
  double *ms = malloc((size_t)runs * sizeof *ms);
  if (!ms) {
    kiln_rt_error("out of memory for the latencies of %lld runs", runs);
    return -1;
  }
  double sum = 0;
  for (long long r = 0; r < runs; r++) {
    double start = now_ms();
    int32_t rc = m->run(n, s->axes, s->in_data, s->out_data, weights, s->scratch, s->parallel);
    ms[r] = now_ms() - start;
    sum += ms[r];
    if (rc != 0) {
      kiln_rt_error("model '%s' failed (status %d) in run %lld of --bench",
                    m->name, (int)rc, r + 1);
      free(ms);
      return -1;
    }
  }
  qsort(ms, (size_t)runs, sizeof *ms, compare_doubles);
  /* The nearest-rank percentile: the smallest latency that q of the runs
   * do not exceed. */
#define PERCENTILE(q) ms[(size_t)ceil((q) * (double)runs) - 1]
  int32_t threads = s->parallel ? s->parallel->threads : 1;
  fprintf(stderr,
          "%s: mean latency %.3f ms over %lld runs of batch %lld on %d "
          "thread%s\n",
          m->name, sum / (double)runs, runs, (long long)n, (int)threads,
          threads == 1 ? "" : "s");
  fprintf(stderr,
          "%s: latency min %.3f ms, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
          "max %.3f ms\n",
          m->name, ms[0], PERCENTILE(0.5), PERCENTILE(0.9), PERCENTILE(0.99),
          ms[runs - 1]);
#undef PERCENTILE
  free(ms);
  return 0;
}

/* Maps and checks the inputs; returns the number of samples, or -1. */
static int64_t open_inputs(const kiln_model_info *m, const kiln_rt_options *o,
                           run_state *s) {
  int64_t total = -1;
  if (!(s->axes = calloc((size_t)m->num_axes + 1, sizeof *s->axes))) {
    kiln_rt_error("out of memory");
    return -1;
  }
  for (int32_t i = 0; i < m->num_inputs; i++) {
    char err[512];
    input_stream *in = &s->in[i];
    if (kiln_rt_npy_map(o->inputs[i], &in->map, err, sizeof err) != KILN_OK) {
      kiln_rt_error("%s", err);
      return -1;
    }
    if (check_input(m, i, o->inputs[i], &in->map.array, &total,
                    o->inputs[0], s->axes) != 0)
      return -1;
    in->sample_bytes = kiln_array_count(&in->map.array) / (size_t)total *
                       kiln_dtype_size(in->map.array.dtype);
  }
  return total;
}

/* Allocates the buffers of one run of `n` samples and opens the output
 * files of `total` samples. */
static int open_buffers(const kiln_model_info *m, const kiln_rt_options *o,
                        run_state *s, int64_t n, int64_t total) {
  for (int32_t i = 0; i < m->num_inputs; i++) {
    input_stream *in = &s->in[i];
    size_t element = kiln_dtype_size((kiln_dtype)m->inputs[i].dtype);
    int in_place = (int32_t)in->map.array.dtype == m->inputs[i].dtype &&
                   (uintptr_t)in->map.array.data % element == 0;
    size_t bytes = (size_t)n * (in->sample_bytes /
                                kiln_dtype_size(in->map.array.dtype) * element);
    if (!in_place && !(in->staging = kiln_rt_aligned_alloc(bytes))) {
      kiln_rt_error("out of memory for a batch of input '%s'",
                    m->inputs[i].name);
      return -1;
    }
  }
  if (m->num_axes > 0) {
    size_t all = 0;
    for (int32_t i = 0; i < m->num_outputs; i++)
      all += (size_t)m->outputs[i].rank;
    if (!(s->open_dims = calloc(all, sizeof *s->open_dims))) {
      kiln_rt_error("out of memory");
      return -1;
    }
    int32_t failed = m->output_dims(s->axes, s->open_dims);
    if (failed >= 0) {
      fprintf(stderr, "kiln: error: the inputs' sizes (");
      for (int32_t k = 0; k < m->num_axes; k++)
        fprintf(stderr, "%s%s = %lld", k ? ", " : "", m->axis_names[k],
                (long long)s->axes[k]);
      fprintf(stderr, ") do not fit the model: %s\n", m->size_checks[failed]);
      return -1;
    }
  }
  for (int32_t i = 0, first = 0; i < m->num_outputs; i++) {
    const kiln_tensor_info *t = &m->outputs[i];
    output_stream *out = &s->out[i];
    int64_t dims[KILN_MAX_RANK];
    char shape[KILN_RT_SHAPE_LEN], err[512];
    memcpy(dims, s->open_dims ? s->open_dims + first : t->dims,
           (size_t)t->rank * sizeof *dims);
    first += t->rank;
    dims[0] = n;
    if (kiln_array_alloc(&out->batch, (kiln_dtype)t->dtype, t->rank, dims) !=
        KILN_OK) {
      kiln_rt_error(
          "out of memory for output '%s' of shape %s", t->name,
          kiln_rt_format_shape(shape, sizeof shape, t->rank, dims, NULL));
      return -1;
    }
    s->out_data[i] = out->batch.data;
    dims[0] = total;
    const char *file = o->num_outputs ? o->outputs[i] : NULL;
    if (o->out_dir) {
      size_t len = strlen(o->out_dir) + strlen(t->name) + 6;
      if (!(out->path = malloc(len))) {
        kiln_rt_error("out of memory");
        return -1;
      }
      snprintf(out->path, len, "%s/%s.npy", o->out_dir, t->name);
      /* An output's name is one visible file inside DIR, whatever it holds. */
      char *base = out->path + strlen(o->out_dir) + 1;
      if (*base == '.')
        *base = '_';
      for (char *c = base; *c; c++)
        if (*c == '/')
          *c = '_';
      for (int32_t k = 0; k < i; k++)
        if (s->out[k].path && strcmp(s->out[k].path, out->path) == 0) {
          kiln_rt_error("--out-dir would write outputs '%s' and '%s' to the "
                        "same file %s; give -o for each output instead",
                        m->outputs[k].name, t->name, out->path);
          return -1;
        }
      file = out->path;
    }
    out->to_file = file != NULL;
    if (file && kiln_rt_npy_create(&out->file, file, (kiln_dtype)t->dtype,
                                   t->rank, dims, err, sizeof err) != KILN_OK) {
      kiln_rt_error("%s", err);
      return -1;
    }
  }
  int32_t threads = o->threads ? (int32_t)o->threads : kiln_cpu_count();
  if (threads > 1 && !(s->pool = kiln_pool_create(threads))) {
    kiln_rt_error("cannot start %d threads", (int)threads);
    return -1;
  }
  s->parallel = kiln_pool_parallel(s->pool);
  int64_t scratch = m->scratch_size ? m->scratch_size(n, s->axes, s->parallel) : 0;
  if (scratch < 0 || (uint64_t)scratch > SIZE_MAX ||
      !(s->scratch = kiln_rt_aligned_alloc((size_t)scratch))) {
    kiln_rt_error("out of memory for the scratch of a batch of %lld",
                  (long long)n);
    return -1;
  }
  return 0;
}

/* Runs samples [start, start + n) of `total` and writes or prints their
 * outputs. */
static int run_batch(const kiln_model_info *m, const kiln_rt_options *o,
                     run_state *s, int64_t start, int64_t n, int64_t total) {
  for (int32_t i = 0; i < m->num_inputs; i++)
    if (prepare_input(m, i, &s->in[i], start, n, o->inputs[i],
                      &s->in_data[i]) != 0)
      return -1;
  int32_t rc = m->run(n, s->axes, s->in_data, s->out_data, o->weights, s->scratch, s->parallel);
  if (rc != 0) {
    kiln_rt_error("model '%s' failed (status %d)", m->name, (int)rc);
    return -1;
  }
  if (start == 0 && o->bench > 0 && bench(m, o->weights, o->bench, n, s) != 0)
    return -1;
  if (o->labels)
    kiln_rt_labels_print(&s->labels, &s->out[0].batch, start, n);
  for (int32_t i = 0; i < m->num_outputs; i++) {
    output_stream *out = &s->out[i];
    char err[512];
    if (!out->to_file) {
      if (o->labels) /* the classes instead of the values */
        continue;
      if (start == 0) {
        char shape[KILN_RT_SHAPE_LEN];
        int64_t dims[KILN_MAX_RANK];
        memcpy(dims, out->batch.dims, sizeof dims);
        dims[0] = total;
        printf("%s shape %s:\n", m->outputs[i].name,
               kiln_rt_format_shape(shape, sizeof shape, out->batch.rank, dims,
                                    NULL));
      }
      print_rows(&out->batch, start, n, total);
      continue;
    }
    size_t bytes = kiln_array_count(&out->batch) / (size_t)out->batch.dims[0] *
                   (size_t)n * kiln_dtype_size(out->batch.dtype);
    if (kiln_rt_npy_append(&out->file, out->batch.data, bytes, err,
                           sizeof err) != KILN_OK) {
      kiln_rt_error("%s", err);
      return -1;
    }
  }
  for (int32_t i = 0; i < m->num_inputs; i++)
    kiln_rt_npy_release(&s->in[i].map, (size_t)start * s->in[i].sample_bytes,
                        (size_t)(start + n) * s->in[i].sample_bytes);
  return 0;
}

static int run_all(const kiln_model_info *m, const kiln_rt_options *o,
                   run_state *s) {
  int64_t total = open_inputs(m, o, s);
  if (total < 0)
    return 1;
  int64_t n = o->batch > 0 && o->batch < total ? (int64_t)o->batch : total;
  if (o->labels &&
      kiln_rt_labels_open(&s->labels, o->labels, &m->outputs[0], total) != 0)
    return 1;
  int printed = o->num_outputs == 0 && !o->out_dir && !o->labels;
  if (printed && m->num_outputs > 1 && n < total) {
    kiln_rt_error("--batch prints one output after the other only with all "
                  "samples at once; write the %d outputs with -o or --out-dir",
                  (int)m->num_outputs);
    return 1;
  }
  if (open_buffers(m, o, s, n, total) != 0)
    return 1;
  for (int64_t start = 0; start < total; start += n)
    if (run_batch(m, o, s, start, total - start < n ? total - start : n,
                  total) != 0)
      return 1;
  if (o->labels)
    kiln_rt_labels_finish(&s->labels);
  /* The files replace their destinations only once every one is complete. */
  char err[512];
  for (int32_t i = 0; i < m->num_outputs; i++)
    if (s->out[i].to_file &&
        kiln_rt_npy_finish(&s->out[i].file, err, sizeof err) != KILN_OK) {
      kiln_rt_error("%s", err);
      return 1;
    }
  for (int32_t i = 0; i < m->num_outputs; i++)
    if (s->out[i].to_file &&
        kiln_rt_output_commit(&s->out[i].file.out, err, sizeof err) != KILN_OK) {
      kiln_rt_error("%s", err);
      return 1;
    }
  return 0;
}

int kiln_rt_run_files(const kiln_model_info *m, const kiln_rt_options *o) {
  run_state s;
  memset(&s, 0, sizeof s);
  s.in = calloc((size_t)m->num_inputs, sizeof *s.in);
  s.out = calloc((size_t)m->num_outputs, sizeof *s.out);
  s.in_data = calloc((size_t)m->num_inputs, sizeof *s.in_data);
  s.out_data = calloc((size_t)m->num_outputs, sizeof *s.out_data);
  int status = 1;
  if (!s.in || !s.out || !s.in_data || !s.out_data)
    kiln_rt_error("out of memory");
  else
    status = run_all(m, o, &s);
  if (status == 0 && fflush(stdout) != 0) {
    kiln_rt_error("cannot write the outputs to stdout: %s", strerror(errno));
    status = 1;
  }
  state_free(&s, m);
  return status;
}
