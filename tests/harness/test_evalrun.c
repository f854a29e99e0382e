/* test_evalrun.c - the run loop on the six mini datasets with a stand-in model (fake_backend.h):
 * every cell recorded once, caption cells scored over the whole cell, failures recorded and the
 * run going on; no overwrite without --resume and nothing re-run with it; killed with SIGKILL at
 * random moments and resumed until done: the same records and scores as an uninterrupted run, no
 * sample lost or doubled; three shards merged: the same records and scores again; OpenFlamingo
 * sampling with padding duplicates left out. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datasets/mini_sources.h"
#include "evalmerge.h"
#include "evalrun.h"
#include "fake_backend.h"
#include "idmap.h"
#include "rundir.h"
#include "summary.h"
#include "test_util.h"

static const int SHOTS[2] = {0, 4};
static const long long SEEDS[2] = {42, 43};

static void make_tasks(evalrun_task *t) {
  for (int i = 0; i < DATASET_N_TASKS; i++) {
    memset(&t[i], 0, sizeof t[i]);
    t[i].task = (dataset_task)i;
    t[i].source = mini_source((dataset_task)i);
    t[i].prompt = prompt_options_default();
    t[i].vqa_cut = POSTPROCESS_VQA_OF_MAIN;
    t[i].gen.num_beams = 1;
    t[i].gen.max_new_tokens = 5;
    t[i].gen.n_eos = 1;
    t[i].gen.eos[0] = 32014;
    t[i].num_samples = -1;
    t[i].okvqa_stem = 1;
  }
}

static evalrun_options make_options(const char *dir) {
  evalrun_options o;
  memset(&o, 0, sizeof o);
  o.out_dir = dir;
  o.shots = SHOTS;
  o.n_shots = 2;
  o.seeds = SEEDS;
  o.n_seeds = 2;
  o.sampling = SAMPLER_STABLE;
  o.world_size = 1;
  o.sampler_batch = 1;
  o.vqa = VQA_OPENFLAMINGO;
  o.shard_index = 0;
  o.shard_count = 1;
  o.fsync = RECORDS_FSYNC_NEVER;
  o.progress = PROGRESS_OFF;
  o.quiet = 1;
  o.check_images = 1;
  return o;
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Compares two run directories record by record (as sets keyed by sample id) and summary by summary. */
static void compare_runs(test_ctx *t, const char *a, const char *b, const char *what) {
  char **pa = NULL, **pb = NULL, err[512];
  size_t na = 0, nb = 0;
  rundir_list_records(a, &pa, &na, err, sizeof err);
  rundir_list_records(b, &pb, &nb, err, sizeof err);
  TEST_CHECK(t, na == nb && na > 0, "%s: %zu vs %zu record files", what, na, nb);
  for (size_t i = 0; i < na && i < nb; i++) {
    records_list la = {0}, lb = {0};
    TEST_CHECK(t, records_read_file(pa[i], &la, NULL, NULL, err, sizeof err) == 0, "%s: %s", what, err);
    TEST_CHECK(t, records_read_file(pb[i], &lb, NULL, NULL, err, sizeof err) == 0, "%s: %s", what, err);
    TEST_CHECK(t, la.n == lb.n, "%s: %s: %zu vs %zu records", what, pa[i], la.n, lb.n);
    idmap m;
    idmap_init(&m);
    for (size_t k = 0; k < la.n; k++) idmap_put(&m, la.items[k].id, k, NULL);
    for (size_t k = 0; k < lb.n; k++) {
      size_t j;
      const records_entry *y = &lb.items[k];
      if (!idmap_get(&m, y->id, &j)) {
        TEST_CHECK(t, 0, "%s: %s: sample %s only in the second run", what, pb[i], y->id);
        continue;
      }
      const records_entry *x = &la.items[j];
      TEST_CHECK(t, x->index == y->index && x->status == y->status && same_double(x->score, y->score) &&
                        ((!x->prediction && !y->prediction) || (x->prediction && y->prediction && !strcmp(x->prediction, y->prediction))) &&
                        x->n_demos == y->n_demos && (!x->n_demos || !strcmp(x->demos[0], y->demos[0])),
                 "%s: %s: sample %s differs (score %.17g vs %.17g)", what, pb[i], y->id, x->score, y->score);
    }
    idmap_free(&m);
    records_list_free(&la);
    records_list_free(&lb);
  }
  rundir_free_list(pa, na);
  rundir_free_list(pb, nb);
  summary sa, sb;
  TEST_CHECK(t, summary_build_dir(a, &sa, err, sizeof err) == 0, "%s: summary: %s", what, err);
  TEST_CHECK(t, summary_build_dir(b, &sb, err, sizeof err) == 0, "%s: summary: %s", what, err);
  TEST_CHECK(t, sa.n_cells == sb.n_cells, "%s: summary cells %zu vs %zu", what, sa.n_cells, sb.n_cells);
  for (size_t i = 0; i < sa.n_cells && i < sb.n_cells; i++) {
    TEST_CHECK(t, same_double(sa.cells[i].mean, sb.cells[i].mean) && same_double(sa.cells[i].stddev, sb.cells[i].stddev) &&
                      sa.cells[i].complete == sb.cells[i].complete,
               "%s: %s %d-shot: mean %.17g vs %.17g", what, sa.cells[i].task, sa.cells[i].shots, sa.cells[i].mean,
               sb.cells[i].mean);
  }
  summary_free(&sa);
  summary_free(&sb);
}

int main(void) {
  test_ctx t = test_begin("harness_evalrun");
  char root[] = "/tmp/fewshot_evalrun_XXXXXX";
  if (!mkdtemp(root)) return 1;
  char d1[600], d2[600], d3[600], err[1024];
  snprintf(d1, sizeof d1, "%s/full", root);
  snprintf(d2, sizeof d2, "%s/killed", root);
  snprintf(d3, sizeof d3, "%s/merged", root);
  evalrun_task tasks[DATASET_N_TASKS];
  make_tasks(tasks);
  fake_backend fb = {0, 11, 0};
  evalrun_backend be = fake_backend_make(&fb, 3);

  /* A: the whole run. */
  evalrun_options o = make_options(d1);
  evalrun_stats st;
  TEST_CHECK(&t, evalrun_run(&o, tasks, DATASET_N_TASKS, &be, NULL, &st, err, sizeof err) == 0, "run: %s", err);
  TEST_CHECK(&t, st.n_cells == 24 && st.n_run == 24 * 12 && st.n_skipped == 0, "cells %zu run %zu skipped %zu", st.n_cells,
             st.n_run, st.n_skipped);
  TEST_CHECK(&t, st.n_failed > 0 && st.n_failed < st.n_run / 4, "some samples fail (%zu), the run goes on", st.n_failed);
  summary s;
  TEST_CHECK(&t, summary_build_dir(d1, &s, err, sizeof err) == 0, "summary: %s", err);
  TEST_CHECK(&t, s.n_cells == 12, "summary cells %zu", s.n_cells);
  size_t n_failed = 0;
  for (size_t i = 0; i < s.n_cells; i++) {
    TEST_CHECK(&t, s.cells[i].n_trials == 2 && isfinite(s.cells[i].mean), "%s %d-shot scored", s.cells[i].task, s.cells[i].shots);
    for (size_t k = 0; k < s.cells[i].n_trials; k++) {
      const summary_trial *tr = &s.cells[i].trials[k];
      TEST_CHECK(&t, tr->n_samples == 12 && tr->n_unscored == 0, "%s %d-shot seed %lld: %zu samples, %zu unscored",
                 s.cells[i].task, s.cells[i].shots, tr->seed, tr->n_samples, tr->n_unscored);
      n_failed += tr->n_failed;
    }
  }
  TEST_CHECK(&t, n_failed == st.n_failed, "failures counted in the summary: %zu vs %zu", n_failed, st.n_failed);
  summary_free(&s);
  char path[700], side[720];
  rundir_records_path(d1, "coco", 4, 42, path, sizeof path);
  summary_cell_score_path(path, side, sizeof side);
  struct stat sb;
  TEST_CHECK(&t, stat(side, &sb) == 0, "caption cell aggregate written: %s", side);
  snprintf(path, sizeof path, "%s/summary.json", d1);
  TEST_CHECK(&t, stat(path, &sb) == 0, "summary.json written");

  /* B: no overwrite without resume; with resume, nothing runs again. */
  TEST_CHECK(&t, evalrun_run(&o, tasks, DATASET_N_TASKS, &be, NULL, &st, err, sizeof err) != 0 && strstr(err, "--resume"),
             "rerun without --resume must refuse: '%s'", err);
  o.resume = 1;
  TEST_CHECK(&t, evalrun_run(&o, tasks, DATASET_N_TASKS, &be, NULL, &st, err, sizeof err) == 0, "resume: %s", err);
  TEST_CHECK(&t, st.n_run == 0 && st.n_skipped == 24 * 12, "resume of a finished run: run %zu skipped %zu", st.n_run, st.n_skipped);

  /* C: SIGKILL at random moments, resume until it finishes by itself. */
  o = make_options(d2);
  o.resume = 1;
  fb.pause_us = 3000;
  srand(4242);
  int kills = 0, rounds = 0, finished = 0;
  while (!finished && rounds < 400) {
    rounds++;
    pid_t pid = fork();
    if (pid == 0) _exit(evalrun_run(&o, tasks, DATASET_N_TASKS, &be, NULL, NULL, err, sizeof err) == 0 ? 0 : 3);
    long us = (long)(rand() % 40000) + 2000L * rounds; /* later rounds live longer: it ends */
    struct timespec d = {us / 1000000, (us % 1000000) * 1000L};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      TEST_CHECK(&t, WEXITSTATUS(status) == 0, "a resumed run failed (exit %d)", WEXITSTATUS(status));
      finished = 1;
    } else {
      kills++;
    }
  }
  fb.pause_us = 0;
  fprintf(stderr, "harness_evalrun: killed %d times in %d rounds\n", kills, rounds);
  TEST_CHECK(&t, finished && kills >= 3, "killed %d times in %d rounds, finished %d", kills, rounds, finished);
  o.resume = 1;
  TEST_CHECK(&t, evalrun_run(&o, tasks, DATASET_N_TASKS, &be, NULL, &st, err, sizeof err) == 0 && st.n_run == 0,
             "after the kills nothing is left to run: %s", err);
  compare_runs(&t, d1, d2, "killed and resumed");

  /* D: three shards, merged. */
  const char *shard_dirs[3];
  char sd[3][600];
  for (int i = 0; i < 3; i++) {
    snprintf(sd[i], sizeof sd[i], "%s/shard%d", root, i);
    shard_dirs[i] = sd[i];
    rundir_mkdirs(sd[i], err, sizeof err);
    o = make_options(sd[i]);
    o.shard_index = i;
    o.shard_count = 3;
    cJSON *run = cJSON_CreateObject();
    cJSON *shard = cJSON_AddObjectToObject(run, "shard");
    cJSON_AddNumberToObject(shard, "index", i);
    cJSON_AddNumberToObject(shard, "count", 3);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "config"), "name", "mini");
    TEST_CHECK(&t, evalrun_run(&o, tasks, DATASET_N_TASKS, &be, run, &st, err, sizeof err) == 0, "shard %d: %s", i, err);
    TEST_CHECK(&t, st.n_run == 24 * 4, "shard %d ran %zu samples, want 96", i, st.n_run);
    cJSON_Delete(run);
  }
  size_t incomplete = 99;
  TEST_CHECK(&t, evalmerge_run(shard_dirs, 3, d3, &incomplete, err, sizeof err) == 0, "merge: %s", err);
  TEST_CHECK(&t, incomplete == 0, "merged cells complete (%zu incomplete)", incomplete);
  compare_runs(&t, d1, d3, "merged shards");
  TEST_CHECK(&t, evalmerge_run(shard_dirs, 2, d3, NULL, err, sizeof err) != 0, "merging into a folder with records fails");
  char d4[600];
  snprintf(d4, sizeof d4, "%s/merged2", root);
  TEST_CHECK(&t, evalmerge_run(shard_dirs, 2, d4, NULL, err, sizeof err) != 0 && strstr(err, "missing"),
             "a missing shard is named: '%s'", err);

  /* The same through the binary. */
  char d6[600], cmd6[3000];
  snprintf(d6, sizeof d6, "%s/merged-cli", root);
  snprintf(cmd6, sizeof cmd6, "%s/fewshot merge --out %s --reference none %s %s %s > %s/merge.out 2>&1", FEWSHOT_BINARY_DIR, d6,
           sd[0], sd[1], sd[2], root);
  int st6 = system(cmd6);
  TEST_CHECK(&t, WIFEXITED(st6) && WEXITSTATUS(st6) == 0, "fewshot merge exit %d", WEXITSTATUS(st6));
  compare_runs(&t, d1, d6, "fewshot merge");
  snprintf(cmd6, sizeof cmd6, "%s/fewshot merge --out %s/merged-cli2 %s %s > /dev/null 2>&1", FEWSHOT_BINARY_DIR, root, sd[0], sd[2]);
  st6 = system(cmd6);
  TEST_CHECK(&t, WIFEXITED(st6) && WEXITSTATUS(st6) == 2, "fewshot merge with a shard missing: exit %d, want 2", WEXITSTATUS(st6));

  /* E: OpenFlamingo sampling over 2 emulated ranks with 11 samples: the padding duplicate is left out. */
  char d5[600];
  snprintf(d5, sizeof d5, "%s/of", root);
  o = make_options(d5);
  o.sampling = SAMPLER_OPENFLAMINGO;
  o.world_size = 2;
  tasks[0].num_samples = 11;
  tasks[0].query_set_size = 16;
  TEST_CHECK(&t, evalrun_run(&o, tasks, 1, &be, NULL, &st, err, sizeof err) == 0, "openflamingo sampling: %s", err);
  TEST_CHECK(&t, st.n_run == 4 * 11, "openflamingo sampling: %zu samples run, want 44", st.n_run);

  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (!getenv("KEEP") && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return test_report(&t);
}
