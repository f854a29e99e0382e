/* tokenizer_impl.h - the insides of a loaded tokenizer, shared by tokenizer_load.c (files -> tables)
 * and tokenizer.c (encode, decode). Not part of the public API: only these two files and the
 * tokenizer's own tests include it. Everything here is filled at load time and read-only after. */
#ifndef FEWSHOT_TOKENIZER_IMPL_H
#define FEWSHOT_TOKENIZER_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tokenizer.h"

#define TOK_MAX_NORM_OPS 8   /* normaliser steps accepted in a Sequence */
#define TOK_MAX_TEMPLATE 3   /* special tokens before / after the text in the post-processor */
#define TOK_CHAR_TABLE 65536 /* single-character tokens below U+10000 are looked up directly */

/* One merge of model.merges: the pair (left id, right id) -> its rank and the merged token's id. */
typedef struct {
  uint64_t key; /* ((uint64_t)left << 32) | right; TOK_EMPTY_KEY when the slot is free */
  int32_t rank; /* position in model.merges: lower merges first */
  int32_t new_id;
} tok_merge_slot;
#define TOK_EMPTY_KEY UINT64_MAX

/* One added token (tokenizer.json added_tokens, plus the ones added at load). */
typedef struct {
  char *content; /* owned, NUL-terminated */
  size_t len;    /* bytes of content (> 0) */
  int32_t id;
  unsigned char lstrip, rstrip, special;
} tok_added;

/* One normaliser step. */
typedef enum { TOK_NORM_PREPEND, TOK_NORM_REPLACE } tok_norm_kind;
typedef struct {
  tok_norm_kind kind;
  char *a; /* PREPEND: the text prepended; REPLACE: the pattern (non-empty) */
  size_t a_len;
  char *b; /* REPLACE: the replacement */
  size_t b_len;
} tok_norm_op;

struct tokenizer {
  /* ---- ids and their strings ---- */
  int32_t n_vocab;       /* 1 + largest id over model vocab and added tokens */
  int32_t n_model_vocab; /* entries of model.vocab */
  char *arena;           /* NUL-terminated strings of all tokens, back to back */
  size_t *piece_off;     /* [n_vocab] offset of id's string in arena, SIZE_MAX when id has none */
  uint32_t *piece_len;   /* [n_vocab] byte length of id's string */
  unsigned char *special;   /* [n_vocab] 1 when the id's string is a special added token */
  int16_t *byte_of;      /* [n_vocab] b for a "<0xBB>" token (ByteFallback decode), else -1 */

  /* ---- model.vocab lookup: string -> id (open addressing, -1 empty) ---- */
  int32_t *vocab_hash;
  uint32_t vocab_mask;
  int32_t *char_id;      /* [TOK_CHAR_TABLE] id of the one-character token for a code point, -1 */
  int32_t byte_id[256];  /* id of "<0xBB>", -1 when absent */

  /* ---- model.merges: (left, right) -> (rank, new id) ---- */
  tok_merge_slot *merges;
  uint32_t merge_mask;

  /* ---- BPE options (model.*) ---- */
  int32_t unk_id;        /* id of model.unk_token, -1 when none */
  int byte_fallback, fuse_unk, ignore_merges;
  int split_words;       /* 1: no token has "▁" right after another character, so a word can be
                            cut before every "▁" that follows a non-"▁" character (exact) */
  int naive_max;         /* words of at most this many symbols use the quadratic scan; longer
                            ones the heap (both give the same result; tests set 0 to check) */
  unsigned char *whole;  /* [n_model_vocab] 1 when BPE of the token's own string gives just that
                            token: a word equal to it is emitted without merging (exact, and most
                            English words are such tokens) */
  int use_whole;         /* 1: use `whole` (tests set 0 to run every word through the merges) */

  /* ---- added tokens ---- */
  tok_added *added;
  int n_added;
  unsigned char added_first[256]; /* 1 when some added token starts with this byte */

  /* ---- normaliser ---- */
  tok_norm_op norm[TOK_MAX_NORM_OPS];
  int n_norm;

  /* ---- post-processor ---- */
  int32_t prefix[TOK_MAX_TEMPLATE], suffix[TOK_MAX_TEMPLATE];
  int n_prefix, n_suffix;

  /* ---- decoder: Replace(dec_from -> dec_to), ByteFallback, Fuse, Strip(strip_char, start, stop) ---- */
  char *dec_from, *dec_to;
  size_t dec_from_len, dec_to_len;
  uint32_t strip_char;   /* a code point */
  int strip_start, strip_stop;

  int32_t role_id[TOKENIZER_N_ROLES];
};

/* BPE of the word s[0..n) (valid UTF-8, n > 0) without the `whole` shortcut: returns 1 and sets
 * *id when the result is the single token *id, 0 when it is several tokens, -1 when out of memory.
 * tokenizer_load.c fills `whole` with it (tokenizer.c). */
int tok_bpe_single(const tokenizer *tok, const char *s, size_t n, int32_t *id);

/* ---- small helpers shared by both files ---- */

/* Decodes the UTF-8 character at s[0..n) (n >= 1, s valid UTF-8) into *cp; returns its length. */
static inline int tok_utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned c = s[0];
  if (c < 0x80 || n < 2) { *cp = c; return 1; }
  if (c < 0xE0) { *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu); return 2; }
  if (c < 0xF0 || n < 4) {
    *cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return 3;
  }
  *cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
  return 4;
}

/* Length of the valid UTF-8 character at s[0..n), or 0 when it is not one (overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences are rejected, as Rust's str). */
static inline int tok_utf8_valid_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* Unicode White_Space (Rust's char::is_whitespace and regex \s, which rstrip / lstrip use). */
static inline int tok_is_white_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/* Hash of a byte string for the vocab table. */
static inline uint32_t tok_hash_bytes(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return (uint32_t)(h ^ (h >> 32));
}

/* Hash of a merge key for the merges table. */
static inline uint32_t tok_hash_pair(uint64_t key) {
  return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32);
}

/* The id of model-vocab string s[0..n), or -1. */
static inline int32_t tok_vocab_find(const tokenizer *tok, const char *s, size_t n) {
  uint32_t i = tok_hash_bytes(s, n) & tok->vocab_mask;
  for (;;) {
    int32_t id = tok->vocab_hash[i];
    if (id < 0) return -1;
    if (tok->piece_len[id] == n && memcmp(tok->arena + tok->piece_off[id], s, n) == 0) return id;
    i = (i + 1) & tok->vocab_mask;
  }
}

/* The merge of (left, right), or NULL when the pair does not merge. */
static inline const tok_merge_slot *tok_merge_find(const tokenizer *tok, int32_t left, int32_t right) {
  uint64_t key = ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
  uint32_t i = tok_hash_pair(key) & tok->merge_mask;
  for (;;) {
    const tok_merge_slot *m = &tok->merges[i];
    if (m->key == key) return m;
    if (m->key == TOK_EMPTY_KEY) return NULL;
    i = (i + 1) & tok->merge_mask;
  }
}

#endif
