/* cmd_merge.c - `fewshot merge`: the run directories of `eval --shard I/N` joined into one run
 * (evalmerge.h); prints the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "evalmerge.h"
#include "opts.h"
#include "table.h"

static const char usage[] =
    "usage: fewshot merge --out DIR SHARD_DIR...\n"
    "Joins the run directories of `fewshot eval --shard I/N` (all N of them, each once) into one\n"
    "run directory whose records and scores are those of the single-process run: records\n"
    "concatenated, set-level metrics (CIDEr-D, BLEU) computed over the whole cell, the summary\n"
    "rewritten. The shards must come from the same config, model and data. Prints the table.\n"
    "  --out DIR     the merged run (created; must not hold records)\n"
    "  --reference F published numbers for the table (default: the model card's; 'none')\n"
    "Exit: 0 merged, 1 merged but some cell is incomplete (a shard did not finish), 2 bad input.\n";

int cmd_merge(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *out = NULL, *ref = NULL, *v;
  const char **dirs = calloc((size_t)argc, sizeof *dirs);
  int n = 0, m;
  if (!dirs) return FS_EXIT_RUNTIME;
  for (int i = 1; i < argc; i++) {
    if ((m = opts_match("merge", argc, argv, &i, "--out", &v)) != 0) {
      if (m < 0) goto usage_fail;
      out = v;
    } else if ((m = opts_match("merge", argc, argv, &i, "--reference", &v)) != 0) {
      if (m < 0) goto usage_fail;
      ref = v;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      free(dirs);
      return cli_usage_error("merge", usage, "unknown option '%s'", argv[i]);
    } else {
      dirs[n++] = argv[i];
    }
  }
  if (!out || !n) {
    free(dirs);
    return cli_usage_error("merge", usage, "give --out DIR and the shard directories");
  }
  char err[1024];
  size_t incomplete = 0;
  if (evalmerge_run(dirs, n, out, &incomplete, err, sizeof err) != 0) {
    cli_error("merge", "%s", err);
    free(dirs);
    return FS_EXIT_USAGE;
  }
  free(dirs);
  table_options to = table_default_options();
  to.reference = ref;
  const char *runs[1] = {out};
  if (table_print(stdout, runs, 1, &to, err, sizeof err) != 0) cli_error("merge", "%s", err);
  if (incomplete) {
    cli_error("merge", "%zu cell%s incomplete: a shard did not finish (resume it, then merge again)", incomplete,
              incomplete == 1 ? " is" : "s are");
    return FS_EXIT_CHECK;
  }
  return FS_EXIT_OK;
usage_fail:
  free(dirs);
  return FS_EXIT_USAGE;
}
