/* cmd_eval.c - `fewshot eval`: every (task, shots, seed) of a config, one record per sample,
 * resumable and shardable; ends with the table (evalcmd.h, evalrun.h, docs/results.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "evalcmd.h"
#include "opts.h"

static const char usage[] =
    "usage: fewshot eval --config C [--model DIR] [--tasks a,b] [--shots 0,4,8]\n"
    "                    [--seeds 42,43,44 | --num-seeds N] [--num-samples N] [--out DIR]\n"
    "                    [--device cpu|cuda|cuda-f32] [--batch-size B] [--resume] [--shard I/N]\n"
    "                    [--threads N] [--image-cache-mb M] [--max-prompt-tokens N] [--pillow legacy|13]\n"
    "                    [--fsync never|interval|every] [--full-hash] [--label NAME]\n"
    "                    [--reference FILE|none] [--progress | --no-progress] [--quiet]\n"
    "Runs every (task, shots, seed) of a config and writes per-sample records and a summary into\n"
    "the run directory (default results/<label>), then prints the model card's table.\n"
    "  --config C          the run config (docs/config.md); the options below override it\n"
    "  --model DIR         the checkpoint folder (config.json, safetensors, tokenizer files)\n"
    "  --tasks a,b         a subset of the config's tasks\n"
    "  --shots, --seeds    comma-separated lists; --num-seeds N means seeds 42 .. 42+N-1\n"
    "  --num-samples N     evaluate N samples of every task (-1: the whole split)\n"
    "  --out DIR           the run directory (default results/<label>, or results/<label>-shardIofN)\n"
    "  --device D          where the model runs: cpu (default), cuda (bf16 weights) or cuda-f32\n"
    "  --batch-size B      prompts per engine call (default 8)\n"
    "  --resume            continue the run in --out: finished samples are kept, the rest run\n"
    "  --shard I/N         run the slots j of every cell with j mod N == I (0 <= I < N); join the N\n"
    "                      run directories with `fewshot merge`\n"
    "  --threads N         CPU threads (default: OpenMP's)\n"
    "  --image-cache-mb M  memory for cached image embeddings (default 4096)\n"
    "  --max-prompt-tokens N  longer prompts are recorded as failed (default 2048)\n"
    "  --pillow legacy|13  which Pillow the image preprocessing reproduces (default legacy, <= 10.2)\n"
    "  --fsync P           never | interval (default: every 5 s and per cell) | every record\n"
    "  --full-hash         fingerprint the model by hashing every byte (default: headers + samples)\n"
    "  --label NAME        the run's name in tables (default: the config's name)\n"
    "  --reference F       published numbers for the plot and the table (default: the model card's)\n"
    "  --progress          draw the progress bar even when stderr is not a terminal\n"
    "  --no-progress, --quiet  no bar / no per-cell lines\n"
    "Exit: 0 done, 2 bad config or data, 3 runtime failure (a resumed run continues where it stopped).\n";

int cmd_eval(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  evalcmd_args a = evalcmd_default_args();
  a.argc = argc;
  a.argv = argv;
  const char *v;
  int m;
  long lv;
  for (int i = 1; i < argc; i++) {
#define OPT(name) ((m = opts_match("eval", argc, argv, &i, name, &v)) != 0)
    if (OPT("--config")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.config_path = v;
    } else if (OPT("--model")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.model_dir = v;
    } else if (OPT("--tasks")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.tasks = v;
    } else if (OPT("--shots")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.shots = v;
    } else if (OPT("--seeds")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.seeds = v;
    } else if (OPT("--num-seeds")) {
      if (m < 0 || cli_parse_long("eval", "--num-seeds", v, 1, 64, &a.num_seeds) != 0) return FS_EXIT_USAGE;
    } else if (OPT("--num-samples")) {
      if (m < 0) return FS_EXIT_USAGE;
      if (strcmp(v, "-1") == 0) a.num_samples = -1;
      else if (cli_parse_long("eval", "--num-samples", v, 1, 1L << 40, &a.num_samples) != 0) return FS_EXIT_USAGE;
      a.have_num_samples = 1;
    } else if (OPT("--out")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.out_dir = v;
    } else if (OPT("--label")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.label = v;
    } else if (OPT("--reference")) {
      if (m < 0) return FS_EXIT_USAGE;
      a.reference = v;
    } else if (OPT("--device")) {
      if (m < 0) return FS_EXIT_USAGE;
      char why[160];
      if (engine_device_parse(v, &a.device, why, sizeof why)) return cli_usage_error("eval", NULL, "--device: %s", why);
    } else if (OPT("--batch-size")) {
      if (m < 0 || cli_parse_long("eval", "--batch-size", v, 1, 4096, &lv) != 0) return FS_EXIT_USAGE;
      a.batch_size = (int)lv;
    } else if (OPT("--threads")) {
      if (m < 0 || cli_parse_long("eval", "--threads", v, 1, 4096, &lv) != 0) return FS_EXIT_USAGE;
      a.threads = (int)lv;
    } else if (OPT("--image-cache-mb")) {
      if (m < 0 || cli_parse_long("eval", "--image-cache-mb", v, 1, 1L << 30, &a.cache_mb) != 0) return FS_EXIT_USAGE;
    } else if (OPT("--max-prompt-tokens")) {
      if (m < 0 || cli_parse_long("eval", "--max-prompt-tokens", v, 16, 1L << 20, &lv) != 0) return FS_EXIT_USAGE;
      a.max_prompt_tokens = (int)lv;
    } else if (OPT("--pillow")) {
      if (m < 0) return FS_EXIT_USAGE;
      if (strcmp(v, "legacy") == 0) a.pillow = IMAGE_COMPAT_PILLOW_LEGACY;
      else if (strcmp(v, "13") == 0) a.pillow = IMAGE_COMPAT_PILLOW_13;
      else return cli_usage_error("eval", NULL, "--pillow: expected legacy or 13, got '%s'", v);
    } else if (OPT("--fsync")) {
      if (m < 0) return FS_EXIT_USAGE;
      if (strcmp(v, "never") == 0) a.fsync = RECORDS_FSYNC_NEVER;
      else if (strcmp(v, "interval") == 0) a.fsync = RECORDS_FSYNC_INTERVAL;
      else if (strcmp(v, "every") == 0) a.fsync = RECORDS_FSYNC_EVERY;
      else return cli_usage_error("eval", NULL, "--fsync: expected never, interval or every, got '%s'", v);
    } else if (OPT("--shard")) {
      if (m < 0) return FS_EXIT_USAGE;
      int si = -1, sn = 0, used = 0;
      if (sscanf(v, "%d/%d%n", &si, &sn, &used) != 2 || v[used] != '\0' || sn < 1 || si < 0 || si >= sn)
        return cli_usage_error("eval", NULL, "--shard: expected I/N with 0 <= I < N, got '%s'", v);
      a.shard_index = si;
      a.shard_count = sn;
    } else if (strcmp(argv[i], "--resume") == 0) {
      a.resume = 1;
    } else if (strcmp(argv[i], "--full-hash") == 0) {
      a.full_hash = 1;
    } else if (strcmp(argv[i], "--progress") == 0) {
      a.progress = PROGRESS_ON;
    } else if (strcmp(argv[i], "--no-progress") == 0) {
      a.progress = PROGRESS_OFF;
    } else if (strcmp(argv[i], "--quiet") == 0) {
      a.quiet = 1;
      if (a.progress == PROGRESS_AUTO) a.progress = PROGRESS_OFF;
    } else {
      return cli_usage_error("eval", usage, "unexpected argument '%s'", argv[i]);
    }
#undef OPT
  }
  if (!a.config_path) return cli_usage_error("eval", usage, "--config is required");
  if (a.seeds && a.num_seeds) return cli_usage_error("eval", usage, "give --seeds or --num-seeds, not both");
  return evalcmd_run("eval", &a);
}
