/* tokenizer_load.c - reads a model directory's tokenizer files (tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json, added_tokens.json) with cJSON into the read-only tables of tokenizer_impl.h.
 *
 * The rules followed are those of Hugging Face `tokenizers` (deserialisation of tokenizer.json) and of
 * transformers' LlamaTokenizerFast (tokenizer_config.json, special_tokens_map.json), checked against
 * tokenizers 0.23.3 and transformers 4.41.1 (docs/tokenizer.md). Anything those files may say that
 * the encoder does not implement is refused here with an error naming the file and the item. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "fileio.h"
#include "tokenizer_impl.h"

#define TOK_MAX_FILE_BYTES ((size_t)1 << 30) /* 1 GiB: far above any tokenizer.json */
#define TOK_MAX_VOCAB 4000000                /* ids above this are refused as corrupt */

/* ---- errors ---- */

/* Writes a short printable rendering of s[0..n) (at most ~40 bytes, control bytes escaped) to out. */
static const char *show(const char *s, size_t n, char *out, size_t out_size) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 8 < out_size; i++) {
    unsigned char c = (unsigned char)s[i];
    if (i >= 40) { memcpy(out + o, "...", 3); o += 3; break; }
    if (c < 0x20 || c == 0x7F) o += (size_t)snprintf(out + o, out_size - o, "\\x%02X", c);
    else out[o++] = (char)c;
  }
  out[o] = '\0';
  return out;
}

/* ---- files ---- */

/* Parses JSON text; on a syntax error says where (line and column). */
static cJSON *parse_json(const char *path, const char *text, size_t len, char *err, size_t err_size) {
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!root) {
    size_t at = (end && end >= text && end <= text + len) ? (size_t)(end - text) : 0;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
      if (text[i] == '\n') { line++; col = 1; } else col++;
    }
    set_err(err, err_size, "%s: invalid JSON near line %zu, column %zu", path, line, col);
    return NULL;
  }
  return root;
}

/* Reads and parses a JSON file. Returns NULL on failure; *missing as in fileio_read_all. */
static cJSON *load_json(const char *path, int *missing, char *err, size_t err_size) {
  size_t len = 0;
  char *text = fileio_read_all(path, TOK_MAX_FILE_BYTES, &len, missing, err, err_size);
  if (!text) return NULL;
  cJSON *root = parse_json(path, text, len, err, err_size);
  free(text);
  return root;
}

/* ---- the tokenizer under construction ---- */

typedef struct {
  tokenizer *tok;
  size_t arena_len, arena_cap;
  int32_t piece_cap; /* entries allocated in piece_off / piece_len */
  int added_cap;
  const char *path;  /* file being read, for messages */
  char *err;
  size_t err_size;
} builder;

static int grow_pieces(builder *b, int32_t need) {
  tokenizer *tok = b->tok;
  if (need <= b->piece_cap) return 0;
  int32_t cap = b->piece_cap ? b->piece_cap : 1024;
  while (cap < need) cap *= 2;
  size_t *off = realloc(tok->piece_off, (size_t)cap * sizeof *off);
  if (!off) return -1;
  tok->piece_off = off;
  uint32_t *len = realloc(tok->piece_len, (size_t)cap * sizeof *len);
  if (!len) return -1;
  tok->piece_len = len;
  for (int32_t i = b->piece_cap; i < cap; i++) { off[i] = SIZE_MAX; len[i] = 0; }
  b->piece_cap = cap;
  return 0;
}

/* Appends s[0..n) + NUL to the arena as the string of `id`. */
static int set_piece(builder *b, int32_t id, const char *s, size_t n) {
  tokenizer *tok = b->tok;
  if (grow_pieces(b, id + 1) != 0) return -1;
  if (b->arena_len + n + 1 > b->arena_cap) {
    size_t cap = b->arena_cap ? b->arena_cap : 1 << 16;
    while (cap < b->arena_len + n + 1) cap *= 2;
    char *a = realloc(tok->arena, cap);
    if (!a) return -1;
    tok->arena = a;
    b->arena_cap = cap;
  }
  memcpy(tok->arena + b->arena_len, s, n);
  tok->arena[b->arena_len + n] = '\0';
  tok->piece_off[id] = b->arena_len;
  tok->piece_len[id] = (uint32_t)n;
  b->arena_len += n + 1;
  if (id >= tok->n_vocab) tok->n_vocab = id + 1;
  return 0;
}

static int oom(builder *b) {
  set_err(b->err, b->err_size, "%s: out of memory", b->path);
  return -1;
}

/* Optional boolean member: absent or null -> dflt; not a boolean -> error. */
static int get_bool(builder *b, const cJSON *obj, const char *where, const char *name, int dflt, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
  if (!v || cJSON_IsNull(v)) { *out = dflt; return 0; }
  if (!cJSON_IsBool(v)) {
    set_err(b->err, b->err_size, "%s: %s.%s: expected true or false", b->path, where, name);
    return -1;
  }
  *out = cJSON_IsTrue(v);
  return 0;
}

/* Required string member. */
static const char *get_string(builder *b, const cJSON *obj, const char *where, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
  if (!cJSON_IsString(v)) {
    set_err(b->err, b->err_size, "%s: %s: missing string '%s'", b->path, where, name);
    return NULL;
  }
  return v->valuestring;
}

static char *dup_bytes(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) { memcpy(d, s, n); d[n] = '\0'; }
  return d;
}

/* ---- model.vocab and model.merges ---- */

static int build_vocab(builder *b, const cJSON *vocab) {
  tokenizer *tok = b->tok;
  char buf[64];
  if (!cJSON_IsObject(vocab)) {
    set_err(b->err, b->err_size, "%s: model.vocab: missing or not an object", b->path);
    return -1;
  }
  int n = cJSON_GetArraySize(vocab);
  if (n <= 0 || n > TOK_MAX_VOCAB) {
    set_err(b->err, b->err_size, "%s: model.vocab: %d entries (expected 1..%d)", b->path, n, TOK_MAX_VOCAB);
    return -1;
  }
  tok->n_model_vocab = n;
  if (grow_pieces(b, n) != 0) return oom(b);
  uint32_t size = 1;
  while (size < (uint32_t)n * 2) size <<= 1;
  tok->vocab_hash = malloc((size_t)size * sizeof *tok->vocab_hash);
  if (!tok->vocab_hash) return oom(b);
  memset(tok->vocab_hash, 0xFF, (size_t)size * sizeof *tok->vocab_hash);
  tok->vocab_mask = size - 1;
  const cJSON *e;
  cJSON_ArrayForEach(e, vocab) {
    const char *s = e->string;
    size_t len = strlen(s);
    if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= n || e->valuedouble != (double)(int32_t)e->valuedouble) {
      set_err(b->err, b->err_size, "%s: model.vocab['%s']: id must be an integer in [0, %d) (ids are 0..N-1)",
              b->path, show(s, len, buf, sizeof buf), n);
      return -1;
    }
    int32_t id = (int32_t)e->valuedouble;
    if (tok->piece_off[id] != SIZE_MAX) {
      set_err(b->err, b->err_size, "%s: model.vocab['%s']: id %d is also used by '%s'", b->path,
              show(s, len, buf, sizeof buf), id, tok->arena + tok->piece_off[id]);
      return -1;
    }
    if (tok_vocab_find(tok, s, len) >= 0) {
      set_err(b->err, b->err_size, "%s: model.vocab: token '%s' appears twice", b->path, show(s, len, buf, sizeof buf));
      return -1;
    }
    if (set_piece(b, id, s, len) != 0) return oom(b);
    uint32_t h = tok_hash_bytes(s, len) & tok->vocab_mask;
    while (tok->vocab_hash[h] >= 0) h = (h + 1) & tok->vocab_mask;
    tok->vocab_hash[h] = id;
  }
  return 0;
}

static int build_merges(builder *b, const cJSON *merges) {
  tokenizer *tok = b->tok;
  char show_a[64], show_b[64];
  if (!cJSON_IsArray(merges)) {
    set_err(b->err, b->err_size, "%s: model.merges: missing or not an array", b->path);
    return -1;
  }
  int n = cJSON_GetArraySize(merges);
  uint32_t size = 1;
  while (size < (uint32_t)(n + 1) * 2) size <<= 1;
  tok->merges = malloc((size_t)size * sizeof *tok->merges);
  if (!tok->merges) return oom(b);
  for (uint32_t i = 0; i < size; i++) tok->merges[i].key = TOK_EMPTY_KEY;
  tok->merge_mask = size - 1;
  char *joined = NULL;
  size_t joined_cap = 0;
  int rank = 0, rc = -1;
  const cJSON *m;
  cJSON_ArrayForEach(m, merges) {
    const char *a, *bb;
    size_t a_len, b_len;
    if (cJSON_IsString(m)) {
      /* "left right": exactly one space, as tokenizers' convert_merges_to_hashmap requires */
      const char *s = m->valuestring, *sp = strchr(s, ' ');
      if (!sp || strchr(sp + 1, ' ')) {
        set_err(b->err, b->err_size, "%s: model.merges[%d]: '%s' is not two tokens separated by one space",
                b->path, rank, show(s, strlen(s), show_a, sizeof show_a));
        goto out;
      }
      a = s; a_len = (size_t)(sp - s);
      bb = sp + 1; b_len = strlen(bb);
    } else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(cJSON_GetArrayItem(m, 0)) &&
               cJSON_IsString(cJSON_GetArrayItem(m, 1))) {
      a = cJSON_GetArrayItem(m, 0)->valuestring; a_len = strlen(a);
      bb = cJSON_GetArrayItem(m, 1)->valuestring; b_len = strlen(bb);
    } else {
      set_err(b->err, b->err_size, "%s: model.merges[%d]: expected \"left right\" or [\"left\", \"right\"]", b->path, rank);
      goto out;
    }
    int32_t ia = tok_vocab_find(tok, a, a_len), ib = tok_vocab_find(tok, bb, b_len);
    if (ia < 0 || ib < 0) {
      set_err(b->err, b->err_size, "%s: model.merges[%d]: token '%s' is not in model.vocab", b->path, rank,
              ia < 0 ? show(a, a_len, show_a, sizeof show_a) : show(bb, b_len, show_b, sizeof show_b));
      goto out;
    }
    if (a_len + b_len > joined_cap) {
      joined_cap = (a_len + b_len) * 2;
      char *nj = realloc(joined, joined_cap);
      if (!nj) { oom(b); goto out; }
      joined = nj;
    }
    memcpy(joined, a, a_len);
    memcpy(joined + a_len, bb, b_len);
    int32_t inew = tok_vocab_find(tok, joined, a_len + b_len);
    if (inew < 0) {
      set_err(b->err, b->err_size, "%s: model.merges[%d]: merged token '%s' is not in model.vocab", b->path, rank,
              show(joined, a_len + b_len, show_a, sizeof show_a));
      goto out;
    }
    uint64_t key = ((uint64_t)(uint32_t)ia << 32) | (uint32_t)ib;
    uint32_t h = tok_hash_pair(key) & tok->merge_mask;
    while (tok->merges[h].key != TOK_EMPTY_KEY && tok->merges[h].key != key) h = (h + 1) & tok->merge_mask;
    /* a repeated pair keeps its last rank, as the HashMap tokenizers collects the merges into */
    tok->merges[h].key = key;
    tok->merges[h].rank = rank;
    tok->merges[h].new_id = inew;
    rank++;
  }
  rc = 0;
out:
  free(joined);
  return rc;
}

static int build_model(builder *b, const cJSON *model) {
  tokenizer *tok = b->tok;
  if (!cJSON_IsObject(model)) {
    set_err(b->err, b->err_size, "%s: missing 'model'", b->path);
    return -1;
  }
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
  if (type && (!cJSON_IsString(type) || strcmp(type->valuestring, "BPE") != 0)) {
    set_err(b->err, b->err_size, "%s: model.type: '%s' is not supported (only BPE)", b->path,
            cJSON_IsString(type) ? type->valuestring : "?");
    return -1;
  }
  const cJSON *dropout = cJSON_GetObjectItemCaseSensitive(model, "dropout");
  if (dropout && !cJSON_IsNull(dropout) && !(cJSON_IsNumber(dropout) && dropout->valuedouble == 0.0)) {
    set_err(b->err, b->err_size, "%s: model.dropout: BPE dropout is not supported (encoding would be random)", b->path);
    return -1;
  }
  static const char *const no_affix[] = {"continuing_subword_prefix", "end_of_word_suffix"};
  for (int i = 0; i < 2; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(model, no_affix[i]);
    if (v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && v->valuestring[0] == '\0')) {
      set_err(b->err, b->err_size, "%s: model.%s: not supported (only null)", b->path, no_affix[i]);
      return -1;
    }
  }
  if (get_bool(b, model, "model", "fuse_unk", 0, &tok->fuse_unk) || get_bool(b, model, "model", "byte_fallback", 0, &tok->byte_fallback) ||
      get_bool(b, model, "model", "ignore_merges", 0, &tok->ignore_merges))
    return -1;
  if (build_vocab(b, cJSON_GetObjectItemCaseSensitive(model, "vocab")) != 0) return -1;
  if (build_merges(b, cJSON_GetObjectItemCaseSensitive(model, "merges")) != 0) return -1;
  tok->unk_id = -1;
  const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
  if (unk && !cJSON_IsNull(unk)) {
    if (!cJSON_IsString(unk)) {
      set_err(b->err, b->err_size, "%s: model.unk_token: expected a string or null", b->path);
      return -1;
    }
    tok->unk_id = tok_vocab_find(tok, unk->valuestring, strlen(unk->valuestring));
    if (tok->unk_id < 0) {
      set_err(b->err, b->err_size, "%s: model.unk_token: '%s' is not in model.vocab", b->path, unk->valuestring);
      return -1;
    }
  }
  return 0;
}

/* ---- added tokens ---- */

static int32_t added_find(const tokenizer *tok, const char *s, size_t n) {
  for (int i = 0; i < tok->n_added; i++)
    if (tok->added[i].len == n && memcmp(tok->added[i].content, s, n) == 0) return i;
  return -1;
}

/* Adds tokens the way tokenizers' AddedVocabulary::add_tokens does: a content already in the model
 * vocab (or already added) keeps that id, others take ids counting up from max(added ids) + 1, or
 * from the model vocab size when no added id reaches it. A repeated content updates its flags. */
typedef struct {
  const char *content;
  int lstrip, rstrip, special;
} added_spec;

static int add_tokens(builder *b, const added_spec *specs, int n) {
  tokenizer *tok = b->tok;
  int32_t next = tok->n_model_vocab, max_id = -1;
  for (int i = 0; i < tok->n_added; i++)
    if (tok->added[i].id > max_id) max_id = tok->added[i].id;
  if (max_id >= 0 && max_id >= tok->n_model_vocab) next = max_id + 1;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(specs[i].content);
    if (len == 0) continue; /* tokenizers ignores empty added tokens */
    int at = added_find(tok, specs[i].content, len);
    int32_t id;
    if (at >= 0) id = tok->added[at].id;
    else if ((id = tok_vocab_find(tok, specs[i].content, len)) < 0) id = next++;
    if (id >= TOK_MAX_VOCAB) {
      set_err(b->err, b->err_size, "%s: too many added tokens", b->path);
      return -1;
    }
    if (at < 0) {
      if (tok->n_added == b->added_cap) {
        int cap = b->added_cap ? b->added_cap * 2 : 32;
        tok_added *na = realloc(tok->added, (size_t)cap * sizeof *na);
        if (!na) return oom(b);
        tok->added = na;
        b->added_cap = cap;
      }
      tok_added *a = &tok->added[tok->n_added];
      a->content = dup_bytes(specs[i].content, len);
      if (!a->content) return oom(b);
      a->len = len;
      a->id = id;
      a->special = 0;
      tok->n_added++;
      if (id >= tok->n_model_vocab && set_piece(b, id, specs[i].content, len) != 0) return oom(b);
      at = tok->n_added - 1;
    }
    tok_added *a = &tok->added[at];
    a->lstrip = (unsigned char)specs[i].lstrip;
    a->rstrip = (unsigned char)specs[i].rstrip;
    /* the special set only grows: re-adding a special token as non-special leaves it special */
    a->special = (unsigned char)(a->special || specs[i].special);
  }
  return 0;
}

static int build_added(builder *b, const cJSON *list) {
  if (!list || cJSON_IsNull(list)) return 0;
  if (!cJSON_IsArray(list)) {
    set_err(b->err, b->err_size, "%s: added_tokens: expected an array", b->path);
    return -1;
  }
  int n = cJSON_GetArraySize(list), i = 0, rc = -1;
  added_spec *specs = calloc((size_t)(n ? n : 1), sizeof *specs);
  if (!specs) return oom(b);
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    char where[48];
    snprintf(where, sizeof where, "added_tokens[%d]", i);
    int single_word, normalized;
    specs[i].content = get_string(b, e, where, "content");
    if (!specs[i].content || get_bool(b, e, where, "lstrip", 0, &specs[i].lstrip) ||
        get_bool(b, e, where, "rstrip", 0, &specs[i].rstrip) || get_bool(b, e, where, "special", 0, &specs[i].special) ||
        get_bool(b, e, where, "single_word", 0, &single_word) || get_bool(b, e, where, "normalized", 1, &normalized))
      goto out;
    if (single_word || normalized) {
      set_err(b->err, b->err_size, "%s: %s ('%s'): %s=true is not supported", b->path, where, specs[i].content,
              single_word ? "single_word" : "normalized");
      goto out;
    }
    i++;
  }
  rc = add_tokens(b, specs, n);
out:
  free(specs);
  return rc;
}

/* ---- normaliser, pre-tokenizer, post-processor, decoder ---- */

/* Reads {"String": s} (a Regex pattern is refused). */
static const char *string_pattern(builder *b, const cJSON *obj, const char *where) {
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(obj, "pattern");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "String");
  if (!cJSON_IsString(s)) {
    set_err(b->err, b->err_size, "%s: %s.pattern: only {\"String\": ...} patterns are supported", b->path, where);
    return NULL;
  }
  return s->valuestring;
}

/* 1 when s is valid UTF-8 (strings the normaliser inserts must keep the text valid). */
static int valid_utf8(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    int l = tok_utf8_valid_len((const unsigned char *)s + i, n - i);
    if (!l) return 0;
    i += (size_t)l;
  }
  return 1;
}

static int add_norm_step(builder *b, const cJSON *n, const char *where) {
  tokenizer *tok = b->tok;
  const char *type = get_string(b, n, where, "type");
  if (!type) return -1;
  if (tok->n_norm == TOK_MAX_NORM_OPS) {
    set_err(b->err, b->err_size, "%s: %s: more than %d steps", b->path, where, TOK_MAX_NORM_OPS);
    return -1;
  }
  tok_norm_op *op = &tok->norm[tok->n_norm];
  if (strcmp(type, "Prepend") == 0) {
    const char *p = get_string(b, n, where, "prepend");
    if (!p) return -1;
    if (!valid_utf8(p)) {
      set_err(b->err, b->err_size, "%s: %s.prepend: not valid UTF-8", b->path, where);
      return -1;
    }
    op->kind = TOK_NORM_PREPEND;
    op->a_len = strlen(p);
    if (!(op->a = dup_bytes(p, op->a_len))) return oom(b);
  } else if (strcmp(type, "Replace") == 0) {
    const char *pat = string_pattern(b, n, where), *content = get_string(b, n, where, "content");
    if (!pat || !content) return -1;
    if (!pat[0] || !valid_utf8(pat) || !valid_utf8(content)) {
      set_err(b->err, b->err_size, "%s: %s: empty pattern or text that is not valid UTF-8", b->path, where);
      return -1;
    }
    op->kind = TOK_NORM_REPLACE;
    op->a_len = strlen(pat);
    op->b_len = strlen(content);
    if (!(op->a = dup_bytes(pat, op->a_len)) || !(op->b = dup_bytes(content, op->b_len))) return oom(b);
  } else {
    set_err(b->err, b->err_size, "%s: %s: normalizer type '%s' is not supported (only Sequence, Prepend, Replace)",
            b->path, where, type);
    return -1;
  }
  tok->n_norm++;
  return 0;
}

static int build_normalizer(builder *b, const cJSON *n) {
  if (!n || cJSON_IsNull(n)) return 0;
  const char *type = get_string(b, n, "normalizer", "type");
  if (!type) return -1;
  if (strcmp(type, "Sequence") != 0) return add_norm_step(b, n, "normalizer");
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(n, "normalizers");
  if (!cJSON_IsArray(list)) {
    set_err(b->err, b->err_size, "%s: normalizer.normalizers: expected an array", b->path);
    return -1;
  }
  int i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    char where[48];
    snprintf(where, sizeof where, "normalizer.normalizers[%d]", i++);
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "type")) &&
        strcmp(cJSON_GetObjectItemCaseSensitive(e, "type")->valuestring, "Sequence") == 0) {
      set_err(b->err, b->err_size, "%s: %s: nested Sequence is not supported", b->path, where);
      return -1;
    }
    if (add_norm_step(b, e, where) != 0) return -1;
  }
  return 0;
}

/* TemplateProcessing "single": [SpecialToken...] Sequence A [SpecialToken...]. */
static int build_post_processor(builder *b, const cJSON *pp) {
  tokenizer *tok = b->tok;
  if (!pp || cJSON_IsNull(pp)) return 0;
  const char *type = get_string(b, pp, "post_processor", "type");
  if (!type) return -1;
  if (strcmp(type, "TemplateProcessing") != 0) {
    set_err(b->err, b->err_size, "%s: post_processor: type '%s' is not supported (only TemplateProcessing)", b->path, type);
    return -1;
  }
  const cJSON *single = cJSON_GetObjectItemCaseSensitive(pp, "single");
  const cJSON *specials = cJSON_GetObjectItemCaseSensitive(pp, "special_tokens");
  if (!cJSON_IsArray(single)) {
    set_err(b->err, b->err_size, "%s: post_processor.single: expected an array", b->path);
    return -1;
  }
  int seen_a = 0, i = 0;
  const cJSON *piece;
  cJSON_ArrayForEach(piece, single) {
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(piece, "Sequence");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(piece, "SpecialToken");
    if (seq) {
      if (seen_a) {
        set_err(b->err, b->err_size, "%s: post_processor.single[%d]: a second Sequence", b->path, i);
        return -1;
      }
      seen_a = 1;
    } else if (sp) {
      const char *name = get_string(b, sp, "post_processor.single[].SpecialToken", "id");
      if (!name) return -1;
      const cJSON *ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(specials, name), "ids");
      if (!cJSON_IsArray(ids)) {
        set_err(b->err, b->err_size, "%s: post_processor.special_tokens: no ids for '%s'", b->path, name);
        return -1;
      }
      const cJSON *idv;
      cJSON_ArrayForEach(idv, ids) {
        int32_t *dst = seen_a ? tok->suffix : tok->prefix;
        int *cnt = seen_a ? &tok->n_suffix : &tok->n_prefix;
        if (!cJSON_IsNumber(idv) || idv->valuedouble < 0 || idv->valuedouble >= TOK_MAX_VOCAB || *cnt == TOK_MAX_TEMPLATE) {
          set_err(b->err, b->err_size, "%s: post_processor.special_tokens['%s'].ids: bad id or too many", b->path, name);
          return -1;
        }
        dst[(*cnt)++] = (int32_t)idv->valuedouble;
      }
    } else {
      set_err(b->err, b->err_size, "%s: post_processor.single[%d]: expected Sequence or SpecialToken", b->path, i);
      return -1;
    }
    i++;
  }
  if (!seen_a) {
    set_err(b->err, b->err_size, "%s: post_processor.single: no Sequence", b->path);
    return -1;
  }
  return 0;
}

/* Sequence of Replace, ByteFallback, Fuse, Strip in that order (each optional, Fuse required
 * before Strip): the Llama / Phi-3 decoder. */
static int build_decoder(builder *b, const cJSON *d) {
  tokenizer *tok = b->tok;
  if (!d || cJSON_IsNull(d)) {
    set_err(b->err, b->err_size, "%s: decoder: missing (tokens joined by spaces is not supported)", b->path);
    return -1;
  }
  const char *type = get_string(b, d, "decoder", "type");
  if (!type) return -1;
  const cJSON *list = d, *one = NULL;
  if (strcmp(type, "Sequence") == 0) {
    list = cJSON_GetObjectItemCaseSensitive(d, "decoders");
    if (!cJSON_IsArray(list)) {
      set_err(b->err, b->err_size, "%s: decoder.decoders: expected an array", b->path);
      return -1;
    }
  } else {
    one = d;
  }
  static const char *const order[] = {"Replace", "ByteFallback", "Fuse", "Strip"};
  int stage = 0, fused = 0, byte_fallback = 0, i = 0;
  const cJSON *e = one ? one : list->child;
  for (; e; e = one ? NULL : e->next, i++) {
    char where[48];
    snprintf(where, sizeof where, one ? "decoder" : "decoder.decoders[%d]", i);
    const char *t = get_string(b, e, where, "type");
    if (!t) return -1;
    int k = 0;
    while (k < 4 && strcmp(t, order[k]) != 0) k++;
    if (k == 4 || k < stage || (k == 0 && tok->dec_from)) {
      set_err(b->err, b->err_size,
              "%s: %s: decoder '%s' is not supported here (expected Replace, ByteFallback, Fuse, Strip in that order)",
              b->path, where, t);
      return -1;
    }
    stage = k + 1;
    if (k == 0) {
      const char *pat = string_pattern(b, e, where), *content = get_string(b, e, where, "content");
      if (!pat || !content) return -1;
      if (!pat[0]) {
        set_err(b->err, b->err_size, "%s: %s.pattern: empty pattern", b->path, where);
        return -1;
      }
      tok->dec_from_len = strlen(pat);
      tok->dec_to_len = strlen(content);
      if (!(tok->dec_from = dup_bytes(pat, tok->dec_from_len)) || !(tok->dec_to = dup_bytes(content, tok->dec_to_len)))
        return oom(b);
    } else if (k == 1) {
      byte_fallback = 1;
    } else if (k == 2) {
      fused = 1;
    } else {
      const char *content = get_string(b, e, where, "content");
      const cJSON *start = cJSON_GetObjectItemCaseSensitive(e, "start"), *stop = cJSON_GetObjectItemCaseSensitive(e, "stop");
      if (!content) return -1;
      uint32_t cp = 0;
      size_t cl = strlen(content);
      if (cl == 0 || tok_utf8_valid_len((const unsigned char *)content, cl) != (int)cl || !cJSON_IsNumber(start) ||
          !cJSON_IsNumber(stop) || start->valuedouble < 0 || stop->valuedouble < 0 || start->valuedouble > 1000 ||
          stop->valuedouble > 1000) {
        set_err(b->err, b->err_size, "%s: %s: expected one character 'content' and counts 'start', 'stop'", b->path, where);
        return -1;
      }
      if (!fused) {
        set_err(b->err, b->err_size, "%s: %s: Strip without Fuse before it is not supported", b->path, where);
        return -1;
      }
      tok_utf8_next((const unsigned char *)content, cl, &cp);
      tok->strip_char = cp;
      tok->strip_start = (int)start->valuedouble;
      tok->strip_stop = (int)stop->valuedouble;
    }
  }
  if (!byte_fallback) {
    /* without the ByteFallback decoder, <0xXX> tokens decode as their literal text */
    for (int32_t id = 0; id < tok->n_vocab; id++) tok->byte_of[id] = -1;
  }
  return 0;
}

/* ---- finishing: per-id tables ---- */

static int finish_tables(builder *b) {
  tokenizer *tok = b->tok;
  int32_t n = tok->n_vocab;
  if (grow_pieces(b, n) != 0) return oom(b);
  tok->special = calloc((size_t)n, 1);
  tok->byte_of = malloc((size_t)n * sizeof *tok->byte_of);
  tok->char_id = malloc((size_t)TOK_CHAR_TABLE * sizeof *tok->char_id);
  if (!tok->special || !tok->byte_of || !tok->char_id) return oom(b);
  memset(tok->char_id, 0xFF, (size_t)TOK_CHAR_TABLE * sizeof *tok->char_id);
  for (int i = 0; i < 256; i++) {
    char name[8];
    snprintf(name, sizeof name, "<0x%02X>", i);
    tok->byte_id[i] = tok_vocab_find(tok, name, 6);
  }
  tok->split_words = 1;
  for (int32_t id = 0; id < n; id++) {
    tok->byte_of[id] = -1;
    if (tok->piece_off[id] == SIZE_MAX) continue;
    const char *s = tok->arena + tok->piece_off[id];
    uint32_t len = tok->piece_len[id];
    /* ByteFallback's test: 6 bytes, "<0x", two hex digits, ">" */
    if (len == 6 && memcmp(s, "<0x", 3) == 0 && s[5] == '>') {
      char hex[3] = {s[3], s[4], 0}, *end = NULL;
      long v = strtol(hex, &end, 16);
      if (end == hex + 2 && s[3] != '-' && s[3] != '+') tok->byte_of[id] = (int16_t)v;
    }
    if (id < tok->n_model_vocab) {
      uint32_t cp;
      if (len > 0 && tok_utf8_valid_len((const unsigned char *)s, len) == (int)len &&
          tok_utf8_next((const unsigned char *)s, len, &cp) == (int)len && cp < TOK_CHAR_TABLE)
        tok->char_id[cp] = id;
      /* "▁" (E2 96 81) right after another character anywhere in a token would let a merge cross a
         word start; then words are not cut (slower, same result) */
      for (uint32_t i = 1; i + 3 <= len; i++) {
        if (memcmp(s + i, "\xE2\x96\x81", 3) == 0 && !(i >= 3 && memcmp(s + i - 3, "\xE2\x96\x81", 3) == 0)) {
          tok->split_words = 0;
        }
      }
    }
  }
  /* whole-token words: BPE of each token's own string (use_whole is still 0 here) */
  tok->whole = calloc((size_t)tok->n_model_vocab, 1);
  if (!tok->whole) return oom(b);
  for (int32_t id = 0; id < tok->n_model_vocab; id++) {
    const char *s = tok->arena + tok->piece_off[id];
    uint32_t len = tok->piece_len[id], i = 0;
    while (i < len) {
      int l = tok_utf8_valid_len((const unsigned char *)s + i, len - i);
      if (!l) break;
      i += (uint32_t)l;
    }
    if (len == 0 || i != len) continue;
    int32_t got = -1;
    int r = tok_bpe_single(tok, s, len, &got);
    if (r < 0) return oom(b);
    tok->whole[id] = (unsigned char)(r == 1 && got == id);
  }
  tok->use_whole = 1;
  /* special: the id's string is the content of a special added token (tokenizers' is_special_token) */
  for (int i = 0; i < tok->n_added; i++) {
    const tok_added *a = &tok->added[i];
    if (!a->special) continue;
    for (int32_t id = 0; id < n; id++)
      if (tok->piece_off[id] != SIZE_MAX && tok->piece_len[id] == a->len &&
          memcmp(tok->arena + tok->piece_off[id], a->content, a->len) == 0)
        tok->special[id] = 1;
  }
  memset(tok->added_first, 0, sizeof tok->added_first);
  for (int i = 0; i < tok->n_added; i++) tok->added_first[(unsigned char)tok->added[i].content[0]] = 1;
  return 0;
}

/* ---- the companion files ---- */

/* The content of a special-token entry: a string, or an object with "content". NULL otherwise. */
static const char *token_content(const cJSON *v) {
  if (cJSON_IsString(v)) return v->valuestring;
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "content");
  return cJSON_IsString(c) ? c->valuestring : NULL;
}

static const char *const role_keys[TOKENIZER_N_ROLES] = {"bos_token", "eos_token", "pad_token", "unk_token"};

/* special_tokens_map.json (wins) and tokenizer_config.json name the bos/eos/pad/unk tokens. */
static int read_roles(builder *b, const cJSON *cfg, const char *cfg_path, const cJSON *map, const char *map_path) {
  tokenizer *tok = b->tok;
  for (int r = 0; r < TOKENIZER_N_ROLES; r++) {
    const cJSON *v = map ? cJSON_GetObjectItemCaseSensitive(map, role_keys[r]) : NULL;
    const char *path = map_path;
    if (!v || cJSON_IsNull(v)) { v = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, role_keys[r]) : NULL; path = cfg_path; }
    tok->role_id[r] = -1;
    if (!v || cJSON_IsNull(v)) continue;
    const char *content = token_content(v);
    if (!content) {
      set_err(b->err, b->err_size, "%s: %s: expected a string or an object with 'content'", path, role_keys[r]);
      return -1;
    }
    int32_t id = tokenizer_token_to_id(tok, content);
    if (id < 0) {
      set_err(b->err, b->err_size, "%s: %s: '%s' is not a token of tokenizer.json", path, role_keys[r], content);
      return -1;
    }
    tok->role_id[r] = id;
  }
  return 0;
}

/* tokenizer_config.json: added_tokens_decoder must agree with tokenizer.json; for the Llama
 * tokenizer class, add_bos_token (default true) / add_eos_token (default false) decide the
 * post-processor, as LlamaTokenizerFast.update_post_processor does. */
static int read_config(builder *b, const cJSON *cfg, const char *path) {
  tokenizer *tok = b->tok;
  char where[64];
  const cJSON *dec = cJSON_GetObjectItemCaseSensitive(cfg, "added_tokens_decoder");
  if (dec && !cJSON_IsObject(dec)) {
    set_err(b->err, b->err_size, "%s: added_tokens_decoder: expected an object", path);
    return -1;
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, dec) {
    snprintf(where, sizeof where, "added_tokens_decoder['%.20s']", e->string);
    char *end = NULL;
    long id = strtol(e->string, &end, 10);
    const char *content = token_content(e);
    if (!content || end == e->string || *end) {
      set_err(b->err, b->err_size, "%s: %s: expected a numeric key and a 'content'", path, where);
      return -1;
    }
    int i = added_find(tok, content, strlen(content));
    if (i < 0 || tok->added[i].id != id) {
      set_err(b->err, b->err_size, "%s: %s: '%s' is not added token %ld of tokenizer.json", path, where, content, id);
      return -1;
    }
    int lstrip, rstrip, special;
    const char *save = b->path;
    b->path = path;
    int bad = get_bool(b, e, where, "lstrip", 0, &lstrip) || get_bool(b, e, where, "rstrip", 0, &rstrip) ||
              get_bool(b, e, where, "special", tok->added[i].special, &special);
    b->path = save;
    if (bad) return -1;
    if (lstrip != tok->added[i].lstrip || rstrip != tok->added[i].rstrip || special != tok->added[i].special) {
      set_err(b->err, b->err_size, "%s: %s: flags of '%s' differ from tokenizer.json added_tokens", path, where, content);
      return -1;
    }
  }
  const cJSON *cls = cJSON_GetObjectItemCaseSensitive(cfg, "tokenizer_class");
  if (cJSON_IsString(cls) && (strcmp(cls->valuestring, "LlamaTokenizer") == 0 || strcmp(cls->valuestring, "LlamaTokenizerFast") == 0)) {
    int add_bos, add_eos;
    const char *save = b->path;
    b->path = path;
    int bad = get_bool(b, cfg, "tokenizer_config", "add_bos_token", 1, &add_bos) ||
              get_bool(b, cfg, "tokenizer_config", "add_eos_token", 0, &add_eos);
    b->path = save;
    if (bad) return -1;
    tok->n_prefix = tok->n_suffix = 0;
    if (add_bos) {
      if (tok->role_id[TOKENIZER_BOS] < 0) {
        set_err(b->err, b->err_size, "%s: add_bos_token is true but there is no bos_token", path);
        return -1;
      }
      tok->prefix[tok->n_prefix++] = tok->role_id[TOKENIZER_BOS];
    }
    if (add_eos) {
      if (tok->role_id[TOKENIZER_EOS] < 0) {
        set_err(b->err, b->err_size, "%s: add_eos_token is true but there is no eos_token", path);
        return -1;
      }
      tok->suffix[tok->n_suffix++] = tok->role_id[TOKENIZER_EOS];
    }
  }
  return 0;
}

/* added_tokens.json ({"content": id, ...}) must agree with tokenizer.json. */
static int read_added_json(builder *b, const cJSON *root, const char *path) {
  const tokenizer *tok = b->tok;
  if (!cJSON_IsObject(root)) {
    set_err(b->err, b->err_size, "%s: expected an object of token -> id", path);
    return -1;
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, root) {
    char buf[64];
    if (!cJSON_IsNumber(e)) {
      set_err(b->err, b->err_size, "%s: '%s': expected an id", path, show(e->string, strlen(e->string), buf, sizeof buf));
      return -1;
    }
    int32_t id = tokenizer_token_to_id(tok, e->string);
    if (id < 0 || (double)id != e->valuedouble) {
      set_err(b->err, b->err_size, "%s: '%s': id %g, but tokenizer.json gives %d", path,
              show(e->string, strlen(e->string), buf, sizeof buf), e->valuedouble, id);
      return -1;
    }
  }
  return 0;
}

/* ---- entry point ---- */

static char *join_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* Loads an optional JSON file: returns 0 with *out NULL when it does not exist. */
static int load_optional(const char *dir, const char *name, char **path, cJSON **out, char *err, size_t err_size) {
  *out = NULL;
  *path = join_path(dir, name);
  if (!*path) { set_err(err, err_size, "%s/%s: out of memory", dir, name); return -1; }
  int missing = 0;
  *out = load_json(*path, &missing, err, err_size);
  if (!*out && !missing) return -1;
  return 0;
}

tokenizer *tokenizer_load(const char *model_dir, unsigned flags, char *err, size_t err_size) {
  tokenizer *tok = calloc(1, sizeof *tok);
  char *tj_path = join_path(model_dir, "tokenizer.json");
  char *cfg_path = NULL, *map_path = NULL, *added_path = NULL;
  cJSON *tj = NULL, *cfg = NULL, *map = NULL, *added = NULL;
  builder b = {tok, 0, 0, 0, 0, tj_path, err, err_size};
  int ok = 0;
  if (!tok || !tj_path) { set_err(err, err_size, "%s: out of memory", model_dir); goto out; }
  tok->naive_max = 32;
  int missing = 0;
  if (!(tj = load_json(tj_path, &missing, err, err_size))) goto out;
  if (!cJSON_IsObject(tj)) { set_err(err, err_size, "%s: expected a JSON object", tj_path); goto out; }
  const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(tj, "truncation");
  if (trunc && !cJSON_IsNull(trunc)) {
    /* tokenizers would cut every encoding to max_length: refused rather than ignored */
    set_err(err, err_size, "%s: truncation: not supported (only null)", tj_path);
    goto out;
  }
  if (build_model(&b, cJSON_GetObjectItemCaseSensitive(tj, "model")) != 0) goto out;
  if (build_added(&b, cJSON_GetObjectItemCaseSensitive(tj, "added_tokens")) != 0) goto out;
  const cJSON *pre = cJSON_GetObjectItemCaseSensitive(tj, "pre_tokenizer");
  if (pre && !cJSON_IsNull(pre)) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(pre, "type");
    set_err(err, err_size, "%s: pre_tokenizer: type '%s' is not supported (only null)", tj_path,
            cJSON_IsString(t) ? t->valuestring : "?");
    goto out;
  }
  if (build_normalizer(&b, cJSON_GetObjectItemCaseSensitive(tj, "normalizer")) != 0) goto out;
  if (build_post_processor(&b, cJSON_GetObjectItemCaseSensitive(tj, "post_processor")) != 0) goto out;
  if (flags & TOKENIZER_ADD_XGENMM_TOKENS) {
    static const added_spec xgenmm[] = {{"<image>", 0, 0, 1}, {"<image placeholder>", 0, 0, 1}, {"<|endofchunk|>", 0, 0, 1}};
    if (add_tokens(&b, xgenmm, 3) != 0) goto out;
  }
  /* the per-id tables must exist before the decoder (byte tokens) and the lookups below */
  if (finish_tables(&b) != 0) goto out;
  if (build_decoder(&b, cJSON_GetObjectItemCaseSensitive(tj, "decoder")) != 0) goto out;

  if (load_optional(model_dir, "tokenizer_config.json", &cfg_path, &cfg, err, err_size) != 0) goto out;
  if (load_optional(model_dir, "special_tokens_map.json", &map_path, &map, err, err_size) != 0) goto out;
  if (load_optional(model_dir, "added_tokens.json", &added_path, &added, err, err_size) != 0) goto out;
  if (cfg && !cJSON_IsObject(cfg)) { set_err(err, err_size, "%s: expected a JSON object", cfg_path); goto out; }
  if (map && !cJSON_IsObject(map)) { set_err(err, err_size, "%s: expected a JSON object", map_path); goto out; }
  if (read_roles(&b, cfg, cfg_path, map, map_path) != 0) goto out;
  if (cfg && read_config(&b, cfg, cfg_path) != 0) goto out;
  if (added && read_added_json(&b, added, added_path) != 0) goto out;
  for (int i = 0; i < tok->n_prefix; i++)
    if (tok->prefix[i] >= tok->n_vocab || tok->piece_off[tok->prefix[i]] == SIZE_MAX) {
      set_err(err, err_size, "%s: post_processor: id %d has no token", tj_path, tok->prefix[i]);
      goto out;
    }
  for (int i = 0; i < tok->n_suffix; i++)
    if (tok->suffix[i] >= tok->n_vocab || tok->piece_off[tok->suffix[i]] == SIZE_MAX) {
      set_err(err, err_size, "%s: post_processor: id %d has no token", tj_path, tok->suffix[i]);
      goto out;
    }
  ok = 1;
out:
  cJSON_Delete(tj);
  cJSON_Delete(cfg);
  cJSON_Delete(map);
  cJSON_Delete(added);
  free(tj_path);
  free(cfg_path);
  free(map_path);
  free(added_path);
  if (!ok) {
    tokenizer_free(tok);
    return NULL;
  }
  return tok;
}

void tokenizer_free(tokenizer *tok) {
  if (!tok) return;
  free(tok->arena);
  free(tok->piece_off);
  free(tok->piece_len);
  free(tok->special);
  free(tok->byte_of);
  free(tok->vocab_hash);
  free(tok->char_id);
  free(tok->merges);
  free(tok->whole);
  for (int i = 0; i < tok->n_added; i++) free(tok->added[i].content);
  free(tok->added);
  for (int i = 0; i < tok->n_norm; i++) {
    free(tok->norm[i].a);
    free(tok->norm[i].b);
  }
  free(tok->dec_from);
  free(tok->dec_to);
  free(tok);
}
