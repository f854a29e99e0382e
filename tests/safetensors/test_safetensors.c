/* test_safetensors.c - the safetensors reader and writer: every kind of malformed header is refused
 * with a one-line error naming the file and tensor; valid files (one file, sharded index, every dtype)
 * read back exactly; dtype conversions round like torch.
 *
 * Files are built in memory (safetensors_open_buffer) or written under
 * build/tests/scratch/safetensors/ for the on-disk cases (index, shards, symlinks). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"
#include "safetensors_write.h"
#include "test_util.h"

#define SCRATCH FEWSHOT_BINARY_DIR "/tests/scratch/safetensors"

/* A file image: 8-byte length `claimed` (the header's real length when claimed == UINT64_MAX - 1),
 * the header text, then n_data bytes 0, 1, 2, ... Caller frees. */
static uint8_t *image(uint64_t claimed, const char *header, size_t n_data, size_t *n) {
  size_t h = strlen(header);
  if (claimed == UINT64_MAX - 1) claimed = h;
  *n = 8 + h + n_data;
  uint8_t *b = malloc(*n + 1);
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(claimed >> (8 * i));
  memcpy(b + 8, header, h);
  for (size_t i = 0; i < n_data; i++) b[8 + h + i] = (uint8_t)i;
  return b;
}
#define HDR (UINT64_MAX - 1)

/* Expects opening the image to fail with an error containing `want` and naming the label. */
static void expect_bad(test_ctx *t, const char *what, uint64_t claimed, const char *header, size_t n_data,
                       const char *want) {
  size_t n;
  uint8_t *b = image(claimed, header, n_data, &n);
  char err[512] = "";
  safetensors_model *m = safetensors_open_buffer(b, n, "bad.safetensors", err, sizeof err);
  TEST_CHECK(t, m == NULL, "%s: opened a malformed file", what);
  TEST_CHECK(t, strstr(err, want) != NULL, "%s: error \"%s\" does not contain \"%s\"", what, err, want);
  TEST_CHECK(t, strncmp(err, "bad.safetensors: ", 17) == 0, "%s: error \"%s\" does not name the file", what, err);
  TEST_CHECK(t, strchr(err, '\n') == NULL, "%s: error is not one line", what);
  safetensors_close(m);
  free(b);
}

static void test_malformed(test_ctx *t) {
  const char *ok1 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
  /* sanity: the base case opens */
  size_t n;
  uint8_t *b = image(HDR, ok1, 8, &n);
  char err[512];
  safetensors_model *m = safetensors_open_buffer(b, n, "ok.safetensors", err, sizeof err);
  TEST_CHECK(t, m != NULL, "valid one-tensor file refused: %s", err);
  safetensors_close(m);
  free(b);
  /* length field */
  {
    char err2[256] = "";
    static const uint8_t five[5] = {1, 2, 3, 4, 5};
    m = safetensors_open_buffer(five, 5, "bad.safetensors", err2, sizeof err2);
    TEST_CHECK(t, !m && strstr(err2, "too short"), "5-byte file: %s", err2);
    m = safetensors_open_buffer(five, 0, "bad.safetensors", err2, sizeof err2);
    TEST_CHECK(t, !m && strstr(err2, "too short"), "empty file: %s", err2);
  }
  expect_bad(t, "header length 0", 0, "", 0, "too small");
  expect_bad(t, "header length 1", 1, "{", 0, "too small");
  expect_bad(t, "header length past the end", 1000, "{}", 0, "runs past the end of the file");
  expect_bad(t, "header length 2^64-1", UINT64_MAX, "{}", 0, "exceeds");
  expect_bad(t, "header length 2^63", (uint64_t)1 << 63, "{}", 0, "exceeds");
  expect_bad(t, "header length over 100 MB", SAFETENSORS_MAX_HEADER + 1, "{}", 0, "exceeds");
  expect_bad(t, "header length 1 short of the file + 1", 3, "{}", 0, "runs past the end");
  /* JSON */
  expect_bad(t, "truncated JSON", HDR, "{\"a\":", 0, "not valid JSON");
  expect_bad(t, "garbage", HDR, "hello", 0, "not valid JSON");
  expect_bad(t, "array header", HDR, "[1,2]", 0, "not a JSON object");
  expect_bad(t, "string header", HDR, "\"x\"", 0, "not a JSON object");
  expect_bad(t, "bytes after the object", HDR, "{} x", 0, "bytes after the JSON object");
  expect_bad(t, "two objects", HDR, "{}{}", 0, "bytes after the JSON object");
  {
    char hdr[] = "{\"a\":{}}  ";
    size_t nn;
    uint8_t *bb = image(HDR, hdr, 0, &nn);
    bb[8 + 8] = '\0'; /* a NUL inside the declared header */
    char e2[256] = "";
    m = safetensors_open_buffer(bb, nn, "bad.safetensors", e2, sizeof e2);
    TEST_CHECK(t, !m && strstr(e2, "NUL byte"), "NUL in header: %s", e2);
    free(bb);
  }
  /* entries */
  expect_bad(t, "entry not an object", HDR, "{\"a\":3}", 0, "tensor 'a': entry is not an object");
  expect_bad(t, "missing dtype", HDR, "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing field 'dtype'");
  expect_bad(t, "missing shape", HDR, "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing field 'shape'");
  expect_bad(t, "missing offsets", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "missing field 'data_offsets'");
  expect_bad(t, "dtype not a string", HDR, "{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
             "dtype is not a string");
  expect_bad(t, "unknown dtype", HDR, "{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
             "unsupported dtype 'Q4_K'");
  expect_bad(t, "unsupported dtype I64", HDR, "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
             "unsupported dtype 'I64'");
  expect_bad(t, "lower-case dtype", HDR, "{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
             "unsupported dtype");
  expect_bad(t, "shape not an array", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", 16,
             "shape is not an array");
  expect_bad(t, "negative dim", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
             "shape[0] is not a non-negative integer");
  expect_bad(t, "fractional dim", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
             "shape[0] is not");
  expect_bad(t, "string dim", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,\"2\"],\"data_offsets\":[0,8]}}", 8,
             "shape[1] is not");
  expect_bad(t, "dim above 2^53", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,4]}}", 4,
             "below 2^53");
  expect_bad(t, "9 dims", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
             "9 dimensions");
  expect_bad(t, "dims overflowing 64 bits", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,4]}}", 4, "overflows");
  expect_bad(t, "elements x dtype overflowing", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}", 4, "below 2^53");
  expect_bad(t, "2^53 x 2^53", HDR,
             "{\"a\":{\"dtype\":\"BF16\",\"shape\":[9007199254740992,9007199254740992],\"data_offsets\":[0,4]}}", 4,
             "overflows");
  expect_bad(t, "2^52 x 2 x F32 = 2^55 bytes", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[4503599627370496,2],\"data_offsets\":[0,4]}}", 4, "needs");
  expect_bad(t, "one offset", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
             "data_offsets is not two");
  expect_bad(t, "three offsets", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
             "data_offsets is not two");
  expect_bad(t, "offsets not an array", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":4}}", 4,
             "data_offsets is not two");
  expect_bad(t, "negative offset", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
             "data_offsets is not two");
  expect_bad(t, "huge offset", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1e19,1e19]}}", 4,
             "data_offsets is not two");
  expect_bad(t, "string offset", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4,
             "data_offsets is not two");
  expect_bad(t, "reversed offsets", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8,
             "data_offsets [8, 4) are reversed");
  expect_bad(t, "shape x dtype != span", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,12]}}", 12,
             "shape [2, 3] F32 needs 24 bytes but data_offsets [0, 12) span 12");
  expect_bad(t, "bf16 counted as f32", HDR, "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
             "needs 4 bytes");
  expect_bad(t, "offsets past the data", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8,
             "run past the end of the data section (8 bytes)");
  expect_bad(t, "offsets far past the data", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9007199254740988,9007199254740992]}}", 4,
             "run past the end of the data section");
  expect_bad(t, "overlap", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
             12, "tensor 'b' data_offsets [4, 12) overlap tensor 'a' [0, 8)");
  expect_bad(t, "same range twice", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
             4, "overlap");
  expect_bad(t, "gap", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
             "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
             12, "data bytes [4, 8) belong to no tensor (gap before tensor 'b')");
  expect_bad(t, "gap at the start", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
             "data bytes [0, 4) belong to no tensor");
  expect_bad(t, "data not covered", HDR, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
             "tensors cover 4 bytes but the data section has 8");
  expect_bad(t, "no tensors but data", HDR, "{}", 4, "tensors cover 0 bytes but the data section has 4");
  expect_bad(t, "duplicate names", HDR,
             "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
             "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
             8, "tensor 'a' appears twice");
  expect_bad(t, "empty name", HDR, "{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "empty name");
  expect_bad(t, "metadata not an object", HDR, "{\"__metadata__\":3}", 0, "__metadata__ is not an object");
  expect_bad(t, "metadata value not a string", HDR, "{\"__metadata__\":{\"format\":1}}", 0,
             "__metadata__ value 'format' is not a string");
  expect_bad(t, "metadata twice", HDR, "{\"__metadata__\":{},\"__metadata__\":{}}", 0, "__metadata__ appears twice");
}

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void test_valid(test_ctx *t) {
  /* Hand-built: F32 [2,3] at 0, BF16 [2] at 24, F16 [2] at 28, a scalar F32 at 32, an empty [0,4]
   * tensor at 36, metadata; header padded with trailing spaces; entries not in offset order. */
  const char *hdr =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"z.f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[28,32]},"
      "\"a.f32\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
      "\"empty\":{\"dtype\":\"BF16\",\"shape\":[0,4],\"data_offsets\":[36,36]},"
      "\"m.bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]},"
      "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}     ";
  size_t n;
  uint8_t *b = image(HDR, hdr, 36, &n);
  uint8_t *data = b + 8 + strlen(hdr);
  const float f[6] = {1.0f, -2.5f, 3.25f, 0.0f, 1e-30f, -7.0f};
  memcpy(data, f, sizeof f);
  put_u16(data + 24, 0x3f80);  /* bf16 1.0 */
  put_u16(data + 26, 0xc0a0);  /* bf16 -5.0 */
  put_u16(data + 28, 0x3c00);  /* f16 1.0 */
  put_u16(data + 30, 0x0001);  /* f16 smallest subnormal 2^-24 */
  const float sc = 42.0f;
  memcpy(data + 32, &sc, 4);
  char err[512] = "";
  safetensors_model *m = safetensors_open_buffer(b, n, "valid.safetensors", err, sizeof err);
  TEST_CHECK(t, m != NULL, "valid file refused: %s", err);
  if (!m) {
    free(b);
    return;
  }
  TEST_CHECK(t, safetensors_n_tensors(m) == 5, "tensor count %d, want 5", safetensors_n_tensors(m));
  test_streq(t, safetensors_tensor_at(m, 0)->name, "a.f32", "first tensor in name order");
  test_streq(t, safetensors_tensor_at(m, 4)->name, "z.f16", "last tensor in name order");
  test_streq(t, safetensors_file_metadata(m, 0, "format"), "pt", "metadata format");
  TEST_CHECK(t, safetensors_file_metadata(m, 0, "nope") == NULL, "absent metadata key");
  TEST_CHECK(t, safetensors_find(m, "nope") == NULL, "find of an absent tensor");
  TEST_CHECK(t, safetensors_index_total_size(m) == -1, "total_size without index");
  float out[8];
  int64_t s23[2] = {2, 3};
  TEST_CHECK(t, safetensors_read_f32(m, "a.f32", 2, s23, out, 8, err, sizeof err) == 0, "read a.f32: %s", err);
  for (int i = 0; i < 6; i++) TEST_CHECK(t, out[i] == f[i], "a.f32[%d] = %g, want %g", i, out[i], f[i]);
  int64_t s2[1] = {2};
  TEST_CHECK(t, safetensors_read_f32(m, "m.bf16", 1, s2, out, 2, err, sizeof err) == 0, "read m.bf16: %s", err);
  TEST_CHECK(t, out[0] == 1.0f && out[1] == -5.0f, "bf16 values %g %g", out[0], out[1]);
  TEST_CHECK(t, safetensors_read_f32(m, "z.f16", 1, s2, out, 2, err, sizeof err) == 0, "read z.f16: %s", err);
  TEST_CHECK(t, out[0] == 1.0f && out[1] == 5.9604644775390625e-8f, "f16 values %g %g", out[0], out[1]);
  TEST_CHECK(t, safetensors_read_f32(m, "scalar", 0, NULL, out, 1, err, sizeof err) == 0 && out[0] == 42.0f,
             "scalar: %s", err);
  const safetensors_tensor *e = safetensors_find(m, "empty");
  TEST_CHECK(t, e && e->n_elements == 0 && e->n_bytes == 0 && e->n_dims == 2, "empty tensor");
  TEST_CHECK(t, e && safetensors_tensor_to_f32(m, e, out, 0, err, sizeof err) == 0, "empty tensor read: %s", err);
  /* shape / dtype checks print expected and actual */
  int64_t s32[2] = {3, 2};
  TEST_CHECK(t, safetensors_read_f32(m, "a.f32", 2, s32, out, 8, err, sizeof err) != 0, "wrong shape accepted");
  test_streq(t, err, "valid.safetensors: tensor 'a.f32': expected shape [3, 2] (any dtype), got [2, 3] F32",
             "shape mismatch message");
  TEST_CHECK(t, safetensors_get(m, "m.bf16", SAFETENSORS_F32, 1, s2, err, sizeof err) == NULL, "wrong dtype accepted");
  test_streq(t, err, "valid.safetensors: tensor 'm.bf16': expected shape [2] F32, got [2] BF16", "dtype mismatch message");
  TEST_CHECK(t, safetensors_get(m, "m.bf16", SAFETENSORS_BF16, -1, NULL, err, sizeof err) != NULL, "any-shape get");
  TEST_CHECK(t, safetensors_get(m, "missing.weight", SAFETENSORS_ANY, -1, NULL, err, sizeof err) == NULL, "missing get");
  TEST_CHECK(t, strstr(err, "no tensor 'missing.weight'") != NULL, "missing message: %s", err);
  TEST_CHECK(t, safetensors_read_f32(m, "a.f32", 2, s23, out, 5, err, sizeof err) != 0, "too-small buffer accepted");
  TEST_CHECK(t, strstr(err, "6 elements do not fit a buffer of 5 floats") != NULL, "small buffer message: %s", err);
  safetensors_close(m);
  free(b);
}

static void test_conversions(test_ctx *t) {
  /* every f16 / bf16 bit pattern survives f16 -> f32 -> f16 (NaNs stay NaN) */
  long bad16 = 0, badbf = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = safetensors_f16_to_f32((uint16_t)h);
    uint16_t back = safetensors_f32_to_f16(f);
    int is_nan = ((h & 0x7c00) == 0x7c00) && (h & 0x3ff);
    if (is_nan ? !(isnan(f) && (back & 0x7c00) == 0x7c00 && (back & 0x3ff)) : back != h) bad16++;
    float g = safetensors_bf16_to_f32((uint16_t)h);
    uint16_t bb = safetensors_f32_to_bf16(g);
    int bnan = ((h & 0x7f80) == 0x7f80) && (h & 0x7f);
    if (bnan ? !isnan(safetensors_bf16_to_f32(bb)) : bb != h) badbf++;
  }
  TEST_CHECK(t, bad16 == 0, "%ld f16 patterns do not round-trip", bad16);
  TEST_CHECK(t, badbf == 0, "%ld bf16 patterns do not round-trip", badbf);
  /* rounding: values checked against torch 2.x (.to(torch.float16 / bfloat16)) */
  struct { float f; uint16_t h16, hbf; } cases[] = {
      {1.0f, 0x3c00, 0x3f80},
      {0.1f, 0x2e66, 0x3dcd},
      {65504.0f, 0x7bff, 0x4780},
      {65519.996f, 0x7bff, 0x4780},  /* below the f16 overflow threshold */
      {65520.0f, 0x7c00, 0x4780},    /* f16 tie rounds up to Inf */
      {5.9604644775390625e-8f, 0x0001, 0x3380},      /* 2^-24 */
      {2.98023223876953125e-8f, 0x0000, 0x3300},     /* 2^-25: tie to even -> 0 */
      {4.4703483581542969e-8f, 0x0001, 0x3340},      /* 1.5 x 2^-25 -> 1 */
      {1.00390625f, 0x3c04, 0x3f80},                 /* 1 + 2^-8: bf16 tie to even -> 1.0 */
      {1.01171875f, 0x3c0c, 0x3f82},                 /* 1 + 3 x 2^-8: bf16 tie to even -> up */
      {-3.0e38f, 0xfc00, 0xff62},
      {6.103515625e-05f, 0x0400, 0x3880},            /* 2^-14: smallest normal f16 */
      {6.0975551605224609e-05f, 0x03ff, 0x3880},    /* largest f16 subnormal */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t a = safetensors_f32_to_f16(cases[i].f), b = safetensors_f32_to_bf16(cases[i].f);
    TEST_CHECK(t, a == cases[i].h16, "f16(%.9g) = 0x%04x, want 0x%04x", cases[i].f, a, cases[i].h16);
    TEST_CHECK(t, b == cases[i].hbf, "bf16(%.9g) = 0x%04x, want 0x%04x", cases[i].f, b, cases[i].hbf);
  }
}

/* ---- on-disk: writer, single file, directory, index, symlinks ---- */

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

static void mkdir_p(const char *path) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(tmp, 0755);
      *p = '/';
    }
  }
  mkdir(tmp, 0755);
}

/* writes a shard with tensors names[i] = F32 [2] holding {i, -i} */
static int write_shard(const char *path, int n, const char *const *names, safetensors_dtype dtype, char *err,
                       size_t es) {
  safetensors_write_spec specs[8];
  for (int i = 0; i < n; i++) {
    memset(&specs[i], 0, sizeof specs[i]);
    specs[i].name = names[i];
    specs[i].dtype = dtype;
    specs[i].n_dims = 1;
    specs[i].shape[0] = 2;
  }
  const char *meta[] = {"format", "pt", NULL};
  safetensors_writer *w = safetensors_writer_open(path, n, specs, meta, err, es);
  if (!w) return -1;
  for (int i = 0; i < n; i++) {
    float v[2] = {(float)i + 0.5f, -(float)i};
    if (safetensors_writer_put(w, v, 2, err, es) != 0) {
      safetensors_writer_close(w, NULL, 0);
      return -1;
    }
  }
  return safetensors_writer_close(w, err, es);
}

static void expect_open_fails(test_ctx *t, const char *path, const char *want) {
  char err[512] = "";
  safetensors_model *m = safetensors_open(path, err, sizeof err);
  TEST_CHECK(t, m == NULL, "%s: opened, expected an error containing \"%s\"", path, want);
  TEST_CHECK(t, strstr(err, want) != NULL, "%s: error \"%s\" does not contain \"%s\"", path, err, want);
  safetensors_close(m);
}

static void test_disk(test_ctx *t) {
  char err[512] = "";
  char dir[512], p1[600], p2[600], idx[600];
  mkdir_p(SCRATCH);
  /* writer round trip in each dtype, with a skipped (sparse) tensor */
  {
    snprintf(p1, sizeof p1, "%s/rt.safetensors", SCRATCH);
    safetensors_write_spec specs[4] = {
        {"w.f32", SAFETENSORS_F32, 2, {2, 2}}, {"w.bf16", SAFETENSORS_BF16, 1, {3}},
        {"w.f16", SAFETENSORS_F16, 1, {3}},    {"w.hole", SAFETENSORS_F32, 1, {1000}}};
    safetensors_writer *w = safetensors_writer_open(p1, 4, specs, NULL, err, sizeof err);
    TEST_CHECK(t, w != NULL, "writer open: %s", err);
    if (w) {
      float a[4] = {1, 2, 3, 4}, b[3] = {1.00390625f, 0.1f, -2}, c[3] = {65520.0f, 0.1f, -2};
      TEST_CHECK(t, safetensors_writer_put(w, a, 3, err, sizeof err) != 0, "writer accepted a wrong count");
      TEST_CHECK(t, safetensors_writer_put(w, a, 4, err, sizeof err) == 0, "put: %s", err);
      TEST_CHECK(t, safetensors_writer_put(w, b, 3, err, sizeof err) == 0, "put: %s", err);
      TEST_CHECK(t, safetensors_writer_put(w, c, 3, err, sizeof err) == 0, "put: %s", err);
      TEST_CHECK(t, safetensors_writer_skip(w, err, sizeof err) == 0, "skip: %s", err);
      TEST_CHECK(t, safetensors_writer_close(w, err, sizeof err) == 0, "close: %s", err);
    }
    safetensors_model *m = safetensors_open(p1, err, sizeof err);
    TEST_CHECK(t, m != NULL, "reopen: %s", err);
    if (m) {
      float out[1000];
      TEST_CHECK(t, safetensors_read_f32(m, "w.f32", -1, NULL, out, 4, err, sizeof err) == 0 && out[3] == 4.0f,
                 "f32 back");
      TEST_CHECK(t, safetensors_read_f32(m, "w.bf16", -1, NULL, out, 3, err, sizeof err) == 0, "bf16 back");
      TEST_CHECK(t, out[0] == 1.0f && out[1] == 0.10009765625f && out[2] == -2.0f, "bf16 rounded %.9g %.9g %.9g",
                 out[0], out[1], out[2]);
      TEST_CHECK(t, safetensors_read_f32(m, "w.f16", -1, NULL, out, 3, err, sizeof err) == 0, "f16 back");
      TEST_CHECK(t, isinf(out[0]) && out[1] == 0.0999755859375f && out[2] == -2.0f, "f16 rounded %.9g %.9g",
                 out[0], out[1]);
      TEST_CHECK(t, safetensors_read_f32(m, "w.hole", -1, NULL, out, 1000, err, sizeof err) == 0, "hole back");
      int zeros = 1;
      for (int i = 0; i < 1000; i++) zeros &= out[i] == 0.0f;
      TEST_CHECK(t, zeros, "skipped tensor does not read as zeros");
      const safetensors_tensor *tt = safetensors_find(m, "w.f32");
      TEST_CHECK(t, tt && tt->offset % 8 == 0, "data section is not 8-byte aligned (offset %llu)",
                 tt ? (unsigned long long)tt->offset : 0ULL);
      safetensors_close(m);
    }
  }
  /* single file in a directory, and through a symlink */
  snprintf(dir, sizeof dir, "%s/single", SCRATCH);
  mkdir_p(dir);
  snprintf(p1, sizeof p1, "%s/weights.safetensors", dir);
  const char *n3[] = {"x", "y", "z"};
  TEST_CHECK(t, write_shard(p1, 3, n3, SAFETENSORS_BF16, err, sizeof err) == 0, "write: %s", err);
  snprintf(p2, sizeof p2, "%s/model.safetensors", dir);
  unlink(p2);
  TEST_CHECK(t, symlink("weights.safetensors", p2) == 0, "symlink: %s", strerror(errno));
  safetensors_model *m = safetensors_open(dir, err, sizeof err);
  TEST_CHECK(t, m && safetensors_n_tensors(m) == 3 && safetensors_n_files(m) == 1, "dir with model.safetensors: %s",
             err);
  if (m) {
    float v[2];
    TEST_CHECK(t, safetensors_read_f32(m, "z", -1, NULL, v, 2, err, sizeof err) == 0 && v[0] == 2.5f && v[1] == -2.0f,
               "z through symlink");
  }
  safetensors_close(m);
  expect_open_fails(t, SCRATCH "/does-not-exist", "No such file");
  {
    char emptydir[600];
    snprintf(emptydir, sizeof emptydir, "%s/emptydir", SCRATCH);
    mkdir_p(emptydir);
    expect_open_fails(t, emptydir, "no model.safetensors.index.json or model.safetensors");
  }
  /* a truncated file on disk */
  {
    snprintf(p1, sizeof p1, "%s/truncated.safetensors", SCRATCH);
    write_text(p1, "abc");
    expect_open_fails(t, p1, "too short");
  }
  /* sharded model */
  snprintf(dir, sizeof dir, "%s/sharded", SCRATCH);
  mkdir_p(dir);
  const char *s1[] = {"a", "b"}, *s2[] = {"c"};
  snprintf(p1, sizeof p1, "%s/model-00001-of-00002.safetensors", dir);
  snprintf(p2, sizeof p2, "%s/model-00002-of-00002.safetensors", dir);
  TEST_CHECK(t, write_shard(p1, 2, s1, SAFETENSORS_F32, err, sizeof err) == 0, "shard 1: %s", err);
  TEST_CHECK(t, write_shard(p2, 1, s2, SAFETENSORS_F16, err, sizeof err) == 0, "shard 2: %s", err);
  snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", dir);
  const char *good =
      "{\"metadata\":{\"total_size\":20},\"weight_map\":{\"c\":\"model-00002-of-00002.safetensors\","
      "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"}}";
  write_text(idx, good);
  m = safetensors_open(dir, err, sizeof err);
  TEST_CHECK(t, m != NULL, "sharded open: %s", err);
  if (m) {
    TEST_CHECK(t, safetensors_n_tensors(m) == 3 && safetensors_n_files(m) == 2, "sharded counts %d %d",
               safetensors_n_tensors(m), safetensors_n_files(m));
    TEST_CHECK(t, safetensors_index_total_size(m) == 20, "total_size %lld",
               (long long)safetensors_index_total_size(m));
    const safetensors_tensor *c = safetensors_find(m, "c");
    TEST_CHECK(t, c && c->dtype == SAFETENSORS_F16 && strstr(safetensors_file_path(m, c->file_index), "00002"),
               "tensor c in shard 2");
    float v[2];
    TEST_CHECK(t, safetensors_read_f32(m, "b", -1, NULL, v, 2, err, sizeof err) == 0 && v[0] == 1.5f, "b value");
    char want[700];
    snprintf(want, sizeof want, "%s: no tensor 'nope'", dir);
    TEST_CHECK(t, safetensors_get(m, "nope", SAFETENSORS_ANY, -1, NULL, err, sizeof err) == NULL, "get of a missing name");
    test_streq(t, err, want, "missing-tensor error names the model directory");
    safetensors_close(m);
  }
  m = safetensors_open(idx, err, sizeof err);
  TEST_CHECK(t, m != NULL, "open through the index path: %s", err);
  safetensors_close(m);
  struct { const char *json, *want; } bad_idx[] = {
      {"{\"weight_map\":", "not valid JSON"},
      {"[1]", "missing object 'weight_map'"},
      {"{\"metadata\":{}}", "missing object 'weight_map'"},
      {"{\"weight_map\":[]}", "missing object 'weight_map'"},
      {"{\"weight_map\":{}}", "weight_map is empty"},
      {"{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
       "\"c\":\"model-00003-of-00002.safetensors\"}}",
       "model-00003-of-00002.safetensors: cannot open"},
      {"{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\","
       "\"c\":\"model-00002-of-00002.safetensors\"}}",
       "puts tensor 'b' in model-00002-of-00002.safetensors, but that shard has no such tensor"},
      {"{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
       "\"c\":\"model-00002-of-00002.safetensors\",\"d\":\"model-00002-of-00002.safetensors\"}}",
       "puts tensor 'd' in model-00002-of-00002.safetensors, but that shard has no such tensor"},
      {"{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}}",
       "tensor 'b' is not listed in the index"},
      {"{\"weight_map\":{\"a\":\"../sharded/model-00001-of-00002.safetensors\"}}", "not a plain file name"},
      {"{\"weight_map\":{\"a\":\"..\"}}", "not a plain file name"},
      {"{\"weight_map\":{\"a\":3}}", "not a plain file name"},
      {"{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
       "\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}}",
       "lists tensor 'a' twice"},
  };
  for (size_t i = 0; i < sizeof bad_idx / sizeof bad_idx[0]; i++) {
    write_text(idx, bad_idx[i].json);
    expect_open_fails(t, dir, bad_idx[i].want);
  }
  /* the same tensor in two shards */
  {
    const char *dup[] = {"c"};
    TEST_CHECK(t, write_shard(p1, 1, dup, SAFETENSORS_F32, err, sizeof err) == 0, "dup shard: %s", err);
    write_text(idx, "{\"weight_map\":{\"c\":\"model-00002-of-00002.safetensors\","
                    "\"d\":\"model-00001-of-00002.safetensors\"}}");
    expect_open_fails(t, dir, "tensor 'c' appears in two files");
  }
  /* a malformed shard reports the shard's path */
  write_text(p2, "12345678{}");
  write_text(idx, "{\"weight_map\":{\"c\":\"model-00002-of-00002.safetensors\"}}");
  expect_open_fails(t, dir, "model-00002-of-00002.safetensors: header length");
}

int main(void) {
  test_ctx t = test_begin("safetensors");
  test_malformed(&t);
  test_valid(&t);
  test_conversions(&t);
  test_disk(&t);
  return test_report(&t);
}
