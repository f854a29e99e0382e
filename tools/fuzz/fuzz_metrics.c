/* fuzz_metrics.c - libFuzzer target for the text metrics and the JSON reader of `fewshot score`:
 *   - jdoc_parse on the raw bytes (any input: must parse or refuse, never crash);
 *   - for valid UTF-8 input, split at '\n' into strings and run: VQA scoring and normalisation in
 *     the three variants (first line the prediction, the rest answers), the PTB tokenizer on the
 *     whole text and on the lines as captions, CIDEr-D/BLEU/ROUGE-L (first line the candidate, the
 *     rest references), and the OK-VQA stemmer; results must be finite and within range.
 * Built only with -DFEWSHOT_FUZZ=ON and CC=clang:
 *
 *   build-fuzz/fuzz_metrics CORPUS_DIR -max_total_time=300 -max_len=4096 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caption.h"
#include "jdoc.h"
#include "okvqa.h"
#include "ptb.h"
#include "ustr.h"
#include "vqa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  const jval *root;
  jdoc *d = jdoc_parse((const char *)data, size, "fuzz", &root, err, sizeof err);
  jdoc_free(d);
  if (!ustr_valid_utf8((const char *)data, size) || memchr(data, 0, size)) return 0;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  const char *lines[64];
  size_t n = 0;
  char *copy = strdup(text);
  for (char *p = copy, *nl; n < 64; p = nl + 1) {
    lines[n++] = p;
    if (!(nl = strchr(p, '\n'))) break;
    *nl = '\0';
  }
  for (int v = 0; v < 3 && n >= 2; v++) {
    vqa_scorer *s = vqa_scorer_init((vqa_variant)v, err, sizeof err);
    vqa_result r;
    if (vqa_scorer_score(s, lines[0], lines + 1, n - 1, &r, err, sizeof err) == 0 &&
        !(r.accuracy >= 0.0 && r.accuracy <= 1.0))
      abort();
    for (size_t i = 0; i < n; i++)
      if (!vqa_scorer_normalize(s, lines[i], i > 0, err, sizeof err)) abort();
    vqa_scorer_free(s);
  }
  /* built once per process: the tables are immutable (a fuzz target may keep state; library code
   * may not) */
  static ptb_tokenizer *t;
  static okvqa_stemmer *st;
  if (!t) t = ptb_tokenizer_init(err, sizeof err);
  if (!st) st = okvqa_stemmer_init(err, sizeof err);
  char *out = ptb_tokenize_text(t, text, size, err, sizeof err);
  if (!out) abort();
  free(out);
  if (n >= 2) {
    caption_item item = {lines[0], lines + 1, n - 1};
    caption_scores per, corpus;
    if (caption_score_raw(t, &item, 1, &per, &corpus, err, sizeof err) == 0) {
      if (!isfinite(per.cider) || !isfinite(per.rouge_l) || !isfinite(per.bleu[3])) abort();
    }
    caption_item two[2] = {item, {lines[n - 1], lines, n - 1}};
    caption_scores per2[2];
    if (caption_score_tokenized(two, 2, per2, &corpus, err, sizeof err) == 0 && !isfinite(corpus.cider)) abort();
  }
  if (!okvqa_stemmer_stem(st, text, err, sizeof err)) abort();
  if (!okvqa_stemmer_postprocess(st, text, err, sizeof err)) abort();
  free(copy);
  free(text);
  return 0;
}
