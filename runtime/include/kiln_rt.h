/* libkiln_rt — the thin runtime that Kiln-generated code links against.
 *
 * It holds what is not model-specific: reading and writing tensors as .npy
 * files, a thread pool to lend to model runs, and the command-line driver of
 * executables built by `kilnc build`. The generated inference entry points
 * themselves need nothing from here.
 */
#ifndef KILN_RT_H
#define KILN_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef KILN_PARALLEL_DEFINED
#define KILN_PARALLEL_DEFINED
/* A parallel-for the caller lends to a run: parallel_for(context, task,
 * task_context, count) calls task(task_context, i, thread) once for every i
 * in [0, count), on up to `threads` threads at once, and returns when all
 * calls have returned. `thread` is in [0, threads), and no two calls that
 * run at the same time get the same one. libkiln_rt's kiln_pool is one. */
typedef void (*kiln_task)(void *task_context, int64_t index, int32_t thread);
typedef struct kiln_parallel {
  void (*parallel_for)(void *context, kiln_task task, void *task_context, int64_t count);
  void *context;
  int32_t threads;
} kiln_parallel;
#endif

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERR_IO = 1,     /* a file could not be opened, read or written */
  KILN_ERR_FORMAT = 2, /* not a valid .npy file (bad magic, header, truncated) */
  KILN_ERR_DTYPE = 3,  /* the element type is not the one required */
  KILN_ERR_SHAPE = 4,  /* the shape is not the one required */
  KILN_ERR_ALLOC = 5,  /* out of memory */
  KILN_ERR_USAGE = 6   /* bad command-line usage */
} kiln_status;

typedef enum kiln_dtype {
  KILN_FLOAT32 = 0,
  KILN_INT32 = 1,
  KILN_INT64 = 2,
  KILN_FLOAT64 = 3
} kiln_dtype;

#define KILN_MAX_RANK 8

/* A dense, C-ordered, little-endian array owned by the runtime. */
typedef struct kiln_array {
  kiln_dtype dtype;
  int32_t rank;
  int64_t dims[KILN_MAX_RANK];
  void *data; /* 64-byte aligned; free with kiln_array_free */
} kiln_array;

/* Size in bytes of one element of `dtype`. */
size_t kiln_dtype_size(kiln_dtype dtype);
/* Name as NumPy spells it: "float32", "int32", ... */
const char *kiln_dtype_name(kiln_dtype dtype);
/* Number of elements of `a` (product of its dims; 1 for rank 0). */
size_t kiln_array_count(const kiln_array *a);

/* Reads a .npy file (format versions 1, 2 and 3; dtypes <f4 <i4 <i8 <f8;
 * C order only). On failure returns a status, leaves `out` empty and writes a
 * one-line message naming the file into `err` (if err_len > 0). */
kiln_status kiln_npy_load(const char *path, kiln_array *out, char *err,
                          size_t err_len);
/* Writes `a` as a version-1 .npy file. */
kiln_status kiln_npy_save(const char *path, const kiln_array *a, char *err,
                          size_t err_len);
/* Allocates a zeroed array of the given dtype and shape. */
kiln_status kiln_array_alloc(kiln_array *out, kiln_dtype dtype, int32_t rank,
                             const int64_t *dims);
void kiln_array_free(kiln_array *a);

/* A small persistent thread pool: `threads` - 1 worker threads, which the
 * calling thread joins in every parallel-for. Workers spin briefly between
 * parallel-fors, then sleep. One parallel-for runs on the pool at a time; a
 * caller that finds the pool busy runs its tasks on its own thread. */
typedef struct kiln_pool kiln_pool;
/* Creates a pool of `threads` threads (< 1: one per available core);
 * returns NULL if out of resources. */
kiln_pool *kiln_pool_create(int32_t threads);
/* Stops and frees the pool; no parallel-for may be running on it. */
void kiln_pool_destroy(kiln_pool *pool);
/* The pool as the `parallel` argument of a generated <prefix>_run and
 * <prefix>_scratch_size; valid until the pool is destroyed. */
const kiln_parallel *kiln_pool_parallel(const kiln_pool *pool);
/* The cores this process may run on (at least 1). */
int32_t kiln_cpu_count(void);

/* Describes one model input or output. dims[0] is the batch axis and is
 * ignored (the caller picks the batch size); the rest are fixed, or for an
 * input KILN_OPEN_AXIS(k): the model's open axis k, sized by the input. An
 * output with open axes has its dims from kiln_model_info.output_dims. */
#define KILN_OPEN_AXIS(k) (-2 - (int64_t)(k))
typedef struct kiln_tensor_info {
  const char *name;
  int32_t dtype; /* a kiln_dtype */
  int32_t rank;
  const int64_t *dims;
  const char *shape; /* for people: "(batch, input_1_axis1, 8)" */
} kiln_tensor_info;

/* Reference inputs and outputs built into an executable with
 * `kilnc build --embed-test-vectors`, for --self-test: `batch` samples of
 * every input and of every expected output, in the model's dtypes; an output
 * value passes when |got - expected| <= atol + rtol * |expected|. */
typedef struct kiln_test_vectors {
  int64_t batch;
  const void *const *inputs;
  const void *const *outputs;
  double atol;
  double rtol;
} kiln_test_vectors;

/* What an executable's generated `main` hands to kiln_rt_main. */
typedef struct kiln_model_info {
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const kiln_tensor_info *inputs;
  const kiln_tensor_info *outputs;
  /* Bytes of 64-byte-aligned scratch one call needs for `batch` samples
   * and the sizes of the open axes on the threads of `parallel` (NULL: the
   * calling thread only); -1 when the model cannot take them or that does
   * not fit in int64_t. */
  int64_t (*scratch_size)(int64_t batch, const int64_t *axes,
                          const kiln_parallel *parallel);
  /* Runs the model; returns 0 on success. `weights` is the external weights
   * file's bytes, or NULL for a model with its weights in the code. */
  int32_t (*run)(int64_t batch, const int64_t *axes, const void *const *inputs,
                 void *const *outputs, const void *weights, void *scratch,
                 const kiln_parallel *parallel);
  /* NULL unless built with --embed-test-vectors. */
  const kiln_test_vectors *test_vectors;
  /* External weights (kilnc --external-weights), else both NULL: where the
   * file is (a relative path is relative to the executable's directory),
   * and the model's check of its bytes (a kiln_weights_status). */
  const char *weights_path;
  int32_t (*weights_check)(const void *data, size_t size);
  /* Open axes (None in Keras), sized by the inputs at run time. */
  int32_t num_axes;
  const char *const *axis_names;
  /* With open axes: fills every output's dims (rank entries each, the batch
   * axis -1) for the axes' sizes and returns -1, or returns the index of
   * the first size check (size_checks) those sizes fail. */
  int32_t (*output_dims)(const int64_t *axes, int64_t *dims);
  const char *const *size_checks;
} kiln_model_info;

/* A whole file mapped read-only into memory, page aligned. */
typedef struct kiln_mapped_file {
  const void *data;
  size_t size;
} kiln_mapped_file;

/* Maps the file at `path`. On failure returns KILN_ERR_IO, leaves `out`
 * empty and writes a one-line message naming the file into `err`. */
kiln_status kiln_file_map(const char *path, kiln_mapped_file *out, char *err,
                          size_t err_len);
void kiln_file_unmap(kiln_mapped_file *f);

/* What a weights check's result (a kiln_weights_status, see kiln_weights.h)
 * says about the file, to follow its name: "is corrupted: ...". */
const char *kiln_weights_describe(int32_t status);

/* The command-line driver of a built model:
 *   prog IN0.npy [IN1.npy ...] [-o OUT0.npy -o OUT1.npy ... | --out-dir DIR]
 *        [--labels FILE] [--batch N] [--bench N] [--threads N] [--help]
 *   prog --self-test
 * Inputs in the model's input order, outputs in its output order (or, with
 * --out-dir, as DIR/<output name>.npy); without either the outputs are
 * printed as text, or, with --labels, each sample's class and the accuracy.
 * Returns the process exit status. */
int kiln_rt_main(const kiln_model_info *model, int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RT_H */
