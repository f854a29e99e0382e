/* image_resample.c - Pillow's resize((w, h), BICUBIC) and convert("RGB"), bit for bit.
 *
 * Written from a reading of Pillow's src/libImaging/Resample.c (precompute_coeffs,
 * normalize_coeffs_8bpc, the 8bpc/16bpc/32bpc passes, ImagingResampleInner), Geometry.c
 * (ImagingScaleAffine: NEAREST for modes P and 1), Convert.c (premultiplication, CMYK, palette)
 * and Image.resize; the arithmetic is reproduced operation by operation because the output is
 * compared byte for byte:
 *
 *  - coefficients in double: scale = in/out, support = 2 * max(scale, 1), one window of taps per
 *    output pixel centred at (x + 0.5) * scale, bicubic weights with a = -0.5 of
 *    (tap - centre + 0.5) / max(scale, 1), divided by their sum;
 *  - 8-bit images: weights rounded to 22 fractional bits, int32 sums started at 2^21, the result
 *    shifted right by 22 and clipped to 0..255 after each pass;
 *  - two passes; a pass is skipped when its dimension is unchanged; the horizontal pass only
 *    computes the rows the vertical pass reads. Pass order: see image_compat in image.h.
 *
 * This file must be compiled without fast-math and without floating-point contraction (C11 mode,
 * which the build uses, has contraction off in GCC; no FMA on baseline x86-64 either). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

enum { PRECISION_BITS = 32 - 8 - 2 }; /* fixed-point fraction bits of 8-bit weights (Pillow) */

/* The taps of one resampling direction: for output i, taps [bounds[2i], bounds[2i] + bounds[2i+1])
 * of the input with weights kk[i * ksize ...] (double) and ik[...] (fixed point). */
typedef struct {
  int ksize;
  int out_size;
  int *bounds;
  double *kk;
  int32_t *ik;
} resample_taps;

static void taps_free(resample_taps *t) {
  free(t->bounds);
  free(t->kk);
  free(t->ik);
  memset(t, 0, sizeof *t);
}

/* Pillow's bicubic kernel, a = -0.5, evaluated exactly as Resample.c's bicubic_filter. */
static double bicubic_weight(double x) {
  const double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/* Computes the taps for resizing [in0, in1) of an axis of in_size pixels to out_size pixels
 * (Pillow's precompute_coeffs; in0 and in1 are floats there, so they are here). Returns 0, or -1
 * with a reason in err. */
static int taps_init(resample_taps *t, int in_size, float in0, float in1, int out_size, char *err,
                     size_t err_size) {
  memset(t, 0, sizeof *t);
  double scale = (double)(in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = 2.0 * filterscale; /* bicubic support is 2 */
  double ksize_d = ceil(support) * 2 + 1;
  if (ksize_d > (double)(INT_MAX / 8) || (double)out_size * ksize_d > (double)(SIZE_MAX / 16)) {
    if (err) snprintf(err, err_size, "resize: filter of %.0f taps is too large", ksize_d);
    return -1;
  }
  int ksize = (int)ksize_d;
  size_t n = (size_t)out_size * (size_t)ksize;
  t->ksize = ksize;
  t->out_size = out_size;
  t->bounds = malloc((size_t)out_size * 2 * sizeof *t->bounds);
  t->kk = malloc(n * sizeof *t->kk);
  t->ik = malloc(n * sizeof *t->ik);
  if (!t->bounds || !t->kk || !t->ik) {
    taps_free(t);
    if (err) snprintf(err, err_size, "resize: out of memory for %zu filter taps", n);
    return -1;
  }
  double inv_filterscale = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; xx++) {
    double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    int xmin = (int)(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = (int)(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double *k = &t->kk[(size_t)xx * ksize];
    int x;
    for (x = 0; x < xmax; x++) {
      double w = bicubic_weight((x + xmin - center + 0.5) * inv_filterscale);
      k[x] = w;
      ww += w;
    }
    if (ww != 0.0) {
      for (x = 0; x < xmax; x++) k[x] /= ww;
    }
    for (; x < ksize; x++) k[x] = 0;
    t->bounds[xx * 2 + 0] = xmin;
    t->bounds[xx * 2 + 1] = xmax;
  }
  for (size_t i = 0; i < n; i++) {
    double v = t->kk[i];
    t->ik[i] = v < 0 ? (int32_t)(-0.5 + v * (1 << PRECISION_BITS))
                     : (int32_t)(0.5 + v * (1 << PRECISION_BITS));
  }
  return 0;
}

/* Rounds a fixed-point sum to a byte as Pillow's clip8 does (floor of sum / 2^22, clipped). */
static inline uint8_t clip8_fixed(int32_t ss) {
  int32_t v = ss >> PRECISION_BITS; /* arithmetic shift, as in Pillow */
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* ---- the one 8-bit kernel: a weighted sum of n_taps rows of lanes ----
 *
 * out[i] = clip8((2^21 + sum_t src[t * stride + i] * k[t]) >> 22) for i < n.
 * Both passes are written with it: the vertical pass filters rows of an image; the horizontal pass
 * filters the columns of a block of 8 rows transposed to [x][row][channel] (lanes = 8 x channels).
 * The sums are exact int32 arithmetic, so the vector version gives the same bytes as the scalar
 * one (tests/image compare them); it is used when the CPU has AVX2. */
static void filter_lanes_scalar(const uint8_t *src, size_t stride, int n_taps, const int32_t *k, size_t n,
                                uint8_t *out) {
  enum { BLOCK = 256 };
  int32_t acc[BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
    for (size_t i = 0; i < m; i++) acc[i] = 1 << (PRECISION_BITS - 1);
    for (int t = 0; t < n_taps; t++) {
      const uint8_t *row = src + (size_t)t * stride + i0;
      const int32_t kt = k[t];
      for (size_t i = 0; i < m; i++) acc[i] += row[i] * kt;
    }
    for (size_t i = 0; i < m; i++) out[i0 + i] = clip8_fixed(acc[i]);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define IMAGE_HAVE_AVX2_KERNEL 1

__attribute__((target("avx2"))) static inline __m256i widen_mul(__m128i bytes8, __m256i kt) {
  return _mm256_mullo_epi32(_mm256_cvtepu8_epi32(bytes8), kt);
}

__attribute__((target("avx2"))) static void filter_lanes_avx2(const uint8_t *src, size_t stride, int n_taps,
                                                               const int32_t *k, size_t n, uint8_t *out) {
  const __m256i init = _mm256_set1_epi32(1 << (PRECISION_BITS - 1));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a0 = init, a1 = init, a2 = init, a3 = init;
    const uint8_t *p = src + i;
    for (int t = 0; t < n_taps; t++, p += stride) {
      const __m256i kt = _mm256_set1_epi32(k[t]);
      const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
      const __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
      a0 = _mm256_add_epi32(a0, widen_mul(lo, kt));
      a1 = _mm256_add_epi32(a1, widen_mul(_mm_srli_si128(lo, 8), kt));
      a2 = _mm256_add_epi32(a2, widen_mul(hi, kt));
      a3 = _mm256_add_epi32(a3, widen_mul(_mm_srli_si128(hi, 8), kt));
    }
    /* >> 22, then saturating packs: int32 -> int16 -> uint8 clips to 0..255 exactly */
    const __m256i p01 = _mm256_packs_epi32(_mm256_srai_epi32(a0, PRECISION_BITS), _mm256_srai_epi32(a1, PRECISION_BITS));
    const __m256i p23 = _mm256_packs_epi32(_mm256_srai_epi32(a2, PRECISION_BITS), _mm256_srai_epi32(a3, PRECISION_BITS));
    const __m256i b = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(p01, p23), order);
    _mm256_storeu_si256((__m256i *)(void *)(out + i), b);
  }
  for (; i + 8 <= n; i += 8) {
    __m256i a = init;
    const uint8_t *p = src + i;
    for (int t = 0; t < n_taps; t++, p += stride)
      a = _mm256_add_epi32(a, widen_mul(_mm_loadl_epi64((const __m128i *)(const void *)p), _mm256_set1_epi32(k[t])));
    const __m128i s = _mm_packs_epi32(_mm256_castsi256_si128(_mm256_srai_epi32(a, PRECISION_BITS)),
                                      _mm256_extracti128_si256(_mm256_srai_epi32(a, PRECISION_BITS), 1));
    _mm_storel_epi64((__m128i *)(void *)(out + i), _mm_packus_epi16(s, s));
  }
  if (i < n) filter_lanes_scalar(src + i, stride, n_taps, k, n - i, out + i);
}
#endif

typedef void (*filter_lanes_fn)(const uint8_t *, size_t, int, const int32_t *, size_t, uint8_t *);

static filter_lanes_fn pick_kernel(int scalar_only) {
#ifdef IMAGE_HAVE_AVX2_KERNEL
  if (!scalar_only && __builtin_cpu_supports("avx2")) return filter_lanes_avx2;
#endif
  (void)scalar_only;
  return filter_lanes_scalar;
}

/* Copies 8 rows of in_w x NC bytes (lines[r]) into block as [x][row][NB bytes]; NB >= NC, the
 * extra bytes (RGB padded to 4, as Pillow stores it) are zero. NC, NB are constants per call. */
static inline void transpose_rows(const uint8_t *const *lines, int in_w, uint8_t *block, const int NC, const int NB) {
  const size_t lanes = (size_t)8 * NB;
  const uint8_t mask_bytes[4] = {0xFF, 0xFF, 0xFF, 0x00}; /* keeps bytes 0..2 whatever the endianness */
  uint32_t rgb_mask;
  memcpy(&rgb_mask, mask_bytes, 4);
  for (int r = 0; r < 8; r++) {
    const uint8_t *line = lines[r];
    uint8_t *col = block + (size_t)r * NB;
    int x = 0;
    if (NC == 3 && NB == 4) { /* 4-byte moves with the 4th byte cleared; the last pixel below */
      for (; x + 1 < in_w; x++, col += lanes, line += 3) {
        uint32_t v;
        memcpy(&v, line, 4);
        v &= rgb_mask;
        memcpy(col, &v, 4);
      }
    }
    for (; x < in_w; x++, col += lanes, line += NC) {
      for (int c = 0; c < NC; c++) col[c] = line[c];
      for (int c = NC; c < NB; c++) col[c] = 0;
    }
  }
}

static inline void hpass_u8_nc(const uint8_t *src, int in_w, int row0, int rows, const resample_taps *t,
                               uint8_t *dst, uint8_t *block, filter_lanes_fn filter, const int NC, const int NB) {
  const int out_w = t->out_size;
  const size_t lanes = (size_t)8 * NB, row_bytes = (size_t)out_w * NC;
  uint8_t out[8 * 4];
  for (int y0 = 0; y0 < rows; y0 += 8) {
    const int m = rows - y0 < 8 ? rows - y0 : 8;
    const uint8_t *lines[8];
    for (int r = 0; r < 8; r++) lines[r] = src + (size_t)(row0 + y0 + (r < m ? r : m - 1)) * in_w * NC;
    transpose_rows(lines, in_w, block, NC, NB);
    uint8_t *d = dst + (size_t)y0 * row_bytes;
    for (int xx = 0; xx < out_w; xx++, d += NC) {
      const int xmin = t->bounds[xx * 2], n_taps = t->bounds[xx * 2 + 1];
      filter(block + (size_t)xmin * lanes, lanes, n_taps, &t->ik[(size_t)xx * t->ksize], lanes, out);
      for (int r = 0; r < m; r++)
        for (int c = 0; c < NC; c++) d[(size_t)r * row_bytes + c] = out[r * NB + c];
    }
  }
}

/* Horizontal 8-bit pass over `rows` rows starting at src row `row0`; nc channels; dst is
 * rows x t->out_size x nc. Blocks of 8 rows are transposed into `block` (in_w x 8 x 4 bytes) so
 * that each output column is one filter_lanes call over 8 rows x channels (RGB padded to 4). */
static void hpass_u8(const uint8_t *src, int in_w, int row0, int rows, int nc, const resample_taps *t,
                     uint8_t *dst, uint8_t *block, filter_lanes_fn filter) {
  switch (nc) {
    case 1: hpass_u8_nc(src, in_w, row0, rows, t, dst, block, filter, 1, 1); break;
    case 2: hpass_u8_nc(src, in_w, row0, rows, t, dst, block, filter, 2, 2); break;
    case 3: hpass_u8_nc(src, in_w, row0, rows, t, dst, block, filter, 3, 4); break;
    default: hpass_u8_nc(src, in_w, row0, rows, t, dst, block, filter, 4, 4); break;
  }
}

/* Vertical 8-bit pass: src has rows of `width` pixels x nc; output row yy reads src rows
 * bounds[2yy] - row_shift ... ; dst is t->out_size rows. */
static void vpass_u8(const uint8_t *src, int width, int nc, int row_shift, const resample_taps *t, uint8_t *dst,
                     filter_lanes_fn filter) {
  const size_t n = (size_t)width * nc;
  for (int yy = 0; yy < t->out_size; yy++) {
    const int ymin = t->bounds[yy * 2] - row_shift, n_taps = t->bounds[yy * 2 + 1];
    filter(src + (size_t)ymin * n, n, n_taps, &t->ik[(size_t)yy * t->ksize], n, dst + (size_t)yy * n);
  }
}

/* Pillow 13 resizes vertically first when the height shrinks by more than twice as many pixels as
 * the width (established against Pillow 13.0.0 on 1,477 random size pairs; see docs/images.md). */
static int vertical_first(int in_w, int in_h, int out_w, int out_h, image_compat compat) {
  if (compat != IMAGE_COMPAT_PILLOW_13) return 0;
  return in_h > out_h && (int64_t)in_h - out_h > 2 * ((int64_t)in_w - out_w);
}

static int oom(char *err, size_t err_size, const char *what) {
  if (err) snprintf(err, err_size, "resize: out of memory (%s)", what);
  return -1;
}

int image_resample_u8(const uint8_t *src, int in_w, int in_h, int nc, uint8_t *dst, int out_w, int out_h,
                      const image_options *opt, char *err, size_t err_size) {
  if (in_w < 1 || in_h < 1 || out_w < 1 || out_h < 1 || nc < 1 || nc > 4) {
    if (err) snprintf(err, err_size, "resize: bad sizes %dx%d -> %dx%d (%d channels)", in_w, in_h, out_w,
                      out_h, nc);
    return -1;
  }
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  const filter_lanes_fn filter = pick_kernel(opt->scalar_kernels);
  const int need_h = out_w != in_w, need_v = out_h != in_h;
  if (!need_h && !need_v) {
    memcpy(dst, src, (size_t)in_w * in_h * nc);
    return 0;
  }
  resample_taps th = {0}, tv = {0};
  uint8_t *tmp = NULL, *block = NULL;
  int rc = -1;
  if (need_h && taps_init(&th, in_w, 0.0f, (float)in_w, out_w, err, err_size)) goto done;
  if (need_v && taps_init(&tv, in_h, 0.0f, (float)in_h, out_h, err, err_size)) goto done;
  if (need_h) {
    block = malloc((size_t)in_w * 8 * 4);
    if (!block) { rc = oom(err, err_size, "row block"); goto done; }
  }
  if (!need_v) {
    hpass_u8(src, in_w, 0, in_h, nc, &th, dst, block, filter);
  } else if (!need_h) {
    vpass_u8(src, in_w, nc, 0, &tv, dst, filter);
  } else if (!vertical_first(in_w, in_h, out_w, out_h, opt->compat)) {
    /* Horizontal pass over the rows the vertical pass uses, then vertical. */
    int first = tv.bounds[0];
    int last = tv.bounds[(out_h - 1) * 2] + tv.bounds[(out_h - 1) * 2 + 1];
    tmp = malloc((size_t)out_w * (size_t)(last - first) * nc);
    if (!tmp) { rc = oom(err, err_size, "intermediate image"); goto done; }
    hpass_u8(src, in_w, first, last - first, nc, &th, tmp, block, filter);
    vpass_u8(tmp, out_w, nc, first, &tv, dst, filter);
  } else {
    tmp = malloc((size_t)in_w * (size_t)out_h * nc);
    if (!tmp) { rc = oom(err, err_size, "intermediate image"); goto done; }
    vpass_u8(src, in_w, nc, 0, &tv, tmp, filter);
    hpass_u8(tmp, in_w, 0, out_h, nc, &th, dst, block, filter);
  }
  rc = 0;
done:
  taps_free(&th);
  taps_free(&tv);
  free(tmp);
  free(block);
  return rc;
}

/* ---- 16-bit gray ---- */

/* Pillow's ROUND_UP: round half away from zero (0.5F is a float constant there too). */
static inline int64_t round_up(double f) { return (int64_t)(f >= 0.0 ? f + 0.5F : f - 0.5F); }

/* One pass over int32 samples in double precision, as Pillow's 16bpc (clip = 1: clipped to
 * 0..65535, Pillow >= 12.3 I;16) or 32bpc passes (clip = 0: mode I, no clipping).
 * horizontal: src is rows x in_len (row stride in_len), dst rows x out; vertical: src is
 * in_len x width, dst out x width. */
static void pass_i32(const int32_t *src, int horizontal, int width_or_rows, int in_len, int row0,
                     const resample_taps *t, int clip, int32_t *dst) {
  const int out = t->out_size;
  if (horizontal) {
    for (int y = 0; y < width_or_rows; y++) {
      const int32_t *line = src + (size_t)(row0 + y) * in_len;
      for (int xx = 0; xx < out; xx++) {
        const int xmin = t->bounds[xx * 2], xmax = t->bounds[xx * 2 + 1];
        const double *k = &t->kk[(size_t)xx * t->ksize];
        double ss = 0.0;
        for (int x = 0; x < xmax; x++) ss += line[x + xmin] * k[x];
        int64_t v = round_up(ss);
        if (clip) v = v <= 0 ? 0 : v < 65536 ? v : 65535;
        dst[(size_t)y * out + xx] = (int32_t)v;
      }
    }
  } else {
    const int width = width_or_rows;
    for (int yy = 0; yy < out; yy++) {
      const int ymin = t->bounds[yy * 2] - row0, ymax = t->bounds[yy * 2 + 1];
      const double *k = &t->kk[(size_t)yy * t->ksize];
      for (int x = 0; x < width; x++) {
        double ss = 0.0;
        for (int y = 0; y < ymax; y++) ss += src[(size_t)(ymin + y) * width + x] * k[y];
        int64_t v = round_up(ss);
        if (clip) v = v <= 0 ? 0 : v < 65536 ? v : 65535;
        dst[(size_t)yy * width + x] = (int32_t)v;
      }
    }
  }
}

/* Resizes 16-bit gray (values 0..65535 in src) into dst (out_w x out_h int32), as mode I
 * (legacy) or I;16 (Pillow 13). */
static int resample_gray16(const int32_t *src, int in_w, int in_h, int32_t *dst, int out_w, int out_h,
                           image_compat compat, char *err, size_t err_size) {
  const int clip = compat == IMAGE_COMPAT_PILLOW_13;
  const int need_h = out_w != in_w, need_v = out_h != in_h;
  if (!need_h && !need_v) {
    memcpy(dst, src, (size_t)in_w * in_h * sizeof *dst);
    return 0;
  }
  resample_taps th = {0}, tv = {0};
  int32_t *tmp = NULL;
  int rc = -1;
  if (need_h && taps_init(&th, in_w, 0.0f, (float)in_w, out_w, err, err_size)) goto done;
  if (need_v && taps_init(&tv, in_h, 0.0f, (float)in_h, out_h, err, err_size)) goto done;
  if (!need_v) {
    pass_i32(src, 1, in_h, in_w, 0, &th, clip, dst);
  } else if (!need_h) {
    pass_i32(src, 0, in_w, in_h, 0, &tv, clip, dst);
  } else if (!vertical_first(in_w, in_h, out_w, out_h, compat)) {
    int first = tv.bounds[0];
    int last = tv.bounds[(out_h - 1) * 2] + tv.bounds[(out_h - 1) * 2 + 1];
    tmp = malloc((size_t)out_w * (size_t)(last - first) * sizeof *tmp);
    if (!tmp) { rc = oom(err, err_size, "intermediate image"); goto done; }
    pass_i32(src, 1, last - first, in_w, first, &th, clip, tmp);
    pass_i32(tmp, 0, out_w, last - first, first, &tv, clip, dst);
  } else {
    tmp = malloc((size_t)in_w * (size_t)out_h * sizeof *tmp);
    if (!tmp) { rc = oom(err, err_size, "intermediate image"); goto done; }
    pass_i32(src, 0, in_w, in_h, 0, &tv, clip, tmp);
    pass_i32(tmp, 1, out_h, in_w, 0, &th, clip, dst);
  }
  rc = 0;
done:
  taps_free(&th);
  taps_free(&tv);
  free(tmp);
  return rc;
}

/* ---- NEAREST (modes 1 and P) ---- */

/* Pillow's ImagingScaleAffine for resize with NEAREST: source coordinates accumulated in double
 * from (in/out) * 0.5 in steps of in/out, truncated; positions outside the source are left 0. */
static void resample_nearest_u8(const uint8_t *src, int in_w, int in_h, uint8_t *dst, int out_w, int out_h,
                                int *xintab) {
  const double a0 = (double)(float)in_w / out_w, a4 = (double)(float)in_h / out_h;
  double xo = a0 * 0.5, yo = a4 * 0.5;
  int xmin = out_w, xmax = 0;
  for (int x = 0; x < out_w; x++) {
    int xin = xo < 0.0 ? -1 : (int)xo;
    xintab[x] = 0;
    if (xin >= 0 && xin < in_w) {
      xmax = x + 1;
      if (x < xmin) xmin = x;
      xintab[x] = xin;
    }
    xo += a0;
  }
  for (int y = 0; y < out_h; y++) {
    int yi = yo < 0.0 ? -1 : (int)yo;
    uint8_t *out = dst + (size_t)y * out_w;
    memset(out, 0, (size_t)out_w);
    if (yi >= 0 && yi < in_h) {
      const uint8_t *in = src + (size_t)yi * in_w;
      for (int x = xmin; x < xmax; x++) out[x] = in[xintab[x]];
    }
    yo += a4;
  }
}

/* ---- mode conversions (Convert.c) ---- */

static inline uint8_t muldiv255(unsigned a, unsigned b) {
  unsigned tmp = a * b + 128;
  return (uint8_t)(((tmp >> 8) + tmp) >> 8);
}

static inline uint8_t clip8_int(int v) { return (uint8_t)(v <= 0 ? 0 : v < 256 ? v : 255); }

/* RGBA -> RGBa / LA -> La: colour channels (all but the last) multiplied by alpha/255. */
static void premultiply(uint8_t *p, size_t n_pixels, int nc) {
  for (size_t i = 0; i < n_pixels; i++, p += nc) {
    unsigned a = p[nc - 1];
    for (int c = 0; c < nc - 1; c++) p[c] = muldiv255(p[c], a);
  }
}

/* RGBa -> RGBA / La -> LA: divided by alpha/255 (integer division, clipped) unless alpha is 0 or
 * 255. */
static void unpremultiply(uint8_t *p, size_t n_pixels, int nc) {
  for (size_t i = 0; i < n_pixels; i++, p += nc) {
    unsigned a = p[nc - 1];
    if (a == 0 || a == 255) continue;
    for (int c = 0; c < nc - 1; c++) p[c] = clip8_int((int)((255 * (unsigned)p[c]) / a));
  }
}

int image_resize_rgb8(const image_raw *img, int out_w, int out_h, const image_options *opt, uint8_t *rgb,
                      const char *name, char *err, size_t err_size) {
  char why[200] = "";
  if (!name) name = "image";
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  const image_compat compat = opt->compat;
  if (!img || !img->pixels || img->width < 1 || img->height < 1 || out_w < 1 || out_h < 1) {
    if (err) snprintf(err, err_size, "%s: resize: empty image or bad output size %dx%d", name, out_w, out_h);
    return -1;
  }
  const int w = img->width, h = img->height, nc = image_mode_bytes(img->mode);
  const size_t n_in = (size_t)w * h, n_out = (size_t)out_w * out_h;
  uint8_t *work = NULL, *res = NULL;
  int32_t *wide = NULL, *wide_out = NULL;
  int *xintab = NULL;
  int rc = -1;
  switch (img->mode) {
    case IMAGE_MODE_1:
    case IMAGE_MODE_P: {
      res = malloc(n_out);
      xintab = malloc((size_t)out_w * sizeof *xintab);
      if (!res || !xintab) { snprintf(why, sizeof why, "resize: out of memory"); goto done; }
      if (out_w == w && out_h == h) memcpy(res, img->pixels, n_in);
      else resample_nearest_u8(img->pixels, w, h, res, out_w, out_h, xintab);
      for (size_t i = 0; i < n_out; i++) {
        if (img->mode == IMAGE_MODE_1) {
          uint8_t v = res[i] ? 255 : 0;
          rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
        } else {
          memcpy(rgb + 3 * i, img->palette + 3 * res[i], 3);
        }
      }
      break;
    }
    case IMAGE_MODE_L:
    case IMAGE_MODE_RGB:
    case IMAGE_MODE_CMYK:
    case IMAGE_MODE_LA:
    case IMAGE_MODE_RGBA: {
      const uint8_t *src = img->pixels;
      if (img->mode == IMAGE_MODE_LA || img->mode == IMAGE_MODE_RGBA) {
        /* Image.resize converts LA/RGBA to La/RGBa, resizes, converts back; convert("RGB")
         * then drops alpha. */
        work = malloc(n_in * nc);
        if (!work) { snprintf(why, sizeof why, "resize: out of memory"); goto done; }
        memcpy(work, img->pixels, n_in * nc);
        premultiply(work, n_in, nc);
        src = work;
      }
      if (img->mode == IMAGE_MODE_RGB) { /* straight into the output */
        if (image_resample_u8(src, w, h, nc, rgb, out_w, out_h, opt, why, sizeof why)) goto done;
        break;
      }
      res = malloc(n_out * nc);
      if (!res) { snprintf(why, sizeof why, "resize: out of memory"); goto done; }
      if (image_resample_u8(src, w, h, nc, res, out_w, out_h, opt, why, sizeof why)) goto done;
      if (src == work && (out_w != w || out_h != h)) unpremultiply(res, n_out, nc);
      else if (src == work) memcpy(res, img->pixels, n_in * nc); /* same size: Pillow copies */
      for (size_t i = 0; i < n_out; i++) {
        const uint8_t *p = res + i * nc;
        uint8_t *o = rgb + 3 * i;
        switch (img->mode) {
          case IMAGE_MODE_L:
          case IMAGE_MODE_LA: o[0] = o[1] = o[2] = p[0]; break;
          case IMAGE_MODE_CMYK: {
            int nk = 255 - p[3];
            for (int c = 0; c < 3; c++) o[c] = clip8_int(nk - muldiv255(p[c], (unsigned)nk));
            break;
          }
          default: memcpy(o, p, 3); break;
        }
      }
      break;
    }
    case IMAGE_MODE_I16: {
      wide = malloc(n_in * sizeof *wide);
      wide_out = malloc(n_out * sizeof *wide_out);
      if (!wide || !wide_out) { snprintf(why, sizeof why, "resize: out of memory"); goto done; }
      const uint16_t *p16 = (const uint16_t *)(const void *)img->pixels;
      for (size_t i = 0; i < n_in; i++) wide[i] = p16[i];
      if (resample_gray16(wide, w, h, wide_out, out_w, out_h, compat, why, sizeof why)) goto done;
      for (size_t i = 0; i < n_out; i++) {
        int32_t v = wide_out[i];
        uint8_t b = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = b;
      }
      break;
    }
    default:
      snprintf(why, sizeof why, "resize: unknown image mode %d", (int)img->mode);
      goto done;
  }
  rc = 0;
done:
  if (rc && err) snprintf(err, err_size, "%s: %s", name, why);
  free(work);
  free(res);
  free(wide);
  free(wide_out);
  free(xintab);
  return rc;
}
