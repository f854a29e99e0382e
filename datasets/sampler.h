/* sampler.h - which test samples are evaluated and which training samples each one is shown as
 * demonstrations (protocol.md §2, docs/sampling.md).
 *
 * Two modes:
 *   SAMPLER_OPENFLAMINGO  reproduces OpenFlamingo main's draws exactly for a given world size: numpy
 *       (seed) picks the eval subset then the query set; torch's DistributedSampler (seed 0) orders
 *       and pads the subset and deals it to the ranks; each rank reseeds Python's random with
 *       seed + rank and calls random.sample(query_set, k) once per sample, in its order. The plan
 *       holds every (rank, position) slot, the padding duplicates included, rank by rank.
 *   SAMPLER_STABLE  derives everything from (seed, sample id): the eval subset is the num_samples
 *       samples with the smallest keyed hash, the query set likewise on the train split, and each
 *       sample's demos come from a generator keyed by its id. Nothing depends on batch size, world
 *       size or file order, and the first k demos of a sample are the same for every k' >= k.
 *
 *   sampler_params p = {.mode = SAMPLER_OPENFLAMINGO, .seed = 42, .num_samples = -1,
 *                       .query_set_size = 2048, .n_draws = 8, .world_size = 1, .batch_size = 8};
 *   sampler_plan plan;
 *   if (sampler_plan_build(&p, &test, &train, &plan, err, sizeof err)) ...
 *   for (size_t s = 0; s < plan.n_slots; s++) ... plan.slots[s].test_index, plan.slots[s].demos[0..n_draws) ...
 *   sampler_plan_free(&plan);
 */
#ifndef FEWSHOT_SAMPLER_H
#define FEWSHOT_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

typedef enum { SAMPLER_OPENFLAMINGO = 0, SAMPLER_STABLE = 1 } sampler_mode;

typedef struct {
  sampler_mode mode;
  uint64_t seed;          /* the trial seed (OpenFlamingo: 0 .. 2^32-1, numpy's limit) */
  long num_samples;       /* eval subset size; <= 0 means the whole test split */
  size_t query_set_size;  /* training samples demos are drawn from; 0 means the whole train split */
  int n_draws;            /* demos drawn per sample: the shots, or 2 for OpenFlamingo's zero-shot */
  int world_size;         /* openflamingo: number of ranks emulated (>= 1); stable: ignored */
  int batch_size;         /* openflamingo: DataLoader batch size (>= 1); recorded in slots, never
                             changes a draw (each sample calls random.sample once, batch or not) */
} sampler_params;

typedef struct {
  size_t test_index;      /* index into the test dataset's samples */
  int rank;               /* openflamingo: the rank that evaluates it; stable: 0 */
  size_t position;        /* its position in that rank's sequence */
  size_t batch;           /* position / batch_size */
  int is_padding;         /* 1 for DistributedSampler's padding duplicates (the first
                             total_size - n samples again); OpenFlamingo scores VQA duplicates twice
                             and keeps the last caption per image */
  const size_t *demos;    /* n_draws indices into the train dataset, in prompt order */
} sampler_slot;

typedef struct {
  sampler_slot *slots;    /* n_slots, rank by rank (openflamingo) or in test-file order (stable) */
  size_t n_slots;
  size_t *eval_subset;    /* n_eval test indices: openflamingo in numpy's draw order, stable in file order */
  size_t n_eval;
  size_t *query_set;      /* n_query train indices */
  size_t n_query;
  int n_draws;
  size_t *demo_buf;       /* storage behind slots[].demos */
} sampler_plan;

/* Parses "openflamingo" / "stable". Returns 0 or -1. */
int sampler_mode_parse(const char *name, sampler_mode *out);
const char *sampler_mode_name(sampler_mode mode);

/* Builds the plan for one (task, shots, seed). Checks the sizes as the references do: num_samples
 * and query_set_size must not exceed the split sizes, n_draws not the query set, the seed must fit
 * numpy's range in openflamingo mode. Returns 0 (free with sampler_plan_free), or -1 with a one-line
 * reason in err and *out empty. */
int sampler_plan_build(const sampler_params *p, const dataset *test, const dataset *train, sampler_plan *out,
                       char *err, size_t err_size);

void sampler_plan_free(sampler_plan *plan);

#endif
