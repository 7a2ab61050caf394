/* Reading and writing .npy files.
 *
 * Format: the magic "\x93NUMPY", a major and minor version byte, the header
 * length (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3),
 * then the header -- a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 784), }
 * padded with spaces and ended by '\n' -- then the raw array data.
 *
 * Files come from users, so every length is checked against the real file
 * size before anything is read or allocated.
 */
/* madvise */
#define _DEFAULT_SOURCE

#include "rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* A header Kiln can use holds three short keys and at most 8 dims; anything
 * far longer is not worth reading into memory. */
#define NPY_MAX_HEADER (1u << 20)

kiln_status kiln_rt_fail(char *err, size_t err_len, kiln_status st,
                         const char *fmt, ...) {
  if (err && err_len > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return st;
}

/* ---- header dict parser ---------------------------------------------- */

typedef struct npy_header {
  char descr[16];   /* printable prefix of the 'descr' string */
  size_t descr_len; /* full length of the 'descr' string */
  int fortran;
  int rank; /* may exceed KILN_MAX_RANK; only the first dims are kept */
  int64_t dims[KILN_MAX_RANK];
} npy_header;

typedef struct parser {
  const char *p, *end;
  char *msg; /* reason for a failure, without the file name */
  size_t msg_len;
} parser;

static kiln_status perr(parser *ps, kiln_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->msg, ps->msg_len, fmt, ap);
  va_end(ap);
  return st;
}

static int peek(parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
  return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static int accept(parser *ps, char c) {
  if (peek(ps) != (unsigned char)c)
    return 0;
  ps->p++;
  return 1;
}

/* Parses a quoted string ('...' or "..."; the values we accept never need
 * escapes). Copies a printable prefix into buf (non-printable bytes become
 * '?', so that messages stay on one line) and returns the full length, or
 * -1 if there is no well-formed string here. */
static long parse_string(parser *ps, char *buf, size_t cap) {
  int quote = peek(ps);
  if (quote != '\'' && quote != '"')
    return -1;
  const char *start = ++ps->p;
  while (ps->p < ps->end && *ps->p != quote && *ps->p != '\n')
    ps->p++;
  if (ps->p >= ps->end || *ps->p != quote)
    return -1;
  size_t n = (size_t)(ps->p - start);
  ps->p++;
  size_t k = n < cap - 1 ? n : cap - 1;
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)start[i];
    buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
  }
  buf[k] = '\0';
  return (long)n;
}

/* Parses `True` or `False`; returns 1, 0, or -1 if neither is here. */
static int parse_bool(parser *ps) {
  peek(ps);
  size_t left = (size_t)(ps->end - ps->p);
  int value;
  size_t n;
  if (left >= 4 && memcmp(ps->p, "True", 4) == 0)
    value = 1, n = 4;
  else if (left >= 5 && memcmp(ps->p, "False", 5) == 0)
    value = 0, n = 5;
  else
    return -1;
  /* Reject identifiers that merely start with the keyword, like `Falsey`. */
  if (n < left) {
    char c = ps->p[n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '_')
      return -1;
  }
  ps->p += n;
  return value;
}

/* Parses one dimension: an optionally signed decimal integer, with the 'L'
 * suffix that Python 2 wrote for long integers. */
static kiln_status parse_dim(parser *ps, int64_t *out) {
  int c = peek(ps);
  int negative = c == '-';
  if (c == '-' || c == '+')
    ps->p++;
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
    return perr(ps, KILN_ERR_FORMAT,
                "malformed header: 'shape' must be a tuple of integers");
  uint64_t v = 0;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    unsigned d = (unsigned)(*ps->p++ - '0');
    if (v > ((uint64_t)INT64_MAX - d) / 10)
      return perr(ps, KILN_ERR_FORMAT,
                  "malformed header: a dimension in 'shape' is too large");
    v = v * 10 + d;
  }
  if (ps->p < ps->end && (*ps->p == 'L' || *ps->p == 'l'))
    ps->p++;
  if (negative && v != 0)
    return perr(ps, KILN_ERR_FORMAT,
                "malformed header: negative dimension -%llu in 'shape'",
                (unsigned long long)v);
  *out = (int64_t)v;
  return KILN_OK;
}

/* Parses a Python tuple of dims: (), (784,), (1, 784), (1, 784,). */
static kiln_status parse_shape(parser *ps, npy_header *h) {
  if (!accept(ps, '('))
    return perr(ps, KILN_ERR_FORMAT,
                "malformed header: 'shape' is not a tuple");
  h->rank = 0;
  if (accept(ps, ')'))
    return KILN_OK;
  for (;;) {
    int64_t d = 0;
    kiln_status st = parse_dim(ps, &d);
    if (st != KILN_OK)
      return st;
    if (h->rank < KILN_MAX_RANK)
      h->dims[h->rank] = d;
    h->rank++;
    if (accept(ps, ')')) {
      /* In Python `(784)` is the integer 784, not a tuple. */
      if (h->rank == 1)
        return perr(ps, KILN_ERR_FORMAT,
                    "malformed header: 'shape' is not a tuple (a one-element "
                    "tuple needs a trailing comma)");
      return KILN_OK;
    }
    if (!accept(ps, ','))
      return perr(ps, KILN_ERR_FORMAT,
                  "malformed header: expected ',' or ')' in 'shape'");
    if (accept(ps, ')'))
      return KILN_OK;
  }
}

/* Parses the header dict. It must have exactly the keys 'descr',
 * 'fortran_order' and 'shape', in any order, as NumPy requires. */
static kiln_status parse_header(const char *text, size_t len, npy_header *h,
                                char *msg, size_t msg_len) {
  parser ps = {text, text + len, msg, msg_len};
  enum { DESCR = 1, FORTRAN = 2, SHAPE = 4 };
  unsigned seen = 0;
  memset(h, 0, sizeof *h);
  if (!accept(&ps, '{'))
    return perr(&ps, KILN_ERR_FORMAT,
                "malformed header: expected a dict starting with '{'");
  while (!accept(&ps, '}')) {
    char key[32];
    if (parse_string(&ps, key, sizeof key) < 0)
      return perr(&ps, KILN_ERR_FORMAT,
                  "malformed header: expected a quoted key or '}'");
    unsigned which = strcmp(key, "descr") == 0           ? DESCR
                     : strcmp(key, "fortran_order") == 0 ? FORTRAN
                     : strcmp(key, "shape") == 0         ? SHAPE
                                                         : 0;
    if (which == 0)
      return perr(&ps, KILN_ERR_FORMAT, "malformed header: unexpected key '%s'",
                  key);
    if (seen & which)
      return perr(&ps, KILN_ERR_FORMAT, "malformed header: duplicate key '%s'",
                  key);
    seen |= which;
    if (!accept(&ps, ':'))
      return perr(&ps, KILN_ERR_FORMAT,
                  "malformed header: expected ':' after '%s'", key);
    if (which == DESCR) {
      if (peek(&ps) == '[')
        return perr(&ps, KILN_ERR_DTYPE,
                    "unsupported dtype: structured arrays are not supported");
      long n = parse_string(&ps, h->descr, sizeof h->descr);
      if (n < 0)
        return perr(&ps, KILN_ERR_FORMAT,
                    "malformed header: 'descr' is not a string");
      h->descr_len = (size_t)n;
    } else if (which == FORTRAN) {
      h->fortran = parse_bool(&ps);
      if (h->fortran < 0)
        return perr(&ps, KILN_ERR_FORMAT,
                    "malformed header: 'fortran_order' is not True or False");
    } else {
      kiln_status st = parse_shape(&ps, h);
      if (st != KILN_OK)
        return st;
    }
    if (accept(&ps, '}'))
      break;
    if (!accept(&ps, ','))
      return perr(&ps, KILN_ERR_FORMAT,
                  "malformed header: expected ',' or '}' after '%s'", key);
  }
  if (peek(&ps) != -1)
    return perr(&ps, KILN_ERR_FORMAT,
                "malformed header: unexpected text after the dict");
  const char *missing = !(seen & DESCR)     ? "descr"
                        : !(seen & FORTRAN) ? "fortran_order"
                        : !(seen & SHAPE)   ? "shape"
                                            : NULL;
  if (missing)
    return perr(&ps, KILN_ERR_FORMAT, "malformed header: missing key '%s'",
                missing);
  return KILN_OK;
}

/* Maps a descr to a dtype. '<' is little-endian; '=' (native) and '|' (byte
 * order not applicable, which NumPy also reads as native) mean the same on
 * the little-endian hosts Kiln runs on. Returns -1 if unsupported. */
static int descr_dtype(const npy_header *h, kiln_dtype *out) {
  const char *d = h->descr;
  if (h->descr_len != 3 || (d[0] != '<' && d[0] != '=' && d[0] != '|'))
    return -1;
  if (strcmp(d + 1, "f4") == 0)
    *out = KILN_FLOAT32;
  else if (strcmp(d + 1, "i4") == 0)
    *out = KILN_INT32;
  else if (strcmp(d + 1, "i8") == 0)
    *out = KILN_INT64;
  else if (strcmp(d + 1, "f8") == 0)
    *out = KILN_FLOAT64;
  else
    return -1;
  return 0;
}

/* ---- loading ----------------------------------------------------------- */

/* Reads exactly n bytes; on failure reports a read error or, if the file
 * shrank since it was measured, a truncation. */
static kiln_status read_exact(FILE *f, void *buf, size_t n, const char *path,
                              char *err, size_t err_len) {
  if (n == 0 || fread(buf, 1, n, f) == n)
    return KILN_OK;
  if (ferror(f))
    return kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: read error: %s", path,
                        strerror(errno));
  return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                      "%s: file is truncated (it changed while being read)", path);
}

/* What read_header learns about a file: the array it holds (without data)
 * and where its data starts. */
typedef struct npy_layout {
  kiln_dtype dtype;
  int32_t rank;
  int64_t dims[KILN_MAX_RANK];
  size_t offset; /* of the data, from the start of the file */
  size_t bytes;  /* of the data: exactly what the file holds after the header */
} npy_layout;

/* Reads and checks the preamble and header of an open regular file of
 * `size` bytes, leaving `f` at the start of the data. */
static kiln_status read_header(FILE *f, uint64_t size, const char *path,
                               npy_layout *out, char *err, size_t err_len) {
  if (size == 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT, "%s: file is empty", path);

  /* The preamble: magic, version, header length. */
  unsigned char pre[12];
  size_t first = size < 10 ? (size_t)size : 10;
  kiln_status st = read_exact(f, pre, first, path, err, err_len);
  if (st != KILN_OK)
    return st;
  size_t magic_have = first < NPY_MAGIC_LEN ? first : NPY_MAGIC_LEN;
  if (memcmp(pre, NPY_MAGIC, magic_have) != 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: not a .npy file (bad magic bytes)", path);
  if (first < 8)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: file is truncated: it ends inside the .npy preamble",
                        path);
  unsigned major = pre[6], minor = pre[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: unsupported .npy format version %u.%u (Kiln reads 1.0, "
                        "2.0 and 3.0)",
                        path, major, minor);
  size_t pre_len = major == 1 ? 10 : 12;
  if (size < pre_len)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: file is truncated: it ends inside the .npy preamble",
                        path);
  if (pre_len > first) {
    st = read_exact(f, pre + first, pre_len - first, path, err, err_len);
    if (st != KILN_OK)
      return st;
  }
  uint64_t header_len = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
  if (major != 1)
    header_len |= (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
  if (header_len > size - pre_len)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: header length %llu goes past the end of the file (%llu "
                        "bytes)",
                        path, (unsigned long long)header_len, (unsigned long long)size);
  if (header_len > NPY_MAX_HEADER)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: header of %llu bytes is implausibly long", path,
                        (unsigned long long)header_len);

  /* The header dict. */
  char *text = malloc((size_t)header_len + 1);
  if (!text)
    return kiln_rt_fail(err, err_len, KILN_ERR_ALLOC, "%s: out of memory", path);
  npy_header h;
  st = read_exact(f, text, (size_t)header_len, path, err, err_len);
  if (st == KILN_OK) {
    char why[160];
    st = parse_header(text, (size_t)header_len, &h, why, sizeof why);
    if (st != KILN_OK)
      kiln_rt_fail(err, err_len, st, "%s: %s", path, why);
  }
  free(text);
  if (st != KILN_OK)
    return st;

  /* What Kiln can use of it. */
  kiln_dtype dtype;
  if (descr_dtype(&h, &dtype) != 0) {
    const char *more = h.descr_len >= sizeof h.descr ? "..." : "";
    if (h.descr_len == 3 && h.descr[0] == '>')
      return kiln_rt_fail(err, err_len, KILN_ERR_DTYPE,
                          "%s: unsupported dtype '%s': big-endian data is not "
                          "supported; convert with x.astype('<%s')",
                          path, h.descr, h.descr + 1);
    return kiln_rt_fail(err, err_len, KILN_ERR_DTYPE,
                        "%s: unsupported dtype '%s%s' (Kiln reads <f4, <i4, <i8 and "
                        "<f8)",
                        path, h.descr, more);
  }
  if (h.fortran)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: fortran_order arrays are not supported; save with "
                        "np.ascontiguousarray(x)",
                        path);
  if (h.rank > KILN_MAX_RANK)
    return kiln_rt_fail(err, err_len, KILN_ERR_SHAPE,
                        "%s: rank %d is more than the %d dimensions Kiln supports",
                        path, h.rank, KILN_MAX_RANK);
  char shape[KILN_RT_SHAPE_LEN];
  kiln_rt_format_shape(shape, sizeof shape, h.rank, h.dims, NULL);
  size_t count, bytes;
  if (kiln_rt_shape_bytes(dtype, h.rank, h.dims, &count, &bytes) != 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: the shape %s has more elements than can be addressed",
                        path, shape);
  uint64_t data_len = size - pre_len - header_len;
  if (data_len < bytes)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: file is truncated: the shape %s needs %zu bytes of data, "
                        "found %llu",
                        path, shape, bytes, (unsigned long long)data_len);
  if (data_len > bytes)
    return kiln_rt_fail(err, err_len, KILN_ERR_FORMAT,
                        "%s: %llu unexpected bytes after the data (the shape %s needs "
                        "%zu bytes)",
                        path, (unsigned long long)(data_len - bytes), shape, bytes);
  out->dtype = dtype;
  out->rank = h.rank;
  memcpy(out->dims, h.dims, sizeof out->dims);
  out->offset = pre_len + (size_t)header_len;
  out->bytes = bytes;
  return KILN_OK;
}

int kiln_rt_open_regular(const char *path, uint64_t *size, char *err, size_t err_len) {
  /* O_NONBLOCK keeps open() from waiting forever on a FIFO; non-regular
   * files are then rejected, and it has no effect on regular ones. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: cannot open: %s", path,
                 strerror(errno));
    return -1;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    return -1;
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: not a regular file%s", path,
                 S_ISDIR(sb.st_mode) ? " (it is a directory)" : "");
    return -1;
  }
  *size = (uint64_t)sb.st_size;
  return fd;
}

/* kiln_rt_open_regular as a stream. */
static FILE *open_regular(const char *path, uint64_t *size, char *err,
                          size_t err_len) {
  int fd = kiln_rt_open_regular(path, size, err, err_len);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    int e = errno;
    close(fd);
    kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    return NULL;
  }
  return f;
}

/* Opens `path` and reads its header, leaving `*f` at the start of the data
 * (and NULL on failure). */
static kiln_status open_npy(const char *path, FILE **f, uint64_t *size,
                            npy_layout *layout, char *err, size_t err_len) {
  *f = open_regular(path, size, err, err_len);
  if (!*f)
    return KILN_ERR_IO;
  kiln_status st = read_header(*f, *size, path, layout, err, err_len);
  if (st != KILN_OK) {
    fclose(*f);
    *f = NULL;
  }
  return st;
}

kiln_status kiln_npy_load(const char *path, kiln_array *out, char *err,
                          size_t err_len) {
  if (err && err_len > 0)
    err[0] = '\0';
  if (!out || !path)
    return kiln_rt_fail(err, err_len, KILN_ERR_USAGE, "kiln_npy_load: null argument");
  memset(out, 0, sizeof *out);
  FILE *f;
  uint64_t size;
  npy_layout layout;
  kiln_status st = open_npy(path, &f, &size, &layout, err, err_len);
  if (st != KILN_OK)
    return st;
  kiln_array a;
  if (kiln_array_alloc(&a, layout.dtype, layout.rank, layout.dims) != KILN_OK)
    st = kiln_rt_fail(err, err_len, KILN_ERR_ALLOC,
                      "%s: out of memory for %zu bytes of data", path, layout.bytes);
  else if ((st = read_exact(f, a.data, layout.bytes, path, err, err_len)) ==
           KILN_OK)
    *out = a;
  else
    kiln_array_free(&a);
  fclose(f);
  return st;
}

kiln_status kiln_rt_npy_map(const char *path, kiln_rt_mapping *out, char *err,
                            size_t err_len) {
  if (err && err_len > 0)
    err[0] = '\0';
  memset(out, 0, sizeof *out);
  FILE *f;
  uint64_t size;
  npy_layout layout;
  kiln_status st = open_npy(path, &f, &size, &layout, err, err_len);
  if (st != KILN_OK)
    return st;
  /* The whole file: the data is at its offset, and the file is not empty. */
  void *base = size <= SIZE_MAX ? mmap(NULL, (size_t)size, PROT_READ,
                                       MAP_PRIVATE, fileno(f), 0)
                                : MAP_FAILED;
  if (size > SIZE_MAX) {
    st = kiln_rt_fail(err, err_len, KILN_ERR_IO,
                      "%s: too large to map on this machine (%llu bytes)", path,
                      (unsigned long long)size);
  } else if (base == MAP_FAILED) {
    st = kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: cannot map: %s", path,
                      strerror(errno));
  } else {
    out->base = base;
    out->length = (size_t)size;
    out->array.dtype = layout.dtype;
    out->array.rank = layout.rank;
    memcpy(out->array.dims, layout.dims, sizeof layout.dims);
    out->array.data = (char *)base + layout.offset;
  }
  fclose(f);
  return st;
}

void kiln_rt_npy_unmap(kiln_rt_mapping *m) {
  if (m->base)
    munmap(m->base, m->length);
  memset(m, 0, sizeof *m);
}

void kiln_rt_npy_release(kiln_rt_mapping *m, size_t from, size_t to) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t p = page > 0 ? (uintptr_t)page : 4096;
  uintptr_t first = ((uintptr_t)m->array.data + from + p - 1) / p * p;
  uintptr_t last = ((uintptr_t)m->array.data + to) / p * p;
  if (last > first)
    madvise((void *)first, last - first, MADV_DONTNEED);
}

/* ---- saving ------------------------------------------------------------ */

/* Writes the .npy header of an array of `dtype` and shape `dims` into
 * `head`, padded with spaces and a final '\n' so that the data starts at a
 * multiple of 64 bytes, as NumPy writes it. Returns its length. */
static size_t header_text(char head[512], kiln_dtype dtype, int32_t rank,
                          const int64_t *dims) {
  char shape[KILN_RT_SHAPE_LEN];
  kiln_rt_format_shape(shape, sizeof shape, rank, dims, NULL);
  int n = snprintf(head + 10, 512 - 10,
                   "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   kiln_rt_dtype_descr(dtype), shape);
  size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
  memcpy(head, NPY_MAGIC "\x01\x00", 8);
  head[8] = (char)((total - 10) & 0xff);
  head[9] = (char)((total - 10) >> 8);
  memset(head + 10 + n, ' ', total - 10 - (size_t)n - 1);
  head[total - 1] = '\n';
  return total;
}

static kiln_status write_bytes(kiln_rt_npy_writer *w, const void *data,
                               size_t bytes, char *err, size_t err_len) {
  if (bytes > 0 && fwrite(data, 1, bytes, w->out.file) != bytes)
    return kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: write error: %s",
                        w->out.path, strerror(errno));
  return KILN_OK;
}

kiln_status kiln_rt_npy_create(kiln_rt_npy_writer *w, const char *path,
                               kiln_dtype dtype, int32_t rank,
                               const int64_t *dims, char *err,
                               size_t err_len) {
  memset(w, 0, sizeof *w);
  if (!kiln_rt_dtype_valid(dtype))
    return kiln_rt_fail(err, err_len, KILN_ERR_DTYPE, "%s: invalid dtype %d",
                        path, (int)dtype);
  size_t count, bytes;
  if (kiln_rt_shape_bytes(dtype, rank, dims, &count, &bytes) != 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_SHAPE, "%s: invalid shape",
                        path);
  kiln_status st = kiln_rt_output_open(&w->out, path, err, err_len);
  if (st != KILN_OK)
    return st;
  char head[512];
  size_t total = header_text(head, dtype, rank, dims);
  w->left = bytes;
  return write_bytes(w, head, total, err, err_len);
}

kiln_status kiln_rt_npy_append(kiln_rt_npy_writer *w, const void *data,
                               size_t bytes, char *err, size_t err_len) {
  w->left -= bytes < w->left ? bytes : w->left;
  return write_bytes(w, data, bytes, err, err_len);
}

kiln_status kiln_rt_npy_finish(kiln_rt_npy_writer *w, char *err,
                               size_t err_len) {
  if (w->left != 0)
    return kiln_rt_fail(err, err_len, KILN_ERR_USAGE,
                        "%s: %zu bytes of data missing", w->out.path, w->left);
  return kiln_rt_output_close(&w->out, err, err_len);
}

kiln_status kiln_npy_save(const char *path, const kiln_array *a, char *err,
                          size_t err_len) {
  if (err && err_len > 0)
    err[0] = '\0';
  if (!a || !path)
    return kiln_rt_fail(err, err_len, KILN_ERR_USAGE,
                        "kiln_npy_save: null argument");
  size_t count, bytes;
  if (kiln_rt_dtype_valid(a->dtype) &&
      kiln_rt_shape_bytes(a->dtype, a->rank, a->dims, &count, &bytes) == 0 &&
      bytes > 0 && !a->data)
    return kiln_rt_fail(err, err_len, KILN_ERR_USAGE,
                        "%s: array has no data", path);
  kiln_rt_npy_writer w;
  kiln_status st =
      kiln_rt_npy_create(&w, path, a->dtype, a->rank, a->dims, err, err_len);
  if (st == KILN_OK)
    st = kiln_rt_npy_append(&w, a->data, w.left, err, err_len);
  if (st == KILN_OK)
    st = kiln_rt_npy_finish(&w, err, err_len);
  if (st == KILN_OK)
    return kiln_rt_output_commit(&w.out, err, err_len);
  kiln_rt_output_discard(&w.out);
  return st;
}
