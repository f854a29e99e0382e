/* test_vqa_golden.c - VQA accuracy (metrics/vqa.c) against the reference implementations.
 *
 * Reads tests/fixtures/metrics/vqa_cases.json + vqa_expected.json (the team's fixture set: the
 * official vqaEval.py under Python 2.7, OpenFlamingo's vqa_metric.py under Python 3.11, and the
 * pre-2021 official version) and checks, case by case: the normalised strings the code compared,
 * the match count, the unrounded per-question fraction (1e-9: the values are ratios of small
 * sums, any real difference is >= 1e-3), and the aggregates (unrounded to 1e-9; rounded exactly).
 * Also checks Python 2/3 round() on hand-picked ties. */
#include <cjson/cJSON.h>

#include "test_json.h"
#include "test_util.h"
#include "vqa.h"

static cJSON *load(test_ctx *t, const char *name) { return test_load_json(t, "fixtures/metrics/%s", name); }

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k)->valuedouble;
}

static void check_groups(test_ctx *t, const vqa_tally *tally, int kind, const cJSON *unrounded,
                         const cJSON *rounded, vqa_rounding rnd, const char *what) {
  TEST_CHECK(t, (int)vqa_tally_n_groups(tally, kind) == cJSON_GetArraySize(unrounded),
             "%s: %zu groups, want %d", what, vqa_tally_n_groups(tally, kind),
             cJSON_GetArraySize(unrounded));
  for (size_t i = 0; i < vqa_tally_n_groups(tally, kind); i++) {
    const char *name = vqa_tally_group_name(tally, kind, i);
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(unrounded, name);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(rounded, name);
    if (!TEST_CHECK(t, u && r, "%s: unexpected group '%s'", what, name)) continue;
    double v = vqa_tally_group_value(tally, kind, i);
    test_near(t, v, u->valuedouble, 1e-9, 0, "%s '%s' unrounded", what, name);
    TEST_CHECK(t, vqa_round(v, 2, rnd) == r->valuedouble, "%s '%s': rounded %.17g, want %.17g",
               what, name, vqa_round(v, 2, rnd), r->valuedouble);
  }
}

/* Scores every case with `variant` and compares with the expected block `exp`. */
static void check_variant(test_ctx *t, const cJSON *cases, const cJSON *exp, vqa_variant variant) {
  const char *vn = vqa_variant_name(variant);
  vqa_scorer *s = vqa_scorer_init(variant, NULL, 0);
  vqa_tally *tally = vqa_tally_init(NULL, 0);
  const cJSON *pq = cJSON_GetObjectItemCaseSensitive(exp, "per_question");
  int i = 0;
  for (const cJSON *c = cases->child; c; c = c->next, i++) {
    const cJSON *e = cJSON_GetArrayItem(pq, i);
    const char *answers[10];
    const cJSON *ans = cJSON_GetObjectItemCaseSensitive(c, "answers");
    int n = cJSON_GetArraySize(ans);
    for (int k = 0; k < n && k < 10; k++) answers[k] = cJSON_GetArrayItem(ans, k)->valuestring;
    vqa_result res;
    char err[256];
    if (!TEST_CHECK(t, vqa_scorer_score(s, str(c, "prediction"), answers, (size_t)n, &res, err,
                                        sizeof err) == 0, "%s case %d: %s", vn, i, err))
      continue;
    long long qid = (long long)num(c, "question_id");
    test_near(t, res.accuracy, num(e, "accuracy_fraction"), 1e-9, 0, "%s qid %lld fraction", vn, qid);
    TEST_CHECK(t, vqa_round(100 * res.accuracy, 2, vqa_variant_rounding(variant)) == num(e, "accuracy"),
               "%s qid %lld: evalQA %.17g, want %.17g", vn, qid,
               vqa_round(100 * res.accuracy, 2, vqa_variant_rounding(variant)), num(e, "accuracy"));
    TEST_CHECK(t, res.n_matches == (int)num(e, "matches"), "%s qid %lld: matches %d, want %d", vn,
               qid, res.n_matches, (int)num(e, "matches"));
    const cJSON *applied = cJSON_GetObjectItemCaseSensitive(e, "normalization_applied");
    if (applied)
      TEST_CHECK(t, res.normalized == cJSON_IsTrue(applied), "%s qid %lld: normalized %d", vn, qid,
                 res.normalized);
    /* the normalised strings, where the variant normalises them */
    int norm_answers = variant == VQA_OPENFLAMINGO || (variant == VQA_OFFICIAL && res.normalized) ||
                       (variant == VQA_OFFICIAL_PRE2021 && res.normalized);
    int norm_pred = variant != VQA_OFFICIAL || res.normalized;
    if (norm_pred)
      test_streq(t, vqa_scorer_normalize(s, str(c, "prediction"), 0, NULL, 0),
                 str(e, "prediction_normalized"), "%s qid %lld prediction", vn, qid);
    if (norm_answers) {
      const cJSON *an = cJSON_GetObjectItemCaseSensitive(e, "answers_normalized");
      for (int k = 0; k < n; k++)
        test_streq(t, vqa_scorer_normalize(s, answers[k], 1, NULL, 0),
                   cJSON_GetArrayItem(an, k)->valuestring, "%s qid %lld answer %d", vn, qid, k);
    }
    vqa_tally_add(tally, str(c, "answer_type"), str(c, "question_type"), res.accuracy, NULL, 0);
  }
  vqa_rounding rnd = vqa_variant_rounding(variant);
  test_near(t, vqa_tally_overall(tally), num(exp, "overall_unrounded"), 1e-9, 0, "%s overall", vn);
  TEST_CHECK(t, vqa_round(vqa_tally_overall(tally), 2, rnd) == num(exp, "overall"),
             "%s overall rounded %.17g, want %.17g", vn, vqa_round(vqa_tally_overall(tally), 2, rnd),
             num(exp, "overall"));
  check_groups(t, tally, 0, cJSON_GetObjectItemCaseSensitive(exp, "per_answer_type_unrounded"),
               cJSON_GetObjectItemCaseSensitive(exp, "per_answer_type"), rnd, "per_answer_type");
  check_groups(t, tally, 1, cJSON_GetObjectItemCaseSensitive(exp, "per_question_type_unrounded"),
               cJSON_GetObjectItemCaseSensitive(exp, "per_question_type"), rnd, "per_question_type");
  vqa_tally_free(tally);
  vqa_scorer_free(s);
}

static void check_rounding(test_ctx *t) {
  /* Python 2.7.18 / 3.11 round(x, n) values */
  struct { double x; int n; double py2, py3; } r[] = {
      {0.125, 2, 0.13, 0.12},     {0.375, 2, 0.38, 0.38},   {2.675, 2, 2.67, 2.67},
      {73.125, 2, 73.13, 73.12},  {2.5, 0, 3.0, 2.0},       {-0.125, 2, -0.13, -0.12},
      {99.995, 2, 100.0, 100.0},  {9.995, 2, 9.99, 9.99},   {45.500000000000014, 2, 45.5, 45.5},
      {0.5, 0, 1.0, 0.0},         {9.5, 0, 10.0, 10.0},     {99.5, 0, 100.0, 100.0},
      {1.0 / 3.0 * 100, 2, 33.33, 33.33},
  };
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
    TEST_CHECK(t, vqa_round(r[i].x, r[i].n, VQA_ROUND_PY2) == r[i].py2, "py2 round(%.17g, %d) = %.17g",
               r[i].x, r[i].n, vqa_round(r[i].x, r[i].n, VQA_ROUND_PY2));
    TEST_CHECK(t, vqa_round(r[i].x, r[i].n, VQA_ROUND_PY3) == r[i].py3, "py3 round(%.17g, %d) = %.17g",
               r[i].x, r[i].n, vqa_round(r[i].x, r[i].n, VQA_ROUND_PY3));
  }
}

int main(void) {
  test_ctx t = test_begin("metrics_vqa_golden");
  cJSON *cases = load(&t, "vqa_cases.json");
  cJSON *exp = load(&t, "vqa_expected.json");
  if (cases && exp) {
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cases, "cases");
    check_variant(&t, cs, exp, VQA_OFFICIAL);
    check_variant(&t, cs, cJSON_GetObjectItemCaseSensitive(exp, "openflamingo_variant"), VQA_OPENFLAMINGO);
    check_variant(&t, cs, cJSON_GetObjectItemCaseSensitive(exp, "official_pre2021_variant"),
                  VQA_OFFICIAL_PRE2021);
  }
  check_rounding(&t);
  /* a question needs answers */
  vqa_result res;
  char err[256] = "";
  TEST_CHECK(&t, vqa_score_question(VQA_OFFICIAL, "x", NULL, 0, &res, err, sizeof err) != 0 && err[0],
             "zero answers must fail with a reason");
  cJSON_Delete(cases);
  cJSON_Delete(exp);
  return test_report(&t);
}
