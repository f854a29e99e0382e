/* weights.h - loading one checkpoint tensor into a backend weight, by name, with its shape checked
 * (model.md §3.3), and the per-part weight-set helpers built on it. Used by siglip.c, resampler.c
 * and phi3.c. */
#ifndef FEWSHOT_WEIGHTS_H
#define FEWSHOT_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "safetensors.h"

/* Finds tensor `name` in st, checks it has exactly the n_dims/shape given (any of F32, BF16, F16),
 * and uploads it to the backend as a [shape[0], product of the rest] weight (a 1-D tensor becomes
 * [1, shape[0]]). The f32 tensors of a mapped checkpoint may be borrowed by the backend, so st must
 * outlive the weight. Returns the weight, or NULL with err naming the file, tensor, expected and
 * actual shape. */
bk_weight *weights_load(bk_backend *be, const safetensors_model *st, const char *name, int n_dims,
                        const int64_t *shape, char *err, size_t err_size);

/* Shorthands: a [rows, cols] matrix and a [n] vector, the name given printf-style. */
bk_weight *weights_load_2d(bk_backend *be, const safetensors_model *st, int64_t rows, int64_t cols,
                           char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
bk_weight *weights_load_1d(bk_backend *be, const safetensors_model *st, int64_t n, char *err,
                           size_t err_size, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Frees `n` weight handles stored consecutively as bk_weight * fields (NULL entries are skipped)
 * and sets them to NULL: the mirror of a sequence of loads into a struct of pointers. */
void weights_free_array(bk_backend *be, bk_weight **ws, size_t n);

#endif
