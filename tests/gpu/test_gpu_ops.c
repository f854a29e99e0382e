/* test_gpu_ops.c - every op of the CUDA backend against the CPU backend (the reference), on the
 * same random inputs, in both precisions (float32 and bf16), with shapes of the real model (head
 * dims 72 and 96, 729 and 857 keys, K = 1152 and 3072, windows, left padding, shared prefixes,
 * grouped KV heads) and awkward ones (row strides, tails, offsets). Exits 77 (ctest: skipped) when
 * no CUDA device is present. Prints one line per op and precision with the largest error and its
 * ratio to the tolerance ("worst err/tol"), which tests/gpu/run.sh collects.
 *
 * Tolerances (docs/cuda.md §Tolerances; u = 2^-8, the unit roundoff of bf16's 8 significant bits;
 * ε = 2^-24, float32's):
 *   - moves (fill, copy/gather rows, im2patch, embed, add_table_rows, weight conversion): exact;
 *     in bf16 mode tables are stored rounded to nearest even, and the expected value is that
 *     rounding done here on the host, so these stay exact.
 *   - matmul: |gpu - cpu| <= c·S per element, S = Σ_k |x_k·w_k| + |b| + |y_old|, with
 *     c = 2(K + 2)ε in float32 (each side's float32 sum is within (K + 2)ε·S of the exact value,
 *     whatever the summation order); in bf16 c = 2u + u² + 3(K + 2)ε (x and W each rounded once:
 *     a product is off by at most (1 + u)² - 1; tensor-core accumulation may truncate, 2ε per
 *     addition). A rigorous bound: it cannot fail from rounding alone, while a wrong index or a
 *     TF32 path in float32 mode (10-bit mantissa, c ≈ 2^-10) fails it.
 *   - norms: statistics in double on both sides and the same float32 epilogue: 1e-6 relative plus
 *     1e-6 of the row's largest output (a one-ulp difference of the float rstd).
 *   - RoPE: CUDA's cosf/sinf are within 2 ulp, glibc's within 1: 1e-6·(|a| + |b|) + 1e-6·|y|.
 *   - GELU / SiLU: tanhf/erff/expf within 2 ulp on both sides: 1e-6·(|x| + 1) + 1e-5·|y| (the
 *     absolute term covers 1 + tanh(z) cancelling for negative x).
 *   - attention (float32 in both precisions): the output is a convex combination of value rows, so
 *     its error is at most the softmax weights' error times max|v|; float32 scores over head_dim
 *     terms and sums over n_k weights stay below 1e-5 relative at these sizes:
 *     1e-5·max|v| + 1e-4·|y|. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cuda/backend_cuda.h"
#include "model/model_inputs.h"
#include "test_util.h"

#define SKIP 77
#define EPS32 (1.0 / 16777216.0)
#define U_BF16 (1.0 / 256.0)

/* ---------------------------------------------------------------- random inputs */

/* float32 -> bf16 bits, round to nearest even (finite inputs), and back */
static uint16_t f32_to_bf16(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  b += 0x7fffu + ((b >> 16) & 1u);
  return (uint16_t)(b >> 16);
}
static float bf16_to_f32(uint16_t h) {
  uint32_t b = (uint32_t)h << 16;
  float f;
  memcpy(&f, &b, 4);
  return f;
}
static float round_bf16(float f) { return bf16_to_f32(f32_to_bf16(f)); }
/* float32 -> f16 bits for values that are exactly representable (the test makes them so) */
static uint16_t f32_to_f16_exact(float f) {
  if (f == 0.0f) return 0;
  uint16_t sign = f < 0 ? 0x8000 : 0;
  float a = fabsf(f);
  int e;
  float m = frexpf(a, &e); /* a = m·2^e, m in [0.5, 1) */
  int exp16 = e - 1 + 15;  /* normal numbers only */
  uint16_t man = (uint16_t)((m * 2.0f - 1.0f) * 1024.0f);
  return sign | (uint16_t)(exp16 << 10) | man;
}

/* ---------------------------------------------------------------- a pair of backends */

typedef struct {
  bk_backend *cpu, *gpu;
  const char *mode; /* "f32" or "bf16" */
  int bf16;
  test_ctx *t;
  rng r;
} env;

typedef struct {
  bk_buf *c, *g;
  size_t n;
} pbuf;
typedef struct {
  bk_weight *c, *g;
} pweight;

static pbuf pb_new(env *e, const float *x, size_t n) {
  char err[300];
  pbuf b = {bk_buf_alloc(e->cpu, n, err, sizeof err), NULL, n};
  TEST_CHECK(e->t, b.c != NULL, "cpu alloc: %s", err);
  b.g = bk_buf_alloc(e->gpu, n, err, sizeof err);
  TEST_CHECK(e->t, b.g != NULL, "gpu alloc: %s", err);
  if (b.c && b.g && x) {
    bk_write(e->cpu, bk_at(b.c, 0), x, n);
    bk_write(e->gpu, bk_at(b.g, 0), x, n);
  }
  return b;
}
static void pb_write(env *e, pbuf *b, const float *x, size_t n) {
  bk_write(e->cpu, bk_at(b->c, 0), x, n);
  bk_write(e->gpu, bk_at(b->g, 0), x, n);
}
static void pb_free(env *e, pbuf *b) {
  bk_buf_free(e->cpu, b->c);
  bk_buf_free(e->gpu, b->g);
}
static pweight pw_new(env *e, const void *data, bk_dtype dt, int64_t rows, int64_t cols) {
  char err[300];
  pweight w = {bk_weight_upload(e->cpu, data, dt, rows, cols, err, sizeof err), NULL};
  TEST_CHECK(e->t, w.c != NULL, "cpu upload: %s", err);
  w.g = bk_weight_upload(e->gpu, data, dt, rows, cols, err, sizeof err);
  TEST_CHECK(e->t, w.g != NULL, "gpu upload: %s", err);
  return w;
}
static void pw_free(env *e, pweight *w) {
  bk_weight_free(e->cpu, w->c);
  bk_weight_free(e->gpu, w->g);
}

/* Reads n floats at off from both sides (malloc'd; caller frees). */
static void pb_read(env *e, pbuf *b, size_t off, size_t n, float **cpu, float **gpu) {
  *cpu = malloc((n ? n : 1) * sizeof(float));
  *gpu = malloc((n ? n : 1) * sizeof(float));
  bk_read(e->cpu, *cpu, bk_at(b->c, off), n);
  bk_read(e->gpu, *gpu, bk_at(b->g, off), n);
}

static void check_backends(env *e, const char *what) {
  char err[300];
  TEST_CHECK(e->t, bk_check(e->cpu, err, sizeof err) == 0, "%s: cpu: %s", what, err);
  TEST_CHECK(e->t, bk_check(e->gpu, err, sizeof err) == 0, "%s [%s]: gpu: %s", what, e->mode, err);
}

/* Compares gpu with want (the CPU's output or an exact expectation): element i passes when
 * |gpu - want| <= tol[i] (tol NULL: exact). Prints the worst error and its ratio to the tolerance. */
static void compare(env *e, const char *what, const float *gpu, const float *want, const double *tol, size_t n) {
  double worst = 0, worst_ratio = 0;
  long bad = 0;
  for (size_t i = 0; i < n; i++) {
    double err = fabs((double)gpu[i] - want[i]);
    int ok = tol ? err <= tol[i] : memcmp(&gpu[i], &want[i], sizeof(float)) == 0;
    if (isnan(gpu[i]) || isnan(want[i])) ok = 0;
    if (err > worst) worst = err;
    if (tol && tol[i] > 0 && err / tol[i] > worst_ratio) worst_ratio = err / tol[i];
    if (!ok) {
      bad++;
      TEST_CHECK(e->t, 0, "%s [%s][%zu]: gpu %.9g, want %.9g (err %.3g, tol %.3g)", what, e->mode, i, gpu[i],
                 want[i], err, tol ? tol[i] : 0.0);
    }
  }
  if (!bad) TEST_CHECK(e->t, 1, "%s", what);
  if (tol)
    fprintf(stderr, "  %-26s [%-4s] %8zu values, worst err %.3g, worst err/tol %.3g%s\n", what, e->mode, n, worst,
            worst_ratio, bad ? "  FAILED" : "");
  else
    fprintf(stderr, "  %-26s [%-4s] %8zu values, exact%s\n", what, e->mode, n, bad ? "  FAILED" : "");
}

/* Runs `what` on both sides over buffer b and compares the n floats at off with a tolerance
 * atol + rtol·|want| (both zero: exact). */
static void compare_buf(env *e, const char *what, pbuf *b, size_t off, size_t n, double atol, double rtol) {
  float *c, *g;
  pb_read(e, b, off, n, &c, &g);
  double *tol = NULL;
  if (atol > 0 || rtol > 0) {
    tol = malloc(n * sizeof *tol);
    for (size_t i = 0; i < n; i++) tol[i] = atol + rtol * fabs(c[i]);
  }
  compare(e, what, g, c, tol, n);
  free(c), free(g), free(tol);
}

static double max_abs(const float *x, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
}

/* ---------------------------------------------------------------- weights and moves */

/* Weight upload in every source dtype, read back through embed (a row copy): float32 mode keeps
 * values exactly; bf16 mode rounds matrices to nearest even and keeps vectors float32. */
static void test_weights(env *e) {
  const int V = 50, X = 3, D = 40, n = 12;
  float *tf = rand_vec(&e->r, (size_t)V * D, 3), *xf = rand_vec(&e->r, (size_t)X * D, 3);
  /* f16-exact values: multiples of 2^-8 below 4 */
  float *hf = malloc((size_t)V * D * sizeof *hf);
  uint16_t *h16 = malloc((size_t)V * D * 2), *b16 = malloc((size_t)V * D * 2);
  for (int i = 0; i < V * D; i++) {
    hf[i] = roundf(tf[i] * 256.0f) / 256.0f;
    h16[i] = f32_to_f16_exact(hf[i]);
    b16[i] = f32_to_bf16(tf[i]);
  }
  int32_t ids[12] = {0, 49, 7, 50, 52, 3, 51, 49, 0, 25, 13, 50};
  const int ld = D + 5;
  pbuf y = pb_new(e, NULL, (size_t)n * ld);
  struct {
    const char *name;
    const void *data;
    bk_dtype dt;
  } src[] = {{"upload f32 + embed", tf, BK_DTYPE_F32}, {"upload bf16 + embed", b16, BK_DTYPE_BF16},
             {"upload f16 + embed", h16, BK_DTYPE_F16}};
  for (int s = 0; s < 3; s++) {
    pweight t = pw_new(e, src[s].data, src[s].dt, V, D), x = pw_new(e, xf, BK_DTYPE_F32, X, D);
    bk_embed(e->cpu, bk_at(y.c, 0), ld, ids, n, t.c, x.c, V);
    bk_embed(e->gpu, bk_at(y.g, 0), ld, ids, n, t.g, x.g, V);
    float *c, *g;
    pb_read(e, &y, 0, (size_t)n * ld, &c, &g);
    float *want = malloc((size_t)n * D * sizeof *want), *got = malloc((size_t)n * D * sizeof *got);
    for (int r = 0; r < n; r++)
      for (int k = 0; k < D; k++) {
        float v = c[r * ld + k];
        want[r * D + k] = e->bf16 ? round_bf16(v) : v; /* bf16 storage of the matrix, as the host rounds */
        got[r * D + k] = g[r * ld + k];
      }
    compare(e, src[s].name, got, want, NULL, (size_t)n * D);
    free(c), free(g), free(want), free(got);
    pw_free(e, &t);
    pw_free(e, &x);
  }
  /* a vector (one row) stays float32 in both modes: add_table_rows of a 1-row table onto zeros */
  {
    pweight v = pw_new(e, tf, BK_DTYPE_F32, 1, D);
    float *zero = calloc((size_t)n * ld, sizeof *zero);
    pb_write(e, &y, zero, (size_t)n * ld);
    bk_add_table_rows(e->cpu, bk_at(y.c, 0), ld, n, v.c);
    bk_add_table_rows(e->gpu, bk_at(y.g, 0), ld, n, v.g);
    compare_buf(e, "vector stays f32", &y, 0, (size_t)n * ld, 0, 0);
    free(zero);
    pw_free(e, &v);
  }
  pb_free(e, &y);
  check_backends(e, "weights");
  free(tf), free(xf), free(hf), free(h16), free(b16);
}

static void test_moves(env *e) {
  /* fill */
  {
    pbuf b = pb_new(e, NULL, 1000);
    bk_fill(e->cpu, bk_at(b.c, 0), 1000, 0.0f);
    bk_fill(e->gpu, bk_at(b.g, 0), 1000, 0.0f);
    bk_fill(e->cpu, bk_at(b.c, 17), 900, -2.5f);
    bk_fill(e->gpu, bk_at(b.g, 17), 900, -2.5f);
    compare_buf(e, "fill", &b, 0, 1000, 0, 0);
    pb_free(e, &b);
  }
  /* copy_rows: strided source and destination, offsets */
  {
    const int R = 37, C = 300, ldx = 311, ldy = 1000;
    float *x = rand_vec(&e->r, (size_t)R * ldx, 1), *y0 = rand_vec(&e->r, (size_t)R * ldy, 1);
    pbuf xb = pb_new(e, x, (size_t)R * ldx), yb = pb_new(e, y0, (size_t)R * ldy);
    bk_copy_rows(e->cpu, bk_at(yb.c, 5), ldy, bk_at(xb.c, 3), ldx, R - 1, C);
    bk_copy_rows(e->gpu, bk_at(yb.g, 5), ldy, bk_at(xb.g, 3), ldx, R - 1, C);
    compare_buf(e, "copy_rows", &yb, 0, (size_t)R * ldy, 0, 0);
    pb_free(e, &xb);
    pb_free(e, &yb);
    free(x), free(y0);
  }
  /* gather_rows: size_t strides and long rows (beam reordering of suffix caches) */
  {
    const int R = 9;
    const size_t ld = 5000, C = 4321;
    int32_t rows[9] = {8, 0, 0, 3, 7, 7, 1, 2, 5};
    float *x = rand_vec(&e->r, R * ld, 1), *y0 = rand_vec(&e->r, R * ld, 1);
    pbuf xb = pb_new(e, x, R * ld), yb = pb_new(e, y0, R * ld);
    bk_gather_rows(e->cpu, bk_at(yb.c, 0), ld, bk_at(xb.c, 0), ld, rows, R, C);
    bk_gather_rows(e->gpu, bk_at(yb.g, 0), ld, bk_at(xb.g, 0), ld, rows, R, C);
    compare_buf(e, "gather_rows", &yb, 0, R * ld, 0, 0);
    pb_free(e, &xb);
    pb_free(e, &yb);
    free(x), free(y0);
  }
  /* im2patch: a remainder that the "valid" conv never sees, and the real 384/14 geometry */
  {
    const int shapes[2][4] = {{2, 3, 30, 7}, {1, 3, 384, 14}};
    for (int s = 0; s < 2; s++) {
      const int ni = shapes[s][0], ch = shapes[s][1], sz = shapes[s][2], p = shapes[s][3], g = sz / p;
      const size_t npx = (size_t)ni * ch * sz * sz, nout = (size_t)ni * g * g * ch * p * p;
      float *px = rand_vec(&e->r, npx, 1);
      pbuf pb = pb_new(e, px, npx), yb = pb_new(e, NULL, nout);
      bk_im2patch(e->cpu, bk_at(yb.c, 0), bk_at(pb.c, 0), ni, ch, sz, p);
      bk_im2patch(e->gpu, bk_at(yb.g, 0), bk_at(pb.g, 0), ni, ch, sz, p);
      compare_buf(e, s ? "im2patch 384/14" : "im2patch 30/7", &yb, 0, nout, 0, 0);
      pb_free(e, &pb);
      pb_free(e, &yb);
      free(px);
    }
  }
  /* add_table_rows: a table of 5 rows repeated over 12 (exact: the same float additions; in bf16
   * mode with the table as stored, rounded on the host) */
  {
    const int R = 12, T = 5, D = 70, ld = 80;
    float *y0 = rand_vec(&e->r, (size_t)R * ld, 1), *tab = rand_vec(&e->r, (size_t)T * D, 1);
    pbuf yb = pb_new(e, y0, (size_t)R * ld);
    pweight tw = pw_new(e, tab, BK_DTYPE_F32, T, D);
    bk_add_table_rows(e->gpu, bk_at(yb.g, 0), ld, R, tw.g);
    float *want = malloc((size_t)R * ld * sizeof *want), *got = malloc((size_t)R * ld * sizeof *got);
    for (int r = 0; r < R; r++)
      for (int c = 0; c < ld; c++) {
        float t = c < D ? tab[(r % T) * D + c] : 0.0f;
        if (e->bf16) t = round_bf16(t);
        want[r * ld + c] = c < D ? y0[r * ld + c] + t : y0[r * ld + c];
      }
    bk_read(e->gpu, got, bk_at(yb.g, 0), (size_t)R * ld);
    compare(e, "add_table_rows", got, want, NULL, (size_t)R * ld);
    pb_free(e, &yb);
    pw_free(e, &tw);
    free(y0), free(tab), free(want), free(got);
  }
  check_backends(e, "moves");
}

/* ---------------------------------------------------------------- matmul */

static void matmul_case(env *e, const char *what, int M, int K, int N, int w_rows, int ldx, int ldy, size_t y_off,
                        int with_bias, int acc) {
  float *x = rand_vec(&e->r, (size_t)M * ldx, 1), *w = rand_vec(&e->r, (size_t)w_rows * K, 0.5f);
  float *b = rand_vec(&e->r, (size_t)w_rows, 1);
  const size_t ny = y_off + (size_t)M * ldy;
  float *y0 = rand_vec(&e->r, ny, 1);
  pbuf xb = pb_new(e, x, (size_t)M * ldx), yb = pb_new(e, y0, ny);
  pweight wb = pw_new(e, w, BK_DTYPE_F32, w_rows, K), bb = pw_new(e, b, BK_DTYPE_F32, 1, w_rows);
  bk_matmul(e->cpu, bk_at(yb.c, y_off), ldy, bk_at(xb.c, 0), ldx, M, wb.c, N, with_bias ? bb.c : NULL, acc);
  bk_matmul(e->gpu, bk_at(yb.g, y_off), ldy, bk_at(xb.g, 0), ldx, M, wb.g, N, with_bias ? bb.g : NULL, acc);
  float *c, *g;
  pb_read(e, &yb, 0, ny, &c, &g);
  double *tol = calloc(ny, sizeof *tol);
  /* bf16: tensor-core float32 accumulation may truncate (2ε per addition) rather than round */
  const double coef = e->bf16 ? 2 * U_BF16 + U_BF16 * U_BF16 + 3.0 * (K + 2) * EPS32 : 2.0 * (K + 2) * EPS32;
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      double s = with_bias ? fabs(b[n]) : 0.0;
      for (int k = 0; k < K; k++) s += fabs((double)x[(size_t)m * ldx + k] * w[(size_t)n * K + k]);
      const size_t i = y_off + (size_t)m * ldy + n;
      if (acc) s += fabs(y0[i]);
      tol[i] = coef * s;
    }
  compare(e, what, g, c, tol, ny); /* outside the written block: exact (untouched) */
  free(c), free(g), free(tol);
  pb_free(e, &xb);
  pb_free(e, &yb);
  pw_free(e, &wb);
  pw_free(e, &bb);
  free(x), free(w), free(b), free(y0);
}

static void test_matmul(env *e) {
  matmul_case(e, "matmul 13x37->19 bias", 13, 37, 19, 22, 41, 23, 0, 1, 0);
  matmul_case(e, "matmul 13x37->19 accum", 13, 37, 19, 22, 41, 23, 0, 1, 1);
  matmul_case(e, "matmul 300x1152->576", 300, 1152, 576, 576, 1152, 576, 0, 0, 0);
  matmul_case(e, "matmul 64x4304->1152 acc", 64, 4304, 1152, 1152, 4304, 1152, 0, 1, 1);
  matmul_case(e, "matmul 1x3072->1000", 1, 3072, 1000, 1000, 3072, 1000, 0, 1, 0);
  matmul_case(e, "matmul 7x3072->3 offset", 7, 3072, 3, 3, 3072, 1015, 1012, 1, 0); /* the extra head */
  check_backends(e, "matmul");
}

/* ---------------------------------------------------------------- norms, RoPE, activations */

static void test_norms(env *e) {
  const int dims[3] = {45, 1152, 3072};
  for (int di = 0; di < 3; di++) {
    const int R = 9, D = dims[di], ld = D + 3;
    float *x = rand_vec(&e->r, (size_t)R * ld, 2), *w = rand_vec(&e->r, D, 1), *b = rand_vec(&e->r, D, 1);
    for (int i = 0; i < R * ld; i++) x[i] += 0.75f; /* a mean away from zero */
    pbuf xb = pb_new(e, x, (size_t)R * ld), yb = pb_new(e, x, (size_t)R * ld);
    pweight wb = pw_new(e, w, BK_DTYPE_F32, 1, D), bb = pw_new(e, b, BK_DTYPE_F32, 1, D);
    char name[64];
    for (int kind = 0; kind < 2; kind++) {
      if (kind == 0) {
        bk_layernorm(e->cpu, bk_at(yb.c, 0), ld, bk_at(xb.c, 0), ld, R, D, wb.c, bb.c, 1e-6f);
        bk_layernorm(e->gpu, bk_at(yb.g, 0), ld, bk_at(xb.g, 0), ld, R, D, wb.g, bb.g, 1e-6f);
      } else {
        bk_rmsnorm(e->cpu, bk_at(yb.c, 0), ld, bk_at(xb.c, 0), ld, R, D, wb.c, 1e-5f);
        bk_rmsnorm(e->gpu, bk_at(yb.g, 0), ld, bk_at(xb.g, 0), ld, R, D, wb.g, 1e-5f);
      }
      float *c, *g;
      pb_read(e, &yb, 0, (size_t)R * ld, &c, &g);
      double *tol = malloc((size_t)R * ld * sizeof *tol);
      for (int r = 0; r < R; r++) {
        double row_max = max_abs(c + (size_t)r * ld, D);
        for (int i = 0; i < ld; i++) tol[r * ld + i] = 1e-6 * row_max + 1e-6 * fabs(c[r * ld + i]);
      }
      snprintf(name, sizeof name, "%s dim %d", kind ? "rmsnorm" : "layernorm", D);
      compare(e, name, g, c, tol, (size_t)R * ld);
      free(c), free(g), free(tol);
    }
    pb_free(e, &xb);
    pb_free(e, &yb);
    pw_free(e, &wb);
    pw_free(e, &bb);
    free(x), free(w), free(b);
  }
  check_backends(e, "norms");
}

static void test_rope(env *e) {
  const int R = 7, H = 64, hd = 96, ld = H * hd + 10;
  int32_t pos[7] = {0, 1, 17, 2047, 4000, 100, 3071};
  float *x = rand_vec(&e->r, (size_t)R * ld, 2);
  pbuf xb = pb_new(e, x, (size_t)R * ld);
  bk_rope(e->cpu, bk_at(xb.c, 0), ld, R, H, hd, pos, 10000.0f);
  bk_rope(e->gpu, bk_at(xb.g, 0), ld, R, H, hd, pos, 10000.0f);
  float *c, *g;
  pb_read(e, &xb, 0, (size_t)R * ld, &c, &g);
  double *tol = malloc((size_t)R * ld * sizeof *tol);
  for (int r = 0; r < R; r++)
    for (int i = 0; i < ld; i++) {
      int h = i / hd, d = i % hd, half = hd / 2;
      double ab = 0;
      if (h < H) { /* the pair (a, b) this element was rotated from */
        const float *v = x + (size_t)r * ld + (size_t)h * hd;
        ab = fabs(v[d % half]) + fabs(v[d % half + half]);
      }
      tol[r * ld + i] = 1e-6 * ab + 1e-6 * fabs(c[r * ld + i]);
    }
  compare(e, "rope 64 heads x 96", g, c, tol, (size_t)R * ld);
  free(c), free(g), free(tol);
  pb_free(e, &xb);
  free(x);
  check_backends(e, "rope");
}

static void test_pointwise(env *e) {
  const int R = 33, C = 1000, ld = 2 * C + 7;
  float *x = rand_vec(&e->r, (size_t)R * ld, 6);
  pbuf xb = pb_new(e, x, (size_t)R * ld), yb = pb_new(e, NULL, (size_t)R * C);
  double *tol = malloc((size_t)R * ld * sizeof *tol);
  for (int op = 0; op < 2; op++) {
    pb_write(e, &xb, x, (size_t)R * ld);
    if (op == 0) {
      bk_gelu_tanh(e->cpu, bk_at(xb.c, 0), ld, R, C);
      bk_gelu_tanh(e->gpu, bk_at(xb.g, 0), ld, R, C);
    } else {
      bk_gelu_erf(e->cpu, bk_at(xb.c, 0), ld, R, C);
      bk_gelu_erf(e->gpu, bk_at(xb.g, 0), ld, R, C);
    }
    float *c, *g;
    pb_read(e, &xb, 0, (size_t)R * ld, &c, &g);
    for (int i = 0; i < R * ld; i++) tol[i] = 1e-6 * (fabs(x[i]) + 1) + 1e-5 * fabs(c[i]);
    compare(e, op ? "gelu_erf" : "gelu_tanh", g, c, tol, (size_t)R * ld);
    free(c), free(g);
  }
  pb_write(e, &xb, x, (size_t)R * ld);
  bk_silu_mul(e->cpu, bk_at(yb.c, 0), C, bk_at(xb.c, 0), ld, R, C);
  bk_silu_mul(e->gpu, bk_at(yb.g, 0), C, bk_at(xb.g, 0), ld, R, C);
  {
    float *c, *g;
    pb_read(e, &yb, 0, (size_t)R * C, &c, &g);
    for (int i = 0; i < R * C; i++) tol[i] = 1e-7 + 2e-6 * fabs(c[i]);
    compare(e, "silu_mul", g, c, tol, (size_t)R * C);
    free(c), free(g);
  }
  pb_free(e, &xb);
  pb_free(e, &yb);
  free(x), free(tol);
  check_backends(e, "pointwise");
}

/* ---------------------------------------------------------------- attention */

static void compare_attn(env *e, const char *what, pbuf *out, size_t n, double max_v) {
  compare_buf(e, what, out, 0, n, 1e-5 * max_v, 1e-4);
}

static void attn_full_case(env *e, const char *what, int n_seq, int n_q, int n_k, int H, int hd, int interleaved) {
  const int inner = H * hd, ldq = inner, ldo = inner, ldkv = interleaved ? 2 * inner : inner;
  const size_t nq = (size_t)n_seq * n_q * ldq, nkv = (size_t)n_seq * n_k * ldkv;
  float *q = rand_vec(&e->r, nq, 1.5f), *k = rand_vec(&e->r, nkv, 1.5f), *v = rand_vec(&e->r, nkv, 1);
  float *vv = interleaved ? k : v; /* interleaved: [k | v] rows of one buffer, as the resampler's to_kv */
  pbuf qb = pb_new(e, q, nq), kb = pb_new(e, k, nkv), vb = pb_new(e, vv, nkv);
  pbuf ob = pb_new(e, NULL, (size_t)n_seq * n_q * ldo);
  for (int side = 0; side < 2; side++) {
    bk_backend *be = side ? e->gpu : e->cpu;
    bk_buf *Q = side ? qb.g : qb.c, *K = side ? kb.g : kb.c, *Vb = side ? (interleaved ? kb.g : vb.g) : (interleaved ? kb.c : vb.c);
    bk_attn_full_args a = {.n_heads = H, .head_dim = hd, .scale = 1.0f / sqrtf((float)hd), .n_seq = n_seq,
                           .n_q = n_q, .n_k = n_k, .q = bk_at(Q, 0), .k = bk_at(K, 0),
                           .v = bk_at(Vb, interleaved ? (size_t)inner : 0), .out = bk_at(side ? ob.g : ob.c, 0),
                           .ldq = ldq, .ldkv = ldkv, .ldo = ldo, .q_seq_stride = (size_t)n_q * ldq,
                           .kv_seq_stride = (size_t)n_k * ldkv, .out_seq_stride = (size_t)n_q * ldo};
    bk_attn_full(be, &a);
  }
  compare_attn(e, what, &ob, (size_t)n_seq * n_q * ldo, interleaved ? max_abs(k, nkv) : max_abs(v, nkv));
  pb_free(e, &qb);
  pb_free(e, &kb);
  pb_free(e, &vb);
  pb_free(e, &ob);
  free(q), free(k), free(v);
  check_backends(e, what);
}

/* Causal attention over a prefix cache (n_prefixes prompts of max_p rows) and, when q_start >= P,
 * a suffix cache (n_seq rows of max_s): the layout phi3.c uses. */
static void attn_causal_case(env *e, const char *what, int n_prefixes, int group, int P, const int32_t *pad, int q_start,
                             int n_q, int window, int H, int KVH, int hd) {
  const int n_seq = n_prefixes * group, kvd = KVH * hd, ldq = (H + 2 * KVH) * hd, ldo = H * hd;
  const int max_p = P + 5, max_s = 8;
  const size_t npre = (size_t)n_prefixes * max_p * kvd, nsuf = (size_t)n_seq * max_s * kvd;
  const size_t nq = (size_t)n_seq * n_q * ldq, no = (size_t)n_seq * n_q * ldo;
  float *q = rand_vec(&e->r, nq, 1.5f), *kp = rand_vec(&e->r, npre, 1.5f), *vp = rand_vec(&e->r, npre, 1);
  float *ks = rand_vec(&e->r, nsuf, 1.5f), *vs = rand_vec(&e->r, nsuf, 1);
  pbuf qb = pb_new(e, q, nq), kpb = pb_new(e, kp, npre), vpb = pb_new(e, vp, npre);
  pbuf ksb = pb_new(e, ks, nsuf), vsb = pb_new(e, vs, nsuf), ob = pb_new(e, NULL, no);
  for (int side = 0; side < 2; side++) {
    bk_backend *be = side ? e->gpu : e->cpu;
    bk_attn_causal_args a = {.n_heads = H, .n_kv_heads = KVH, .head_dim = hd, .scale = 1.0f / sqrtf((float)hd),
                             .window = window, .n_seq = n_seq, .n_q = n_q, .q_start = q_start, .group = group,
                             .n_prefix = P, .n_pad = pad, .q = bk_at(side ? qb.g : qb.c, 0),
                             .out = bk_at(side ? ob.g : ob.c, 0), .ldq = ldq, .ldo = ldo,
                             .k_prefix = bk_at(side ? kpb.g : kpb.c, 0), .v_prefix = bk_at(side ? vpb.g : vpb.c, 0),
                             .prefix_stride = (size_t)max_p * kvd, .k_suffix = bk_at(side ? ksb.g : ksb.c, 0),
                             .v_suffix = bk_at(side ? vsb.g : vsb.c, 0), .suffix_stride = (size_t)max_s * kvd,
                             .ldkv = kvd};
    bk_attn_causal(be, &a);
  }
  double mv = fmax(max_abs(vp, npre), max_abs(vs, nsuf));
  compare_attn(e, what, &ob, no, mv);
  pb_free(e, &qb);
  pb_free(e, &kpb);
  pb_free(e, &vpb);
  pb_free(e, &ksb);
  pb_free(e, &vsb);
  pb_free(e, &ob);
  free(q), free(kp), free(vp), free(ks), free(vs);
  check_backends(e, what);
}

static void test_attention(env *e) {
  attn_full_case(e, "attn_full siglip 729x72", 2, 729, 729, 16, 72, 0);
  attn_full_case(e, "attn_full resampler 128/857", 2, 128, 857, 16, 96, 1);
  const int32_t pads[3] = {0, 37, 299};
  attn_causal_case(e, "attn_causal prefill", 3, 1, 300, pads, 120, 180, -1, 8, 8, 96);
  attn_causal_case(e, "attn_causal prefill win40", 3, 1, 300, pads, 0, 150, 40, 8, 8, 96);
  attn_causal_case(e, "attn_causal prefill gqa", 3, 1, 300, pads, 100, 200, 64, 8, 2, 64);
  attn_causal_case(e, "attn_causal decode", 3, 3, 300, pads, 304, 1, -1, 8, 8, 96);
  attn_causal_case(e, "attn_causal decode win40", 3, 3, 300, pads, 306, 1, 40, 8, 4, 96);
  const int32_t pad1[1] = {13};
  attn_causal_case(e, "attn_causal 2100 win2047", 1, 1, 2100, pad1, 1900, 200, 2047, 4, 4, 96);
}

/* ---------------------------------------------------------------- errors */

/* A request that cannot fit is refused with a message naming the size, and the backend stays
 * usable. */
static void test_out_of_memory(env *e) {
  char err[300] = "";
  bk_buf *huge = bk_buf_alloc(e->gpu, (size_t)1 << 42, err, sizeof err); /* 16 TiB */
  TEST_CHECK(e->t, huge == NULL, "a 16 TiB buffer was allocated");
  TEST_CHECK(e->t, strstr(err, "did not fit") && strstr(err, "MiB free"), "out-of-memory message: %s", err);
  fprintf(stderr, "  out of memory reads: %s\n", err);
  pbuf b = pb_new(e, NULL, 64);
  bk_fill(e->cpu, bk_at(b.c, 0), 64, 1.0f);
  bk_fill(e->gpu, bk_at(b.g, 0), 64, 1.0f);
  compare_buf(e, "usable after OOM", &b, 0, 64, 0, 0);
  pb_free(e, &b);
  check_backends(e, "after out of memory");
}

int main(void) {
  char err[300];
  /* FEWSHOT_GPU_SELFCHECK=1: a second CPU backend stands in for the GPU, float32 mode only, so the
   * test's own logic (layouts, tolerances, comparisons) can be run where there is no GPU. */
  const int self = getenv("FEWSHOT_GPU_SELFCHECK") != NULL;
  if (!self && bk_cuda_device_count(err, sizeof err) == 0) {
    fprintf(stderr, "SKIP gpu_ops: %s\n", err);
    return SKIP;
  }
  test_ctx t = test_begin("gpu_ops");
  bk_backend *cpu = bk_cpu_create(0, err, sizeof err);
  if (!TEST_CHECK(&t, cpu != NULL, "cpu backend: %s", err)) return test_report(&t);
  for (int m = 0; m < (self ? 1 : 2); m++) {
    env e = {cpu, NULL, m ? "bf16" : "f32", m, &t, {0x5eed + (uint64_t)m}};
    e.gpu = self ? bk_cpu_create(0, err, sizeof err) : bk_cuda_create(0, m ? BK_CUDA_BF16 : BK_CUDA_F32, err, sizeof err);
    if (!TEST_CHECK(&t, e.gpu != NULL, "cuda backend: %s", err)) continue;
    if (self)
      snprintf(err, sizeof err, "self-check: a second CPU backend in place of the GPU");
    else
      bk_cuda_describe(e.gpu, err, sizeof err);
    fprintf(stderr, "%s\n", err);
    test_weights(&e);
    test_moves(&e);
    test_matmul(&e);
    test_norms(&e);
    test_rope(&e);
    test_pointwise(&e);
    test_attention(&e);
    if (!self) test_out_of_memory(&e);
    bk_destroy(e.gpu);
  }
  bk_destroy(cpu);
  return test_report(&t);
}
