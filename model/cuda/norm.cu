// norm.cu - LayerNorm and RMSNorm of the CUDA backend: one block per row. As the CPU backend, the
// row statistics are summed in double and the per-element epilogue is float32 in the same order;
// the epilogue uses explicit round-to-nearest intrinsics (__fmul_rn, ...) so the compiler does not
// fuse it into FMAs, which keeps it equal to the CPU's ISO C arithmetic given the same statistics.
#include "cuda_common.cuh"

enum { THREADS = 256 };

// Sum of v over the block (every thread gets the result). sh holds THREADS/32 doubles.
static __device__ double block_sum(double v, double *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, n_warps = blockDim.x / 32;
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  double s = 0;
  for (int i = 0; i < n_warps; i++) s += sh[i]; // same order in every thread
  __syncthreads(); // sh may be reused by the next call
  return s;
}

__global__ void layernorm_kernel(float *y, int ldy, const float *x, int ldx, int n_rows, int dim, const void *w,
                                 int w_dtype, const void *b, int b_dtype, float eps) {
  __shared__ double sh[THREADS / 32];
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {
    const float *xr = x + (size_t)r * ldx;
    float *yr = y + (size_t)r * ldy;
    double s = 0;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) s += xr[i];
    const double mean = block_sum(s, sh) / dim;
    double v = 0;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) v += (xr[i] - mean) * (xr[i] - mean);
    v = block_sum(v, sh);
    const float rstd = (float)(1.0 / sqrt(v / dim + (double)eps)), m = (float)mean;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
      yr[i] = __fadd_rn(__fmul_rn(__fmul_rn(__fsub_rn(xr[i], m), rstd), wload(w, w_dtype, i)), wload(b, b_dtype, i));
  }
}

__global__ void rmsnorm_kernel(float *y, int ldy, const float *x, int ldx, int n_rows, int dim, const void *w,
                               int w_dtype, float eps) {
  __shared__ double sh[THREADS / 32];
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {
    const float *xr = x + (size_t)r * ldx;
    float *yr = y + (size_t)r * ldy;
    double s = 0;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) s += (double)xr[i] * xr[i];
    s = block_sum(s, sh);
    const float rstd = (float)(1.0 / sqrt(s / dim + (double)eps));
    for (int i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = __fmul_rn(wload(w, w_dtype, i), __fmul_rn(xr[i], rstd));
  }
}

static unsigned row_blocks(int n_rows) { return (unsigned)(n_rows < 65535 ? n_rows : 65535); }

void cuda_layernorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim, const bk_weight *w,
                    const bk_weight *b, float eps) {
  if (be->failed || n_rows <= 0) return;
  layernorm_kernel<<<row_blocks(n_rows), THREADS, 0, impl_of(be)->stream>>>(
      dptr(y), ldy, dptr(x), ldx, n_rows, dim, w->data, (int)w->dtype, b->data, (int)b->dtype, eps);
  KERNEL_CHECK(be, "layernorm_kernel");
}

void cuda_rmsnorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim, const bk_weight *w,
                  float eps) {
  if (be->failed || n_rows <= 0) return;
  rmsnorm_kernel<<<row_blocks(n_rows), THREADS, 0, impl_of(be)->stream>>>(dptr(y), ldy, dptr(x), ldx, n_rows, dim,
                                                                         w->data, (int)w->dtype, eps);
  KERNEL_CHECK(be, "rmsnorm_kernel");
}
