/* cmd_preprocess.c - `fewshot preprocess`: decode and resize images exactly as the reference
 * preprocessing does (model.md §4.2, model/image.h) and write the results as raw files.
 *
 *   fewshot preprocess IMAGE... --out-dir D [--format u8|f32] [--size N] [--pillow legacy|13]
 *                      [--jobs N]
 *
 * Per input IMAGE it writes D/<basename of IMAGE>.u8 (size*size*3 bytes, RGB, row-major HWC: what
 * Pillow's resize + convert("RGB") gives) or D/<basename>.f32 (3*size*size float32, CHW, native
 * byte order: the model's pixel_values after ToTensor and Normalize). It prints one line per image
 * to stdout: "<output path> <width>x<height> <mode>". Images are processed in parallel (OpenMP);
 * a failing image prints its error and the command exits 2 after finishing the others. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <omp.h>

#include "cli.h"
#include "commands.h"
#include "image.h"
#include "rundir.h"

static const char usage[] =
    "usage: fewshot preprocess IMAGE... --out-dir D [--format u8|f32] [--size N]\n"
    "                          [--pillow legacy|13] [--jobs N]\n"
    "Decodes JPEG/PNG images and resizes them to NxN exactly as the reference preprocessing does\n"
    "(Pillow resize BICUBIC in the image's mode, then convert('RGB')), and writes per image:\n"
    "  --format u8   D/<name>.u8:  N*N*3 bytes, RGB, row-major (HWC)            (default)\n"
    "  --format f32  D/<name>.f32: 3*N*N float32 (native order), CHW, (p/255-0.5)/0.5\n"
    "  --size N      output side (default 384, the model's image size)\n"
    "  --pillow V    which Pillow to reproduce: legacy (<= 10.2, default) or 13; they differ in\n"
    "                the pass order for tall images and 16-bit gray PNGs (docs/images.md)\n"
    "  --jobs N      images decoded in parallel (default: OpenMP's thread count)\n"
    "Prints '<output> <width>x<height> <mode>' per image; exit 2 if any image fails.\n";

typedef struct {
  int width, height;
  image_mode mode;
  int ok;
  char err[320];
} preprocess_result;

/* Decodes, resizes and writes one image. Fills *res; returns 0 or -1. */
static int preprocess_one(const char *path, const char *out_path, const image_options *opt, int f32,
                          preprocess_result *res) {
  size_t n = 0;
  uint8_t *data = (uint8_t *)rundir_read_file(path, &n, res->err, sizeof res->err);
  if (!data) return -1;
  image_raw img;
  int rc = image_decode(data, n, path, opt, &img, res->err, sizeof res->err);
  free(data);
  if (rc) return -1;
  res->width = img.width;
  res->height = img.height;
  res->mode = img.mode;
  const size_t npix = (size_t)opt->size * opt->size;
  uint8_t *rgb = malloc(npix * 3);
  float *chw = f32 ? malloc(npix * 3 * sizeof *chw) : NULL;
  if (!rgb || (f32 && !chw)) {
    snprintf(res->err, sizeof res->err, "%s: out of memory", path);
    rc = -1;
  } else {
    rc = image_resize_rgb8(&img, opt->size, opt->size, opt, rgb, path, res->err, sizeof res->err);
  }
  image_raw_free(&img);
  if (rc == 0) {
    const void *buf = rgb;
    size_t bytes = npix * 3;
    if (f32) {
      image_rgb8_to_chw(rgb, opt->size, opt->size, chw);
      buf = chw;
      bytes = npix * 3 * sizeof *chw;
    }
    FILE *o = fopen(out_path, "wb");
    if (!o || fwrite(buf, 1, bytes, o) != bytes || fclose(o) != 0) {
      if (o) fclose(o);
      snprintf(res->err, sizeof res->err, "%s: cannot write: %s", out_path, strerror(errno));
      rc = -1;
    }
  }
  free(rgb);
  free(chw);
  res->ok = rc == 0;
  return rc;
}

int cmd_preprocess(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *out_dir = NULL;
  int f32 = 0;
  long jobs = 0;
  image_options opt;
  image_options_default(&opt);
  char **inputs = calloc((size_t)argc, sizeof *inputs);
  int n_inputs = 0;
  if (!inputs) {
    cli_error("preprocess", "out of memory");
    return FS_EXIT_RUNTIME;
  }
  int only_files = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_files && strcmp(a, "--") == 0) {
      only_files = 1;
    } else if (!only_files && a[0] == '-' && a[1] == '-') {
      if (i + 1 >= argc) {
        free(inputs);
        return cli_usage_error("preprocess", usage, "%s needs a value", a);
      }
      const char *v = argv[++i];
      long num = 0;
      if (strcmp(a, "--out-dir") == 0) {
        out_dir = v;
      } else if (strcmp(a, "--format") == 0) {
        if (strcmp(v, "u8") == 0) f32 = 0;
        else if (strcmp(v, "f32") == 0) f32 = 1;
        else { free(inputs); return cli_usage_error("preprocess", usage, "--format: expected u8 or f32, got '%s'", v); }
      } else if (strcmp(a, "--size") == 0) {
        if (cli_parse_long("preprocess", "--size", v, 1, 16384, &num)) { free(inputs); return FS_EXIT_USAGE; }
        opt.size = (int)num;
      } else if (strcmp(a, "--jobs") == 0) {
        if (cli_parse_long("preprocess", "--jobs", v, 1, 4096, &jobs)) { free(inputs); return FS_EXIT_USAGE; }
      } else if (strcmp(a, "--pillow") == 0) {
        if (strcmp(v, "legacy") == 0) opt.compat = IMAGE_COMPAT_PILLOW_LEGACY;
        else if (strcmp(v, "13") == 0) opt.compat = IMAGE_COMPAT_PILLOW_13;
        else { free(inputs); return cli_usage_error("preprocess", usage, "--pillow: expected legacy or 13, got '%s'", v); }
      } else {
        free(inputs);
        return cli_usage_error("preprocess", usage, "unknown option '%s'", a);
      }
    } else {
      inputs[n_inputs++] = argv[i];
    }
  }
  if (!out_dir) { free(inputs); return cli_usage_error("preprocess", usage, "--out-dir is required"); }
  if (n_inputs == 0) { free(inputs); return cli_usage_error("preprocess", usage, "no input images"); }
  struct stat st;
  if (stat(out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    cli_error("preprocess", "%s: not a directory", out_dir);
    free(inputs);
    return FS_EXIT_USAGE;
  }
  char **out_paths = calloc((size_t)n_inputs, sizeof *out_paths);
  preprocess_result *res = calloc((size_t)n_inputs, sizeof *res);
  if (!out_paths || !res) {
    free(inputs); free(out_paths); free(res);
    cli_error("preprocess", "out of memory");
    return FS_EXIT_RUNTIME;
  }
  int status = FS_EXIT_OK;
  /* The folder without its trailing slashes ("out/" -> "out"; "/" stays "/"), joined with one. */
  size_t dir_len = strlen(out_dir);
  while (dir_len > 1 && out_dir[dir_len - 1] == '/') dir_len--;
  const char *sep = out_dir[dir_len - 1] == '/' ? "" : "/";
  for (int i = 0; i < n_inputs; i++) {
    const char *base = strrchr(inputs[i], '/');
    base = base ? base + 1 : inputs[i];
    size_t len = dir_len + strlen(base) + 8;
    out_paths[i] = malloc(len);
    if (!out_paths[i]) { status = FS_EXIT_RUNTIME; break; }
    snprintf(out_paths[i], len, "%.*s%s%s.%s", (int)dir_len, out_dir, sep, base, f32 ? "f32" : "u8");
    for (int j = 0; j < i; j++) {
      if (strcmp(out_paths[j], out_paths[i]) == 0) {
        cli_error("preprocess", "%s and %s would both write %s", inputs[j], inputs[i], out_paths[i]);
        status = FS_EXIT_USAGE;
      }
    }
  }
  if (status == FS_EXIT_OK) {
    int n_threads = jobs > 0 ? (int)jobs : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
    for (int i = 0; i < n_inputs; i++) preprocess_one(inputs[i], out_paths[i], &opt, f32, &res[i]);
    for (int i = 0; i < n_inputs; i++) {
      if (res[i].ok) {
        printf("%s %dx%d %s\n", out_paths[i], res[i].width, res[i].height, image_mode_name(res[i].mode));
      } else {
        cli_error("preprocess", "%s", res[i].err);
        status = FS_EXIT_USAGE;
      }
    }
  }
  for (int i = 0; i < n_inputs; i++) free(out_paths[i]);
  free(out_paths);
  free(res);
  free(inputs);
  return status;
}
