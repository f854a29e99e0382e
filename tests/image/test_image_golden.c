/* test_image_golden.c - decode + resize of every test image against Pillow's own results.
 *
 *   test_image_golden pillow-13.0.0.json 13       Pillow 13 goldens, IMAGE_COMPAT_PILLOW_13
 *   test_image_golden pillow-9.4.0.json legacy    Pillow 9.4 goldens, IMAGE_COMPAT_PILLOW_LEGACY
 *
 * The golden files (tests/fixtures/images/goldens/, made by tools/reference/image_goldens.py)
 * list per image Pillow's mode, size and decoded-pixel sha256, or the error Pillow raised, and the
 * sha256 of resize((w, h), BICUBIC).convert("RGB") for several sizes. Everything must match
 * exactly: the PNG decoders are exact, and libjpeg-turbo gives the same JPEG pixels as Pillow's
 * bundled copy (checked here: any difference fails). Files Pillow refuses must be refused. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "sha256.h" /* harness/: the digests run.json uses */
#include "test_util.h"

static const char *pillow_mode_name(image_mode m, image_compat compat) {
  if (m == IMAGE_MODE_I16 && compat == IMAGE_COMPAT_PILLOW_LEGACY) return "I";
  return image_mode_name(m);
}

int main(int argc, char **argv) {
  test_ctx t = test_begin("image_golden");
  if (argc < 3) {
    fprintf(stderr, "usage: test_image_golden GOLDEN.json 13|legacy\n");
    return 2;
  }
  image_options opt;
  image_options_default(&opt);
  opt.compat = strcmp(argv[2], "13") == 0 ? IMAGE_COMPAT_PILLOW_13 : IMAGE_COMPAT_PILLOW_LEGACY;
  char path[1024];
  snprintf(path, sizeof path, "%s/fixtures/images/goldens/%s", FEWSHOT_TEST_DIR, argv[1]);
  size_t len = 0;
  char *text = test_read_file(path, &len);
  TEST_CHECK(&t, text != NULL, "cannot read %s", path);
  if (!text) return test_report(&t);
  cJSON *root = cJSON_Parse(text);
  free(text);
  TEST_CHECK(&t, root != NULL, "%s: bad JSON", path);
  if (!root) return test_report(&t);
  const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
  int n_cases = 0, n_resized = 0, n_errors = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "file"));
    snprintf(path, sizeof path, "%s/fixtures/images/%s", FEWSHOT_TEST_DIR, file);
    size_t n = 0;
    char *data = test_read_file(path, &n);
    TEST_CHECK(&t, data != NULL, "cannot read %s", path);
    if (!data) continue;
    n_cases++;
    image_raw img;
    char err[512] = "";
    int rc = image_decode((const uint8_t *)data, n, path, &opt, &img, err, sizeof err);
    free(data);
    const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(c, "error");
    if (want_err) {
      n_errors++;
      TEST_CHECK(&t, rc != 0, "%s: Pillow raises '%s' but we decoded it", file, want_err->valuestring);
      TEST_CHECK(&t, rc == 0 || strstr(err, path) == err, "%s: error does not start with the path: %s", file, err);
      if (rc == 0) image_raw_free(&img);
      continue;
    }
    TEST_CHECK(&t, rc == 0, "%s: decode failed: %s", file, err);
    if (rc) continue;
    const char *want_mode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "mode"));
    test_streq(&t, pillow_mode_name(img.mode, opt.compat), want_mode, "%s: mode", file);
    int want_w = cJSON_GetObjectItemCaseSensitive(c, "width")->valueint;
    int want_h = cJSON_GetObjectItemCaseSensitive(c, "height")->valueint;
    TEST_CHECK(&t, img.width == want_w && img.height == want_h, "%s: size %dx%d, want %dx%d", file, img.width,
               img.height, want_w, want_h);
    char hex[65];
    sha256_buffer_hex(img.pixels, (size_t)img.width * img.height * image_mode_bytes(img.mode), hex);
    test_streq(&t, hex, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "decoded_sha256")),
               "%s: decoded pixels (%s)", file, image_mode_name(img.mode));
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(c, "resized")) {
      int w = cJSON_GetObjectItemCaseSensitive(r, "width")->valueint;
      int h = cJSON_GetObjectItemCaseSensitive(r, "height")->valueint;
      uint8_t *rgb = malloc((size_t)w * h * 3);
      if (!rgb) continue;
      rc = image_resize_rgb8(&img, w, h, &opt, rgb, file, err, sizeof err);
      TEST_CHECK(&t, rc == 0, "%s -> %dx%d: %s", file, w, h, err);
      if (rc == 0) {
        n_resized++;
        sha256_buffer_hex(rgb, (size_t)w * h * 3, hex);
        const char *want = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "sha256"));
        if (!test_streq(&t, hex, want, "%s -> %dx%d (%s)", file, w, h, image_mode_name(img.mode))) {
          double mean[3] = {0, 0, 0};
          for (size_t i = 0; i < (size_t)w * h; i++)
            for (int k = 0; k < 3; k++) mean[k] += rgb[3 * i + k];
          const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "mean");
          fprintf(stderr, "  means: got %.4f %.4f %.4f, Pillow %.4f %.4f %.4f\n", mean[0] / ((double)w * h),
                  mean[1] / ((double)w * h), mean[2] / ((double)w * h), cJSON_GetArrayItem(m, 0)->valuedouble,
                  cJSON_GetArrayItem(m, 1)->valuedouble, cJSON_GetArrayItem(m, 2)->valuedouble);
        }
      }
      free(rgb);
    }
    image_raw_free(&img);
  }
  /* Truncated copies: refused exactly when Pillow refuses them, otherwise Pillow's pixels. */
  int n_cuts = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "truncations")) {
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "file"));
    snprintf(path, sizeof path, "%s/fixtures/images/%s", FEWSHOT_TEST_DIR, file);
    size_t n = 0;
    char *data = test_read_file(path, &n);
    TEST_CHECK(&t, data != NULL, "cannot read %s", path);
    if (!data) continue;
    uint8_t *rgb = malloc(384 * 384 * 3);
    const cJSON *cut;
    cJSON_ArrayForEach(cut, cJSON_GetObjectItemCaseSensitive(c, "cuts")) {
      size_t cut_len = (size_t)cJSON_GetArrayItem(cut, 0)->valuedouble;
      const char *want = cJSON_GetStringValue(cJSON_GetArrayItem(cut, 1));
      if (cut_len > n || !rgb) continue;
      /* a copy of exactly len bytes, so that reading past it is an ASan error */
      uint8_t *part = malloc(cut_len ? cut_len : 1);
      memcpy(part, data, cut_len);
      char label[1100], err[512] = "";
      snprintf(label, sizeof label, "%s[:%zu]", file, cut_len);
      int rc = image_preprocess_buffer_rgb8(part, cut_len, label, &opt, rgb, err, sizeof err);
      free(part);
      n_cuts++;
      if (strcmp(want, "error") == 0) {
        TEST_CHECK(&t, rc != 0, "%s: Pillow refuses it, we decoded it", label);
        TEST_CHECK(&t, rc == 0 || strncmp(err, label, strlen(label)) == 0, "%s: error does not name it: %s", label,
                   err);
      } else {
        TEST_CHECK(&t, rc == 0, "%s: Pillow decodes it, we refuse it: %s", label, err);
        if (rc == 0) {
          char hex[65];
          sha256_buffer_hex(rgb, 384 * 384 * 3, hex);
          test_streq(&t, hex, want, "%s: 384x384 RGB", label);
        }
      }
    }
    free(rgb);
    free(data);
  }
  cJSON_Delete(root);
  fprintf(stderr, "image_golden %s: %d files (%d refused as Pillow refuses them), %d resizes, %d truncated copies\n",
          argv[1], n_cases, n_errors, n_resized, n_cuts);
  TEST_CHECK(&t, n_cases >= 90 && n_resized >= 600, "too few cases: %d files, %d resizes", n_cases, n_resized);
  return test_report(&t);
}
