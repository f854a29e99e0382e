/* summary.c - run summaries: aggregation over seeds, JSON/CSV writers and reader (summary.h). */
#include "summary.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "jsonnum.h"
#include "plot.h"
#include "rundir.h"
#include "stats.h"
#include "strbuf.h"
#include "taskinfo.h"

void summary_free(summary *s) {
  for (size_t i = 0; i < s->n_cells; i++) {
    free(s->cells[i].task);
    free(s->cells[i].metric);
    free(s->cells[i].trials);
  }
  free(s->cells);
  free(s->label);
  memset(s, 0, sizeof *s);
}

summary_trial summary_trial_from_records(const records_entry *items, size_t n, size_t n_expected) {
  summary_trial t;
  memset(&t, 0, sizeof t);
  t.n_expected = n_expected;
  t.score = t.score_unrounded = NAN;
  if (n) t.seed = items[0].seed;
  double sum = 0.0;
  size_t scored = 0;
  for (size_t i = 0; i < n; i++) {
    t.n_samples++;
    if (items[i].status != RECORDS_OK) {
      t.n_failed++;
    } else if (isnan(items[i].score)) {
      t.n_unscored++;
    } else {
      sum += items[i].score;
      scored++;
    }
  }
  if (scored && !t.n_unscored) {
    t.score_unrounded = sum / (double)scored;
    const taskinfo *ti = n ? taskinfo_lookup(items[0].task) : NULL;
    t.score = ti && ti->trial_decimals >= 0 ? stats_round_python(t.score_unrounded, ti->trial_decimals)
                                            : t.score_unrounded;
  }
  return t;
}

static summary_cell *find_cell(summary *s, const char *task, int shots) {
  for (size_t i = 0; i < s->n_cells; i++)
    if (s->cells[i].shots == shots && strcmp(s->cells[i].task, task) == 0) return &s->cells[i];
  return NULL;
}

int summary_add_trial(summary *s, const char *task, int shots, const summary_trial *t, char *err,
                      size_t err_size) {
  summary_cell *c = find_cell(s, task, shots);
  if (!c) {
    summary_cell *cells = realloc(s->cells, (s->n_cells + 1) * sizeof *cells);
    if (!cells) goto oom;
    s->cells = cells;
    c = &s->cells[s->n_cells];
    memset(c, 0, sizeof *c);
    const taskinfo *ti = taskinfo_lookup(task);
    c->task = strdup(task);
    c->metric = strdup(ti ? ti->metric : "score");
    c->shots = shots;
    c->mean = c->stddev = c->stddev_sample = NAN;
    if (!c->task || !c->metric) {
      free(c->task);
      free(c->metric);
      goto oom;
    }
    s->n_cells++;
  }
  for (size_t i = 0; i < c->n_trials; i++) {
    if (c->trials[i].seed == t->seed) {
      if (err) snprintf(err, err_size, "%s, %d shots: seed %lld appears twice", task, shots, t->seed);
      return -1;
    }
  }
  summary_trial *trials = realloc(c->trials, (c->n_trials + 1) * sizeof *trials);
  if (!trials) goto oom;
  c->trials = trials;
  c->trials[c->n_trials++] = *t;
  return 0;
oom:
  if (err) snprintf(err, err_size, "summary: out of memory");
  return -1;
}

static int cmp_trial(const void *a, const void *b) {
  long long x = ((const summary_trial *)a)->seed, y = ((const summary_trial *)b)->seed;
  return (x > y) - (x < y);
}

static int task_rank(const char *task) {
  const taskinfo *ti = taskinfo_lookup(task);
  return ti ? ti->order : 1000;
}

static int cmp_cell(const void *a, const void *b) {
  const summary_cell *x = a, *y = b;
  int rx = task_rank(x->task), ry = task_rank(y->task);
  if (rx != ry) return rx - ry;
  int c = strcmp(x->task, y->task);
  if (c) return c;
  return x->shots - y->shots;
}

void summary_finish(summary *s) {
  if (s->n_cells) qsort(s->cells, s->n_cells, sizeof *s->cells, cmp_cell);
  for (size_t i = 0; i < s->n_cells; i++) {
    summary_cell *c = &s->cells[i];
    if (c->n_trials) qsort(c->trials, c->n_trials, sizeof *c->trials, cmp_trial);
    double *v = malloc((c->n_trials ? c->n_trials : 1) * sizeof *v);
    c->complete = 1;
    for (size_t k = 0; k < c->n_trials; k++) {
      const summary_trial *t = &c->trials[k];
      if (v) v[k] = t->score;
      if (isnan(t->score) || (t->n_expected && t->n_samples < t->n_expected)) c->complete = 0;
    }
    if (v) {
      c->mean = stats_nanmean(v, c->n_trials);
      c->stddev = stats_nanstd(v, c->n_trials, 0);
      c->stddev_sample = stats_nanstd(v, c->n_trials, 1);
    }
    free(v);
  }
}

/* ---- building from a run directory ---- */

static int read_plan(const char *dir, summary *s, cJSON **plan_out, char *err, size_t err_size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/run.json", dir);
  *plan_out = NULL;
  FILE *probe = fopen(path, "rb");
  if (!probe) return 0;
  fclose(probe);
  char *text = rundir_read_file(path, NULL, err, err_size);
  if (!text) return -1;
  cJSON *run = cJSON_Parse(text);
  free(text);
  if (!run) {
    if (err) snprintf(err, err_size, "%s: not valid JSON", path);
    return -1;
  }
  const cJSON *label = cJSON_GetObjectItemCaseSensitive(run, "label");
  if (cJSON_IsString(label) && !(s->label = strdup(label->valuestring))) {
    cJSON_Delete(run);
    return -1;
  }
  cJSON *plan = cJSON_DetachItemFromObjectCaseSensitive(run, "plan");
  cJSON_Delete(run);
  if (plan && !cJSON_IsArray(plan)) {
    cJSON_Delete(plan);
    if (err) snprintf(err, err_size, "%s: \"plan\" is not an array", path);
    return -1;
  }
  *plan_out = plan;
  return 0;
}

static const char *base_name(const char *dir) {
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  const char *p = dir + len;
  while (p > dir && p[-1] != '/') p--;
  return p;
}

static size_t plan_expected(const cJSON *plan, const char *task, int shots, long long seed, int *found) {
  const cJSON *it;
  *found = 0;
  cJSON_ArrayForEach(it, plan) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "task");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "shots");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "seed");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n_samples");
    if (cJSON_IsString(t) && cJSON_IsNumber(k) && cJSON_IsNumber(sd) && cJSON_IsNumber(n) &&
        strcmp(t->valuestring, task) == 0 && k->valueint == shots && (long long)sd->valuedouble == seed) {
      *found = 1;
      return (size_t)n->valuedouble;
    }
  }
  return 0;
}

int summary_trial_from_file(const char *records_path, const cJSON *plan, char **task, int *shots, summary_trial *t,
                            char *err, size_t err_size) {
  records_list l = {0};
  *task = NULL;
  if (records_read_file(records_path, &l, NULL, NULL, err, err_size) != 0) return -1;
  if (!l.n) {
    records_list_free(&l);
    return 0;
  }
  const records_entry *e0 = &l.items[0];
  int found = 0;
  size_t expected = plan ? plan_expected(plan, e0->task, e0->shots, e0->seed, &found) : 0;
  *t = summary_trial_from_records(l.items, l.n, expected);
  *shots = e0->shots;
  *task = strdup(e0->task);
  records_list_free(&l);
  if (!*task) {
    if (err) snprintf(err, err_size, "%s: out of memory", records_path);
    return -1;
  }
  summary_cell_score cs;
  int have = summary_read_cell_score(records_path, &cs, err, err_size);
  if (have < 0) {
    free(*task);
    *task = NULL;
    return -1;
  }
  if (have) {
    if (!t->n_unscored && cs.n_scored == t->n_samples - t->n_failed && isfinite(cs.score)) {
      t->score = cs.score;
      t->score_unrounded = cs.score_unrounded;
    }
    summary_cell_score_free(&cs);
  }
  return 1;
}

int summary_put_trial(summary *s, const char *task, int shots, const summary_trial *t, char *err, size_t err_size) {
  summary_cell *c = find_cell(s, task, shots);
  for (size_t i = 0; c && i < c->n_trials; i++) {
    if (c->trials[i].seed == t->seed) {
      c->trials[i] = *t;
      return 0;
    }
  }
  return summary_add_trial(s, task, shots, t, err, err_size);
}

int summary_build_dir(const char *dir, summary *s, char *err, size_t err_size) {
  memset(s, 0, sizeof *s);
  cJSON *plan = NULL;
  if (read_plan(dir, s, &plan, err, err_size) != 0) {
    summary_free(s);
    return -1;
  }
  if (!s->label) s->label = strdup(base_name(dir));
  char **paths = NULL;
  size_t n_paths = 0;
  if (rundir_list_records(dir, &paths, &n_paths, err, err_size) != 0) {
    cJSON_Delete(plan);
    summary_free(s);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < n_paths && rc == 0; i++) {
    char *task = NULL;
    int shots = 0;
    summary_trial t;
    int got = summary_trial_from_file(paths[i], plan, &task, &shots, &t, err, err_size);
    if (got < 0) rc = -1;
    else if (got) rc = summary_add_trial(s, task, shots, &t, err, err_size);
    free(task);
  }
  /* Planned trials without any record yet: shown as empty, so a partial run reads as partial. */
  const cJSON *it;
  cJSON_ArrayForEach(it, plan) {
    if (rc != 0) break;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "task");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "shots");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "seed");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n_samples");
    if (!cJSON_IsString(t) || !cJSON_IsNumber(k) || !cJSON_IsNumber(sd)) continue;
    summary_cell *c = find_cell(s, t->valuestring, k->valueint);
    int have = 0;
    for (size_t j = 0; c && j < c->n_trials; j++) have |= c->trials[j].seed == (long long)sd->valuedouble;
    if (have) continue;
    summary_trial tr;
    memset(&tr, 0, sizeof tr);
    tr.seed = (long long)sd->valuedouble;
    tr.score = tr.score_unrounded = NAN;
    tr.n_expected = cJSON_IsNumber(n) ? (size_t)n->valuedouble : 0;
    rc = summary_add_trial(s, t->valuestring, k->valueint, &tr, err, err_size);
  }
  rundir_free_list(paths, n_paths);
  cJSON_Delete(plan);
  if (rc != 0 || !s->label) {
    if (rc == 0 && err) snprintf(err, err_size, "summary: out of memory");
    summary_free(s);
    return -1;
  }
  summary_finish(s);
  return 0;
}

/* ---- writers ---- */

static cJSON *num_or_null(double v) { return jsonnum_create(v); }

char *summary_to_json(const summary *s) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "format", "fewshot-summary/1");
  cJSON_AddStringToObject(root, "label", s->label ? s->label : "");
  cJSON *cells = cJSON_AddArrayToObject(root, "cells");
  for (size_t i = 0; i < s->n_cells; i++) {
    const summary_cell *c = &s->cells[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "task", c->task);
    cJSON_AddStringToObject(o, "metric", c->metric);
    cJSON_AddNumberToObject(o, "shots", c->shots);
    cJSON_AddItemToObject(o, "mean", num_or_null(c->mean));
    cJSON_AddItemToObject(o, "stddev", num_or_null(c->stddev));
    cJSON_AddItemToObject(o, "stddev_sample", num_or_null(c->stddev_sample));
    cJSON_AddBoolToObject(o, "complete", c->complete);
    cJSON *seeds = cJSON_AddArrayToObject(o, "seeds"), *trials = cJSON_AddArrayToObject(o, "trials");
    cJSON *unr = cJSON_AddArrayToObject(o, "trials_unrounded");
    cJSON *ns = cJSON_AddArrayToObject(o, "n_samples"), *nf = cJSON_AddArrayToObject(o, "n_failed");
    cJSON *nu = cJSON_AddArrayToObject(o, "n_unscored"), *ne = cJSON_AddArrayToObject(o, "n_expected");
    for (size_t k = 0; k < c->n_trials; k++) {
      const summary_trial *t = &c->trials[k];
      cJSON_AddItemToArray(seeds, jsonnum_create((double)t->seed));
      cJSON_AddItemToArray(trials, num_or_null(t->score));
      cJSON_AddItemToArray(unr, num_or_null(t->score_unrounded));
      cJSON_AddItemToArray(ns, cJSON_CreateNumber((double)t->n_samples));
      cJSON_AddItemToArray(nf, cJSON_CreateNumber((double)t->n_failed));
      cJSON_AddItemToArray(nu, cJSON_CreateNumber((double)t->n_unscored));
      cJSON_AddItemToArray(ne, t->n_expected ? cJSON_CreateNumber((double)t->n_expected) : cJSON_CreateNull());
    }
    cJSON_AddItemToArray(cells, o);
  }
  char *of = summary_to_openflamingo_json(s);
  cJSON *ofj = of ? cJSON_Parse(of) : NULL;
  free(of);
  cJSON_AddItemToObject(root, "openflamingo", ofj ? ofj : cJSON_CreateObject());
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

char *summary_to_openflamingo_json(const summary *s) {
  cJSON *root = cJSON_CreateObject();
  for (size_t i = 0; i < s->n_cells; i++) {
    const summary_cell *c = &s->cells[i];
    const taskinfo *ti = taskinfo_lookup(c->task);
    const char *key = ti ? ti->of_key : c->task;
    cJSON *list = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!list) list = cJSON_AddArrayToObject(root, key);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "shots", c->shots);
    cJSON *trials = cJSON_AddArrayToObject(o, "trials");
    for (size_t k = 0; k < c->n_trials; k++) cJSON_AddItemToArray(trials, num_or_null(c->trials[k].score));
    cJSON_AddItemToObject(o, "mean", num_or_null(c->mean));
    cJSON_AddItemToObject(o, "stddev", num_or_null(c->stddev));
    cJSON_AddItemToArray(list, o);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

/* A CSV field through libcsv's quoting rules. */
static void sb_csv_field(strbuf *b, const char *s) {
  size_t len = strlen(s);
  char *q = malloc(len * 2 + 3);
  if (!q) {
    b->oom = 1;
    return;
  }
  size_t n = csv_write(q, len * 2 + 3, s, len);
  strbuf_add(b, q, n);
  free(q);
}

static void sb_num(strbuf *b, double v) {
  char tmp[40];
  if (isfinite(v)) strbuf_printf(b, "%s", jsonnum_format(v, tmp, sizeof tmp));
}

char *summary_to_csv(const summary *s) {
  strbuf b = {0};
  strbuf_printf(&b, "label,task,metric,shots,n_seeds,mean,stddev,stddev_sample,complete,seeds,trials,"
                "n_samples,n_failed\n");
  for (size_t i = 0; i < s->n_cells; i++) {
    const summary_cell *c = &s->cells[i];
    sb_csv_field(&b, s->label ? s->label : "");
    strbuf_add(&b, ",", 1);
    sb_csv_field(&b, c->task);
    strbuf_printf(&b, ",%s,%d,%zu,", c->metric, c->shots, c->n_trials);
    sb_num(&b, c->mean);
    strbuf_add(&b, ",", 1);
    sb_num(&b, c->stddev);
    strbuf_add(&b, ",", 1);
    sb_num(&b, c->stddev_sample);
    strbuf_printf(&b, ",%s,", c->complete ? "true" : "false");
    /* Per-seed lists are space-separated inside one field each, in seed order. */
    for (size_t k = 0; k < c->n_trials; k++) strbuf_printf(&b, "%s%lld", k ? " " : "", c->trials[k].seed);
    strbuf_add(&b, ",", 1);
    for (size_t k = 0; k < c->n_trials; k++) {
      if (k) strbuf_add(&b, " ", 1);
      if (isfinite(c->trials[k].score)) sb_num(&b, c->trials[k].score);
      else strbuf_add(&b, "nan", 3);
    }
    strbuf_add(&b, ",", 1);
    size_t ns = 0, nf = 0;
    for (size_t k = 0; k < c->n_trials; k++) {
      ns += c->trials[k].n_samples;
      nf += c->trials[k].n_failed;
    }
    strbuf_printf(&b, "%zu,%zu\n", ns, nf);
  }
  return strbuf_finish(&b);
}

int summary_write_dir(const char *dir, const summary *s, const struct reference_card *ref,
                      const char *ref_model, char *err, size_t err_size) {
  char path[4096];
  struct {
    const char *name;
    char *text;
  } files[3] = {{"summary.json", summary_to_json(s)},
                {"openflamingo_results.json", summary_to_openflamingo_json(s)},
                {"summary.csv", summary_to_csv(s)}};
  int rc = 0;
  for (int i = 0; i < 3; i++) {
    if (rc == 0 && !files[i].text) {
      if (err) snprintf(err, err_size, "%s/%s: out of memory", dir, files[i].name);
      rc = -1;
    }
    if (rc == 0) {
      snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
      rc = rundir_write_file_atomic(path, files[i].text, strlen(files[i].text), err, err_size);
    }
    free(files[i].text);
  }
  if (rc == 0) {
    char *svg = plot_summary_svg(s, ref, ref_model);
    if (!svg) {
      if (err) snprintf(err, err_size, "%s/summary.svg: out of memory", dir);
      return -1;
    }
    snprintf(path, sizeof path, "%s/summary.svg", dir);
    rc = rundir_write_file_atomic(path, svg, strlen(svg), err, err_size);
    free(svg);
  }
  return rc;
}

/* ---- reading summary.json ---- */

static double num_at(const cJSON *a, int i) {
  const cJSON *v = cJSON_GetArrayItem(a, i);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int summary_read_json(const char *path, summary *s, char *err, size_t err_size) {
  memset(s, 0, sizeof *s);
  char *text = rundir_read_file(path, NULL, err, err_size);
  if (!text) return -1;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *cells = cJSON_GetObjectItemCaseSensitive(root, "cells");
  if (!root || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "fewshot-summary/1") != 0 ||
      !cJSON_IsArray(cells)) {
    if (err) snprintf(err, err_size, "%s: not a fewshot summary (format \"fewshot-summary/1\" with \"cells\")", path);
    cJSON_Delete(root);
    return -1;
  }
  const cJSON *label = cJSON_GetObjectItemCaseSensitive(root, "label");
  s->label = strdup(cJSON_IsString(label) ? label->valuestring : "");
  int rc = s->label ? 0 : -1, idx = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cells) {
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(c, "task");
    const cJSON *shots = cJSON_GetObjectItemCaseSensitive(c, "shots");
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(c, "seeds");
    const cJSON *trials = cJSON_GetObjectItemCaseSensitive(c, "trials");
    if (!cJSON_IsString(task) || !cJSON_IsNumber(shots) || !cJSON_IsArray(seeds) || !cJSON_IsArray(trials) ||
        cJSON_GetArraySize(seeds) != cJSON_GetArraySize(trials)) {
      if (err) snprintf(err, err_size, "%s: cells[%d]: needs task, shots, seeds and trials of equal length", path, idx);
      rc = -1;
      break;
    }
    const cJSON *unr = cJSON_GetObjectItemCaseSensitive(c, "trials_unrounded");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(c, "n_samples");
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(c, "n_failed");
    const cJSON *nu = cJSON_GetObjectItemCaseSensitive(c, "n_unscored");
    const cJSON *ne = cJSON_GetObjectItemCaseSensitive(c, "n_expected");
    for (int k = 0; k < cJSON_GetArraySize(seeds) && rc == 0; k++) {
      summary_trial t;
      memset(&t, 0, sizeof t);
      t.seed = (long long)num_at(seeds, k);
      t.score = num_at(trials, k);
      t.score_unrounded = unr ? num_at(unr, k) : t.score;
      double v;
      t.n_samples = isfinite(v = num_at(ns, k)) ? (size_t)v : 0;
      t.n_failed = isfinite(v = num_at(nf, k)) ? (size_t)v : 0;
      t.n_unscored = isfinite(v = num_at(nu, k)) ? (size_t)v : 0;
      t.n_expected = isfinite(v = num_at(ne, k)) ? (size_t)v : 0;
      rc = summary_add_trial(s, task->valuestring, shots->valueint, &t, err, err_size);
    }
    if (rc != 0) break;
    summary_cell *cell = find_cell(s, task->valuestring, shots->valueint);
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(c, "metric");
    if (cell && cJSON_IsString(metric)) {
      char *m = strdup(metric->valuestring);
      if (m) {
        free(cell->metric);
        cell->metric = m;
      }
    }
    idx++;
  }
  if (rc == 0) summary_finish(s); /* mean and stds recomputed from the trials */
  cJSON_Delete(root);
  if (rc != 0) summary_free(s);
  return rc;
}

int summary_load_run(const char *arg, summary *s, char *err, size_t err_size) {
  struct stat st;
  if (stat(arg, &st) != 0) {
    if (err) snprintf(err, err_size, "%s: %s", arg, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return summary_read_json(arg, s, err, err_size);
  char **paths = NULL;
  size_t n = 0;
  if (rundir_list_records(arg, &paths, &n, err, err_size) != 0) return -1;
  rundir_free_list(paths, n);
  if (n) return summary_build_dir(arg, s, err, err_size);
  char path[4096];
  snprintf(path, sizeof path, "%s/summary.json", arg);
  if (stat(path, &st) != 0) {
    if (err) snprintf(err, err_size, "%s: neither records/*.jsonl nor summary.json: not a run directory", arg);
    return -1;
  }
  return summary_read_json(path, s, err, err_size);
}

/* ---- the per-cell sidecar ---- */

int summary_cell_score_path(const char *records_path, char *buf, size_t size) {
  size_t len = strlen(records_path);
  if (len > 6 && strcmp(records_path + len - 6, ".jsonl") == 0) len -= 6;
  int n = snprintf(buf, size, "%.*s.cell.json", (int)len, records_path);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

void summary_cell_score_free(summary_cell_score *cs) {
  cJSON_Delete(cs->metrics);
  memset(cs, 0, sizeof *cs);
}

int summary_write_cell_score(const char *records_path, const char *task, int shots, long long seed,
                             const char *metric, const summary_cell_score *cs, char *err, size_t err_size) {
  char path[4096];
  if (summary_cell_score_path(records_path, path, sizeof path) != 0) {
    if (err) snprintf(err, err_size, "%s: path too long", records_path);
    return -1;
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "format", "fewshot-cell/1");
  cJSON_AddStringToObject(o, "task", task);
  cJSON_AddNumberToObject(o, "shots", shots);
  jsonnum_add(o, "seed", (double)seed);
  cJSON_AddStringToObject(o, "metric", metric);
  jsonnum_add(o, "n_scored", (double)cs->n_scored);
  jsonnum_add(o, "score", cs->score);
  jsonnum_add(o, "score_unrounded", cs->score_unrounded);
  if (cs->metrics) cJSON_AddItemToObject(o, "metrics", cJSON_Duplicate(cs->metrics, 1));
  char *text = cJSON_Print(o);
  cJSON_Delete(o);
  if (!text) {
    if (err) snprintf(err, err_size, "%s: out of memory", path);
    return -1;
  }
  int rc = rundir_write_file_atomic(path, text, strlen(text), err, err_size);
  free(text);
  return rc;
}

int summary_read_cell_score(const char *records_path, summary_cell_score *cs, char *err, size_t err_size) {
  memset(cs, 0, sizeof *cs);
  char path[4096];
  struct stat st;
  if (summary_cell_score_path(records_path, path, sizeof path) != 0 || stat(path, &st) != 0) return 0;
  char *text = rundir_read_file(path, NULL, err, err_size);
  if (!text) return -1;
  cJSON *o = cJSON_Parse(text);
  free(text);
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n_scored");
  const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "score");
  const cJSON *su = cJSON_GetObjectItemCaseSensitive(o, "score_unrounded");
  if (!o || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "fewshot-cell/1") != 0 || !cJSON_IsNumber(n)) {
    if (err) snprintf(err, err_size, "%s: not a cell score file (format \"fewshot-cell/1\" with n_scored)", path);
    cJSON_Delete(o);
    return -1;
  }
  cs->n_scored = (size_t)n->valuedouble;
  cs->score = cJSON_IsNumber(sc) ? sc->valuedouble : NAN;
  cs->score_unrounded = cJSON_IsNumber(su) ? su->valuedouble : cs->score;
  cs->metrics = cJSON_DetachItemFromObjectCaseSensitive(o, "metrics");
  cJSON_Delete(o);
  return 1;
}
