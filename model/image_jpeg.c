/* image_jpeg.c - JPEG decoding with libjpeg-turbo, giving the pixels Pillow's Image.open gives.
 *
 * Pillow (JpegImagePlugin.py, JpegDecode.c) decodes with libjpeg-turbo at the library defaults
 * (ISLOW IDCT, fancy upsampling, block smoothing; no DCT scaling unless draft() is called, which
 * the reference does not), asking for L (1 component), RGB (3) or CMYK (4) and letting libjpeg
 * guess the file's colour space. It refuses other component counts and precisions other than 8
 * bits. CMYK data is read with Pillow's "CMYK;I" raw mode, i.e. every byte inverted (Pillow
 * assumes Adobe's inverted polarity); we do the same so the later CMYK -> RGB matches.
 *
 * Errors: libjpeg's default handler calls exit(); ours longjmps back with the message. Pillow
 * (without LOAD_TRUNCATED_IMAGES) fails when the file ends before the decoder has finished; with
 * libjpeg's memory source that shows as the "Premature end of JPEG file" warning, which we make an
 * error. Other warnings (corrupt data the decoder skips over) are ignored, as Pillow ignores them. */
#include <jerror.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "image.h"

typedef struct {
  struct jpeg_error_mgr pub; /* must be first: libjpeg's cinfo->err points here */
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} jpeg_error_ctx;

typedef struct {
  struct jpeg_progress_mgr pub; /* must be first */
  int max_scans;
  int too_many_scans;
} jpeg_progress_ctx;

static void jpeg_on_error(j_common_ptr cinfo) {
  jpeg_error_ctx *ctx = (jpeg_error_ctx *)(void *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, ctx->message);
  longjmp(ctx->jump, 1);
}

/* Warnings (msg_level -1) and trace messages: ignored, except running out of data. */
static void jpeg_on_message(j_common_ptr cinfo, int msg_level) {
  jpeg_error_ctx *ctx = (jpeg_error_ctx *)(void *)cinfo->err;
  if (msg_level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    snprintf(ctx->message, sizeof ctx->message, "image file is truncated");
    longjmp(ctx->jump, 1);
  }
}

/* Counts scans of progressive/multi-scan files so a hostile file cannot make us decode thousands
 * of scans (only when opt->max_jpeg_scans > 0). */
static void jpeg_on_progress(j_common_ptr cinfo) {
  jpeg_progress_ctx *p = (jpeg_progress_ctx *)(void *)cinfo->progress;
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  if (p->max_scans > 0 && d->input_scan_number > p->max_scans) {
    jpeg_error_ctx *ctx = (jpeg_error_ctx *)(void *)cinfo->err;
    snprintf(ctx->message, sizeof ctx->message, "more than %d scans", p->max_scans);
    longjmp(ctx->jump, 1);
  }
}

/* The decoder proper: name and opt are resolved and never modified (they must survive longjmp). */
static int jpeg_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
               image_raw *out, char *err, size_t err_size) {
  if (n_data > (size_t)0xffffffffUL) { /* jpeg_mem_src takes an unsigned long; be explicit */
    if (err) snprintf(err, err_size, "%s: JPEG: file too large", name);
    return -1;
  }
  /* Everything that must survive the longjmp is volatile or lives in these structs. */
  struct jpeg_decompress_struct cinfo;
  jpeg_error_ctx jerr;
  jpeg_progress_ctx prog;
  uint8_t *volatile pixels = NULL;
  JSAMPROW *volatile rows = NULL;
  memset(&cinfo, 0, sizeof cinfo);
  memset(&prog, 0, sizeof prog);
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = jpeg_on_error;
  jerr.pub.emit_message = jpeg_on_message;
  jerr.message[0] = '\0';
  if (setjmp(jerr.jump)) {
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    free(rows);
    if (err) snprintf(err, err_size, "%s: JPEG: %s", name, jerr.message);
    return -1;
  }
  jpeg_create_decompress(&cinfo);
  prog.pub.progress_monitor = jpeg_on_progress;
  prog.max_scans = opt->max_jpeg_scans;
  cinfo.progress = &prog.pub;
  jpeg_mem_src(&cinfo, data, (unsigned long)n_data);
  jpeg_read_header(&cinfo, TRUE);

  image_mode mode;
  if (cinfo.data_precision != 8) {
    snprintf(jerr.message, sizeof jerr.message, "cannot handle %d-bit layers", cinfo.data_precision);
    longjmp(jerr.jump, 1);
  }
  switch (cinfo.num_components) {
    case 1: mode = IMAGE_MODE_L; cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: mode = IMAGE_MODE_RGB; cinfo.out_color_space = JCS_RGB; break;
    case 4: mode = IMAGE_MODE_CMYK; cinfo.out_color_space = JCS_CMYK; break;
    default:
      snprintf(jerr.message, sizeof jerr.message, "cannot handle %d-layer images", cinfo.num_components);
      longjmp(jerr.jump, 1);
  }
  int64_t n_pixels = (int64_t)cinfo.image_width * cinfo.image_height;
  if (n_pixels > opt->max_pixels) {
    snprintf(jerr.message, sizeof jerr.message, "%ux%u pixels exceeds the limit of %lld",
             cinfo.image_width, cinfo.image_height, (long long)opt->max_pixels);
    longjmp(jerr.jump, 1);
  }
  jpeg_start_decompress(&cinfo);
  const int nc = image_mode_bytes(mode);
  if (cinfo.output_components != nc || cinfo.output_width != cinfo.image_width ||
      cinfo.output_height != cinfo.image_height) {
    snprintf(jerr.message, sizeof jerr.message, "unexpected decoder output (%d components, %ux%u)",
             cinfo.output_components, cinfo.output_width, cinfo.output_height);
    longjmp(jerr.jump, 1);
  }
  const size_t stride = (size_t)cinfo.output_width * nc;
  pixels = malloc(stride * cinfo.output_height);
  rows = malloc(cinfo.output_height * sizeof *rows);
  if (!pixels || !rows) {
    snprintf(jerr.message, sizeof jerr.message, "out of memory for %ux%u pixels", cinfo.output_width,
             cinfo.output_height);
    longjmp(jerr.jump, 1);
  }
  for (JDIMENSION y = 0; y < cinfo.output_height; y++) rows[y] = pixels + y * stride;
  while (cinfo.output_scanline < cinfo.output_height) {
    JDIMENSION got = jpeg_read_scanlines(&cinfo, rows + cinfo.output_scanline,
                                         cinfo.output_height - cinfo.output_scanline);
    if (got == 0) { /* cannot happen with a memory source; be safe */
      snprintf(jerr.message, sizeof jerr.message, "image file is truncated");
      longjmp(jerr.jump, 1);
    }
  }
  jpeg_finish_decompress(&cinfo);
  out->width = (int)cinfo.output_width;
  out->height = (int)cinfo.output_height;
  jpeg_destroy_decompress(&cinfo);
  free(rows);
  if (mode == IMAGE_MODE_CMYK) {
    size_t n = stride * (size_t)out->height;
    for (size_t i = 0; i < n; i++) pixels[i] = (uint8_t)~pixels[i];
  }
  out->mode = mode;
  out->pixels = pixels;
  return 0;
}

int image_jpeg_decode(const uint8_t *data, size_t n_data, const char *name, const image_options *opt,
                      image_raw *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  image_options defaults;
  if (!opt) {
    image_options_default(&defaults);
    opt = &defaults;
  }
  return jpeg_decode(data, n_data, name ? name : "image", opt, out, err, err_size);
}
