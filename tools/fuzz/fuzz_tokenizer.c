/* fuzz_tokenizer.c - libFuzzer target for the tokenizer's encode and decode (model/tokenizer.c).
 *
 * Loads the real xGen-MM tokenizer once (tests/fixtures/xgenmm) and feeds arbitrary bytes as text:
 *   - invalid UTF-8 must be refused (and only invalid UTF-8);
 *   - every id is in range, and the same ids come out of the heap-only BPE and without word cuts;
 *   - decode of the ids succeeds, with and without skip_special;
 *   - decode(encode(x)) == x when x holds no added token and no U+2581 (the only cases where the
 *     tokenizer loses information);
 *   - the input read as little-endian int32 ids decodes without a crash.
 * Built only with -DFEWSHOT_FUZZ=ON and CC=clang:
 *
 *   build-fuzz/fuzz_tokenizer CORPUS_DIR -max_total_time=300 -max_len=2048 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "tokenizer_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_utf8(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    int l = tok_utf8_valid_len(s + i, n - i);
    if (!l) return 0;
    i += (size_t)l;
  }
  return 1;
}

static int lossless(const tokenizer *tok, const char *s, size_t n) {
  for (size_t i = 0; i + 3 <= n; i++)
    if (memcmp(s + i, "\xE2\x96\x81", 3) == 0) return 0;
  for (int k = 0; k < tok->n_added; k++)
    for (size_t i = 0; i + tok->added[k].len <= n; i++)
      if (memcmp(s + i, tok->added[k].content, tok->added[k].len) == 0) return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static tokenizer *tok; /* loaded once per fuzzing process */
  char err[256];
  if (!tok) {
    tok = tokenizer_load(FEWSHOT_SOURCE_DIR "/tests/fixtures/xgenmm", TOKENIZER_ADD_XGENMM_TOKENS, err, sizeof err);
    if (!tok) { fprintf(stderr, "%s\n", err); abort(); }
  }
  char *text = malloc(size ? size : 1); /* exactly `size` bytes, so ASan sees reads past the end */
  if (!text) return 0;
  if (size) memcpy(text, data, size);
  size_t n = 0;
  int32_t *ids = tokenizer_encode(tok, text, size, &n, err, sizeof err);
  if (!ids) {
    if (valid_utf8(data, size)) abort(); /* valid text must encode */
  } else {
    if (!valid_utf8(data, size)) abort();
    if (n > 2 * size + 8) abort(); /* the documented bound of tokenizer_encode_into */
    for (size_t i = 0; i < n; i++)
      if (ids[i] < 0 || ids[i] >= tokenizer_vocab_size(tok)) abort();
    /* the other BPE paths give the same ids (the fuzzer is single-threaded) */
    int saved_naive = tok->naive_max, saved_split = tok->split_words, saved_whole = tok->use_whole;
    tok->naive_max = 0;
    tok->split_words = 0;
    tok->use_whole = 0;
    size_t n2 = 0;
    int32_t *ids2 = tokenizer_encode(tok, text, size, &n2, err, sizeof err);
    tok->naive_max = saved_naive;
    tok->split_words = saved_split;
    tok->use_whole = saved_whole;
    if (!ids2 || n2 != n || (n && memcmp(ids, ids2, n * sizeof *ids) != 0)) abort();
    free(ids2);
    size_t len = 0;
    char *back = tokenizer_decode(tok, ids, n, 0, &len, err, sizeof err);
    if (!back) abort();
    if (lossless(tok, text, size) && (len != size || memcmp(back, text, size) != 0)) abort();
    free(back);
    back = tokenizer_decode(tok, ids, n, 1, &len, err, sizeof err);
    if (!back) abort();
    free(back);
  }
  free(ids);
  /* the same bytes as ids: in-range ones decode, out-of-range ones are refused */
  size_t m = size / 4;
  int32_t *raw = malloc((m ? m : 1) * sizeof *raw);
  if (raw) {
    int in_range = 1;
    for (size_t i = 0; i < m; i++) {
      uint32_t v = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 | (uint32_t)data[4 * i + 2] << 16 |
                   (uint32_t)(data[4 * i + 3] & 0x7F) << 24;
      raw[i] = (int32_t)(v % 40000u); /* mostly valid ids, some above the vocabulary */
      if (raw[i] >= tokenizer_vocab_size(tok)) in_range = 0;
    }
    char *back = tokenizer_decode(tok, raw, m, (int)(size & 1), NULL, err, sizeof err);
    if ((back != NULL) != in_range) abort();
    free(back);
    free(raw);
  }
  free(text);
  return 0;
}
