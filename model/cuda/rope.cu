// rope.cu - rotary position embedding of the CUDA backend (backend.h bk_rope): non-interleaved
// halves, per-row positions. The inverse frequencies 1/θ^(2d/head_dim) are computed on the host
// with the same float32 powf expression as the CPU backend (so both use identical values) and
// copied with the positions; each thread rotates one (head, pair) of a row, angle = float(pos)·f in
// float32, cosf/sinf (CUDA's accurate versions, ≤ 2 ulp), products and sums rounded separately
// (no FMA) as in the CPU's ISO C.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.cuh"

enum { THREADS = 256 };

__global__ void rope_kernel(float *x, int ldx, int n_rows, int n_heads, int head_dim, const int32_t *pos,
                            const float *inv_freq) {
  const int n_half = head_dim / 2;
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {
    float *xr = x + (size_t)r * ldx;
    const float p = (float)pos[r];
    for (int i = threadIdx.x; i < n_heads * n_half; i += blockDim.x) {
      const int h = i / n_half, d = i % n_half;
      const float ang = __fmul_rn(p, inv_freq[d]);
      const float c = cosf(ang), s = sinf(ang);
      float *v = xr + (size_t)h * head_dim;
      const float a = v[d], b = v[d + n_half];
      v[d] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s));
      v[d + n_half] = __fadd_rn(__fmul_rn(b, c), __fmul_rn(a, s));
    }
  }
}

void cuda_rope(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_heads, int head_dim, const int32_t *pos,
               float theta) {
  if (be->failed || n_rows <= 0 || n_heads <= 0) return;
  const int n_half = head_dim / 2;
  // one metadata block: n_rows positions, then half inverse frequencies
  const size_t bytes = ((size_t)n_rows + n_half) * 4;
  unsigned char *host = (unsigned char *)malloc(bytes);
  if (!host) {
    cuda_fail(be, "malloc(rope metadata)", __FILE__, __LINE__, "out of host memory", "rope");
    return;
  }
  memcpy(host, pos, (size_t)n_rows * 4);
  for (int d = 0; d < n_half; d++) {
    float f = 1.0f / powf(theta, (float)(2 * d) / (float)head_dim);
    memcpy(host + ((size_t)n_rows + d) * 4, &f, 4);
  }
  const unsigned char *dev = (const unsigned char *)cuda_meta(be, host, bytes);
  free(host);
  if (!dev) return;
  rope_kernel<<<(unsigned)(n_rows < 65535 ? n_rows : 65535), THREADS, 0, impl_of(be)->stream>>>(
      dptr(x), ldx, n_rows, n_heads, head_dim, (const int32_t *)dev, (const float *)(dev + (size_t)n_rows * 4));
  KERNEL_CHECK(be, "rope_kernel");
}
