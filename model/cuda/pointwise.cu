// pointwise.cu - element-wise ops of the CUDA backend: fill, GELU (tanh and erf), SiLU·mul, and the
// dtype conversion used by weight upload. Each thread handles elements of a flattened
// [n_rows, n_cols] view (grid-stride), rows ld apart. The formulas are the CPU backend's, written
// the same way, in float32 with CUDA's accurate tanhf/erff/expf (no fast-math).
#include "cuda_common.cuh"

enum { THREADS = 256 };

__global__ void fill_kernel(float *y, size_t n, float value) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    y[i] = value;
}

void cuda_fill(bk_backend *be, bk_ptr y, size_t n, float value) {
  if (be->failed || n == 0) return;
  fill_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dptr(y), n, value);
  KERNEL_CHECK(be, "fill_kernel");
}

// x = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
__global__ void gelu_tanh_kernel(float *x, int ldx, int n_cols, size_t n) {
  const float k0 = 0.7978845608028654f, k1 = 0.044715f;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float *v = x + (i / n_cols) * (size_t)ldx + i % n_cols;
    float t = *v;
    *v = 0.5f * t * (1.0f + tanhf(k0 * (t + k1 * t * t * t)));
  }
}

void cuda_gelu_tanh(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  const size_t n = (size_t)n_rows * n_cols;
  if (be->failed || n == 0) return;
  gelu_tanh_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dptr(x), ldx, n_cols, n);
  KERNEL_CHECK(be, "gelu_tanh_kernel");
}

// x = 0.5·x·(1 + erf(x/√2))
__global__ void gelu_erf_kernel(float *x, int ldx, int n_cols, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float *v = x + (i / n_cols) * (size_t)ldx + i % n_cols;
    float t = *v;
    *v = t * 0.5f * (1.0f + erff(t * 0.70710678118654752f));
  }
}

void cuda_gelu_erf(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  const size_t n = (size_t)n_rows * n_cols;
  if (be->failed || n == 0) return;
  gelu_erf_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dptr(x), ldx, n_cols, n);
  KERNEL_CHECK(be, "gelu_erf_kernel");
}

// y[r, c] = silu(x[r, c])·x[r, n_cols + c]
__global__ void silu_mul_kernel(float *y, int ldy, const float *x, int ldx, int n_cols, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t r = i / n_cols, c = i % n_cols;
    const float g = x[r * ldx + c], u = x[r * ldx + n_cols + c];
    y[r * ldy + c] = g / (1.0f + expf(-g)) * u;
  }
}

void cuda_silu_mul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols) {
  const size_t n = (size_t)n_rows * n_cols;
  if (be->failed || n == 0) return;
  silu_mul_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dptr(y), ldy, dptr(x), ldx, n_cols, n);
  KERNEL_CHECK(be, "silu_mul_kernel");
}

// Source element i as float: F32 as is, BF16 by widening its bits, F16 through __half2float (exact).
static __device__ __forceinline__ float src_load(const void *src, int dtype, size_t i) {
  if (dtype == BK_DTYPE_F32) return ((const float *)src)[i];
  if (dtype == BK_DTYPE_BF16) return __bfloat162float(((const __nv_bfloat16 *)src)[i]);
  return __half2float(((const __half *)src)[i]);
}

__global__ void convert_kernel(void *dst, int dst_bf16, const void *src, int src_dtype, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float v = src_load(src, src_dtype, i);
    if (dst_bf16)
      ((__nv_bfloat16 *)dst)[i] = __float2bfloat16_rn(v); // round to nearest even
    else
      ((float *)dst)[i] = v;
  }
}

void cuda_convert(bk_backend *be, void *dst, int dst_bf16, const void *src, bk_dtype src_dtype, size_t n) {
  if (n == 0) return;
  convert_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dst, dst_bf16, src, (int)src_dtype, n);
  // launch errors are read by the caller (weight upload reports into its own err)
}
