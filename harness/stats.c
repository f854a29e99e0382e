/* stats.c - NaN-aware mean/std, percentiles, and Python rounding (stats.h). */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

size_t stats_count_finite(const double *x, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += !isnan(x[i]);
  return c;
}

double stats_nanmean(const double *x, size_t n) {
  double sum = 0.0;
  size_t c = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) continue;
    sum += x[i];
    c++;
  }
  return c ? sum / (double)c : NAN;
}

double stats_nanstd(const double *x, size_t n, int ddof) {
  size_t c = stats_count_finite(x, n);
  if ((double)c - ddof <= 0) return NAN;
  double mean = stats_nanmean(x, n), ss = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) continue;
    double d = x[i] - mean;
    ss += d * d;
  }
  return sqrt(ss / ((double)c - ddof));
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double stats_percentile_sorted_inplace(double *x, size_t n, double q) {
  qsort(x, n, sizeof *x, cmp_double);
  if (n == 1) return x[0];
  double pos = q / 100.0 * (double)(n - 1);
  size_t lo = (size_t)floor(pos);
  if (lo >= n - 1) return x[n - 1];
  double frac = pos - (double)lo;
  /* numpy's _lerp: a + (b - a) * t, switched to b - (b - a) * (1 - t) for t >= 0.5. */
  double a = x[lo], b = x[lo + 1], diff = b - a;
  return frac >= 0.5 ? b - diff * (1.0 - frac) : a + diff * frac;
}

double stats_round_python(double x, int ndigits) {
  if (!isfinite(x)) return x;
  /* glibc's printf rounds the exact binary value correctly, ties to even: the same decimal as
   * CPython's round(), which goes through the correctly rounded dtoa in mode 3. */
  char buf[512];
  snprintf(buf, sizeof buf, "%.*f", ndigits, x);
  return strtod(buf, NULL);
}
