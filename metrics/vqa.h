/* vqa.h - VQA accuracy exactly as the reference implementations compute it (docs/metrics-score.md).
 *
 * Variants:
 *   VQA_OFFICIAL      GT-Vision-Lab/VQA vqaEval.py at a013f00 (2021 HEAD), Python 2.7: answers and
 *                     prediction are normalised only when the 10 stripped human answers are not all
 *                     identical; aggregates rounded half away from zero.
 *   VQA_OPENFLAMINGO  open_flamingo/eval/vqa_metric.py at 655f693, Python 3: prediction and answers
 *                     always normalised; \d matches any Unicode decimal digit; aggregates rounded half
 *                     to even.
 *   VQA_OFFICIAL_PRE2021  vqaEval.py at 458a8b2 (2016), informative: prediction always normalised,
 *                     human answers neither stripped nor lower-cased, only processPunctuation'd when
 *                     the 10 raw answers are not all identical.
 *
 * Per question: acc = (1/n) * sum_i min(1, #{j != i : answer_j == prediction} / 3), the n-choose-(n-1)
 * average, as a fraction in [0, 1]; it is reported unrounded. All strings are UTF-8. No globals. */
#ifndef FEWSHOT_VQA_H
#define FEWSHOT_VQA_H

#include <stddef.h>

typedef enum { VQA_OFFICIAL = 0, VQA_OPENFLAMINGO = 1, VQA_OFFICIAL_PRE2021 = 2 } vqa_variant;

/* How a variant's Python rounds round(x, 2): Python 2 halves away from zero, Python 3 halves to
 * even, both judged on the exact binary value of x. */
typedef enum { VQA_ROUND_PY2 = 0, VQA_ROUND_PY3 = 1 } vqa_rounding;

/* Parses "official", "openflamingo" or "official-pre2021" into *v. Returns 0, or -1 if unknown. */
int vqa_variant_parse(const char *name, vqa_variant *v);
/* The variant's name as vqa_variant_parse accepts it. */
const char *vqa_variant_name(vqa_variant v);
/* The rounding the variant's reference code uses for its reported values. */
vqa_rounding vqa_variant_rounding(vqa_variant v);

/* round(x, ndigits) as Python 2.7 or 3 computes it for a float (0 <= ndigits <= 15). */
double vqa_round(double x, int ndigits, vqa_rounding r);

/* The score of one question. */
typedef struct {
  double accuracy; /* unrounded fraction in [0, 1]; x100 for the percent the references report */
  int n_matches;   /* how many of the answers equal the prediction after normalisation (M) */
  int normalized;  /* 1 when processPunctuation/processDigitArticle ran on the human answers */
} vqa_result;

/* A reusable scorer: owns scratch buffers so that scoring does not allocate per call. Not
 * thread-safe; use one per thread. */
typedef struct vqa_scorer vqa_scorer;

/* Returns a scorer for `variant`, or NULL (with a reason in err) when memory runs out. */
vqa_scorer *vqa_scorer_init(vqa_variant variant, char *err, size_t err_size);
void vqa_scorer_free(vqa_scorer *s);

/* Scores `prediction` against n_answers human answers (n_answers >= 1, normally 10). The answers
 * are taken to have distinct identities (distinct answer_id), so leaving answer i out removes
 * exactly that one. Strings must be valid UTF-8 (not checked here). Returns 0 and fills *out, or
 * non-zero with a reason in err (n_answers == 0, out of memory). */
int vqa_scorer_score(vqa_scorer *s, const char *prediction, const char *const *answers,
                     size_t n_answers, vqa_result *out, char *err, size_t err_size);

/* One-shot form of vqa_scorer_score (allocates a scorer for the call). */
int vqa_score_question(vqa_variant variant, const char *prediction, const char *const *answers,
                       size_t n_answers, vqa_result *out, char *err, size_t err_size);

/* The string a variant compares for `text` when the normalisation applies: '\n' and '\t' to spaces
 * and strip (all variants but pre-2021 answers), processPunctuation, processDigitArticle. With
 * is_answer set and VQA_OFFICIAL_PRE2021, gives what that version compares for a human answer of a
 * non-unanimous question (processPunctuation only). The result points into the scorer and stays
 * valid until its next call. Returns NULL (reason in err) when memory runs out. */
const char *vqa_scorer_normalize(vqa_scorer *s, const char *text, int is_answer, char *err,
                                 size_t err_size);

/* Running aggregates over questions, in the order they are added, with per answer type and per
 * question type groups kept in first-seen order. Sums run left to right as Python's sum() of a
 * list does (Python <= 3.11; 3.12+ sums floats with compensation). */
typedef struct vqa_tally vqa_tally;

vqa_tally *vqa_tally_init(char *err, size_t err_size);
void vqa_tally_free(vqa_tally *t);
/* Adds a question's unrounded fraction `accuracy` under its types (copied). Returns 0 or -1. */
int vqa_tally_add(vqa_tally *t, const char *answer_type, const char *question_type,
                  double accuracy, char *err, size_t err_size);
/* Number of questions added. */
size_t vqa_tally_count(const vqa_tally *t);
/* 100 * sum / count, unrounded, as the references compute it before round(); 0 when empty. */
double vqa_tally_overall(const vqa_tally *t);
/* Groups: kind 0 = answer types, 1 = question types. Count, then name and unrounded percent. */
size_t vqa_tally_n_groups(const vqa_tally *t, int kind);
const char *vqa_tally_group_name(const vqa_tally *t, int kind, size_t i);
double vqa_tally_group_value(const vqa_tally *t, int kind, size_t i);

#endif
