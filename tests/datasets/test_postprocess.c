/* test_postprocess.c - post-processing against OpenFlamingo's own functions (goldens from
 * tools/reference/postprocess_goldens.py: main's postprocess_vqa_generation and
 * postprocess_captioning_generation + replace('"', ""), reduce-scope-mllm's postprocess_vqa_generation),
 * and the OK-VQA stemmer hook. */
#include <cjson/cJSON.h>

#include "okvqa.h"
#include "postprocess.h"
#include "test_util.h"

/* A stand-in stemmer that marks what it was given, to check the hook's wiring. */
static char *fake_stem(const char *text, void *ctx, char *err, size_t err_size) {
  int *calls = ctx;
  (*calls)++;
  if (strcmp(text, "fail") == 0) {
    snprintf(err, err_size, "stemmer refused");
    return NULL;
  }
  size_t n = strlen(text);
  char *out = malloc(n + 3);
  snprintf(out, n + 3, "[%s]", text);
  return out;
}

int main(void) {
  test_ctx t = test_begin("datasets_postprocess");
  char path[512];
  snprintf(path, sizeof path, "%s/fixtures/datasets/goldens/postprocess.json", FEWSHOT_TEST_DIR);
  char *text = test_read_file(path, NULL);
  cJSON *g = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (TEST_CHECK(&t, g != NULL, "read %s", path)) {
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "cases")) {
      const char *gen = cJSON_GetObjectItem(c, "generation")->valuestring;
      char *a = postprocess_vqa(gen, POSTPROCESS_VQA_OF_MAIN), *b = postprocess_vqa(gen, POSTPROCESS_VQA_OF_RSM);
      char *d = postprocess_caption(gen);
      test_streq(&t, a, cJSON_GetObjectItem(c, "vqa_of_main")->valuestring, "vqa of-main of \"%s\"", gen);
      test_streq(&t, b, cJSON_GetObjectItem(c, "vqa_of_rsm")->valuestring, "vqa of-rsm of \"%s\"", gen);
      test_streq(&t, d, cJSON_GetObjectItem(c, "caption")->valuestring, "caption of \"%s\"", gen);
      free(a);
      free(b);
      free(d);
      n++;
    }
    TEST_CHECK(&t, n >= 40, "%d golden cases", n);
    cJSON_Delete(g);
  }
  /* postprocess_apply: the task picks the rule; OK-VQA calls the stemmer on the cut text. */
  int calls = 0, stemmed = -1;
  char err[256];
  char *p = postprocess_apply(DATASET_OKVQA, POSTPROCESS_VQA_OF_MAIN, "riding, horses Question: x", fake_stem, &calls, &stemmed,
                              err, sizeof err);
  test_streq(&t, p, "[riding]", "okvqa: cut then stem");
  TEST_CHECK(&t, calls == 1 && stemmed == 1, "stemmer called once (%d), reported (%d)", calls, stemmed);
  free(p);
  p = postprocess_apply(DATASET_VQAV2, POSTPROCESS_VQA_OF_MAIN, "riding, horses", fake_stem, &calls, &stemmed, err, sizeof err);
  test_streq(&t, p, "riding", "vqav2: no stemming");
  TEST_CHECK(&t, calls == 1 && stemmed == 0, "stemmer not called for VQAv2");
  free(p);
  p = postprocess_apply(DATASET_OKVQA, POSTPROCESS_VQA_OF_RSM, "fail. then", fake_stem, &calls, &stemmed, err, sizeof err);
  TEST_CHECK(&t, p == NULL && strstr(err, "stemmer refused"), "stemmer failure passed on: %s", err);
  p = postprocess_apply(DATASET_OKVQA, POSTPROCESS_VQA_OF_MAIN, "horses", NULL, NULL, &stemmed, err, sizeof err);
  test_streq(&t, p, "horses", "okvqa without a stemmer: cut only");
  TEST_CHECK(&t, stemmed == 0, "reported unstemmed");
  free(p);
  p = postprocess_apply(DATASET_TEXTCAPS, POSTPROCESS_VQA_OF_MAIN, "A \"stop\" sign Output: x", NULL, NULL, NULL, err, sizeof err);
  test_streq(&t, p, "A stop sign ", "textcaps: caption rule");
  free(p);
  /* The real stemmer through the hook: OpenFlamingo main's postprocess_ok_vqa_generation outputs for
   * 900 generations (fixtures/metrics/okvqa_golden.json, made by the metrics work from
   * ok_vqa_utils.py run unmodified). */
  okvqa_stemmer *stemmer = okvqa_stemmer_init(err, sizeof err);
  snprintf(path, sizeof path, "%s/fixtures/metrics/okvqa_golden.json", FEWSHOT_TEST_DIR);
  text = test_read_file(path, NULL);
  g = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (TEST_CHECK(&t, stemmer && g, "stemmer and %s", path)) {
    const cJSON *c;
    int n = 0, same = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "cases")) {
      if (strcmp(cJSON_GetObjectItem(c, "kind")->valuestring, "generation") != 0) continue;
      const char *gen = cJSON_GetObjectItem(c, "input")->valuestring, *want = cJSON_GetObjectItem(c, "stem")->valuestring;
      p = postprocess_apply(DATASET_OKVQA, POSTPROCESS_VQA_OF_MAIN, gen, postprocess_stem_okvqa, stemmer, &stemmed, err, sizeof err);
      n++;
      same += p && strcmp(p, want) == 0;
      free(p);
    }
    fprintf(stderr, "datasets_postprocess: OK-VQA hook with the real stemmer: %d of %d generations as OpenFlamingo\n", same, n);
    TEST_CHECK(&t, n == 900 && same == n, "OK-VQA cut + stem: %d of %d as OpenFlamingo", same, n);
  }
  cJSON_Delete(g);
  okvqa_stemmer_free(stemmer);
  postprocess_vqa_cut c;
  TEST_CHECK(&t, postprocess_vqa_cut_parse("of-rsm", &c) == 0 && c == POSTPROCESS_VQA_OF_RSM &&
                 postprocess_vqa_cut_parse("x", &c) != 0, "cut names");
  return test_report(&t);
}
