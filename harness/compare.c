/* compare.c - paired bootstrap comparison of two runs (compare.h). */
#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "idmap.h"
#include "records.h"
#include "rundir.h"
#include "stats.h"
#include "taskinfo.h"
#include "xoshiro.h"

compare_options compare_default_options(void) {
  compare_options o = {0.0, 0.05, 2000, 0};
  return o;
}

const char *compare_verdict_name(compare_verdict v) {
  switch (v) {
    case COMPARE_SAME: return "same";
    case COMPARE_IMPROVED: return "improved";
    case COMPARE_DROP: return "drop";
    case COMPARE_REGRESSION: return "regression";
    case COMPARE_MISSING: return "missing";
    case COMPARE_NEW_ONLY: return "new-only";
  }
  return "?";
}

void compare_result_free(compare_result *r) {
  for (size_t i = 0; i < r->n_cells; i++) {
    free(r->cells[i].task);
    free(r->cells[i].metric);
  }
  free(r->cells);
  memset(r, 0, sizeof *r);
}

/* Return codes of the helpers below: 0, BAD_INPUT (a run cannot be read) or NO_MEMORY. */
enum { BAD_INPUT = -1, NO_MEMORY = -2 };

/* The scored samples of one (task, shots, seed) file: ids and scores only. */
typedef struct {
  char *task;
  int shots;
  long long seed;
  char **ids;
  double *scores;
  size_t n;
} trial_data;

typedef struct {
  trial_data *t;
  size_t n;
} run_data;

static void run_free(run_data *r) {
  for (size_t i = 0; i < r->n; i++) {
    for (size_t k = 0; k < r->t[i].n; k++) free(r->t[i].ids[k]);
    free(r->t[i].ids);
    free(r->t[i].scores);
    free(r->t[i].task);
  }
  free(r->t);
  memset(r, 0, sizeof *r);
}

static int load_run(const char *dir, run_data *run, char *err, size_t err_size) {
  memset(run, 0, sizeof *run);
  char **paths = NULL;
  size_t n_paths = 0;
  if (rundir_list_records(dir, &paths, &n_paths, err, err_size) != 0) return BAD_INPUT;
  int rc = 0;
  for (size_t i = 0; i < n_paths && rc == 0; i++) {
    records_list l = {0};
    if (records_read_file(paths[i], &l, NULL, NULL, err, err_size) != 0) {
      rc = BAD_INPUT;
      break;
    }
    if (l.n) {
      trial_data *nt = realloc(run->t, (run->n + 1) * sizeof *nt);
      if (!nt) rc = NO_MEMORY;
      else {
        run->t = nt;
        trial_data *t = &run->t[run->n++];
        memset(t, 0, sizeof *t);
        t->task = strdup(l.items[0].task);
        t->shots = l.items[0].shots;
        t->seed = l.items[0].seed;
        t->ids = calloc(l.n, sizeof *t->ids);
        t->scores = calloc(l.n, sizeof *t->scores);
        if (!t->task || !t->ids || !t->scores) rc = NO_MEMORY;
        for (size_t k = 0; k < l.n && rc == 0; k++) {
          const records_entry *e = &l.items[k];
          if (e->status != RECORDS_OK || isnan(e->score)) continue;
          t->ids[t->n] = e->id; /* moved out of the list */
          l.items[k].id = NULL;
          t->scores[t->n++] = e->score;
        }
      }
    }
    records_list_free(&l);
  }
  rundir_free_list(paths, n_paths);
  if (rc == NO_MEMORY && err) snprintf(err, err_size, "%s: out of memory", dir);
  if (rc == 0 && run->n == 0) {
    if (err) snprintf(err, err_size, "%s: no records (expected %s/records/*.jsonl)", dir, dir);
    rc = BAD_INPUT;
  }
  if (rc) run_free(run);
  return rc;
}

int compare_bootstrap(const double *const *diffs, const size_t *n, size_t n_seeds, const compare_options *opt,
                      double *delta, double *ci_lo, double *ci_hi, char *err, size_t err_size) {
  double d = 0.0;
  for (size_t s = 0; s < n_seeds; s++) {
    double sum = 0.0;
    for (size_t i = 0; i < n[s]; i++) sum += diffs[s][i];
    d += sum / (double)n[s];
  }
  *delta = d / (double)n_seeds;
  *ci_lo = *ci_hi = NAN;
  size_t B = opt->resamples ? opt->resamples : 1;
  double *boot = B <= SIZE_MAX / sizeof *boot ? malloc(B * sizeof *boot) : NULL;
  if (!boot) {
    if (err) snprintf(err, err_size, "bootstrap: out of memory for %zu resamples", B);
    return -1;
  }
  const uint64_t seed = opt->seed;
#pragma omp parallel for schedule(static)
  for (size_t b = 0; b < B; b++) {
    xoshiro_rng rng;
    /* One stream per resample, derived from (seed, b) through splitmix64 in xoshiro_seed. */
    xoshiro_seed(&rng, seed * 0x9e3779b97f4a7c15ULL + (uint64_t)b);
    double acc = 0.0;
    for (size_t s = 0; s < n_seeds; s++) {
      double sum = 0.0;
      for (size_t i = 0; i < n[s]; i++) sum += diffs[s][xoshiro_below(&rng, n[s])];
      acc += sum / (double)n[s];
    }
    boot[b] = acc / (double)n_seeds;
  }
  *ci_lo = stats_percentile_sorted_inplace(boot, B, 100.0 * opt->alpha / 2.0);
  *ci_hi = stats_percentile_sorted_inplace(boot, B, 100.0 * (1.0 - opt->alpha / 2.0));
  free(boot);
  return 0;
}

static int cell_rank(const compare_cell *c) {
  const taskinfo *ti = taskinfo_lookup(c->task);
  return ti ? ti->order : 1000;
}

static int cmp_cells(const void *a, const void *b) {
  const compare_cell *x = a, *y = b;
  int r = cell_rank(x) - cell_rank(y);
  if (r) return r;
  int c = strcmp(x->task, y->task);
  return c ? c : x->shots - y->shots;
}

static compare_cell *get_cell(compare_result *r, const char *task, int shots, int *oom) {
  for (size_t i = 0; i < r->n_cells; i++)
    if (r->cells[i].shots == shots && strcmp(r->cells[i].task, task) == 0) return &r->cells[i];
  compare_cell *nc = realloc(r->cells, (r->n_cells + 1) * sizeof *nc);
  if (!nc) {
    *oom = 1;
    return NULL;
  }
  r->cells = nc;
  compare_cell *c = &r->cells[r->n_cells];
  memset(c, 0, sizeof *c);
  const taskinfo *ti = taskinfo_lookup(task);
  c->task = strdup(task);
  c->metric = strdup(ti ? ti->metric : "score");
  if (!c->task || !c->metric) {
    free(c->task);
    free(c->metric);
    *oom = 1;
    return NULL;
  }
  c->shots = shots;
  c->base_mean = c->new_mean = c->delta = c->ci_lo = c->ci_hi = NAN;
  c->verdict = COMPARE_MISSING;
  r->n_cells++;
  return c;
}

/* Pairs and judges one cell: base trials bt[0..nb), new trials nt[0..nn) of the same (task, shots).
 * Returns 0, or NO_MEMORY with err (the cell then has no verdict to trust). */
static int judge_cell(compare_cell *c, trial_data *const *bt, size_t nb, trial_data *const *nt, size_t nn,
                      const compare_options *opt, char *err, size_t err_size) {
  double **diffs = calloc(nb + 1, sizeof *diffs);
  size_t *counts = calloc(nb + 1, sizeof *counts);
  double base_acc = 0.0, new_acc = 0.0;
  int rc = 0;
  if (!diffs || !counts) rc = NO_MEMORY;
  size_t used = 0;
  for (size_t j = 0; j < nn; j++) c->n_unpaired_new += nt[j]->n;
  for (size_t i = 0; i < nb && rc == 0; i++) {
    const trial_data *b = bt[i], *m = NULL;
    for (size_t j = 0; j < nn; j++)
      if (nt[j]->seed == b->seed) m = nt[j];
    if (!m) {
      c->n_unpaired_base += b->n;
      continue;
    }
    idmap ids;
    idmap_init(&ids);
    for (size_t k = 0; k < m->n && rc == 0; k++)
      if (idmap_put(&ids, m->ids[k], k, NULL) < 0) rc = NO_MEMORY;
    double *d = malloc((b->n ? b->n : 1) * sizeof *d);
    if (!d) rc = NO_MEMORY;
    size_t np = 0;
    double bs = 0.0, ns = 0.0;
    for (size_t k = 0; k < b->n && rc == 0; k++) {
      size_t j;
      if (!idmap_get(&ids, b->ids[k], &j)) continue;
      d[np++] = m->scores[j] - b->scores[k];
      bs += b->scores[k];
      ns += m->scores[j];
    }
    idmap_free(&ids);
    c->n_unpaired_base += b->n - np;
    c->n_unpaired_new -= np;
    c->n_pairs += np;
    if (rc == 0 && np) {
      diffs[used] = d;
      counts[used++] = np;
      base_acc += bs / (double)np;
      new_acc += ns / (double)np;
    } else {
      free(d);
    }
  }
  if (rc == 0 && used) {
    c->n_seeds = used;
    c->base_mean = base_acc / (double)used;
    c->new_mean = new_acc / (double)used;
    char why[200] = "";
    if (compare_bootstrap((const double *const *)diffs, counts, used, opt, &c->delta, &c->ci_lo, &c->ci_hi, why,
                          sizeof why) != 0) {
      if (err) snprintf(err, err_size, "%s %d-shot: %s", c->task, c->shots, why);
      rc = NO_MEMORY;
    } else if (c->ci_hi < 0.0) c->verdict = -c->delta > opt->max_drop ? COMPARE_REGRESSION : COMPARE_DROP;
    else if (c->ci_lo > 0.0) c->verdict = COMPARE_IMPROVED;
    else c->verdict = COMPARE_SAME;
  } else if (rc == 0) {
    c->verdict = nb ? COMPARE_MISSING : COMPARE_NEW_ONLY;
  }
  for (size_t i = 0; diffs && i < used; i++) free(diffs[i]);
  free(diffs);
  free(counts);
  if (rc == NO_MEMORY && err && !*err) snprintf(err, err_size, "%s %d-shot: out of memory", c->task, c->shots);
  return rc;
}

int compare_runs(const char *base_dir, const char *new_dir, const compare_options *opt, compare_result *out,
                 char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  run_data base, nw;
  int lrc = load_run(base_dir, &base, err, err_size);
  if (lrc != 0) return lrc == NO_MEMORY ? FS_EXIT_RUNTIME : FS_EXIT_USAGE;
  lrc = load_run(new_dir, &nw, err, err_size);
  if (lrc != 0) {
    run_free(&base);
    return lrc == NO_MEMORY ? FS_EXIT_RUNTIME : FS_EXIT_USAGE;
  }
  char why[256] = "";
  int oom = 0;
  for (size_t i = 0; i < base.n && !oom; i++) get_cell(out, base.t[i].task, base.t[i].shots, &oom);
  for (size_t i = 0; i < nw.n && !oom; i++) get_cell(out, nw.t[i].task, nw.t[i].shots, &oom);
  trial_data **bt = calloc(base.n + 1, sizeof *bt), **nt = calloc(nw.n + 1, sizeof *nt);
  if (!bt || !nt) oom = 1;
  for (size_t ci = 0; ci < out->n_cells && !oom; ci++) {
    compare_cell *c = &out->cells[ci];
    size_t nb = 0, nn = 0;
    for (size_t i = 0; i < base.n; i++)
      if (base.t[i].shots == c->shots && strcmp(base.t[i].task, c->task) == 0) bt[nb++] = &base.t[i];
    for (size_t i = 0; i < nw.n; i++)
      if (nw.t[i].shots == c->shots && strcmp(nw.t[i].task, c->task) == 0) nt[nn++] = &nw.t[i];
    if (judge_cell(c, bt, nb, nt, nn, opt, why, sizeof why) != 0) oom = 1;
    if (c->verdict == COMPARE_REGRESSION) out->n_regressions++;
    if (c->verdict == COMPARE_MISSING) out->n_missing++;
  }
  free(bt);
  free(nt);
  run_free(&base);
  run_free(&nw);
  if (oom) {
    if (err) snprintf(err, err_size, "%s", *why ? why : "out of memory");
    compare_result_free(out);
    return FS_EXIT_RUNTIME;
  }
  if (out->n_cells) qsort(out->cells, out->n_cells, sizeof *out->cells, cmp_cells);
  return 0;
}
