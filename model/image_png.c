/* image_png.c - PNG decoding with libpng, into the mode and pixel values Pillow's Image.open gives.
 *
 * Pillow's PngImagePlugin maps (bit depth, colour type) to a mode and a raw unpacker; we read the
 * same header fields with libpng and reproduce each mapping:
 *
 *   gray 1 bit        -> "1" (0 or 255)         gray 2 / 4 bit -> "L", scaled by 0x55 / 0x11
 *   gray 8            -> "L"                    gray 16        -> "I;16" (mode "I" before 10.3)
 *   RGB 8 / 16        -> "RGB" (16: high byte)  palette 1-8    -> "P" (indices + PLTE)
 *   gray+alpha 8      -> "LA"                   gray+alpha 16  -> "RGBA" (high bytes, L copied)
 *   RGBA 8 / 16       -> "RGBA" (16: high byte)
 *
 * tRNS never changes pixel values in Pillow (it only fills im.info["transparency"], which
 * convert("RGB") ignores), so it is not applied; neither are gAMA, sRGB or iCCP. Adam7 interlacing
 * is undone by libpng. libpng is used rather than stb_image because stb_image hides exactly what
 * these rules need (it expands palettes and tRNS into alpha and scales low bit depths itself).
 *
 * Damaged files are accepted or refused as Pillow (without LOAD_TRUNCATED_IMAGES) does:
 *  - every chunk before the first IDAT must be complete with a correct CRC;
 *  - the image data must hold every row: a file cut inside the last IDAT after the final row is
 *    fine (Pillow's decoder stops there; the zlib checksum and the IDAT CRCs are never checked);
 *  - after the image data, each chunk whose 8-byte header is present must have all its data,
 *    until IEND, a short header or a malformed chunk name.
 * libpng reads through a callback over the memory buffer; when it asks for image data past the
 * end, it gets zeros and we decide afterwards, by running Pillow's row-by-row inflate loop over
 * the IDAT bytes that exist, whether Pillow would have had every row without them. libpng's
 * errors longjmp back with their message. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "image.h"

typedef struct {
  const uint8_t *data;
  size_t n_data;
  size_t pos;
  int in_image; /* libpng is reading the image data */
  int padded;   /* ... and asked for bytes past the end of the file, which got zeros */
  char message[200];
} png_read_ctx;

static void png_on_error(png_structp png, png_const_charp msg) {
  png_read_ctx *ctx = png_get_error_ptr(png);
  if (ctx->message[0] == '\0') snprintf(ctx->message, sizeof ctx->message, "%s", msg);
  png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static void png_on_read(png_structp png, png_bytep dst, size_t n) {
  png_read_ctx *ctx = png_get_io_ptr(png);
  size_t avail = ctx->n_data - ctx->pos;
  if (n > avail) {
    /* Outside the image data, or a second read past the end (all real bytes have been inflated by
     * then; reading on would only feed zeros, e.g. through a chunk claiming gigabytes): stop. */
    if (!ctx->in_image || ctx->padded) {
      snprintf(ctx->message, sizeof ctx->message, "image file is truncated");
      png_error(png, ctx->message);
    }
    memcpy(dst, ctx->data + ctx->pos, avail);
    memset(dst + avail, 0, n - avail);
    ctx->pos = ctx->n_data;
    ctx->padded = 1;
    return;
  }
  memcpy(dst, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Pillow's is_cid: four word characters [A-Za-z0-9_]. */
static int is_chunk_name(const uint8_t *p) {
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
  }
  return 1;
}

/* Pillow's checks on the chunks before the first IDAT: each complete, its CRC right. Writes the
 * offset of the first IDAT chunk to *idat. Returns 0, or -1 with a reason in msg. */
static int check_header_chunks(const uint8_t *data, size_t n, size_t *idat, char *msg, size_t msg_size) {
  size_t pos = 8;
  for (;;) {
    if (n - pos < 8) {
      snprintf(msg, msg_size, "image file is truncated (no image data)");
      return -1;
    }
    uint32_t len = be32(data + pos);
    const uint8_t *name = data + pos + 4;
    if (!is_chunk_name(name)) {
      snprintf(msg, msg_size, "broken PNG file (chunk name at byte %zu)", pos + 4);
      return -1;
    }
    if (memcmp(name, "IDAT", 4) == 0) {
      *idat = pos;
      return 0;
    }
    if (len > n - pos - 8 || n - pos - 8 - len < 4) {
      snprintf(msg, msg_size, "image file is truncated (in chunk %.4s)", (const char *)name);
      return -1;
    }
    uLong crc = crc32(crc32(0L, Z_NULL, 0), name, 4 + (uInt)len);
    if ((uint32_t)crc != be32(data + pos + 8 + len)) {
      snprintf(msg, msg_size, "broken PNG file (bad header checksum in %.4s)", (const char *)name);
      return -1;
    }
    pos += 12 + (size_t)len;
  }
}

/* Row sizes in bytes (filter byte included) of the rows Pillow's decoder expects, in order: all
 * rows, or for Adam7 the rows of each pass that has pixels. Writes up to max_rows sizes. */
static size_t row_sizes(uint32_t w, uint32_t h, int bits_per_pixel, int interlace, uint32_t *sizes,
                        size_t max_rows) {
  static const int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
  static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
  size_t n = 0;
  for (int p = 0; p < (interlace ? 7 : 1); p++) {
    uint64_t cols = interlace ? (w > (uint32_t)x0[p] ? (w - x0[p] + dx[p] - 1) / dx[p] : 0) : w;
    uint64_t rows = interlace ? (h > (uint32_t)y0[p] ? (h - y0[p] + dy[p] - 1) / dy[p] : 0) : h;
    if (!cols || !rows) continue;
    for (uint64_t r = 0; r < rows && n < max_rows; r++) sizes[n++] = (uint32_t)(1 + (cols * bits_per_pixel + 7) / 8);
  }
  return n;
}

/* Whether Pillow's PNG decoder (ZipDecode.c fed by PngImagePlugin.load_read) finishes on the IDAT
 * bytes present in the file: it inflates row by row and keeps going only while unread input
 * remains, so it needs every row out of zlib before its input runs dry; a bad filter type stops
 * it. Used only when the file ends inside the image data. */
static int pillow_finishes_idat(const uint8_t *data, size_t n, size_t idat, uint32_t w, uint32_t h,
                                int bits_per_pixel, int interlace) {
  const size_t max_rows = interlace ? 2 * (size_t)h + 7 : (size_t)h; /* Adam7: <= 15h/8 + 7 rows */
  uint32_t *sizes = malloc(max_rows * sizeof *sizes);
  if (!sizes) return 0;
  size_t n_rows = row_sizes(w, h, bits_per_pixel, interlace, sizes, max_rows);
  size_t max_row = 1;
  for (size_t i = 0; i < n_rows; i++) max_row = sizes[i] > max_row ? sizes[i] : max_row;
  uint8_t *row = malloc(max_row);
  z_stream z;
  memset(&z, 0, sizeof z);
  int finished = 0;
  if (!row || inflateInit(&z) != Z_OK) {
    free(sizes);
    free(row);
    return 0;
  }
  size_t r = 0, have_out = 0, pos = idat;
  while (!finished && n_rows > 0 && n - pos >= 8 && memcmp(data + pos + 4, "IDAT", 4) == 0) {
    uint32_t len = be32(data + pos);
    size_t have = n - pos - 8 < len ? n - pos - 8 : len;
    z.next_in = (Bytef *)(uintptr_t)(data + pos + 8);
    z.avail_in = (uInt)have;
    while (z.avail_in > 0) {
      z.next_out = row + have_out;
      z.avail_out = (uInt)(sizes[r] - have_out);
      int rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) goto done; /* Pillow: decoder error */
      have_out = sizes[r] - z.avail_out;
      if (have_out < sizes[r]) break; /* needs more input */
      if (row[0] > 4) goto done;      /* unknown filter type */
      have_out = 0;
      if (++r == n_rows || rc == Z_STREAM_END) {
        finished = 1;
        break;
      }
    }
    if (have < len) break;
    pos += 12 + (size_t)len;
  }
done:
  inflateEnd(&z);
  free(sizes);
  free(row);
  return finished;
}

/* Pillow's load_end: after the image, every chunk with a complete header must be complete. */
static int check_trailing_chunks(const uint8_t *data, size_t n, size_t pos, char *msg, size_t msg_size) {
  while (pos <= n && n - pos >= 8) {
    const uint8_t *name = data + pos + 4;
    if (!is_chunk_name(name) || memcmp(name, "IEND", 4) == 0) return 0;
    uint32_t len = be32(data + pos);
    if (len > n - pos - 8) {
      snprintf(msg, msg_size, "image file is truncated (in chunk %.4s after the image data)", (const char *)name);
      return -1;
    }
    pos += 12 + (size_t)len; /* the CRC is neither checked nor required */
  }
  return 0;
}

/* The decoder proper: name and opt are resolved and never modified (they must survive longjmp). */
static int png_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                      image_raw *out, char *err, size_t err_size) {
  png_read_ctx ctx = {data, n_data, 0, 0, 0, ""};
  size_t idat = 0;
  if (n_data < 8 || png_sig_cmp(data, 0, 8) != 0) {
    if (err) snprintf(err, err_size, "%s: PNG: not a PNG file", name);
    return -1;
  }
  if (check_header_chunks(data, n_data, &idat, ctx.message, sizeof ctx.message)) {
    if (err) snprintf(err, err_size, "%s: PNG: %s", name, ctx.message);
    return -1;
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
  if (!png) {
    if (err) snprintf(err, err_size, "%s: PNG: out of memory", name);
    return -1;
  }
  png_infop info = png_create_info_struct(png);
  uint8_t *volatile raw = NULL; /* rows as libpng delivers them */
  png_bytep *volatile rows = NULL;
  volatile int stage = 0; /* 1: libpng is in png_read_image */
  /* the header, copied to volatile storage so it survives a longjmp out of png_read_image */
  volatile png_uint_32 width = 0, height = 0;
  volatile int bit_depth = 0, color_type = 0, interlace = 0;
  if (!info) {
    png_destroy_read_struct(&png, NULL, NULL);
    if (err) snprintf(err, err_size, "%s: PNG: out of memory", name);
    return -1;
  }
  if (setjmp(png_jmpbuf(png))) {
    /* An error from libpng. If it came after libpng read zeros past the end of the file and the
     * real bytes hold every row, the rows are complete and the error was about the zeros. */
    if (!(stage == 1 && ctx.padded)) {
      png_destroy_read_struct(&png, &info, NULL);
      free(raw);
      free(rows);
      if (err) snprintf(err, err_size, "%s: PNG: %s", name, ctx.message[0] ? ctx.message : "out of memory");
      return -1;
    }
  } else {
    png_set_read_fn(png, &ctx, png_on_read);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1); /* all ancillary but tRNS */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE); /* checked above, as Pillow does */
    /* Pillow never reads the zlib checksum (its decoder stops after the last row); libpng would
     * check it inside the inflate call that yields the last row. */
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
    png_read_info(png, info);
    png_uint_32 w32 = 0, h32 = 0;
    int depth = 0, ctype = 0, ilace = 0;
    png_get_IHDR(png, info, &w32, &h32, &depth, &ctype, &ilace, NULL, NULL);
    width = w32;
    height = h32;
    bit_depth = depth;
    color_type = ctype;
    interlace = ilace;
    if ((int64_t)width * height > opt->max_pixels) {
      snprintf(ctx.message, sizeof ctx.message, "%ux%u pixels exceeds the limit of %lld", width, height,
               (long long)opt->max_pixels);
      png_longjmp(png, 1);
    }
    if (color_type != PNG_COLOR_TYPE_GRAY && color_type != PNG_COLOR_TYPE_RGB &&
        color_type != PNG_COLOR_TYPE_PALETTE && color_type != PNG_COLOR_TYPE_GRAY_ALPHA &&
        color_type != PNG_COLOR_TYPE_RGB_ALPHA) {
      snprintf(ctx.message, sizeof ctx.message, "unsupported colour type %d", color_type);
      png_longjmp(png, 1);
    }
    if (bit_depth < 8) png_set_packing(png); /* one byte per pixel, values not scaled */
    if (bit_depth == 16 && color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png); /* high byte */
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int out_bytes = color_type == PNG_COLOR_TYPE_GRAY ? (bit_depth == 16 ? 2 : 1)
                          : color_type == PNG_COLOR_TYPE_RGB ? 3
                          : color_type == PNG_COLOR_TYPE_PALETTE ? 1
                          : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 4;
    const size_t stride = (size_t)width * out_bytes;
    if (png_get_rowbytes(png, info) != stride) {
      snprintf(ctx.message, sizeof ctx.message, "unexpected row size %zu (want %zu)",
               (size_t)png_get_rowbytes(png, info), stride);
      png_longjmp(png, 1);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
      png_colorp plte = NULL;
      int n_plte = 0;
      if (!png_get_PLTE(png, info, &plte, &n_plte) || n_plte < 1 || n_plte > 256) {
        snprintf(ctx.message, sizeof ctx.message, "palette image without a palette");
        png_longjmp(png, 1);
      }
      for (int i = 0; i < n_plte; i++) {
        out->palette[3 * i + 0] = plte[i].red;
        out->palette[3 * i + 1] = plte[i].green;
        out->palette[3 * i + 2] = plte[i].blue;
      }
      out->n_palette = n_plte;
    }
    raw = calloc(stride * height, 1);
    rows = malloc(height * sizeof *rows);
    if (!raw || !rows) {
      snprintf(ctx.message, sizeof ctx.message, "out of memory for %ux%u pixels", width, height);
      png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = raw + y * stride;
    ctx.in_image = 1;
    stage = 1;
    png_read_image(png, rows);
    ctx.in_image = 0;
    stage = 2;
  }
  const size_t end_of_image = ctx.pos;
  const int padded = ctx.padded;
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);
  rows = NULL;
  char why[200] = "";
  int channels = color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_PALETTE ? 1
                 : color_type == PNG_COLOR_TYPE_RGB ? 3
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 4;
  if (padded) {
    if (!pillow_finishes_idat(data, n_data, idat, width, height, channels * bit_depth, interlace))
      snprintf(why, sizeof why, "image file is truncated");
  } else {
    check_trailing_chunks(data, n_data, end_of_image, why, sizeof why);
  }
  if (why[0]) {
    free(raw);
    memset(out, 0, sizeof *out);
    if (err) snprintf(err, err_size, "%s: PNG: %s", name, why);
    return -1;
  }

  const size_t n = (size_t)width * height;
  uint8_t *pixels = raw;
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16) {
    uint16_t *p16 = (uint16_t *)(void *)raw; /* big-endian samples -> native uint16, in place */
    for (size_t i = 0; i < n; i++) {
      const uint8_t *b = raw + 2 * i;
      uint16_t v = (uint16_t)((b[0] << 8) | b[1]);
      p16[i] = v;
    }
  } else if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA && bit_depth == 16) {
    pixels = malloc(n * 4); /* Pillow opens these as RGBA ("LA;16B" unpacker) */
    if (!pixels) {
      free(raw);
      memset(out, 0, sizeof *out);
      if (err) snprintf(err, err_size, "%s: PNG: out of memory", name);
      return -1;
    }
    for (size_t i = 0; i < n; i++) {
      pixels[4 * i + 0] = pixels[4 * i + 1] = pixels[4 * i + 2] = raw[2 * i];
      pixels[4 * i + 3] = raw[2 * i + 1];
    }
    free(raw);
  } else if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
    /* Pillow's "1" unpacker gives 0/255; "L;2" and "L;4" scale by 0x55 and 0x11. */
    const unsigned mul = bit_depth == 1 ? 255 : bit_depth == 2 ? 0x55 : 0x11;
    for (size_t i = 0; i < n; i++) raw[i] = (uint8_t)(raw[i] * mul);
  }
  image_mode mode;
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
      mode = bit_depth == 1 ? IMAGE_MODE_1 : bit_depth == 16 ? IMAGE_MODE_I16 : IMAGE_MODE_L;
      break;
    case PNG_COLOR_TYPE_RGB: mode = IMAGE_MODE_RGB; break;
    case PNG_COLOR_TYPE_PALETTE: mode = IMAGE_MODE_P; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: mode = bit_depth == 16 ? IMAGE_MODE_RGBA : IMAGE_MODE_LA; break;
    default: mode = IMAGE_MODE_RGBA; break;
  }
  out->width = (int)width;
  out->height = (int)height;
  out->mode = mode;
  out->pixels = pixels;
  return 0;
}

int image_png_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                     image_raw *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  return png_decode(data, n_data, name ? name : "image", opt, out, err, err_size);
}
