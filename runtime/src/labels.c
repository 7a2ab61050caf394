/* --labels: a classifier's predicted class for each sample (the first
 * largest value of a (batch, classes) float32 output, as numpy's argmax)
 * against its true label, then the accuracy. The labels file is mapped and
 * read a batch at a time, as the inputs are. */
#include "rt_internal.h"

#include <stdio.h>
#include <string.h>

int kiln_rt_labels_open(kiln_rt_labels *l, const char *file,
                        const kiln_tensor_info *scores, int64_t total) {
  char err[512], shape[KILN_RT_SHAPE_LEN];
  memset(l, 0, sizeof *l);
  if (scores->rank != 2 || scores->dtype != KILN_FLOAT32) {
    kiln_rt_error("--labels needs a model whose first output is (batch, "
                  "classes) float32; '%s' is %s %s",
                  scores->name, kiln_dtype_name((kiln_dtype)scores->dtype),
                  kiln_rt_format_shape(shape, sizeof shape, scores->rank,
                                       scores->dims, "batch"));
    return -1;
  }
  if (kiln_rt_npy_map(file, &l->map, err, sizeof err) != KILN_OK) {
    kiln_rt_error("%s", err);
    return -1;
  }
  const kiln_array *a = &l->map.array;
  if ((a->dtype != KILN_INT32 && a->dtype != KILN_INT64) ||
      !(a->rank == 1 || (a->rank == 2 && a->dims[1] == 1)) ||
      a->dims[0] != total) {
    kiln_rt_error("labels (%s): expected %lld integers (int32 or int64), got "
                  "%s %s",
                  file, (long long)total, kiln_dtype_name(a->dtype),
                  kiln_rt_format_shape(shape, sizeof shape, a->rank, a->dims,
                                       NULL));
    return -1;
  }
  return 0;
}

void kiln_rt_labels_print(kiln_rt_labels *l, const kiln_array *scores,
                          int64_t start, int64_t n) {
  const kiln_array *a = &l->map.array;
  size_t size = kiln_dtype_size(a->dtype);
  int64_t classes = scores->dims[1];
  const float *row = scores->data;
  for (int64_t i = 0; i < n; i++, row += classes) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; c++)
      if (row[c] > row[best])
        best = c;
    const char *at = (const char *)a->data + (size_t)(start + i) * size;
    long long label;
    if (a->dtype == KILN_INT32) {
      int32_t v;
      memcpy(&v, at, sizeof v);
      label = v;
    } else {
      int64_t v;
      memcpy(&v, at, sizeof v);
      label = v;
    }
    l->correct += best == label;
    printf("sample %lld: class %lld (%.4f), label %lld%s\n",
           (long long)(start + i), (long long)best, row[best], label,
           best == label ? "" : "  <- wrong");
  }
  kiln_rt_npy_release(&l->map, (size_t)start * size,
                      (size_t)(start + n) * size);
}

void kiln_rt_labels_finish(const kiln_rt_labels *l) {
  int64_t n = l->map.array.dims[0];
  printf("accuracy: %lld of %lld = %.4f\n", (long long)l->correct,
         (long long)n, n ? (double)l->correct / (double)n : 0.0);
}
