/* safetensors_write.h - writes safetensors files (used by the tiny-checkpoint tool and tests).
 *
 * The tensor list is declared up front, so the header is written first; tensors then follow in the
 * declared order, each given as float32 values and converted to the declared dtype (round to nearest
 * even). The header JSON is padded with spaces so that the data section starts at a multiple of 8
 * bytes (as the reference writer does). A tensor may be skipped instead of written: its bytes are
 * left as a hole (zeros) in a sparse file, which lets tests build full-size layouts cheaply.
 *
 *   safetensors_writer *w = safetensors_writer_open("x.safetensors", n, specs, meta, err, sizeof err);
 *   for (int i = 0; i < n; i++) safetensors_writer_put(w, values_i, count_i, err, sizeof err);
 *   safetensors_writer_close(w, err, sizeof err);
 */
#ifndef FEWSHOT_SAFETENSORS_WRITE_H
#define FEWSHOT_SAFETENSORS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "safetensors.h"

/* One tensor to write. */
typedef struct {
  const char *name;                    /* copied at open */
  safetensors_dtype dtype;             /* F32, BF16 or F16 */
  int n_dims;                          /* 0 .. SAFETENSORS_MAX_DIMS */
  int64_t shape[SAFETENSORS_MAX_DIMS];
} safetensors_write_spec;

typedef struct safetensors_writer safetensors_writer;

/* Creates `path` (truncating it) and writes the header for specs[0 .. n_specs) (data laid out in
 * that order) and the optional __metadata__ given as a NULL-terminated list of key, value strings
 * (meta may be NULL). Returns a writer, or NULL with err (bad spec, duplicate name, I/O error). */
safetensors_writer *safetensors_writer_open(const char *path, int n_specs, const safetensors_write_spec *specs,
                                            const char *const *meta, char *err, size_t err_size);

/* Writes the next tensor: `n` float32 values (must equal its element count), converted to its
 * dtype. Returns 0, or non-zero with err (count mismatch, all tensors written, I/O error). */
int safetensors_writer_put(safetensors_writer *w, const float *values, uint64_t n, char *err, size_t err_size);

/* Skips the next tensor, leaving its bytes a hole that reads as zeros. Returns 0 or non-zero with err. */
int safetensors_writer_skip(safetensors_writer *w, char *err, size_t err_size);

/* Checks that every tensor was written or skipped, sets the file size, closes and frees the writer.
 * Returns 0, or non-zero with err (then the file is incomplete). w is freed in every case. */
int safetensors_writer_close(safetensors_writer *w, char *err, size_t err_size);

/* The header (8-byte length + padded JSON) that safetensors_writer_open would write, as a malloc'd
 * buffer of *n_out bytes, plus the total data size in *data_bytes. For tests that build files in
 * memory. Returns NULL with err on failure. */
uint8_t *safetensors_header_build(int n_specs, const safetensors_write_spec *specs, const char *const *meta,
                                  size_t *n_out, uint64_t *data_bytes, char *err, size_t err_size);

#endif
