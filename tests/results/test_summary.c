/* test_summary.c - run summaries from records: per-trial scores (VQA rounded as VQAEval, CIDEr
 * not), failed and unscored samples, mean / population std / sample std over seeds against numpy,
 * the plan's expected counts, the JSON round trip, the OpenFlamingo section and CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "records.h"
#include "rundir.h"
#include "summary.h"
#include "test_util.h"

static void write_cell(const char *dir, const char *task, int shots, long long seed, const double *scores, int n,
                       int n_failed) {
  char path[512], err[256];
  rundir_records_path(dir, task, shots, seed, path, sizeof path);
  records_writer *w = records_writer_open(path, 0, RECORDS_FSYNC_NEVER, 0, err, sizeof err);
  for (int i = 0; i < n + n_failed; i++) {
    records_entry e;
    memset(&e, 0, sizeof e);
    char id[32];
    snprintf(id, sizeof id, "q%d", i);
    e.id = id;
    e.task = (char *)task;
    e.shots = shots;
    e.seed = seed;
    e.index = i;
    e.prediction = "x";
    e.generation = "x";
    e.score = i < n ? scores[i] : NAN;
    e.status = i < n ? RECORDS_OK : RECORDS_FAILED;
    e.reason = i < n ? NULL : "unreadable image";
    if (i >= n) e.prediction = NULL;
    records_writer_append(w, &e, err, sizeof err);
  }
  records_writer_close(w, err, sizeof err);
}

int main(void) {
  test_ctx t = test_begin("results_summary");
  char dir[] = "/tmp/fewshot_summary_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/records", dir);
  rundir_mkdirs(path, err, sizeof err);

  /* VQA: seed 42 mean of (100, 100/3, 0, 200/3) = 50 exactly; seed 43 mean of (100, 100/3, 100/3)
   * = 55.555.. -> 55.56 as VQAEval rounds; seed 44 one failed sample left out. */
  double s42[] = {100, 100.0 / 3, 0, 200.0 / 3}, s43[] = {100, 100.0 / 3, 100.0 / 3}, s44[] = {90, 30};
  write_cell(dir, "vqav2", 4, 42, s42, 4, 0);
  write_cell(dir, "vqav2", 4, 43, s43, 3, 0);
  write_cell(dir, "vqav2", 4, 44, s44, 2, 1);
  /* CIDEr: not rounded. */
  double c1[] = {123.456789, 80.0}, c2[] = {101.0};
  write_cell(dir, "coco", 0, 42, c1, 2, 0);
  write_cell(dir, "coco", 0, 43, c2, 1, 0);
  /* run.json with a plan: coco 0-shot seed 44 planned but not started; vqav2 seed 42 expects 4. */
  snprintf(path, sizeof path, "%s/run.json", dir);
  const char *run_json =
      "{\"label\":\"demo-run\",\"plan\":[{\"task\":\"vqav2\",\"shots\":4,\"seed\":42,\"n_samples\":4},"
      "{\"task\":\"coco\",\"shots\":0,\"seed\":44,\"n_samples\":5}]}";
  rundir_write_file_atomic(path, run_json, strlen(run_json), err, sizeof err);

  summary s;
  TEST_CHECK(&t, summary_build_dir(dir, &s, err, sizeof err) == 0, "build: %s", err);
  test_streq(&t, s.label, "demo-run", "label from run.json");
  TEST_CHECK(&t, s.n_cells == 2, "cells: %zu, want 2", s.n_cells);
  if (s.n_cells == 2) {
    const summary_cell *v = &s.cells[0], *c = &s.cells[1];
    test_streq(&t, v->task, "vqav2", "card order puts vqav2 first");
    test_streq(&t, v->metric, "vqa_accuracy", "vqav2 metric");
    TEST_CHECK(&t, v->n_trials == 3, "vqav2 trials %zu", v->n_trials);
    if (v->n_trials == 3) {
      test_near(&t, v->trials[0].score, 50.0, 0, 0, "seed 42");
      test_near(&t, v->trials[1].score, 55.56, 0, 0, "seed 43 rounded");
      test_near(&t, v->trials[1].score_unrounded, 500.0 / 9, 1e-12, 0, "seed 43 unrounded");
      test_near(&t, v->trials[2].score, 60.0, 0, 0, "seed 44 without the failed sample");
      TEST_CHECK(&t, v->trials[2].n_failed == 1 && v->trials[2].n_samples == 3, "seed 44 counts");
      TEST_CHECK(&t, v->trials[0].n_expected == 4, "plan count");
    }
    /* numpy: np.nanmean([50, 55.56, 60]) = 55.18666666666667, np.nanstd = 4.091009112133039,
     * ddof=1: 5.0104424289011975 (numpy 2.4.6). */
    test_near(&t, v->mean, 55.18666666666667, 1e-12, 0, "vqav2 mean");
    test_near(&t, v->stddev, 4.091009112133039, 1e-12, 0, "vqav2 population std");
    test_near(&t, v->stddev_sample, 5.0104424289011975, 1e-12, 0, "vqav2 sample std");
    TEST_CHECK(&t, v->complete, "vqav2 4-shot is complete");
    TEST_CHECK(&t, c->n_trials == 3, "coco trials %zu (2 run + 1 planned)", c->n_trials);
    if (c->n_trials == 3) {
      test_near(&t, c->trials[0].score, (123.456789 + 80.0) / 2, 1e-12, 0, "coco seed 42 unrounded");
      TEST_CHECK(&t, isnan(c->trials[2].score) && c->trials[2].n_expected == 5, "coco seed 44 planned, empty");
    }
    TEST_CHECK(&t, !c->complete, "coco is incomplete");
    test_near(&t, c->mean, ((123.456789 + 80.0) / 2 + 101.0) / 2, 1e-12, 0, "coco mean over scored seeds");
  }

  /* Write, read back, check the OpenFlamingo section. */
  TEST_CHECK(&t, summary_write_dir(dir, &s, NULL, NULL, err, sizeof err) == 0, "write: %s", err);
  summary r;
  snprintf(path, sizeof path, "%s/summary.json", dir);
  TEST_CHECK(&t, summary_read_json(path, &r, err, sizeof err) == 0, "read back: %s", err);
  TEST_CHECK(&t, r.n_cells == s.n_cells, "read back cells");
  for (size_t i = 0; i < r.n_cells && i < s.n_cells; i++) {
    test_near(&t, r.cells[i].mean, s.cells[i].mean, 0, 0, "read back mean %zu", i);
    test_near(&t, r.cells[i].stddev, s.cells[i].stddev, 0, 0, "read back std %zu", i);
    TEST_CHECK(&t, r.cells[i].complete == s.cells[i].complete, "read back complete %zu", i);
  }
  summary_free(&r);
  snprintf(path, sizeof path, "%s/openflamingo_results.json", dir);
  char *text = test_read_file(path, NULL);
  cJSON *of = text ? cJSON_Parse(text) : NULL;
  cJSON *vq = cJSON_GetObjectItemCaseSensitive(of, "vqav2");
  cJSON *first = cJSON_GetArrayItem(vq, 0);
  TEST_CHECK(&t, cJSON_IsArray(vq) && cJSON_GetArraySize(vq) == 1, "OF section: vqav2 list");
  TEST_CHECK(&t, cJSON_IsNumber(cJSON_GetObjectItem(first, "shots")) && cJSON_IsArray(cJSON_GetObjectItem(first, "trials")) &&
                     cJSON_IsNumber(cJSON_GetObjectItem(first, "mean")) && cJSON_IsNumber(cJSON_GetObjectItem(first, "stddev")),
             "OF section: shots, trials, mean, stddev");
  cJSON_Delete(of);
  free(text);
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  text = test_read_file(path, NULL);
  TEST_CHECK(&t, text && strstr(text, "\"demo-run\",\"vqav2\",vqa_accuracy,4,3,55.18666666666667,"), "CSV row: %s", text ? text : "(none)");
  free(text);
  snprintf(path, sizeof path, "%s/summary.svg", dir);
  text = test_read_file(path, NULL);
  TEST_CHECK(&t, text && strstr(text, "<svg") && strstr(text, "VQAv2") && strstr(text, "</svg>"), "SVG written");
  free(text);
  summary_free(&s);

  /* A cell score sidecar covering the cell replaces the mean of the per-sample scores; one that
   * covers another number of samples (stale) is ignored. */
  char rec[512];
  rundir_records_path(dir, "vqav2", 4, 43, rec, sizeof rec);
  summary_cell_score cs = {3, 55.554, 55.55, NULL};
  TEST_CHECK(&t, summary_write_cell_score(rec, "vqav2", 4, 43, "vqa_accuracy", &cs, err, sizeof err) == 0, "sidecar: %s", err);
  rundir_records_path(dir, "vqav2", 4, 44, rec, sizeof rec);
  summary_cell_score stale = {7, 1.0, 1.0, NULL};
  summary_write_cell_score(rec, "vqav2", 4, 44, "vqa_accuracy", &stale, err, sizeof err);
  TEST_CHECK(&t, summary_build_dir(dir, &s, err, sizeof err) == 0, "rebuild: %s", err);
  if (s.n_cells && s.cells[0].n_trials == 3) {
    test_near(&t, s.cells[0].trials[1].score, 55.55, 0, 0, "sidecar score used");
    test_near(&t, s.cells[0].trials[1].score_unrounded, 55.554, 0, 0, "sidecar unrounded used");
    test_near(&t, s.cells[0].trials[2].score, 60.0, 0, 0, "stale sidecar ignored");
  }
  summary_free(&s);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_report(&t);
}
