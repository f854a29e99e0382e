/* test_backend.c - every op of the CPU backend against a naive double-precision reference written
 * here from the op's contract in backend.h, on random inputs with awkward sizes (tails of the
 * 8-lane kernel, strided rows, left padding, sliding window, shared prefixes). Also checks that a
 * matmul row's value does not depend on the batch it was computed in (batched = one at a time).
 *
 * Tolerance: |got - want| <= 1e-5 + 1e-4·|want|: float32 accumulation over at most a few thousand
 * terms of order one stays well inside 1e-5 relative; 1e-4 leaves margin for expf/tanhf/erff. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "model/model_inputs.h"
#include "test_util.h"

#define ATOL 1e-5
#define RTOL 1e-4

typedef struct {
  bk_backend *be;
  test_ctx *t;
} env;

static bk_buf *upload_buf(env *e, const float *x, size_t n) {
  char err[256];
  bk_buf *b = bk_buf_alloc(e->be, n, err, sizeof err);
  TEST_CHECK(e->t, b != NULL, "alloc: %s", err);
  bk_write(e->be, bk_at(b, 0), x, n);
  return b;
}
static bk_weight *upload_w(env *e, const float *x, int64_t rows, int64_t cols) {
  char err[256];
  bk_weight *w = bk_weight_upload(e->be, x, BK_DTYPE_F32, rows, cols, err, sizeof err);
  TEST_CHECK(e->t, w != NULL, "upload: %s", err);
  return w;
}
static void compare(env *e, const char *what, bk_buf *b, size_t off, const double *want, size_t n) {
  float *got = malloc(n * sizeof *got);
  bk_read(e->be, got, bk_at(b, off), n);
  for (size_t i = 0; i < n; i++) test_near(e->t, got[i], want[i], ATOL, RTOL, "%s[%zu]", what, i);
  free(got);
}

static void test_matmul(env *e, rng *r) {
  const int M = 13, K = 37, N = 19, ldx = 41, ldy = 23;
  float *x = rand_vec(r, (size_t)M * ldx, 1), *w = rand_vec(r, (size_t)(N + 3) * K, 0.3f);
  float *b = rand_vec(r, N + 3, 1), *y0 = rand_vec(r, (size_t)M * ldy, 1);
  bk_buf *xb = upload_buf(e, x, (size_t)M * ldx), *yb = upload_buf(e, y0, (size_t)M * ldy);
  bk_weight *wb = upload_w(e, w, N + 3, K), *bb = upload_w(e, b, 1, N + 3);
  double *want = calloc((size_t)M * ldy, sizeof *want);
  for (int acc = 0; acc < 2; acc++) {
    bk_write(e->be, bk_at(yb, 0), y0, (size_t)M * ldy);
    bk_matmul(e->be, bk_at(yb, 0), ldy, bk_at(xb, 0), ldx, M, wb, N, bb, acc);
    for (int m = 0; m < M; m++)
      for (int c = 0; c < ldy; c++) {
        double v = y0[m * ldy + c];
        if (c < N) {
          double s = b[c];
          for (int k = 0; k < K; k++) s += (double)x[m * ldx + k] * w[c * K + k];
          v = acc ? v + s : s;
        }
        want[m * ldy + c] = v;
      }
    compare(e, acc ? "matmul accumulate" : "matmul", yb, 0, want, (size_t)M * ldy);
  }
  /* Batch invariance: row 5 alone equals row 5 in the batch, bit for bit. */
  float all[64], one[64];
  bk_matmul(e->be, bk_at(yb, 0), ldy, bk_at(xb, 0), ldx, M, wb, N, NULL, 0);
  bk_read(e->be, all, bk_at(yb, 5 * ldy), N);
  bk_matmul(e->be, bk_at(yb, 0), ldy, bk_at(xb, 5 * ldx), ldx, 1, wb, N, NULL, 0);
  bk_read(e->be, one, bk_at(yb, 0), N);
  TEST_CHECK(e->t, memcmp(all, one, N * sizeof(float)) == 0, "matmul: a row alone differs from the same row in a batch");
  bk_buf_free(e->be, xb);
  bk_buf_free(e->be, yb);
  bk_weight_free(e->be, wb);
  bk_weight_free(e->be, bb);
  free(x), free(w), free(b), free(y0), free(want);
}

static void test_norms(env *e, rng *r) {
  const int R = 5, D = 45, ld = 50;
  float *x = rand_vec(r, (size_t)R * ld, 2), *w = rand_vec(r, D, 1), *b = rand_vec(r, D, 1);
  for (int i = 0; i < R * ld; i++) x[i] += 0.5f;
  bk_buf *xb = upload_buf(e, x, (size_t)R * ld), *yb = upload_buf(e, x, (size_t)R * ld);
  bk_weight *wb = upload_w(e, w, 1, D), *bb = upload_w(e, b, 1, D);
  double want[5 * 50];
  bk_layernorm(e->be, bk_at(yb, 0), ld, bk_at(xb, 0), ld, R, D, wb, bb, 1e-6f);
  for (int r0 = 0; r0 < R; r0++) {
    double m = 0, v = 0;
    for (int i = 0; i < D; i++) m += x[r0 * ld + i];
    m /= D;
    for (int i = 0; i < D; i++) v += (x[r0 * ld + i] - m) * (x[r0 * ld + i] - m);
    v /= D;
    for (int i = 0; i < D; i++) want[r0 * D + i] = (x[r0 * ld + i] - m) / sqrt(v + 1e-6) * w[i] + b[i];
  }
  for (int r0 = 0; r0 < R; r0++) compare(e, "layernorm", yb, (size_t)r0 * ld, want + r0 * D, D);
  bk_rmsnorm(e->be, bk_at(yb, 0), ld, bk_at(xb, 0), ld, R, D, wb, 1e-5f);
  for (int r0 = 0; r0 < R; r0++) {
    double s = 0;
    for (int i = 0; i < D; i++) s += (double)x[r0 * ld + i] * x[r0 * ld + i];
    for (int i = 0; i < D; i++) want[r0 * D + i] = w[i] * x[r0 * ld + i] / sqrt(s / D + 1e-5);
  }
  for (int r0 = 0; r0 < R; r0++) compare(e, "rmsnorm", yb, (size_t)r0 * ld, want + r0 * D, D);
  bk_buf_free(e->be, xb);
  bk_buf_free(e->be, yb);
  bk_weight_free(e->be, wb);
  bk_weight_free(e->be, bb);
  free(x), free(w), free(b);
}

static void test_pointwise(env *e, rng *r) {
  const int R = 3, C = 21, ld = 2 * C + 1;
  float *x = rand_vec(r, (size_t)R * ld, 4);
  double want[3 * 43];
  bk_buf *xb = upload_buf(e, x, (size_t)R * ld), *yb = upload_buf(e, x, (size_t)R * ld);
  bk_gelu_tanh(e->be, bk_at(xb, 0), ld, R, C);
  for (int i = 0; i < R * ld; i++) {
    double t = x[i];
    want[i] = (i % ld) < C ? 0.5 * t * (1 + tanh(sqrt(2 / M_PI) * (t + 0.044715 * t * t * t))) : t;
  }
  compare(e, "gelu_tanh", xb, 0, want, (size_t)R * ld);
  bk_write(e->be, bk_at(xb, 0), x, (size_t)R * ld);
  bk_gelu_erf(e->be, bk_at(xb, 0), ld, R, C);
  for (int i = 0; i < R * ld; i++) {
    double t = x[i];
    want[i] = (i % ld) < C ? 0.5 * t * (1 + erf(t / sqrt(2))) : t;
  }
  compare(e, "gelu_erf", xb, 0, want, (size_t)R * ld);
  bk_write(e->be, bk_at(xb, 0), x, (size_t)R * ld);
  bk_silu_mul(e->be, bk_at(yb, 0), C, bk_at(xb, 0), ld, R, C);
  for (int r0 = 0; r0 < R; r0++)
    for (int c = 0; c < C; c++) {
      double g = x[r0 * ld + c], u = x[r0 * ld + C + c];
      want[r0 * C + c] = g / (1 + exp(-g)) * u;
    }
  compare(e, "silu_mul", yb, 0, want, (size_t)R * C);
  bk_buf_free(e->be, xb);
  bk_buf_free(e->be, yb);
  free(x);
}

static void test_rope(env *e, rng *r) {
  const int R = 4, H = 3, D = 10, ld = 35;
  float *x = rand_vec(r, (size_t)R * ld, 1);
  int32_t pos[4] = {0, 1, 17, 2000};
  bk_buf *xb = upload_buf(e, x, (size_t)R * ld);
  bk_rope(e->be, bk_at(xb, 0), ld, R, H, D, pos, 10000.0f);
  double want[4 * 35];
  for (int r0 = 0; r0 < R; r0++)
    for (int c = 0; c < ld; c++) want[r0 * ld + c] = x[r0 * ld + c];
  for (int r0 = 0; r0 < R; r0++)
    for (int h = 0; h < H; h++)
      for (int d = 0; d < D / 2; d++) {
        double a = pos[r0] * pow(10000.0, -2.0 * d / D);
        double u = x[r0 * ld + h * D + d], v = x[r0 * ld + h * D + d + D / 2];
        want[r0 * ld + h * D + d] = u * cos(a) - v * sin(a);
        want[r0 * ld + h * D + d + D / 2] = v * cos(a) + u * sin(a);
      }
  /* angles up to 2000 rad lose ~1e-4 absolute in float32 (as in transformers): looser here */
  float got[4 * 35];
  bk_read(e->be, got, bk_at(xb, 0), (size_t)R * ld);
  for (int i = 0; i < R * ld; i++) test_near(e->t, got[i], want[i], 5e-4, 1e-4, "rope[%d]", i);
  bk_buf_free(e->be, xb);
  free(x);
}

/* Naive attention of one query row over the listed visible keys. */
static void naive_attn(double *out, const float *q, const float *const *k, const float *const *v,
                       int n, int hd, double scale) {
  double s[256], mx = -1e300, sum = 0;
  for (int j = 0; j < n; j++) {
    double d = 0;
    for (int c = 0; c < hd; c++) d += (double)q[c] * k[j][c];
    s[j] = d * scale;
    mx = s[j] > mx ? s[j] : mx;
  }
  for (int j = 0; j < n; j++) sum += (s[j] = exp(s[j] - mx));
  for (int c = 0; c < hd; c++) {
    double o = 0;
    for (int j = 0; j < n; j++) o += s[j] / sum * v[j][c];
    out[c] = n ? o : 0;
  }
}

static void test_attn_full(env *e, rng *r) {
  const int S = 2, H = 3, D = 9, NQ = 37, NK = 41, ldq = H * D, ldkv = 2 * H * D + 1;
  float *q = rand_vec(r, (size_t)S * NQ * ldq, 1), *kv = rand_vec(r, (size_t)S * NK * ldkv, 1);
  bk_buf *qb = upload_buf(e, q, (size_t)S * NQ * ldq), *kvb = upload_buf(e, kv, (size_t)S * NK * ldkv);
  bk_buf *ob = upload_buf(e, q, (size_t)S * NQ * ldq);
  bk_attn_full_args a = {.n_heads = H, .head_dim = D, .scale = 0.3f, .n_seq = S, .n_q = NQ, .n_k = NK,
                         .q = bk_at(qb, 0), .k = bk_at(kvb, 0), .v = bk_at(kvb, H * D), .out = bk_at(ob, 0),
                         .ldq = ldq, .ldkv = ldkv, .ldo = ldq, .q_seq_stride = (size_t)NQ * ldq,
                         .kv_seq_stride = (size_t)NK * ldkv, .out_seq_stride = (size_t)NQ * ldq};
  bk_attn_full(e->be, &a);
  double *want = malloc((size_t)S * NQ * ldq * sizeof *want);
  for (int s = 0; s < S; s++)
    for (int i = 0; i < NQ; i++)
      for (int h = 0; h < H; h++) {
        const float *ks[64], *vs[64];
        for (int j = 0; j < NK; j++) {
          ks[j] = kv + ((size_t)s * NK + j) * ldkv + h * D;
          vs[j] = ks[j] + H * D;
        }
        naive_attn(want + ((size_t)s * NQ + i) * ldq + h * D, q + ((size_t)s * NQ + i) * ldq + h * D, ks, vs,
                   NK, D, 0.3);
      }
  compare(e, "attn_full", ob, 0, want, (size_t)S * NQ * ldq);
  bk_buf_free(e->be, qb);
  bk_buf_free(e->be, kvb);
  bk_buf_free(e->be, ob);
  free(q), free(kv), free(want);
}

/* Two prefixes (pads 3 and 0) of P = 20 rows, each shared by G = 2 query sequences with their own
 * suffixes; queries either the whole prefix (prefill) or 2 rows at P + 4 (decode-like). */
static void test_attn_causal(env *e, rng *r, int window) {
  const int H = 2, D = 12, P = 20, T = 8, G = 2, NP = 2, NS = NP * G, ld = H * D;
  int32_t pads[2] = {3, 0};
  float *kp = rand_vec(r, (size_t)NP * P * ld, 1), *vp = rand_vec(r, (size_t)NP * P * ld, 1);
  float *ks = rand_vec(r, (size_t)NS * T * ld, 1), *vs = rand_vec(r, (size_t)NS * T * ld, 1);
  bk_buf *kpb = upload_buf(e, kp, (size_t)NP * P * ld), *vpb = upload_buf(e, vp, (size_t)NP * P * ld);
  bk_buf *ksb = upload_buf(e, ks, (size_t)NS * T * ld), *vsb = upload_buf(e, vs, (size_t)NS * T * ld);
  for (int mode = 0; mode < 2; mode++) {
    const int nq = mode == 0 ? P : 2, q_start = mode == 0 ? 0 : P + 4, n_seq = mode == 0 ? NP : NS;
    const int group = mode == 0 ? 1 : G;
    float *q = rand_vec(r, (size_t)n_seq * nq * ld, 1);
    bk_buf *qb = upload_buf(e, q, (size_t)n_seq * nq * ld), *ob = upload_buf(e, q, (size_t)n_seq * nq * ld);
    bk_attn_causal_args a = {.n_heads = H, .head_dim = D, .scale = 0.25f, .window = window, .n_seq = n_seq,
                             .n_q = nq, .q_start = q_start, .group = group, .n_prefix = P, .n_pad = pads,
                             .q = bk_at(qb, 0), .out = bk_at(ob, 0), .ldq = ld, .ldo = ld,
                             .k_prefix = bk_at(kpb, 0), .v_prefix = bk_at(vpb, 0),
                             .prefix_stride = (size_t)P * ld, .k_suffix = bk_at(ksb, 0),
                             .v_suffix = bk_at(vsb, 0), .suffix_stride = (size_t)T * ld, .ldkv = ld};
    bk_attn_causal(e->be, &a);
    double *want = malloc((size_t)n_seq * nq * ld * sizeof *want);
    for (int s = 0; s < n_seq; s++)
      for (int t = 0; t < nq; t++)
        for (int h = 0; h < H; h++) {
          const int p = s / group, i = q_start + t;
          const float *kk[64], *vv[64];
          int n = 0;
          for (int j = pads[p]; j <= i; j++) {
            if (window >= 0 && i - j > window) continue;
            const float *kb = j < P ? kp + ((size_t)p * P + j) * ld : ks + ((size_t)s * T + (j - P)) * ld;
            const float *vb = j < P ? vp + ((size_t)p * P + j) * ld : vs + ((size_t)s * T + (j - P)) * ld;
            kk[n] = kb + h * D;
            vv[n] = vb + h * D;
            n++;
          }
          naive_attn(want + ((size_t)s * nq + t) * ld + h * D, q + ((size_t)s * nq + t) * ld + h * D, kk,
                     vv, n, D, 0.25);
        }
    compare(e, mode == 0 ? "attn_causal prefill" : "attn_causal decode", ob, 0, want,
            (size_t)n_seq * nq * ld);
    bk_buf_free(e->be, qb);
    bk_buf_free(e->be, ob);
    free(q), free(want);
  }
  bk_buf_free(e->be, kpb);
  bk_buf_free(e->be, vpb);
  bk_buf_free(e->be, ksb);
  bk_buf_free(e->be, vsb);
  free(kp), free(vp), free(ks), free(vs);
}

static void test_rows(env *e, rng *r) {
  /* embed (decoupled), add_table_rows, gather_rows, copy_rows, im2patch, bf16 upload */
  const int V = 7, X = 3, D = 5;
  float *tab = rand_vec(r, (size_t)V * D, 1), *ext = rand_vec(r, (size_t)X * D, 1);
  bk_weight *tw = upload_w(e, tab, V, D), *xw = upload_w(e, ext, X, D);
  int32_t ids[4] = {6, 7, 0, 9};
  float zero[64] = {0};
  bk_buf *yb = upload_buf(e, zero, 64);
  bk_embed(e->be, bk_at(yb, 0), 6, ids, 4, tw, xw, V);
  double want[64];
  for (int r0 = 0; r0 < 4; r0++)
    for (int c = 0; c < 6; c++)
      want[r0 * 6 + c] = c == 5 ? 0 : ids[r0] < V ? tab[ids[r0] * D + c] : ext[(ids[r0] - V) * D + c];
  compare(e, "embed", yb, 0, want, 24);
  bk_add_table_rows(e->be, bk_at(yb, 0), 6, 4, xw);
  for (int r0 = 0; r0 < 4; r0++)
    for (int c = 0; c < 5; c++) want[r0 * 6 + c] += ext[(r0 % X) * D + c];
  compare(e, "add_table_rows", yb, 0, want, 24);
  int32_t rows[3] = {3, 0, 3};
  bk_buf *gb = upload_buf(e, zero, 64);
  bk_gather_rows(e->be, bk_at(gb, 0), 4, bk_at(yb, 0), 6, rows, 3, 4);
  double gw[12];
  for (int r0 = 0; r0 < 3; r0++)
    for (int c = 0; c < 4; c++) gw[r0 * 4 + c] = want[rows[r0] * 6 + c];
  compare(e, "gather_rows", gb, 0, gw, 12);
  bk_copy_rows(e->be, bk_at(gb, 1), 5, bk_at(yb, 6), 6, 2, 3);
  double cw[10];
  for (int r0 = 0; r0 < 2; r0++)
    for (int c = 0; c < 3; c++) cw[r0 * 5 + c] = want[(1 + r0) * 6 + c];
  compare(e, "copy_rows", gb, 1, cw, 3);
  compare(e, "copy_rows", gb, 6, cw + 5, 3);
  /* im2patch: 2 images, 2 channels, 7x7 pixels, patch 3 -> 2x2 patches (last row/col unseen) */
  float px[2 * 2 * 49];
  for (int i = 0; i < 196; i++) px[i] = (float)i;
  bk_buf *pb = upload_buf(e, px, 196), *qb = upload_buf(e, px, 8 * 18);
  bk_im2patch(e->be, bk_at(qb, 0), bk_at(pb, 0), 2, 2, 7, 3);
  double pw[8 * 18];
  for (int img = 0; img < 2; img++)
    for (int py = 0; py < 2; py++)
      for (int pxx = 0; pxx < 2; pxx++)
        for (int c = 0; c < 2; c++)
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
              pw[((img * 2 + py) * 2 + pxx) * 18 + (c * 3 + ky) * 3 + kx] =
                  px[((img * 2 + c) * 7 + py * 3 + ky) * 7 + pxx * 3 + kx];
  compare(e, "im2patch", qb, 0, pw, 8 * 18);
  /* bf16 weights are widened exactly */
  uint16_t h[3] = {0x3f80, 0xc040, 0x3e20}; /* 1, -3, 0.15625 */
  char err[256];
  bk_weight *hw = bk_weight_upload(e->be, h, BK_DTYPE_BF16, 1, 3, err, sizeof err);
  TEST_CHECK(e->t, hw && ((float *)hw->data)[0] == 1.0f && ((float *)hw->data)[1] == -3.0f &&
                       ((float *)hw->data)[2] == 0.15625f, "bf16 upload");
  bk_weight_free(e->be, hw);
  bk_buf_free(e->be, yb);
  bk_buf_free(e->be, gb);
  bk_buf_free(e->be, pb);
  bk_buf_free(e->be, qb);
  bk_weight_free(e->be, tw);
  bk_weight_free(e->be, xw);
  free(tab), free(ext);
}

int main(void) {
  test_ctx t = test_begin("backend");
  char err[256];
  bk_backend *be = bk_cpu_create(0, err, sizeof err);
  TEST_CHECK(&t, be != NULL, "create: %s", err);
  if (!be) return test_report(&t);
  env e = {be, &t};
  rng r = {12345};
  test_matmul(&e, &r);
  test_norms(&e, &r);
  test_pointwise(&e, &r);
  test_rope(&e, &r);
  test_attn_full(&e, &r);
  test_attn_causal(&e, &r, -1);
  test_attn_causal(&e, &r, 5);
  test_rows(&e, &r);
  TEST_CHECK(&t, bk_check(be, err, sizeof err) == 0, "sticky error: %s", err);
  bk_destroy(be);
  return test_report(&t);
}
