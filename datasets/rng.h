/* rng.h - bit-exact re-implementations of the random draws OpenFlamingo's sampling makes, plus the
 * keyed generator of the `stable` sampling mode (docs/sampling.md).
 *
 * All three libraries OpenFlamingo calls sit on the same Mersenne Twister (MT19937); they differ in
 * seeding and in how they turn 32-bit words into choices:
 *   numpy   np.random.seed(s): init_genrand(s). RandomState.choice(n, k, replace=False) is
 *           permutation(n)[:k]; permutation shuffles arange(n) with the legacy Fisher-Yates
 *           (i = n-1 .. 1, j = random_interval(i): mask-and-reject on 32-bit words).
 *   Python  random.seed(s): init_by_array(the 32-bit words of |s|, little end first).
 *           random.sample uses _randbelow(n) = getrandbits(bit_length(n)) rejected until < n, with
 *           getrandbits(k <= 32) = next32 >> (32 - k); it picks a pool or a set algorithm by size.
 *   torch   Generator.manual_seed(s): init_genrand(s). CPU randperm(n) for n < 2^32/20: i = 0..n-2,
 *           swap(i, i + next32 % (n - i)) (aten/src/ATen/native/TensorFactories.cpp, randperm_cpu).
 * Every function is a pure function of its arguments and the generator state it is handed. */
#ifndef FEWSHOT_RNG_H
#define FEWSHOT_RNG_H

#include <stddef.h>
#include <stdint.h>

enum { RNG_MT_N = 624 };

/* MT19937 state. */
typedef struct {
  uint32_t mt[RNG_MT_N];
  int mti;
} rng_mt;

/* init_genrand(seed): numpy's legacy seeding with an integer, and torch's manual_seed. */
void rng_mt_seed(rng_mt *m, uint32_t seed);

/* init_by_array(key, n): CPython's random.seed. n >= 1. */
void rng_mt_seed_array(rng_mt *m, const uint32_t *key, size_t n);

/* The next 32-bit output (genrand_uint32). */
uint32_t rng_mt_next(rng_mt *m);

/* CPython random.seed(seed) for an integer seed (the absolute value is what CPython uses; pass it). */
void rng_py_seed(rng_mt *m, uint64_t seed);

/* CPython random._randbelow(n) for 1 <= n <= 2^32. */
uint32_t rng_py_randbelow(rng_mt *m, uint64_t n);

/* CPython random.sample(range(n), k) (Python 3.11 algorithm, identical since 3.2 for sequences):
 * writes k distinct indices in selection order to out. Needs 0 <= k <= n <= 2^32; `scratch` must hold
 * n entries when the pool algorithm applies (rng_py_sample_uses_pool) and may be NULL otherwise.
 * Returns 0, or -1 on bad sizes. */
int rng_py_sample(rng_mt *m, size_t n, size_t k, size_t *out, size_t *scratch);

/* 1 when random.sample(population of n, k) uses its pool (list) algorithm, 0 for the set algorithm:
 * pool when n <= 21 + (k > 5 ? 4^ceil(log(3k, 4)) : 0). */
int rng_py_sample_uses_pool(size_t n, size_t k);

/* numpy legacy RandomState.permutation(n) from state m: fills out[0..n) (n <= 2^32). Returns 0 or -1. */
int rng_numpy_permutation(rng_mt *m, size_t n, int64_t *out);

/* torch.randperm(n, generator=g) on the CPU with g.manual_seed(seed), for n < 2^32 / 20 (the branch
 * every evaluation set falls in). Returns 0, or -1 when n is too large. */
int rng_torch_randperm(uint64_t seed, size_t n, int64_t *out);

/* ---- the stable mode's keyed generator ---- */

/* A 64-bit keyed hash of (seed, domain, text): FNV-1a over the bytes, finished with the SplitMix64
 * mixer. Stable across platforms; not cryptographic. */
uint64_t rng_hash(uint64_t seed, const char *domain, const char *text);

/* SplitMix64: a generator seeded from one 64-bit value (e.g. an rng_hash). */
typedef struct {
  uint64_t state;
} rng_split;

uint64_t rng_split_next(rng_split *g);

/* Uniform integer in [0, n) for n >= 1, unbiased (rejection of the top remainder). */
uint64_t rng_split_below(rng_split *g, uint64_t n);

#endif
