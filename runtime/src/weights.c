/* External weights (kilnc build --external-weights): mapping the file and
 * explaining what the model's check of it found. The format and the check
 * itself are in kiln_weights.h. */
#define _POSIX_C_SOURCE 200809L

#include "kiln_weights.h"
#include "rt_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

kiln_status kiln_file_map(const char *path, kiln_mapped_file *out, char *err, size_t err_len) {
  out->data = NULL;
  out->size = 0;
  uint64_t file_size;
  int fd = kiln_rt_open_regular(path, &file_size, err, err_len);
  if (fd < 0)
    return KILN_ERR_IO;
  if (file_size > SIZE_MAX) {
    kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: too large to map", path);
    close(fd);
    return KILN_ERR_IO;
  }
  size_t size = (size_t)file_size;
  /* An empty file cannot be mapped; it is simply too short to be weights. */
  void *data = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
  int saved = errno;
  close(fd);
  if (size && data == MAP_FAILED)
    return kiln_rt_fail(err, err_len, KILN_ERR_IO, "%s: cannot map: %s", path, strerror(saved));
  out->data = data;
  out->size = size;
  return KILN_OK;
}

void kiln_file_unmap(kiln_mapped_file *f) {
  if (f->data) munmap((void *)f->data, f->size);
  f->data = NULL;
  f->size = 0;
}

const char *kiln_weights_describe(int32_t status) {
  switch ((kiln_weights_status)status) {
  case KILN_WEIGHTS_OK: return "is this model's weights file";
  case KILN_WEIGHTS_NOT_WEIGHTS: return "is not a Kiln weights file (no KILNWTS header)";
  case KILN_WEIGHTS_BAD_VERSION: return "has a weights format version this program does not read";
  case KILN_WEIGHTS_OTHER_MODEL:
    return "was built for another model (its model definition hash or tensor table differs); "
           "rebuild it with kilnc build --external-weights";
  case KILN_WEIGHTS_TRUNCATED: return "is truncated: its size differs from the size its header records";
  case KILN_WEIGHTS_CORRUPT: return "is corrupted: a checksum does not match";
  case KILN_WEIGHTS_MISALIGNED: return "is not at a 64-byte-aligned address";
  }
  return "failed the weights check";
}

int kiln_rt_weights_load(const kiln_model_info *m, const char *file,
                         const char *prog, kiln_mapped_file *out) {
  char path[4096], err[4608];
  const char *given = file;
  if (!file) {
    file = m->weights_path;
    if (file[0] != '/') {
      /* Relative to the directory of this program. */
      char exe[4096];
      ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
      if (n <= 0) {
        n = (ssize_t)strlen(prog);
        if ((size_t)n >= sizeof exe)
          n = sizeof exe - 1;
        memcpy(exe, prog, (size_t)n);
      }
      exe[n] = '\0';
      char *slash = strrchr(exe, '/');
      int len = slash ? snprintf(path, sizeof path, "%.*s/%s",
                                 (int)(slash - exe), exe, file)
                      : snprintf(path, sizeof path, "%s", file);
      if (len < 0 || (size_t)len >= sizeof path) {
        kiln_rt_error("the path of the weights file '%s' is too long", file);
        return -1;
      }
      file = path;
    }
  }
  if (kiln_file_map(file, out, err, sizeof err) != KILN_OK) {
    kiln_rt_error("cannot read the weights file: %s%s", err,
                  given ? "" : " (give its path with --weights FILE)");
    return -1;
  }
  int32_t status = m->weights_check(out->data, out->size);
  if (status != KILN_WEIGHTS_OK) {
    kiln_rt_error("weights file '%s' %s", file, kiln_weights_describe(status));
    kiln_file_unmap(out);
    return -1;
  }
  return 0;
}
