/* score.h - `fewshot score`: loading the official annotation and result files, scoring them with
 * metrics/, and writing the report (README "score", docs/metrics-score.md).
 *
 * Every function reports failure as 0/-1 (or NULL) with a one-line reason naming the file and the
 * item at fault in err; none exits. */
#ifndef FEWSHOT_SCORE_H
#define FEWSHOT_SCORE_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "caption.h"
#include "vqa.h"

#include "jdoc.h"

/* 1 when v is non-NULL and of type t. */
static inline int jv_is(const jval *v, jval_type t) { return v && v->type == t; }

/* The text of a string value usable as a C string, or NULL when v is not a string or holds a NUL
 * character (\u0000), which `fewshot score` refuses rather than silently cut the string. */
static inline const char *jv_text(const jval *v) {
  return v && v->type == JV_STRING && strlen(v->u.str) == v->len ? v->u.str : NULL;
}

/* Writes x the way Python's repr() does: the shortest decimal that reads back as x. */
void score_put_double(FILE *f, double x);
/* Writes s as a JSON string (quotes, escapes of '"', '\\' and control characters). */
void score_put_string(FILE *f, const char *s);

/* ---- VQA ---- */

typedef struct {
  const char *questions_path;
  const char *annotations_path;
  const char *results_path;
  vqa_variant variant;
  int okvqa_stem; /* stem each prediction as OpenFlamingo's OK-VQA post-processing does */
} score_vqa_opts;

typedef struct {
  vqa_variant variant;
  size_t n;                 /* questions scored, in scoring order */
  long long *question_id;   /* [n] */
  double *accuracy;         /* [n] unrounded fractions in [0, 1] */
  vqa_tally *tally;         /* overall and per type, unrounded */
} score_vqa_report;

/* Loads the three files, checks them (docs/metrics-score.md "Input rules") and scores every
 * question. Returns 0 and fills *r (free with score_vqa_report_free), or -1 with a reason. */
int score_vqa_run(const score_vqa_opts *o, score_vqa_report *r, char *err, size_t err_size);
void score_vqa_report_free(score_vqa_report *r);
/* The --json report: aggregates rounded as the variant's reference rounds them, per-question
 * accuracies unrounded in percent. */
void score_vqa_write_json(FILE *f, const score_vqa_report *r);
/* The human-readable report (the official demo's lines). */
void score_vqa_write_text(FILE *f, const score_vqa_report *r);

/* ---- captions ---- */

typedef struct {
  const char *annotations_path; /* COCO captions {"images", "annotations"} */
  const char *results_path;     /* [{"image_id", "caption"}] */
} score_caption_opts;

typedef struct {
  size_t n;                  /* images scored: those with a result, in annotation-file order */
  long long *image_id;       /* [n] */
  caption_scores *per_image; /* [n] */
  caption_scores corpus;
} score_caption_report;

/* Loads both files, checks them (docs/metrics-score.md), tokenizes and scores. Returns 0 and fills
 * *r (free with score_caption_report_free) or -1 with a reason. */
int score_caption_run(const score_caption_opts *o, score_caption_report *r, char *err,
                      size_t err_size);
void score_caption_report_free(score_caption_report *r);
/* {"CIDEr", "Bleu_1".."Bleu_4", "ROUGE_L", "per_image": {"<id>": {...}}}, raw values. */
void score_caption_write_json(FILE *f, const score_caption_report *r);
/* COCOEvalCap's lines ("CIDEr: 1.972"). */
void score_caption_write_text(FILE *f, const score_caption_report *r);

#endif
