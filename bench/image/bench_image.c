/* bench_image.c - how fast images become model input: decode, resize to 384x384, normalise.
 *
 *   build/bench_image [--seconds S] [--threads N] [FILE...]
 *
 * Without FILEs it uses tests/fixtures/images/generated/rocket_640x480_q90_420.jpg (the task's
 * reference case: a 640x480 4:2:0 JPEG) plus a few other fixture images. Files are read into memory
 * first, so disk speed is not measured. For each file it prints the per-image time of decode,
 * resize (AVX2 kernels where the CPU has them, and the portable loops) and normalise on one core
 * (best of repeated runs, CPU time of the thread), then the throughput of the whole pipeline with
 * 1, 2, 4, ... up to N OpenMP threads over a batch of images (wall time). Results: RESULTS.md. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double wall_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint8_t *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = len > 0 ? malloc((size_t)len) : NULL;
  if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *n = (size_t)len;
  return buf;
}

/* Best per-call CPU time in ms of `what` over rounds of `reps` calls, for at least `seconds`. */
#define BEST_MS(result, seconds, reps, body)                                  \
  do {                                                                        \
    double best_ = 1e30, start_ = wall_now();                                 \
    do {                                                                      \
      double t0_ = cpu_now();                                                 \
      for (int r_ = 0; r_ < (reps); r_++) { body; }                           \
      double dt_ = (cpu_now() - t0_) / (reps);                                \
      if (dt_ < best_) best_ = dt_;                                           \
    } while (wall_now() - start_ < (seconds));                                \
    (result) = best_ * 1e3;                                                   \
  } while (0)

int main(int argc, char **argv) {
  double seconds = 1.0;
  int max_threads = omp_get_max_threads();
  const char *files[64];
  int n_files = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: bench_image [--seconds S] [--threads N] [FILE...]\n");
      return 0;
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      max_threads = atoi(argv[++i]);
    } else if (n_files < 64) {
      files[n_files++] = argv[i];
    }
  }
  static char defaults[4][512];
  if (n_files == 0) {
    const char *rel[] = {"generated/rocket_640x480_q90_420.jpg", "photos/retina.jpg", "photos/chelsea.png",
                         "edge/chelsea_rgba.png"};
    for (int i = 0; i < 4; i++) {
      snprintf(defaults[i], sizeof defaults[i], "%s/tests/fixtures/images/%s", FEWSHOT_SOURCE_DIR, rel[i]);
      files[n_files++] = defaults[i];
    }
  }
  image_options opt, scalar;
  image_options_default(&opt);
  scalar = opt;
  scalar.scalar_kernels = 1;
  const int S = opt.size;
  uint8_t *rgb = malloc((size_t)S * S * 3);
  float *chw = malloc((size_t)3 * S * S * sizeof *chw);
  char err[512];
  printf("one core, per image (ms, best CPU time):\n");
  printf("%-40s %10s %8s %9s %12s %9s %9s\n", "file", "size", "decode", "resize", "resize(C)", "normal.", "total");
  for (int f = 0; f < n_files; f++) {
    size_t n = 0;
    uint8_t *data = read_all(files[f], &n);
    if (!data) {
      fprintf(stderr, "bench_image: cannot read %s\n", files[f]);
      return 2;
    }
    image_raw img;
    if (image_decode(data, n, files[f], &opt, &img, err, sizeof err)) {
      fprintf(stderr, "bench_image: %s\n", err);
      return 2;
    }
    double t_dec, t_res, t_res_c, t_norm, t_all;
    BEST_MS(t_dec, seconds, 5, image_raw img2; image_decode(data, n, "b", &opt, &img2, err, sizeof err);
            image_raw_free(&img2));
    BEST_MS(t_res, seconds, 5, image_resize_rgb8(&img, S, S, &opt, rgb, "b", err, sizeof err));
    BEST_MS(t_res_c, seconds, 3, image_resize_rgb8(&img, S, S, &scalar, rgb, "b", err, sizeof err));
    BEST_MS(t_norm, seconds, 20, image_rgb8_to_chw(rgb, S, S, chw));
    BEST_MS(t_all, seconds, 5, image_preprocess_buffer_rgb8(data, n, "b", &opt, rgb, err, sizeof err);
            image_rgb8_to_chw(rgb, S, S, chw));
    const char *base = strrchr(files[f], '/');
    char dims[32];
    snprintf(dims, sizeof dims, "%dx%d %s", img.width, img.height, image_mode_name(img.mode));
    printf("%-40s %10s %8.2f %9.2f %12.2f %9.2f %9.2f\n", base ? base + 1 : files[f], dims, t_dec, t_res, t_res_c,
           t_norm, t_all);
    image_raw_free(&img);

    /* throughput over a batch of the same file, in memory */
    const int batch = 256;
    printf("  %d images, decode + resize + normalise, wall time:\n", batch);
    for (int th = 1; th <= max_threads; th = th < max_threads && th * 2 > max_threads ? max_threads : th * 2) {
      double t0 = wall_now();
      int failed = 0;
#pragma omp parallel num_threads(th) reduction(+ : failed)
      {
        /* one pixel buffer and one tensor per thread, as an engine worker would hold them */
        uint8_t *px = malloc((size_t)S * S * 3);
        float *x = malloc((size_t)3 * S * S * sizeof *x);
        char e[256];
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < batch; i++) {
          if (!px || !x || image_preprocess_buffer_rgb8(data, n, "b", &opt, px, e, sizeof e)) failed++;
          else image_rgb8_to_chw(px, S, S, x);
        }
        free(px);
        free(x);
      }
      double dt = wall_now() - t0;
      printf("    %2d threads: %8.1f images/s  (%.2f ms per image per thread)%s\n", th, batch / dt, dt / batch * 1e3 * th,
             failed ? "  FAILURES" : "");
      if (th == max_threads) break;
    }
    free(data);
  }
  free(rgb);
  free(chw);
  return 0;
}
