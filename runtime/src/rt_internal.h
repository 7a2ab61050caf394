/* Helpers shared by the runtime's own source files; not part of the API. */
#ifndef KILN_RT_INTERNAL_H
#define KILN_RT_INTERNAL_H

#include "kiln_rt.h"

#include <stdio.h>

/* Arrays are stored little-endian and handed to kernels as they are, so the
 * host must be little-endian too. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libkiln_rt assumes a little-endian host"
#endif

/* Alignment of every data and scratch buffer the runtime allocates. */
#define KILN_RT_ALIGN 64

/* Enough for "(" + KILN_MAX_RANK dims of up to 20 digits + separators + ")". */
#define KILN_RT_SHAPE_LEN 256

/* Returns a zeroed buffer of at least `bytes` (and at least one alignment
 * unit, so it is never NULL for an empty array), aligned to KILN_RT_ALIGN;
 * NULL when out of memory. Free with free(). */
void *kiln_rt_aligned_alloc(size_t bytes);

/* 1 if `dtype` is one of the kiln_dtype values. */
int kiln_rt_dtype_valid(int32_t dtype);

/* NumPy's descr for `dtype`, e.g. "<f4". */
const char *kiln_rt_dtype_descr(kiln_dtype dtype);

/* Computes the element and byte counts of a shape, rejecting negative dims
 * and counts that overflow size_t or int64. Returns 0 on success. */
int kiln_rt_shape_bytes(kiln_dtype dtype, int32_t rank, const int64_t *dims,
                        size_t *count, size_t *bytes);

/* Formats a shape the way Python prints a tuple: "()", "(784,)", "(1, 784)".
 * If `first` is non-NULL it is printed instead of dims[0] (e.g. "batch").
 * Returns `buf`. */
const char *kiln_rt_format_shape(char *buf, size_t len, int32_t rank,
                                 const int64_t *dims, const char *first);

/* Writes a one-line message into err (when there is room) and returns st. */
kiln_status kiln_rt_fail(char *err, size_t err_len, kiln_status st,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Opens `path` for reading if it is a regular file (a FIFO is not waited
 * on; devices and directories are refused) and sets `size`; else returns -1
 * with a one-line message naming the file in `err`. */
int kiln_rt_open_regular(const char *path, uint64_t *size, char *err, size_t err_len);

/* An output file being written (see output.c): to a temporary beside the
 * destination, which kiln_rt_output_commit renames onto it, or, for a
 * destination that is not a regular file, to the destination itself. */
typedef struct kiln_rt_output {
  const char *path; /* as the caller named it, for messages */
  char *target;     /* the file to replace: `path` with links resolved */
  char *temp;       /* the temporary; NULL when writing `path` directly */
  FILE *file;       /* open for writing until kiln_rt_output_close */
} kiln_rt_output;

/* Opens `path` for writing; on failure `o` holds nothing to discard. */
kiln_status kiln_rt_output_open(kiln_rt_output *o, const char *path, char *err,
                                size_t err_len);
/* Closes the file, reporting a write error that only closing revealed. */
kiln_status kiln_rt_output_close(kiln_rt_output *o, char *err, size_t err_len);
/* Puts the closed file in place and releases `o`. */
kiln_status kiln_rt_output_commit(kiln_rt_output *o, char *err, size_t err_len);
/* Abandons the file: removes the temporary (never the destination). */
void kiln_rt_output_discard(kiln_rt_output *o);

/* ---- the command-line driver (main.c, stream.c, selftest.c) ---- */

/* What the command line of a built executable asks for. */
typedef struct kiln_rt_options {
  const char **inputs; /* positional files; argc entries are allocated */
  int num_inputs;
  const char **outputs; /* -o files */
  int num_outputs;
  const char *out_dir; /* --out-dir: outputs as DIR/<name>.npy */
  const char *labels;  /* --labels: true classes, for an accuracy report */
  long long batch;     /* --batch: samples per run; 0: all at once */
  long long bench;     /* --bench: timed runs after the first; 0: none */
  long long threads;   /* --threads; 0: one per core */
  int self_test;       /* --self-test */
  const char *weights_file; /* --weights: the external weights file */
  const void *weights;      /* its bytes, checked; NULL without external weights */
  int help;
} kiln_rt_options;

/* Prints "kiln: error: <message>" as one line on stderr. */
void kiln_rt_error(const char *fmt, ...);
/* Prints the tensors' names as "a, b, c". */
void kiln_rt_print_names(FILE *f, const kiln_tensor_info *t, int32_t n);
/* Runs the model over the input files; returns the exit status. */
int kiln_rt_run_files(const kiln_model_info *m, const kiln_rt_options *o);
/* Runs the built-in test vectors; returns the exit status. */
int kiln_rt_self_test(const kiln_model_info *m, const void *weights);
/* Maps and checks the external weights file: `file` (--weights), else the
 * path the model records, relative to the program's directory. Reports and
 * returns -1 on failure. */
int kiln_rt_weights_load(const kiln_model_info *m, const char *file,
                         const char *prog, kiln_mapped_file *out);

/* ---- .npy files beyond kiln_rt.h (npy.c) ---- */

/* A .npy file mapped read-only, for inputs larger than memory: `array.data`
 * points into the mapping, whose pages are read as they are touched. (A file
 * truncated by another process while mapped makes reads past its new end
 * fault; inputs are assumed to stay put while a model runs.) */
typedef struct kiln_rt_mapping {
  kiln_array array;
  void *base;
  size_t length;
} kiln_rt_mapping;

/* Maps and checks a .npy file, as kiln_npy_load reads it. */
kiln_status kiln_rt_npy_map(const char *path, kiln_rt_mapping *out, char *err,
                            size_t err_len);
void kiln_rt_npy_unmap(kiln_rt_mapping *m);
/* Lets go of the pages wholly inside bytes [from, to) of the data (they are
 * read again if touched), so that memory stays flat as a file streams by. */
void kiln_rt_npy_release(kiln_rt_mapping *m, size_t from, size_t to);

/* --labels (labels.c): each sample's predicted class against its label. */
typedef struct kiln_rt_labels {
  kiln_rt_mapping map;
  int64_t correct;
} kiln_rt_labels;

/* Maps `file` and checks it against `total` samples of the output `scores`;
 * returns 0, or -1 after printing an error. */
int kiln_rt_labels_open(kiln_rt_labels *l, const char *file,
                        const kiln_tensor_info *scores, int64_t total);
/* Prints samples [start, start + n), whose scores are the first n rows. */
void kiln_rt_labels_print(kiln_rt_labels *l, const kiln_array *scores,
                          int64_t start, int64_t n);
/* Prints the accuracy over all samples. */
void kiln_rt_labels_finish(const kiln_rt_labels *l);

/* Writing a .npy file in parts, through a kiln_rt_output: the header of the
 * whole array, then the data in order. After kiln_rt_npy_finish the caller
 * commits (kiln_rt_output_commit) or discards `out`; on any failure it
 * discards it. */
typedef struct kiln_rt_npy_writer {
  kiln_rt_output out;
  size_t left; /* data bytes still to come */
} kiln_rt_npy_writer;

kiln_status kiln_rt_npy_create(kiln_rt_npy_writer *w, const char *path,
                               kiln_dtype dtype, int32_t rank,
                               const int64_t *dims, char *err, size_t err_len);
kiln_status kiln_rt_npy_append(kiln_rt_npy_writer *w, const void *data,
                               size_t bytes, char *err, size_t err_len);
/* Checks that all the data came and closes the file. */
kiln_status kiln_rt_npy_finish(kiln_rt_npy_writer *w, char *err,
                               size_t err_len);

#endif /* KILN_RT_INTERNAL_H */
