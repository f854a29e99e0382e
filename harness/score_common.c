/* score_common.c - JSON file loading and number/string output shared by `fewshot score` (score.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "ustr.h"

static int strings_valid(const cJSON *item) {
  for (; item; item = item->next) {
    if (cJSON_IsString(item) && !ustr_valid_utf8(item->valuestring, strlen(item->valuestring)))
      return 0;
    if (item->string && !ustr_valid_utf8(item->string, strlen(item->string))) return 0;
    if (item->child && !strings_valid(item->child)) return 0;
  }
  return 1;
}

cJSON *score_json_load(const char *path, char *err, size_t err_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (cap - n < 65536) {
      cap = cap ? cap * 2 : 1 << 20;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        snprintf(err, err_size, "%s: out of memory while reading", path);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    snprintf(err, err_size, "%s: read error", path);
    return NULL;
  }
  buf[n] = '\0';
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(buf, n, &end, 0);
  if (root && end) { /* only whitespace may follow the value */
    const char *p = end;
    while (p < buf + n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (p < buf + n) {
      cJSON_Delete(root);
      root = NULL;
      end = p;
    }
  }
  if (!root) {
    size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
    snprintf(err, err_size, "%s: not valid JSON (near byte %zu)", path, at);
    free(buf);
    return NULL;
  }
  free(buf);
  if (!strings_valid(root)) {
    cJSON_Delete(root);
    snprintf(err, err_size, "%s: a string is not valid UTF-8", path);
    return NULL;
  }
  return root;
}

int score_json_id(const cJSON *item, long long *out) {
  if (!cJSON_IsNumber(item)) return -1;
  double v = item->valuedouble;
  if (!isfinite(v) || v != floor(v) || fabs(v) >= 9007199254740992.0) return -1;
  *out = (long long)v;
  return 0;
}

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
