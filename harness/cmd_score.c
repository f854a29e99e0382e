/* cmd_score.c - `fewshot score`: not built yet; its owning issue is #3.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot score vqa --questions Q --annotations A --results R\n"
    "                         [--variant official|openflamingo] [--okvqa-stem] [--json]\n"
    "       fewshot score caption --annotations A --results R [--json]\n"
    "Scores a predictions file against official annotation files.\n";

int cmd_score(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("score", 3);
}
