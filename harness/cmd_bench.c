/* cmd_bench.c - `fewshot bench`: not built yet; its owning issue is #8.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot bench [options]\n"
    "Runs the performance benchmarks.\n";

int cmd_bench(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("bench", 8);
}
