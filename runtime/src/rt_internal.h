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

/* Writes `a` as a .npy file to `f`; returns 0 or an errno value. */
int kiln_rt_npy_write(FILE *f, const kiln_array *a);

#endif /* KILN_RT_INTERNAL_H */
