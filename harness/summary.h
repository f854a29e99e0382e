/* summary.h - the run summary (docs/results.md): per (task, shots) the per-seed scores, their mean,
 * population std (np.nanstd, as OpenFlamingo reports) and sample std, and the sample counts; built
 * from a run's records, written as summary.json (with an OpenFlamingo results-file section),
 * openflamingo_results.json, summary.csv and summary.svg, and read back for `fewshot table`. */
#ifndef FEWSHOT_SUMMARY_H
#define FEWSHOT_SUMMARY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "records.h"

struct reference_card; /* reference.h */

/* One seed of one cell. */
typedef struct {
  long long seed;
  double score;           /* the trial's score as OpenFlamingo reports it: the mean of the per-sample
                             scores, rounded to 2 decimals for VQA accuracy (VQAEval), unrounded for
                             CIDEr; NAN when no sample could be scored or some are not scored yet */
  double score_unrounded; /* the mean of the per-sample scores, unrounded (NAN as above) */
  size_t n_samples;       /* records (ok + failed) */
  size_t n_failed;        /* records with status "failed": excluded from the score */
  size_t n_unscored;      /* ok records without a score (a caption cell not finalised yet) */
  size_t n_expected;      /* samples the plan holds for this trial; 0 when unknown */
} summary_trial;

/* One (task, shots) cell over its seeds. */
typedef struct {
  char *task;             /* owned */
  char *metric;           /* owned: "vqa_accuracy", "cider", or "score" for unknown tasks */
  int shots;
  summary_trial *trials;  /* owned, sorted by seed */
  size_t n_trials;
  double mean;            /* np.nanmean over the trials' scores (NAN when none) */
  double stddev;          /* np.nanstd, ddof 0 (population), as OpenFlamingo reports */
  double stddev_sample;   /* ddof 1; NAN with fewer than two scored trials */
  int complete;           /* 1 when every trial is scored and, where known, has all its samples */
} summary_cell;

typedef struct {
  char *label;            /* owned: the run's label (run.json "label", else the folder name) */
  summary_cell *cells;    /* owned, sorted by the card's task order, then task key, then shots */
  size_t n_cells;
} summary;

/* Frees everything s owns and zeroes it. */
void summary_free(summary *s);

/* Computes one trial from the records of one (task, shots, seed) file: counts and score, using the
 * task's rounding (taskinfo.h). n_expected is copied in. */
summary_trial summary_trial_from_records(const records_entry *items, size_t n, size_t n_expected);

/* A cell's official aggregate, computed by the metrics module over the whole (task, shots, seed)
 * when it completes, and kept next to its records as records/<cell>.cell.json: the trial value
 * exactly as OpenFlamingo computes it (VQA: round(100 * sum of the per-question fractions in
 * evaluation order / N, 2); captions: the corpus CIDEr-D, the mean of the per-image values, x 100),
 * plus set-level metrics that are not means of per-sample values (BLEU, ROUGE-L). When present and
 * covering exactly the cell's scored samples it replaces the mean of the per-sample scores, which
 * agrees with it up to the last bits of floating-point summation order. */
typedef struct {
  size_t n_scored;        /* samples the aggregate covers */
  double score_unrounded; /* in the summary's units */
  double score;           /* the trial value as reported (rounded for VQA) */
  cJSON *metrics;         /* owned object of further values (raw, as the metric reports them); may be NULL */
} summary_cell_score;

/* records/<task>-<shots>shot-seed<seed>.jsonl -> ...cell.json into buf. Returns 0, -1 if too long. */
int summary_cell_score_path(const char *records_path, char *buf, size_t size);

/* Writes the sidecar of `records_path` atomically. Returns 0, or non-zero with `err`. */
int summary_write_cell_score(const char *records_path, const char *task, int shots, long long seed,
                             const char *metric, const summary_cell_score *cs, char *err, size_t err_size);

/* Reads the sidecar of `records_path`: returns 1 and fills *cs (free with summary_cell_score_free),
 * 0 when there is none, -1 with `err` when it is unreadable. */
int summary_read_cell_score(const char *records_path, summary_cell_score *cs, char *err, size_t err_size);

/* Frees what cs owns. */
void summary_cell_score_free(summary_cell_score *cs);

/* Adds a trial to the cell (task, shots) of s, creating the cell. Returns 0, -1 when out of memory
 * or when the cell already has that seed (with `err`). */
int summary_add_trial(summary *s, const char *task, int shots, const summary_trial *t, char *err,
                      size_t err_size);

/* The trial of one records file and its sidecar (summary_cell_score): *task (malloc'd, caller frees)
 * and *shots of its cell, *t its counts and score; n_expected from `plan` (run.json's "plan" array;
 * may be NULL). Returns 1, 0 when the file holds no record (nothing set), -1 with `err`. */
int summary_trial_from_file(const char *records_path, const cJSON *plan, char **task, int *shots, summary_trial *t,
                            char *err, size_t err_size);

/* As summary_add_trial, but replaces the trial of the same (task, shots, seed) when there is one. */
int summary_put_trial(summary *s, const char *task, int shots, const summary_trial *t, char *err, size_t err_size);

/* Sorts cells and trials and computes each cell's mean, stds and completeness. */
void summary_finish(summary *s);

/* Reads every records file of the run directory `dir` (and run.json's plan and label when present)
 * into *s (overwritten). Returns 0, or non-zero with `err`. */
int summary_build_dir(const char *dir, summary *s, char *err, size_t err_size);

/* summary.json text (malloc'd, caller frees), NULL when out of memory. */
char *summary_to_json(const summary *s);

/* The OpenFlamingo results-file shape {of_key: [{"shots", "trials", "mean", "stddev"}]}
 * (malloc'd text, caller frees), NULL when out of memory. */
char *summary_to_openflamingo_json(const summary *s);

/* summary.csv text: a header and one row per cell (malloc'd, caller frees), NULL when out of memory. */
char *summary_to_csv(const summary *s);

/* Writes summary.json, openflamingo_results.json, summary.csv and summary.svg into `dir`, each
 * atomically. `ref` (may be NULL) adds the card's numbers to the plot. Returns 0, or non-zero with
 * `err`. */
int summary_write_dir(const char *dir, const summary *s, const struct reference_card *ref,
                      const char *ref_model, char *err, size_t err_size);

/* Reads a summary.json written by summary_write_dir. Returns 0, or non-zero with `err`. */
int summary_read_json(const char *path, summary *s, char *err, size_t err_size);

/* The summary of a RUN argument (table, plots): a summary.json file as given; a run directory's
 * records when it has any (always current, even mid-run), else its summary.json. Returns 0, or
 * non-zero with `err`. */
int summary_load_run(const char *arg, summary *s, char *err, size_t err_size);

#endif
