/* test_sampler.c - the sampler against OpenFlamingo's own draws, and the stable mode's independence.
 *
 * golden: fixtures/datasets/goldens/openflamingo_sampling.json was produced by running OpenFlamingo's
 * evaluate_vqa / evaluate_captioning on the mini datasets (tools/reference/of_sampling_driver.py),
 * on 1 and 2 ranks, several seeds, shots, batch sizes, subset and query-set sizes. For every case the
 * openflamingo mode must give every slot the same rank, batch, sample and demos, in the same order.
 * The synthetic cases (5000 test, 10000 train, query set 2048) compare a digest of every draw.
 * stable: the same demos for each sample id whatever the world size, batch size, file order. */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "mini_sources.h"
#include "prompt.h"
#include "sampler.h"
#include "test_util.h"

/* The mini datasets, loaded once: [task][0] train, [task][1] test; have[task] 1 loaded, -1 failed. */
typedef struct {
  dataset d[DATASET_N_TASKS][2];
  int have[DATASET_N_TASKS];
} mini_cache;

static int load_task(test_ctx *t, mini_cache *mc, dataset_task task) {
  int *have = mc->have;
  if (have[task]) return have[task] > 0;
  dataset_source src = mini_source(task);
  char err[512];
  int ok = dataset_load(&src, DATASET_SPLIT_TEST, &mc->d[task][1], err, sizeof err) == 0;
  TEST_CHECK(t, ok, "load %s test: %s", dataset_task_name(task), err);
  if (ok) {
    ok = dataset_load(&src, DATASET_SPLIT_TRAIN, &mc->d[task][0], err, sizeof err) == 0;
    TEST_CHECK(t, ok, "load %s train: %s", dataset_task_name(task), err);
    if (!ok) dataset_free(&mc->d[task][1]);
  }
  have[task] = ok ? 1 : -1;
  return ok;
}

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void golden_cases(test_ctx *t, mini_cache *mc, const cJSON *cases, int *n_cases, int *n_prompts) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    const cJSON *k = cJSON_GetObjectItem(c, "case");
    const char *task_name = cJSON_GetArrayItem(k, 0)->valuestring;
    dataset_task task;
    if (!TEST_CHECK(t, mini_task_from_of(task_name, &task) == 0, "golden task %s", task_name)) continue;
    if (!load_task(t, mc, task)) continue;
    sampler_params p = {0};
    p.mode = SAMPLER_OPENFLAMINGO;
    p.seed = (uint64_t)cJSON_GetArrayItem(k, 1)->valuedouble;
    p.world_size = (int)cJSON_GetArrayItem(k, 2)->valuedouble;
    p.batch_size = (int)cJSON_GetArrayItem(k, 3)->valuedouble;
    int shots = (int)cJSON_GetArrayItem(k, 4)->valuedouble;
    p.num_samples = (long)cJSON_GetArrayItem(k, 5)->valuedouble;
    p.query_set_size = (size_t)cJSON_GetArrayItem(k, 6)->valuedouble;
    prompt_options po = prompt_options_default();
    p.n_draws = prompt_num_draws(&po, task, shots);
    char label[128];
    snprintf(label, sizeof label, "%s seed %llu ws %d bs %d shots %d n %ld q %zu", task_name,
             (unsigned long long)p.seed, p.world_size, p.batch_size, shots, p.num_samples, p.query_set_size);
    const dataset *test = &mc->d[task][1], *train = &mc->d[task][0];
    sampler_plan plan;
    char err[256];
    if (!TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) == 0, "%s: %s", label, err)) continue;
    (*n_cases)++;
    const cJSON *slots = cJSON_GetObjectItem(c, "slots");
    size_t n = (size_t)cJSON_GetArraySize(slots);
    TEST_CHECK(t, n == plan.n_slots, "%s: %zu slots, OpenFlamingo %zu", label, plan.n_slots, n);
    for (size_t i = 0; i < n && i < plan.n_slots; i++) {
      const cJSON *g = cJSON_GetArrayItem(slots, (int)i);
      const sampler_slot *s = &plan.slots[i];
      const char *want_id = cJSON_GetObjectItem(g, "id")->valuestring;
      int ok = TEST_CHECK(t, s->rank == (int)cJSON_GetObjectItem(g, "rank")->valuedouble, "%s slot %zu: rank", label, i);
      ok &= TEST_CHECK(t, s->batch == (size_t)cJSON_GetObjectItem(g, "batch")->valuedouble, "%s slot %zu: batch %zu",
                       label, i, s->batch);
      ok &= test_streq(t, test->samples[s->test_index].id, want_id, "%s slot %zu: sample", label, i);
      const cJSON *demos = cJSON_GetObjectItem(g, "demos");
      ok &= TEST_CHECK(t, cJSON_GetArraySize(demos) == p.n_draws, "%s slot %zu: %d demos", label, i, p.n_draws);
      for (int d = 0; ok && d < p.n_draws && d < cJSON_GetArraySize(demos); d++)
        ok &= test_streq(t, train->samples[s->demos[d]].id, cJSON_GetArrayItem(demos, d)->valuestring,
                         "%s slot %zu (sample %s): demo %d", label, i, want_id, d);
      const cJSON *want_prompt = cJSON_GetObjectItem(g, "prompt");
      if (ok && want_prompt) {
        const dataset_sample *dp[64];
        for (int d = 0; d < p.n_draws; d++) dp[d] = &train->samples[s->demos[d]];
        prompt pr;
        if (TEST_CHECK(t, prompt_build(&po, task, shots, &test->samples[s->test_index], dp, p.n_draws, &pr, err,
                                       sizeof err) == 0, "%s slot %zu: prompt: %s", label, i, err)) {
          test_streq(t, pr.text, want_prompt->valuestring, "%s slot %zu: prompt text", label, i);
          const cJSON *imgs = cJSON_GetObjectItem(g, "images");
          TEST_CHECK(t, (size_t)cJSON_GetArraySize(imgs) == pr.n_images, "%s slot %zu: %zu images", label, i, pr.n_images);
          for (size_t m = 0; m < pr.n_images && m < (size_t)cJSON_GetArraySize(imgs); m++)
            test_streq(t, pr.images[m], cJSON_GetArrayItem(imgs, (int)m)->valuestring, "%s slot %zu: image %zu", label, i, m);
          (*n_prompts)++;
          prompt_free(&pr);
        }
      }
      if (!ok) break; /* the first mismatch of a case is enough */
    }
    sampler_plan_free(&plan);
  }
}

/* OpenFlamingo's own draws do not depend on the batch size: the golden cases that differ only in
 * batch size (3 and 8) list the same samples with the same demos on the same ranks. */
static void batch_independence(test_ctx *t, const cJSON *cases) {
  int pairs = 0;
  const cJSON *a, *b;
  cJSON_ArrayForEach(a, cases) {
    const cJSON *ka = cJSON_GetObjectItem(a, "case");
    if ((int)cJSON_GetArrayItem(ka, 3)->valuedouble != 3) continue;
    cJSON_ArrayForEach(b, cases) {
      const cJSON *kb = cJSON_GetObjectItem(b, "case");
      int same_params = (int)cJSON_GetArrayItem(kb, 3)->valuedouble == 8;
      for (int i = 0; same_params && i < 7; i++) {
        if (i == 3) continue;
        const cJSON *x = cJSON_GetArrayItem(ka, i), *y = cJSON_GetArrayItem(kb, i);
        same_params = cJSON_IsString(x) ? strcmp(x->valuestring, y->valuestring) == 0 : x->valuedouble == y->valuedouble;
      }
      if (!same_params) continue;
      pairs++;
      const cJSON *sa = cJSON_GetObjectItem(a, "slots"), *sb = cJSON_GetObjectItem(b, "slots");
      int same = cJSON_GetArraySize(sa) == cJSON_GetArraySize(sb);
      for (int i = 0; same && i < cJSON_GetArraySize(sa); i++) {
        const cJSON *x = cJSON_GetArrayItem(sa, i), *y = cJSON_GetArrayItem(sb, i);
        char *dx = cJSON_PrintUnformatted(cJSON_GetObjectItem(x, "demos")), *dy = cJSON_PrintUnformatted(cJSON_GetObjectItem(y, "demos"));
        same = strcmp(cJSON_GetObjectItem(x, "id")->valuestring, cJSON_GetObjectItem(y, "id")->valuestring) == 0 &&
               cJSON_GetObjectItem(x, "rank")->valuedouble == cJSON_GetObjectItem(y, "rank")->valuedouble && strcmp(dx, dy) == 0;
        free(dx);
        free(dy);
      }
      TEST_CHECK(t, same, "%s: OpenFlamingo drew differently at batch sizes 3 and 8", cJSON_GetArrayItem(ka, 0)->valuestring);
    }
  }
  TEST_CHECK(t, pairs == 6, "batch-size pairs in the goldens: %d", pairs);
}

/* A dataset of n samples whose ids are "0".."n-1", for the synthetic cases. */
static void fake_dataset(dataset *ds, size_t n) {
  memset(ds, 0, sizeof *ds);
  arena_init(&ds->mem, 0);
  ds->samples = calloc(n, sizeof *ds->samples);
  ds->n_samples = n;
  for (size_t i = 0; i < n; i++) ds->samples[i].id = arena_printf(&ds->mem, "%zu", i);
}

static void synthetic_cases(test_ctx *t, const cJSON *synth) {
  const cJSON *c;
  cJSON_ArrayForEach(c, synth) {
    const cJSON *k = cJSON_GetObjectItem(c, "case");
    sampler_params p = {0};
    p.mode = SAMPLER_OPENFLAMINGO;
    p.seed = (uint64_t)cJSON_GetArrayItem(k, 0)->valuedouble;
    p.world_size = (int)cJSON_GetArrayItem(k, 1)->valuedouble;
    size_t n_test = (size_t)cJSON_GetArrayItem(k, 2)->valuedouble, n_train = (size_t)cJSON_GetArrayItem(k, 3)->valuedouble;
    p.num_samples = (long)cJSON_GetArrayItem(k, 4)->valuedouble;
    p.query_set_size = (size_t)cJSON_GetArrayItem(k, 5)->valuedouble;
    p.n_draws = (int)cJSON_GetArrayItem(k, 6)->valuedouble;
    p.batch_size = 8;
    int rank = (int)cJSON_GetObjectItem(c, "rank")->valuedouble;
    dataset test, train;
    fake_dataset(&test, n_test);
    fake_dataset(&train, n_train);
    sampler_plan plan;
    char err[256], label[96];
    snprintf(label, sizeof label, "synthetic seed %llu ws %d rank %d k %d n %ld", (unsigned long long)p.seed,
             p.world_size, rank, p.n_draws, p.num_samples);
    if (TEST_CHECK(t, sampler_plan_build(&p, &test, &train, &plan, err, sizeof err) == 0, "%s: %s", label, err)) {
      uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 offset basis */
      size_t lines = 0;
      const cJSON *head = cJSON_GetObjectItem(c, "head");
      for (size_t i = 0; i < plan.n_slots; i++) {
        const sampler_slot *s = &plan.slots[i];
        if (s->rank != rank) continue;
        char line[4096];
        int off = snprintf(line, sizeof line, "%d %s:", rank, test.samples[s->test_index].id);
        for (int d = 0; d < p.n_draws; d++)
          off += snprintf(line + off, sizeof line - (size_t)off, "%s%s", d ? "," : "", train.samples[s->demos[d]].id);
        if (lines < (size_t)cJSON_GetArraySize(head))
          test_streq(t, line, cJSON_GetArrayItem(head, (int)lines)->valuestring, "%s line %zu", label, lines);
        h = fnv(fnv(h, line), "\n");
        lines++;
      }
      char digest[32];
      snprintf(digest, sizeof digest, "%016llx", (unsigned long long)h);
      TEST_CHECK(t, lines == (size_t)cJSON_GetObjectItem(c, "n")->valuedouble, "%s: %zu lines", label, lines);
      test_streq(t, digest, cJSON_GetObjectItem(c, "digest")->valuestring, "%s: digest of every draw", label);
      sampler_plan_free(&plan);
    }
    dataset_free(&test);
    dataset_free(&train);
  }
}

/* Demos of every sample, as "id:demo,demo,..." lines sorted by id, for comparing plans. */
static char *plan_signature(const sampler_plan *plan, const dataset *test, const dataset *train, int prefix) {
  size_t n = plan->n_slots, cap = 64 + n * 32 * (size_t)(plan->n_draws + 1);
  char **lines = calloc(n, sizeof *lines);
  for (size_t i = 0; i < n; i++) {
    const sampler_slot *s = &plan->slots[i];
    char buf[2048];
    int off = snprintf(buf, sizeof buf, "%s:", test->samples[s->test_index].id);
    int k = prefix > 0 && prefix < plan->n_draws ? prefix : plan->n_draws;
    for (int d = 0; d < k; d++) off += snprintf(buf + off, sizeof buf - (size_t)off, "%s,", train->samples[s->demos[d]].id);
    lines[i] = strdup(buf);
  }
  for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen lines */
    for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
      char *x = lines[j];
      lines[j] = lines[j - 1];
      lines[j - 1] = x;
    }
  char *out = calloc(cap, 1);
  for (size_t i = 0; i < n; i++) {
    strcat(out, lines[i]);
    strcat(out, "\n");
    free(lines[i]);
  }
  free(lines);
  return out;
}

/* A copy of ds with its samples in reverse order (strings shared with ds). */
static void reversed(const dataset *ds, dataset *out) {
  memset(out, 0, sizeof *out);
  arena_init(&out->mem, 0);
  out->task = ds->task;
  out->n_samples = ds->n_samples;
  out->samples = malloc(ds->n_samples * sizeof *out->samples);
  for (size_t i = 0; i < ds->n_samples; i++) out->samples[i] = ds->samples[ds->n_samples - 1 - i];
}

static void stable_mode(test_ctx *t, mini_cache *mc) {
  for (int ti = 0; ti < DATASET_N_TASKS; ti++) {
    dataset_task task = (dataset_task)ti;
    if (!load_task(t, mc, task)) continue;
    const dataset *test = &mc->d[task][1], *train = &mc->d[task][0];
    dataset rtest, rtrain;
    reversed(test, &rtest);
    reversed(train, &rtrain);
    sampler_params base = {SAMPLER_STABLE, 42, 9, 16, 8, 1, 8};
    sampler_plan a, b, c, d, e, f;
    char err[256];
    sampler_params p2 = base, p4 = base, pseed = base;
    p2.world_size = 2;
    p2.batch_size = 3;
    p4.n_draws = 4;
    pseed.seed = 43;
    int ok = sampler_plan_build(&base, test, train, &a, err, sizeof err) == 0 &&
             sampler_plan_build(&p2, test, train, &b, err, sizeof err) == 0 &&
             sampler_plan_build(&base, &rtest, &rtrain, &c, err, sizeof err) == 0 &&
             sampler_plan_build(&p4, test, train, &d, err, sizeof err) == 0 &&
             sampler_plan_build(&pseed, test, train, &e, err, sizeof err) == 0;
    base.mode = SAMPLER_OPENFLAMINGO;
    ok = ok && sampler_plan_build(&base, test, train, &f, err, sizeof err) == 0;
    if (!TEST_CHECK(t, ok, "%s stable plans: %s", dataset_task_name(task), err)) continue;
    char *sa = plan_signature(&a, test, train, 0), *sb = plan_signature(&b, test, train, 0);
    char *sc = plan_signature(&c, &rtest, &rtrain, 0), *sd = plan_signature(&d, test, train, 0);
    char *sa4 = plan_signature(&a, test, train, 4), *se = plan_signature(&e, test, train, 0);
    test_streq(t, sb, sa, "%s stable: world 2 / batch 3 gives the demos of world 1 / batch 8", dataset_task_name(task));
    test_streq(t, sc, sa, "%s stable: files in reverse order give the same demos", dataset_task_name(task));
    test_streq(t, sd, sa4, "%s stable: 4 demos are the first 4 of 8", dataset_task_name(task));
    TEST_CHECK(t, strcmp(se, sa) != 0, "%s stable: another seed draws other demos", dataset_task_name(task));
    TEST_CHECK(t, a.n_slots == 9 && b.n_slots == 9, "%s stable: 9 samples, no padding (%zu)", dataset_task_name(task), b.n_slots);
    /* No repetition within a sample, and every demo from the query set. */
    for (size_t i = 0; i < a.n_slots; i++) {
      for (int x = 0; x < a.n_draws; x++) {
        int in_query = 0;
        for (size_t q = 0; q < a.n_query; q++) in_query |= a.query_set[q] == a.slots[i].demos[x];
        TEST_CHECK(t, in_query, "%s stable slot %zu demo %d outside the query set", dataset_task_name(task), i, x);
        for (int y = 0; y < x; y++)
          TEST_CHECK(t, a.slots[i].demos[x] != a.slots[i].demos[y], "%s stable slot %zu: demo repeated", dataset_task_name(task), i);
      }
    }
    /* openflamingo mode does depend on the world size (the reason the stable mode exists). */
    sampler_params of2 = base;
    of2.world_size = 2;
    sampler_plan g;
    if (sampler_plan_build(&of2, test, train, &g, err, sizeof err) == 0) {
      char *sf = plan_signature(&f, test, train, 0), *sg = plan_signature(&g, test, train, 0);
      TEST_CHECK(t, strcmp(sf, sg) != 0, "%s openflamingo: 2 ranks draw differently from 1", dataset_task_name(task));
      free(sf);
      free(sg);
      sampler_plan_free(&g);
    }
    free(sa); free(sb); free(sc); free(sd); free(sa4); free(se);
    sampler_plan_free(&a); sampler_plan_free(&b); sampler_plan_free(&c);
    sampler_plan_free(&d); sampler_plan_free(&e); sampler_plan_free(&f);
    dataset_free(&rtest);
    dataset_free(&rtrain);
  }
}

static void bad_params(test_ctx *t, mini_cache *mc) {
  if (!load_task(t, mc, DATASET_VQAV2)) return;
  const dataset *test = &mc->d[DATASET_VQAV2][1], *train = &mc->d[DATASET_VQAV2][0];
  sampler_plan plan;
  char err[256];
  sampler_params p = {SAMPLER_OPENFLAMINGO, 42, 13, 16, 4, 1, 8};
  TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) != 0 && strstr(err, "num_samples 13"),
             "num_samples above the split is refused: %s", err);
  p.num_samples = -1;
  p.query_set_size = 2048;
  TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) != 0 && strstr(err, "query_set_size 2048"),
             "query set above the train split is refused: %s", err);
  p.query_set_size = 4;
  p.n_draws = 5;
  TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) != 0 && strstr(err, "cannot draw 5"),
             "more demos than the query set is refused: %s", err);
  p.n_draws = 2;
  p.seed = 1ULL << 32;
  TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) != 0 && strstr(err, "numpy"),
             "seed beyond numpy's range is refused: %s", err);
  p.seed = 1;
  p.world_size = 5; /* 12 samples on 5 ranks: 3 padding slots, repeating the head of the order */
  if (TEST_CHECK(t, sampler_plan_build(&p, test, train, &plan, err, sizeof err) == 0, "5 ranks: %s", err)) {
    size_t pads = 0;
    for (size_t i = 0; i < plan.n_slots; i++) pads += (size_t)plan.slots[i].is_padding;
    TEST_CHECK(t, plan.n_slots == 15 && pads == 3, "12 on 5 ranks: %zu slots, %zu padding", plan.n_slots, pads);
    sampler_plan_free(&plan);
  }
}

int main(void) {
  test_ctx t = test_begin("datasets_sampler");
  mini_cache *mc = calloc(1, sizeof *mc);
  char path[512];
  snprintf(path, sizeof path, "%s/fixtures/datasets/goldens/openflamingo_sampling.json", FEWSHOT_TEST_DIR);
  char *text = test_read_file(path, NULL);
  cJSON *g = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (TEST_CHECK(&t, g != NULL, "read %s", path)) {
    int n_cases = 0, n_prompts = 0;
    golden_cases(&t, mc, cJSON_GetObjectItem(g, "cases"), &n_cases, &n_prompts);
    TEST_CHECK(&t, n_cases == 138, "golden cases run: %d", n_cases);
    batch_independence(&t, cJSON_GetObjectItem(g, "cases"));
    TEST_CHECK(&t, n_prompts > 400, "golden prompts compared: %d", n_prompts);
    fprintf(stderr, "datasets_sampler: %d OpenFlamingo cases, %d prompts compared\n", n_cases, n_prompts);
    synthetic_cases(&t, cJSON_GetObjectItem(g, "synth"));
    cJSON_Delete(g);
  }
  stable_mode(&t, mc);
  bad_params(&t, mc);
  for (int i = 0; i < DATASET_N_TASKS; i++)
    if (mc->have[i] > 0) {
      dataset_free(&mc->d[i][0]);
      dataset_free(&mc->d[i][1]);
    }
  free(mc);
  return test_report(&t);
}
