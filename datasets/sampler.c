/* sampler.c - eval subset, query set and per-sample demonstrations in the two modes (see sampler.h).
 *
 * The openflamingo mode follows OpenFlamingo main (655f693) open_flamingo/eval/evaluate.py
 * evaluate_vqa / evaluate_captioning and utils.py:
 *   np.random.seed(seed)
 *   prepare_eval_samples: np.random.choice(len(test), num_samples, replace=False) -> Subset ->
 *       DistributedSampler(shuffle=True, seed=0, drop_last=False) -> DataLoader(batch_size)
 *   get_query_set: np.random.choice(len(train), query_set_size, replace=False)
 *   random_seed(seed, rank): random.seed(seed + rank) (numpy and torch are reseeded too; unused after)
 *   per batch: [random.sample(query_set, k) for each sample of the batch]
 * tests/datasets/test_sampler.c compares it with the demo ids OpenFlamingo's own code produced. */
#include "sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "rng.h"

int sampler_mode_parse(const char *name, sampler_mode *out) {
  if (strcmp(name, "openflamingo") == 0) *out = SAMPLER_OPENFLAMINGO;
  else if (strcmp(name, "stable") == 0) *out = SAMPLER_STABLE;
  else return -1;
  return 0;
}

const char *sampler_mode_name(sampler_mode mode) {
  return mode == SAMPLER_STABLE ? "stable" : "openflamingo";
}

void sampler_plan_free(sampler_plan *plan) {
  free(plan->slots);
  free(plan->eval_subset);
  free(plan->query_set);
  free(plan->demo_buf);
  memset(plan, 0, sizeof *plan);
}

static int build_openflamingo(const sampler_params *p, size_t n_test, size_t n_train, sampler_plan *out,
                              char *err, size_t err_size) {
  if (p->seed > 0xffffffffULL) return set_err(err, err_size, "sampling: seed %llu is outside numpy's range 0..2^32-1", (unsigned long long)p->seed);
  if (p->world_size < 1 || p->batch_size < 1) return set_err(err, err_size, "sampling: world_size and batch_size must be >= 1");
  size_t n_eval = out->n_eval, n_query = out->n_query;
  int64_t *perm = malloc((n_test > n_train ? n_test : n_train) * sizeof *perm + 1);
  int64_t *order = malloc(n_eval * sizeof *order + 1);
  size_t *scratch = malloc(n_query * sizeof *scratch + 1);
  if (!perm || !order || !scratch) {
    free(perm);
    free(order);
    free(scratch);
    return set_err(err, err_size, "sampling: out of memory");
  }
  rng_mt np;
  rng_mt_seed(&np, (uint32_t)p->seed);
  /* Eval subset, then query set, from the same numpy stream. */
  rng_numpy_permutation(&np, n_test, perm);
  for (size_t i = 0; i < n_eval; i++) out->eval_subset[i] = (size_t)perm[i];
  rng_numpy_permutation(&np, n_train, perm);
  for (size_t i = 0; i < n_query; i++) out->query_set[i] = (size_t)perm[i];
  /* DistributedSampler: randperm(n_eval) with a generator seeded 0 (seed 0 + epoch 0), padded. */
  if (rng_torch_randperm(0, n_eval, order)) {
    free(perm);
    free(order);
    free(scratch);
    return set_err(err, err_size, "sampling: %zu eval samples is beyond torch.randperm's small-n algorithm", n_eval);
  }
  size_t W = (size_t)p->world_size;
  size_t per_rank = (n_eval + W - 1) / W, total = per_rank * W;
  size_t s = 0;
  for (size_t r = 0; r < W; r++) {
    rng_mt py;
    rng_py_seed(&py, p->seed + r);
    for (size_t pos = 0; pos < per_rank; pos++, s++) {
      size_t padded = r + pos * W;          /* index into the padded list */
      size_t idx = padded < n_eval ? padded : (padded - n_eval) % n_eval; /* padding repeats the head */
      sampler_slot *slot = &out->slots[s];
      slot->test_index = out->eval_subset[order[idx]];
      slot->rank = (int)r;
      slot->position = pos;
      slot->batch = pos / (size_t)p->batch_size;
      slot->is_padding = padded >= n_eval;
      size_t *d = out->demo_buf + s * (size_t)p->n_draws;
      if (p->n_draws > 0) {
        if (rng_py_sample(&py, n_query, (size_t)p->n_draws, d, scratch)) {
          free(perm);
          free(order);
          free(scratch);
          return set_err(err, err_size, "sampling: cannot draw %d of %zu", p->n_draws, n_query);
        }
        for (int k = 0; k < p->n_draws; k++) d[k] = out->query_set[d[k]];
      }
      slot->demos = d;
    }
  }
  (void)total;
  out->n_slots = s;
  free(perm);
  free(order);
  free(scratch);
  return 0;
}

/* (hash, id, index) sort key for the stable mode's subsets. */
typedef struct {
  uint64_t h;
  const char *id;
  size_t index;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  int c = strcmp(x->id, y->id);
  if (c) return c;
  return (x->index > y->index) - (x->index < y->index);
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* The n_pick samples of ds with the smallest rng_hash(seed, domain, id), in that (hash) order. */
static int pick_smallest(const dataset *ds, uint64_t seed, const char *domain, size_t n_pick, size_t *out) {
  keyed *k = malloc(ds->n_samples * sizeof *k + 1);
  if (!k) return -1;
  for (size_t i = 0; i < ds->n_samples; i++) {
    k[i].h = rng_hash(seed, domain, ds->samples[i].id);
    k[i].id = ds->samples[i].id;
    k[i].index = i;
  }
  qsort(k, ds->n_samples, sizeof *k, cmp_keyed);
  for (size_t i = 0; i < n_pick; i++) out[i] = k[i].index;
  free(k);
  return 0;
}

static int build_stable(const sampler_params *p, const dataset *test, const dataset *train, sampler_plan *out,
                        char *err, size_t err_size) {
  size_t n_eval = out->n_eval, n_query = out->n_query;
  if (pick_smallest(test, p->seed, "eval", n_eval, out->eval_subset) ||
      pick_smallest(train, p->seed, "query", n_query, out->query_set))
    return set_err(err, err_size, "sampling: out of memory");
  qsort(out->eval_subset, n_eval, sizeof *out->eval_subset, cmp_size); /* file order */
  for (size_t s = 0; s < n_eval; s++) {
    sampler_slot *slot = &out->slots[s];
    slot->test_index = out->eval_subset[s];
    slot->rank = 0;
    slot->position = s;
    slot->batch = 0;
    slot->is_padding = 0;
    size_t *d = out->demo_buf + s * (size_t)p->n_draws;
    rng_split g = {rng_hash(p->seed, "demos", test->samples[slot->test_index].id)};
    /* Draw positions in the query set without repetition: redraw a position already taken. The
     * sequence does not depend on n_draws, so k demos are a prefix of k' > k demos. */
    for (int k = 0; k < p->n_draws; k++) {
      size_t j;
      int again;
      do {
        j = (size_t)rng_split_below(&g, n_query);
        again = 0;
        for (int t = 0; t < k; t++)
          if (d[t] == j) {
            again = 1;
            break;
          }
      } while (again);
      d[k] = j;
    }
    for (int k = 0; k < p->n_draws; k++) d[k] = out->query_set[d[k]];
    slot->demos = d;
  }
  out->n_slots = n_eval;
  return 0;
}

int sampler_plan_build(const sampler_params *p, const dataset *test, const dataset *train, sampler_plan *out,
                       char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  size_t n_test = test->n_samples, n_train = train->n_samples;
  if (n_test == 0) return set_err(err, err_size, "sampling: the test split is empty");
  if (p->num_samples > 0 && (size_t)p->num_samples > n_test)
    return set_err(err, err_size, "sampling: num_samples %ld is larger than the test split (%zu samples)", p->num_samples, n_test);
  size_t n_eval = p->num_samples > 0 ? (size_t)p->num_samples : n_test;
  size_t n_query = p->query_set_size ? p->query_set_size : n_train;
  if (n_query > n_train)
    return set_err(err, err_size, "sampling: query_set_size %zu is larger than the train split (%zu samples)", n_query, n_train);
  if (p->n_draws < 0 || (size_t)p->n_draws > n_query)
    return set_err(err, err_size, "sampling: cannot draw %d demonstrations from a query set of %zu", p->n_draws, n_query);
  if (p->mode == SAMPLER_OPENFLAMINGO && (p->world_size < 1 || p->world_size > 1 << 16))
    return set_err(err, err_size, "sampling: world_size %d out of range 1..65536", p->world_size);
  size_t W = p->mode == SAMPLER_OPENFLAMINGO ? (size_t)p->world_size : 1;
  size_t max_slots = ((n_eval + W - 1) / W) * W;
  out->n_draws = p->n_draws;
  out->n_eval = n_eval;
  out->n_query = n_query;
  out->eval_subset = malloc(n_eval * sizeof *out->eval_subset + 1);
  out->query_set = malloc(n_query * sizeof *out->query_set + 1);
  out->slots = calloc(max_slots + 1, sizeof *out->slots);
  out->demo_buf = malloc(max_slots * (size_t)p->n_draws * sizeof *out->demo_buf + 1);
  if (!out->eval_subset || !out->query_set || !out->slots || !out->demo_buf) {
    sampler_plan_free(out);
    return set_err(err, err_size, "sampling: out of memory");
  }
  int rc = p->mode == SAMPLER_OPENFLAMINGO ? build_openflamingo(p, n_test, n_train, out, err, err_size)
                                           : build_stable(p, test, train, out, err, err_size);
  if (rc) sampler_plan_free(out);
  return rc;
}
