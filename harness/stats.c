/* stats.c - NaN-aware mean/std, percentiles, Python rounding and the xoshiro256** generator (stats.h). */
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

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void stats_rng_seed(stats_rng *rng, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t stats_rng_next(stats_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t stats_rng_below(stats_rng *rng, uint64_t bound) {
  /* Lemire, "Fast random integer generation in an interval" (2019): multiply-shift with rejection. */
  unsigned __int128 m = (unsigned __int128)stats_rng_next(rng) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = (unsigned __int128)stats_rng_next(rng) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}
