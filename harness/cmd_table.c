/* cmd_table.c - `fewshot table`: the model card's table (model, shot, six tasks) from run results,
 * with the card's rows, our mean +- std, and the difference to the card's row for the model we
 * reproduce (docs/results.md, "Tables"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "table.h"

static const char usage[] =
    "usage: fewshot table RUN... [--reference FILE|none] [--against MODEL] [--format md|csv|json]\n"
    "                    [--decimals N]\n"
    "Prints the model card's table (model, shot, six tasks): the card's rows, then each run's\n"
    "mean +- std over seeds (population std, as OpenFlamingo reports) and its difference to the card.\n"
    "  RUN              a run directory (its records, else its summary.json) or a summary.json;\n"
    "                   runs with the same label are joined into one block\n"
    "  --reference F    published numbers (default: results/reference/xgen-mm-phi3-mini-base-r-v1.5.json\n"
    "                   of the source tree); 'none' prints our rows only\n"
    "  --against M      the card's row the difference is taken to (default: the file's default_model)\n"
    "  --format F       md (default), csv (one line per model, shot and task) or json\n"
    "  --decimals N     digits after the point (default 1, as the card)\n"
    "Cells: '*' marks an incomplete cell (a seed or samples missing), '+N' the number of failed samples.\n";

int cmd_table(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  table_options o = table_default_options();
  const char *v;
  long decimals = 1;
  const char **runs = calloc((size_t)argc, sizeof *runs);
  int n_runs = 0, m;
  if (!runs) return FS_EXIT_RUNTIME;
  for (int i = 1; i < argc; i++) {
    if ((m = opts_match("table", argc, argv, &i, "--reference", &v)) != 0) {
      if (m < 0) goto usage_fail;
      o.reference = v;
    } else if ((m = opts_match("table", argc, argv, &i, "--against", &v)) != 0) {
      if (m < 0) goto usage_fail;
      o.against = v;
    } else if ((m = opts_match("table", argc, argv, &i, "--format", &v)) != 0) {
      if (m < 0) goto usage_fail;
      o.format = v;
    } else if ((m = opts_match("table", argc, argv, &i, "--decimals", &v)) != 0) {
      if (m < 0 || cli_parse_long("table", "--decimals", v, 0, 6, &decimals) != 0) goto usage_fail;
      o.decimals = (int)decimals;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      free(runs);
      return cli_usage_error("table", usage, "unknown option '%s'", argv[i]);
    } else {
      runs[n_runs++] = argv[i];
    }
  }
  if (strcmp(o.format, "md") != 0 && strcmp(o.format, "csv") != 0 && strcmp(o.format, "json") != 0) {
    free(runs);
    return cli_usage_error("table", usage, "--format: expected md, csv or json, got '%s'", o.format);
  }
  if (!n_runs && (!o.reference || strcmp(o.reference, "none") == 0)) {
    free(runs);
    return cli_usage_error("table", usage, "give at least one RUN (or a --reference to print alone)");
  }
  char err[512] = "";
  int rc = table_print(stdout, runs, n_runs, &o, err, sizeof err);
  if (rc != FS_EXIT_OK) cli_error("table", "%s", err);
  free(runs);
  return rc;
usage_fail:
  free(runs);
  return FS_EXIT_USAGE;
}
