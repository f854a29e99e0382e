/* test_xoshiro.c - model/xoshiro.c against independent implementations (tests/fixtures/rng/xoshiro.json,
 * tools/reference/xoshiro_goldens.py): the splitmix64 seeding against Java's SplittableRandom, the
 * xoshiro256** stream against randomgen's Xoshiro256, xoshiro_below against numpy's 64-bit Lemire
 * draws; then determinism, range and rough uniformity of small bounds. The tiny model fixture and
 * every bootstrap interval depend on these streams, so any change fails here first. */
#include <stdint.h>
#include <stdlib.h>

#include "test_json.h"
#include "test_util.h"
#include "xoshiro.h"

static uint64_t hex64(const cJSON *s) { return cJSON_IsString(s) ? strtoull(s->valuestring, NULL, 16) : 0; }

int main(void) {
  test_ctx t = test_begin("model_xoshiro");
  cJSON *golden = test_load_json(&t, "fixtures/rng/xoshiro.json");
  if (!golden) return test_report(&t);
  const cJSON *entry;
  int n_seeds = 0;
  cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(golden, "seeds")) {
    const uint64_t seed = hex64(cJSON_GetObjectItemCaseSensitive(entry, "seed"));
    xoshiro_rng g;
    xoshiro_seed(&g, seed);
    const cJSON *v;
    int i = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(entry, "state")) {
      TEST_CHECK(&t, i < 4 && g.s[i] == hex64(v), "seed %016llx: state[%d] = %016llx, want %s", (unsigned long long)seed, i,
                 i < 4 ? (unsigned long long)g.s[i] : 0ULL, v->valuestring);
      i++;
    }
    TEST_CHECK(&t, i == 4, "seed %016llx: %d state words in the golden", (unsigned long long)seed, i);
    i = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(entry, "next")) {
      uint64_t got = xoshiro_next(&g);
      TEST_CHECK(&t, got == hex64(v), "seed %016llx: draw %d = %016llx, want %s", (unsigned long long)seed, i,
                 (unsigned long long)got, v->valuestring);
      i++;
    }
    TEST_CHECK(&t, i == 8, "seed %016llx: %d draws in the golden", (unsigned long long)seed, i);
    xoshiro_seed(&g, seed);
    i = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(entry, "below")) {
      uint64_t bound = hex64(cJSON_GetObjectItemCaseSensitive(v, "bound"));
      uint64_t got = xoshiro_below(&g, bound), want = hex64(cJSON_GetObjectItemCaseSensitive(v, "value"));
      TEST_CHECK(&t, got == want, "seed %016llx: below #%d (bound %016llx) = %016llx, want %016llx",
                 (unsigned long long)seed, i, (unsigned long long)bound, (unsigned long long)got, (unsigned long long)want);
      i++;
    }
    TEST_CHECK(&t, i >= 4, "seed %016llx: %d below draws in the golden", (unsigned long long)seed, i);
    n_seeds++;
  }
  TEST_CHECK(&t, n_seeds >= 4, "%d seeds in the golden", n_seeds);
  cJSON_Delete(golden);

  /* Same seed, same stream; different seeds differ; below() stays in range and is roughly uniform
   * (chi-square over 10 bins of 100000 draws, 9 dof: 99.9th percentile 27.9). */
  xoshiro_rng a, b, c;
  xoshiro_seed(&a, 7);
  xoshiro_seed(&b, 7);
  xoshiro_seed(&c, 8);
  int same = 1, differ = 0;
  for (int i = 0; i < 100; i++) {
    uint64_t va = xoshiro_next(&a), vb = xoshiro_next(&b), vc = xoshiro_next(&c);
    same &= va == vb;
    differ |= va != vc;
  }
  TEST_CHECK(&t, same, "same seed gives the same stream");
  TEST_CHECK(&t, differ, "different seeds give different streams");
  long bins[10] = {0};
  int in_range = 1;
  for (int i = 0; i < 100000; i++) {
    uint64_t v = xoshiro_below(&a, 10);
    in_range &= v < 10;
    if (v < 10) bins[v]++;
  }
  double chi = 0;
  for (int i = 0; i < 10; i++) chi += (bins[i] - 10000.0) * (bins[i] - 10000.0) / 10000.0;
  TEST_CHECK(&t, in_range, "below(10) out of range");
  TEST_CHECK(&t, chi < 27.9, "below(10) far from uniform: chi-square %.2f", chi);
  int one = 1;
  for (int i = 0; i < 100; i++) one &= xoshiro_below(&a, 1) == 0;
  TEST_CHECK(&t, one, "below(1) is always 0");
  return test_report(&t);
}
