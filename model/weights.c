/* weights.c - checkpoint tensor -> backend weight, by name with shape checks (weights.h). */
#include "weights.h"

#include <stdarg.h>
#include <stdio.h>

bk_weight *weights_load(bk_backend *be, const safetensors_model *st, const char *name, int n_dims,
                        const int64_t *shape, char *err, size_t err_size) {
  const safetensors_tensor *t = safetensors_get(st, name, SAFETENSORS_ANY, n_dims, shape, err, err_size);
  if (!t) return NULL;
  int64_t rows = n_dims >= 2 ? shape[0] : 1, cols = 1;
  for (int i = n_dims >= 2 ? 1 : 0; i < n_dims; i++) cols *= shape[i];
  bk_dtype dt = t->dtype == SAFETENSORS_F32 ? BK_DTYPE_F32 : t->dtype == SAFETENSORS_BF16 ? BK_DTYPE_BF16 : BK_DTYPE_F16;
  char why[200];
  bk_weight *w = bk_weight_upload(be, t->data, dt, rows, cols, why, sizeof why);
  if (!w && err) snprintf(err, err_size, "%s: %s", name, why);
  return w;
}

static bk_weight *load_v(bk_backend *be, const safetensors_model *st, int n_dims, const int64_t *shape,
                         char *err, size_t err_size, const char *fmt, va_list ap) {
  char name[256];
  vsnprintf(name, sizeof name, fmt, ap);
  return weights_load(be, st, name, n_dims, shape, err, err_size);
}

bk_weight *weights_load_2d(bk_backend *be, const safetensors_model *st, int64_t rows, int64_t cols,
                           char *err, size_t err_size, const char *fmt, ...) {
  int64_t shape[2] = {rows, cols};
  va_list ap;
  va_start(ap, fmt);
  bk_weight *w = load_v(be, st, 2, shape, err, err_size, fmt, ap);
  va_end(ap);
  return w;
}

bk_weight *weights_load_1d(bk_backend *be, const safetensors_model *st, int64_t n, char *err,
                           size_t err_size, const char *fmt, ...) {
  int64_t shape[1] = {n};
  va_list ap;
  va_start(ap, fmt);
  bk_weight *w = load_v(be, st, 1, shape, err, err_size, fmt, ap);
  va_end(ap);
  return w;
}

void weights_free_array(bk_backend *be, bk_weight **ws, size_t n) {
  for (size_t i = 0; i < n; i++) {
    bk_weight_free(be, ws[i]);
    ws[i] = NULL;
  }
}
