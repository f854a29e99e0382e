/* bench_score.c - times `fewshot score` on the benchmark data (bench/metrics/RESULTS.md): file loading
 * (JSON parse + checks, the whole score_*_run) and the scoring alone (metrics/ on in-memory strings).
 * Times are process CPU seconds.
 *
 *   bench_score DATA_DIR        (built and run by bench/metrics/run.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caption.h"
#include "ptb.h"
#include "score.h"
#include "vqa.h"

/* Process CPU time (user + system): the machine the numbers come from is shared, so wall time
 * depends on the other jobs; CPU time does much less. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static jdoc *load(const char *dir, const char *name, const jval **root) {
  char p[1024], err[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  jdoc *j = jdoc_parse_file(p, root, err, sizeof err);
  if (!j) {
    fprintf(stderr, "%s\n", err);
    exit(1);
  }
  return j;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *d = argv[1];
  char q[1024], a[1024], r[1024], ca[1024], cr[1024], err[512];
  snprintf(q, sizeof q, "%s/vqa_questions.json", d);
  snprintf(a, sizeof a, "%s/vqa_annotations.json", d);
  snprintf(r, sizeof r, "%s/vqa_results.json", d);
  snprintf(ca, sizeof ca, "%s/cap_annotations.json", d);
  snprintf(cr, sizeof cr, "%s/cap_results.json", d);

  /* VQA: whole pipeline per variant */
  for (int v = 0; v < 2; v++) {
    score_vqa_opts o = {q, a, r, v ? VQA_OPENFLAMINGO : VQA_OFFICIAL, 0};
    score_vqa_report rep;
    double t0 = now();
    if (score_vqa_run(&o, &rep, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
    printf("vqa %-12s files+score %.3f s  (%zu questions, overall %.2f)\n", vqa_variant_name(o.variant),
           now() - t0, rep.n, vqa_round(vqa_tally_overall(rep.tally), 2, vqa_variant_rounding(o.variant)));
    score_vqa_report_free(&rep);
  }
  /* VQA: scoring alone, strings already in memory */
  const jval *anns, *res;
  double tl = now();
  jdoc *adoc = load(d, "vqa_annotations.json", &anns), *rdoc = load(d, "vqa_results.json", &res);
  printf("vqa          JSON parse of annotations + results %.3f s\n", now() - tl);
  const jval *al = jval_get(anns, "annotations");
  size_t n = al->len, i = 0;
  const char **answers = malloc(n * 10 * sizeof *answers), **preds = malloc(n * sizeof *preds);
  const char **atype = malloc(n * sizeof *atype), **qtype = malloc(n * sizeof *qtype);
  for (i = 0; i < n; i++) {
    const jval *x = &al->u.items[i], *ans = jval_get(x, "answers");
    for (uint32_t k = 0; k < ans->len && k < 10; k++) answers[i * 10 + k] = jval_str(jval_get(&ans->u.items[k], "answer"));
    atype[i] = jval_str(jval_get(x, "answer_type"));
    qtype[i] = jval_str(jval_get(x, "question_type"));
    preds[i] = jval_str(jval_get(&res->u.items[i], "answer")); /* same order in the bench data */
  }
  for (int v = 0; v < 2; v++) {
    vqa_variant var = v ? VQA_OPENFLAMINGO : VQA_OFFICIAL;
    vqa_scorer *s = vqa_scorer_init(var, err, sizeof err);
    vqa_tally *t = vqa_tally_init(err, sizeof err);
    double t0 = now();
    for (i = 0; i < n; i++) {
      vqa_result res1;
      vqa_scorer_score(s, preds[i], answers + i * 10, 10, &res1, err, sizeof err);
      vqa_tally_add(t, atype[i], qtype[i], res1.accuracy, err, sizeof err);
    }
    printf("vqa %-12s score only  %.3f s  (overall %.2f)\n", vqa_variant_name(var), now() - t0,
           vqa_round(vqa_tally_overall(t), 2, vqa_variant_rounding(var)));
    vqa_tally_free(t);
    vqa_scorer_free(s);
  }
  free(answers);
  free(preds);
  free(atype);
  free(qtype);
  jdoc_free(adoc);
  jdoc_free(rdoc);

  /* captions */
  score_caption_opts co = {ca, cr};
  score_caption_report crep;
  double t0 = now();
  if (score_caption_run(&co, &crep, err, sizeof err)) return fprintf(stderr, "%s\n", err), 1;
  printf("caption      files+score %.3f s  (%zu images, CIDEr %.4f)\n", now() - t0, crep.n, crep.corpus.cider);
  score_caption_report_free(&crep);
  /* captions: tokenizer and metrics alone */
  const jval *cj, *cres;
  jdoc *cjdoc = load(d, "cap_annotations.json", &cj), *crdoc = load(d, "cap_results.json", &cres);
  size_t ni = cres->len;
  caption_item *items = calloc(ni, sizeof *items);
  const char **refs = malloc(ni * 5 * sizeof *refs);
  i = 0;
  const jval *cann = jval_get(cj, "annotations");
  for (i = 0; i < ni; i++) { /* the bench data lists each image's 5 references in image order */
    for (int k = 0; k < 5; k++) refs[i * 5 + k] = jval_str(jval_get(&cann->u.items[i * 5 + k], "caption"));
    items[i] = (caption_item){jval_str(jval_get(&cres->u.items[i], "caption")), refs + i * 5, 5};
  }
  t0 = now();
  ptb_tokenizer *tok = ptb_tokenizer_init(err, sizeof err);
  double t1 = now();
  char **ct = calloc(ni, sizeof *ct), **rt = calloc(ni * 5, sizeof *rt);
  caption_tokenize_set(tok, items, ni, ct, rt, err, sizeof err);
  double t2 = now();
  caption_item *titems = calloc(ni, sizeof *titems);
  for (i = 0; i < ni; i++) titems[i] = (caption_item){ct[i], (const char *const *)(rt + i * 5), 5};
  caption_scores *per = malloc(ni * sizeof *per), corpus;
  caption_score_tokenized(titems, ni, per, &corpus, err, sizeof err);
  double t3 = now();
  double *pc = malloc(ni * sizeof *pc), cc;
  caption_cider_d(titems, ni, pc, &cc, err, sizeof err);
  double t4 = now();
  printf("caption      tokenizer init %.3f s, PTB tokenize %.3f s, CIDEr+BLEU+ROUGE %.3f s (CIDEr alone %.3f s)\n",
         t1 - t0, t2 - t1, t3 - t2, t4 - t3);
  for (i = 0; i < ni; i++) free(ct[i]);
  for (i = 0; i < ni * 5; i++) free(rt[i]);
  free(ct);
  free(rt);
  free(titems);
  free(per);
  free(pc);
  free(items);
  free(refs);
  ptb_tokenizer_free(tok);
  jdoc_free(cjdoc);
  jdoc_free(crdoc);
  return 0;
}
