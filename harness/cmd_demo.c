/* cmd_demo.c - `fewshot demo`: the embedded default. The tiny bundled model (random weights, the real
 * tokenizer; tests/fixtures/models/tiny) on the bundled mini datasets (tests/fixtures/datasets), all
 * six tasks, shots 0 and 4, two seeds, on the CPU, ending with the table: configs/demo.json run by
 * `fewshot eval` into a fresh results/demo.
 *
 * The bundled files are found in the source tree: --source-dir, else $FEWSHOT_SOURCE_DIR, else the
 * tree the binary was built from (compiled in as FEWSHOT_SOURCE_DIR), else the folder above the
 * binary's own (build/..). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "commands.h"
#include "evalcmd.h"
#include "opts.h"
#include "rundir.h"

#ifndef FEWSHOT_SOURCE_DIR
#define FEWSHOT_SOURCE_DIR "."
#endif

static const char usage[] =
    "usage: fewshot demo [--out DIR] [--source-dir DIR] [--threads N] [--progress | --no-progress] [--quiet]\n"
    "Runs the embedded demo: a tiny bundled model (random weights, the real tokenizer) on the bundled\n"
    "mini datasets (12 samples per task in the official formats), all six tasks, shots 0 and 4, two\n"
    "seeds, on the CPU, then prints the model card's table. It exercises the whole pipeline; its\n"
    "scores mean nothing (the weights are random).\n"
    "  --out DIR         the run directory (default results/demo; a previous demo there is replaced)\n"
    "  --source-dir DIR  the source tree holding configs/demo.json and tests/fixtures (default: the\n"
    "                    tree this binary was built from; also $FEWSHOT_SOURCE_DIR)\n"
    "  --threads N       CPU threads (default: OpenMP's)\n";

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The source tree that holds configs/demo.json, into buf. */
static int find_source(const char *given, const char *argv0, char *buf, size_t size) {
  char probe[PATH_MAX + 64];
  const char *env = getenv("FEWSHOT_SOURCE_DIR");
  const char *cands[3] = {given, given ? NULL : env, given ? NULL : FEWSHOT_SOURCE_DIR};
  for (int i = 0; i < 3; i++) {
    if (!cands[i]) continue;
    snprintf(probe, sizeof probe, "%s/configs/demo.json", cands[i]);
    if (is_file(probe)) {
      snprintf(buf, size, "%s", cands[i]);
      return 0;
    }
    if (given) return -1;
  }
  /* build/fewshot -> build/.. */
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    if (!argv0) return -1;
    snprintf(self, sizeof self, "%s", argv0);
  } else {
    self[n] = '\0';
  }
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = '\0';
    snprintf(probe, sizeof probe, "%s/configs/demo.json", self);
    if (is_file(probe)) {
      snprintf(buf, size, "%s", self);
      return 0;
    }
  }
  return -1;
}

/* Removes what a previous demo left in `dir` (only a demo's run directory is touched). */
static int clear_previous(const char *dir, char *err, size_t err_size) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/run.json", dir);
  struct stat st;
  if (stat(path, &st) != 0) {
    char **recs = NULL;
    size_t n = 0;
    rundir_list_records(dir, &recs, &n, NULL, 0);
    rundir_free_list(recs, n);
    if (n) {
      snprintf(err, err_size, "%s holds records but no run.json: not a demo's folder; choose another --out", dir);
      return -1;
    }
    return 0;
  }
  char *text = rundir_read_file(path, NULL, err, err_size);
  cJSON *run = text ? cJSON_Parse(text) : NULL;
  free(text);
  const cJSON *label = cJSON_GetObjectItemCaseSensitive(run, "label");
  int is_demo = cJSON_IsString(label) && strcmp(label->valuestring, "demo") == 0;
  cJSON_Delete(run);
  if (!is_demo) {
    snprintf(err, err_size, "%s holds another run (label is not \"demo\"); choose another --out", dir);
    return -1;
  }
  char **recs = NULL;
  size_t n = 0;
  if (rundir_list_records(dir, &recs, &n, err, err_size) != 0) return -1;
  for (size_t i = 0; i < n; i++) {
    unlink(recs[i]);
    size_t len = strlen(recs[i]);
    snprintf(path, sizeof path, "%.*s.cell.json", (int)(len - 6), recs[i]);
    unlink(path);
  }
  rundir_free_list(recs, n);
  static const char *const files[] = {"run.json", "summary.json", "summary.csv", "summary.svg", "openflamingo_results.json"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    if (unlink(path) != 0 && errno != ENOENT) {
      snprintf(err, err_size, "%.600s: cannot remove: %s", path, strerror(errno));
      return -1;
    }
  }
  return 0;
}

int cmd_demo(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  evalcmd_args a = evalcmd_default_args();
  const char *source = NULL, *out = "results/demo", *v;
  int m;
  long lv;
  for (int i = 1; i < argc; i++) {
    if ((m = opts_match("demo", argc, argv, &i, "--out", &v)) != 0) {
      if (m < 0) return FS_EXIT_USAGE;
      out = v;
    } else if ((m = opts_match("demo", argc, argv, &i, "--source-dir", &v)) != 0) {
      if (m < 0) return FS_EXIT_USAGE;
      source = v;
    } else if ((m = opts_match("demo", argc, argv, &i, "--threads", &v)) != 0) {
      if (m < 0 || cli_parse_long("demo", "--threads", v, 1, 4096, &lv) != 0) return FS_EXIT_USAGE;
      a.threads = (int)lv;
    } else if (strcmp(argv[i], "--progress") == 0) {
      a.progress = PROGRESS_ON;
    } else if (strcmp(argv[i], "--no-progress") == 0) {
      a.progress = PROGRESS_OFF;
    } else if (strcmp(argv[i], "--quiet") == 0) {
      a.quiet = 1;
      a.progress = PROGRESS_OFF;
    } else {
      return cli_usage_error("demo", usage, "unexpected argument '%s'", argv[i]);
    }
  }
  char src[PATH_MAX], config[PATH_MAX + 32], err[1024];
  if (find_source(source, argv[0], src, sizeof src) != 0) {
    cli_error("demo", "cannot find configs/demo.json in %s: give --source-dir (the fewshot source tree) or set FEWSHOT_SOURCE_DIR",
              source ? source : "the source tree this binary was built from (" FEWSHOT_SOURCE_DIR ") or above the binary");
    return FS_EXIT_USAGE;
  }
  snprintf(config, sizeof config, "%s/configs/demo.json", src);
  if (rundir_mkdirs(out, err, sizeof err) != 0 || clear_previous(out, err, sizeof err) != 0) {
    cli_error("demo", "%s", err);
    return FS_EXIT_USAGE;
  }
  a.config_path = config;
  a.out_dir = out;
  a.fsync = RECORDS_FSYNC_NEVER; /* a demo: nothing to protect from a power cut */
  a.argc = argc;
  a.argv = argv;
  if (!a.quiet) fprintf(stderr, "fewshot demo: %s on the bundled mini datasets (source tree %s)\n", "the tiny bundled model", src);
  return evalcmd_run("demo", &a);
}
