/* cmd_demo.c - `fewshot demo`: not built yet; its owning issue is #9.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot demo\n"
    "Runs the embedded demo: a tiny bundled model on bundled mini datasets, on the CPU.\n";

int cmd_demo(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("demo", 9);
}
