/* image.h - image files to model input pixels, exactly as the reference preprocessing does.
 *
 * The reference (model.md §4.2) is Pillow: Image.open(path), .resize((S, S), BICUBIC) in the
 * image's own mode, .convert("RGB"), then ToTensor (/255) and Normalize(0.5, 0.5). This module
 * reproduces each step bit for bit:
 *
 *   decode (image_jpeg.c, image_png.c)  file bytes -> image_raw in the mode Pillow opens it as
 *   resize (image_resample.c)           image_raw -> S x S RGB uint8, Pillow's resampler and mode
 *                                       rules (NEAREST for P and 1, premultiplied alpha, CMYK
 *                                       resized before conversion, 16-bit gray clipped)
 *   normalise (image.c)                 uint8 HWC -> float32 CHW, (p/255 - 0.5)/0.5
 *
 * JPEG is decoded by libjpeg-turbo (the decoder inside Pillow, same defaults: ISLOW IDCT, fancy
 * upsampling, no DCT scaling), PNG by libpng. Only JPEG and PNG are read; EXIF orientation is not
 * applied (Pillow's Image.open does not). Pillow versions differ in two places and both behaviours
 * are available (image_compat): docs/images.md has the details.
 *
 * Every function here is thread-safe: no global state; libjpeg and libpng errors are caught per
 * call with setjmp/longjmp and reported through the caller's err buffer (docs/conventions.md). */
#ifndef FEWSHOT_IMAGE_H
#define FEWSHOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Which Pillow the preprocessing reproduces. They differ only in
 *  - the order of the two resize passes: Pillow <= 12.1 always resizes horizontally first;
 *    Pillow 13 resizes vertically first when the height shrinks by more than twice as many pixels
 *    as the width does (in_h > out_h and in_h - out_h > 2 * (in_w - out_w));
 *  - 16-bit grayscale PNGs: Pillow <= 10.2 opens them as mode I (32-bit, no clipping between the
 *    passes); Pillow >= 12.3 as I;16 (clipped to 0..65535 after each pass). Pillow 10.3-10.4
 *    refuse to resize them with BICUBIC, 11.0-12.2 wrap around on overflow; neither is offered. */
typedef enum {
  IMAGE_COMPAT_PILLOW_LEGACY = 0, /* Pillow <= 10.2 (the 2024 reference runs; the shared manifest, 9.4) */
  IMAGE_COMPAT_PILLOW_13 = 1      /* Pillow 13.0 */
} image_compat;

/* Options of the whole pipeline. Fill with image_options_default(), then change fields. */
typedef struct {
  int size;              /* output side S in pixels (the model config's image size; default 384) */
  image_compat compat;   /* default IMAGE_COMPAT_PILLOW_LEGACY */
  int64_t max_pixels;    /* refuse images with more pixels (default 357913941: Pillow's
                            DecompressionBombError limit, 2 x MAX_IMAGE_PIXELS) */
  int max_jpeg_scans;    /* refuse JPEGs with more scans; 0 = no limit (default; Pillow has none) */
  int scalar_kernels;    /* 1: resample with the portable C loops even where the AVX2 ones run
                            (same bytes; for tests and comparisons). Default 0 */
} image_options;

/* Sets the defaults listed above. */
void image_options_default(image_options *opt);

/* The Pillow mode an image opens as. */
typedef enum {
  IMAGE_MODE_1 = 0, /* bilevel, 1 byte per pixel, 0 or 255 (1-bit gray PNG) */
  IMAGE_MODE_L,     /* gray, 1 byte */
  IMAGE_MODE_P,     /* palette index, 1 byte; palette[] holds 256 RGB entries */
  IMAGE_MODE_LA,    /* gray + alpha, 2 bytes */
  IMAGE_MODE_RGB,   /* 3 bytes */
  IMAGE_MODE_RGBA,  /* 4 bytes */
  IMAGE_MODE_CMYK,  /* 4 bytes, Pillow's polarity (the Adobe-inverted bytes of the file, inverted) */
  IMAGE_MODE_I16    /* 16-bit gray, one native-endian uint16_t per pixel (Pillow I;16, or I in
                       the legacy profile: same values) */
} image_mode;

/* A decoded image, pixels row-major with no padding (bytes per pixel: image_mode_bytes()). */
typedef struct {
  int width, height;
  image_mode mode;
  uint8_t *pixels;          /* owned; free with image_raw_free() */
  uint8_t palette[256 * 3]; /* IMAGE_MODE_P only: RGB entries; entries past the file's palette are
                               0, as in Pillow */
  int n_palette;            /* entries the file's palette has (P only) */
} image_raw;

/* Bytes per pixel of a mode (1, 2, 3 or 4). */
int image_mode_bytes(image_mode mode);

/* Pillow's name of a mode ("1", "L", "P", "LA", "RGB", "RGBA", "CMYK", "I;16"). */
const char *image_mode_name(image_mode mode);

/* Decodes a JPEG or PNG held in memory into *out in the mode Pillow opens it as. `name` (the file
 * name, or any label) starts every error message. Returns 0 on success; on failure returns -1,
 * leaves *out empty (safe to image_raw_free) and writes "name: reason" into err. Truncated files
 * are errors, as in Pillow without LOAD_TRUNCATED_IMAGES. */
int image_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                 image_raw *out, char *err, size_t err_size);

/* The format-specific halves of image_decode() (same contract; the data must be of that format). */
int image_jpeg_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                      image_raw *out, char *err, size_t err_size);
int image_png_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                     image_raw *out, char *err, size_t err_size);

/* Frees the pixels of *img (NULL-safe) and empties it. */
void image_raw_free(image_raw *img);

/* Pillow's img.resize((out_w, out_h), BICUBIC).convert("RGB") in the version opt->compat names
 * (opt may be NULL: defaults; opt->size is not used): writes out_h * out_w * 3 bytes (RGB,
 * row-major) to rgb. BICUBIC becomes NEAREST for modes 1 and P, as in Pillow. `name` starts error
 * messages. Returns 0, or -1 with "name: reason" in err (out of memory, sizes < 1). */
int image_resize_rgb8(const image_raw *img, int out_w, int out_h, const image_options *opt, uint8_t *rgb,
                      const char *name, char *err, size_t err_size);

/* The resampling core on plain interleaved uint8 pixels (n_channels 1..4, every channel resampled
 * alike): Pillow's ImagingResample with BICUBIC for 8-bit modes, pass order of opt->compat (opt
 * may be NULL). Writes out_h * out_w * n_channels bytes to dst. Returns 0, or -1 with a reason in
 * err. */
int image_resample_u8(const uint8_t *src, int in_w, int in_h, int n_channels, uint8_t *dst, int out_w,
                      int out_h, const image_options *opt, char *err, size_t err_size);

/* ToTensor + Normalize(0.5, 0.5): rgb (h x w x 3 uint8) -> chw (3 x h x w float32),
 * value = (p / 255.0f - 0.5f) / 0.5f in float32, as torch computes it. */
void image_rgb8_to_chw(const uint8_t *rgb, int width, int height, float *chw);

/* Decode + resize of an in-memory file: size x size x 3 uint8 RGB into rgb (opt->size from opt). */
int image_preprocess_buffer_rgb8(const uint8_t *data, size_t n_data, const char *name,
                                 const image_options *opt, uint8_t *rgb, char *err, size_t err_size);

/* Reads the file at `path` and writes opt->size x opt->size x 3 uint8 RGB (HWC) into rgb: what
 * Pillow's resize + convert("RGB") gives. Returns 0, or -1 with "path: reason" in err. */
int image_load_rgb8(const char *path, const image_options *opt, uint8_t *rgb, char *err,
                    size_t err_size);

/* The model input: reads `path` and writes the 3 x S x S float32 tensor (CHW, S = opt->size) into
 * chw. Returns 0, or -1 with "path: reason" in err. Callable from many threads at once. */
int image_load_chw(const char *path, const image_options *opt, float *chw, char *err, size_t err_size);

#endif
