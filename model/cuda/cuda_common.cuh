// cuda_common.cuh - what the CUDA backend's files share: the backend's private state, the check
// macros for CUDA and cuBLAS calls, device-pointer helpers, scratch management, and the op entry
// points each .cu file defines (named like the CPU backend's functions: cuda_<op> for cpu_<op>).
//
// Checks (after ggml's CUDA_CHECK_GEN): one template reports any library status with its name and
// description. Two sinks:
//   CUDA_CHECK(be, call) / CUBLAS_CHECK(be, call)  -> the backend's sticky error (ops);
//   CUDA_CHECK_ERR(err, err_size, call)            -> a caller's buffer (allocation, upload, create).
// Each evaluates to true on success. KERNEL_CHECK(be, "name") checks a launch (cudaGetLastError);
// errors inside a running kernel surface at the next synchronising call (bk_read, bk_sync).
#ifndef FEWSHOT_CUDA_COMMON_CUH
#define FEWSHOT_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "backend.h"
}
#include "backend_cuda.h"

// ---------------------------------------------------------------- state

struct cuda_impl {
  int device;
  bk_cuda_precision precision;
  cudaDeviceProp prop;
  cudaStream_t stream;
  cublasHandle_t blas;
  // scratch, grown on demand (never shrunk; freed at destroy)
  __nv_bfloat16 *gemm_in; // bf16 copy of a GEMM's input rows
  size_t gemm_in_cap;     // elements
  void *meta;             // host metadata (ids, positions, pads, rows) copied for one op
  size_t meta_cap;        // bytes
  void *stage;            // upload staging for weight conversion
  size_t stage_cap;       // bytes
  size_t max_smem;        // opt-in shared memory per block (bytes)
  // accounting, for out-of-memory messages and bk_cuda_describe
  size_t weight_bytes, buf_bytes, scratch_bytes;
};

static inline cuda_impl *impl_of(bk_backend *be) { return (cuda_impl *)be->impl; }

// ---------------------------------------------------------------- checks

// Formats "<function> failed at <file>:<line>: <name> (<description>)" into dst; the call text is
// cut at its first '(' and the file to its base name so the line stays short.
void cuda_format_failure(char *dst, size_t dst_size, const char *call, const char *file, int line,
                         const char *name, const char *desc);
// Records it as the backend's sticky error (the first failure wins).
void cuda_fail(bk_backend *be, const char *call, const char *file, int line, const char *name,
               const char *desc);

static inline const char *status_name(cudaError_t e) { return cudaGetErrorName(e); }
static inline const char *status_desc(cudaError_t e) { return cudaGetErrorString(e); }
static inline const char *status_name(cublasStatus_t s) { return cublasGetStatusName(s); }
static inline const char *status_desc(cublasStatus_t s) { return cublasGetStatusString(s); }

template <typename S>
static inline bool check_sticky(bk_backend *be, S status, S success, const char *call, const char *file,
                                int line) {
  if (status == success) return true;
  cuda_fail(be, call, file, line, status_name(status), status_desc(status));
  return false;
}
template <typename S>
static inline bool check_err(char *err, size_t err_size, S status, S success, const char *call,
                             const char *file, int line) {
  if (status == success) return true;
  if (err) cuda_format_failure(err, err_size, call, file, line, status_name(status), status_desc(status));
  return false;
}

#define CUDA_CHECK(be, call) check_sticky((be), (call), cudaSuccess, #call, __FILE__, __LINE__)
#define CUBLAS_CHECK(be, call) check_sticky((be), (call), CUBLAS_STATUS_SUCCESS, #call, __FILE__, __LINE__)
#define CUDA_CHECK_ERR(err, err_size, call) \
  check_err((err), (err_size), (call), cudaSuccess, #call, __FILE__, __LINE__)
#define KERNEL_CHECK(be, name) check_sticky((be), cudaGetLastError(), cudaSuccess, name, __FILE__, __LINE__)

// ---------------------------------------------------------------- pointers and launches

static inline float *dptr(bk_ptr p) { return (float *)p.buf->data + p.off; }

// Blocks of `threads` covering n elements, capped (kernels loop with a grid stride).
static inline unsigned grid_for(size_t n, unsigned threads) {
  size_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > 65535u * 16) b = 65535u * 16;
  return (unsigned)b;
}

// A weight element as float, whatever its stored type (F32 or BF16).
static __device__ __forceinline__ float wload(const void *w, int dtype, size_t i) {
  return dtype == BK_DTYPE_BF16 ? __bfloat162float(((const __nv_bfloat16 *)w)[i]) : ((const float *)w)[i];
}

// ---------------------------------------------------------------- scratch (backend_cuda.cu)

// Copies `bytes` of host metadata into the op scratch on the stream and returns its device
// address, or NULL after recording a failure. The host array may be reused on return (a pageable
// copy is staged before the call returns). One op's metadata at a time.
void *cuda_meta(bk_backend *be, const void *host, size_t bytes);
// Ensures the bf16 GEMM-input scratch holds n elements; returns it, or NULL after a failure.
__nv_bfloat16 *cuda_gemm_scratch(bk_backend *be, size_t n);
// Allocates device memory, reporting (into err) the request and the device's free/total memory
// and what this backend holds when it does not fit. Returns NULL on failure.
void *cuda_alloc(bk_backend *be, size_t bytes, const char *what, char *err, size_t err_size);

// ---------------------------------------------------------------- ops (one group per file)

// pointwise.cu
void cuda_fill(bk_backend *be, bk_ptr y, size_t n, float value);
void cuda_gelu_tanh(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols);
void cuda_gelu_erf(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols);
void cuda_silu_mul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols);
// Converts n source elements (F32, BF16, F16) into float32 or bf16 (dst_bf16) on the stream.
void cuda_convert(bk_backend *be, void *dst, int dst_bf16, const void *src, bk_dtype src_dtype, size_t n);
// rows.cu
void cuda_copy_rows(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols);
void cuda_gather_rows(bk_backend *be, bk_ptr y, size_t ldy, bk_ptr x, size_t ldx, const int32_t *rows,
                      int n_rows, size_t n_cols);
void cuda_add_table_rows(bk_backend *be, bk_ptr y, int ldy, int n_rows, const bk_weight *table);
void cuda_embed(bk_backend *be, bk_ptr y, int ldy, const int32_t *ids, int n, const bk_weight *table,
                const bk_weight *extra, int n_base);
void cuda_im2patch(bk_backend *be, bk_ptr y, bk_ptr pixels, int n_img, int channels, int size, int patch);
// matmul.cu
void cuda_matmul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, const bk_weight *w,
                 int n_out, const bk_weight *bias, int accumulate);
// norm.cu
void cuda_layernorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim,
                    const bk_weight *w, const bk_weight *b, float eps);
void cuda_rmsnorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim,
                  const bk_weight *w, float eps);
// rope.cu
void cuda_rope(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_heads, int head_dim, const int32_t *pos,
               float theta);
// attention.cu
void cuda_attn_full(bk_backend *be, const bk_attn_full_args *a);
void cuda_attn_causal(bk_backend *be, const bk_attn_causal_args *a);

#endif
