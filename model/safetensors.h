/* safetensors.h - reader for Hugging Face safetensors checkpoints: one file, or a sharded model
 * described by model.safetensors.index.json. Files are memory-mapped read-only; tensors are looked
 * up by name, checked against an expected dtype/shape, and converted to float32 on request.
 *
 * File format (https://github.com/huggingface/safetensors): 8 bytes little-endian u64 N, then N
 * bytes of JSON header {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"k": "v"}} (optionally right-padded with spaces), then the data section; offsets
 * are relative to the start of the data section.
 *
 * The header is untrusted input. Opening validates, and reports as a one-line error naming the file
 * and the tensor: header length (>= 2, <= SAFETENSORS_MAX_HEADER, inside the file), valid JSON of
 * one object, every entry an object with exactly a known dtype, a shape of non-negative integers
 * (at most SAFETENSORS_MAX_DIMS) and two integer offsets begin <= end; no duplicate names; element
 * count x dtype size == end - begin without overflow; the tensors, sorted by offset, tiling the data
 * section exactly (no gap, no overlap, nothing left over). After a successful open every tensor's
 * bytes lie inside its mapped file, so no later access can read out of bounds.
 *
 *   char err[256];
 *   safetensors_model *m = safetensors_open("path/to/model_dir", err, sizeof err);
 *   if (!m) { fprintf(stderr, "%s\n", err); ... }
 *   int64_t shape[2] = {3072, 1152};
 *   if (safetensors_read_f32(m, "vlm.vision_tokenizer.projection.weight", 2, shape, buf, 3072 * 1152,
 *                            err, sizeof err) != 0) { ... }
 *   safetensors_close(m);
 *
 * Thread safety: a safetensors_model is immutable after open; any number of threads may read it. */
#ifndef FEWSHOT_SAFETENSORS_H
#define FEWSHOT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define SAFETENSORS_MAX_DIMS 8
/* Largest header accepted (the reference implementation's limit): 100 MB. */
#define SAFETENSORS_MAX_HEADER ((uint64_t)100 * 1000 * 1000)

/* Element types we read. Others in a header (I64, U8, F64, ...) are rejected at open. */
typedef enum {
  SAFETENSORS_F32 = 0,  /* IEEE float32 */
  SAFETENSORS_BF16 = 1, /* bfloat16: the upper 16 bits of a float32 */
  SAFETENSORS_F16 = 2,  /* IEEE half */
  SAFETENSORS_ANY = -1  /* in checks: accept any dtype */
} safetensors_dtype;

/* One tensor of an open model. All pointers are owned by the model and live until close. */
typedef struct {
  const char *name;                      /* checkpoint name, NUL-terminated */
  safetensors_dtype dtype;               /* F32, BF16 or F16 */
  int n_dims;                            /* 0 (a scalar) .. SAFETENSORS_MAX_DIMS */
  int64_t shape[SAFETENSORS_MAX_DIMS];   /* first n_dims entries used */
  uint64_t n_elements;                   /* product of shape (1 for a scalar) */
  uint64_t n_bytes;                      /* n_elements x dtype size */
  uint64_t offset;                       /* byte offset inside the file (header included) */
  int file_index;                        /* which file of the model holds it (0 .. n_files-1) */
  const void *data;                      /* n_bytes bytes, inside the read-only mapping */
} safetensors_tensor;

/* An open checkpoint (one or several files). Opaque; read through the functions below. */
typedef struct safetensors_model safetensors_model;

/* Opens `path`: a directory holding model.safetensors.index.json (sharded model) or else
 * model.safetensors; an index file (*.index.json); or one .safetensors file. Every file is mapped
 * and its header validated (see the top of this file); for an index, every tensor it names must be
 * in the shard it names, every shard tensor must be in the index, and shard names must be plain file
 * names. Symbolic links are followed.
 * Returns a model the caller frees with safetensors_close, or NULL with a one-line reason in err. */
safetensors_model *safetensors_open(const char *path, char *err, size_t err_size);

/* Builds a model over one file image already in memory: bytes[0 .. n_bytes) (not copied; it must
 * outlive the model). `label` names the file in errors. Same validation as safetensors_open; used by
 * the fuzz target and the tests. Returns NULL with a reason in err on failure. */
safetensors_model *safetensors_open_buffer(const void *bytes, size_t n_bytes, const char *label,
                                           char *err, size_t err_size);

/* Unmaps the files and frees the model. NULL is allowed. */
void safetensors_close(safetensors_model *m);

/* Number of tensors in the model. */
int safetensors_n_tensors(const safetensors_model *m);

/* Tensor i (0 <= i < n_tensors), in name order (strcmp). */
const safetensors_tensor *safetensors_tensor_at(const safetensors_model *m, int i);

/* The tensor called `name`, or NULL when there is none (not an error: used to probe). */
const safetensors_tensor *safetensors_find(const safetensors_model *m, const char *name);

/* Number of files (1 for a single file, the number of distinct shards for an index). */
int safetensors_n_files(const safetensors_model *m);

/* Path of file i as opened (or the label of a buffer). Owned by the model. */
const char *safetensors_file_path(const safetensors_model *m, int i);

/* Size in bytes of file i. */
uint64_t safetensors_file_size(const safetensors_model *m, int i);

/* The index's metadata.total_size, or -1 when there is no index or it has no total_size. Not
 * checked at open (writers disagree on it); `fewshot inspect` compares it with the tensor bytes. */
int64_t safetensors_index_total_size(const safetensors_model *m);

/* Value of key `key` in the __metadata__ object of file i (string values only), or NULL. */
const char *safetensors_file_metadata(const safetensors_model *m, int i, const char *key);

/* "F32", "BF16", "F16" (or "?" for anything else). Static string. */
const char *safetensors_dtype_name(safetensors_dtype dtype);

/* Bytes per element: 4, 2, 2 (0 for anything else). */
size_t safetensors_dtype_size(safetensors_dtype dtype);

/* Writes "[3072, 1152]" (or "[]" for a scalar) into buf, truncating to buf_size. Returns buf. */
char *safetensors_format_shape(char *buf, size_t buf_size, int n_dims, const int64_t *shape);

/* Checks tensor t against an expected dtype (SAFETENSORS_ANY to skip) and shape (n_dims < 0 to
 * skip). Returns 0 when it matches; otherwise non-zero with err = "<file>: tensor '<name>': expected
 * shape [a, b] F32, got [c, d] BF16". */
int safetensors_check(const safetensors_model *m, const safetensors_tensor *t, safetensors_dtype dtype,
                      int n_dims, const int64_t *shape, char *err, size_t err_size);

/* Finds `name` and checks it as safetensors_check does. Returns the tensor, or NULL with err naming
 * the model and the missing tensor, or the mismatch. */
const safetensors_tensor *safetensors_get(const safetensors_model *m, const char *name,
                                          safetensors_dtype dtype, int n_dims, const int64_t *shape,
                                          char *err, size_t err_size);

/* Converts all elements of t to float32 into dst (caller-owned, room for n_dst floats; must hold
 * at least t->n_elements). BF16 and F16 convert exactly (every value, NaN and Inf included). Returns
 * 0, or non-zero with err when dst is too small. */
int safetensors_tensor_to_f32(const safetensors_model *m, const safetensors_tensor *t, float *dst,
                              size_t n_dst, char *err, size_t err_size);

/* safetensors_get (any dtype, the given shape) followed by safetensors_tensor_to_f32: copies tensor
 * `name` as float32 into dst (room for n_dst floats). Returns 0, or non-zero with err (missing,
 * mis-shaped, dst too small). */
int safetensors_read_f32(const safetensors_model *m, const char *name, int n_dims, const int64_t *shape,
                         float *dst, size_t n_dst, char *err, size_t err_size);

/* Scalar conversions used above (exact). */
float safetensors_bf16_to_f32(uint16_t h);
float safetensors_f16_to_f32(uint16_t h);
/* float32 -> bf16 / f16 with round-to-nearest-even, as torch's .to(torch.bfloat16 / float16) does;
 * NaN stays NaN, overflow of f16 gives Inf. Used by the writer. */
uint16_t safetensors_f32_to_bf16(float f);
uint16_t safetensors_f32_to_f16(float f);

#endif
