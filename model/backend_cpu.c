/* backend_cpu.c - the CPU backend: every op of backend.h in float32 on host memory, with OpenMP.
 *
 * This is the reference every other backend is checked against, so it favours clarity and
 * determinism over the last factor of speed:
 *   - every dot product (matmul, q·k, p·v) goes through one kernel, dot_tile(), that accumulates
 *     each output in 8 fixed lanes over k (lane j takes k ≡ j mod 8) and sums the lanes in a fixed
 *     tree; an output's value therefore does not depend on the number of threads, the SIMD width the
 *     compiler picked, or how many other rows were in the call (batched = one at a time, bit for
 *     bit). No FMA contraction (ISO C mode, no -mfma), so the AVX2 clone and the generic clone agree.
 *   - reductions of norms run in double.
 * Weights: f32 sources (4-byte aligned) are borrowed (a memory-mapped f32 checkpoint costs
 * no copy); others (bf16, f16) are converted into owned float32 copies. */
#include "backend.h"

#include <assert.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int n_threads;
  /* Per-thread scratch for attention, grown on demand (sizes depend on the call's shapes, which
   * the model code bounds by its declared maxima; after the first calls it no longer grows). */
  float *scratch;
  size_t scratch_per_thread; /* floats */
} cpu_impl;

/* Thread count of an op: the backend's, not OpenMP's process-wide default. Ops with less work than
 * PAR_MIN_WORK (multiply-adds or element updates) run on one thread: waking the team costs more than
 * they do, and much more when the cores are shared. */
#define PAR_MIN_WORK ((size_t)1 << 16)
#define NT(be) (((const cpu_impl *)(be)->impl)->n_threads)

static float *ptr_of(bk_ptr p) { return (float *)p.buf->data + p.off; }
static const float *wdata(const bk_weight *w) { return (const float *)w->data; }

/* ============================== the dot-product kernel ============================== */

/* 8-float vectors (GCC vector extension): one AVX register, or two SSE registers in the generic
 * clone. No helper passes or returns one by value: clang refuses a 32-byte vector crossing between
 * the AVX2 clone and a function compiled without AVX, inlined or not, so the load is an expression
 * (an unaligned, aliasing vector type) and the other helpers take pointers. */
typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4), may_alias));
#define LOAD8(p) (*(const v8f_unaligned *)(p))

static inline float lanes_sum(const v8f *a) {
  return (((*a)[0] + (*a)[4]) + ((*a)[2] + (*a)[6])) + (((*a)[1] + (*a)[5]) + ((*a)[3] + (*a)[7]));
}

/* The remainder k = K8..K-1 goes to lanes 0..K-K8-1, exactly as a full step would. (Adding only
 * to those lanes equals adding a vector with zeros elsewhere: an accumulator that starts at +0
 * never holds -0, and a + 0 == a for every other value.) */
static inline void tail8_add(v8f *a, const float *x, const float *w, int K8, int K) {
  for (int k = K8; k < K; k++) (*a)[k - K8] += x[k] * w[k];
}

/* y[m, n] = f(Σ_k x[m, k]·w[n, k]) for m < M, n < N, where f applies `scale`, adds bias[n]
 * (if any) and either stores or adds to y. Single-threaded; the callers parallelise. */
__attribute__((target_clones("avx2", "default"))) static void
dot_tile(float *y, size_t ldy, const float *x, size_t ldx, int M, const float *w, size_t ldw, int N,
         int K, float scale, const float *bias, int accumulate) {
  const int K8 = K & ~7;
  int m = 0;
  for (; m + 4 <= M; m += 4) {
    const float *x0 = x + (size_t)m * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
    int n = 0;
    for (; n + 2 <= N; n += 2) {
      const float *w0 = w + (size_t)n * ldw, *w1 = w0 + ldw;
      v8f a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0};
      for (int k = 0; k < K8; k += 8) {
        v8f b0 = LOAD8(w0 + k), b1 = LOAD8(w1 + k);
        v8f c = LOAD8(x0 + k);
        a00 += c * b0;
        a01 += c * b1;
        c = LOAD8(x1 + k);
        a10 += c * b0;
        a11 += c * b1;
        c = LOAD8(x2 + k);
        a20 += c * b0;
        a21 += c * b1;
        c = LOAD8(x3 + k);
        a30 += c * b0;
        a31 += c * b1;
      }
      if (K8 < K) {
        tail8_add(&a00, x0, w0, K8, K);
        tail8_add(&a01, x0, w1, K8, K);
        tail8_add(&a10, x1, w0, K8, K);
        tail8_add(&a11, x1, w1, K8, K);
        tail8_add(&a20, x2, w0, K8, K);
        tail8_add(&a21, x2, w1, K8, K);
        tail8_add(&a30, x3, w0, K8, K);
        tail8_add(&a31, x3, w1, K8, K);
      }
      float s[4][2] = {{lanes_sum(&a00), lanes_sum(&a01)}, {lanes_sum(&a10), lanes_sum(&a11)},
                       {lanes_sum(&a20), lanes_sum(&a21)}, {lanes_sum(&a30), lanes_sum(&a31)}};
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) {
          float v = s[i][j] * scale;
          if (bias) v += bias[n + j];
          float *o = y + (size_t)(m + i) * ldy + n + j;
          *o = accumulate ? *o + v : v;
        }
    }
    for (; n < N; n++) {
      const float *w0 = w + (size_t)n * ldw;
      const float *xs[4] = {x0, x1, x2, x3};
      for (int i = 0; i < 4; i++) {
        v8f a = {0};
        for (int k = 0; k < K8; k += 8) a += LOAD8(xs[i] + k) * LOAD8(w0 + k);
        if (K8 < K) tail8_add(&a, xs[i], w0, K8, K);
        float v = lanes_sum(&a) * scale;
        if (bias) v += bias[n];
        float *o = y + (size_t)(m + i) * ldy + n;
        *o = accumulate ? *o + v : v;
      }
    }
  }
  for (; m < M; m++) {
    const float *x0 = x + (size_t)m * ldx;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      const float *w0 = w + (size_t)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
      v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
      for (int k = 0; k < K8; k += 8) {
        v8f c = LOAD8(x0 + k);
        a0 += c * LOAD8(w0 + k);
        a1 += c * LOAD8(w1 + k);
        a2 += c * LOAD8(w2 + k);
        a3 += c * LOAD8(w3 + k);
      }
      if (K8 < K) {
        tail8_add(&a0, x0, w0, K8, K);
        tail8_add(&a1, x0, w1, K8, K);
        tail8_add(&a2, x0, w2, K8, K);
        tail8_add(&a3, x0, w3, K8, K);
      }
      float s[4] = {lanes_sum(&a0), lanes_sum(&a1), lanes_sum(&a2), lanes_sum(&a3)};
      for (int j = 0; j < 4; j++) {
        float v = s[j] * scale;
        if (bias) v += bias[n + j];
        float *o = y + (size_t)m * ldy + n + j;
        *o = accumulate ? *o + v : v;
      }
    }
    for (; n < N; n++) {
      const float *w0 = w + (size_t)n * ldw;
      v8f a = {0};
      for (int k = 0; k < K8; k += 8) a += LOAD8(x0 + k) * LOAD8(w0 + k);
      if (K8 < K) tail8_add(&a, x0, w0, K8, K);
      float v = lanes_sum(&a) * scale;
      if (bias) v += bias[n];
      float *o = y + (size_t)m * ldy + n;
      *o = accumulate ? *o + v : v;
    }
  }
}

/* ============================== memory ============================== */

static void cpu_destroy(bk_backend *be) {
  cpu_impl *c = be->impl;
  free(c->scratch);
  free(c);
  free(be);
}

static bk_buf *cpu_buf_alloc(bk_backend *be, size_t n, char *err, size_t err_size) {
  (void)be;
  bk_buf *b = calloc(1, sizeof *b);
  size_t bytes = (n ? n : 1) * sizeof(float);
  bytes = (bytes + 63) & ~(size_t)63;
  if (b && n > SIZE_MAX / sizeof(float) / 2) {
    free(b);
    b = NULL;
  }
  if (b) b->data = aligned_alloc(64, bytes);
  if (!b || !b->data) {
    free(b);
    if (err) snprintf(err, err_size, "cpu backend: out of memory allocating %zu floats (%.1f MB)", n,
                      (double)n * 4 / 1e6);
    return NULL;
  }
  b->n = n;
  return b;
}

static void cpu_buf_free(bk_backend *be, bk_buf *b) {
  (void)be;
  free(b->data);
  free(b);
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: renormalise */
      exp = 127 - 15 + 1;
      while (!(man & 1024)) {
        man <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((man & 1023) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static bk_weight *cpu_weight_upload(bk_backend *be, const void *data, bk_dtype dtype, int64_t rows,
                                    int64_t cols, char *err, size_t err_size) {
  (void)be;
  if (rows <= 0 || cols <= 0 || rows > INT64_MAX / cols) {
    if (err) snprintf(err, err_size, "cpu backend: bad weight shape [%lld, %lld]", (long long)rows,
                      (long long)cols);
    return NULL;
  }
  bk_weight *w = calloc(1, sizeof *w);
  if (!w) goto oom;
  w->rows = rows;
  w->cols = cols;
  w->dtype = BK_DTYPE_F32;
  size_t n = (size_t)(rows * cols);
  if (dtype == BK_DTYPE_F32 && ((uintptr_t)data & 3) == 0) {
    w->data = (void *)data; /* borrowed */
    w->owned = 0;
    return w;
  }
  float *f = aligned_alloc(64, ((n * sizeof(float)) + 63) & ~(size_t)63);
  if (!f) goto oom;
  if (dtype == BK_DTYPE_F32) {
    memcpy(f, data, n * sizeof(float));
  } else if (dtype == BK_DTYPE_BF16) {
    const uint8_t *src = data;
#pragma omp parallel for num_threads(NT(be)) if(n >= PAR_MIN_WORK) schedule(static)
    for (size_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, src + 2 * i, 2);
      uint32_t bits = (uint32_t)h << 16;
      memcpy(&f[i], &bits, 4);
    }
  } else {
    const uint8_t *src = data;
    for (size_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, src + 2 * i, 2);
      f[i] = half_to_float(h);
    }
  }
  w->data = f;
  w->owned = 1;
  return w;
oom:
  free(w);
  if (err) snprintf(err, err_size, "cpu backend: out of memory converting a [%lld, %lld] weight",
                    (long long)rows, (long long)cols);
  return NULL;
}

static void cpu_weight_free(bk_backend *be, bk_weight *w) {
  (void)be;
  if (w->owned) free(w->data);
  free(w);
}

static void cpu_write(bk_backend *be, bk_ptr dst, const float *src, size_t n) {
  (void)be;
  assert(dst.off + n <= dst.buf->n);
  memcpy(ptr_of(dst), src, n * sizeof(float));
}

static void cpu_read(bk_backend *be, float *dst, bk_ptr src, size_t n) {
  (void)be;
  assert(src.off + n <= src.buf->n);
  memcpy(dst, ptr_of(src), n * sizeof(float));
}

/* Ensures every thread has `per_thread` floats of scratch; returns the base (thread t at
 * base + t*per_thread), or NULL after recording the failure. */
static float *cpu_scratch(bk_backend *be, size_t per_thread) {
  cpu_impl *c = be->impl;
  if (per_thread > c->scratch_per_thread) {
    free(c->scratch);
    c->scratch = malloc(per_thread * (size_t)c->n_threads * sizeof(float));
    c->scratch_per_thread = c->scratch ? per_thread : 0;
    if (!c->scratch) {
      bk_fail(be, "attention: out of memory for %zu floats of scratch per thread", per_thread);
      return NULL;
    }
  }
  return c->scratch;
}

/* ============================== ops ============================== */

static void cpu_fill(bk_backend *be, bk_ptr y, size_t n, float value) {
  (void)be;
  assert(y.off + n <= y.buf->n);
  float *p = ptr_of(y);
  for (size_t i = 0; i < n; i++) p[i] = value;
}

static void cpu_copy_rows(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                          int n_cols) {
  (void)be;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x);
  for (int r = 0; r < n_rows; r++)
    memmove(yp + (size_t)r * ldy, xp + (size_t)r * ldx, (size_t)n_cols * sizeof(float));
}

static void cpu_gather_rows(bk_backend *be, bk_ptr y, size_t ldy, bk_ptr x, size_t ldx,
                            const int32_t *rows, int n_rows, size_t n_cols) {
  (void)be;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x);
  for (int r = 0; r < n_rows; r++)
    memcpy(yp + (size_t)r * ldy, xp + (size_t)rows[r] * ldx, n_cols * sizeof(float));
}

static void cpu_matmul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                       const bk_weight *w, int n_out, const bk_weight *bias, int accumulate) {
  assert(n_out <= w->rows && (!bias || bias->rows * bias->cols >= n_out));
  assert(ldx >= w->cols && ldy >= n_out);
  if (n_rows <= 0 || n_out <= 0) return;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x), *wp = wdata(w), *bp = bias ? wdata(bias) : NULL;
  const int K = (int)w->cols;
  /* Blocks of weight rows small enough to stay in L2 (~256 KB) while every x row streams past. */
  int nb = (int)((256 * 1024 / sizeof(float)) / (size_t)K);
  nb = nb < 8 ? 8 : nb > 256 ? 256 : nb & ~1;
  const int n_blocks = (n_out + nb - 1) / nb;
  const int mb = 64; /* rows of x per task: keeps tasks numerous when n_out is small */
  const int m_blocks = (n_rows + mb - 1) / mb;
  (void)be;
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * n_out * K >= PAR_MIN_WORK) collapse(2) schedule(dynamic, 1)
  for (int bn = 0; bn < n_blocks; bn++)
    for (int bm = 0; bm < m_blocks; bm++) {
      int n0 = bn * nb, n1 = n0 + nb < n_out ? n0 + nb : n_out;
      int m0 = bm * mb, m1 = m0 + mb < n_rows ? m0 + mb : n_rows;
      dot_tile(yp + (size_t)m0 * ldy + n0, ldy, xp + (size_t)m0 * ldx, ldx, m1 - m0,
               wp + (size_t)n0 * K, K, n1 - n0, K, 1.0f, bp ? bp + n0 : NULL, accumulate);
    }
}

static void cpu_layernorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                          int dim, const bk_weight *w, const bk_weight *b, float eps) {
  (void)be;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x), *wp = wdata(w), *bp = wdata(b);
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * dim >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    const float *xr = xp + (size_t)r * ldx;
    float *yr = yp + (size_t)r * ldy;
    double s = 0;
    for (int i = 0; i < dim; i++) s += xr[i];
    double mean = s / dim, v = 0;
    for (int i = 0; i < dim; i++) v += (xr[i] - mean) * (xr[i] - mean);
    float rstd = (float)(1.0 / sqrt(v / dim + eps)), m = (float)mean;
    for (int i = 0; i < dim; i++) yr[i] = (xr[i] - m) * rstd * wp[i] + bp[i];
  }
}

static void cpu_rmsnorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim,
                        const bk_weight *w, float eps) {
  (void)be;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x), *wp = wdata(w);
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * dim >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    const float *xr = xp + (size_t)r * ldx;
    float *yr = yp + (size_t)r * ldy;
    double s = 0;
    for (int i = 0; i < dim; i++) s += (double)xr[i] * xr[i];
    float rstd = (float)(1.0 / sqrt(s / dim + eps));
    for (int i = 0; i < dim; i++) yr[i] = wp[i] * (xr[i] * rstd);
  }
}

static void cpu_rope(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_heads, int head_dim,
                     const int32_t *pos, float theta) {
  (void)be;
  float *xp = ptr_of(x);
  const int half = head_dim / 2;
  float inv_freq[512];
  assert(half <= 512);
  /* As Phi3RotaryEmbedding: 1 / theta^(float(2d)/dim) in float32; angle = float(pos)·inv_freq. */
  for (int d = 0; d < half; d++) inv_freq[d] = 1.0f / powf(theta, (float)(2 * d) / (float)head_dim);
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * n_heads * head_dim >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    float c[512], s[512];
    for (int d = 0; d < half; d++) {
      float a = (float)pos[r] * inv_freq[d];
      c[d] = cosf(a);
      s[d] = sinf(a);
    }
    float *xr = xp + (size_t)r * ldx;
    for (int h = 0; h < n_heads; h++) {
      float *v = xr + (size_t)h * head_dim;
      for (int d = 0; d < half; d++) {
        float a = v[d], b = v[d + half];
        v[d] = a * c[d] - b * s[d];
        v[d + half] = b * c[d] + a * s[d];
      }
    }
  }
}

/* Softmax of n scores in place (max-subtracted, float32). */
static void softmax_row(float *s, int n) {
  float mx = -INFINITY;
  for (int j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
  float sum = 0;
  for (int j = 0; j < n; j++) {
    s[j] = expf(s[j] - mx);
    sum += s[j];
  }
  float inv = 1.0f / sum;
  for (int j = 0; j < n; j++) s[j] *= inv;
}

/* Transposes the head's n_k value rows [n_k, hd] (row stride ld) into vt [hd, ·] (row stride ldvt). */
static void transpose_head(float *vt, int ldvt, const float *v, int ld, int n_k, int hd) {
  for (int j = 0; j < n_k; j++)
    for (int d = 0; d < hd; d++) vt[(size_t)d * ldvt + j] = v[(size_t)j * ld + d];
}

enum { ATTN_QB = 32 }; /* queries per block: scores of one block stay in L2 */

static void cpu_attn_full(bk_backend *be, const bk_attn_full_args *a) {
  const int hd = a->head_dim, nk = a->n_k;
  size_t per_thread = (size_t)hd * nk + (size_t)ATTN_QB * nk;
  float *scratch = cpu_scratch(be, per_thread);
  if (!scratch) return;
  const float *q = ptr_of(a->q), *k = ptr_of(a->k), *v = ptr_of(a->v);
  float *out = ptr_of(a->out);
#pragma omp parallel for num_threads(NT(be)) if((size_t)a->n_seq * a->n_heads * a->n_q * nk * hd >= PAR_MIN_WORK) collapse(2) schedule(dynamic, 1)
  for (int s = 0; s < a->n_seq; s++)
    for (int h = 0; h < a->n_heads; h++) {
      float *vt = scratch + (size_t)omp_get_thread_num() * per_thread, *sc = vt + (size_t)hd * nk;
      const float *qs = q + s * a->q_seq_stride + (size_t)h * hd;
      const float *ks = k + s * a->kv_seq_stride + (size_t)h * hd;
      const float *vs = v + s * a->kv_seq_stride + (size_t)h * hd;
      float *os = out + s * a->out_seq_stride + (size_t)h * hd;
      transpose_head(vt, nk, vs, a->ldkv, nk, hd);
      for (int q0 = 0; q0 < a->n_q; q0 += ATTN_QB) {
        int nq = a->n_q - q0 < ATTN_QB ? a->n_q - q0 : ATTN_QB;
        dot_tile(sc, nk, qs + (size_t)q0 * a->ldq, a->ldq, nq, ks, a->ldkv, nk, hd, a->scale, NULL, 0);
        for (int i = 0; i < nq; i++) softmax_row(sc + (size_t)i * nk, nk);
        dot_tile(os + (size_t)q0 * a->ldo, a->ldo, sc, nk, nq, vt, nk, hd, nk, 1.0f, NULL, 0);
      }
    }
}

static void cpu_attn_causal(bk_backend *be, const bk_attn_causal_args *a) {
  const int hd = a->head_dim, P = a->n_prefix;
  const int i_last = a->q_start + a->n_q - 1;   /* largest absolute query index */
  const int n_suf = i_last >= P ? i_last - P + 1 : 0; /* suffix rows any query can see */
  const int n_keys = (i_last < P ? i_last + 1 : P) + n_suf;
  size_t per_thread = (size_t)hd * n_keys + (size_t)ATTN_QB * n_keys;
  float *scratch = cpu_scratch(be, per_thread);
  if (!scratch) return;
  const float *q = ptr_of(a->q);
  float *out = ptr_of(a->out);
#pragma omp parallel for num_threads(NT(be)) if((size_t)a->n_seq * a->n_heads * a->n_q * n_keys * hd >= PAR_MIN_WORK) collapse(2) schedule(dynamic, 1)
  for (int s = 0; s < a->n_seq; s++)
    for (int h = 0; h < a->n_heads; h++) {
      float *vt = scratch + (size_t)omp_get_thread_num() * per_thread;
      float *sc = vt + (size_t)hd * n_keys;
      const int p = s / a->group, pad = a->n_pad[p];
      const int kvh = h / (a->n_heads / (a->n_kv_heads > 0 ? a->n_kv_heads : a->n_heads));
      const float *kp = ptr_of(a->k_prefix) + p * a->prefix_stride + (size_t)kvh * hd;
      const float *vp = ptr_of(a->v_prefix) + p * a->prefix_stride + (size_t)kvh * hd;
      const float *ksf = NULL, *vsf = NULL;
      if (n_suf) {
        ksf = ptr_of(a->k_suffix) + s * a->suffix_stride + (size_t)kvh * hd;
        vsf = ptr_of(a->v_suffix) + s * a->suffix_stride + (size_t)kvh * hd;
      }
      /* Keys in absolute order: prefix rows [lo, n_pre) then suffix rows [0, n_suf). */
      const int n_pre = (i_last < P ? i_last + 1 : P);
      const int lo = pad < n_pre ? pad : n_pre, n_p = n_pre - lo, nk = n_p + n_suf;
      transpose_head(vt, nk, vp + (size_t)lo * a->ldkv, a->ldkv, n_p, hd);
      if (n_suf) transpose_head(vt + n_p, nk, vsf, a->ldkv, n_suf, hd);
      for (int q0 = 0; q0 < a->n_q; q0 += ATTN_QB) {
        int nq = a->n_q - q0 < ATTN_QB ? a->n_q - q0 : ATTN_QB;
        const float *qb = q + ((size_t)s * a->n_q + q0) * a->ldq + (size_t)h * hd;
        float *ob = out + ((size_t)s * a->n_q + q0) * a->ldo + (size_t)h * hd;
        if (n_p)
          dot_tile(sc, nk, qb, a->ldq, nq, kp + (size_t)lo * a->ldkv, a->ldkv, n_p, hd, a->scale,
                   NULL, 0);
        if (n_suf)
          dot_tile(sc + n_p, nk, qb, a->ldq, nq, ksf, a->ldkv, n_suf, hd, a->scale, NULL, 0);
        unsigned char empty[ATTN_QB];
        for (int t = 0; t < nq; t++) {
          const int i = a->q_start + q0 + t;
          float *row = sc + (size_t)t * nk;
          /* visible absolute keys: [max(pad, i - window), i] */
          int first = pad;
          if (a->window >= 0 && i - a->window > first) first = i - a->window;
          empty[t] = i < pad || first > i;
          if (empty[t]) {
            memset(row, 0, (size_t)nk * sizeof(float));
            continue;
          }
          /* column c holds absolute key c + lo (prefix) or P + (c - n_p) (suffix) */
          for (int c = 0; c < nk; c++) {
            int j = c < n_p ? c + lo : P + (c - n_p);
            if (j < first || j > i) row[c] = -INFINITY;
          }
          softmax_row(row, nk);
        }
        dot_tile(ob, a->ldo, sc, nk, nq, vt, nk, hd, nk, 1.0f, NULL, 0);
        for (int t = 0; t < nq; t++)
          if (empty[t]) memset(ob + (size_t)t * a->ldo, 0, (size_t)hd * sizeof(float));
      }
    }
}

static void cpu_gelu_tanh(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  (void)be;
  float *xp = ptr_of(x);
  const float k0 = 0.7978845608028654f, k1 = 0.044715f; /* sqrt(2/pi) */
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * n_cols * 8 >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    float *v = xp + (size_t)r * ldx;
    for (int c = 0; c < n_cols; c++) {
      float t = v[c];
      v[c] = 0.5f * t * (1.0f + tanhf(k0 * (t + k1 * t * t * t)));
    }
  }
}

static void cpu_gelu_erf(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  (void)be;
  float *xp = ptr_of(x);
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * n_cols * 8 >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    float *v = xp + (size_t)r * ldx;
    for (int c = 0; c < n_cols; c++) {
      float t = v[c];
      v[c] = t * 0.5f * (1.0f + erff(t * 0.70710678118654752f));
    }
  }
}

static void cpu_silu_mul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                         int n_cols) {
  (void)be;
  float *yp = ptr_of(y);
  const float *xp = ptr_of(x);
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * n_cols * 8 >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    const float *g = xp + (size_t)r * ldx, *u = g + n_cols;
    float *o = yp + (size_t)r * ldy;
    for (int c = 0; c < n_cols; c++) o[c] = g[c] / (1.0f + expf(-g[c])) * u[c];
  }
}

static void cpu_add_table_rows(bk_backend *be, bk_ptr y, int ldy, int n_rows,
                               const bk_weight *table) {
  (void)be;
  float *yp = ptr_of(y);
  const float *t = wdata(table);
  const int64_t tr = table->rows, d = table->cols;
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_rows * d >= PAR_MIN_WORK) schedule(static)
  for (int r = 0; r < n_rows; r++) {
    float *o = yp + (size_t)r * ldy;
    const float *src = t + (size_t)(r % tr) * d;
    for (int64_t c = 0; c < d; c++) o[c] += src[c];
  }
}

static void cpu_embed(bk_backend *be, bk_ptr y, int ldy, const int32_t *ids, int n,
                      const bk_weight *table, const bk_weight *extra, int n_base) {
  (void)be;
  float *yp = ptr_of(y);
  const int64_t d = table->cols;
  for (int r = 0; r < n; r++) {
    const float *src = ids[r] < n_base ? wdata(table) + (size_t)ids[r] * d
                                       : wdata(extra) + (size_t)(ids[r] - n_base) * d;
    memcpy(yp + (size_t)r * ldy, src, (size_t)d * sizeof(float));
  }
}

static void cpu_im2patch(bk_backend *be, bk_ptr y, bk_ptr pixels, int n_img, int channels, int size,
                         int patch) {
  (void)be;
  float *yp = ptr_of(y);
  const float *px = ptr_of(pixels);
  const int g = size / patch, row_len = channels * patch * patch;
#pragma omp parallel for num_threads(NT(be)) if((size_t)n_img * g * g * row_len >= PAR_MIN_WORK) collapse(2) schedule(static)
  for (int i = 0; i < n_img; i++)
    for (int py = 0; py < g; py++)
      for (int pxi = 0; pxi < g; pxi++) {
        float *o = yp + ((size_t)(i * g + py) * g + pxi) * row_len;
        for (int c = 0; c < channels; c++)
          for (int ky = 0; ky < patch; ky++) {
            const float *src = px + (((size_t)i * channels + c) * size + (size_t)py * patch + ky) * size +
                               (size_t)pxi * patch;
            memcpy(o + (c * patch + ky) * patch, src, (size_t)patch * sizeof(float));
          }
      }
}

static void cpu_sync(bk_backend *be) { (void)be; }

static const bk_vtable cpu_vtable = {
    .name = "cpu",
    .destroy = cpu_destroy,
    .buf_alloc = cpu_buf_alloc,
    .buf_free = cpu_buf_free,
    .weight_upload = cpu_weight_upload,
    .weight_free = cpu_weight_free,
    .write = cpu_write,
    .read = cpu_read,
    .fill = cpu_fill,
    .copy_rows = cpu_copy_rows,
    .gather_rows = cpu_gather_rows,
    .matmul = cpu_matmul,
    .layernorm = cpu_layernorm,
    .rmsnorm = cpu_rmsnorm,
    .rope = cpu_rope,
    .attn_full = cpu_attn_full,
    .attn_causal = cpu_attn_causal,
    .gelu_tanh = cpu_gelu_tanh,
    .gelu_erf = cpu_gelu_erf,
    .silu_mul = cpu_silu_mul,
    .add_table_rows = cpu_add_table_rows,
    .embed = cpu_embed,
    .im2patch = cpu_im2patch,
    .sync = cpu_sync,
};

bk_backend *bk_cpu_create(int n_threads, char *err, size_t err_size) {
  bk_backend *be = calloc(1, sizeof *be);
  cpu_impl *c = calloc(1, sizeof *c);
  if (!be || !c) {
    free(be);
    free(c);
    if (err) snprintf(err, err_size, "cpu backend: out of memory");
    return NULL;
  }
  c->n_threads = n_threads > 0 ? n_threads : omp_get_max_threads();
  be->vt = &cpu_vtable;
  be->impl = c;
  return be;
}
