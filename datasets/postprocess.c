/* postprocess.c - per-task clean-up of generations (see postprocess.h); checked against the
 * OpenFlamingo functions themselves (tests/datasets/test_postprocess.c, goldens from
 * tools/reference/postprocess_goldens.py). */
#include "postprocess.h"

#include "okvqa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int postprocess_vqa_cut_parse(const char *name, postprocess_vqa_cut *out) {
  if (strcmp(name, "of-main") == 0) *out = POSTPROCESS_VQA_OF_MAIN;
  else if (strcmp(name, "of-rsm") == 0) *out = POSTPROCESS_VQA_OF_RSM;
  else return -1;
  return 0;
}

const char *postprocess_vqa_cut_name(postprocess_vqa_cut c) { return c == POSTPROCESS_VQA_OF_RSM ? "of-rsm" : "of-main"; }

/* Length of the prefix before the first occurrence of `pat` (the whole string when absent). */
static size_t before(const char *s, size_t n, const char *pat) {
  size_t m = strlen(pat);
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(s + i, pat, m) == 0) return i;
  return n;
}

char *postprocess_stem_okvqa(const char *text, void *ctx, char *err, size_t err_size) {
  const char *st = okvqa_stemmer_stem((okvqa_stemmer *)ctx, text, err, err_size);
  if (!st) return NULL;
  char *out = strdup(st);
  if (!out && err) snprintf(err, err_size, "postprocess: out of memory");
  return out;
}

char *postprocess_vqa(const char *generation, postprocess_vqa_cut cut) {
  size_t n = strlen(generation);
  /* re.split("Question|Answer|Short", s, 1)[0]: the leftmost match of any alternative. */
  size_t q = before(generation, n, "Question"), a = before(generation, n, "Answer"), s = before(generation, n, "Short");
  n = q < a ? q : a;
  n = n < s ? n : s;
  if (cut == POSTPROCESS_VQA_OF_RSM) n = before(generation, n, ". ");
  n = before(generation, n, ", ");
  char *out = malloc(n + 1);
  if (!out) return NULL;
  memcpy(out, generation, n);
  out[n] = '\0';
  return out;
}

char *postprocess_caption(const char *generation) {
  size_t n = before(generation, strlen(generation), "Output");
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (generation[i] != '"') out[k++] = generation[i];
  out[k] = '\0';
  return out;
}

char *postprocess_apply(dataset_task task, postprocess_vqa_cut cut, const char *generation, postprocess_stem_fn stem,
                        void *stem_ctx, int *stemmed, char *err, size_t err_size) {
  if (stemmed) *stemmed = 0;
  char *out = dataset_task_kind(task) == DATASET_KIND_VQA ? postprocess_vqa(generation, cut) : postprocess_caption(generation);
  if (!out) {
    if (err) snprintf(err, err_size, "postprocess: out of memory");
    return NULL;
  }
  if (task == DATASET_OKVQA && stem) {
    char *st = stem(out, stem_ctx, err, err_size);
    free(out);
    if (!st) return NULL;
    if (stemmed) *stemmed = 1;
    return st;
  }
  return out;
}
