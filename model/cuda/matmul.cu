// matmul.cu - y (+)= x·Wᵀ + b through cuBLAS (backend.h bk_matmul).
//
// Row-major y [n_rows, n_out] (ld ldy) is column-major yᵀ [n_out, n_rows]; so yᵀ = W·xᵀ is one
// cublasGemmEx with op(A) = Aᵀ for A = W seen column-major [K, n_out] (lda = K), B = x seen
// column-major [K, n_rows] (ldb = ldx), C = y (ldc = ldy). Only the first n_out rows of W are used.
//   - float32 mode: W and x float32, CUBLAS_COMPUTE_32F, default math mode: no TF32, so the result
//     is an ordinary float32 dot product (summation order is cuBLAS's).
//   - bf16 mode: W stored bf16; x's rows are rounded to bf16 into a scratch (one small kernel), then
//     bf16 × bf16 with float32 accumulation and float32 output (tensor cores).
// accumulate = 1 sets beta = 1 (residual add into y); the bias is added by a second kernel, so
// y = (y + x·Wᵀ) + b where the CPU computes y + (x·Wᵀ + b): equal up to float32 rounding.
#include <assert.h>

#include "cuda_common.cuh"

enum { THREADS = 256 };

__global__ void rows_to_bf16_kernel(__nv_bfloat16 *dst, const float *x, int ldx, int k, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    dst[i] = __float2bfloat16_rn(x[(i / k) * (size_t)ldx + i % k]);
}

__global__ void add_bias_kernel(float *y, int ldy, const void *b, int b_dtype, int n_out, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    y[(i / n_out) * (size_t)ldy + i % n_out] += wload(b, b_dtype, i % n_out);
}

void cuda_matmul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, const bk_weight *w, int n_out,
                 const bk_weight *bias, int accumulate) {
  assert(n_out <= w->rows && (!bias || bias->rows * bias->cols >= n_out));
  assert(ldx >= w->cols && ldy >= n_out);
  if (be->failed || n_rows <= 0 || n_out <= 0) return;
  cuda_impl *c = impl_of(be);
  const int K = (int)w->cols;
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  if (w->dtype == BK_DTYPE_F32) {
    CUBLAS_CHECK(be, cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, n_out, n_rows, K, &alpha, w->data, CUDA_R_32F,
                                  K, dptr(x), CUDA_R_32F, ldx, &beta, dptr(y), CUDA_R_32F, ldy, CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT));
  } else {
    const size_t n = (size_t)n_rows * K;
    __nv_bfloat16 *xb = cuda_gemm_scratch(be, n);
    if (!xb) return;
    rows_to_bf16_kernel<<<grid_for(n, THREADS), THREADS, 0, c->stream>>>(xb, dptr(x), ldx, K, n);
    if (!KERNEL_CHECK(be, "rows_to_bf16_kernel")) return;
    CUBLAS_CHECK(be, cublasGemmEx(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, n_out, n_rows, K, &alpha, w->data, CUDA_R_16BF,
                                  K, xb, CUDA_R_16BF, K, &beta, dptr(y), CUDA_R_32F, ldy, CUBLAS_COMPUTE_32F,
                                  CUBLAS_GEMM_DEFAULT));
  }
  if (bias && !be->failed) {
    const size_t n = (size_t)n_rows * n_out;
    add_bias_kernel<<<grid_for(n, THREADS), THREADS, 0, c->stream>>>(dptr(y), ldy, bias->data, (int)bias->dtype,
                                                                      n_out, n);
    KERNEL_CHECK(be, "add_bias_kernel");
  }
}
