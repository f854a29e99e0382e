/* test_imagecache.c - the image-embedding cache: hits and misses, least-recently-used eviction
 * within the budget, entries of the current batch pinned even over the budget. */
#include <stdio.h>
#include <string.h>

#include "imagecache.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("harness_imagecache");
  imagecache c;
  char err[256];
  enum { F = 4 };
  TEST_CHECK(&t, imagecache_init(&c, F, 3 * F * sizeof(float), err, sizeof err) == 0, "init: %s", err);
  float v[F];
  char key[8];
  /* Batch 1: a, b, c fill the budget of three. */
  imagecache_begin_batch(&c);
  for (int i = 0; i < 3; i++) {
    for (int k = 0; k < F; k++) v[k] = (float)(10 * i + k);
    snprintf(key, sizeof key, "%c", 'a' + i);
    TEST_CHECK(&t, imagecache_get(&c, key) == NULL, "%s absent at first", key);
    TEST_CHECK(&t, imagecache_put(&c, key, v) != NULL, "put %s", key);
  }
  /* Batch 2: touch a, then add d: b (least recently used) goes. */
  imagecache_begin_batch(&c);
  const float *a = imagecache_get(&c, "a");
  TEST_CHECK(&t, a && a[1] == 1.0f, "a is cached with its values");
  for (int k = 0; k < F; k++) v[k] = 30.0f + (float)k;
  imagecache_put(&c, "d", v);
  TEST_CHECK(&t, imagecache_get(&c, "b") == NULL, "b evicted");
  imagecache_begin_batch(&c);
  TEST_CHECK(&t, imagecache_get(&c, "c") != NULL, "c kept");
  const float *d = imagecache_get(&c, "d");
  TEST_CHECK(&t, d && d[3] == 33.0f, "d cached");
  TEST_CHECK(&t, imagecache_get(&c, "a") != NULL, "a kept");
  /* All three pinned by this batch: a fourth goes over the budget rather than evicting them. */
  imagecache_put(&c, "e", v);
  TEST_CHECK(&t, imagecache_get(&c, "a") && imagecache_get(&c, "c") && imagecache_get(&c, "d") && imagecache_get(&c, "e"),
             "pinned entries survive; the cache grows for this batch");
  /* Next batch, only e touched: adding f evicts the cold ones down to the budget. */
  imagecache_begin_batch(&c);
  imagecache_get(&c, "e");
  imagecache_put(&c, "f", v);
  int live = (imagecache_get(&c, "a") != NULL) + (imagecache_get(&c, "c") != NULL) + (imagecache_get(&c, "d") != NULL);
  TEST_CHECK(&t, live == 1, "back within the budget: %d of a, c, d left, want 1", live);
  TEST_CHECK(&t, c.hits > 0 && c.misses > 0, "counters move");
  imagecache_free(&c);
  return test_report(&t);
}
