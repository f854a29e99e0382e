/* test_image_unit.c - the image API's contract: normalisation against torch, the float CHW entry
 * point, sizes and options, errors that name the file, corrupt inputs, and thread safety. */
#include <cjson/cJSON.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "test_util.h"

static char *fixture(const char *rel, char *buf, size_t size) {
  snprintf(buf, size, "%s/fixtures/images/%s", FEWSHOT_TEST_DIR, rel);
  return buf;
}

/* ToTensor + Normalize: every uint8 value must give torch's float32 bits exactly. */
static void test_normalize(test_ctx *t) {
  char path[1024];
  char *text = test_read_file(fixture("goldens/normalize-torch.json", path, sizeof path), NULL);
  TEST_CHECK(t, text != NULL, "cannot read %s", path);
  if (!text) return;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *bits = cJSON_GetObjectItemCaseSensitive(root, "float32_bits");
  TEST_CHECK(t, cJSON_GetArraySize(bits) == 256, "normalize-torch.json: want 256 values");
  uint8_t rgb[256 * 3];
  for (int i = 0; i < 256; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (uint8_t)i;
  float chw[3 * 256];
  image_rgb8_to_chw(rgb, 256, 1, chw);
  for (int i = 0; i < 256 && i < cJSON_GetArraySize(bits); i++) {
    uint32_t want = (uint32_t)cJSON_GetArrayItem(bits, i)->valuedouble;
    for (int c = 0; c < 3; c++) {
      uint32_t got;
      memcpy(&got, &chw[c * 256 + i], 4);
      TEST_CHECK(t, got == want, "normalize(%d) channel %d: bits %08x, torch %08x", i, c, got, want);
    }
  }
  TEST_CHECK(t, chw[0] == -1.0f && chw[255] == 1.0f, "normalize range: %g .. %g", chw[0], chw[255]);
  cJSON_Delete(root);
}

/* CHW layout: plane c holds channel c of the HWC image, normalised. */
static void test_load_chw(test_ctx *t) {
  char path[1024];
  fixture("generated/rgb8_61x43.png", path, sizeof path);
  image_options opt;
  image_options_default(&opt);
  opt.size = 37;
  uint8_t *rgb = malloc(37 * 37 * 3);
  float *chw = malloc(3 * 37 * 37 * sizeof *chw), *ref = malloc(3 * 37 * 37 * sizeof *ref);
  char err[512];
  TEST_CHECK(t, image_load_rgb8(path, &opt, rgb, err, sizeof err) == 0, "load_rgb8: %s", err);
  TEST_CHECK(t, image_load_chw(path, &opt, chw, err, sizeof err) == 0, "load_chw: %s", err);
  image_rgb8_to_chw(rgb, 37, 37, ref);
  TEST_CHECK(t, memcmp(chw, ref, 3 * 37 * 37 * sizeof *chw) == 0, "load_chw differs from load_rgb8 + to_chw");
  /* pixel (y=5, x=7), channel 2 */
  float want = ((float)rgb[(5 * 37 + 7) * 3 + 2] / 255.0f - 0.5f) / 0.5f;
  TEST_CHECK(t, chw[2 * 37 * 37 + 5 * 37 + 7] == want, "CHW indexing");
  free(rgb);
  free(chw);
  free(ref);
}

/* Errors: one line, starting with the file name; never a crash. */
static void test_errors(test_ctx *t) {
  image_options opt;
  image_options_default(&opt);
  float *chw = malloc(3 * 384 * 384 * sizeof *chw);
  char path[1024], err[512];
  const char *bad[] = {"edge/truncated.jpg", "pngsuite/xc9n2c08.png", "pngsuite/xcrn0g04.png",
                       "pngsuite/xd0n2c08.png", "pngsuite/xhdn0g08.png", "pngsuite/xs1n0g01.png",
                       "pngsuite/PngSuite.LICENSE", "does/not/exist.jpg"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fixture(bad[i], path, sizeof path);
    err[0] = '\0';
    int rc = image_load_chw(path, &opt, chw, err, sizeof err);
    TEST_CHECK(t, rc != 0, "%s: loaded, want an error", bad[i]);
    TEST_CHECK(t, strncmp(err, path, strlen(path)) == 0 && strchr(err, '\n') == NULL && strlen(err) > strlen(path) + 3,
               "%s: error is not one line naming the file: '%s'", bad[i], err);
  }
  fixture("edge/truncated.jpg", path, sizeof path);
  image_load_chw(path, &opt, chw, err, sizeof err);
  TEST_CHECK(t, strstr(err, "truncated") != NULL, "truncated.jpg: '%s' does not say truncated", err);
  TEST_CHECK(t, image_load_chw(path, &opt, chw, NULL, 0) != 0, "a NULL err buffer is allowed");
  /* in-memory garbage and empty input */
  uint8_t junk[64];
  for (int i = 0; i < 64; i++) junk[i] = (uint8_t)(i * 37 + 11);
  image_raw img;
  TEST_CHECK(t, image_decode(junk, 64, "junk", &opt, &img, err, sizeof err) != 0, "junk decoded");
  test_streq(t, err, "junk: cannot identify image file (not JPEG or PNG)", "junk error");
  TEST_CHECK(t, image_decode(junk, 0, "empty", &opt, &img, err, sizeof err) != 0, "empty decoded");
  /* JPEG/PNG signatures followed by junk */
  uint8_t fake_jpeg[16] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1};
  TEST_CHECK(t, image_decode(fake_jpeg, sizeof fake_jpeg, "f.jpg", &opt, &img, err, sizeof err) != 0 &&
                    strncmp(err, "f.jpg: JPEG: ", 13) == 0, "fake jpeg: '%s'", err);
  uint8_t fake_png[12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13};
  TEST_CHECK(t, image_decode(fake_png, sizeof fake_png, "f.png", &opt, &img, err, sizeof err) != 0 &&
                    strncmp(err, "f.png: PNG: ", 12) == 0, "fake png: '%s'", err);
  /* the pixel limit */
  fixture("photos/retina.jpg", path, sizeof path);
  opt.max_pixels = 1000 * 1000;
  TEST_CHECK(t, image_load_chw(path, &opt, chw, err, sizeof err) != 0 && strstr(err, "exceeds") != NULL,
             "retina.jpg (1411x1411) over a 1e6-pixel limit: '%s'", err);
  fixture("generated/gray8_384x384.png", path, sizeof path);
  opt.max_pixels = 384 * 384 - 1;
  TEST_CHECK(t, image_load_chw(path, &opt, chw, err, sizeof err) != 0, "PNG over the pixel limit loads");
  image_options_default(&opt);
  opt.size = 0;
  TEST_CHECK(t, image_load_chw(path, &opt, chw, err, sizeof err) != 0, "size 0 accepted");
  free(chw);
}

/* Flipped bytes everywhere in a few files: any outcome but a crash or a silent empty error. */
static void test_corruption(test_ctx *t) {
  const char *files[] = {"generated/chelsea_301x217_420_progressive.jpg", "generated/rgba16_interlaced_27x25.png",
                         "generated/pal4_39x25.png", "edge/rocket_arithmetic.jpg", "generated/chelsea_301x217_cmyk.jpg"};
  image_options opt;
  image_options_default(&opt);
  uint8_t *rgb = malloc(64 * 64 * 3);
  opt.size = 64;
  int n_ok = 0, n_err = 0;
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    char path[1024];
    size_t n = 0;
    uint8_t *data = (uint8_t *)test_read_file(fixture(files[f], path, sizeof path), &n);
    TEST_CHECK(t, data != NULL, "cannot read %s", path);
    if (!data) continue;
    uint8_t *copy = malloc(n);
    for (size_t pos = 0; pos < n; pos += 1 + n / 97) {
      memcpy(copy, data, n);
      copy[pos] ^= (uint8_t)(0x5A + pos);
      char err[512] = "";
      if (image_preprocess_buffer_rgb8(copy, n, files[f], &opt, rgb, err, sizeof err) == 0) {
        n_ok++;
      } else {
        n_err++;
        TEST_CHECK(t, strncmp(err, files[f], strlen(files[f])) == 0, "%s byte %zu: error '%s'", files[f], pos, err);
      }
    }
    free(copy);
    free(data);
  }
  TEST_CHECK(t, n_ok > 0 && n_err > 0, "corruption: %d decoded, %d refused (want some of each)", n_ok, n_err);
  free(rgb);
}

/* Many threads at once must give the same bytes as one thread. */
static void test_threads(test_ctx *t) {
  const char *files[] = {"photos/rocket.jpg", "edge/chelsea_cmyk.jpg", "edge/chelsea_rgba.png", "edge/chelsea_palette.png",
                         "pngsuite/basn0g16.png", "generated/rgba16_interlaced_27x25.png", "edge/truncated.jpg",
                         "generated/chelsea_301x217_420_progressive.jpg"};
  enum { N_FILES = sizeof files / sizeof files[0], REPEAT = 6, SIZE = 96 };
  image_options opt;
  image_options_default(&opt);
  opt.size = SIZE;
  const size_t img_bytes = SIZE * SIZE * 3;
  uint8_t *serial = calloc(N_FILES, img_bytes), *parallel = calloc((size_t)N_FILES * REPEAT, img_bytes);
  int serial_rc[N_FILES], parallel_rc[N_FILES * REPEAT];
  char path[N_FILES][1024];
  for (int i = 0; i < N_FILES; i++) {
    fixture(files[i], path[i], sizeof path[i]);
    serial_rc[i] = image_load_rgb8(path[i], &opt, serial + i * img_bytes, NULL, 0);
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(4)
  for (int k = 0; k < N_FILES * REPEAT; k++) {
    char err[512];
    parallel_rc[k] = image_load_rgb8(path[k % N_FILES], &opt, parallel + (size_t)k * img_bytes, err, sizeof err);
  }
  for (int k = 0; k < N_FILES * REPEAT; k++) {
    int i = k % N_FILES;
    TEST_CHECK(t, parallel_rc[k] == serial_rc[i], "%s: rc %d in parallel, %d serially", files[i], parallel_rc[k],
               serial_rc[i]);
    TEST_CHECK(t, memcmp(parallel + (size_t)k * img_bytes, serial + i * img_bytes, img_bytes) == 0,
               "%s: pixels differ between threads", files[i]);
  }
  free(serial);
  free(parallel);
}

/* Resizing to the same size is a copy; 1x1 up to anything is flat. */
static void test_resize_basics(test_ctx *t) {
  uint8_t src[5 * 3 * 2], dst[5 * 3 * 2];
  for (int i = 0; i < 30; i++) src[i] = (uint8_t)(i * 7);
  char err[256];
  image_options p13;
  image_options_default(&p13);
  p13.compat = IMAGE_COMPAT_PILLOW_13;
  TEST_CHECK(t, image_resample_u8(src, 5, 3, 2, dst, 5, 3, &p13, err, sizeof err) == 0, "%s", err);
  TEST_CHECK(t, memcmp(src, dst, sizeof src) == 0, "same-size resample is not a copy");
  image_raw one = {1, 1, IMAGE_MODE_RGB, (uint8_t[]){10, 200, 30}, {0}, 0};
  uint8_t out[7 * 4 * 3];
  TEST_CHECK(t, image_resize_rgb8(&one, 7, 4, NULL, out, "one", err, sizeof err) == 0, "%s", err);
  int flat = 1;
  for (int i = 0; i < 28; i++) flat &= out[3 * i] == 10 && out[3 * i + 1] == 200 && out[3 * i + 2] == 30;
  TEST_CHECK(t, flat, "1x1 upscaled is not flat");
  TEST_CHECK(t, image_resample_u8(src, 0, 3, 2, dst, 5, 3, &p13, err, sizeof err) != 0,
             "width 0 accepted");
}

/* The vector kernels (used where the CPU has AVX2) and the portable loops give the same bytes, for
 * every channel count, up and down, both pass orders, noise that drives the clipping. */
static void test_kernels_agree(test_ctx *t) {
  static const int sizes[][4] = {{640, 480, 384, 384}, {427, 640, 384, 384}, {31, 17, 384, 384}, {1, 900, 37, 5},
                                 {900, 2, 3, 1}, {385, 383, 384, 384}, {64, 64, 63, 65}, {1000, 7, 33, 29}};
  char err[256];
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    const int w = sizes[s][0], h = sizes[s][1], ow = sizes[s][2], oh = sizes[s][3];
    for (int nc = 1; nc <= 4; nc++) {
      uint8_t *src = malloc((size_t)w * h * nc), *a = malloc((size_t)ow * oh * nc), *b = malloc((size_t)ow * oh * nc);
      uint32_t x = 2463534242u + (uint32_t)(s * 4 + nc);
      for (size_t i = 0; i < (size_t)w * h * nc; i++) { /* xorshift noise, with runs of 0 and 255 */
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        src[i] = (x >> 29) == 0 ? 0 : (x >> 29) == 1 ? 255 : (uint8_t)(x >> 8);
      }
      for (int compat = 0; compat < 2; compat++) {
        image_options vec, scal;
        image_options_default(&vec);
        vec.compat = compat ? IMAGE_COMPAT_PILLOW_13 : IMAGE_COMPAT_PILLOW_LEGACY;
        scal = vec;
        scal.scalar_kernels = 1;
        int ra = image_resample_u8(src, w, h, nc, a, ow, oh, &vec, err, sizeof err);
        int rb = image_resample_u8(src, w, h, nc, b, ow, oh, &scal, err, sizeof err);
        TEST_CHECK(t, ra == 0 && rb == 0 && memcmp(a, b, (size_t)ow * oh * nc) == 0,
                   "%dx%d -> %dx%d, %d channels, compat %d: vector and scalar kernels differ", w, h, ow, oh, nc, compat);
      }
      free(src);
      free(a);
      free(b);
    }
  }
}

int main(void) {
  test_ctx t = test_begin("image_unit");
  test_normalize(&t);
  test_load_chw(&t);
  test_errors(&t);
  test_corruption(&t);
  test_threads(&t);
  test_resize_basics(&t);
  test_kernels_agree(&t);
  return test_report(&t);
}
