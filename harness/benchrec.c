/* benchrec.c - benchmark records: summary statistics, JSON lines, the table (benchrec.h). */
#include "benchrec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stats.h"

static void copy(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

void benchrec_init(benchrec *r, const char *gpu, const char *impl, const char *device, const char *metric,
                   const char *config, const char *unit) {
  memset(r, 0, sizeof *r);
  copy(r->gpu, sizeof r->gpu, gpu);
  copy(r->impl, sizeof r->impl, impl);
  copy(r->device, sizeof r->device, device);
  copy(r->metric, sizeof r->metric, metric);
  copy(r->config, sizeof r->config, config);
  copy(r->unit, sizeof r->unit, unit);
  snprintf(r->pair, sizeof r->pair, "%s|%s", r->metric, r->config);
  r->value = r->p10 = r->p50 = r->p90 = NAN;
  r->tflops = r->gbps = r->bound = r->bound_frac = NAN;
}

void benchrec_summarize(benchrec *r, double *x, long n) {
  r->n = n;
  if (n <= 0) return;
  r->p10 = stats_percentile_sorted_inplace(x, (size_t)n, 10);
  r->p50 = stats_percentile_sorted_inplace(x, (size_t)n, 50);
  r->p90 = stats_percentile_sorted_inplace(x, (size_t)n, 90);
  r->value = r->p50;
}

void benchrec_extra(benchrec *r, const char *name, double value) {
  if (r->n_extra >= BENCHREC_MAX_EXTRA) return;
  copy(r->extra_name[r->n_extra], sizeof r->extra_name[0], name);
  r->extra[r->n_extra++] = value;
}

static int add_num(cJSON *o, const char *k, double v) {
  return (isfinite(v) ? cJSON_AddNumberToObject(o, k, v) : cJSON_AddNullToObject(o, k)) != NULL;
}

char *benchrec_json(const benchrec *r) {
  cJSON *o = cJSON_CreateObject();
  int ok = o != NULL;
  ok = ok && cJSON_AddStringToObject(o, "gpu", r->gpu) && cJSON_AddStringToObject(o, "impl", r->impl) &&
       cJSON_AddStringToObject(o, "device", r->device) && cJSON_AddStringToObject(o, "metric", r->metric) &&
       cJSON_AddStringToObject(o, "config", r->config) && cJSON_AddStringToObject(o, "pair", r->pair);
  ok = ok && add_num(o, "value", r->value) && cJSON_AddStringToObject(o, "unit", r->unit) &&
       cJSON_AddNumberToObject(o, "n", (double)r->n) && add_num(o, "p10", r->p10) && add_num(o, "p50", r->p50) &&
       add_num(o, "p90", r->p90);
  if (ok && isfinite(r->tflops)) ok = add_num(o, "tflops", r->tflops);
  if (ok && isfinite(r->gbps)) ok = add_num(o, "gbps", r->gbps);
  if (ok && isfinite(r->bound)) ok = add_num(o, "bound", r->bound);
  if (ok && isfinite(r->bound_frac)) ok = add_num(o, "bound_frac", r->bound_frac);
  for (int i = 0; ok && i < r->n_extra; i++) ok = add_num(o, r->extra_name[i], r->extra[i]);
  if (ok && r->skipped[0]) ok = cJSON_AddStringToObject(o, "skipped", r->skipped) != NULL;
  char *s = ok ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return s;
}

void benchrec_print_header(FILE *f) {
  fprintf(f, "%-11s %-40s %12s %-10s %23s %3s %8s %7s  %s\n", "metric", "config", "value", "unit", "p10 .. p90", "n",
          "TFLOP/s", "bound", "notes");
}

/* A number in 4-5 significant characters. */
static void fmt(char *out, size_t size, double v) {
  if (!isfinite(v)) snprintf(out, size, "-");
  else if (fabs(v) >= 1e5 || (fabs(v) < 1e-3 && v != 0)) snprintf(out, size, "%.3g", v);
  else if (fabs(v) >= 100) snprintf(out, size, "%.1f", v);
  else snprintf(out, size, "%.4g", v);
}

void benchrec_print_row(FILE *f, const benchrec *r) {
  if (r->skipped[0]) {
    fprintf(f, "%-11s %-40s %12s %-10s %23s %3s %8s %7s  skipped: %s\n", r->metric, r->config, "-", r->unit, "", "",
            "", "", r->skipped);
    return;
  }
  char v[32], a[32], b[32], tf[32], spread[80], bound[32], notes[512] = "";
  fmt(v, sizeof v, r->value);
  fmt(a, sizeof a, r->p10);
  fmt(b, sizeof b, r->p90);
  fmt(tf, sizeof tf, r->tflops);
  snprintf(spread, sizeof spread, "%s .. %s", a, b);
  if (isfinite(r->bound_frac)) snprintf(bound, sizeof bound, "%.1f%%", 100 * r->bound_frac);
  else snprintf(bound, sizeof bound, "-");
  size_t len = 0;
  if (isfinite(r->bound)) {
    char x[32];
    fmt(x, sizeof x, r->bound);
    len += (size_t)snprintf(notes + len, sizeof notes - len, "bound %s %s ", x, r->unit);
  }
  if (isfinite(r->gbps) && len < sizeof notes) len += (size_t)snprintf(notes + len, sizeof notes - len, "%.0f GB/s ", r->gbps);
  for (int i = 0; i < r->n_extra && len < sizeof notes; i++) {
    char x[32];
    fmt(x, sizeof x, r->extra[i]);
    len += (size_t)snprintf(notes + len, sizeof notes - len, "%s=%s ", r->extra_name[i], x);
  }
  fprintf(f, "%-11s %-40s %12s %-10s %23s %3ld %8s %7s  %s\n", r->metric, r->config, v, r->unit, spread, r->n, tf,
          bound, notes);
}

int benchrec_parse_device(const char *line, char *name, size_t name_size, double *total_bytes, double *held_bytes) {
  int found = 0;
  const char *p = strstr(line, "cuda device ");
  if (p && (p = strchr(p, ':'))) {
    p++;
    while (*p == ' ') p++;
    const char *q = strstr(p, " (");
    if (q && q > p) {
      snprintf(name, name_size, "%.*s", (int)(q - p), p);
      found++;
      /* "(sm_90, 132 SMs, 79.2 GiB)": the number before " GiB)" */
      const char *g = strstr(q, " GiB)");
      if (g) {
        const char *s = g;
        while (s > q && (s[-1] == '.' || (s[-1] >= '0' && s[-1] <= '9'))) s--;
        if (s < g) {
          *total_bytes = strtod(s, NULL) * 1024.0 * 1024.0 * 1024.0;
          found++;
        }
      }
    }
  }
  double w, b, s;
  const char *h = strstr(line, "holds ");
  if (h && sscanf(h, "holds %lf MiB of weights, %lf MiB of buffers, %lf MiB of scratch", &w, &b, &s) == 3) {
    *held_bytes = (w + b + s) * 1024.0 * 1024.0;
    found++;
  }
  return found;
}
