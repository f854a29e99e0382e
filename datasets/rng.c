/* rng.c - MT19937 and the numpy / CPython / torch draws built on it; the stable mode's keyed generator.
 * See rng.h for what each function reproduces. Verified against the libraries themselves by
 * tests/datasets/test_rng.c (goldens from tools/reference/rng_goldens.py). */
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rng_mt_seed(rng_mt *m, uint32_t seed) {
  m->mt[0] = seed;
  for (int i = 1; i < RNG_MT_N; i++)
    m->mt[i] = 1812433253U * (m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) + (uint32_t)i;
  m->mti = RNG_MT_N;
}

void rng_mt_seed_array(rng_mt *m, const uint32_t *key, size_t n) {
  rng_mt_seed(m, 19650218U);
  uint32_t *mt = m->mt;
  size_t i = 1, j = 0;
  for (size_t k = RNG_MT_N > n ? RNG_MT_N : n; k; k--) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
    i++;
    j++;
    if (i >= RNG_MT_N) {
      mt[0] = mt[RNG_MT_N - 1];
      i = 1;
    }
    if (j >= n) j = 0;
  }
  for (size_t k = RNG_MT_N - 1; k; k--) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
    i++;
    if (i >= RNG_MT_N) {
      mt[0] = mt[RNG_MT_N - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000U;
  m->mti = RNG_MT_N;
}

uint32_t rng_mt_next(rng_mt *m) {
  static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
  uint32_t y;
  if (m->mti >= RNG_MT_N) {
    int kk;
    for (kk = 0; kk < RNG_MT_N - 397; kk++) {
      y = (m->mt[kk] & 0x80000000U) | (m->mt[kk + 1] & 0x7fffffffU);
      m->mt[kk] = m->mt[kk + 397] ^ (y >> 1) ^ mag01[y & 1U];
    }
    for (; kk < RNG_MT_N - 1; kk++) {
      y = (m->mt[kk] & 0x80000000U) | (m->mt[kk + 1] & 0x7fffffffU);
      m->mt[kk] = m->mt[kk + (397 - RNG_MT_N)] ^ (y >> 1) ^ mag01[y & 1U];
    }
    y = (m->mt[RNG_MT_N - 1] & 0x80000000U) | (m->mt[0] & 0x7fffffffU);
    m->mt[RNG_MT_N - 1] = m->mt[396] ^ (y >> 1) ^ mag01[y & 1U];
    m->mti = 0;
  }
  y = m->mt[m->mti++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

void rng_py_seed(rng_mt *m, uint64_t seed) {
  uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  rng_mt_seed_array(m, key, key[1] ? 2 : 1);
}

static int bit_length(uint64_t n) {
  int k = 0;
  while (n) {
    k++;
    n >>= 1;
  }
  return k;
}

uint32_t rng_py_randbelow(rng_mt *m, uint64_t n) {
  int k = bit_length(n); /* 1..33; n <= 2^32 */
  if (k > 32) {
    /* n == 2^32: getrandbits(33) takes two words (low word first) and keeps 33 bits. */
    for (;;) {
      uint64_t lo = rng_mt_next(m), hi = rng_mt_next(m) >> 31;
      uint64_t r = lo | (hi << 32);
      if (r < n) return (uint32_t)r;
    }
  }
  for (;;) {
    uint32_t r = rng_mt_next(m) >> (32 - k);
    if (r < n) return r;
  }
}

int rng_py_sample_uses_pool(size_t n, size_t k) {
  double setsize = 21;
  if (k > 5) setsize += pow(4.0, ceil(log((double)k * 3) / log(4.0)));
  return (double)n <= setsize;
}

int rng_py_sample(rng_mt *m, size_t n, size_t k, size_t *out, size_t *scratch) {
  if (k > n || (uint64_t)n > ((uint64_t)1 << 32)) return -1;
  if (rng_py_sample_uses_pool(n, k)) {
    if (!scratch) return -1;
    for (size_t i = 0; i < n; i++) scratch[i] = i;
    for (size_t i = 0; i < k; i++) {
      size_t j = rng_py_randbelow(m, n - i);
      out[i] = scratch[j];
      scratch[j] = scratch[n - i - 1];
    }
    return 0;
  }
  /* Set algorithm: redraw until unseen. k is small here (the set is smaller than the pool), so a
   * linear scan of the chosen ones is the set. */
  for (size_t i = 0; i < k; i++) {
    size_t j;
    int again;
    do {
      j = rng_py_randbelow(m, n);
      again = 0;
      for (size_t t = 0; t < i; t++)
        if (out[t] == j) {
          again = 1;
          break;
        }
    } while (again);
    out[i] = j;
  }
  return 0;
}

/* numpy's random_interval(max): smallest all-ones mask >= max, 32-bit draws rejected until <= max. */
static uint32_t numpy_interval(rng_mt *m, uint32_t max) {
  if (max == 0) return 0;
  uint32_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t v;
  while ((v = (rng_mt_next(m) & mask)) > max) {
  }
  return v;
}

int rng_numpy_permutation(rng_mt *m, size_t n, int64_t *out) {
  if ((uint64_t)n > ((uint64_t)1 << 32)) return -1;
  for (size_t i = 0; i < n; i++) out[i] = (int64_t)i;
  for (size_t i = n; i-- > 1;) {
    size_t j = numpy_interval(m, (uint32_t)i);
    int64_t t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return 0;
}

int rng_torch_randperm(uint64_t seed, size_t n, int64_t *out) {
  if ((uint64_t)n >= 0xffffffffULL / 20) return -1;
  rng_mt m;
  rng_mt_seed(&m, (uint32_t)seed);
  for (size_t i = 0; i < n; i++) out[i] = (int64_t)i;
  for (size_t i = 0; i + 1 < n; i++) {
    size_t z = (size_t)((uint64_t)rng_mt_next(&m) % (uint64_t)(n - i));
    int64_t t = out[i];
    out[i] = out[z + i];
    out[z + i] = t;
  }
  return 0;
}

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rng_hash(uint64_t seed, const char *domain, const char *text) {
  uint64_t h = 14695981039346656037ULL ^ mix64(seed + 0x9e3779b97f4a7c15ULL);
  for (const unsigned char *p = (const unsigned char *)domain; *p; p++) h = (h ^ *p) * 1099511628211ULL;
  h = (h ^ 0xff) * 1099511628211ULL; /* separator: domain and text cannot run into each other */
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) h = (h ^ *p) * 1099511628211ULL;
  return mix64(h);
}

uint64_t rng_split_next(rng_split *g) {
  g->state += 0x9e3779b97f4a7c15ULL;
  return mix64(g->state);
}

uint64_t rng_split_below(rng_split *g, uint64_t n) {
  /* Reject the top (2^64 mod n) values so every residue is equally likely. */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
  for (;;) {
    uint64_t r = rng_split_next(g);
    if (r <= limit) return r % n;
  }
}
