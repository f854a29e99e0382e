/* prompt.h - the interleaved few-shot prompt of one sample: text with "<image>" markers plus the
 * ordered list of image files, one per marker (protocol.md §3).
 *
 * Templates (OpenFlamingo main, models/open_flamingo.py get_vqa_prompt / get_caption_prompt):
 *   VQAv2, TextVQA, OK-VQA   demo  "<image>Question:{q} Short answer:{answers[0]}<|endofchunk|>"
 *                            query "<image>Question:{q} Short answer:"
 *   OK-VQA, template of-rsm  demo  "<image>Instruct: {q} Short answer:{a}<|endofchunk|>" (query alike)
 *   COCO, NoCaps, TextCaps   demo  "<image>Output:{caption.strip()}<|endofchunk|>"
 *                            query "<image>Output:"
 * Each demo is followed by the separator ("\n"; OpenFlamingo's hm_eval NoCaps code used ""), then
 * the query comes last. Images: demo images in demo order, then the query image.
 * Zero shots: OpenFlamingo main draws 2 demos anyway and keeps their text with every "<image>"
 * removed and no demo images ("of-main"); its reduce-scope-mllm branch does that for captions only
 * and uses no demos for VQA ("of-rsm"); "none" uses no demos for any task. */
#ifndef FEWSHOT_PROMPT_H
#define FEWSHOT_PROMPT_H

#include <stddef.h>

#include "dataset.h"

typedef enum {
  PROMPT_TEMPLATE_OF_MAIN = 0, /* OpenFlamingo main: "Question:" for every VQA task */
  PROMPT_TEMPLATE_OF_RSM = 1   /* reduce-scope-mllm: OK-VQA uses "Instruct: " */
} prompt_template;

typedef enum {
  PROMPT_ZERO_SHOT_OF_MAIN = 0, /* 2 text-only demos for every task */
  PROMPT_ZERO_SHOT_OF_RSM = 1,  /* VQA: no demos; captions: 2 text-only demos */
  PROMPT_ZERO_SHOT_NONE = 2     /* no demos for any task */
} prompt_zero_shot;

typedef struct {
  prompt_template template_variant;
  prompt_zero_shot zero_shot;
  const char *demo_separator; /* after every demo; NULL means "\n" */
} prompt_options;

/* The defaults: OpenFlamingo main (template of-main, zero-shot of-main, separator "\n"). */
prompt_options prompt_options_default(void);

/* Name <-> value for the config: "of-main" / "of-rsm" (templates); "of-main" / "of-rsm" / "none"
 * (zero-shot). The parse functions return 0 or -1 (unknown name). */
int prompt_template_parse(const char *name, prompt_template *out);
const char *prompt_template_name(prompt_template t);
int prompt_zero_shot_parse(const char *name, prompt_zero_shot *out);
const char *prompt_zero_shot_name(prompt_zero_shot z);

/* How many demos the sampler draws for `shots` (OpenFlamingo's compute_effective_num_shots): shots
 * when > 0; for 0, 2 or 0 by the zero-shot variant and the task's kind. */
int prompt_num_draws(const prompt_options *o, dataset_task task, int shots);

typedef struct {
  char *text;           /* NUL-terminated, malloc'd */
  const char **images;  /* n_images image paths in order (malloc'd array; the strings belong to the datasets) */
  size_t n_images;
} prompt;

/* Builds the prompt of `query` with the demos (train samples, in order). `shots` decides the
 * zero-shot handling (demos given for shots == 0 become text-only). Fails, with a one-line reason
 * naming the sample, when a demo lacks its demo text, when a question holds a literal "<image>" (the
 * markers would no longer match the images), or when memory runs out. Returns 0 (free with
 * prompt_free) or -1. */
int prompt_build(const prompt_options *o, dataset_task task, int shots, const dataset_sample *query,
                 const dataset_sample *const *demos, int n_demos, prompt *out, char *err, size_t err_size);

void prompt_free(prompt *p);

/* The text the engine tokenizes: every "<image>" followed by (tokens_per_image - 1) copies of
 * "<image placeholder>" (xGen-MM's 128 visual tokens per image: tokens_per_image = 128, from the model
 * config). Returns a malloc'd string, or NULL (tokens_per_image < 1, or no memory). */
char *prompt_expand_images(const char *text, int tokens_per_image);

#endif
