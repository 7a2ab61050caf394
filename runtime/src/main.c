/* kiln_rt_main: the command-line driver of executables built by
 * `kilnc build`. It reads the command line and hands over to the run over
 * the input files (stream.c) or to the self-test (selftest.c). Every failure
 * is one line on stderr starting with "kiln: error: " and exit status 1. */
#define _POSIX_C_SOURCE 200809L

#include "rt_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kiln_rt_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("kiln: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void kiln_rt_print_names(FILE *f, const kiln_tensor_info *t, int32_t n) {
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
  printf(" | --out-dir DIR] [--labels FILE] [--batch N] [--bench N] "
         "[--threads N]%s [--help]\n", m->weights_check ? " [--weights FILE]" : "");
  printf("       %s --self-test\n\n", prog);
  printf("Runs the model '%s' on the inputs, which are .npy files, and prints "
         "the\noutputs as text or, with -o, writes them as .npy files.\n\n",
         m->name);
  char shape[KILN_RT_SHAPE_LEN];
  printf("inputs, in this order:\n");
  for (int32_t i = 0; i < m->num_inputs; i++)
    printf("  %-20s %-8s %s\n", m->inputs[i].name,
           kiln_dtype_name((kiln_dtype)m->inputs[i].dtype),
           m->inputs[i].shape ? m->inputs[i].shape
                              : kiln_rt_format_shape(shape, sizeof shape, m->inputs[i].rank,
                                                     m->inputs[i].dims, "batch"));
  printf("outputs, in this order:\n");
  for (int32_t i = 0; i < m->num_outputs; i++)
    printf("  %-20s %-8s %s\n", m->outputs[i].name,
           kiln_dtype_name((kiln_dtype)m->outputs[i].dtype),
           m->outputs[i].shape ? m->outputs[i].shape
                               : kiln_rt_format_shape(shape, sizeof shape, m->outputs[i].rank,
                                                      m->outputs[i].dims, "batch"));
  printf("\nbatch is the number of samples; it must be the same for all "
         "inputs.\n\n"
         "options:\n"
         "  -o FILE      write the next output to FILE (give it for every "
         "output or none)\n"
         "  --out-dir DIR\n"
         "               write every output to DIR/<output name>.npy ('/' in "
         "a name,\n"
         "               and a leading '.', become '_')\n"
         "  --labels FILE\n"
         "               a classifier's true labels (.npy, one integer per "
         "sample): print\n"
         "               each sample's predicted class (the largest value of "
         "the first\n"
         "               output) against its label, and the accuracy\n"
         "  --batch N    run N samples at a time: the inputs are mapped, not "
         "read, and\n"
         "               memory stays the same however many samples they "
         "hold\n"
         "  --bench N    after the first run, run the first batch N more "
         "times and print\n"
         "               the latency (mean and percentiles) to stderr\n"
         "  --threads N  run on N threads (default: one per core, here %d)\n"
         "  --self-test  run the reference inputs built in with --embed-test-"
         "vectors and\n"
         "               compare the outputs with the reference outputs\n"
         "  --help       show this help\n",
         (int)kiln_cpu_count());
  if (m->weights_check)
    printf("  --weights FILE\n"
           "               the model's weights file (default: %s%s)\n",
           m->weights_path, m->weights_path[0] == '/' ? "" : ", beside this program");
}

/* The model description comes from generated code, but a bad one should
 * give a message rather than a crash. */
static int model_valid(const kiln_model_info *m) {
  if (!m || !m->name || !m->run || m->num_inputs < 1 || m->num_outputs < 1 ||
      !m->inputs || !m->outputs || (m->weights_check && !m->weights_path) || m->num_axes < 0 ||
      (m->num_axes > 0 && (!m->axis_names || !m->output_dims || !m->size_checks)))
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

/* Parses a count: a whole decimal number >= 1. */
static int parse_count(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1)
    return -1;
  *out = v;
  return 0;
}

/* `--flag N` or `--flag=N` at argv[*i]: 1 and the count in `out`, 0 if
 * argv[*i] is another flag, -1 after printing an error. */
static int count_option(int argc, char **argv, int *i, const char *flag,
                        const char *what, const char *prog, long long *out) {
  size_t n = strlen(flag);
  const char *arg = argv[*i];
  if (strncmp(arg, flag, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
    return 0;
  const char *value = arg[n] == '=' ? arg + n + 1 : NULL;
  if (!value && *i + 1 < argc)
    value = argv[++*i];
  if (!value) {
    kiln_rt_error("%s needs a number of %s; see %s --help", flag, what, prog);
    return -1;
  }
  if (parse_count(value, out) != 0) {
    kiln_rt_error("%s needs a whole number of %s >= 1, got '%s'", flag, what,
                  value);
    return -1;
  }
  return 1;
}

/* Fills `o` from argv; returns 0, or -1 after printing an error. */
static int parse_args(const kiln_model_info *m, int argc, char **argv,
                      const char *prog, kiln_rt_options *o) {
  int only_files = 0; /* after "--" every argument is a file */
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    int counted;
    if (!arg)
      continue;
    if (only_files || arg[0] != '-' || arg[1] == '\0') {
      o->inputs[o->num_inputs++] = arg;
    } else if (strcmp(arg, "--") == 0) {
      only_files = 1;
    } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      o->help = 1;
    } else if (strcmp(arg, "--self-test") == 0) {
      o->self_test = 1;
    } else if (strcmp(arg, "-o") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        kiln_rt_error("-o needs a file name; see %s --help", prog);
        return -1;
      }
      o->outputs[o->num_outputs++] = argv[++i];
    } else if (strcmp(arg, "--out-dir") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        kiln_rt_error("--out-dir needs a directory; see %s --help", prog);
        return -1;
      }
      o->out_dir = argv[++i];
    } else if (strcmp(arg, "--labels") == 0) {
      if (i + 1 >= argc || !argv[i + 1]) {
        kiln_rt_error("--labels needs a .npy file; see %s --help", prog);
        return -1;
      }
      o->labels = argv[++i];
    } else if (strcmp(arg, "--weights") == 0 && m->weights_check) {
      if (i + 1 >= argc || !argv[i + 1]) {
        kiln_rt_error("--weights needs a file name; see %s --help", prog);
        return -1;
      }
      o->weights_file = argv[++i];
    } else if ((counted = count_option(argc, argv, &i, "--batch", "samples",
                                       prog, &o->batch)) != 0 ||
               (counted = count_option(argc, argv, &i, "--bench", "runs", prog,
                                       &o->bench)) != 0 ||
               (counted = count_option(argc, argv, &i, "--threads", "threads",
                                       prog, &o->threads)) != 0) {
      if (counted < 0)
        return -1;
      if (o->threads > 4096) {
        kiln_rt_error("--threads needs a whole number of threads from 1 to "
                      "4096, got %lld",
                      o->threads);
        return -1;
      }
    } else {
      kiln_rt_error("unknown option '%s'; see %s --help", arg, prog);
      return -1;
    }
  }
  return 0;
}

/* The body of kiln_rt_main once the description is known to be valid. */
static int run_main(const kiln_model_info *m, int argc, char **argv,
                    kiln_rt_options *o, kiln_mapped_file *weights) {
  const char *prog = argc > 0 && argv && argv[0] ? argv[0] : m->name;
  if (argv && parse_args(m, argc, argv, prog, o) != 0)
    return 1;
  if (o->help) {
    print_usage(m, prog);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (m->weights_check && kiln_rt_weights_load(m, o->weights_file, prog, weights) != 0)
    return 1;
  o->weights = weights->data;
  if (o->self_test) {
    if (o->num_inputs || o->num_outputs || o->out_dir || o->labels ||
        o->batch || o->bench || o->threads) {
      kiln_rt_error("--self-test takes no files and no other options");
      return 1;
    }
    return kiln_rt_self_test(m, o->weights);
  }
  if (o->num_inputs != m->num_inputs) {
    fprintf(stderr, "kiln: error: model '%s' takes %d input file%s (", m->name,
            (int)m->num_inputs, m->num_inputs == 1 ? "" : "s");
    kiln_rt_print_names(stderr, m->inputs, m->num_inputs);
    fprintf(stderr, "), got %d; see %s --help\n", o->num_inputs, prog);
    return 1;
  }
  if (o->out_dir && o->num_outputs != 0) {
    kiln_rt_error("give either -o files or --out-dir, not both");
    return 1;
  }
  if (o->num_outputs != 0 && o->num_outputs != m->num_outputs) {
    fprintf(stderr, "kiln: error: model '%s' has %d output%s (", m->name,
            (int)m->num_outputs, m->num_outputs == 1 ? "" : "s");
    kiln_rt_print_names(stderr, m->outputs, m->num_outputs);
    fprintf(stderr, "): give -o for each or for none, got %d; see %s --help\n",
            o->num_outputs, prog);
    return 1;
  }
  return kiln_rt_run_files(m, o);
}

int kiln_rt_main(const kiln_model_info *model, int argc, char **argv) {
  if (!model_valid(model)) {
    kiln_rt_error("internal: the model description is invalid");
    return 1;
  }
  kiln_rt_options o;
  memset(&o, 0, sizeof o);
  kiln_mapped_file weights = {NULL, 0};
  int slots = argc > 0 ? argc : 1;
  o.inputs = calloc((size_t)slots, sizeof *o.inputs);
  o.outputs = calloc((size_t)slots, sizeof *o.outputs);
  int status = 1;
  if (!o.inputs || !o.outputs)
    kiln_rt_error("out of memory");
  else
    status = run_main(model, argc, argv, &o, &weights);
  kiln_file_unmap(&weights);
  free(o.inputs);
  free(o.outputs);
  fflush(stdout);
  fflush(stderr);
  return status;
}
