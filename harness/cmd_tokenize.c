/* cmd_tokenize.c - `fewshot tokenize`: not built yet; its owning issue is #5.
 * The placeholder answers --help with the planned usage and otherwise exits 2 (cli.h). */
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: fewshot tokenize --model DIR [--json] [--decode] [TEXT | -]\n"
    "Text -> ids (or ids -> text with --decode) with the model's tokenizer.\n";

int cmd_tokenize(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  return cli_not_built("tokenize", 5);
}
