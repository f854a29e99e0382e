/* test_ptb_golden.c - the C PTB tokenizer (metrics/ptb.c) against the real
 * stanford-corenlp-3.4.1.jar and pycocoevalcap's wrapper.
 *
 * ptb_golden.json (tools/reference/gen_ptb_golden.py): batches of realistic, nasty and random
 * captions with the jar's exact stdout and the wrapper's final strings; every byte must match.
 * caption_expected.json (the team's fixtures): the raw tokenizer lines and the final tokenized
 * forms of the 40 fixture images (references in one call, candidates in another). */
#include <cjson/cJSON.h>

#include "ptb.h"
#include "test_json.h"
#include "test_util.h"
#include "ustr.h"

static cJSON *load(test_ctx *t, const char *name) { return test_load_json(t, "fixtures/metrics/%s", name); }

static void check_batch(test_ctx *t, const ptb_tokenizer *tok, const char **caps, size_t n,
                        const char *java, const cJSON *final, const cJSON *raw_lines, int bi) {
  char err[256];
  ustr_buf joined = {0};
  ustr_buf_clear(&joined);
  for (size_t i = 0; i < n; i++) {
    if (i) ustr_buf_putc(&joined, '\n');
    for (const char *p = caps[i]; *p; p++) ustr_buf_putc(&joined, *p == '\n' ? ' ' : *p);
  }
  if (java) {
    char *out = ptb_tokenize_text(tok, joined.data, joined.len, err, sizeof err);
    TEST_CHECK(t, out != NULL, "batch %d: %s", bi, err);
    if (out) {
      /* the tool ends its output without a newline; our string has none either */
      size_t jl = strlen(java);
      if (jl && java[jl - 1] == '\n') jl--;
      int same = strlen(out) == jl && !memcmp(out, java, jl);
      if (!TEST_CHECK(t, same, "batch %d: tokenizer output differs from the jar", bi)) {
        /* print the first differing line */
        const char *a = out, *b = java;
        for (int line = 0; *a || *b; line++) {
          const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
          size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
          if (la != lb || memcmp(a, b, la)) {
            fprintf(stderr, "  line %d: caption \"%s\"\n  ours \"%.*s\"\n  java \"%.*s\"\n", line,
                    line < (int)n ? caps[line] : "?", (int)la, a, (int)lb, b);
            break;
          }
          if (!ea || !eb) break;
          a = ea + 1;
          b = eb + 1;
        }
      }
      free(out);
    }
  }
  char **fin = calloc(n, sizeof *fin), **raw = calloc(n, sizeof *raw);
  if (TEST_CHECK(t, ptb_tokenize_captions(tok, caps, n, fin, raw, err, sizeof err) == 0, "batch %d: %s", bi, err)) {
    for (size_t i = 0; i < n; i++) {
      if (final) test_streq(t, fin[i], cJSON_GetArrayItem(final, (int)i)->valuestring, "batch %d caption %zu final", bi, i);
      if (raw_lines) test_streq(t, raw[i], cJSON_GetArrayItem(raw_lines, (int)i)->valuestring, "batch %d caption %zu raw", bi, i);
      free(fin[i]);
      free(raw[i]);
    }
  }
  free(fin);
  free(raw);
  ustr_buf_free(&joined);
}

int main(void) {
  test_ctx t = test_begin("metrics_ptb_golden");
  char err[256];
  ptb_tokenizer *tok = ptb_tokenizer_init(err, sizeof err);
  if (!TEST_CHECK(&t, tok != NULL, "init: %s", err)) return test_report(&t);
  cJSON *g = load(&t, "ptb_golden.json");
  int bi = 0;
  size_t n_caps = 0;
  for (const cJSON *b = g ? cJSON_GetObjectItemCaseSensitive(g, "batches")->child : NULL; b; b = b->next, bi++) {
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(b, "captions");
    size_t n = (size_t)cJSON_GetArraySize(caps);
    const char **c = malloc((n ? n : 1) * sizeof *c);
    size_t i = 0;
    for (const cJSON *x = caps->child; x; x = x->next) c[i++] = x->valuestring;
    check_batch(&t, tok, c, n, cJSON_GetObjectItemCaseSensitive(b, "java_output")->valuestring,
                cJSON_GetObjectItemCaseSensitive(b, "final"), NULL, bi);
    n_caps += n;
    free(c);
  }
  TEST_CHECK(&t, n_caps > 4400, "only %zu golden captions", n_caps);
  /* the team's caption fixtures: references batch and candidates batch */
  cJSON *cases = load(&t, "caption_cases.json"), *exp = load(&t, "caption_expected.json");
  if (cases && exp) {
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cases, "cases");
    const cJSON *pi = cJSON_GetObjectItemCaseSensitive(exp, "per_image");
    size_t n = (size_t)cJSON_GetArraySize(cs);
    const char **cand = malloc(n * sizeof *cand), **refs = malloc(n * 8 * sizeof *refs);
    cJSON *cand_fin = cJSON_CreateArray(), *cand_raw = cJSON_CreateArray();
    cJSON *ref_fin = cJSON_CreateArray(), *ref_raw = cJSON_CreateArray();
    size_t nr = 0, i = 0;
    for (const cJSON *c = cs->child; c; c = c->next, i++) {
      const cJSON *e = cJSON_GetArrayItem(pi, (int)i);
      cand[i] = cJSON_GetObjectItemCaseSensitive(c, "candidate")->valuestring;
      cJSON_AddItemToArray(cand_fin, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "candidate_tokenized"), 1));
      cJSON_AddItemToArray(cand_raw, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "candidate_ptb_raw"), 1));
      int k = 0;
      for (const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "references")->child; r; r = r->next, k++) {
        refs[nr++] = r->valuestring;
        cJSON_AddItemToArray(ref_fin, cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "references_tokenized"), k), 1));
        cJSON_AddItemToArray(ref_raw, cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "references_ptb_raw"), k), 1));
      }
    }
    check_batch(&t, tok, cand, n, NULL, cand_fin, cand_raw, 1000);
    check_batch(&t, tok, refs, nr, NULL, ref_fin, ref_raw, 1001);
    cJSON_Delete(cand_fin);
    cJSON_Delete(cand_raw);
    cJSON_Delete(ref_fin);
    cJSON_Delete(ref_raw);
    free(cand);
    free(refs);
  }
  /* invalid UTF-8 is refused */
  TEST_CHECK(&t, ptb_tokenize_text(tok, "\xff", 1, err, sizeof err) == NULL, "invalid UTF-8 accepted");
  cJSON_Delete(cases);
  cJSON_Delete(exp);
  cJSON_Delete(g);
  ptb_tokenizer_free(tok);
  return test_report(&t);
}
