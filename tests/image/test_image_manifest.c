/* test_image_manifest.c - the team's image manifest (tests/fixtures/images/manifest.json, made with
 * Pillow 9.4 and libjpeg-turbo 2.1) against our pipeline in the legacy profile.
 *
 * For every image: pil_decode.rgb_u8_sha256 (Image.open + convert("RGB"), no resize) and
 * blip3_squash384_pil.rgb_u8_sha256 (the model's preprocessing: resize 384x384 BICUBIC in the
 * image's mode, then convert("RGB")) must match exactly, the latter through the public
 * image_load_rgb8() entry point; files whose decode failed in Pillow must fail here with an error
 * naming the file. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "sha256.h" /* harness/: the digests run.json uses */
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("image_manifest");
  char path[1024];
  snprintf(path, sizeof path, "%s/fixtures/images/manifest.json", FEWSHOT_TEST_DIR);
  char *text = test_read_file(path, NULL);
  TEST_CHECK(&t, text != NULL, "cannot read %s", path);
  if (!text) return test_report(&t);
  cJSON *root = cJSON_Parse(text);
  free(text);
  image_options opt;
  image_options_default(&opt); /* legacy profile, 384 */
  const cJSON *img_json;
  int n_checked = 0;
  cJSON_ArrayForEach(img_json, cJSON_GetObjectItemCaseSensitive(root, "images")) {
    /* "shared/assets/images/<folder>/<file>" -> tests/fixtures/images/<folder>/<file> */
    const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(img_json, "path"));
    const char *rel = strstr(p, "images/");
    snprintf(path, sizeof path, "%s/fixtures/%s", FEWSHOT_TEST_DIR, rel ? rel : p);
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(img_json, "pil_decode");
    const cJSON *b3 = cJSON_GetObjectItemCaseSensitive(img_json, "blip3_squash384_pil");
    uint8_t *rgb = malloc(384 * 384 * 3);
    char err[512] = "";
    int rc = image_load_rgb8(path, &opt, rgb, err, sizeof err);
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dec, "ok"))) {
      TEST_CHECK(&t, rc != 0, "%s: Pillow fails (%s) but we decoded it", path,
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dec, "error")));
      TEST_CHECK(&t, strncmp(err, path, strlen(path)) == 0, "error does not name the file: '%s'", err);
      free(rgb);
      n_checked++;
      continue;
    }
    TEST_CHECK(&t, rc == 0, "%s: %s", path, err);
    char hex[65];
    if (rc == 0) {
      sha256_buffer_hex(rgb, 384 * 384 * 3, hex);
      test_streq(&t, hex, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b3, "rgb_u8_sha256")),
                 "%s: 384x384 RGB", path);
    }
    free(rgb);
    /* the plain decode, converted to RGB at its own size */
    size_t n = 0;
    char *data = test_read_file(path, &n);
    image_raw img;
    rc = data ? image_decode((const uint8_t *)data, n, path, &opt, &img, err, sizeof err) : -1;
    free(data);
    TEST_CHECK(&t, rc == 0, "%s: %s", path, err);
    if (rc == 0) {
      uint8_t *full = malloc((size_t)img.width * img.height * 3);
      rc = image_resize_rgb8(&img, img.width, img.height, &opt, full, path, err, sizeof err);
      TEST_CHECK(&t, rc == 0, "%s: %s", path, err);
      sha256_buffer_hex(full, (size_t)img.width * img.height * 3, hex);
      test_streq(&t, hex, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dec, "rgb_u8_sha256")),
                 "%s: decoded RGB", path);
      free(full);
      image_raw_free(&img);
    }
    n_checked++;
  }
  cJSON_Delete(root);
  TEST_CHECK(&t, n_checked == 45, "manifest lists %d images, expected 45", n_checked);
  return test_report(&t);
}
