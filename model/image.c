/* image.c - the image pipeline: options, format sniffing, file reading, and the final ToTensor +
 * Normalize step. Decoding lives in image_jpeg.c / image_png.c, resizing in image_resample.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "fileio.h"

void image_options_default(image_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->size = 384;
  opt->compat = IMAGE_COMPAT_PILLOW_LEGACY;
  opt->max_pixels = 2LL * 178956970LL; /* Pillow: Image.MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3 */
  opt->max_jpeg_scans = 0;
}

int image_mode_bytes(image_mode mode) {
  switch (mode) {
    case IMAGE_MODE_1:
    case IMAGE_MODE_L:
    case IMAGE_MODE_P: return 1;
    case IMAGE_MODE_LA:
    case IMAGE_MODE_I16: return 2;
    case IMAGE_MODE_RGB: return 3;
    case IMAGE_MODE_RGBA:
    case IMAGE_MODE_CMYK: return 4;
  }
  return 1;
}

const char *image_mode_name(image_mode mode) {
  switch (mode) {
    case IMAGE_MODE_1: return "1";
    case IMAGE_MODE_L: return "L";
    case IMAGE_MODE_P: return "P";
    case IMAGE_MODE_LA: return "LA";
    case IMAGE_MODE_RGB: return "RGB";
    case IMAGE_MODE_RGBA: return "RGBA";
    case IMAGE_MODE_CMYK: return "CMYK";
    case IMAGE_MODE_I16: return "I;16";
  }
  return "?";
}

void image_raw_free(image_raw *img) {
  if (!img) return;
  free(img->pixels);
  memset(img, 0, sizeof *img);
}

int image_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                 image_raw *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  if (!name) name = "image";
  if (n_data >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return image_jpeg_decode(data, n_data, name, opt, out, err, err_size);
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n_data >= 8 && memcmp(data, png_sig, 8) == 0)
    return image_png_decode(data, n_data, name, opt, out, err, err_size);
  if (err) {
    if (n_data == 0) snprintf(err, err_size, "%s: empty file", name);
    else snprintf(err, err_size, "%s: cannot identify image file (not JPEG or PNG)", name);
  }
  return -1;
}

void image_rgb8_to_chw(const uint8_t *rgb, int width, int height, float *chw) {
  /* The value depends on the byte only: tabulate the 256 results of the exact float32 steps. */
  float lut[256];
  for (int p = 0; p < 256; p++) {
    float v = (float)p / 255.0f; /* ToTensor: div(255) in float32 */
    lut[p] = (v - 0.5f) / 0.5f;  /* Normalize: sub(mean).div(std) */
  }
  const size_t plane = (size_t)width * height;
  float *r = chw, *g = chw + plane, *b = chw + 2 * plane;
  for (size_t i = 0; i < plane; i++) {
    r[i] = lut[rgb[3 * i]];
    g[i] = lut[rgb[3 * i + 1]];
    b[i] = lut[rgb[3 * i + 2]];
  }
}

int image_preprocess_buffer_rgb8(const uint8_t *data, size_t n_data, const char *name,
                                 const image_options *opt, uint8_t *rgb, char *err, size_t err_size) {
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  if (!name) name = "image";
  if (opt->size < 1 || opt->size > 16384) {
    if (err) snprintf(err, err_size, "%s: image size %d out of range [1, 16384]", name, opt->size);
    return -1;
  }
  image_raw img;
  if (image_decode(data, n_data, name, opt, &img, err, err_size)) return -1;
  int rc = image_resize_rgb8(&img, opt->size, opt->size, opt, rgb, name, err, err_size);
  image_raw_free(&img);
  return rc;
}

int image_load_rgb8(const char *path, const image_options *opt, uint8_t *rgb, char *err,
                    size_t err_size) {
  size_t n = 0;
  uint8_t *data = (uint8_t *)fileio_read_all(path, 0, &n, NULL, err, err_size);
  if (!data) return -1;
  int rc = image_preprocess_buffer_rgb8(data, n, path, opt, rgb, err, err_size);
  free(data);
  return rc;
}

int image_load_chw(const char *path, const image_options *opt, float *chw, char *err, size_t err_size) {
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  if (opt->size < 1 || opt->size > 16384) {
    if (err) snprintf(err, err_size, "%s: image size %d out of range [1, 16384]", path, opt->size);
    return -1;
  }
  const size_t n = (size_t)opt->size * opt->size * 3;
  uint8_t *rgb = malloc(n);
  if (!rgb) {
    if (err) snprintf(err, err_size, "%s: out of memory", path);
    return -1;
  }
  int rc = image_load_rgb8(path, opt, rgb, err, err_size);
  if (rc == 0) image_rgb8_to_chw(rgb, opt->size, opt->size, chw);
  free(rgb);
  return rc;
}
