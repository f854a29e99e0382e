/* cmd_prompts.c - `fewshot prompts`: not built yet; its owning issue is #4.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot prompts --config C --task T --shots K --seed S [--limit N] [--json]\n"
    "Prints each sample's full prompt with image markers and its demo ids.\n";

int cmd_prompts(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("prompts", 4);
}
