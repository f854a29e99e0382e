/* test_caption_golden.c - CIDEr-D, BLEU-1..4, ROUGE-L (metrics/caption.c) against pycocoevalcap.
 *
 * 1. caption_expected.json (the team's fixtures): CIDEr-D per image and corpus from the stored
 *    tokenized forms, 1e-9 relative (the spec's tolerance; in practice the values are bit-equal).
 * 2. caption_official/ and caption_extra/ (tools/reference/caption_reference.py, pycocoevalcap 1.2
 *    with the real jar): `fewshot score caption` loading + tokenization + all metrics, per image
 *    and corpus, 1e-9 relative.
 * 3. numpy's pairwise mean on sizes around its block boundaries (against a plain sum, loosely) and
 *    the zero-norm rule (no NaN). */
#include <cjson/cJSON.h>

#include "caption.h"
#include "score.h"
#include "test_json.h"
#include "test_util.h"

/* relative 1e-9: see the file comment */
#define REL 1e-9

static cJSON *load(test_ctx *t, const char *name) { return test_load_json(t, "fixtures/metrics/%s", name); }

static void check_tokenized_fixture(test_ctx *t) {
  cJSON *exp = load(t, "caption_expected.json");
  if (!exp) return;
  const cJSON *pi = cJSON_GetObjectItemCaseSensitive(exp, "per_image");
  size_t n = (size_t)cJSON_GetArraySize(pi), i = 0;
  caption_item *items = calloc(n, sizeof *items);
  const char **refs = calloc(n * 8, sizeof *refs);
  for (const cJSON *e = pi->child; e; e = e->next, i++) {
    items[i].candidate = cJSON_GetObjectItemCaseSensitive(e, "candidate_tokenized")->valuestring;
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(e, "references_tokenized");
    size_t k = 0;
    for (const cJSON *r = rt->child; r; r = r->next) refs[i * 8 + k++] = r->valuestring;
    items[i].refs = refs + i * 8;
    items[i].n_refs = k;
  }
  double *per = calloc(n, sizeof *per), corpus = 0;
  char err[256];
  if (TEST_CHECK(t, caption_cider_d(items, n, per, &corpus, err, sizeof err) == 0, "cider: %s", err)) {
    i = 0;
    for (const cJSON *e = pi->child; e; e = e->next, i++)
      test_near(t, per[i], cJSON_GetObjectItemCaseSensitive(e, "cider")->valuedouble, 0, REL,
                "fixture image %d CIDEr-D", (int)cJSON_GetObjectItemCaseSensitive(e, "image_id")->valuedouble);
    test_near(t, corpus, cJSON_GetObjectItemCaseSensitive(exp, "corpus_cider")->valuedouble, 0, REL,
              "fixture corpus CIDEr-D");
  }
  free(per);
  free(refs);
  free(items);
  cJSON_Delete(exp);
}

static void check_dir(test_ctx *t, const char *dir) {
  char a[1024], r[1024], name[256], err[512];
  snprintf(a, sizeof a, "%s/fixtures/metrics/%s/annotations.json", FEWSHOT_TEST_DIR, dir);
  snprintf(r, sizeof r, "%s/fixtures/metrics/%s/results.json", FEWSHOT_TEST_DIR, dir);
  snprintf(name, sizeof name, "%s/expected.json", dir);
  cJSON *exp = load(t, name);
  if (!exp) return;
  score_caption_opts o = {a, r};
  score_caption_report rep;
  if (!TEST_CHECK(t, score_caption_run(&o, &rep, err, sizeof err) == 0, "%s: %s", dir, err)) {
    cJSON_Delete(exp);
    return;
  }
  static const char *keys[6] = {"CIDEr", "Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L"};
  const cJSON *corpus = cJSON_GetObjectItemCaseSensitive(exp, "corpus");
  double got[6] = {rep.corpus.cider, rep.corpus.bleu[0], rep.corpus.bleu[1], rep.corpus.bleu[2],
                   rep.corpus.bleu[3], rep.corpus.rouge_l};
  for (int k = 0; k < 6; k++)
    test_near(t, got[k], cJSON_GetObjectItemCaseSensitive(corpus, keys[k])->valuedouble, 0, REL,
              "%s corpus %s", dir, keys[k]);
  const cJSON *pi = cJSON_GetObjectItemCaseSensitive(exp, "per_image");
  TEST_CHECK(t, (int)rep.n == cJSON_GetArraySize(pi), "%s: %zu images, want %d", dir, rep.n, cJSON_GetArraySize(pi));
  size_t i = 0;
  for (const cJSON *e = pi->child; e && i < rep.n; e = e->next, i++) {
    long long id = (long long)cJSON_GetObjectItemCaseSensitive(e, "image_id")->valuedouble;
    TEST_CHECK(t, rep.image_id[i] == id, "%s: image %zu is %lld, want %lld", dir, i, rep.image_id[i], id);
    const caption_scores *s = &rep.per_image[i];
    double g[6] = {s->cider, s->bleu[0], s->bleu[1], s->bleu[2], s->bleu[3], s->rouge_l};
    for (int k = 0; k < 6; k++)
      test_near(t, g[k], cJSON_GetObjectItemCaseSensitive(e, keys[k])->valuedouble, 0, REL,
                "%s image %lld %s", dir, id, keys[k]);
  }
  score_caption_report_free(&rep);
  cJSON_Delete(exp);
}

int main(void) {
  test_ctx t = test_begin("metrics_caption_golden");
  check_tokenized_fixture(&t);
  check_dir(&t, "caption_official");
  check_dir(&t, "caption_extra");
  /* numpy mean: exact on integers, any block layout */
  double a[1000];
  for (int i = 0; i < 1000; i++) a[i] = i;
  size_t sizes[] = {1, 7, 8, 9, 127, 128, 129, 300, 1000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    TEST_CHECK(&t, caption_numpy_mean(a, sizes[k]) == (double)(sizes[k] - 1) / 2,
               "numpy mean of 0..%zu", sizes[k] - 1);
  /* zero norms: one image (log 1 = 0 makes every vector zero) and an empty candidate */
  const char *refs[2] = {"a dog", "a cat"};
  caption_item one = {"", refs, 2};
  double per, corpus;
  char err[256];
  TEST_CHECK(&t, caption_cider_d(&one, 1, &per, &corpus, err, sizeof err) == 0 && per == 0.0 && corpus == 0.0,
             "zero-norm CIDEr-D must be 0, got %g", per);
  caption_item none = {"x", refs, 0};
  TEST_CHECK(&t, caption_cider_d(&none, 1, &per, &corpus, err, sizeof err) != 0, "no references must fail");
  return test_report(&t);
}
