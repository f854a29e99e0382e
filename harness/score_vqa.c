/* score_vqa.c - `fewshot score vqa`: official VQA questions/annotations/results files in, VQA
 * accuracy out (score.h). The input rules are in docs/metrics-score.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "okvqa.h"
#include "score.h"

/* An open-addressing map from question id to an index. */
typedef struct {
  long long *keys;
  size_t *vals;
  unsigned char *used;
  size_t cap;
} id_map;

static size_t id_hash(long long k, size_t cap) {
  uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
  return (size_t)(x ^ (x >> 29)) & (cap - 1);
}

static int id_map_init(id_map *m, size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 1) cap *= 2;
  m->keys = malloc(cap * sizeof *m->keys);
  m->vals = malloc(cap * sizeof *m->vals);
  m->used = calloc(cap, 1);
  m->cap = cap;
  return m->keys && m->vals && m->used ? 0 : -1;
}

static void id_map_free(id_map *m) {
  free(m->keys);
  free(m->vals);
  free(m->used);
}

/* Inserts k -> v; returns 1 when k was already there (nothing changed), 0 otherwise. */
static int id_map_put(id_map *m, long long k, size_t v) {
  size_t i = id_hash(k, m->cap);
  while (m->used[i]) {
    if (m->keys[i] == k) return 1;
    i = (i + 1) & (m->cap - 1);
  }
  m->used[i] = 1;
  m->keys[i] = k;
  m->vals[i] = v;
  return 0;
}

static int id_map_get(const id_map *m, long long k, size_t *v) {
  size_t i = id_hash(k, m->cap);
  while (m->used[i]) {
    if (m->keys[i] == k) {
      *v = m->vals[i];
      return 1;
    }
    i = (i + 1) & (m->cap - 1);
  }
  return 0;
}

/* One annotated question, pointing into the annotations tree. */
typedef struct {
  long long qid;
  const char *question_type;
  const char *answer_type; /* NULL when the file has none */
  const char **answers;    /* [n_answers] */
  size_t n_answers;
  const char *prediction; /* from the results file; NULL until seen */
} vqa_item;

static const char *get_string(const jval *obj, const char *key) {
  return jv_text(jval_get(obj, key));
}

static int check_questions(const char *path, const jval *root, char *err, size_t err_size) {
  const jval *qs = jval_get(root, "questions");
  if (!jv_is(root, JV_OBJECT) || !jv_is(qs, JV_ARRAY)) {
    snprintf(err, err_size, "%s: expected an object with a 'questions' array", path);
    return -1;
  }
  size_t i = 0;
  for (i = 0; i < (qs)->len; i++) {
    const jval *q = &(qs)->u.items[i];
    long long id;
    if (!jv_is(q, JV_OBJECT) || jval_id(jval_get(q, "question_id"), &id)) {
      snprintf(err, err_size, "%s: questions[%zu]: missing or non-integer 'question_id'", path, i);
      return -1;
    }
  }
  return 0;
}

static int load_annotations(const score_vqa_opts *o, const jval *root, vqa_item **items_out,
                            size_t *n_out, id_map *map, char *err, size_t err_size) {
  const char *path = o->annotations_path;
  const jval *anns = jval_get(root, "annotations");
  if (!jv_is(root, JV_OBJECT) || !jv_is(anns, JV_ARRAY)) {
    snprintf(err, err_size, "%s: expected an object with an 'annotations' array", path);
    return -1;
  }
  size_t n = (size_t)(anns)->len;
  vqa_item *items = calloc(n ? n : 1, sizeof *items);
  if (!items || id_map_init(map, n)) {
    free(items);
    snprintf(err, err_size, "%s: out of memory", path);
    return -1;
  }
  *items_out = items;
  *n_out = n; /* the caller frees every items[k].answers, NULL or not */
  size_t i = 0;
  for (i = 0; i < (anns)->len; i++) {
    const jval *a = &(anns)->u.items[i];
    vqa_item *it = &items[i];
    if (!jv_is(a, JV_OBJECT) || jval_id(jval_get(a, "question_id"), &it->qid)) {
      snprintf(err, err_size, "%s: annotations[%zu]: missing or non-integer 'question_id'", path, i);
      return -1;
    }
    it->question_type = get_string(a, "question_type");
    if (!it->question_type) {
      snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): missing string 'question_type' (a JSON string without \\u0000)",
               path, i, it->qid);
      return -1;
    }
    it->answer_type = get_string(a, "answer_type");
    if (!it->answer_type && jval_get(a, "answer_type")) {
      snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): 'answer_type' is not a string (without \\u0000)",
               path, i, it->qid);
      return -1;
    }
    if (!it->answer_type && o->variant != VQA_OPENFLAMINGO) {
      snprintf(err, err_size,
               "%s: annotations[%zu] (question_id %lld): missing 'answer_type' (only --variant "
               "openflamingo defaults it to \"other\")", path, i, it->qid);
      return -1;
    }
    const jval *ans = jval_get(a, "answers");
    size_t na = jv_is(ans, JV_ARRAY) ? (size_t)(ans)->len : 0;
    if (na == 0) {
      snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): 'answers' must be a non-empty array",
               path, i, it->qid);
      return -1;
    }
    it->answers = malloc(na * sizeof *it->answers);
    long long *ids = malloc(na * sizeof *ids);
    if (!it->answers || !ids) {
      free(ids);
      snprintf(err, err_size, "%s: out of memory", path);
      return -1;
    }
    size_t k = 0, n_ids = 0;
    for (k = 0; k < (ans)->len; k++) {
    const jval *x = &(ans)->u.items[k];
      const char *s = jv_is(x, JV_OBJECT) ? get_string(x, "answer") : NULL;
      if (!s) {
        free(ids);
        snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): answers[%zu]: missing string 'answer' (a JSON string without \\u0000)",
                 path, i, it->qid, k);
        return -1;
      }
      it->answers[k] = s;
      const jval *aid = jval_get(x, "answer_id");
      long long id;
      if (aid) {
        if (jval_id(aid, &id)) {
          free(ids);
          snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): answers[%zu]: 'answer_id' is not an integer",
                   path, i, it->qid, k);
          return -1;
        }
        for (size_t j = 0; j < n_ids; j++)
          if (ids[j] == id) {
            free(ids);
            snprintf(err, err_size, "%s: annotations[%zu] (question_id %lld): answers[%zu]: duplicate answer_id %lld",
                     path, i, it->qid, k, id);
            return -1;
          }
        ids[n_ids++] = id;
      }
    }
    free(ids);
    it->n_answers = na;
    if (id_map_put(map, it->qid, i)) {
      snprintf(err, err_size, "%s: annotations[%zu]: duplicate question_id %lld", path, i, it->qid);
      return -1;
    }
  }
  return 0;
}

void score_vqa_report_free(score_vqa_report *r) {
  free(r->question_id);
  free(r->accuracy);
  vqa_tally_free(r->tally);
  memset(r, 0, sizeof *r);
}

int score_vqa_run(const score_vqa_opts *o, score_vqa_report *r, char *err, size_t err_size) {
  memset(r, 0, sizeof *r);
  r->variant = o->variant;
  int rc = -1;
  jdoc *qdoc = NULL, *adoc = NULL, *rdoc = NULL;
  const jval *qroot = NULL, *aroot = NULL, *rroot = NULL;
  vqa_item *items = NULL;
  size_t n_items = 0;
  id_map map = {0};
  size_t *order = NULL;
  vqa_scorer *scorer = NULL;
  okvqa_stemmer *stemmer = NULL;
  char stem_err[256];

  if (!(qdoc = jdoc_parse_file(o->questions_path, &qroot, err, err_size))) goto done;
  if (check_questions(o->questions_path, qroot, err, err_size)) goto done;
  if (!(adoc = jdoc_parse_file(o->annotations_path, &aroot, err, err_size))) goto done;
  if (load_annotations(o, aroot, &items, &n_items, &map, err, err_size)) goto done;
  if (!(rdoc = jdoc_parse_file(o->results_path, &rroot, err, err_size))) goto done;
  if (!jv_is(rroot, JV_ARRAY)) {
    snprintf(err, err_size, "%s: expected an array of {\"question_id\", \"answer\"} objects", o->results_path);
    goto done;
  }
  size_t n_res = (size_t)(rroot)->len;
  order = malloc((n_res ? n_res : 1) * sizeof *order);
  if (!order) {
    snprintf(err, err_size, "%s: out of memory", o->results_path);
    goto done;
  }
  size_t i = 0;
  for (i = 0; i < (rroot)->len; i++) {
    const jval *x = &(rroot)->u.items[i];
    long long qid;
    if (!jv_is(x, JV_OBJECT) || jval_id(jval_get(x, "question_id"), &qid)) {
      snprintf(err, err_size, "%s: [%zu]: missing or non-integer 'question_id'", o->results_path, i);
      goto done;
    }
    const char *answer = get_string(x, "answer");
    if (!answer) {
      snprintf(err, err_size, "%s: [%zu] (question_id %lld): missing string 'answer' (a JSON string without \\u0000)", o->results_path, i, qid);
      goto done;
    }
    size_t idx;
    if (!id_map_get(&map, qid, &idx)) {
      snprintf(err, err_size, "%s: [%zu]: question_id %lld is not in %s", o->results_path, i, qid,
               o->annotations_path);
      goto done;
    }
    if (items[idx].prediction) {
      snprintf(err, err_size, "%s: [%zu]: duplicate result for question_id %lld", o->results_path, i, qid);
      goto done;
    }
    items[idx].prediction = answer;
    order[i] = idx;
  }
  /* The official code scores the annotation set in file order and asserts that the results cover
   * it exactly; OpenFlamingo's copy scores the results' ids in results order. */
  size_t n_score = n_res;
  if (o->variant != VQA_OPENFLAMINGO) {
    for (size_t k = 0; k < n_items; k++) {
      if (!items[k].prediction) {
        snprintf(err, err_size, "%s: no result for question_id %lld of %s (the official evaluation "
                 "needs a result for every annotated question; --variant openflamingo scores only "
                 "the results given)", o->results_path, items[k].qid, o->annotations_path);
        goto done;
      }
      order[k] = k;
    }
    n_score = n_items;
  }
  r->question_id = malloc((n_score ? n_score : 1) * sizeof *r->question_id);
  r->accuracy = malloc((n_score ? n_score : 1) * sizeof *r->accuracy);
  if (!r->question_id || !r->accuracy || !(r->tally = vqa_tally_init(err, err_size)) ||
      !(scorer = vqa_scorer_init(o->variant, err, err_size))) {
    snprintf(err, err_size, "score vqa: out of memory");
    goto done;
  }
  if (o->okvqa_stem && !(stemmer = okvqa_stemmer_init(stem_err, sizeof stem_err))) {
    snprintf(err, err_size, "score vqa: %s", stem_err);
    goto done;
  }
  for (size_t k = 0; k < n_score; k++) {
    const vqa_item *it = &items[order[k]];
    const char *pred = it->prediction;
    /* OpenFlamingo stems the prediction only; the human answers are taken as they are */
    if (stemmer && !(pred = okvqa_stemmer_stem(stemmer, pred, stem_err, sizeof stem_err))) {
      snprintf(err, err_size, "%s: question_id %lld: %s", o->results_path, it->qid, stem_err);
      goto done;
    }
    vqa_result res;
    if (vqa_scorer_score(scorer, pred, it->answers, it->n_answers, &res, err, err_size)) goto done;
    r->question_id[k] = it->qid;
    r->accuracy[k] = res.accuracy;
    if (vqa_tally_add(r->tally, it->answer_type ? it->answer_type : "other", it->question_type,
                      res.accuracy, err, err_size))
      goto done;
  }
  r->n = n_score;
  rc = 0;
done:
  okvqa_stemmer_free(stemmer);
  vqa_scorer_free(scorer);
  for (size_t k = 0; items && k < n_items; k++) free(items[k].answers);
  free(items);
  free(order);
  id_map_free(&map);
  jdoc_free(qdoc);
  jdoc_free(adoc);
  jdoc_free(rdoc);
  if (rc) score_vqa_report_free(r);
  return rc;
}

static void write_groups(FILE *f, const score_vqa_report *r, int kind) {
  vqa_rounding rnd = vqa_variant_rounding(r->variant);
  fputc('{', f);
  for (size_t i = 0; i < vqa_tally_n_groups(r->tally, kind); i++) {
    if (i) fputs(", ", f);
    score_put_string(f, vqa_tally_group_name(r->tally, kind, i));
    fputs(": ", f);
    score_put_double(f, vqa_round(vqa_tally_group_value(r->tally, kind, i), 2, rnd));
  }
  fputc('}', f);
}

void score_vqa_write_json(FILE *f, const score_vqa_report *r) {
  vqa_rounding rnd = vqa_variant_rounding(r->variant);
  fputs("{\"overall\": ", f);
  score_put_double(f, vqa_round(vqa_tally_overall(r->tally), 2, rnd));
  fputs(", \"per_answer_type\": ", f);
  write_groups(f, r, 0);
  fputs(", \"per_question_type\": ", f);
  write_groups(f, r, 1);
  fputs(", \"per_question\": {", f);
  for (size_t i = 0; i < r->n; i++) {
    fprintf(f, "%s\"%lld\": ", i ? ", " : "", r->question_id[i]);
    score_put_double(f, 100.0 * r->accuracy[i]);
  }
  fputs("}}\n", f);
}

void score_vqa_write_text(FILE *f, const score_vqa_report *r) {
  vqa_rounding rnd = vqa_variant_rounding(r->variant);
  fprintf(f, "VQA accuracy (%s), %zu questions\n", vqa_variant_name(r->variant), r->n);
  fprintf(f, "Overall Accuracy is: %.02f\n", vqa_round(vqa_tally_overall(r->tally), 2, rnd));
  fprintf(f, "Per Answer Type Accuracy is the following:\n");
  for (size_t i = 0; i < vqa_tally_n_groups(r->tally, 0); i++)
    fprintf(f, "%s : %.02f\n", vqa_tally_group_name(r->tally, 0, i),
            vqa_round(vqa_tally_group_value(r->tally, 0, i), 2, rnd));
  fprintf(f, "Per Question Type Accuracy is the following:\n");
  for (size_t i = 0; i < vqa_tally_n_groups(r->tally, 1); i++)
    fprintf(f, "%s : %.02f\n", vqa_tally_group_name(r->tally, 1, i),
            vqa_round(vqa_tally_group_value(r->tally, 1, i), 2, rnd));
}
