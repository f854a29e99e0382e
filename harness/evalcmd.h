/* evalcmd.h - what `fewshot eval` does after parsing its command line, shared with `fewshot demo`:
 * resolve the config and the overrides, write run.json, load the model, run the loop (evalrun.h),
 * finish run.json and print the table. */
#ifndef FEWSHOT_EVALCMD_H
#define FEWSHOT_EVALCMD_H

#include "engine.h"
#include "image.h"
#include "progress.h"
#include "records.h"

typedef struct {
  const char *config_path;   /* --config (required) */
  const char *model_dir;     /* --model: overrides the config's model.dir */
  const char *tasks;         /* --tasks a,b: a subset of the config's tasks */
  const char *shots;         /* --shots 0,4,8 */
  const char *seeds;         /* --seeds 42,43,44 */
  long num_seeds;            /* --num-seeds N: seeds 42 .. 42+N-1 (0: unset) */
  long num_samples;          /* --num-samples N for every task (0: unset; -1: the whole split) */
  int have_num_samples;
  const char *out_dir;       /* --out (default results/<label>) */
  const char *label;         /* --label (default: the config's name, else its file name) */
  const char *reference;     /* --reference for the plot and the table (NULL: the card's file) */
  engine_device device;      /* --device */
  int batch_size;            /* --batch-size: prompts per engine call */
  int threads;               /* --threads (0: OpenMP's default) */
  long cache_mb;             /* --image-cache-mb */
  int max_prompt_tokens;     /* --max-prompt-tokens */
  image_compat pillow;       /* --pillow legacy|13 */
  int resume;                /* --resume */
  int shard_index, shard_count; /* --shard I/N (0/1 when not sharded) */
  records_fsync_policy fsync;/* --fsync */
  int full_hash;             /* --full-hash */
  progress_mode progress;    /* --progress / --no-progress */
  int quiet;                 /* --quiet: no per-cell lines (errors and the table still print) */
  int argc;                  /* the command line, for run.json */
  char **argv;
} evalcmd_args;

/* The defaults: cpu, batch 8, cache 4096 MiB, 2048 prompt tokens, Pillow legacy, fsync interval,
 * progress auto, not sharded. */
evalcmd_args evalcmd_default_args(void);

/* Runs the evaluation `cmd` ("eval" or "demo") describes. Returns an exit code (cli.h); errors are
 * printed as "fewshot <cmd>: ...". */
int evalcmd_run(const char *cmd, const evalcmd_args *a);

#endif
