/* test_compare.c - `fewshot compare` on constructed result pairs: a real drop (exit 1), noise
 * (exit 0), an improvement (exit 0), a drop within --max-drop (exit 0), a missing cell (exit 1, or
 * 0 with --allow-missing); the bootstrap's determinism, its degenerate case, and out of memory as
 * an error (FS_EXIT_RUNTIME), never a verdict. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "compare.h"
#include "records.h"
#include "rundir.h"
#include "test_util.h"
#include "xoshiro.h"

enum { N = 500 };
static const long long SEEDS[3] = {42, 43, 44};

typedef enum { SAME_AS_BASE, DROP, NOISE, GAIN } variant;

/* Per-sample scores of the base run: VQA 0 or 100 (about 60% right), CIDEr a spread of values;
 * variants change a fixed share of samples, deterministically. */
static double base_score(const char *task, int i, long long seed) {
  xoshiro_rng r;
  xoshiro_seed(&r, (uint64_t)(i * 1000 + seed));
  if (strcmp(task, "coco") == 0) return (double)xoshiro_below(&r, 20000) / 100.0;
  return xoshiro_below(&r, 100) < 60 ? 100.0 : 0.0;
}

/* Among samples i % 7 == 0, flips the first k right answers to wrong and the first k wrong ones
 * to right, k as large as both allow: about 4% of answers change, the mean does not. */
static double noise_vqa(int i, long long seed, double b) {
  if (i % 7) return b;
  int rank = 0, up = 0, down = 0;
  for (int j = 0; j < N; j += 7) {
    double bj = base_score("vqav2", j, seed);
    if (bj == 100.0) down++;
    else up++;
    if (j < i && bj == b) rank++;
  }
  return rank < (up < down ? up : down) ? 100.0 - b : b;
}

static double variant_score(const char *task, int i, long long seed, variant v) {
  double b = base_score(task, i, seed);
  int caption = strcmp(task, "coco") == 0;
  switch (v) {
    case SAME_AS_BASE: return b;
    case DROP: /* one in ten right answers lost; captions lose 12 points on a third of the images */
      if (caption) return i % 3 == 0 ? fmax(0.0, b - 12.0) : b;
      return b == 100.0 && i % 10 == 0 ? 0.0 : b;
    case GAIN:
      if (caption) return i % 3 == 0 ? b + 12.0 : b;
      return b == 0.0 && i % 10 == 0 ? 100.0 : b;
    case NOISE: /* as many answers flipped up as down in every seed: no net change */
      if (caption) return i % 2 ? b + 3.0 : b - 3.0;
      return noise_vqa(i, seed, b);
  }
  return b;
}

static void write_run(const char *dir, variant v, int skip_coco) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/records", dir);
  rundir_mkdirs(path, err, sizeof err);
  const char *tasks[2] = {"vqav2", "coco"};
  for (int ti = 0; ti < 2; ti++) {
    if (ti == 1 && skip_coco) continue;
    for (int s = 0; s < 3; s++) {
      rundir_records_path(dir, tasks[ti], 4, SEEDS[s], path, sizeof path);
      records_writer *w = records_writer_open(path, 0, RECORDS_FSYNC_NEVER, 0, err, sizeof err);
      for (int i = 0; i < N; i++) {
        records_entry e;
        memset(&e, 0, sizeof e);
        char id[32];
        snprintf(id, sizeof id, "%d", 9000 + i);
        e.id = id;
        e.task = (char *)tasks[ti];
        e.shots = 4;
        e.seed = SEEDS[s];
        e.index = i;
        e.generation = e.prediction = "x";
        e.status = RECORDS_OK;
        e.score = variant_score(tasks[ti], i, SEEDS[s], v);
        records_writer_append(w, &e, err, sizeof err);
      }
      records_writer_close(w, err, sizeof err);
    }
  }
}

/* Runs the binary; returns its exit status and leaves stdout in `out`. */
static int run_compare(const char *args, const char *out) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s/fewshot compare %s > %s 2>&1", FEWSHOT_BINARY_DIR, args, out);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *verdict_of(const char *json_path, const char *task) {
  static char verdict[32];
  char *text = test_read_file(json_path, NULL);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  snprintf(verdict, sizeof verdict, "(none)");
  cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cells")) {
    if (strcmp(cJSON_GetObjectItem(c, "task")->valuestring, task) == 0)
      snprintf(verdict, sizeof verdict, "%s", cJSON_GetObjectItem(c, "verdict")->valuestring);
  }
  cJSON_Delete(root);
  return verdict;
}

int main(void) {
  test_ctx t = test_begin("results_compare");
  char dir[] = "/tmp/fewshot_compare_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char base[600], drop[600], noise[600], gain[600], partial[600], out[600], args[2048];
  snprintf(base, sizeof base, "%s/base", dir);
  snprintf(drop, sizeof drop, "%s/drop", dir);
  snprintf(noise, sizeof noise, "%s/noise", dir);
  snprintf(gain, sizeof gain, "%s/gain", dir);
  snprintf(partial, sizeof partial, "%s/partial", dir);
  snprintf(out, sizeof out, "%s/out.json", dir);
  write_run(base, SAME_AS_BASE, 0);
  write_run(drop, DROP, 0);
  write_run(noise, NOISE, 0);
  write_run(gain, GAIN, 0);
  write_run(partial, SAME_AS_BASE, 1);

  snprintf(args, sizeof args, "%s %s --format json", base, drop);
  TEST_CHECK(&t, run_compare(args, out) == 1, "a real drop must exit 1");
  test_streq(&t, verdict_of(out, "vqav2"), "regression", "drop: vqav2 verdict");
  test_streq(&t, verdict_of(out, "coco"), "regression", "drop: coco verdict");
  snprintf(args, sizeof args, "%s %s --format json", base, noise);
  TEST_CHECK(&t, run_compare(args, out) == 0, "noise must exit 0");
  test_streq(&t, verdict_of(out, "vqav2"), "same", "noise: vqav2 verdict");
  test_streq(&t, verdict_of(out, "coco"), "same", "noise: coco verdict");
  snprintf(args, sizeof args, "%s %s --format json", base, gain);
  TEST_CHECK(&t, run_compare(args, out) == 0, "an improvement must exit 0");
  test_streq(&t, verdict_of(out, "vqav2"), "improved", "gain: vqav2 verdict");
  snprintf(args, sizeof args, "%s %s --format json --max-drop 20", base, drop);
  TEST_CHECK(&t, run_compare(args, out) == 0, "a drop within --max-drop must exit 0");
  test_streq(&t, verdict_of(out, "vqav2"), "drop", "tolerated drop: verdict");
  snprintf(args, sizeof args, "%s %s --format json", base, partial);
  TEST_CHECK(&t, run_compare(args, out) == 1, "a missing cell must exit 1");
  test_streq(&t, verdict_of(out, "coco"), "missing", "missing cell verdict");
  snprintf(args, sizeof args, "%s %s --allow-missing", base, partial);
  TEST_CHECK(&t, run_compare(args, out) == 0, "--allow-missing must exit 0");
  snprintf(args, sizeof args, "%s %s/nothing-here", base, dir);
  TEST_CHECK(&t, run_compare(args, out) == 2, "an unreadable run must exit 2");
  snprintf(args, sizeof args, "%s", base);
  TEST_CHECK(&t, run_compare(args, out) == 2, "one run only must exit 2");

  /* Library level: the delta equals the mean paired difference; same seed, same interval. */
  compare_options opt = compare_default_options();
  compare_result r1, r2;
  char err[512];
  TEST_CHECK(&t, compare_runs(base, drop, &opt, &r1, err, sizeof err) == 0, "compare_runs: %s", err);
  TEST_CHECK(&t, compare_runs(base, drop, &opt, &r2, err, sizeof err) == 0, "compare_runs: %s", err);
  for (size_t i = 0; i < r1.n_cells; i++) {
    const compare_cell *c = &r1.cells[i];
    double want = 0;
    for (int s = 0; s < 3; s++) {
      double sum = 0;
      for (int k = 0; k < N; k++) sum += variant_score(c->task, k, SEEDS[s], DROP) - base_score(c->task, k, SEEDS[s]);
      want += sum / N / 3;
    }
    test_near(&t, c->delta, want, 1e-9, 0, "%s delta", c->task);
    test_near(&t, c->new_mean - c->base_mean, c->delta, 1e-9, 0, "%s means agree with delta", c->task);
    TEST_CHECK(&t, c->ci_lo <= c->delta && c->delta <= c->ci_hi, "%s: delta %.3f outside [%.3f, %.3f]", c->task, c->delta, c->ci_lo, c->ci_hi);
    TEST_CHECK(&t, c->n_pairs == 3 * N && c->n_seeds == 3, "%s pairs %zu seeds %zu", c->task, c->n_pairs, c->n_seeds);
    TEST_CHECK(&t, c->ci_lo == r2.cells[i].ci_lo && c->ci_hi == r2.cells[i].ci_hi, "%s: interval not reproducible", c->task);
  }
  compare_result_free(&r1);
  compare_result_free(&r2);
  double same[] = {1.5, 1.5, 1.5, 1.5};
  const double *dd[] = {same};
  size_t nn[] = {4};
  double delta, lo, hi;
  TEST_CHECK(&t, compare_bootstrap(dd, nn, 1, &opt, &delta, &lo, &hi, err, sizeof err) == 0, "bootstrap: %s", err);
  TEST_CHECK(&t, delta == 1.5 && lo == 1.5 && hi == 1.5, "constant differences: %g [%g, %g]", delta, lo, hi);

  /* Out of memory is an error, never a verdict: an interval that cannot be computed used to come out
   * as NaN, and NaN compares false both ways, so the cell was judged "same". Resample counts whose
   * buffer cannot exist: one whose size overflows size_t, one of 2^61 bytes. */
  const size_t huge[2] = {SIZE_MAX / 4, (size_t)1 << 58};
  for (int k = 0; k < 2; k++) {
    compare_options big = compare_default_options();
    big.resamples = huge[k];
    err[0] = '\0';
    int brc = compare_bootstrap(dd, nn, 1, &big, &delta, &lo, &hi, err, sizeof err);
    TEST_CHECK(&t, brc != 0 && strstr(err, "out of memory") && isnan(lo) && isnan(hi),
               "bootstrap of %zu resamples: rc %d, err '%s', [%g, %g]", huge[k], brc, err, lo, hi);
    err[0] = '\0';
    compare_result r3;
    int crc = compare_runs(base, noise, &big, &r3, err, sizeof err);
    TEST_CHECK(&t, crc == FS_EXIT_RUNTIME && strstr(err, "out of memory") && !strchr(err, '\n') && r3.n_cells == 0,
               "compare_runs with %zu resamples: rc %d (want 3), err '%s', %zu cells", huge[k], crc, err, r3.n_cells);
    if (crc == 0) compare_result_free(&r3);
  }

  char cmd[700];
  if (getenv("KEEP")) return test_report(&t);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_report(&t);
}
