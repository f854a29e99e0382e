/* xoshiro.h - the one random generator of model/ and harness/: xoshiro256** (Blackman and Vigna)
 * with its four state words taken from four successive outputs of splitmix64 started at the seed.
 *
 * Its streams are recorded results: the weights of every model fewshot-mkmodel and synthmodel.c
 * write (docs/tiny-models.md, the committed tiny fixture and its goldens) and every bootstrap
 * interval of `fewshot compare` (docs/results.md) follow from them. They must never change;
 * tests/model/test_xoshiro.c checks them against independent implementations.
 *
 *   xoshiro_rng g;
 *   xoshiro_seed(&g, seed);
 *   uint64_t bits = xoshiro_next(&g), pick = xoshiro_below(&g, n);
 *
 * Pure functions of the state they are handed: no globals, thread-safe with one state per thread. */
#ifndef FEWSHOT_XOSHIRO_H
#define FEWSHOT_XOSHIRO_H

#include <stdint.h>

/* The generator's state (copyable; all-zero is never reached from xoshiro_seed). */
typedef struct {
  uint64_t s[4];
} xoshiro_rng;

/* Seeds g from `seed` (any value, 0 included): s[i] = the i-th output of splitmix64 started at seed. */
void xoshiro_seed(xoshiro_rng *g, uint64_t seed);

/* The next 64 random bits. */
uint64_t xoshiro_next(xoshiro_rng *g);

/* A uniform integer in [0, bound), bound >= 1, without modulo bias: Lemire's multiply-shift with
 * rejection on 64-bit draws (one draw, rarely more). */
uint64_t xoshiro_below(xoshiro_rng *g, uint64_t bound);

#endif
