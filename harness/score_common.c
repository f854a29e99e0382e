/* score_common.c - number and string output shared by `fewshot score` (score.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

void score_put_double(FILE *f, double x) {
  if (isnan(x)) {
    fputs("NaN", f);
    return;
  }
  if (isinf(x)) {
    fputs(x > 0 ? "Infinity" : "-Infinity", f);
    return;
  }
  char buf[64];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (strtod(buf, NULL) == x) break;
  }
  /* Python repr writes integral floats with ".0" and uses exponents only below 1e-4 or from 1e16 */
  int has_exp = strchr(buf, 'e') != NULL;
  if (has_exp && fabs(x) >= 1e-4 && fabs(x) < 1e16) {
    snprintf(buf, sizeof buf, "%.17g", x);
    for (int prec = 0; prec <= 17; prec++) {
      snprintf(buf, sizeof buf, "%.*f", prec, x);
      if (strtod(buf, NULL) == x) break;
    }
    has_exp = 0;
  }
  fputs(buf, f);
  if (!has_exp && !strchr(buf, '.')) fputs(".0", f);
}

void score_put_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\t': fputs("\\t", f); break;
      case '\r': fputs("\\r", f); break;
      default:
        if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
  }
  fputc('"', f);
}
