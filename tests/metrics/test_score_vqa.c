/* test_score_vqa.c - `fewshot score vqa` loading + scoring (harness/score_vqa.c) on the official file
 * formats, against what the real reference code reported on the same files.
 *
 * tests/fixtures/metrics/vqa_official/ is the shared fixture set converted to the official formats,
 * vqa_extra/ our own stress cases; each expected.json was written by
 * tools/reference/vqa_reference.py running the official vqaEval.py (Python 2.7.18) and OpenFlamingo's
 * vqa_metric.py (Python 3.11). Per-question fractions to 1e-9, aggregates rounded exactly and
 * unrounded to 1e-9, question order as the reference's. */
#include <cjson/cJSON.h>

#include "score.h"
#include "test_util.h"

static void check_dir(test_ctx *t, const char *dir, vqa_variant variant) {
  char q[1024], a[1024], r[1024], e[1024], err[512];
  snprintf(q, sizeof q, "%s/fixtures/metrics/%s/questions.json", FEWSHOT_TEST_DIR, dir);
  snprintf(a, sizeof a, "%s/fixtures/metrics/%s/annotations.json", FEWSHOT_TEST_DIR, dir);
  snprintf(r, sizeof r, "%s/fixtures/metrics/%s/results.json", FEWSHOT_TEST_DIR, dir);
  snprintf(e, sizeof e, "%s/fixtures/metrics/%s/expected.json", FEWSHOT_TEST_DIR, dir);
  char *text = test_read_file(e, NULL);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!TEST_CHECK(t, root != NULL, "cannot read %s", e)) return;
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, vqa_variant_name(variant));
  score_vqa_opts o = {q, a, r, variant, 0};
  score_vqa_report rep;
  if (!TEST_CHECK(t, score_vqa_run(&o, &rep, err, sizeof err) == 0, "%s: %s", dir, err)) {
    cJSON_Delete(root);
    return;
  }
  const char *vn = vqa_variant_name(variant);
  vqa_rounding rnd = vqa_variant_rounding(variant);
  const cJSON *pq = cJSON_GetObjectItemCaseSensitive(exp, "per_question");
  TEST_CHECK(t, (int)rep.n == cJSON_GetArraySize(pq), "%s %s: %zu questions, want %d", dir, vn,
             rep.n, cJSON_GetArraySize(pq));
  size_t i = 0;
  for (const cJSON *x = pq->child; x && i < rep.n; x = x->next, i++) {
    long long qid = (long long)cJSON_GetObjectItemCaseSensitive(x, "question_id")->valuedouble;
    TEST_CHECK(t, rep.question_id[i] == qid, "%s %s: question %zu is %lld, want %lld", dir, vn, i,
               rep.question_id[i], qid);
    test_near(t, rep.accuracy[i], cJSON_GetObjectItemCaseSensitive(x, "accuracy_fraction")->valuedouble,
              1e-9, 0, "%s %s qid %lld", dir, vn, qid);
  }
  double overall = vqa_tally_overall(rep.tally);
  test_near(t, overall, cJSON_GetObjectItemCaseSensitive(exp, "overall_unrounded")->valuedouble, 1e-9,
            0, "%s %s overall unrounded", dir, vn);
  TEST_CHECK(t, vqa_round(overall, 2, rnd) == cJSON_GetObjectItemCaseSensitive(exp, "overall")->valuedouble,
             "%s %s overall rounded %.17g", dir, vn, vqa_round(overall, 2, rnd));
  const char *keys[2] = {"per_answer_type", "per_question_type"};
  for (int kind = 0; kind < 2; kind++) {
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(exp, keys[kind]);
    TEST_CHECK(t, (int)vqa_tally_n_groups(rep.tally, kind) == cJSON_GetArraySize(want),
               "%s %s %s: group count", dir, vn, keys[kind]);
    for (size_t g = 0; g < vqa_tally_n_groups(rep.tally, kind); g++) {
      const char *name = vqa_tally_group_name(rep.tally, kind, g);
      const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, name);
      double got = vqa_round(vqa_tally_group_value(rep.tally, kind, g), 2, rnd);
      TEST_CHECK(t, w && got == w->valuedouble, "%s %s %s '%s': %.17g, want %.17g", dir, vn,
                 keys[kind], name, got, w ? w->valuedouble : -1.0);
    }
  }
  score_vqa_report_free(&rep);
  cJSON_Delete(root);
}

int main(void) {
  test_ctx t = test_begin("score_vqa_files");
  check_dir(&t, "vqa_official", VQA_OFFICIAL);
  check_dir(&t, "vqa_official", VQA_OPENFLAMINGO);
  check_dir(&t, "vqa_extra", VQA_OFFICIAL);
  check_dir(&t, "vqa_extra", VQA_OPENFLAMINGO);
  return test_report(&t);
}
