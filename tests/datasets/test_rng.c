/* test_rng.c - datasets/rng.c against the real generators: CPython random (seed, getrandbits,
 * _randbelow, sample), numpy's legacy choice(replace=False), torch.randperm, and Python's isspace set
 * behind py_strip. Goldens: fixtures/datasets/goldens/rng.json (tools/reference/rng_goldens.py). */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "arena.h"
#include "dataset_internal.h"
#include "rng.h"
#include "test_json.h"
#include "test_util.h"


static uint64_t num(const cJSON *o, const char *key) { return (uint64_t)cJSON_GetObjectItem(o, key)->valuedouble; }

/* Compares v[0..n) with the golden list, which holds all n values or, when head_tail, the first and
 * last 32. */
static void check_list(test_ctx *t, const cJSON *want, const int64_t *v, size_t n, int head_tail, const char *what) {
  size_t m = (size_t)cJSON_GetArraySize(want);
  size_t expect = head_tail ? 64 : n;
  if (!TEST_CHECK(t, m == expect, "%s: golden has %zu values, expected %zu", what, m, expect)) return;
  for (size_t i = 0; i < m; i++) {
    size_t at = head_tail && i >= 32 ? n - 64 + i : i;
    int64_t w = (int64_t)cJSON_GetArrayItem(want, (int)i)->valuedouble;
    if (!TEST_CHECK(t, v[at] == w, "%s[%zu]: got %lld, want %lld", what, at, (long long)v[at], (long long)w)) return;
  }
}

int main(void) {
  test_ctx t = test_begin("datasets_rng");
  cJSON *g = test_load_json(&t, "fixtures/datasets/goldens/rng.json");
  if (!g) return test_report(&t);

  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "py_words")) {
    uint64_t seed = num(c, "seed");
    rng_mt m;
    rng_py_seed(&m, seed);
    const cJSON *w;
    int i = 0;
    cJSON_ArrayForEach(w, cJSON_GetObjectItem(c, "words")) {
      uint32_t got = rng_mt_next(&m);
      TEST_CHECK(&t, got == (uint32_t)w->valuedouble, "random.seed(%llu) word %d: got %u want %.0f",
                 (unsigned long long)seed, i, got, w->valuedouble);
      i++;
    }
  }

  {
    const cJSON *rb = cJSON_GetObjectItem(g, "py_randbelow");
    rng_mt m;
    rng_py_seed(&m, num(rb, "seed"));
    const cJSON *bounds = cJSON_GetObjectItem(rb, "bounds");
    int nb = cJSON_GetArraySize(bounds), i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(rb, "values")) {
      uint64_t n = (uint64_t)cJSON_GetArrayItem(bounds, i % nb)->valuedouble;
      uint32_t got = rng_py_randbelow(&m, n);
      TEST_CHECK(&t, got == (uint32_t)v->valuedouble, "_randbelow(%llu) #%d: got %u want %.0f", (unsigned long long)n, i,
                 got, v->valuedouble);
      i++;
    }
  }

  cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "py_sample")) {
    size_t n = num(c, "n"), k = num(c, "k");
    rng_mt m;
    rng_py_seed(&m, num(c, "seed"));
    size_t *out = malloc((k + 1) * sizeof *out), *scratch = malloc((n + 1) * sizeof *scratch);
    const cJSON *draw;
    int d = 0;
    cJSON_ArrayForEach(draw, cJSON_GetObjectItem(c, "draws")) {
      TEST_CHECK(&t, rng_py_sample(&m, n, k, out, scratch) == 0, "sample(%zu, %zu) ran", n, k);
      for (size_t i = 0; i < k; i++) {
        size_t w = (size_t)cJSON_GetArrayItem(draw, (int)i)->valuedouble;
        if (!TEST_CHECK(&t, out[i] == w, "seed %llu sample(range(%zu), %zu) draw %d [%zu]: got %zu want %zu",
                        (unsigned long long)num(c, "seed"), n, k, d, i, out[i], w))
          break;
      }
      d++;
    }
    free(out);
    free(scratch);
  }
  /* The algorithm switch itself (CPython: pool when n <= 21 + 4^ceil(log4(3k)) for k > 5). */
  TEST_CHECK(&t, rng_py_sample_uses_pool(21, 5) && !rng_py_sample_uses_pool(22, 5), "pool/set switch at k=5");
  TEST_CHECK(&t, rng_py_sample_uses_pool(85, 6) && !rng_py_sample_uses_pool(86, 6), "pool/set switch at k=6");
  TEST_CHECK(&t, !rng_py_sample_uses_pool(2048, 32) && rng_py_sample_uses_pool(16, 8), "pool/set at 2048/32, 16/8");

  cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "np_choice")) {
    uint64_t seed = num(c, "seed");
    size_t n1 = num(c, "n1"), k1 = num(c, "k1"), n2 = num(c, "n2"), k2 = num(c, "k2");
    int ht = cJSON_IsTrue(cJSON_GetObjectItem(c, "head_tail"));
    rng_mt m;
    rng_mt_seed(&m, (uint32_t)seed);
    int64_t *p1 = malloc(n1 * sizeof *p1), *p2 = malloc(n2 * sizeof *p2);
    rng_numpy_permutation(&m, n1, p1);
    rng_numpy_permutation(&m, n2, p2);
    char what[96];
    snprintf(what, sizeof what, "np seed %llu choice(%zu,%zu)", (unsigned long long)seed, n1, k1);
    check_list(&t, cJSON_GetObjectItem(c, "first"), p1, k1, ht && k1 > 64, what);
    snprintf(what, sizeof what, "np seed %llu then choice(%zu,%zu)", (unsigned long long)seed, n2, k2);
    check_list(&t, cJSON_GetObjectItem(c, "second"), p2, k2, ht && k2 > 64, what);
    free(p1);
    free(p2);
  }

  cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "torch_randperm")) {
    size_t n = num(c, "n");
    int64_t *p = malloc(n * sizeof *p);
    TEST_CHECK(&t, rng_torch_randperm(num(c, "seed"), n, p) == 0, "randperm(%zu) ran", n);
    char what[64];
    snprintf(what, sizeof what, "torch seed %llu randperm(%zu)", (unsigned long long)num(c, "seed"), n);
    check_list(&t, cJSON_GetObjectItem(c, "perm"), p, n, cJSON_IsTrue(cJSON_GetObjectItem(c, "head_tail")), what);
    free(p);
  }

  /* py_strip removes exactly Python's whitespace: each isspace code point, alone around "x". */
  {
    arena a;
    arena_init(&a, 0);
    const cJSON *cp;
    int n_space = 0;
    unsigned char is_space[0x3001] = {0};
    cJSON_ArrayForEach(cp, cJSON_GetObjectItem(g, "py_isspace")) {
      unsigned v = (unsigned)cp->valuedouble;
      if (v < sizeof is_space) is_space[v] = 1;
      n_space++;
    }
    TEST_CHECK(&t, n_space == 29, "Python has 29 whitespace code points, golden lists %d", n_space);
    for (unsigned v = 1; v < sizeof is_space; v++) {
      char s[16];
      unsigned char u[4];
      int n;
      if (v < 0x80) { u[0] = (unsigned char)v; n = 1; }
      else if (v < 0x800) { u[0] = (unsigned char)(0xC0 | (v >> 6)); u[1] = (unsigned char)(0x80 | (v & 0x3F)); n = 2; }
      else { u[0] = (unsigned char)(0xE0 | (v >> 12)); u[1] = (unsigned char)(0x80 | ((v >> 6) & 0x3F)); u[2] = (unsigned char)(0x80 | (v & 0x3F)); n = 3; }
      if (v >= 0xD800 && v <= 0xDFFF) continue;
      memcpy(s, u, (size_t)n);
      s[n] = 'x';
      memcpy(s + n + 1, u, (size_t)n);
      s[2 * n + 1] = '\0';
      char *r = py_strip(&a, s);
      int stripped = r && strcmp(r, "x") == 0;
      if (!TEST_CHECK(&t, stripped == is_space[v], "py_strip around U+%04X: got \"%s\"", v, r ? r : "(null)")) break;
    }
    char *r = py_strip(&a, " \t A man.  \xc2\xa0\n");
    test_streq(&t, r, "A man.", "py_strip mixed");
    r = py_strip(&a, "   ");
    test_streq(&t, r, "", "py_strip all space");
    r = py_strip(&a, "caf\xc3\xa9 ");
    test_streq(&t, r, "caf\xc3\xa9", "py_strip keeps a non-space multibyte character");
    arena_free(&a);
  }

  /* The stable mode's generator: fixed values (a change here changes every stable-mode draw). */
  {
    uint64_t h = rng_hash(42, "demos", "262148000");
    TEST_CHECK(&t, h == rng_hash(42, "demos", "262148000"), "rng_hash is deterministic");
    TEST_CHECK(&t, h != rng_hash(43, "demos", "262148000") && h != rng_hash(42, "demo", "s262148000"),
               "rng_hash separates seed, domain and text");
    rng_split s = {h};
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) counts[rng_split_below(&s, 7)]++;
    for (int i = 0; i < 7; i++) /* 10000 expected; 5 sigma is about 470 */
      TEST_CHECK(&t, counts[i] > 9500 && counts[i] < 10500, "rng_split_below(7) bucket %d: %d", i, counts[i]);
  }
  cJSON_Delete(g);
  return test_report(&t);
}
