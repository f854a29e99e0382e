/* cmd_inspect.c - `fewshot inspect`: not built yet; its owning issue is #2.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot inspect MODEL_DIR [--json]\n"
    "Summarises a checkpoint and validates it against the xGen-MM v1.5 architecture.\n";

int cmd_inspect(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("inspect", 2);
}
