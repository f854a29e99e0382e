/* cli.h - conventions shared by every subcommand of the fewshot binary (design.md §6).
 *
 * Exit codes: 0 ok, 1 a check failed, 2 bad usage or bad input, 3 runtime failure.
 * Errors go to stderr as one line: "fewshot <cmd>: <file, field or sample at fault>: <what>".
 * Only harness/ code may exit the process; subcommands return their exit code to main(). */
#ifndef FEWSHOT_CLI_H
#define FEWSHOT_CLI_H

#include <stdio.h>

enum {
  FS_EXIT_OK = 0,      /* success */
  FS_EXIT_CHECK = 1,   /* the command ran and a check failed (e.g. compare found a regression) */
  FS_EXIT_USAGE = 2,   /* bad usage or bad input (unknown flag, malformed file) */
  FS_EXIT_RUNTIME = 3  /* runtime failure (out of memory, device error, I/O error while writing) */
};

/* A subcommand: takes argc/argv with argv[0] = the subcommand name, returns an exit code. */
typedef int (*cli_command_fn)(int argc, char **argv);

/* One entry of the subcommand table (harness/main.c). */
typedef struct {
  const char *name;     /* "eval", "score", ... */
  cli_command_fn run;   /* entry point */
  const char *summary;  /* one line for `fewshot --help` */
  int runs_model;       /* 1: runs the model, so main() calls cli_prefer_passive_wait first */
} cli_command;

/* For the subcommands that run the model (eval, generate, demo, bench). The CPU backend runs
 * thousands of small OpenMP regions; with libgomp's default active waiting, idle threads spin, and on
 * a machine with other work the run takes several times longer (the demo: 93 s against 25 s with
 * passive waiting, at a load of 7 on 2 cores), while on an idle machine passive waiting costs a few
 * microseconds per region. libgomp reads OMP_WAIT_POLICY once, when it loads, so unless the user
 * set a policy this re-executes the program (/proc/self/exe, same pid and arguments) with
 * OMP_WAIT_POLICY=passive. Returns only when it did not re-execute (a policy was set, or exec
 * failed: the run goes on with the default policy). */
void cli_prefer_passive_wait(char **argv);

/* Prints "fewshot <cmd>: <formatted message>\n" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns 1 when argv (after argv[0]) contains -h or --help before any "--", else 0. */
int cli_wants_help(int argc, char **argv);

/* Prints `usage` to stdout and returns FS_EXIT_OK: the answer to --help. */
int cli_print_help(const char *usage);

/* Prints `usage` to stderr after an error line and returns FS_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a non-negative decimal integer in [lo, hi] from `text` into *out.
 * Returns 0 on success, -1 (and prints a usage error naming `flag`) otherwise. */
int cli_parse_long(const char *cmd, const char *flag, const char *text, long lo, long hi, long *out);

#endif
