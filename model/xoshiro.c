/* xoshiro.c - xoshiro256** seeded through splitmix64 (xoshiro.h). */
#include "xoshiro.h"

#include <assert.h>

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void xoshiro_seed(xoshiro_rng *g, uint64_t seed) {
  uint64_t st = seed;
  for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t xoshiro_next(xoshiro_rng *g) {
  uint64_t *s = g->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t xoshiro_below(xoshiro_rng *g, uint64_t bound) {
  assert(bound >= 1);
  /* Lemire, "Fast random integer generation in an interval" (2019). */
  unsigned __int128 m = (unsigned __int128)xoshiro_next(g) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = (unsigned __int128)xoshiro_next(g) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}
