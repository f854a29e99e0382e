/* tokenizer.c - encode (text -> ids) and decode (ids -> text) over a loaded tokenizer
 * (tokenizer_load.c), following Hugging Face tokenizers step by step:
 *
 *   encode: added tokens are found in the raw text, leftmost-longest (lstrip / rstrip widen a
 *   match over Unicode White_Space); every non-empty text between them is normalised on its own
 *   (Prepend "▁", Replace " " -> "▁") and run through BPE; the post-processor's ids go around.
 *   BPE: one symbol per character (byte tokens <0xXX> for characters outside the vocabulary, unk
 *   otherwise), then repeatedly merge the adjacent pair of lowest merge rank, leftmost first.
 *   A long segment is cut before every "▁" that follows another character when no token could
 *   span such a cut (checked at load: tok->split_words), which gives the same ids and keeps words
 *   short; words of up to tok->naive_max symbols merge by scanning, longer ones through a binary
 *   heap with lazy deletion (O(n log n)), so a 1 MB text without spaces costs the same per byte.
 *
 *   decode: each id's string with "▁" -> " ", runs of byte tokens fused into UTF-8 (one U+FFFD per
 *   byte when a run is not valid UTF-8), everything concatenated, then Strip (one leading space).
 *
 * Nothing here writes to the tokenizer: every call owns its scratch, so calls may run in parallel. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "tokenizer_impl.h"

/* The first occurrence of needle[0..nn) (nn > 0) in hay[0..nh), or NULL. */
static const char *find_bytes(const char *hay, size_t nh, const char *needle, size_t nn) {
  if (nn > nh) return NULL;
  const char *end = hay + (nh - nn) + 1;
  for (const char *p = hay; p < end; p++) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p) return NULL;
    if (memcmp(p, needle, nn) == 0) return p;
  }
  return NULL;
}

/* ---- lookups ---- */

int32_t tokenizer_token_to_id(const tokenizer *tok, const char *token) {
  size_t n = strlen(token);
  for (int i = 0; i < tok->n_added; i++)
    if (tok->added[i].len == n && memcmp(tok->added[i].content, token, n) == 0) return tok->added[i].id;
  return tok_vocab_find(tok, token, n);
}

const char *tokenizer_id_to_token(const tokenizer *tok, int32_t id) {
  if (id < 0 || id >= tok->n_vocab || tok->piece_off[id] == SIZE_MAX) return NULL;
  return tok->arena + tok->piece_off[id];
}

int32_t tokenizer_vocab_size(const tokenizer *tok) { return tok->n_vocab; }

int tokenizer_is_special(const tokenizer *tok, int32_t id) {
  return id >= 0 && id < tok->n_vocab && tok->special[id];
}

int32_t tokenizer_role_id(const tokenizer *tok, tokenizer_role role) {
  return (role >= 0 && role < TOKENIZER_N_ROLES) ? tok->role_id[role] : -1;
}

/* ---- encode: per-call state ---- */

typedef struct {
  int32_t rank, pos, new_id;
} heap_entry;

typedef struct {
  const tokenizer *tok;
  /* output: a growable array (grow = 1) or the caller's buffer (grow = 0; n counts past cap) */
  int32_t *ids;
  size_t n, cap;
  int grow;
  int failed; /* out of memory */
  /* normalised segment (two buffers: ping-pong between normaliser steps) */
  char *buf[2];
  size_t buf_cap[2];
  /* BPE symbols: id, neighbours; pair ranks for the scan; heap */
  int32_t *sym, *prev, *next, *rank, *new_id;
  size_t sym_cap;
  heap_entry *heap;
  size_t heap_cap;
} enc_state;

static void enc_free(enc_state *st) {
  free(st->buf[0]);
  free(st->buf[1]);
  free(st->sym);
  free(st->prev);
  free(st->next);
  free(st->rank);
  free(st->new_id);
  free(st->heap);
}

static void emit(enc_state *st, int32_t id) {
  if (st->n == st->cap && st->grow) {
    size_t cap = st->cap ? st->cap * 2 : 64;
    int32_t *nids = realloc(st->ids, cap * sizeof *nids);
    if (!nids) { st->failed = 1; return; }
    st->ids = nids;
    st->cap = cap;
  }
  if (st->n < st->cap) st->ids[st->n] = id;
  st->n++;
}

static int reserve(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *np = realloc(*p, c * elem);
  if (!np) return -1;
  *p = np;
  *cap = c;
  return 0;
}

static int reserve_symbols(enc_state *st, size_t m) {
  if (m <= st->sym_cap) return 0;
  size_t c = st->sym_cap ? st->sym_cap : 64;
  while (c < m) c *= 2;
  int32_t **arrs[] = {&st->sym, &st->prev, &st->next, &st->rank, &st->new_id};
  for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
    int32_t *np = realloc(*arrs[i], c * sizeof(int32_t));
    if (!np) return -1;
    *arrs[i] = np;
  }
  st->sym_cap = c;
  return 0;
}

/* ---- BPE on one word ---- */

/* Lowest rank first, then leftmost: the order of tokenizers' Merge. */
static inline int heap_less(const heap_entry *a, const heap_entry *b) {
  return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void heap_push(heap_entry *h, size_t *n, heap_entry e) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!heap_less(&e, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

static heap_entry heap_pop(heap_entry *h, size_t *n) {
  heap_entry top = h[0], last = h[--*n];
  size_t i = 0, cnt = *n;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= cnt) break;
    if (c + 1 < cnt && heap_less(&h[c + 1], &h[c])) c++;
    if (!heap_less(&h[c], &last)) break;
    h[i] = h[c];
    i = c;
  }
  if (cnt) h[i] = last;
  return top;
}

/* Merges st->sym[0..m) with a heap (tokenizers' Word::merge_all); emits the result. */
static void merge_heap(enc_state *st, int32_t m) {
  const tokenizer *tok = st->tok;
  int32_t *sym = st->sym, *prev = st->prev, *next = st->next;
  /* each merge pushes at most two entries: 3m bounds the heap */
  if (reserve((void **)&st->heap, &st->heap_cap, (size_t)m * 3 + 1, sizeof(heap_entry)) != 0) {
    st->failed = 1;
    return;
  }
  heap_entry *h = st->heap;
  size_t nh = 0;
  for (int32_t i = 0; i < m; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < m ? i + 1 : -1;
  }
  for (int32_t i = 0; i + 1 < m; i++) {
    const tok_merge_slot *mg = tok_merge_find(tok, sym[i], sym[i + 1]);
    if (mg) heap_push(h, &nh, (heap_entry){mg->rank, i, mg->new_id});
  }
  /* sym[i] < 0 marks a symbol merged into its left neighbour */
  while (nh > 0) {
    heap_entry top = heap_pop(h, &nh);
    int32_t pos = top.pos;
    if (sym[pos] < 0 || next[pos] < 0) continue;
    int32_t right = next[pos];
    const tok_merge_slot *mg = tok_merge_find(tok, sym[pos], sym[right]);
    if (!mg || mg->new_id != top.new_id) continue; /* stale entry */
    sym[pos] = top.new_id;
    sym[right] = -1;
    next[pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = pos;
    if (prev[pos] >= 0) {
      const tok_merge_slot *l = tok_merge_find(tok, sym[prev[pos]], sym[pos]);
      if (l) heap_push(h, &nh, (heap_entry){l->rank, prev[pos], l->new_id});
    }
    if (next[pos] >= 0) {
      const tok_merge_slot *r = tok_merge_find(tok, sym[pos], sym[next[pos]]);
      if (r) heap_push(h, &nh, (heap_entry){r->rank, pos, r->new_id});
    }
  }
  for (int32_t i = 0; i >= 0; i = next[i]) emit(st, sym[i]);
}

/* Merges st->sym[0..m) by repeatedly scanning for the lowest-rank pair (leftmost on ties): the same
 * result as merge_heap, faster for short words. Emits the result. */
static void merge_scan(enc_state *st, int32_t m) {
  const tokenizer *tok = st->tok;
  int32_t *sym = st->sym, *rank = st->rank, *nid = st->new_id;
  for (int32_t i = 0; i + 1 < m; i++) {
    const tok_merge_slot *mg = tok_merge_find(tok, sym[i], sym[i + 1]);
    rank[i] = mg ? mg->rank : INT32_MAX;
    nid[i] = mg ? mg->new_id : -1;
  }
  while (m > 1) {
    int32_t best = 0;
    for (int32_t i = 1; i + 1 < m; i++)
      if (rank[i] < rank[best]) best = i;
    if (rank[best] == INT32_MAX) break;
    sym[best] = nid[best];
    /* drop symbol best+1 and pair best+1 (the pair best takes the place of pair best+1's right) */
    size_t tail = (size_t)(m - best - 2);
    memmove(sym + best + 1, sym + best + 2, tail * sizeof *sym);
    memmove(rank + best, rank + best + 1, tail * sizeof *rank);
    memmove(nid + best, nid + best + 1, tail * sizeof *nid);
    m--;
    if (best > 0) {
      const tok_merge_slot *l = tok_merge_find(tok, sym[best - 1], sym[best]);
      rank[best - 1] = l ? l->rank : INT32_MAX;
      nid[best - 1] = l ? l->new_id : -1;
    }
    if (best + 1 < m) {
      const tok_merge_slot *r = tok_merge_find(tok, sym[best], sym[best + 1]);
      rank[best] = r ? r->rank : INT32_MAX;
      nid[best] = r ? r->new_id : -1;
    }
  }
  for (int32_t i = 0; i < m; i++) emit(st, sym[i]);
}

/* BPE of one word s[0..n) (valid UTF-8, n > 0): tokenizers' BPE::merge_word + merge_all. */
static void bpe_word(enc_state *st, const char *s, size_t n) {
  const tokenizer *tok = st->tok;
  if (tok->use_whole) {
    int32_t id = tok_vocab_find(tok, s, n);
    if (id >= 0 && tok->whole[id]) { emit(st, id); return; }
  }
  /* at most one symbol per byte */
  if (reserve_symbols(st, n) != 0) { st->failed = 1; return; }
  int32_t *sym = st->sym, m = 0;
  int32_t unk = -1; /* a pending (fused) unk symbol */
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int len = tok_utf8_next(u + i, n - i, &cp);
    int32_t id = cp < TOK_CHAR_TABLE ? tok->char_id[cp] : tok_vocab_find(tok, s + i, (size_t)len);
    if (id >= 0) {
      if (unk >= 0) { sym[m++] = unk; unk = -1; }
      sym[m++] = id;
    } else {
      int all = tok->byte_fallback;
      for (int k = 0; all && k < len; k++) all = tok->byte_id[u[i + k]] >= 0;
      if (all) {
        /* as tokenizers: byte tokens go in even while an unk is pending (it follows them) */
        for (int k = 0; k < len; k++) sym[m++] = tok->byte_id[u[i + k]];
      } else if (tok->unk_id >= 0) {
        if (unk >= 0 && !tok->fuse_unk) sym[m++] = unk;
        unk = tok->unk_id;
      }
      /* no unk token: tokenizers drops the character */
    }
    i += (size_t)len;
  }
  if (unk >= 0) sym[m++] = unk;
  if (m <= tok->naive_max) merge_scan(st, m);
  else merge_heap(st, m);
}

int tok_bpe_single(const tokenizer *tok, const char *s, size_t n, int32_t *id) {
  int32_t out[2];
  enc_state st = {0};
  st.tok = tok;
  st.ids = out;
  st.cap = 2;
  bpe_word(&st, s, n); /* called while tok->use_whole is still 0 */
  enc_free(&st);
  if (st.failed) return -1;
  if (st.n != 1) return 0;
  *id = out[0];
  return 1;
}

/* ---- normalise + BPE of one text segment ---- */

/* Applies the normaliser steps to seg[0..n) (n > 0); returns the result (in st->buf) and its length. */
static const char *normalize(enc_state *st, const char *seg, size_t n, size_t *out_n) {
  const tokenizer *tok = st->tok;
  const char *cur = seg;
  size_t cur_n = n;
  int which = 0;
  for (int k = 0; k < tok->n_norm; k++) {
    const tok_norm_op *op = &tok->norm[k];
    if (op->kind == TOK_NORM_PREPEND) {
      if (cur_n == 0) continue; /* Prepend leaves an empty text alone */
      if (reserve((void **)&st->buf[which], &st->buf_cap[which], op->a_len + cur_n, 1) != 0) goto oom;
      memcpy(st->buf[which], op->a, op->a_len);
      memmove(st->buf[which] + op->a_len, cur, cur_n);
      cur_n += op->a_len;
    } else {
      /* count matches first to size the output */
      size_t hits = 0;
      const char *p = cur, *end = cur + cur_n;
      if (op->a_len == 1) {
        while ((p = memchr(p, op->a[0], (size_t)(end - p))) != NULL) { hits++; p++; }
      } else {
        while ((p = find_bytes(p, (size_t)(end - p), op->a, op->a_len)) != NULL) {
          hits++;
          p += op->a_len;
        }
      }
      if (hits == 0) continue;
      size_t out_len = cur_n - hits * op->a_len + hits * op->b_len;
      if (reserve((void **)&st->buf[which], &st->buf_cap[which], out_len, 1) != 0) goto oom;
      char *o = st->buf[which];
      p = cur;
      while (p < end) {
        const char *hit = op->a_len == 1 ? memchr(p, op->a[0], (size_t)(end - p))
                                         : find_bytes(p, (size_t)(end - p), op->a, op->a_len);
        if (!hit) break;
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, op->b, op->b_len);
        o += op->b_len;
        p = hit + op->a_len;
      }
      memcpy(o, p, (size_t)(end - p));
      cur_n = out_len;
    }
    cur = st->buf[which];
    which ^= 1;
  }
  *out_n = cur_n;
  return cur;
oom:
  st->failed = 1;
  *out_n = 0;
  return NULL;
}

static void encode_segment(enc_state *st, const char *seg, size_t n) {
  const tokenizer *tok = st->tok;
  if (n == 0) return;
  size_t len;
  const char *s = normalize(st, seg, n, &len);
  if (!s || len == 0) return;
  if (tok->ignore_merges) {
    int32_t id = tok_vocab_find(tok, s, len);
    if (id >= 0) { emit(st, id); return; }
  }
  if (!tok->split_words) {
    bpe_word(st, s, len);
    return;
  }
  /* cut before each "▁" (E2 96 81) that follows a character other than "▁" */
  size_t start = 0, i = 0;
  while (i + 3 <= len) {
    const char *hit = memchr(s + i, 0xE2, len - i);
    if (!hit || (size_t)(hit - s) + 3 > len) break;
    size_t at = (size_t)(hit - s);
    if ((unsigned char)hit[1] == 0x96 && (unsigned char)hit[2] == 0x81) {
      if (at > start && !(at >= 3 && (unsigned char)s[at - 3] == 0xE2 && (unsigned char)s[at - 2] == 0x96 &&
                           (unsigned char)s[at - 1] == 0x81)) {
        bpe_word(st, s + start, at - start);
        start = at;
      }
      i = at + 3;
    } else {
      i = at + 1;
    }
  }
  if (start < len) bpe_word(st, s + start, len - start);
}

/* ---- added-token split (tokenizers' AddedVocabulary::find_matches) ---- */

/* The longest added token starting at text[i] (NULL when none). */
static const tok_added *match_at(const tokenizer *tok, const char *text, size_t n, size_t i) {
  const tok_added *best = NULL;
  for (int k = 0; k < tok->n_added; k++) {
    const tok_added *a = &tok->added[k];
    if (a->len <= n - i && (!best || a->len > best->len) && memcmp(text + i, a->content, a->len) == 0) best = a;
  }
  return best;
}

/* Start of the run of White_Space characters that ends at text[end] (valid UTF-8). */
static size_t white_space_before(const char *text, size_t end) {
  const unsigned char *u = (const unsigned char *)text;
  size_t i = end;
  while (i > 0) {
    size_t j = i - 1;
    while (j > 0 && (u[j] & 0xC0) == 0x80) j--;
    uint32_t cp;
    tok_utf8_next(u + j, i - j, &cp);
    if (!tok_is_white_space(cp)) break;
    i = j;
  }
  return i;
}

/* End of the run of White_Space characters that starts at text[start]. */
static size_t white_space_after(const char *text, size_t n, size_t start) {
  const unsigned char *u = (const unsigned char *)text;
  size_t i = start;
  while (i < n) {
    uint32_t cp;
    int len = tok_utf8_next(u + i, n - i, &cp);
    if (!tok_is_white_space(cp)) break;
    i += (size_t)len;
  }
  return i;
}

static int encode_all(enc_state *st, const char *text, size_t n, char *err, size_t err_size) {
  const tokenizer *tok = st->tok;
  const unsigned char *u = (const unsigned char *)text;
  for (size_t i = 0; i < n;) {
    if (u[i] < 0x80) { i++; continue; }
    int len = tok_utf8_valid_len(u + i, n - i);
    if (!len) {
      set_err(err, err_size, "text: invalid UTF-8 at byte %zu", i);
      return -1;
    }
    i += (size_t)len;
  }
  for (int k = 0; k < tok->n_prefix; k++) emit(st, tok->prefix[k]);
  size_t start_offset = 0, pos = 0;
  while (tok->n_added > 0 && pos < n) {
    const tok_added *a = NULL;
    size_t at = pos;
    for (; at < n; at++)
      if (tok->added_first[u[at]] && (a = match_at(tok, text, n, at)) != NULL) break;
    if (!a) break;
    size_t start = at, stop = at + a->len;
    pos = stop; /* the search goes on after the match itself, as the automaton's does */
    if (a->lstrip) {
      size_t s2 = white_space_before(text, start);
      start = s2 > start_offset ? s2 : start_offset;
    }
    if (a->rstrip) stop = white_space_after(text, n, stop);
    if (start_offset < start) encode_segment(st, text + start_offset, start - start_offset);
    emit(st, a->id);
    start_offset = stop;
  }
  if (start_offset < n) encode_segment(st, text + start_offset, n - start_offset);
  for (int k = 0; k < tok->n_suffix; k++) emit(st, tok->suffix[k]);
  if (st->failed) {
    set_err(err, err_size, "text: out of memory while encoding %zu bytes", n);
    return -1;
  }
  return 0;
}

int32_t *tokenizer_encode(const tokenizer *tok, const char *text, size_t n_text, size_t *n_ids,
                          char *err, size_t err_size) {
  enc_state st = {0};
  st.tok = tok;
  st.grow = 1;
  *n_ids = 0;
  int rc = encode_all(&st, text, n_text, err, err_size);
  enc_free(&st);
  if (rc != 0) {
    free(st.ids);
    return NULL;
  }
  if (!st.ids && !(st.ids = malloc(sizeof(int32_t)))) {
    set_err(err, err_size, "text: out of memory");
    return NULL;
  }
  *n_ids = st.n;
  return st.ids;
}

int tokenizer_encode_into(const tokenizer *tok, const char *text, size_t n_text, int32_t *ids,
                          size_t cap, size_t *n_ids, char *err, size_t err_size) {
  enc_state st = {0};
  st.tok = tok;
  st.ids = ids;
  st.cap = cap;
  *n_ids = 0;
  int rc = encode_all(&st, text, n_text, err, err_size);
  enc_free(&st);
  if (rc != 0) return rc;
  *n_ids = st.n;
  if (st.n > cap) {
    set_err(err, err_size, "text: %zu ids do not fit in a buffer of %zu", st.n, cap);
    return 1;
  }
  return 0;
}

/* ---- decode ---- */

typedef struct {
  char *s;
  size_t n, cap;
  int failed;
} strbuf;

static void sb_add(strbuf *b, const void *p, size_t n) {
  if (b->failed) return;
  if (reserve((void **)&b->s, &b->cap, b->n + n + 1, 1) != 0) { b->failed = 1; return; }
  memcpy(b->s + b->n, p, n);
  b->n += n;
}

/* ByteFallback's flush: the pending bytes as text when they are valid UTF-8, else one U+FFFD each. */
static void flush_bytes(strbuf *out, const unsigned char *bytes, size_t n) {
  size_t i = 0;
  while (i < n) {
    int len = tok_utf8_valid_len(bytes + i, n - i);
    if (!len) break;
    i += (size_t)len;
  }
  if (i == n) {
    sb_add(out, bytes, n);
  } else {
    for (size_t k = 0; k < n; k++) sb_add(out, "\xEF\xBF\xBD", 3);
  }
}

char *tokenizer_decode(const tokenizer *tok, const int32_t *ids, size_t n_ids, int skip_special,
                       size_t *n_text, char *err, size_t err_size) {
  strbuf out = {0};
  unsigned char *pending = NULL;
  size_t n_pending = 0;
  if (n_text) *n_text = 0;
  if (n_ids && !(pending = malloc(n_ids))) goto oom;
  for (size_t k = 0; k < n_ids; k++) {
    int32_t id = ids[k];
    if (id < 0 || id >= tok->n_vocab || tok->piece_off[id] == SIZE_MAX) {
      set_err(err, err_size, "ids[%zu]: %d is not a token id (vocabulary size %d)", k, id, tok->n_vocab);
      free(pending);
      free(out.s);
      return NULL;
    }
    if (skip_special && tok->special[id]) continue;
    if (tok->byte_of[id] >= 0) {
      pending[n_pending++] = (unsigned char)tok->byte_of[id];
      continue;
    }
    if (n_pending) { flush_bytes(&out, pending, n_pending); n_pending = 0; }
    const char *p = tok->arena + tok->piece_off[id], *end = p + tok->piece_len[id];
    while (tok->dec_from && p < end) {
      const char *hit = find_bytes(p, (size_t)(end - p), tok->dec_from, tok->dec_from_len);
      if (!hit) break;
      sb_add(&out, p, (size_t)(hit - p));
      sb_add(&out, tok->dec_to, tok->dec_to_len);
      p = hit + tok->dec_from_len;
    }
    sb_add(&out, p, (size_t)(end - p));
  }
  if (n_pending) flush_bytes(&out, pending, n_pending);
  free(pending);
  pending = NULL;
  sb_add(&out, "", 0); /* ensure a buffer with room for the NUL */
  if (out.failed) goto oom;
  /* Strip: up to strip_start leading and strip_stop trailing copies of strip_char */
  if (tok->strip_start > 0 || tok->strip_stop > 0) {
    char c[4];
    int cl;
    uint32_t cp = tok->strip_char;
    if (cp < 0x80) { c[0] = (char)cp; cl = 1; }
    else if (cp < 0x800) { c[0] = (char)(0xC0 | (cp >> 6)); c[1] = (char)(0x80 | (cp & 0x3F)); cl = 2; }
    else if (cp < 0x10000) {
      c[0] = (char)(0xE0 | (cp >> 12)); c[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); c[2] = (char)(0x80 | (cp & 0x3F)); cl = 3;
    } else {
      c[0] = (char)(0xF0 | (cp >> 18)); c[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
      c[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); c[3] = (char)(0x80 | (cp & 0x3F)); cl = 4;
    }
    size_t head = 0, tail = out.n;
    for (int k = 0; k < tok->strip_start && head + (size_t)cl <= tail && memcmp(out.s + head, c, (size_t)cl) == 0; k++)
      head += (size_t)cl;
    for (int k = 0; k < tok->strip_stop && tail >= head + (size_t)cl && memcmp(out.s + tail - cl, c, (size_t)cl) == 0; k++)
      tail -= (size_t)cl;
    memmove(out.s, out.s + head, tail - head);
    out.n = tail - head;
  }
  out.s[out.n] = '\0';
  if (n_text) *n_text = out.n;
  return out.s;
oom:
  free(pending);
  free(out.s);
  set_err(err, err_size, "ids: out of memory while decoding %zu ids", n_ids);
  return NULL;
}
