/* postprocess.h - from the decoded generation to the prediction that is scored (protocol.md §4.2).
 *
 *   VQA (VQAv2, TextVQA)  vqa_metric.postprocess_vqa_generation:
 *       re.split("Question|Answer|Short", s, 1)[0]   cut before the first of the three words
 *       s.split(". ", 1)[0]                          OpenFlamingo reduce-scope-mllm only ("of-rsm")
 *       re.split(", ", s, 1)[0]
 *     No strip and no newline handling here: the VQA metric replaces \n and \t and strips later.
 *   OK-VQA  ok_vqa_utils.postprocess_ok_vqa_generation: the same cuts, then the OK-VQA stemmer.
 *   Captions  coco_metric.postprocess_captioning_generation: s.split("Output", 1)[0], then every '"'
 *       removed (evaluate_captioning). No strip or lower-casing (the PTB tokenizer does that).
 * Cuts work on bytes; the patterns are ASCII, so UTF-8 text is never split inside a character. */
#ifndef FEWSHOT_POSTPROCESS_H
#define FEWSHOT_POSTPROCESS_H

#include <stddef.h>

#include "dataset.h"

typedef enum {
  POSTPROCESS_VQA_OF_MAIN = 0, /* Question|Answer|Short, then ", " */
  POSTPROCESS_VQA_OF_RSM = 1   /* Question|Answer|Short, then ". ", then ", " */
} postprocess_vqa_cut;

/* "of-main" / "of-rsm". Returns 0 or -1. */
int postprocess_vqa_cut_parse(const char *name, postprocess_vqa_cut *out);
const char *postprocess_vqa_cut_name(postprocess_vqa_cut c);

/* The OK-VQA stemmer hook: takes the cut answer, returns a malloc'd stemmed string or NULL with err
 * set. The stemmer itself is the metrics module's (metrics/okvqa_stem*, issue #3); datasets/ takes it
 * as a function: pass postprocess_stem_okvqa with an okvqa_stemmer as its context. With NULL,
 * OK-VQA predictions are cut but not stemmed (and postprocess_apply says so through *stemmed = 0). */
typedef char *(*postprocess_stem_fn)(const char *text, void *ctx, char *err, size_t err_size);

/* The metrics module's OK-VQA stemmer (metrics/okvqa.h) as a postprocess_stem_fn: ctx is an
 * okvqa_stemmer * (okvqa_stemmer_init; one per thread). Returns a malloc'd copy of
 * okvqa_stemmer_stem(text), or NULL with err set. */
char *postprocess_stem_okvqa(const char *text, void *ctx, char *err, size_t err_size);

/* VQA cut rules. Returns a malloc'd prediction or NULL (no memory). */
char *postprocess_vqa(const char *generation, postprocess_vqa_cut cut);

/* Caption cleanup. Returns a malloc'd prediction or NULL (no memory). */
char *postprocess_caption(const char *generation);

/* The task's whole post-processing: VQA cut for VQAv2/TextVQA, cut + stem for OK-VQA, caption
 * cleanup for COCO/NoCaps/TextCaps. *stemmed (may be NULL) is set to 1 when the stemmer ran. Returns a
 * malloc'd prediction, or NULL with err set. */
char *postprocess_apply(dataset_task task, postprocess_vqa_cut cut, const char *generation, postprocess_stem_fn stem,
                        void *stem_ctx, int *stemmed, char *err, size_t err_size);

#endif
