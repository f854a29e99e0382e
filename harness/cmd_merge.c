/* cmd_merge.c - `fewshot merge`: not built yet; its owning issue is #9.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot merge --out DIR SHARD_DIR...\n"
    "Joins the outputs of `eval --shard I/N` runs into one run.\n";

int cmd_merge(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("merge", 9);
}
