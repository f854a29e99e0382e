/* opts.c - `--name VALUE` / `--name=VALUE` matching (opts.h). */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int opts_match(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value) {
  const char *a = argv[*i];
  size_t len = strlen(name);
  if (strncmp(a, name, len) != 0) return 0;
  if (a[len] == '=') {
    *value = a + len + 1;
    return 1;
  }
  if (a[len] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_error(cmd, "%s needs a value", name);
    return -1;
  }
  *value = argv[++*i];
  return 1;
}

int opts_parse_double(const char *cmd, const char *flag, const char *text, double lo, double hi, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
    cli_error(cmd, "%s: expected a number in [%g, %g], got '%s'", flag, lo, hi, text);
    return -1;
  }
  *out = v;
  return 0;
}
