/* Output files, written so that a failure destroys nothing: the data goes to
 * a new temporary file beside the destination, which is renamed onto it only
 * once complete. A failed write leaves the destination as it was and removes
 * only the temporary, which this process created. A destination that exists
 * but is not a regular file (/dev/null, /dev/stdout, a FIFO) cannot be
 * replaced by renaming: it is written directly, and never removed. */
#define _XOPEN_SOURCE 700

#include "rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a new file next to `target` (same directory, so that rename is
 * atomic), readable as a file created by fopen would be. */
static int create_temporary(const char *target, char **name) {
  static unsigned counter;
  size_t len = strlen(target) + 64;
  char *temp = malloc(len);
  if (!temp)
    return -1;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(temp, len, "%s.tmp%ld.%u", target, (long)getpid(), counter++);
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0666);
    if (fd >= 0) {
      *name = temp;
      return fd;
    }
    if (errno != EEXIST)
      break;
  }
  int e = errno;
  free(temp);
  errno = e;
  return -1;
}

void kiln_rt_output_discard(kiln_rt_output *o) {
  if (o->file)
    fclose(o->file);
  if (o->temp)
    unlink(o->temp);
  free(o->temp);
  free(o->target);
  memset(o, 0, sizeof *o);
}

kiln_status kiln_rt_output_open(kiln_rt_output *o, const char *path, char *err,
                                size_t err_len) {
  memset(o, 0, sizeof *o);
  o->path = path;
  struct stat sb;
  int exists = stat(path, &sb) == 0;
  if (exists && S_ISDIR(sb.st_mode))
    return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                        "%s: cannot write: it is a directory", path);
  if (exists && !S_ISREG(sb.st_mode)) {
    o->file = fopen(path, "wb");
    if (!o->file)
      return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                          "%s: cannot open: %s", path, strerror(errno));
    return KILN_OK;
  }
  /* Through a symbolic link, the file it points to is replaced. */
  o->target = exists ? realpath(path, NULL) : strdup(path);
  if (!o->target) {
    int e = errno;
    kiln_rt_output_discard(o);
    return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                        "%s: cannot resolve: %s", path, strerror(e));
  }
  int fd = create_temporary(o->target, &o->temp);
  if (fd < 0) {
    int e = errno;
    kiln_rt_output_discard(o);
    return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                        "%s: cannot create: %s", path, strerror(e));
  }
  if (exists)
    fchmod(fd, sb.st_mode & 07777); /* keep the permissions it had */
  o->file = fdopen(fd, "wb");
  if (!o->file) {
    int e = errno;
    close(fd);
    kiln_rt_output_discard(o);
    return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                        "%s: cannot open: %s", path, strerror(e));
  }
  return KILN_OK;
}

kiln_status kiln_rt_output_close(kiln_rt_output *o, char *err, size_t err_len) {
  int failed = fclose(o->file) != 0;
  int e = errno;
  o->file = NULL;
  if (failed)
    return kiln_rt_fail(err, err_len, KILN_ERR_IO,
                        "%s: write error: %s", o->path, strerror(e));
  return KILN_OK;
}

kiln_status kiln_rt_output_commit(kiln_rt_output *o, char *err,
                                  size_t err_len) {
  kiln_status st = KILN_OK;
  if (o->temp && rename(o->temp, o->target) != 0)
    st = kiln_rt_fail(err, err_len, KILN_ERR_IO,
                      "%s: cannot replace: %s", o->path,
              strerror(errno));
  else if (o->temp) {
    free(o->temp); /* renamed: nothing left to remove */
    o->temp = NULL;
  }
  kiln_rt_output_discard(o);
  return st;
}
