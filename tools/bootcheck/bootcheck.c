/* bootcheck.c - checks the CIDEr bootstrap of `fewshot compare` (docs/results.md §7).
 *
 *   build/fewshot-bootcheck [N_IMAGES] [RESAMPLES] [SEED]
 *
 * Builds a synthetic caption set (N images, 5 references each, words drawn from per-image topics
 * and a Zipf-distributed common vocabulary; a BASE candidate per image and a NEW one with some topic
 * words swapped for common ones), scores both with CIDEr-D (metrics/caption.h) and prints the 95%
 * interval of corpus CIDEr(NEW) - CIDEr(BASE), x 100, two ways:
 *   fixed      what compare does: the per-image CIDEr of the full set, paired, resampled;
 *   recompute  every resample is a new set (the drawn images, duplicates as distinct images) whose
 *              document frequencies and corpus CIDEr-D are computed afresh for both candidates.
 * Developer tool; not run by the build or the tests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caption.h"
#include "compare.h"
#include "stats.h"
#include "xoshiro.h"

enum { N_REFS = 5, N_COMMON = 400, N_TOPIC = 6 };

static void sentence(xoshiro_rng *r, const int *topic, double p_topic, char *out, size_t size) {
  int len = 7 + (int)xoshiro_below(r, 6);
  size_t n = 0;
  out[0] = '\0';
  for (int w = 0; w < len; w++) {
    char word[32];
    if ((double)xoshiro_below(r, 1000) < 1000.0 * p_topic) {
      snprintf(word, sizeof word, "t%d", topic[xoshiro_below(r, N_TOPIC)]);
    } else {
      /* Zipf-like: rank k with probability ~ 1/k, by inverse transform on a log scale. */
      double u = ((double)xoshiro_below(r, 1u << 30) + 0.5) / (double)(1u << 30);
      int k = (int)exp(u * log((double)N_COMMON));
      snprintf(word, sizeof word, "c%d", k);
    }
    n += (size_t)snprintf(out + n, size - n, "%s%s", w ? " " : "", word);
  }
}

int main(int argc, char **argv) {
  size_t N = argc > 1 ? (size_t)atol(argv[1]) : 1000, B = argc > 2 ? (size_t)atol(argv[2]) : 1000;
  uint64_t seed = argc > 3 ? (uint64_t)atoll(argv[3]) : 1;
  xoshiro_rng r;
  xoshiro_seed(&r, seed);
  char (*refs)[160] = calloc(N * N_REFS, sizeof *refs), (*base)[160] = calloc(N, sizeof *base), (*nw)[160] = calloc(N, sizeof *nw);
  const char **ref_ptr = calloc(N * N_REFS, sizeof *ref_ptr);
  for (size_t i = 0; i < N; i++) {
    int topic[N_TOPIC];
    for (int k = 0; k < N_TOPIC; k++) topic[k] = (int)xoshiro_below(&r, 5000);
    for (int k = 0; k < N_REFS; k++) {
      sentence(&r, topic, 0.5, refs[i * N_REFS + k], sizeof refs[0]);
      ref_ptr[i * N_REFS + k] = refs[i * N_REFS + k];
    }
    sentence(&r, topic, 0.45, base[i], sizeof base[0]);
    sentence(&r, topic, 0.40, nw[i], sizeof nw[0]); /* a slightly worse captioner */
  }
  caption_item *items = calloc(N, sizeof *items);
  double *pb = calloc(N, sizeof *pb), *pn = calloc(N, sizeof *pn), cb, cn;
  char err[256];
  for (size_t i = 0; i < N; i++) items[i] = (caption_item){base[i], ref_ptr + i * N_REFS, N_REFS};
  if (caption_cider_d(items, N, pb, &cb, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
  for (size_t i = 0; i < N; i++) items[i].candidate = nw[i];
  if (caption_cider_d(items, N, pn, &cn, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
  /* fixed: compare's own bootstrap over paired per-image differences (x 100). */
  double *diff = calloc(N, sizeof *diff);
  for (size_t i = 0; i < N; i++) diff[i] = 100.0 * (pn[i] - pb[i]);
  compare_options opt = compare_default_options();
  opt.resamples = B;
  opt.seed = seed;
  const double *dd[1] = {diff};
  size_t nn[1] = {N};
  double d_fixed, lo_fixed, hi_fixed;
  if (compare_bootstrap(dd, nn, 1, &opt, &d_fixed, &lo_fixed, &hi_fixed, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
  /* recompute: draw N images with replacement, score the drawn set afresh for both. */
  double *boot = calloc(B, sizeof *boot), *tmp = calloc(N, sizeof *tmp);
  caption_item *rs = calloc(N, sizeof *rs);
  xoshiro_rng rr;
  xoshiro_seed(&rr, seed + 1000);
  for (size_t b = 0; b < B; b++) {
    size_t *pick = malloc(N * sizeof *pick);
    for (size_t i = 0; i < N; i++) pick[i] = xoshiro_below(&rr, N);
    double sb, sn;
    for (size_t i = 0; i < N; i++) rs[i] = (caption_item){base[pick[i]], ref_ptr + pick[i] * N_REFS, N_REFS};
    caption_cider_d(rs, N, tmp, &sb, err, sizeof err);
    for (size_t i = 0; i < N; i++) rs[i].candidate = nw[pick[i]];
    caption_cider_d(rs, N, tmp, &sn, err, sizeof err);
    boot[b] = 100.0 * (sn - sb);
    free(pick);
  }
  double mean = stats_nanmean(boot, B), sd = stats_nanstd(boot, B, 1);
  double lo = stats_percentile_sorted_inplace(boot, B, 2.5), hi = stats_percentile_sorted_inplace(boot, B, 97.5);
  printf("images %zu, resamples %zu, seed %llu\n", N, B, (unsigned long long)seed);
  printf("corpus CIDEr x100: base %.3f new %.3f delta %.3f\n", 100 * cb, 100 * cn, 100 * (cn - cb));
  printf("fixed     delta %.3f  95%% [%.3f, %.3f]  width %.3f\n", d_fixed, lo_fixed, hi_fixed, hi_fixed - lo_fixed);
  printf("recompute mean %.3f sd %.3f  95%% [%.3f, %.3f]  width %.3f\n", mean, sd, lo, hi, hi - lo);
  return 0;
}
