// attention.cu - attention of the CUDA backend (backend.h bk_attn_full, bk_attn_causal): the simple,
// exact version; issue #8 adds fused flash-style kernels and keeps this one as their reference.
//
// One block per (query row, head, sequence), 4 warps:
//   1. the query row is staged in shared memory;
//   2. scores: each warp takes keys in turn, its lanes split the head dimension (coalesced reads of
//      the key row), a warp reduction sums them; score = (q·k)·scale into shared memory;
//   3. softmax as the CPU backend: max, e = expf(s - max), sum, p = e·(1/sum) (float32);
//   4. output: thread d sums p_j·v[j, d] over the keys in order (coalesced value rows).
// Only visible keys are scored, so masks need no -inf: full attention sees all n_k keys; causal
// query i sees absolute keys [max(pad, i - window), i] (prefix rows j < n_prefix from its prompt's
// shared prefix, rows j >= n_prefix from its own suffix), and a pad query (i < pad) writes zeros.
// Shared memory holds the scores of one row: (head_dim + keys + 32) floats, up to the device's
// opt-in limit (≈ 227 KB on H100: ≈ 58k keys); beyond it the op fails with a clear error.
#include <stdio.h>

#include "cuda_common.cuh"

enum { THREADS = 128, WARPS = THREADS / 32 };

// Reduction over the block (every thread gets the result); red holds WARPS floats.
template <bool IS_MAX>
static __device__ float block_reduce(float v, float *red) {
  for (int o = 16; o > 0; o >>= 1) {
    float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = IS_MAX ? fmaxf(v, w) : v + w;
  }
  if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = v;
  __syncthreads();
  float r = red[0];
  for (int i = 1; i < WARPS; i++) r = IS_MAX ? fmaxf(r, red[i]) : r + red[i];
  __syncthreads();
  return r;
}

// Keys of full attention: rows u = 0 .. n-1 at k/v + u·ld.
struct full_keys {
  const float *k, *v;
  size_t ld;
  __device__ const float *key(int u) const { return k + (size_t)u * ld; }
  __device__ const float *val(int u) const { return v + (size_t)u * ld; }
};

// Keys of causal attention: local u is absolute key j = first + u; j < n_prefix in the prefix,
// else suffix row j - n_prefix.
struct causal_keys {
  const float *kp, *vp, *ks, *vs;
  size_t ld;
  int first, n_prefix;
  __device__ const float *row(const float *pre, const float *suf, int u) const {
    const int j = first + u;
    return j < n_prefix ? pre + (size_t)j * ld : suf + (size_t)(j - n_prefix) * ld;
  }
  __device__ const float *key(int u) const { return row(kp, ks, u); }
  __device__ const float *val(int u) const { return row(vp, vs, u); }
};

// out[0 .. hd) = softmax((q·k_u)·scale over u < n)·v for one query row and one head.
template <typename Keys>
static __device__ void attend(const float *q, float *out, int hd, float scale, int n, const Keys &keys, float *smem) {
  float *qs = smem, *red = smem + hd, *sc = red + 32;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int d = threadIdx.x; d < hd; d += blockDim.x) qs[d] = q[d];
  __syncthreads();
  for (int u = warp; u < n; u += WARPS) {
    const float *kr = keys.key(u);
    float acc = 0.0f;
    for (int d = lane; d < hd; d += 32) acc += qs[d] * kr[d];
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
    if (lane == 0) sc[u] = acc * scale;
  }
  __syncthreads();
  float mx = -INFINITY;
  for (int u = threadIdx.x; u < n; u += blockDim.x) mx = fmaxf(mx, sc[u]);
  mx = block_reduce<true>(mx, red);
  float sum = 0.0f;
  for (int u = threadIdx.x; u < n; u += blockDim.x) {
    const float e = expf(sc[u] - mx);
    sc[u] = e;
    sum += e;
  }
  sum = block_reduce<false>(sum, red); // also orders the sc writes before the reads below
  const float inv = 1.0f / sum;
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float acc = 0.0f;
    for (int u = 0; u < n; u++) acc += (sc[u] * inv) * keys.val(u)[d];
    out[d] = acc;
  }
}

// The argument structs travel by value for their sizes and strides; their host pointers (bk_ptr
// buffers, n_pad) are never dereferenced on the device: device addresses come separately.
__global__ void attn_full_kernel(bk_attn_full_args a, const float *q, const float *k, const float *v, float *out) {
  extern __shared__ float smem[];
  const int t = blockIdx.x, h = blockIdx.y, s = blockIdx.z, hd = a.head_dim;
  const size_t col = (size_t)h * hd;
  full_keys keys = {k + s * a.kv_seq_stride + col, v + s * a.kv_seq_stride + col, (size_t)a.ldkv};
  attend(q + s * a.q_seq_stride + (size_t)t * a.ldq + col, out + s * a.out_seq_stride + (size_t)t * a.ldo + col, hd,
         a.scale, a.n_k, keys, smem);
}

__global__ void attn_causal_kernel(bk_attn_causal_args a, const float *q, float *out, const float *kp0,
                                   const float *vp0, const float *ks0, const float *vs0, const int32_t *n_pad) {
  extern __shared__ float smem[];
  const int t = blockIdx.x, h = blockIdx.y, s = blockIdx.z, hd = a.head_dim;
  const int p = s / a.group, pad = n_pad[p], i = a.q_start + t;
  const int kv_heads = a.n_kv_heads > 0 ? a.n_kv_heads : a.n_heads;
  const size_t kv_col = (size_t)(h / (a.n_heads / kv_heads)) * hd;
  const size_t r = (size_t)s * a.n_q + t;
  float *o = out + r * a.ldo + (size_t)h * hd;
  int first = pad;
  if (a.window >= 0 && i - a.window > first) first = i - a.window;
  if (i < pad || first > i) { // a pad query (or nothing visible): zeros, as the CPU backend
    for (int d = threadIdx.x; d < hd; d += blockDim.x) o[d] = 0.0f;
    return;
  }
  causal_keys keys;
  keys.kp = kp0 + p * a.prefix_stride + kv_col;
  keys.vp = vp0 + p * a.prefix_stride + kv_col;
  keys.ks = ks0 ? ks0 + s * a.suffix_stride + kv_col : NULL;
  keys.vs = vs0 ? vs0 + s * a.suffix_stride + kv_col : NULL;
  keys.ld = (size_t)a.ldkv;
  keys.first = first;
  keys.n_prefix = a.n_prefix;
  attend(q + r * a.ldq + (size_t)h * hd, o, hd, a.scale, i - first + 1, keys, smem);
}

// Dynamic shared memory for rows of up to n_keys keys; raises the kernel's limit past the default
// 48 KB when needed. Returns the byte count, or 0 after recording a failure.
template <typename K>
static size_t smem_for(bk_backend *be, K kernel, int head_dim, long n_keys, const char *what) {
  const size_t bytes = ((size_t)head_dim + 32 + (size_t)n_keys) * sizeof(float);
  const size_t limit = impl_of(be)->max_smem;
  if (bytes > limit) {
    if (!be->failed) {
      be->failed = 1;
      snprintf(be->error, sizeof be->error,
               "%s: %ld keys per query need %zu bytes of shared memory, the device allows %zu per block", what,
               n_keys, bytes, limit);
    }
    return 0;
  }
  if (bytes > 48 * 1024 &&
      !CUDA_CHECK(be, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes)))
    return 0;
  return bytes;
}

void cuda_attn_full(bk_backend *be, const bk_attn_full_args *a) {
  if (be->failed || a->n_seq <= 0 || a->n_q <= 0 || a->n_heads <= 0) return;
  if (a->n_heads > 65535 || a->n_seq > 65535) {
    cuda_fail(be, "attn_full", __FILE__, __LINE__, "grid too large", "heads or sequences above 65535");
    return;
  }
  const size_t smem = smem_for(be, attn_full_kernel, a->head_dim, a->n_k, "attn_full");
  if (!smem) return;
  dim3 grid((unsigned)a->n_q, (unsigned)a->n_heads, (unsigned)a->n_seq);
  attn_full_kernel<<<grid, THREADS, smem, impl_of(be)->stream>>>(*a, dptr(a->q), dptr(a->k), dptr(a->v),
                                                                  dptr(a->out));
  KERNEL_CHECK(be, "attn_full_kernel");
}

void cuda_attn_causal(bk_backend *be, const bk_attn_causal_args *a) {
  if (be->failed || a->n_seq <= 0 || a->n_q <= 0 || a->n_heads <= 0) return;
  if (a->n_heads > 65535 || a->n_seq > 65535) {
    cuda_fail(be, "attn_causal", __FILE__, __LINE__, "grid too large", "heads or sequences above 65535");
    return;
  }
  const int i_last = a->q_start + a->n_q - 1;
  long n_keys = (long)i_last + 1; // the most keys any query of the call sees
  if (a->window >= 0 && (long)a->window + 1 < n_keys) n_keys = (long)a->window + 1;
  const size_t smem = smem_for(be, attn_causal_kernel, a->head_dim, n_keys, "attn_causal");
  if (!smem) return;
  const int n_prefixes = a->n_seq / a->group;
  const int32_t *d_pad = (const int32_t *)cuda_meta(be, a->n_pad, (size_t)n_prefixes * sizeof(int32_t));
  if (!d_pad) return;
  const bool suffix = i_last >= a->n_prefix; // suffix buffers are only read (and given) in decoding
  dim3 grid((unsigned)a->n_q, (unsigned)a->n_heads, (unsigned)a->n_seq);
  attn_causal_kernel<<<grid, THREADS, smem, impl_of(be)->stream>>>(
      *a, dptr(a->q), dptr(a->out), dptr(a->k_prefix), dptr(a->v_prefix), suffix ? dptr(a->k_suffix) : NULL,
      suffix ? dptr(a->v_suffix) : NULL, d_pad);
  KERNEL_CHECK(be, "attn_causal_kernel");
}
