/* cmd_compare.c - `fewshot compare BASE NEW`: per (task, shots) both means, the difference, a paired
 * bootstrap confidence interval and a verdict; exit 1 when a cell drops significantly by more than
 * --max-drop (compare.h, docs/results.md "Comparing runs"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "jsonnum.h"
#include "opts.h"
#include "rundir.h"
#include "taskinfo.h"

static const char usage[] =
    "usage: fewshot compare BASE NEW [--max-drop X] [--alpha A] [--resamples N] [--bootstrap-seed S]\n"
    "                       [--allow-missing] [--format md|json]\n"
    "Compares two runs cell by cell (task, shots) on the samples scored in both (same seed and\n"
    "sample id): both means, NEW - BASE, a paired bootstrap interval, and a verdict.\n"
    "  BASE, NEW          run directories (with records/*.jsonl)\n"
    "  --max-drop X       points a significant drop may reach before it fails (default 0)\n"
    "  --alpha A          the interval is the (1-A) percentile interval (default 0.05: 95%)\n"
    "  --resamples N      bootstrap resamples (default 2000)\n"
    "  --bootstrap-seed S seed of the resampling (default 0): the same inputs give the same interval\n"
    "  --allow-missing    a cell of BASE that NEW lacks is reported but does not fail the check\n"
    "  --format F         md (default) or json\n"
    "Verdicts: same (interval holds 0), improved, drop (significant, within --max-drop),\n"
    "regression (significant and beyond --max-drop), missing (NEW lacks a cell of BASE), new-only.\n"
    "Exit: 0 no regression, 1 a regression (or a missing cell), 2 bad usage or unreadable runs,\n"
    "3 out of memory (no verdict is given then).\n";

static cJSON *jnum(double v) { return jsonnum_create(v); }

static void fmt_num(char *buf, size_t size, const char *fmt, double v) {
  if (fabs(v) < 0.005) v = 0.0; /* no "-0.00" */
  if (isfinite(v)) snprintf(buf, size, fmt, v);
  else snprintf(buf, size, "-");
}

int cmd_compare(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  compare_options opt = compare_default_options();
  const char *format = "md", *paths[2] = {NULL, NULL}, *v;
  int n_paths = 0, allow_missing = 0, m;
  for (int i = 1; i < argc; i++) {
    long lv;
    if ((m = opts_match("compare", argc, argv, &i, "--max-drop", &v)) != 0) {
      if (m < 0 || opts_parse_double("compare", "--max-drop", v, 0.0, 1e9, &opt.max_drop) != 0) return FS_EXIT_USAGE;
    } else if ((m = opts_match("compare", argc, argv, &i, "--alpha", &v)) != 0) {
      if (m < 0 || opts_parse_double("compare", "--alpha", v, 1e-6, 0.5, &opt.alpha) != 0) return FS_EXIT_USAGE;
    } else if ((m = opts_match("compare", argc, argv, &i, "--resamples", &v)) != 0) {
      if (m < 0 || cli_parse_long("compare", "--resamples", v, 100, 10000000, &lv) != 0) return FS_EXIT_USAGE;
      opt.resamples = (size_t)lv;
    } else if ((m = opts_match("compare", argc, argv, &i, "--bootstrap-seed", &v)) != 0) {
      if (m < 0 || cli_parse_long("compare", "--bootstrap-seed", v, 0, 0x7fffffffffffffffL, &lv) != 0)
        return FS_EXIT_USAGE;
      opt.seed = (uint64_t)lv;
    } else if ((m = opts_match("compare", argc, argv, &i, "--format", &v)) != 0) {
      if (m < 0) return FS_EXIT_USAGE;
      format = v;
    } else if (strcmp(argv[i], "--allow-missing") == 0) {
      allow_missing = 1;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return cli_usage_error("compare", usage, "unknown option '%s'", argv[i]);
    } else if (n_paths < 2) {
      paths[n_paths++] = argv[i];
    } else {
      return cli_usage_error("compare", usage, "expected two runs, got a third: '%s'", argv[i]);
    }
  }
  if (n_paths != 2) return cli_usage_error("compare", usage, "expected two runs: BASE NEW");
  if (strcmp(format, "md") != 0 && strcmp(format, "json") != 0)
    return cli_usage_error("compare", usage, "--format: expected md or json, got '%s'", format);

  char err[512], dirs[2][4096];
  for (int k = 0; k < 2; k++) {
    if (rundir_resolve(paths[k], dirs[k], sizeof dirs[k], err, sizeof err) != 0) {
      cli_error("compare", "%s", err);
      return FS_EXIT_USAGE;
    }
  }
  compare_result r;
  int crc = compare_runs(dirs[0], dirs[1], &opt, &r, err, sizeof err);
  if (crc != 0) {
    cli_error("compare", "%s", err);
    return crc == FS_EXIT_RUNTIME ? FS_EXIT_RUNTIME : FS_EXIT_USAGE;
  }
  int fail = r.n_regressions > 0 || (!allow_missing && r.n_missing > 0);
  int level = (int)lround(100.0 * (1.0 - opt.alpha));
  if (strcmp(format, "md") == 0) {
    printf("| task | shots | base | new | new − base | %d%% interval | pairs | verdict |\n", level);
    printf("|:--|--:|--:|--:|--:|:--|--:|:--|\n");
    for (size_t i = 0; i < r.n_cells; i++) {
      const compare_cell *c = &r.cells[i];
      const taskinfo *ti = taskinfo_lookup(c->task);
      char b[32], n[32], d[32], lo[32], hi[32];
      fmt_num(b, sizeof b, "%.2f", c->base_mean);
      fmt_num(n, sizeof n, "%.2f", c->new_mean);
      fmt_num(d, sizeof d, "%+.2f", c->delta);
      fmt_num(lo, sizeof lo, "%+.2f", c->ci_lo);
      fmt_num(hi, sizeof hi, "%+.2f", c->ci_hi);
      printf("| %s | %d | %s | %s | %s | [%s, %s] | %zu | %s%s |\n", ti ? ti->title : c->task, c->shots, b, n, d, lo,
             hi, c->n_pairs, c->verdict == COMPARE_REGRESSION ? "**regression**" : compare_verdict_name(c->verdict),
             c->n_unpaired_base || c->n_unpaired_new ? " (some samples unpaired)" : "");
    }
    printf("\nbase: %s\nnew:  %s\n", dirs[0], dirs[1]);
    printf("paired bootstrap over samples (stratified by seed), %zu resamples, seed %llu; "
           "max drop %.2f points.\n",
           opt.resamples, (unsigned long long)opt.seed, opt.max_drop);
    printf("%s: %zu regression%s, %zu missing cell%s.\n", fail ? "FAIL" : "OK", r.n_regressions,
           r.n_regressions == 1 ? "" : "s", r.n_missing, r.n_missing == 1 ? "" : "s");
  } else {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "base", dirs[0]);
    cJSON_AddStringToObject(root, "new", dirs[1]);
    cJSON *o = cJSON_AddObjectToObject(root, "options");
    cJSON_AddNumberToObject(o, "max_drop", opt.max_drop);
    cJSON_AddNumberToObject(o, "alpha", opt.alpha);
    cJSON_AddNumberToObject(o, "resamples", (double)opt.resamples);
    cJSON_AddNumberToObject(o, "bootstrap_seed", (double)opt.seed);
    cJSON_AddBoolToObject(o, "allow_missing", allow_missing);
    cJSON *cells = cJSON_AddArrayToObject(root, "cells");
    for (size_t i = 0; i < r.n_cells; i++) {
      const compare_cell *c = &r.cells[i];
      cJSON *j = cJSON_CreateObject();
      cJSON_AddStringToObject(j, "task", c->task);
      cJSON_AddStringToObject(j, "metric", c->metric);
      cJSON_AddNumberToObject(j, "shots", c->shots);
      cJSON_AddItemToObject(j, "base_mean", jnum(c->base_mean));
      cJSON_AddItemToObject(j, "new_mean", jnum(c->new_mean));
      cJSON_AddItemToObject(j, "delta", jnum(c->delta));
      cJSON_AddItemToObject(j, "ci_low", jnum(c->ci_lo));
      cJSON_AddItemToObject(j, "ci_high", jnum(c->ci_hi));
      cJSON_AddNumberToObject(j, "n_seeds", (double)c->n_seeds);
      cJSON_AddNumberToObject(j, "n_pairs", (double)c->n_pairs);
      cJSON_AddNumberToObject(j, "n_unpaired_base", (double)c->n_unpaired_base);
      cJSON_AddNumberToObject(j, "n_unpaired_new", (double)c->n_unpaired_new);
      cJSON_AddStringToObject(j, "verdict", compare_verdict_name(c->verdict));
      cJSON_AddItemToArray(cells, j);
    }
    cJSON_AddNumberToObject(root, "n_regressions", (double)r.n_regressions);
    cJSON_AddNumberToObject(root, "n_missing", (double)r.n_missing);
    cJSON_AddBoolToObject(root, "pass", !fail);
    char *text = cJSON_Print(root);
    if (text) printf("%s\n", text);
    free(text);
    cJSON_Delete(root);
  }
  compare_result_free(&r);
  return fail ? FS_EXIT_CHECK : FS_EXIT_OK;
}
