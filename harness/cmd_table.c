/* cmd_table.c - `fewshot table`: not built yet; its owning issue is #9.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot table RUN... [--reference results/reference/<card>.json] [--format md|csv|json]\n"
    "Prints the model card's table (model, shot, six tasks) with our mean +- std beside the card's numbers.\n";

int cmd_table(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("table", 9);
}
