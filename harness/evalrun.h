/* evalrun.h - the run loop of `fewshot eval` (design.md §2, docs/results.md): for every task, shots
 * and seed, the sampler's plan, the prompts, generation through a backend, post-processing, the
 * metric, and one record per sample appended as it finishes; resumable, shardable.
 *
 * The model sits behind evalrun_backend, so the loop runs the same with the real engine (modelrun.h)
 * and with the stand-ins of the tests, and a later MPI driver can hand each rank a shard.
 *
 * Sharding: the sampler's plan of a cell is built whole in every process (it depends on the seed,
 * the data and the sampling options only); shard I of N takes the plan's slots j with j mod N == I.
 * The union of the shards is exactly the single-process run, sample for sample and demo for demo,
 * in either sampling mode; `fewshot merge` joins them and scores the set-level metrics. */
#ifndef FEWSHOT_EVALRUN_H
#define FEWSHOT_EVALRUN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "dataset.h"
#include "generate.h"
#include "postprocess.h"
#include "progress.h"
#include "prompt.h"
#include "records.h"
#include "sampler.h"
#include "vqa.h"

struct reference_card; /* reference.h */

/* One prompt to run: text with "<image>" markers and the image files, one per marker, in order. */
typedef struct {
  const char *text;
  const char *const *images;
  size_t n_images;
} evalrun_request;

/* What came of one request: exactly one of the two is set (malloc'd; the loop frees them). */
typedef struct {
  char *generation; /* the decoded continuation (special tokens skipped) */
  char *failure;    /* one line: why this sample could not run (unreadable image, prompt too long) */
} evalrun_result;

/* The model, as the loop sees it. */
typedef struct {
  void *ctx;
  int max_batch; /* requests per generate call */
  /* Runs n <= max_batch requests with the decoding parameters gp and fills res[0..n). A problem
   * of one sample goes into its res[i].failure; a non-zero return (with err) means the backend
   * itself failed (out of memory, device error) and stops the run. */
  int (*generate)(void *ctx, const evalrun_request *req, int n, const gen_params *gp, evalrun_result *res,
                  char *err, size_t err_size);
} evalrun_backend;

/* One task of the run, filled from the config. */
typedef struct {
  dataset_task task;
  dataset_source source;          /* where its files are */
  prompt_options prompt;          /* template, zero-shot variant, separator */
  postprocess_vqa_cut vqa_cut;    /* VQA answer cuts (of-main / of-rsm) */
  gen_params gen;                 /* decoding: beams, new tokens, length penalty, stop ids */
  long num_samples;               /* eval subset size; <= 0: the whole test split */
  size_t query_set_size;          /* demo pool size; 0: the whole train split */
  int okvqa_stem;                 /* OK-VQA: stem predictions as OpenFlamingo does */
} evalrun_task;

typedef struct {
  const char *out_dir;            /* the run directory (exists; run.json written by the caller) */
  const int *shots;               /* shot counts, in order */
  int n_shots;
  const long long *seeds;         /* trial seeds, in order */
  int n_seeds;
  sampler_mode sampling;          /* openflamingo | stable */
  int world_size;                 /* openflamingo sampling: ranks emulated (draws depend on it) */
  int sampler_batch;              /* openflamingo sampling: DataLoader batch size recorded in slots */
  vqa_variant vqa;                /* VQA accuracy variant (openflamingo by default) */
  int shard_index, shard_count;   /* this process runs slots j with j mod count == index */
  int resume;                     /* 1: continue cells whose records exist; 0: refuse to overwrite */
  records_fsync_policy fsync;
  double fsync_interval_s;
  progress_mode progress;
  int quiet;                      /* no per-cell lines on stderr */
  int check_images;               /* before each cell: count missing image files (a warning; a cell
                                     whose every query image is missing is an error) */
  const struct reference_card *reference; /* drawn in summary.svg when not NULL */
} evalrun_options;

/* Totals of one call of evalrun_run. */
typedef struct {
  size_t n_cells;                 /* (task, shots, seed) cells */
  size_t n_run;                   /* samples run by this call */
  size_t n_skipped;               /* samples found done (resume) */
  size_t n_failed;                /* samples recorded as failed by this call */
  double seconds;
} evalrun_stats;

/* evalrun_run's failures: bad input (data files, a records file that is not this run's, a run
 * directory in use without --resume) or a runtime failure (the backend, writing results). */
enum { EVALRUN_BAD_INPUT = 1, EVALRUN_RUNTIME = 2 };

/* Runs every cell of `tasks` x o->shots x o->seeds into o->out_dir/records, finalises complete cells
 * (evalrun_finalize_cell) when the run is not sharded, and rewrites the summary files after every
 * cell. `run_json` (may be NULL) is the caller's run.json object: the loop adds each cell's
 * {"task", "shots", "seed", "n_samples"} to its "plan" array and rewrites <out_dir>/run.json.
 * Returns 0, or EVALRUN_BAD_INPUT / EVALRUN_RUNTIME with `err`; a partial run resumes. */
int evalrun_run(const evalrun_options *o, const evalrun_task *tasks, int n_tasks, evalrun_backend *be,
                cJSON *run_json, evalrun_stats *stats, char *err, size_t err_size);

/* Scores what needs the whole cell and writes the cell's aggregate (records/<cell>.cell.json):
 * VQA: the VQAEval overall from the per-question fractions in evaluation order; captions: every
 * image's CIDEr-D / BLEU / ROUGE-L over the cell (PTB tokenisation of the records' predictions and
 * references), written into the records (the file is rewritten atomically) and the corpus values.
 * Reads only the records file, so it serves eval, resume and merge alike. Returns 0, or non-zero
 * with `err`. */
int evalrun_finalize_cell(const char *records_path, vqa_variant vqa, char *err, size_t err_size);

#endif
