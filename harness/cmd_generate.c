/* cmd_generate.c - `fewshot generate`: not built yet; its owning issue is #6.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot generate --model DIR --image A.jpg [--image B.jpg ...] --prompt \"...<image>...\"\n"
    "                        [--max-new-tokens N] [--beams K] [--device cpu|cuda]\n"
    "Prints the continuation of one interleaved prompt.\n";

int cmd_generate(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("generate", 6);
}
