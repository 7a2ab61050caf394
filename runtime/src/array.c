/* Arrays: element types, sizes, allocation. */
#include "rt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t kiln_dtype_size(kiln_dtype dtype) {
  switch (dtype) {
  case KILN_FLOAT32:
  case KILN_INT32:
    return 4;
  case KILN_INT64:
  case KILN_FLOAT64:
    return 8;
  }
  return 0;
}

const char *kiln_dtype_name(kiln_dtype dtype) {
  switch (dtype) {
  case KILN_FLOAT32:
    return "float32";
  case KILN_INT32:
    return "int32";
  case KILN_INT64:
    return "int64";
  case KILN_FLOAT64:
    return "float64";
  }
  return "unknown";
}

const char *kiln_rt_dtype_descr(kiln_dtype dtype) {
  switch (dtype) {
  case KILN_FLOAT32:
    return "<f4";
  case KILN_INT32:
    return "<i4";
  case KILN_INT64:
    return "<i8";
  case KILN_FLOAT64:
    return "<f8";
  }
  return "?";
}

int kiln_rt_dtype_valid(int32_t dtype) {
  return dtype >= KILN_FLOAT32 && dtype <= KILN_FLOAT64;
}

size_t kiln_array_count(const kiln_array *a) {
  if (!a || a->rank < 0 || a->rank > KILN_MAX_RANK)
    return 0;
  size_t n = 1;
  for (int32_t i = 0; i < a->rank; i++)
    n *= (size_t)a->dims[i];
  return n;
}

int kiln_rt_shape_bytes(kiln_dtype dtype, int32_t rank, const int64_t *dims,
                        size_t *count, size_t *bytes) {
  size_t esize = kiln_dtype_size(dtype);
  if (esize == 0 || rank < 0 || rank > KILN_MAX_RANK || (rank > 0 && !dims))
    return -1;
  /* Like NumPy, multiply only the non-zero dims, so that an impossible shape
   * is rejected even when another dim makes the array empty. */
  size_t n = 1;
  int empty = 0;
  for (int32_t i = 0; i < rank; i++) {
    if (dims[i] < 0)
      return -1;
    if (dims[i] == 0) {
      empty = 1;
      continue;
    }
    if ((uint64_t)dims[i] > SIZE_MAX / n)
      return -1;
    n *= (size_t)dims[i];
  }
  if (n > SIZE_MAX / esize || n > (size_t)(INT64_MAX / (int64_t)esize))
    return -1;
  if (empty)
    n = 0;
  *count = n;
  *bytes = n * esize;
  return 0;
}

void *kiln_rt_aligned_alloc(size_t bytes) {
  if (bytes > SIZE_MAX - KILN_RT_ALIGN)
    return NULL;
  /* aligned_alloc wants a size that is a multiple of the alignment. */
  size_t n = (bytes + KILN_RT_ALIGN - 1) / KILN_RT_ALIGN * KILN_RT_ALIGN;
  if (n == 0)
    n = KILN_RT_ALIGN;
  void *p = aligned_alloc(KILN_RT_ALIGN, n);
  if (p)
    memset(p, 0, n);
  return p;
}

kiln_status kiln_array_alloc(kiln_array *out, kiln_dtype dtype, int32_t rank,
                             const int64_t *dims) {
  if (!out)
    return KILN_ERR_USAGE;
  memset(out, 0, sizeof *out);
  if (!kiln_rt_dtype_valid(dtype))
    return KILN_ERR_DTYPE;
  if (rank < 0 || rank > KILN_MAX_RANK || (rank > 0 && !dims))
    return KILN_ERR_SHAPE;
  for (int32_t i = 0; i < rank; i++)
    if (dims[i] < 0)
      return KILN_ERR_SHAPE;
  size_t count, bytes;
  if (kiln_rt_shape_bytes(dtype, rank, dims, &count, &bytes) != 0)
    return KILN_ERR_ALLOC; /* too large to ever allocate */
  void *data = kiln_rt_aligned_alloc(bytes);
  if (!data)
    return KILN_ERR_ALLOC;
  out->dtype = dtype;
  out->rank = rank;
  for (int32_t i = 0; i < rank; i++)
    out->dims[i] = dims[i];
  out->data = data;
  return KILN_OK;
}

void kiln_array_free(kiln_array *a) {
  if (!a)
    return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

const char *kiln_rt_format_shape(char *buf, size_t len, int32_t rank,
                                 const int64_t *dims, const char *first) {
  size_t used = 0;
  /* Appends with snprintf, stopping quietly once the buffer is full. */
#define APPEND(...)                                                            \
  do {                                                                         \
    if (used < len) {                                                          \
      int n_ = snprintf(buf + used, len - used, __VA_ARGS__);                  \
      used += n_ > 0 ? (size_t)n_ : 0;                                         \
    }                                                                          \
  } while (0)
  if (len == 0)
    return buf;
  buf[0] = '\0';
  APPEND("(");
  for (int32_t i = 0; i < rank; i++) {
    if (i == 0 && first)
      APPEND("%s", first);
    else
      APPEND("%lld", (long long)dims[i]);
    if (i + 1 < rank)
      APPEND(", ");
  }
  APPEND(rank == 1 ? ",)" : ")");
#undef APPEND
  return buf;
}
