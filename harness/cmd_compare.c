/* cmd_compare.c - `fewshot compare`: not built yet; its owning issue is #9.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot compare BASE NEW [--max-drop X] [--alpha A] [--format md|json]\n"
    "Compares two runs per (task, shots) with paired bootstrap intervals; exit 1 on a significant drop.\n";

int cmd_compare(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("compare", 9);
}
