/* opts.h - option matching for the harness subcommands: `--name VALUE` and `--name=VALUE`. */
#ifndef FEWSHOT_OPTS_H
#define FEWSHOT_OPTS_H

/* When argv[*i] is `name` followed by a value, or `name=value`, sets *value (pointing into argv),
 * advances *i past what it consumed minus one (the caller's loop adds one) and returns 1. Returns 0
 * when argv[*i] is another argument, and -1 (after printing "fewshot <cmd>: <name> needs a value")
 * when `name` is last on the line. */
int opts_match(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value);

/* Parses a decimal double in [lo, hi]. Returns 0, or -1 after printing an error naming `flag`. */
int opts_parse_double(const char *cmd, const char *flag, const char *text, double lo, double hi, double *out);

#endif
