/* compare.h - two runs side by side (`fewshot compare`): per (task, shots), both means over the
 * samples scored in both runs, the difference, a paired bootstrap confidence interval, and a verdict
 * (docs/results.md, "Comparing runs").
 *
 * Pairing: a sample of BASE and one of NEW form a pair when they have the same seed and sample id and
 * both were scored (failed samples are left out and counted). The statistic is
 *   delta = mean over seeds s of  mean over pairs (i, s) of (new_i - base_i),
 * the same weighting as the summary's mean over seeds. The bootstrap resamples pairs with
 * replacement within each seed (stratified by seed) `resamples` times with a generator seeded by
 * `seed` (resample b uses its own stream derived from (seed, b), so the interval does not depend on
 * the number of threads) and takes the percentile interval [alpha/2, 1 - alpha/2].
 * Caption tasks: the per-sample score is the per-image CIDEr of the cell (document frequencies over
 * the whole evaluated set, which depend on references only, so both runs share them); the resamples
 * keep those per-image values fixed rather than recomputing the document frequencies. */
#ifndef FEWSHOT_COMPARE_H
#define FEWSHOT_COMPARE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  COMPARE_SAME = 0,       /* the interval contains 0 */
  COMPARE_IMPROVED,       /* the interval lies above 0 */
  COMPARE_DROP,           /* significant drop, but no larger than max_drop */
  COMPARE_REGRESSION,     /* significant drop larger than max_drop: the check fails */
  COMPARE_MISSING,        /* BASE has the cell, NEW does not (or they share no scored sample) */
  COMPARE_NEW_ONLY        /* NEW has a cell BASE lacks: reported, not judged */
} compare_verdict;

typedef struct {
  double max_drop;        /* points (VQA %, CIDEr x 100) a significant drop may reach before it fails */
  double alpha;           /* 1 - confidence level of the interval (0.05: a 95% interval) */
  size_t resamples;       /* bootstrap resamples (default 2000) */
  uint64_t seed;          /* bootstrap seed (default 0) */
} compare_options;

typedef struct {
  char *task;             /* owned */
  char *metric;           /* owned */
  int shots;
  size_t n_seeds;         /* seeds with at least one pair */
  size_t n_pairs;         /* pairs over all those seeds */
  size_t n_unpaired_base; /* scored samples of BASE without a scored partner in NEW */
  size_t n_unpaired_new;
  double base_mean, new_mean; /* over the pairs, weighted as delta; NAN without pairs */
  double delta;           /* new_mean - base_mean */
  double ci_lo, ci_hi;    /* bootstrap percentile interval of delta */
  compare_verdict verdict;
} compare_cell;

typedef struct {
  compare_cell *cells;    /* owned; in the card's task order, then shots */
  size_t n_cells;
  size_t n_regressions;   /* cells with COMPARE_REGRESSION */
  size_t n_missing;       /* cells with COMPARE_MISSING */
} compare_result;

/* Default options: max_drop 0, alpha 0.05, 2000 resamples, seed 0. */
compare_options compare_default_options(void);

/* Compares the records of two run directories. Returns 0 and fills *out (free with
 * compare_result_free); FS_EXIT_USAGE (cli.h) with `err` when a run cannot be read or holds no
 * records; FS_EXIT_RUNTIME with `err` when out of memory (then no verdict is given at all: a cell
 * whose interval could not be computed is never reported as "same"). */
int compare_runs(const char *base_dir, const char *new_dir, const compare_options *opt, compare_result *out,
                 char *err, size_t err_size);

/* Compares per-seed paired differences directly (the core of compare_runs, exposed for tests):
 * diffs[s] holds n[s] values new_i - base_i for seed s, n_seeds >= 1, every n[s] >= 1. Sets delta
 * and the interval and returns 0; returns -1 with `err` when the opt->resamples values do not fit
 * in memory (delta is set, the interval is NaN). */
int compare_bootstrap(const double *const *diffs, const size_t *n, size_t n_seeds, const compare_options *opt,
                      double *delta, double *ci_lo, double *ci_hi, char *err, size_t err_size);

/* Frees what r owns. */
void compare_result_free(compare_result *r);

/* "same", "improved", "drop", "regression", "missing", "new-only". */
const char *compare_verdict_name(compare_verdict v);

#endif
