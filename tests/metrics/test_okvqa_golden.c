/* test_okvqa_golden.c - the C OK-VQA stemmer (metrics/okvqa.c) against OpenFlamingo's real
 * ok_vqa_utils.py (nltk 3.10.4 + inflection 0.5.1) on 2,700 realistic answers and generations
 * (tests/fixtures/metrics/okvqa_golden.json, tools/reference/gen_okvqa_golden.py).
 *
 * Checks tokens, POS tags and the stemmed string for every case, prints the agreement rates, and
 * fails on any disagreement. */
#include <cjson/cJSON.h>

#include "okvqa.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("metrics_okvqa_golden");
  char path[1024], err[256];
  snprintf(path, sizeof path, "%s/fixtures/metrics/okvqa_golden.json", FEWSHOT_TEST_DIR);
  char *text = test_read_file(path, NULL);
  cJSON *g = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!TEST_CHECK(&t, g != NULL, "cannot read %s", path)) return test_report(&t);
  okvqa_stemmer *s = okvqa_stemmer_init(err, sizeof err);
  if (!TEST_CHECK(&t, s != NULL, "init: %s", err)) return test_report(&t);
  long n = 0, tok_ok = 0, tag_ok = 0, stem_ok = 0;
  for (const cJSON *c = cJSON_GetObjectItemCaseSensitive(g, "cases")->child; c; c = c->next, n++) {
    const char *input = cJSON_GetObjectItemCaseSensitive(c, "input")->valuestring;
    const char *kind = cJSON_GetObjectItemCaseSensitive(c, "kind")->valuestring;
    const char *want = cJSON_GetObjectItemCaseSensitive(c, "stem")->valuestring;
    /* the stemmer's input: the generation post-processing for generations */
    const char *got = !strcmp(kind, "generation") ? okvqa_stemmer_postprocess(s, input, err, sizeof err)
                                                  : okvqa_stemmer_stem(s, input, err, sizeof err);
    if (test_streq(&t, got, want, "stem of \"%s\"", input)) stem_ok++;
    /* tokens and tags of the post-processed text: rebuild them from the expected token list */
    const cJSON *toks = cJSON_GetObjectItemCaseSensitive(c, "tokens");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(c, "tags");
    size_t tl = 0, gl = 0;
    for (const cJSON *x = toks->child; x; x = x->next) tl += strlen(x->valuestring) + 1;
    for (const cJSON *x = tags->child; x; x = x->next) gl += strlen(x->valuestring) + 1;
    char *wt = calloc(tl + 1, 1), *wg = calloc(gl + 1, 1);
    for (const cJSON *x = toks->child; x; x = x->next) {
      if (x != toks->child) strcat(wt, "\n");
      strcat(wt, x->valuestring);
    }
    for (const cJSON *x = tags->child; x; x = x->next) {
      if (x != tags->child) strcat(wg, " ");
      strcat(wg, x->valuestring);
    }
    /* the text the reference tokenized */
    char *pre = strdup(input);
    if (!strcmp(kind, "generation")) {
      static const char *const stops[] = {"Question", "Answer", "Short"};
      size_t cut = strlen(pre);
      for (size_t i = 0; i < cut; i++)
        for (int k = 0; k < 3; k++)
          if (!strncmp(pre + i, stops[k], strlen(stops[k])) && i < cut) cut = i;
      pre[cut] = '\0';
      char *cm = strstr(pre, ", ");
      if (cm) *cm = '\0';
    }
    const char *gt = okvqa_stemmer_tokenize(s, pre, err, sizeof err);
    if (test_streq(&t, gt, wt, "tokens of \"%s\"", pre)) tok_ok++;
    const char *gg = okvqa_stemmer_tags(s, pre, err, sizeof err);
    if (test_streq(&t, gg, wg, "tags of \"%s\"", pre)) tag_ok++;
    free(pre);
    free(wt);
    free(wg);
  }
  fprintf(stderr, "okvqa agreement on %ld cases: tokens %.2f%%, tags %.2f%%, stems %.2f%%\n", n,
          100.0 * tok_ok / n, 100.0 * tag_ok / n, 100.0 * stem_ok / n);
  TEST_CHECK(&t, n >= 2000, "only %ld cases", n);
  okvqa_stemmer_free(s);
  cJSON_Delete(g);
  return test_report(&t);
}
