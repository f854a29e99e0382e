/* caption.h - caption metrics exactly as pycocoevalcap (salaniz, pip 1.2) computes them on
 * PTB-tokenized text: CIDEr-D (Cider(n=4, sigma=6)), BLEU-1..4 (Bleu(4), option "closest") and
 * ROUGE-L (Rouge(), beta 1.2). METEOR and SPICE (Java) are out of scope.
 *
 * A "set" is the images being scored, in the reference's order; each has one candidate and
 * m >= 1 references. CIDEr-D's document frequencies come from the references of exactly this set.
 * Per-image values are what COCOEvalCap stores in imgToEval; corpus values what it stores in eval
 * (CIDEr and ROUGE-L: numpy's mean of the per-image values, summed pairwise as numpy does;
 * BLEU: corpus-level from the summed counts, not a mean).
 *
 * Tokens are split as the reference splits them: str.split() (any Python whitespace) for CIDEr-D
 * and BLEU, str.split(" ") for ROUGE-L. Zero-norm rule (CIDEr-D): when the candidate's or the
 * reference's n-gram vector has norm 0 the similarity for that n is 0 (the reference skips the
 * division; its numerator is then 0 too), so no NaN can arise. No globals. */
#ifndef FEWSHOT_CAPTION_H
#define FEWSHOT_CAPTION_H

#include <stddef.h>

#include "ptb.h"

typedef struct {
  double cider;
  double bleu[4]; /* Bleu_1 .. Bleu_4 */
  double rouge_l;
} caption_scores;

/* One image of a set: tokenized (or raw, for caption_score_raw) strings, not owned. */
typedef struct {
  const char *candidate;
  const char *const *refs;
  size_t n_refs; /* >= 1 */
} caption_item;

/* Scores a set of already PTB-tokenized images. per_image[n_items] and *corpus are filled.
 * Returns 0, or -1 with a reason in err (an image without references, out of memory). */
int caption_score_tokenized(const caption_item *items, size_t n_items, caption_scores *per_image,
                            caption_scores *corpus, char *err, size_t err_size);

/* The whole COCOEvalCap pipeline from raw captions: all references tokenized in one PTB call (image
 * order, then reference order), all candidates in a second call (caption_tokenize_set), then
 * caption_score_tokenized. Returns 0 or -1 with a reason in err. */
int caption_score_raw(const ptb_tokenizer *t, const caption_item *items, size_t n_items,
                      caption_scores *per_image, caption_scores *corpus, char *err,
                      size_t err_size);

/* The two PTB calls of COCOEvalCap.evaluate() for a set: fills cand_tok[n_items] and
 * ref_tok[sum of n_refs] (in image order, then reference order) with malloc'd strings that the
 * caller frees (each, then the arrays). Returns 0 or -1 with a reason in err. */
int caption_tokenize_set(const ptb_tokenizer *t, const caption_item *items, size_t n_items,
                         char **cand_tok, char **ref_tok, char *err, size_t err_size);

/* Individual metrics over the same set (tokenized), per image and corpus. */
int caption_cider_d(const caption_item *items, size_t n_items, double *per_image, double *corpus,
                    char *err, size_t err_size);
int caption_bleu(const caption_item *items, size_t n_items, double (*per_image)[4],
                 double corpus[4], char *err, size_t err_size);
int caption_rouge_l(const caption_item *items, size_t n_items, double *per_image, double *corpus,
                    char *err, size_t err_size);

/* numpy.mean of a float64 array: numpy's pairwise summation (blocks of 8, 128-element leaves)
 * divided by n. Returns NaN for n == 0 (as numpy does, with a warning). */
double caption_numpy_mean(const double *a, size_t n);

#endif
