/* backend_cuda_none.c - the CUDA backend's entry points (cuda/backend_cuda.h) in a build without
 * CUDA (no nvcc at configure time, or -DFEWSHOT_CUDA=OFF): they report that the backend was not
 * built, so callers (the engine, the gpu tests) need no #ifdef and fail or skip cleanly. In a CUDA
 * build this file is empty and model/cuda/ provides them. */
#include "cuda/backend_cuda.h"

#ifndef FEWSHOT_HAVE_CUDA

#include <stdio.h>

#define NOT_BUILT "this fewshot was built without the CUDA backend (nvcc not found at configure time, or -DFEWSHOT_CUDA=OFF)"

int bk_cuda_device_count(char *err, size_t err_size) {
  if (err) snprintf(err, err_size, "%s", NOT_BUILT);
  return 0;
}

bk_backend *bk_cuda_create(int device, bk_cuda_precision precision, char *err, size_t err_size) {
  (void)device;
  (void)precision;
  if (err) snprintf(err, err_size, "cuda backend: %s", NOT_BUILT);
  return NULL;
}

int bk_cuda_reserve(bk_backend *be, size_t n, char *err, size_t err_size) {
  (void)be;
  (void)n;
  if (err) snprintf(err, err_size, "cuda backend: %s", NOT_BUILT);
  return 1;
}

void bk_cuda_describe(const bk_backend *be, char *out, size_t out_size) {
  (void)be;
  if (out_size) snprintf(out, out_size, "cuda backend: %s", NOT_BUILT);
}

#else
typedef int backend_cuda_none_is_empty_in_cuda_builds; /* ISO C wants a declaration per file */
#endif
