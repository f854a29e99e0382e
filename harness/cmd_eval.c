/* cmd_eval.c - `fewshot eval`: not built yet; its owning issue is #9.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot eval --config C [--model DIR] [--tasks a,b] [--shots 0,4,8]\n"
    "                    [--seeds 42,43,44 | --num-seeds N] [--num-samples N] [--out DIR]\n"
    "                    [--device cpu|cuda] [--batch-size B] [--resume] [--shard I/N]\n"
    "Runs every (task, shots, seed) of a config and writes per-sample records and a summary.\n";

int cmd_eval(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("eval", 9);
}
