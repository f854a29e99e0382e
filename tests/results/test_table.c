/* test_table.c - `fewshot table` on a constructed run against the committed reference file:
 * the card's rows, ours with mean +- std, the difference, markers, CSV and JSON forms, and the
 * reference file itself (the card's numbers, as published). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "records.h"
#include "reference.h"
#include "rundir.h"
#include "test_util.h"

static void write_cell(const char *dir, const char *task, int shots, long long seed, double score, int n_failed) {
  char path[512], err[256];
  rundir_records_path(dir, task, shots, seed, path, sizeof path);
  records_writer *w = records_writer_open(path, 0, RECORDS_FSYNC_NEVER, 0, err, sizeof err);
  for (int i = 0; i < 2 + n_failed; i++) {
    records_entry e;
    memset(&e, 0, sizeof e);
    char id[16];
    snprintf(id, sizeof id, "%d", i);
    e.id = id;
    e.task = (char *)task;
    e.shots = shots;
    e.seed = seed;
    e.index = i;
    e.generation = e.prediction = "x";
    e.status = i < 2 ? RECORDS_OK : RECORDS_FAILED;
    e.score = i < 2 ? score : NAN;
    records_writer_append(w, &e, err, sizeof err);
  }
  records_writer_close(w, err, sizeof err);
}

static int run_table(const char *args, const char *out) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s/fewshot table %s > %s 2>&1", FEWSHOT_BINARY_DIR, args, out);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
  test_ctx t = test_begin("results_table");
  char err[512], ref[600];
  snprintf(ref, sizeof ref, "%s/../results/reference/xgen-mm-phi3-mini-base-r-v1.5.json", FEWSHOT_TEST_DIR);
  reference_card card;
  TEST_CHECK(&t, reference_load(ref, &card, err, sizeof err) == 0, "reference: %s", err);
  /* The card's table, cell by cell (shared/docs/model-card.md). */
  static const double want[3][3][6] = {
      {{49.2, 30.1, 41.2, 73.0, NAN, NAN}, {53.2, 32.7, 43.3, 85.0, NAN, NAN}, {55.4, 32.4, 44.6, 90.6, NAN, NAN}},
      {{46.2, 29.4, 26.1, 73.5, 55.6, 63.3}, {57.9, 45.3, 44.6, 112.3, 99.7, 84.1}, {63.6, 44.6, 48.4, 114.6, 104.7, 88.8}},
      {{43.1, 34.0, 28.0, 67.2, 82.6, 69.5}, {66.3, 54.2, 48.9, 107.6, 100.8, 89.9}, {66.9, 55.3, 50.1, 109.8, 104.6, 94.0}}};
  const char *models[3] = {"Flamingo-3B", "MM1-3B", "xGen-MM-base"}, *tasks[6] = {"vqav2", "textvqa", "okvqa", "coco", "nocaps", "textcaps"};
  const int shots[3] = {0, 4, 8};
  TEST_CHECK(&t, card.n_models == 3 && card.n_columns == 6, "card shape: %zu models, %zu columns", card.n_models, card.n_columns);
  for (int m = 0; m < 3; m++) {
    const reference_model *rm = reference_find_model(&card, models[m]);
    TEST_CHECK(&t, rm != NULL, "model %s", models[m]);
    for (int s = 0; rm && s < 3; s++)
      for (int k = 0; k < 6; k++) {
        double v = -1;
        TEST_CHECK(&t, reference_lookup(rm, tasks[k], shots[s], &v), "%s %s %d present", models[m], tasks[k], shots[s]);
        TEST_CHECK(&t, (isnan(v) && isnan(want[m][s][k])) || v == want[m][s][k], "%s %s %d-shot: %g want %g", models[m], tasks[k], shots[s], v, want[m][s][k]);
      }
  }
  test_streq(&t, card.default_model, "xGen-MM-base", "default model");
  reference_free(&card);

  char dir[] = "/tmp/fewshot_table_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char run[600], path[700], out[700], args[2048];
  snprintf(run, sizeof run, "%s/myrun", dir);
  snprintf(path, sizeof path, "%s/records", run);
  rundir_mkdirs(path, err, sizeof err);
  /* vqav2 4-shot: seeds 66.0 and 67.0 -> 66.5 +- 0.5, card 66.3, diff +0.2. coco 0-shot one seed
   * with a failed sample: 70.0, card 67.2, diff +2.8. */
  write_cell(run, "vqav2", 4, 42, 66.0, 0);
  write_cell(run, "vqav2", 4, 43, 67.0, 0);
  write_cell(run, "coco", 0, 42, 70.0, 1);
  snprintf(out, sizeof out, "%s/out.txt", dir);
  snprintf(args, sizeof args, "%s --reference %s", run, ref);
  TEST_CHECK(&t, run_table(args, out) == 0, "table md exit 0");
  char *text = test_read_file(out, NULL);
  TEST_CHECK(&t, text && strstr(text, "| Model | Shot | VQAv2 | TextVQA | OKVQA | COCO | NoCaps | TextCaps |"), "md header:\n%s", text ? text : "");
  TEST_CHECK(&t, text && strstr(text, "| MM1-3B | 0 | 46.2 | 29.4 | 26.1 | 73.5 | 55.6 | 63.3 |"), "MM1 row");
  TEST_CHECK(&t, text && strstr(text, "| Flamingo-3B | 0 | 49.2 | 30.1 | 41.2 | 73.0 | - | - |"), "Flamingo row with '-'");
  TEST_CHECK(&t, text && strstr(text, "| ours: myrun | 0 | - | - | - | 70.0+1 | - | - |"), "our 0-shot row with a failure marker:\n%s", text ? text : "");
  TEST_CHECK(&t, text && strstr(text, "|  | 4 | 66.5 ± 0.5 | - |"), "our 4-shot row");
  TEST_CHECK(&t, text && strstr(text, "| Δ myrun − xGen-MM-base | 0 | - | - | - | +2.8 |"), "diff row");
  TEST_CHECK(&t, text && strstr(text, "|  | 4 | +0.2 | - |"), "diff 4-shot");
  free(text);
  snprintf(args, sizeof args, "%s --reference %s --format json", run, ref);
  TEST_CHECK(&t, run_table(args, out) == 0, "table json exit 0");
  text = test_read_file(out, NULL);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  int found = 0;
  cJSON *row;
  cJSON_ArrayForEach(row, cJSON_GetObjectItem(root, "rows")) {
    if (strcmp(cJSON_GetObjectItem(row, "kind")->valuestring, "run") || cJSON_GetObjectItem(row, "shots")->valueint != 4) continue;
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(row, "cells"), "vqav2");
    test_near(&t, cJSON_GetObjectItem(v, "mean")->valuedouble, 66.5, 1e-12, 0, "json mean");
    test_near(&t, cJSON_GetObjectItem(v, "diff")->valuedouble, 0.2, 1e-9, 0, "json diff");
    test_near(&t, cJSON_GetObjectItem(v, "stddev_sample")->valuedouble, sqrt(0.5), 1e-12, 0, "json sample std");
    found = 1;
  }
  TEST_CHECK(&t, found, "json has our 4-shot row");
  cJSON_Delete(root);
  snprintf(args, sizeof args, "%s --reference %s --format csv", run, ref);
  TEST_CHECK(&t, run_table(args, out) == 0, "table csv exit 0");
  text = test_read_file(out, NULL);
  TEST_CHECK(&t, text && strstr(text, "\"myrun\",run,4,vqav2,66.500,0.500,0.707,2,true,0,66.3,0.200"), "csv row:\n%s", text ? text : "");
  free(text);
  snprintf(args, sizeof args, "%s --reference none --format xml", run);
  TEST_CHECK(&t, run_table(args, out) == 2, "bad format exit 2");
  snprintf(args, sizeof args, "%s/missing", dir);
  TEST_CHECK(&t, run_table(args, out) == 2, "missing run exit 2");
  /* Every legal shot count, 0..64 (65 of them, config.c's range): each gets its row. The table kept
   * at most 64 distinct counts and silently dropped the others. */
  char wide[600];
  snprintf(wide, sizeof wide, "%s/wide", dir);
  snprintf(path, sizeof path, "%s/records", wide);
  rundir_mkdirs(path, err, sizeof err);
  for (int shots_k = 0; shots_k <= 64; shots_k++) write_cell(wide, "okvqa", shots_k, 42, 40.0 + shots_k / 10.0, 0);
  snprintf(args, sizeof args, "%s --reference none --format csv", wide);
  TEST_CHECK(&t, run_table(args, out) == 0, "table of 65 shot counts: exit 0");
  text = test_read_file(out, NULL);
  int n_rows = 0;
  for (int shots_k = 0; text && shots_k <= 64; shots_k++) {
    char want_row[128];
    snprintf(want_row, sizeof want_row, "\"wide\",run,%d,okvqa,%.3f,", shots_k, 40.0 + shots_k / 10.0);
    n_rows += TEST_CHECK(&t, strstr(text, want_row) != NULL, "65 shot counts: no csv row '%s'", want_row);
  }
  TEST_CHECK(&t, n_rows == 65, "65 shot counts: %d csv rows", n_rows);
  free(text);
  snprintf(args, sizeof args, "%s --reference none", wide);
  TEST_CHECK(&t, run_table(args, out) == 0, "md table of 65 shot counts: exit 0");
  text = test_read_file(out, NULL);
  TEST_CHECK(&t, text && strstr(text, "|  | 64 | 46.4 |\n") && strstr(text, "| ours: wide | 0 | 40.0 |\n"),
             "md table of 65 shot counts:\n%s", text ? text : "");
  free(text);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_report(&t);
}
