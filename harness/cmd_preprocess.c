/* cmd_preprocess.c - `fewshot preprocess`: not built yet; its owning issue is #5.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot preprocess IMAGE... --out-dir D [--format u8|f32]\n"
    "Decodes and resizes images to 384x384 exactly as the reference preprocessing does.\n";

int cmd_preprocess(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("preprocess", 5);
}
