// backend_cuda.cu - the CUDA backend's life cycle and memory (backend_cuda.h): creation on a
// device, activation buffers, weight upload with conversion (f32/bf16/f16 -> the precision's
// storage type, through a fixed device staging area, so no host copy of the checkpoint is made),
// host transfers, the op scratch, failure reporting, and the vtable tying the ops of the other
// files together.
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.cuh"

enum { STAGE_BYTES = 64 << 20 }; // weight upload staging: conversion runs in chunks of this size

// ---------------------------------------------------------------- failures

void cuda_format_failure(char *dst, size_t dst_size, const char *call, const char *file, int line,
                         const char *name, const char *desc) {
  int fn_len = (int)strcspn(call, "(");
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  snprintf(dst, dst_size, "%.*s failed at %s:%d: %s (%s)", fn_len, call, base, line, name ? name : "?",
           desc ? desc : "?");
}

void cuda_fail(bk_backend *be, const char *call, const char *file, int line, const char *name,
               const char *desc) {
  if (be->failed) return;
  be->failed = 1;
  cuda_format_failure(be->error, sizeof be->error, call, file, line, name, desc);
}

static double mib(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

void *cuda_alloc(bk_backend *be, size_t bytes, const char *what, char *err, size_t err_size) {
  cuda_impl *c = impl_of(be);
  void *p = NULL;
  cudaError_t e = cudaMalloc(&p, bytes ? bytes : 4);
  if (e == cudaSuccess) return p;
  cudaGetLastError(); // an allocation failure is not sticky in the context: clear it
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  if (err)
    snprintf(err, err_size,
             "cuda backend: %s of %zu bytes (%.1f MiB) did not fit on %s: %s; %.1f MiB free of %.1f MiB; "
             "this backend holds %.1f MiB of weights, %.1f MiB of buffers, %.1f MiB of scratch",
             what, bytes, mib(bytes), c->prop.name, cudaGetErrorName(e), mib(free_b), mib(total_b),
             mib(c->weight_bytes), mib(c->buf_bytes), mib(c->scratch_bytes));
  return NULL;
}

// ---------------------------------------------------------------- scratch

// Grows a scratch allocation to `need` bytes (waiting for the stream first, since queued work may
// still read the old one). Returns 0, or non-zero after recording a failure.
static int scratch_grow(bk_backend *be, void **p, size_t *cap, size_t need, const char *what) {
  cuda_impl *c = impl_of(be);
  if (need <= *cap) return 0;
  if (!CUDA_CHECK(be, cudaStreamSynchronize(c->stream))) return 1;
  if (*p) CUDA_CHECK(be, cudaFree(*p));
  c->scratch_bytes -= *cap;
  *p = NULL;
  *cap = 0;
  char why[256];
  void *q = cuda_alloc(be, need, what, why, sizeof why);
  if (!q) {
    if (!be->failed) {
      be->failed = 1;
      snprintf(be->error, sizeof be->error, "%s", why);
    }
    return 1;
  }
  *p = q;
  *cap = need;
  c->scratch_bytes += need;
  return 0;
}

void *cuda_meta(bk_backend *be, const void *host, size_t bytes) {
  cuda_impl *c = impl_of(be);
  size_t need = bytes < 4096 ? 4096 : bytes;
  if (scratch_grow(be, &c->meta, &c->meta_cap, need, "op metadata scratch")) return NULL;
  if (bytes && !CUDA_CHECK(be, cudaMemcpyAsync(c->meta, host, bytes, cudaMemcpyHostToDevice, c->stream)))
    return NULL;
  return c->meta;
}

__nv_bfloat16 *cuda_gemm_scratch(bk_backend *be, size_t n) {
  cuda_impl *c = impl_of(be);
  size_t cap = c->gemm_in_cap * sizeof(__nv_bfloat16);
  void *p = c->gemm_in;
  if (scratch_grow(be, &p, &cap, n * sizeof(__nv_bfloat16), "bf16 GEMM input scratch")) {
    c->gemm_in = NULL;
    c->gemm_in_cap = 0;
    return NULL;
  }
  c->gemm_in = (__nv_bfloat16 *)p;
  c->gemm_in_cap = cap / sizeof(__nv_bfloat16);
  return c->gemm_in;
}

// ---------------------------------------------------------------- buffers

static bk_buf *cu_buf_alloc(bk_backend *be, size_t n, char *err, size_t err_size) {
  cuda_impl *c = impl_of(be);
  if (n > SIZE_MAX / sizeof(float) / 2) {
    if (err) snprintf(err, err_size, "cuda backend: buffer of %zu floats is too large", n);
    return NULL;
  }
  bk_buf *b = (bk_buf *)calloc(1, sizeof *b);
  if (!b) {
    if (err) snprintf(err, err_size, "cuda backend: out of host memory");
    return NULL;
  }
  char what[64];
  snprintf(what, sizeof what, "a buffer of %zu floats", n);
  b->data = cuda_alloc(be, n * sizeof(float), what, err, err_size);
  if (!b->data) {
    free(b);
    return NULL;
  }
  b->n = n;
  c->buf_bytes += n * sizeof(float);
  return b;
}

static void cu_buf_free(bk_backend *be, bk_buf *b) {
  impl_of(be)->buf_bytes -= b->n * sizeof(float);
  CUDA_CHECK(be, cudaFree(b->data));
  free(b);
}

// ---------------------------------------------------------------- weights

static size_t dtype_size(bk_dtype d) { return d == BK_DTYPE_F32 ? 4 : 2; }

static bk_weight *cu_weight_upload(bk_backend *be, const void *data, bk_dtype dtype, int64_t rows, int64_t cols,
                                   char *err, size_t err_size) {
  cuda_impl *c = impl_of(be);
  if (rows <= 0 || cols <= 0 || rows > INT64_MAX / cols || (uint64_t)(rows * cols) > SIZE_MAX / 8) {
    if (err) snprintf(err, err_size, "cuda backend: bad weight shape [%lld, %lld]", (long long)rows, (long long)cols);
    return NULL;
  }
  const size_t n = (size_t)(rows * cols);
  // bf16 mode: matrices in bf16 (GEMM operands, tables); vectors (norm weights, biases) in float32.
  const bk_dtype to = c->precision == BK_CUDA_BF16 && rows > 1 ? BK_DTYPE_BF16 : BK_DTYPE_F32;
  bk_weight *w = (bk_weight *)calloc(1, sizeof *w);
  if (!w) {
    if (err) snprintf(err, err_size, "cuda backend: out of host memory");
    return NULL;
  }
  w->rows = rows;
  w->cols = cols;
  w->dtype = to;
  w->owned = 1;
  char what[96];
  snprintf(what, sizeof what, "a [%lld, %lld] %s weight", (long long)rows, (long long)cols,
           to == BK_DTYPE_BF16 ? "bf16" : "f32");
  w->data = cuda_alloc(be, n * dtype_size(to), what, err, err_size);
  if (!w->data) {
    free(w);
    return NULL;
  }
  const size_t in_size = dtype_size(dtype);
  bool ok = true;
  if (dtype == to) {
    ok = CUDA_CHECK_ERR(err, err_size, cudaMemcpyAsync(w->data, data, n * in_size, cudaMemcpyHostToDevice, c->stream));
  } else {
    if (!c->stage) {
      c->stage = cuda_alloc(be, STAGE_BYTES, "the upload staging area", err, err_size);
      if (!c->stage) ok = false;
      else {
        c->stage_cap = STAGE_BYTES;
        c->scratch_bytes += STAGE_BYTES;
      }
    }
    const size_t chunk = c->stage_cap / in_size;
    for (size_t i = 0; ok && i < n; i += chunk) {
      size_t m = n - i < chunk ? n - i : chunk;
      // the staging area is reused: the previous chunk's conversion must be done before overwriting
      ok = CUDA_CHECK_ERR(err, err_size, cudaStreamSynchronize(c->stream)) &&
           CUDA_CHECK_ERR(err, err_size, cudaMemcpyAsync(c->stage, (const char *)data + i * in_size, m * in_size,
                                                         cudaMemcpyHostToDevice, c->stream));
      if (ok) {
        cuda_convert(be, (char *)w->data + i * dtype_size(to), to == BK_DTYPE_BF16, c->stage, dtype, m);
        ok = CUDA_CHECK_ERR(err, err_size, cudaGetLastError());
      }
    }
  }
  // Upload reports at once: wait for the copies (the caller may unmap the source afterwards).
  if (ok) ok = CUDA_CHECK_ERR(err, err_size, cudaStreamSynchronize(c->stream));
  if (!ok) {
    cudaFree(w->data);
    free(w);
    return NULL;
  }
  c->weight_bytes += n * dtype_size(to);
  return w;
}

static void cu_weight_free(bk_backend *be, bk_weight *w) {
  impl_of(be)->weight_bytes -= (size_t)(w->rows * w->cols) * dtype_size(w->dtype);
  CUDA_CHECK(be, cudaFree(w->data));
  free(w);
}

// ---------------------------------------------------------------- transfers, sync

static void cu_write(bk_backend *be, bk_ptr dst, const float *src, size_t n) {
  assert(dst.off + n <= dst.buf->n);
  if (be->failed || !n) return;
  CUDA_CHECK(be, cudaMemcpyAsync(dptr(dst), src, n * sizeof(float), cudaMemcpyHostToDevice, impl_of(be)->stream));
}

static void cu_read(bk_backend *be, float *dst, bk_ptr src, size_t n) {
  assert(src.off + n <= src.buf->n);
  if (be->failed) { // results are meaningless: make that visible to a caller that ignores bk_check
    for (size_t i = 0; i < n; i++) dst[i] = __builtin_nanf("");
    return;
  }
  if (!n) return;
  cuda_impl *c = impl_of(be);
  if (CUDA_CHECK(be, cudaMemcpyAsync(dst, dptr(src), n * sizeof(float), cudaMemcpyDeviceToHost, c->stream)))
    CUDA_CHECK(be, cudaStreamSynchronize(c->stream));
}

static void cu_sync(bk_backend *be) {
  if (be->failed) return;
  CUDA_CHECK(be, cudaStreamSynchronize(impl_of(be)->stream));
}

// ---------------------------------------------------------------- life cycle

static void cu_destroy(bk_backend *be) {
  cuda_impl *c = impl_of(be);
  cudaStreamSynchronize(c->stream);
  cudaFree(c->gemm_in);
  cudaFree(c->meta);
  cudaFree(c->stage);
  cublasDestroy(c->blas);
  cudaStreamDestroy(c->stream);
  free(c);
  free(be);
}

// Positional, in backend.h's order; an op added to bk_vtable must be added here too.
static_assert(sizeof(bk_vtable) == 24 * sizeof(void *), "bk_vtable changed: give the new op a CUDA implementation");
static const bk_vtable cuda_vtable = {
    "cuda",
    cu_destroy,
    cu_buf_alloc,
    cu_buf_free,
    cu_weight_upload,
    cu_weight_free,
    cu_write,
    cu_read,
    cuda_fill,
    cuda_copy_rows,
    cuda_gather_rows,
    cuda_matmul,
    cuda_layernorm,
    cuda_rmsnorm,
    cuda_rope,
    cuda_attn_full,
    cuda_attn_causal,
    cuda_gelu_tanh,
    cuda_gelu_erf,
    cuda_silu_mul,
    cuda_add_table_rows,
    cuda_embed,
    cuda_im2patch,
    cu_sync,
};

extern "C" int bk_cuda_device_count(char *err, size_t err_size) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    const char *why = e == cudaErrorInsufficientDriver ? "no NVIDIA driver on this machine, or one older than the CUDA runtime"
                      : e == cudaErrorNoDevice         ? "no GPU visible (check CUDA_VISIBLE_DEVICES)"
                                                       : cudaGetErrorString(e);
    if (err) snprintf(err, err_size, "no usable CUDA device: cudaGetDeviceCount: %s (%s)", cudaGetErrorName(e), why);
    return 0;
  }
  if (n == 0 && err) snprintf(err, err_size, "no CUDA device is visible to this process");
  return n;
}

extern "C" bk_backend *bk_cuda_create(int device, bk_cuda_precision precision, char *err, size_t err_size) {
  char why[240];
  int n = bk_cuda_device_count(why, sizeof why);
  if (n == 0) {
    if (err) snprintf(err, err_size, "cuda backend: %s", why);
    return NULL;
  }
  if (device < 0 || device >= n) {
    if (err) snprintf(err, err_size, "cuda backend: device %d does not exist (%d visible)", device, n);
    return NULL;
  }
  bk_backend *be = (bk_backend *)calloc(1, sizeof *be);
  cuda_impl *c = (cuda_impl *)calloc(1, sizeof *c);
  if (!be || !c) {
    free(be);
    free(c);
    if (err) snprintf(err, err_size, "cuda backend: out of host memory");
    return NULL;
  }
  c->device = device;
  c->precision = precision;
  bool ok = CUDA_CHECK_ERR(err, err_size, cudaSetDevice(device)) &&
            CUDA_CHECK_ERR(err, err_size, cudaGetDeviceProperties(&c->prop, device)) &&
            CUDA_CHECK_ERR(err, err_size, cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
  if (ok) {
    cublasStatus_t s = cublasCreate(&c->blas);
    ok = check_err(err, err_size, s, CUBLAS_STATUS_SUCCESS, "cublasCreate", __FILE__, __LINE__);
    if (!ok) c->blas = NULL;
  }
  // No TF32 anywhere: float32 GEMMs stay float32 (CUBLAS_COMPUTE_32F with the default math mode);
  // bf16 GEMMs use tensor cores with float32 accumulation.
  ok = ok && check_err(err, err_size, cublasSetMathMode(c->blas, CUBLAS_DEFAULT_MATH), CUBLAS_STATUS_SUCCESS,
                       "cublasSetMathMode", __FILE__, __LINE__);
  ok = ok && check_err(err, err_size, cublasSetStream(c->blas, c->stream), CUBLAS_STATUS_SUCCESS,
                       "cublasSetStream", __FILE__, __LINE__);
  if (!ok) {
    if (c->blas) cublasDestroy(c->blas);
    if (c->stream) cudaStreamDestroy(c->stream);
    free(c);
    free(be);
    if (err) {
      char tmp[256];
      snprintf(tmp, sizeof tmp, "cuda backend: device %d: %s", device, err);
      snprintf(err, err_size, "%s", tmp);
    }
    return NULL;
  }
  c->max_smem = c->prop.sharedMemPerBlockOptin;
  be->vt = &cuda_vtable;
  be->impl = c;
  return be;
}

extern "C" int bk_cuda_reserve(bk_backend *be, size_t n, char *err, size_t err_size) {
  cuda_impl *c = impl_of(be);
  if (c->precision != BK_CUDA_BF16 || n <= c->gemm_in_cap) return 0;
  if (!cuda_gemm_scratch(be, n)) {
    bk_check(be, err, err_size);
    return 1;
  }
  return 0;
}

extern "C" void bk_cuda_describe(const bk_backend *be, char *out, size_t out_size) {
  const cuda_impl *c = (const cuda_impl *)be->impl;
  snprintf(out, out_size,
           "cuda device %d: %s (sm_%d%d, %d SMs, %.1f GiB), %s; holds %.1f MiB of weights, %.1f MiB of buffers, "
           "%.1f MiB of scratch",
           c->device, c->prop.name, c->prop.major, c->prop.minor, c->prop.multiProcessorCount,
           (double)c->prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0),
           c->precision == BK_CUDA_BF16 ? "bf16 weights, f32 accumulation" : "float32 (no TF32)",
           mib(c->weight_bytes), mib(c->buf_bytes), mib(c->scratch_bytes));
}
