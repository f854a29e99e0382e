/* fuzz_image.c - libFuzzer target for image decoding and resizing (model/image*.c).
 *
 * Feeds arbitrary bytes as a file to image_decode (JPEG through libjpeg-turbo, PNG through libpng
 * plus our own chunk and truncation checks); when a decode succeeds, checks the result's shape and
 * resizes it in both Pillow profiles to a small square and to an odd size taken from the input, so
 * that the resampler's bounds (extreme aspect ratios, 1-pixel images, 16-bit and palette modes) are
 * exercised too. A failed decode must leave an error that starts with the file name. Limits keep
 * single inputs fast: at most 2^22 pixels, 64 JPEG scans. Built only with -DFEWSHOT_FUZZ=ON and
 * CC=clang; seeds are the test images:
 *
 *   mkdir -p /tmp/img-corpus && build-fuzz/fuzz_image /tmp/img-corpus tests/fixtures/images/{photos,edge,pngsuite,generated} \
 *       -max_total_time=600 -max_len=300000 -rss_limit_mb=2048 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a private copy of exactly `size` bytes, so ASan sees any read past the end */
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  image_options opt;
  image_options_default(&opt);
  opt.max_pixels = 1 << 22;
  opt.max_jpeg_scans = 64;
  image_raw img;
  char err[512] = "";
  if (image_decode(copy, size, "fuzz.img", &opt, &img, err, sizeof err) != 0) {
    if (strncmp(err, "fuzz.img: ", 10) != 0) abort(); /* every error names the file */
    free(copy);
    return 0;
  }
  if (img.width < 1 || img.height < 1 || !img.pixels || (int64_t)img.width * img.height > opt.max_pixels) abort();
  /* touch every decoded byte (uninitialised or out-of-bounds memory shows up under MSan/ASan) */
  size_t n = (size_t)img.width * img.height * image_mode_bytes(img.mode);
  unsigned sum = 0;
  for (size_t i = 0; i < n; i++) sum += img.pixels[i];
  int w = 1 + (int)((size + sum) % 61), h = 1 + (int)((size * 7 + sum) % 59);
  uint8_t *rgb = malloc((size_t)64 * 64 * 3);
  for (int compat = 0; compat < 2 && rgb; compat++) {
    opt.compat = compat ? IMAGE_COMPAT_PILLOW_13 : IMAGE_COMPAT_PILLOW_LEGACY;
    if (image_resize_rgb8(&img, 32, 32, &opt, rgb, "fuzz.img", err, sizeof err) != 0) abort();
    if (image_resize_rgb8(&img, w, h, &opt, rgb, "fuzz.img", err, sizeof err) != 0) abort();
  }
  free(rgb);
  image_raw_free(&img);
  free(copy);
  return 0;
}
