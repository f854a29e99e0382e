/* backend.h - the small set of tensor ops every model part is written over (design.md §4).
 *
 * The forward passes of SigLIP (siglip.c), the resampler (resampler.c) and Phi-3 (phi3.c) are flat
 * sequences of calls to the ops below. A backend implements them over memory it owns:
 *   - the CPU backend (backend_cpu.c): float32 host memory, OpenMP; the reference;
 *   - the CUDA backend (model/cuda/, issue #7): device memory, bf16 weights, float32 accumulation.
 *
 * Memory model
 *   - Weights are immutable `bk_weight` handles made once at load by bk_weight_upload(), which may
 *     convert (bf16 -> f32 on the CPU, f32 -> bf16 on the GPU) or, when the source already has the
 *     backend's layout, borrow the caller's memory (the CPU backend borrows f32 tensors of a
 *     memory-mapped checkpoint: the mapping must then outlive the weight).
 *   - Activations live in `bk_buf` buffers of float elements allocated once from the maxima the
 *     engine declares (engine.h); ops address them through `bk_ptr` (buffer + element offset), so a
 *     backend may keep them anywhere (host or device) and in any element type it documents.
 *   - Matrices are row-major: n_rows rows of n_cols elements, `ld` elements between row starts.
 *   - Small integer metadata (token ids, positions, pad counts, row indices) is passed as host
 *     arrays; a device backend copies it as it needs.
 *
 * Errors
 *   Ops return nothing. Shapes are the caller's contract (violations are programmer errors and
 *   assert); runtime failures (a device error) are recorded in the backend's sticky error, which
 *   the caller reads with bk_check() after a forward pass. Allocation and upload report at once.
 *
 * Weights are linear layers stored PyTorch-style [out, in]: y = x·Wᵀ + b (model.md §3.3). */
#ifndef FEWSHOT_BACKEND_H
#define FEWSHOT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

typedef struct bk_backend bk_backend;

/* Source element types of weights handed to bk_weight_upload(). */
typedef enum { BK_DTYPE_F32 = 0, BK_DTYPE_BF16 = 1, BK_DTYPE_F16 = 2 } bk_dtype;

/* An activation buffer: n elements at `data` in the backend's memory (host or device). */
typedef struct bk_buf {
  size_t n;
  void *data;
} bk_buf;

/* An immutable weight [rows, cols] in the backend's memory and element type (`dtype`); `owned` is 0
 * when the backend borrowed the caller's memory. A vector is rows = 1. */
typedef struct bk_weight {
  int64_t rows, cols;
  bk_dtype dtype;
  void *data;
  int owned;
} bk_weight;

/* A position inside an activation buffer: `off` elements from its start. */
typedef struct {
  bk_buf *buf;
  size_t off;
} bk_ptr;

static inline bk_ptr bk_at(bk_buf *buf, size_t off) {
  bk_ptr p = {buf, off};
  return p;
}
static inline bk_ptr bk_offset(bk_ptr p, size_t off) {
  p.off += off;
  return p;
}

/* Full (non-causal) attention of n_seq independent sequences: sequence s has n_q query rows at
 * q + s*q_seq_stride (row stride ldq) and n_k key/value rows at k/v + s*kv_seq_stride (row stride
 * ldkv); its output rows go to out + s*out_seq_stride (row stride ldo). Heads are head-major column
 * blocks: head h uses columns [h*head_dim, (h+1)*head_dim) of q, k, v and out.
 * out = softmax((q·kᵀ)·scale)·v per head. Used by SigLIP (729 over 729) and the resampler (128
 * latents over 729 media + 128 latents). */
typedef struct {
  int n_heads, head_dim;
  float scale;
  int n_seq, n_q, n_k;
  bk_ptr q, k, v, out;
  int ldq, ldkv, ldo;
  size_t q_seq_stride, kv_seq_stride, out_seq_stride;
} bk_attn_full_args;

/* Causal attention over a two-part KV cache (Phi-3):
 *   - a prefix (the prompt, left-padded to n_prefix rows) per sample, shared by `group` consecutive
 *     query sequences (the beams of that sample): prefix p at k_prefix/v_prefix + p*prefix_stride;
 *   - a suffix (generated tokens) per query sequence s at k_suffix/v_suffix + s*suffix_stride.
 * Key/value rows have row stride ldkv. Absolute index: prefix row j is j, suffix row u is
 * n_prefix + u. Query row r = s*n_q + t of sequence s has absolute index i = q_start + t and sees
 * key j iff n_pad[s/group] <= j <= i and i - j <= window (window < 0: unlimited). A query with
 * i < n_pad (a pad row) gets zeros. Heads as in bk_attn_full_args; with n_kv_heads < n_heads
 * (grouped-query attention) query head h reads key/value head h / (n_heads / n_kv_heads); scale
 * multiplies q·k.
 * The caller writes the keys/values of the queries' own tokens into the cache before the call. */
typedef struct {
  int n_heads, n_kv_heads, head_dim;
  float scale;
  int window;
  int n_seq, n_q, q_start;
  int group;
  int n_prefix;
  const int32_t *n_pad; /* host array, one per prefix (n_seq / group entries) */
  bk_ptr q, out;
  int ldq, ldo;
  bk_ptr k_prefix, v_prefix;
  size_t prefix_stride;
  bk_ptr k_suffix, v_suffix; /* ignored when q_start + n_q <= n_prefix */
  size_t suffix_stride;
  int ldkv;
} bk_attn_causal_args;

/* The operations a backend provides. Every implementation fills all of them. */
typedef struct {
  const char *name; /* "cpu", "cuda" */
  void (*destroy)(bk_backend *be);
  bk_buf *(*buf_alloc)(bk_backend *be, size_t n, char *err, size_t err_size);
  void (*buf_free)(bk_backend *be, bk_buf *buf);
  bk_weight *(*weight_upload)(bk_backend *be, const void *data, bk_dtype dtype, int64_t rows,
                              int64_t cols, char *err, size_t err_size);
  void (*weight_free)(bk_backend *be, bk_weight *w);
  void (*write)(bk_backend *be, bk_ptr dst, const float *src, size_t n);
  void (*read)(bk_backend *be, float *dst, bk_ptr src, size_t n);
  void (*fill)(bk_backend *be, bk_ptr y, size_t n, float value);
  void (*copy_rows)(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols);
  void (*gather_rows)(bk_backend *be, bk_ptr y, size_t ldy, bk_ptr x, size_t ldx,
                      const int32_t *rows, int n_rows, size_t n_cols);
  void (*matmul)(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                 const bk_weight *w, int n_out, const bk_weight *bias, int accumulate);
  void (*layernorm)(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim,
                    const bk_weight *w, const bk_weight *b, float eps);
  void (*rmsnorm)(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int dim,
                  const bk_weight *w, float eps);
  void (*rope)(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_heads, int head_dim,
               const int32_t *pos, float theta);
  void (*attn_full)(bk_backend *be, const bk_attn_full_args *a);
  void (*attn_causal)(bk_backend *be, const bk_attn_causal_args *a);
  void (*gelu_tanh)(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols);
  void (*gelu_erf)(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols);
  void (*silu_mul)(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols);
  void (*add_table_rows)(bk_backend *be, bk_ptr y, int ldy, int n_rows, const bk_weight *table);
  void (*embed)(bk_backend *be, bk_ptr y, int ldy, const int32_t *ids, int n,
                const bk_weight *table, const bk_weight *extra, int n_base);
  void (*im2patch)(bk_backend *be, bk_ptr y, bk_ptr pixels, int n_img, int channels, int size,
                   int patch);
  void (*sync)(bk_backend *be);
} bk_vtable;

/* A backend instance: its operations, its private state, and its sticky error. */
struct bk_backend {
  const bk_vtable *vt;
  void *impl;
  int failed;      /* set by the first failing op; cleared by bk_check */
  char error[256]; /* one line naming the op and what failed */
};

/* ---- creation ---- */

/* Creates the CPU backend (float32, OpenMP). n_threads <= 0 uses OpenMP's default.
 * Returns NULL (with a reason in err) when out of memory. Free with bk_destroy(). */
bk_backend *bk_cpu_create(int n_threads, char *err, size_t err_size);

/* Destroys a backend. Every buffer and weight it made must have been freed first. NULL is a no-op. */
void bk_destroy(bk_backend *be);

/* Returns 0 when no op has failed since the last call, else 1 with the first failure in err
 * (then clears it). */
int bk_check(bk_backend *be, char *err, size_t err_size);

/* Records a failure (first one wins); for backend implementations. */
void bk_fail(bk_backend *be, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- memory ---- */

/* Allocates an activation buffer of n float elements (contents undefined).
 * Returns NULL with a reason naming the size when it does not fit. Free with bk_buf_free(). */
static inline bk_buf *bk_buf_alloc(bk_backend *be, size_t n, char *err, size_t err_size) {
  return be->vt->buf_alloc(be, n, err, err_size);
}
static inline void bk_buf_free(bk_backend *be, bk_buf *buf) {
  if (buf) be->vt->buf_free(be, buf);
}

/* Makes a weight [rows, cols] (a vector is rows = 1) from host data of the given dtype. The backend
 * may borrow `data` (CPU: an f32 source, 4-byte aligned): it must then stay valid until
 * bk_weight_free. Returns NULL with a reason on failure. */
static inline bk_weight *bk_weight_upload(bk_backend *be, const void *data, bk_dtype dtype,
                                          int64_t rows, int64_t cols, char *err, size_t err_size) {
  return be->vt->weight_upload(be, data, dtype, rows, cols, err, err_size);
}
static inline void bk_weight_free(bk_backend *be, bk_weight *w) {
  if (w) be->vt->weight_free(be, w);
}

/* Copies n floats from host memory into a buffer / from a buffer to host memory (synchronous). */
static inline void bk_write(bk_backend *be, bk_ptr dst, const float *src, size_t n) {
  be->vt->write(be, dst, src, n);
}
static inline void bk_read(bk_backend *be, float *dst, bk_ptr src, size_t n) {
  be->vt->read(be, dst, src, n);
}

/* ---- ops (shapes in elements; y may not alias x unless stated) ---- */

/* y[i] = value for i < n. */
static inline void bk_fill(bk_backend *be, bk_ptr y, size_t n, float value) {
  be->vt->fill(be, y, n, value);
}
/* y[r, 0:n_cols] = x[r, 0:n_cols] for r < n_rows (the image-row scatter and the KV-cache writes). */
static inline void bk_copy_rows(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                                int n_cols) {
  be->vt->copy_rows(be, y, ldy, x, ldx, n_rows, n_cols);
}
/* y[r, 0:n_cols] = x[rows[r], 0:n_cols] for r < n_rows (last-position pick, beam reordering). */
static inline void bk_gather_rows(bk_backend *be, bk_ptr y, size_t ldy, bk_ptr x, size_t ldx,
                                  const int32_t *rows, int n_rows, size_t n_cols) {
  be->vt->gather_rows(be, y, ldy, x, ldx, rows, n_rows, n_cols);
}
/* y[r, o] (+)= Σ_i x[r, i]·W[o, i] + b[o] for r < n_rows, o < n_out, i < W's cols; W may have more
 * than n_out rows (only the first n_out are used); bias may be NULL (else it has >= n_out entries);
 * accumulate = 1 adds the result to y (a residual connection), 0 overwrites y. */
static inline void bk_matmul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                             const bk_weight *w, int n_out, const bk_weight *bias, int accumulate) {
  be->vt->matmul(be, y, ldy, x, ldx, n_rows, w, n_out, bias, accumulate);
}
/* LayerNorm over each row of dim elements: (x - mean)/sqrt(var + eps)·w + b (biased variance). */
static inline void bk_layernorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                                int dim, const bk_weight *w, const bk_weight *b, float eps) {
  be->vt->layernorm(be, y, ldy, x, ldx, n_rows, dim, w, b, eps);
}
/* RMSNorm over each row: w·x/sqrt(mean(x²) + eps). */
static inline void bk_rmsnorm(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                              int dim, const bk_weight *w, float eps) {
  be->vt->rmsnorm(be, y, ldy, x, ldx, n_rows, dim, w, eps);
}
/* Rotary embedding in place on the first n_heads·head_dim columns of each row, non-interleaved
 * halves (dims d and d + head_dim/2 form a pair), angle pos[r]·theta^(-2d/head_dim), computed in
 * float32 as transformers' Phi3RotaryEmbedding does. */
static inline void bk_rope(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_heads, int head_dim,
                           const int32_t *pos, float theta) {
  be->vt->rope(be, x, ldx, n_rows, n_heads, head_dim, pos, theta);
}
static inline void bk_attn_full(bk_backend *be, const bk_attn_full_args *a) {
  be->vt->attn_full(be, a);
}
static inline void bk_attn_causal(bk_backend *be, const bk_attn_causal_args *a) {
  be->vt->attn_causal(be, a);
}
/* In place: x = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (gelu_pytorch_tanh). */
static inline void bk_gelu_tanh(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  be->vt->gelu_tanh(be, x, ldx, n_rows, n_cols);
}
/* In place: x = 0.5·x·(1 + erf(x/√2)) (nn.GELU()). */
static inline void bk_gelu_erf(bk_backend *be, bk_ptr x, int ldx, int n_rows, int n_cols) {
  be->vt->gelu_erf(be, x, ldx, n_rows, n_cols);
}
/* y[r, c] = silu(x[r, c])·x[r, n_cols + c] for c < n_cols (Phi-3's fused gate|up rows). */
static inline void bk_silu_mul(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows,
                               int n_cols) {
  be->vt->silu_mul(be, y, ldy, x, ldx, n_rows, n_cols);
}
/* y[r, :] += table[r mod table_rows, :] (learned positions; with y zeroed, a broadcast copy). */
static inline void bk_add_table_rows(bk_backend *be, bk_ptr y, int ldy, int n_rows,
                                     const bk_weight *table) {
  be->vt->add_table_rows(be, y, ldy, n_rows, table);
}
/* Decoupled embedding gather: y[r, :] = table[ids[r]] when ids[r] < n_base, else
 * extra[ids[r] - n_base] (model.md §2.5). ids are checked by the caller. */
static inline void bk_embed(bk_backend *be, bk_ptr y, int ldy, const int32_t *ids, int n,
                            const bk_weight *table, const bk_weight *extra, int n_base) {
  be->vt->embed(be, y, ldy, ids, n, table, extra, n_base);
}
/* Unfolds n_img images [channels, size, size] (contiguous, CHW) into rows of patches for the
 * patch-embedding matmul: g = size/patch patches per side (a remainder is never seen, like the
 * "valid" conv); row (img·g + py)·g + px holds channel-major, then ky, then kx values. */
static inline void bk_im2patch(bk_backend *be, bk_ptr y, bk_ptr pixels, int n_img, int channels,
                               int size, int patch) {
  be->vt->im2patch(be, y, pixels, n_img, channels, size, patch);
}
/* Waits until every op issued so far has finished (a no-op on the CPU). */
static inline void bk_sync(bk_backend *be) { be->vt->sync(be); }

#endif
