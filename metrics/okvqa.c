/* okvqa.c - OpenFlamingo's OK-VQA stemmer: NLTK word tokenizer, averaged-perceptron POS tagger,
 * WordNet verb lemmatizer and inflection's singularize, ported to C (okvqa.h). */
#include "okvqa.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"
#include "ustr.h"

struct okvqa_pair {
  const char *key, *value;
};
struct okvqa_tagdict {
  const char *word;
  int cls;
};
struct okvqa_feature {
  const char *name;
  int first, count;
};
struct okvqa_weight {
  unsigned char cls;
  int milli;
};
struct okvqa_rule {
  const char *pattern, *replacement;
  int icase;
};

#include "okvqa_tables.inc"

#define OK_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define OK_N_CLASSES OK_COUNT(okvqa_classes)
#define OK_N_RULES OK_COUNT(okvqa_singulars)

/* ---- code point strings ---- */

typedef struct {
  uint32_t *c;
  size_t n, cap;
} cps;

static int cps_put(cps *s, uint32_t c) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint32_t *p = realloc(s->c, cap * sizeof *p);
    if (!p) return -1;
    s->c = p;
    s->cap = cap;
  }
  s->c[s->n++] = c;
  return 0;
}

static int cps_puts(cps *s, const char *ascii) {
  for (; *ascii; ascii++)
    if (cps_put(s, (unsigned char)*ascii)) return -1;
  return 0;
}

static int cps_putn(cps *s, const uint32_t *c, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (cps_put(s, c[i])) return -1;
  return 0;
}

struct okvqa_stemmer {
  regex_t rules[OK_N_RULES];
  size_t n_compiled;
  cps a, b;          /* tokenizer stages */
  ustr_buf out;      /* result */
  ustr_buf tok;      /* token scratch */
  ustr_buf work;     /* scratch */
  char **tokens;     /* current tokens (UTF-8) */
  size_t n_tokens, cap_tokens;
  int *tags;
  size_t cap_tags;
};

okvqa_stemmer *okvqa_stemmer_init(char *err, size_t err_size) {
  okvqa_stemmer *s = calloc(1, sizeof *s);
  if (!s) {
    set_err(err, err_size, "okvqa: out of memory");
    return NULL;
  }
  /* the tokenizer's two stage buffers always exist (the steps index them even when empty) */
  if (cps_put(&s->a, 0) || cps_put(&s->b, 0)) {
    set_err(err, err_size, "okvqa: out of memory");
    okvqa_stemmer_free(s);
    return NULL;
  }
  s->a.n = s->b.n = 0;
  for (size_t i = 0; i < OK_N_RULES; i++) {
    int rc = regcomp(&s->rules[i], okvqa_singulars[i].pattern,
                     REG_EXTENDED | (okvqa_singulars[i].icase ? REG_ICASE : 0));
    if (rc) {
      if (err) snprintf(err, err_size, "okvqa: singular rule %zu (%s) does not compile", i, okvqa_singulars[i].pattern);
      okvqa_stemmer_free(s);
      return NULL;
    }
    s->n_compiled++;
  }
  return s;
}

static void clear_tokens(okvqa_stemmer *s) {
  for (size_t i = 0; i < s->n_tokens; i++) free(s->tokens[i]);
  s->n_tokens = 0;
}

void okvqa_stemmer_free(okvqa_stemmer *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_compiled; i++) regfree(&s->rules[i]);
  free(s->a.c);
  free(s->b.c);
  ustr_buf_free(&s->out);
  ustr_buf_free(&s->tok);
  ustr_buf_free(&s->work);
  clear_tokens(s);
  free(s->tokens);
  free(s->tags);
  free(s);
}

/* ---- character classes of Python's re on str ---- */

static int is_space(uint32_t c) { return ustr_is_space(c, USTR_PY3); }
static int is_digit(uint32_t c) { return ustr_is_digit(c); }

/* \w: alphanumerics and '_'. Exact for ASCII; beyond ASCII an approximation (documented): every
 * code point is a word character except whitespace, Latin-1 punctuation/symbols, the General
 * Punctuation block and CJK punctuation. */
static int is_w(uint32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (is_space(c)) return 0;
  if (c < 0xC0) return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
                       (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return 0;
  if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F)) return 0;
  return 1;
}

static uint32_t lower_ascii(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Does s[i..] start with the ASCII string lit (case-insensitive when ci)? */
static int at(const cps *s, size_t i, const char *lit, int ci) {
  for (size_t k = 0; lit[k]; k++) {
    if (i + k >= s->n) return 0;
    uint32_t c = s->c[i + k], l = (unsigned char)lit[k];
    if (ci ? lower_ascii(c) != lower_ascii(l) : c != l) return 0;
  }
  return 1;
}

static int in_set(uint32_t c, const uint32_t *set) {
  for (; *set; set++)
    if (*set == c) return 1;
  return 0;
}

/* ---- NLTKWordTokenizer.tokenize (nltk 3.10.4), one step per regex ---- */

typedef int (*step_fn)(const cps *in, cps *out);

/* every char of `set` -> " c " */
static int pad_chars(const cps *in, cps *out, const uint32_t *set) {
  for (size_t i = 0; i < in->n; i++) {
    uint32_t c = in->c[i];
    if (in_set(c, set)) {
      if (cps_put(out, ' ') || cps_put(out, c) || cps_put(out, ' ')) return -1;
    } else if (cps_put(out, c)) {
      return -1;
    }
  }
  return 0;
}

/* ([«“‘„]|[`]+) -> " \1 " */
static int sq1(const cps *in, cps *out) {
  static const uint32_t q[] = {0xAB, 0x201C, 0x2018, 0x201E, 0};
  for (size_t i = 0; i < in->n;) {
    uint32_t c = in->c[i];
    if (in_set(c, q)) {
      if (cps_put(out, ' ') || cps_put(out, c) || cps_put(out, ' ')) return -1;
      i++;
    } else if (c == '`') {
      size_t j = i;
      while (j < in->n && in->c[j] == '`') j++;
      if (cps_put(out, ' ') || cps_putn(out, in->c + i, j - i) || cps_put(out, ' ')) return -1;
      i = j;
    } else {
      if (cps_put(out, c)) return -1;
      i++;
    }
  }
  return 0;
}

/* ^\" -> `` */
static int sq2(const cps *in, cps *out) {
  size_t i = 0;
  if (in->n && in->c[0] == '"') {
    if (cps_puts(out, "``")) return -1;
    i = 1;
  }
  return cps_putn(out, in->c + i, in->n - i);
}

/* (``) -> " \1 " */
static int sq3(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (at(in, i, "``", 0)) {
      if (cps_puts(out, " `` ")) return -1;
      i += 2;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

/* ([ \(\[{<])(\"|\'{2}) -> "\1 `` " */
static int sq4(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    uint32_t c = in->c[i];
    if ((c == ' ' || c == '(' || c == '[' || c == '{' || c == '<') && i + 1 < in->n) {
      size_t q = at(in, i + 1, "\"", 0) ? 1 : at(in, i + 1, "''", 0) ? 2 : 0;
      if (q) {
        if (cps_put(out, c) || cps_puts(out, " `` ")) return -1;
        i += 1 + q;
        continue;
      }
    }
    if (cps_put(out, c)) return -1;
    i++;
  }
  return 0;
}

/* (?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w) -> "\1 " */
static int sq5(const cps *in, cps *out) {
  static const char *const alts[] = {"re", "ve", "ll", "m", "t", "s", "d", "n"};
  for (size_t i = 0; i < in->n; i++) {
    uint32_t c = in->c[i];
    if (cps_put(out, c)) return -1;
    if (c != '\'') continue;
    if (i > 0 && is_w(in->c[i - 1])) continue;
    if (i + 1 >= in->n || !is_w(in->c[i + 1])) continue;
    int blocked = 0;
    for (size_t k = 0; k < OK_COUNT(alts) && !blocked; k++) {
      size_t len = strlen(alts[k]);
      if (at(in, i + 1, alts[k], 1) && (i + 1 + len >= in->n || !is_w(in->c[i + 1 + len]))) blocked = 1;
    }
    if (!blocked && cps_put(out, ' ')) return -1;
  }
  return 0;
}

/* The final-period rules: ([^\.])(\.)(CLASS*)\s*$ -> "\1 \2" SEP "\3 ". The period must be the
 * last one (CLASS and \s hold none); `possessive` only changes nothing here because CLASS and the
 * trailing \s* can only split one way when the text ends there. `$` also matches before a final
 * newline, which \s* swallows anyway. */
static int final_period(const cps *in, cps *out, const uint32_t *cls, const char *sep) {
  size_t p = in->n;
  while (p > 0 && in->c[p - 1] != '.') p--;
  if (p == 0) return cps_putn(out, in->c, in->n);
  p--; /* index of the last period */
  int ok = p >= 1 && in->c[p - 1] != '.';
  size_t g = p + 1;
  while (ok && g < in->n && in_set(in->c[g], cls)) g++;
  size_t t = g;
  while (ok && t < in->n && is_space(in->c[t])) t++;
  if (!ok || t != in->n) return cps_putn(out, in->c, in->n);
  return cps_putn(out, in->c, p) || cps_puts(out, " .") || cps_puts(out, sep) ||
         cps_putn(out, in->c + p + 1, g - p - 1) || cps_put(out, ' ');
}

static int p1(const cps *in, cps *out) {
  static const uint32_t cls[] = {']', ')', '}', '>', '"', '\'', 0xBB, 0x201D, 0x2019, ' ', 0};
  return final_period(in, out, cls, " ");
}

/* ([:,])([^\d]) -> " \1 \2" */
static int p2(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    uint32_t c = in->c[i];
    if ((c == ':' || c == ',') && i + 1 < in->n && !is_digit(in->c[i + 1])) {
      if (cps_put(out, ' ') || cps_put(out, c) || cps_put(out, ' ') || cps_put(out, in->c[i + 1])) return -1;
      i += 2;
    } else {
      if (cps_put(out, c)) return -1;
      i++;
    }
  }
  return 0;
}

/* ([:,])$ -> " \1 " */
static int p3(const cps *in, cps *out) {
  size_t n = in->n, k = n;
  if (n && (in->c[n - 1] == ':' || in->c[n - 1] == ',')) k = n - 1;
  else if (n >= 2 && in->c[n - 1] == '\n' && (in->c[n - 2] == ':' || in->c[n - 2] == ',')) k = n - 2;
  if (k == n) return cps_putn(out, in->c, n);
  return cps_putn(out, in->c, k) || cps_put(out, ' ') || cps_put(out, in->c[k]) || cps_put(out, ' ') ||
         cps_putn(out, in->c + k + 1, n - k - 1);
}

/* \.{2,} -> " \g<0> " */
static int p4(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (in->c[i] == '.' && i + 1 < in->n && in->c[i + 1] == '.') {
      size_t j = i;
      while (j < in->n && in->c[j] == '.') j++;
      if (cps_put(out, ' ') || cps_putn(out, in->c + i, j - i) || cps_put(out, ' ')) return -1;
      i = j;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

static int p5(const cps *in, cps *out) {
  static const uint32_t set[] = {';', '@', '#', '$', '%', '&', 0};
  return pad_chars(in, out, set);
}

static int p6(const cps *in, cps *out) {
  static const uint32_t set[] = {0x2012, 0x2013, 0x2014, 0x2015, 0};
  return pad_chars(in, out, set);
}

static int p7(const cps *in, cps *out) {
  static const uint32_t cls[] = {']', ')', '}', '>', '"', '\'', 0};
  return final_period(in, out, cls, "");
}

static int p8(const cps *in, cps *out) {
  static const uint32_t set[] = {'?', '!', 0};
  return pad_chars(in, out, set);
}

/* ([^'])' -> "\1 ' " */
static int p9(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (in->c[i] != '\'' && i + 2 < in->n && in->c[i + 1] == '\'' && in->c[i + 2] == ' ') {
      if (cps_put(out, in->c[i]) || cps_puts(out, " ' ")) return -1;
      i += 3;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

static int p10(const cps *in, cps *out) {
  static const uint32_t set[] = {'*', 0};
  return pad_chars(in, out, set);
}

static int parens(const cps *in, cps *out) {
  static const uint32_t set[] = {']', '[', '(', ')', '{', '}', '<', '>', 0};
  return pad_chars(in, out, set);
}

/* -- -> " -- " */
static int dashes(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (at(in, i, "--", 0)) {
      if (cps_puts(out, " -- ")) return -1;
      i += 2;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

static int pad_ends(const cps *in, cps *out) {
  return cps_put(out, ' ') || cps_putn(out, in->c, in->n) || cps_put(out, ' ');
}

static int e1(const cps *in, cps *out) {
  static const uint32_t set[] = {0xBB, 0x201D, 0x2019, 0};
  return pad_chars(in, out, set);
}

/* '' -> " '' " */
static int e2(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (at(in, i, "''", 0)) {
      if (cps_puts(out, " '' ")) return -1;
      i += 2;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

static int e3(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n; i++)
    if (in->c[i] == '"' ? cps_puts(out, " '' ") : cps_put(out, in->c[i])) return -1;
  return 0;
}

/* \s+ -> " " */
static int e4(const cps *in, cps *out) {
  for (size_t i = 0; i < in->n;) {
    if (is_space(in->c[i])) {
      while (i < in->n && is_space(in->c[i])) i++;
      if (cps_put(out, ' ')) return -1;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

/* ([^' ])(ALT1|ALT2|...) (followed by a consumed space) -> "\1 \2 " */
static int clitic(const cps *in, cps *out, const char *const *alts, size_t n_alts) {
  for (size_t i = 0; i < in->n;) {
    uint32_t c = in->c[i];
    if (c != '\'' && c != ' ') {
      size_t len = 0;
      for (size_t k = 0; k < n_alts && !len; k++) {
        size_t l = strlen(alts[k]);
        if (at(in, i + 1, alts[k], 0) && i + 1 + l < in->n && in->c[i + 1 + l] == ' ') len = l;
      }
      if (len) {
        if (cps_put(out, c) || cps_put(out, ' ') || cps_putn(out, in->c + i + 1, len) || cps_put(out, ' '))
          return -1;
        i += 2 + len;
        continue;
      }
    }
    if (cps_put(out, c)) return -1;
    i++;
  }
  return 0;
}

static int e5(const cps *in, cps *out) {
  static const char *const alts[] = {"'s", "'S", "'m", "'M", "'d", "'D", "'"};
  return clitic(in, out, alts, OK_COUNT(alts));
}

static int e6(const cps *in, cps *out) {
  static const char *const alts[] = {"'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T"};
  return clitic(in, out, alts, OK_COUNT(alts));
}

/* CONTRACTIONS2: (?i)\b(A)(B)\b -> " \1 \2 "; the last one ends with (?=\s) instead of \b. */
static int contraction(const cps *in, cps *out, const char *a, const char *b, int lookahead_space) {
  size_t la = strlen(a), lb = strlen(b);
  for (size_t i = 0; i < in->n;) {
    int ok = (i == 0 || !is_w(in->c[i - 1])) && at(in, i, a, 1) && at(in, i + la, b, 1);
    if (ok) {
      size_t e = i + la + lb;
      ok = lookahead_space ? (e < in->n && is_space(in->c[e])) : (e >= in->n || !is_w(in->c[e]));
      /* \b before: the match starts with a word character, so the previous one must not be */
      if (ok && !is_w(in->c[i])) ok = 0;
    }
    if (ok) {
      if (cps_put(out, ' ') || cps_putn(out, in->c + i, la) || cps_put(out, ' ') ||
          cps_putn(out, in->c + i + la, lb) || cps_put(out, ' '))
        return -1;
      i += la + lb;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

/* CONTRACTIONS3: (?i) ('t)(is)\b -> " \1 \2 " */
static int contraction3(const cps *in, cps *out, const char *b) {
  size_t lb = strlen(b);
  for (size_t i = 0; i < in->n;) {
    if (in->c[i] == ' ' && at(in, i + 1, "'t", 1) && at(in, i + 3, b, 1) &&
        (i + 3 + lb >= in->n || !is_w(in->c[i + 3 + lb]))) {
      if (cps_put(out, ' ') || cps_putn(out, in->c + i + 1, 2) || cps_put(out, ' ') ||
          cps_putn(out, in->c + i + 3, lb) || cps_put(out, ' '))
        return -1;
      i += 3 + lb;
    } else if (cps_put(out, in->c[i++])) {
      return -1;
    }
  }
  return 0;
}

static int c2_0(const cps *i, cps *o) { return contraction(i, o, "can", "not", 0); }
static int c2_1(const cps *i, cps *o) { return contraction(i, o, "d", "'ye", 0); }
static int c2_2(const cps *i, cps *o) { return contraction(i, o, "gim", "me", 0); }
static int c2_3(const cps *i, cps *o) { return contraction(i, o, "gon", "na", 0); }
static int c2_4(const cps *i, cps *o) { return contraction(i, o, "got", "ta", 0); }
static int c2_5(const cps *i, cps *o) { return contraction(i, o, "lem", "me", 0); }
static int c2_6(const cps *i, cps *o) { return contraction(i, o, "more", "'n", 0); }
static int c2_7(const cps *i, cps *o) { return contraction(i, o, "wan", "na", 1); }
static int c3_0(const cps *i, cps *o) { return contraction3(i, o, "is"); }
static int c3_1(const cps *i, cps *o) { return contraction3(i, o, "was"); }

static const step_fn tokenizer_steps[] = {
    sq1, sq2, sq3, sq4, sq5,                      /* STARTING_QUOTES */
    p1, p2, p3, p4, p5, p6, p7, p8, p9, p10,      /* PUNCTUATION */
    parens, dashes, pad_ends,                     /* PARENS_BRACKETS, DOUBLE_DASHES, " " + text + " " */
    e1, e2, e3, e4, e5, e6,                       /* ENDING_QUOTES */
    c2_0, c2_1, c2_2, c2_3, c2_4, c2_5, c2_6, c2_7, c3_0, c3_1, /* CONTRACTIONS2, CONTRACTIONS3 */
};

static int push_token(okvqa_stemmer *s, const uint32_t *c, size_t n) {
  if (s->n_tokens == s->cap_tokens) {
    size_t cap = s->cap_tokens ? s->cap_tokens * 2 : 16;
    char **p = realloc(s->tokens, cap * sizeof *p);
    if (!p) return -1;
    s->tokens = p;
    s->cap_tokens = cap;
  }
  ustr_buf b = {0};
  if (ustr_buf_clear(&b)) return -1;
  for (size_t i = 0; i < n; i++)
    if (ustr_buf_put_cp(&b, c[i])) {
      ustr_buf_free(&b);
      return -1;
    }
  s->tokens[s->n_tokens++] = b.data;
  return 0;
}

/* word_tokenize(text) into s->tokens. */
static int tokenize(okvqa_stemmer *s, const char *text) {
  clear_tokens(s);
  size_t n = strlen(text), i = 0;
  s->a.n = 0;
  while (i < n)
    if (cps_put(&s->a, ustr_decode(text, n, &i))) return -1;
  cps *in = &s->a, *out = &s->b;
  for (size_t k = 0; k < OK_COUNT(tokenizer_steps); k++) {
    out->n = 0;
    if (tokenizer_steps[k](in, out)) return -1;
    cps *t = in;
    in = out;
    out = t;
  }
  /* text.split() */
  for (size_t k = 0; k < in->n;) {
    if (is_space(in->c[k])) {
      k++;
      continue;
    }
    size_t j = k;
    while (j < in->n && !is_space(in->c[j])) j++;
    if (push_token(s, in->c + k, j - k)) return -1;
    k = j;
  }
  return 0;
}

/* ---- the averaged perceptron tagger ---- */

static int cmp_tagdict(const void *k, const void *e) {
  return strcmp((const char *)k, ((const struct okvqa_tagdict *)e)->word);
}
static int cmp_feature(const void *k, const void *e) {
  return strcmp((const char *)k, ((const struct okvqa_feature *)e)->name);
}
static int cmp_pair(const void *k, const void *e) {
  return strcmp((const char *)k, ((const struct okvqa_pair *)e)->key);
}
static int cmp_str(const void *k, const void *e) { return strcmp((const char *)k, *(const char *const *)e); }

/* Appends the last `k` code points of UTF-8 w (word[-k:]). */
static int append_suffix(ustr_buf *b, const char *w, size_t k) {
  size_t n = strlen(w), st = n, got = 0;
  while (st > 0 && got < k) {
    st--;
    while (st > 0 && ((unsigned char)w[st] & 0xC0) == 0x80) st--;
    got++;
  }
  return ustr_buf_append(b, w + st, n - st);
}

/* PerceptronTagger.normalize */
static int normalize_word(ustr_buf *b, const char *w) {
  size_t n = strlen(w);
  if (ustr_buf_clear(b)) return -1;
  if (strchr(w, '-') && w[0] != '-') return ustr_buf_append(b, "!HYPHEN", 7);
  size_t i = 0, count = 0;
  int all_digits = n > 0;
  while (i < n) {
    if (!ustr_is_digit(ustr_decode(w, n, &i))) all_digits = 0;
    count++;
  }
  if (all_digits && count == 4) return ustr_buf_append(b, "!YEAR", 5);
  i = 0;
  if (n && ustr_is_digit(ustr_decode(w, n, &i))) return ustr_buf_append(b, "!DIGITS", 7);
  return ustr_lower_append(b, w, n, USTR_PY3);
}

static void add_feature(const char *name, double *scores) {
  const struct okvqa_feature *f = bsearch(name, okvqa_features, OK_COUNT(okvqa_features),
                                          sizeof okvqa_features[0], cmp_feature);
  if (!f) return;
  for (int k = 0; k < f->count; k++) {
    const struct okvqa_weight *w = &okvqa_weights[f->first + k];
    scores[w->cls] += (double)w->milli / 1000.0;
  }
}

/* pos_tag(s->tokens) into s->tags (class indices). */
static int tag_tokens(okvqa_stemmer *s) {
  size_t n = s->n_tokens;
  if (n > s->cap_tags) {
    int *t = realloc(s->tags, n * sizeof *t);
    if (!t) return -1;
    s->tags = t;
    s->cap_tags = n;
  }
  /* context = START + [normalize(w)] + END */
  char **ctx = calloc(n + 4, sizeof *ctx);
  if (!ctx) return -1;
  int rc = -1;
  ctx[0] = strdup("-START-");
  ctx[1] = strdup("-START2-");
  ctx[n + 2] = strdup("-END-");
  ctx[n + 3] = strdup("-END2-");
  if (!ctx[0] || !ctx[1] || !ctx[n + 2] || !ctx[n + 3]) goto done;
  for (size_t i = 0; i < n; i++) {
    if (normalize_word(&s->work, s->tokens[i])) goto done;
    if (!(ctx[i + 2] = strdup(s->work.data))) goto done;
  }
  const char *prev = "-START-", *prev2 = "-START2-";
  for (size_t i = 0; i < n; i++) {
    const char *word = s->tokens[i];
    const struct okvqa_tagdict *td = bsearch(word, okvqa_tagdict, OK_COUNT(okvqa_tagdict),
                                             sizeof okvqa_tagdict[0], cmp_tagdict);
    int tag;
    if (td) {
      tag = td->cls;
    } else {
      double scores[OK_N_CLASSES];
      for (size_t k = 0; k < OK_N_CLASSES; k++) scores[k] = 0.0;
      size_t c = i + 2;
      ustr_buf *f = &s->tok;
#define FEAT(...)                                                  \
  do {                                                             \
    if (ustr_buf_clear(f)) goto done;                              \
    const char *parts[] = {__VA_ARGS__};                           \
    for (size_t p = 0; p < OK_COUNT(parts); p++) {                 \
      if (p && ustr_buf_putc(f, ' ')) goto done;                   \
      if (ustr_buf_append(f, parts[p], strlen(parts[p]))) goto done; \
    }                                                              \
    add_feature(f->data, scores);                                  \
  } while (0)
      /* the suffix features need the last 3 code points: build them in s->work */
      ustr_buf suf = {0};
      if (ustr_buf_clear(&suf)) goto done;
      FEAT("bias");
      if (append_suffix(&suf, word, 3)) { ustr_buf_free(&suf); goto done; }
      FEAT("i suffix", suf.data);
      ustr_buf_clear(&suf);
      {
        /* word[0]: the first code point, "" for an empty word */
        size_t w0 = 0, wn = strlen(word);
        if (wn) ustr_decode(word, wn, &w0);
        if (ustr_buf_append(&suf, word, w0)) { ustr_buf_free(&suf); goto done; }
      }
      FEAT("i pref1", suf.data);
      FEAT("i-1 tag", prev);
      FEAT("i-2 tag", prev2);
      FEAT("i tag+i-2 tag", prev, prev2);
      FEAT("i word", ctx[c]);
      FEAT("i-1 tag+i word", prev, ctx[c]);
      FEAT("i-1 word", ctx[c - 1]);
      ustr_buf_clear(&suf);
      if (append_suffix(&suf, ctx[c - 1], 3)) { ustr_buf_free(&suf); goto done; }
      FEAT("i-1 suffix", suf.data);
      FEAT("i-2 word", ctx[c - 2]);
      FEAT("i+1 word", ctx[c + 1]);
      ustr_buf_clear(&suf);
      if (append_suffix(&suf, ctx[c + 1], 3)) { ustr_buf_free(&suf); goto done; }
      FEAT("i+1 suffix", suf.data);
      FEAT("i+2 word", ctx[c + 2]);
#undef FEAT
      ustr_buf_free(&suf);
      /* max(classes, key=(score, label)): ties go to the greater label */
      tag = 0;
      for (size_t k = 1; k < OK_N_CLASSES; k++)
        if (scores[k] > scores[tag] || (scores[k] == scores[tag] && strcmp(okvqa_classes[k], okvqa_classes[tag]) > 0))
          tag = (int)k;
    }
    s->tags[i] = tag;
    prev2 = prev;
    prev = okvqa_classes[tag];
  }
  rc = 0;
done:
  for (size_t i = 0; i < n + 4; i++) free(ctx[i]);
  free(ctx);
  return rc;
}

/* ---- WordNet lemmatize(w, 'v') for a word ending in "ing" ---- */

static int is_verb_lemma(const char *w) {
  return bsearch(w, okvqa_verb_lemmas, OK_COUNT(okvqa_verb_lemmas), sizeof okvqa_verb_lemmas[0], cmp_str) != NULL;
}

/* Appends the lemma to out. */
static int lemmatize_verb(const char *w, ustr_buf *out) {
  /* forms: [w] + exceptions[w], or [w] + the rule outputs (only the "ing" rules apply) */
  char cand[3][256];
  const char *forms[64];
  size_t nf = 0;
  size_t n = strlen(w);
  if (n >= 200) return ustr_buf_append(out, w, n);
  forms[nf++] = w;
  const struct okvqa_pair *ex = bsearch(w, okvqa_verb_exc, OK_COUNT(okvqa_verb_exc), sizeof okvqa_verb_exc[0], cmp_pair);
  char exbuf[1024];
  if (ex) {
    snprintf(exbuf, sizeof exbuf, "%s", ex->value);
    char *save = NULL; /* strtok_r: strtok's hidden state is shared by every thread of the process */
    for (char *tok = strtok_r(exbuf, " ", &save); tok && nf < 64; tok = strtok_r(NULL, " ", &save)) forms[nf++] = tok;
  } else {
    /* VERB substitutions in order: s, ies, es, es, ed, ed, ing->e, ing->"" */
    static const char *const subs[][2] = {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""},
                                          {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}};
    size_t k = 0;
    for (size_t r = 0; r < OK_COUNT(subs); r++) {
      size_t lo = strlen(subs[r][0]);
      if (n >= lo && !strcmp(w + n - lo, subs[r][0]) && k < 3) {
        snprintf(cand[k], sizeof cand[k], "%.*s%s", (int)(n - lo), w, subs[r][1]);
        forms[nf++] = cand[k++];
      }
    }
  }
  /* filter_forms: keep lemmas of the verb index, first occurrence; then min by length (first) */
  const char *best = NULL;
  for (size_t i = 0; i < nf; i++) {
    if (!is_verb_lemma(forms[i])) continue;
    if (!best || strlen(forms[i]) < strlen(best)) best = forms[i];
  }
  if (!best) best = w;
  return ustr_buf_append(out, best, strlen(best));
}

/* ---- inflection.singularize ---- */

static int is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int singularize(okvqa_stemmer *s, const char *w, ustr_buf *out) {
  size_t n = strlen(w);
  /* re.search(r'(?i)\b(%s)\Z' % uncountable, word) */
  for (size_t u = 0; u < OK_COUNT(okvqa_uncountables); u++) {
    size_t l = strlen(okvqa_uncountables[u]);
    if (l <= n && !strcasecmp(w + n - l, okvqa_uncountables[u]) && (l == n || !is_word_byte((unsigned char)w[n - l - 1])))
      return ustr_buf_append(out, w, n);
  }
  for (size_t r = 0; r < OK_N_RULES; r++) {
    regmatch_t m[10];
    if (regexec(&s->rules[r], w, 10, m, 0)) continue;
    /* re.sub(rule, replacement, word): the rules are anchored, one match */
    if (ustr_buf_append(out, w, (size_t)m[0].rm_so)) return -1;
    for (const char *p = okvqa_singulars[r].replacement; *p; p++) {
      if (p[0] == '\\' && p[1] >= '1' && p[1] <= '9') {
        int g = p[1] - '0';
        if (m[g].rm_so >= 0 && ustr_buf_append(out, w + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so))) return -1;
        p++;
      } else if (ustr_buf_putc(out, *p)) {
        return -1;
      }
    }
    return ustr_buf_append(out, w + m[0].rm_eo, n - (size_t)m[0].rm_eo);
  }
  return ustr_buf_append(out, w, n);
}

/* ---- public ---- */

static int ends_with(const char *w, const char *suf) {
  size_t n = strlen(w), l = strlen(suf);
  return n >= l && !memcmp(w + n - l, suf, l);
}

const char *okvqa_stemmer_tokenize(okvqa_stemmer *s, const char *text, char *err, size_t err_size) {
  if (!ustr_valid_utf8(text, strlen(text))) {
    set_err(err, err_size, "okvqa: text is not valid UTF-8");
    return NULL;
  }
  if (tokenize(s, text) || ustr_buf_clear(&s->out)) goto oom;
  for (size_t i = 0; i < s->n_tokens; i++)
    if ((i && ustr_buf_putc(&s->out, '\n')) || ustr_buf_append(&s->out, s->tokens[i], strlen(s->tokens[i]))) goto oom;
  return s->out.data;
oom:
  set_err(err, err_size, "okvqa: out of memory");
  return NULL;
}

const char *okvqa_stemmer_tags(okvqa_stemmer *s, const char *text, char *err, size_t err_size) {
  if (!okvqa_stemmer_tokenize(s, text, err, err_size)) return NULL;
  if (tag_tokens(s) || ustr_buf_clear(&s->out)) goto oom;
  for (size_t i = 0; i < s->n_tokens; i++) {
    const char *t = okvqa_classes[s->tags[i]];
    if ((i && ustr_buf_putc(&s->out, ' ')) || ustr_buf_append(&s->out, t, strlen(t))) goto oom;
  }
  return s->out.data;
oom:
  set_err(err, err_size, "okvqa: out of memory");
  return NULL;
}

const char *okvqa_stemmer_stem(okvqa_stemmer *s, const char *text, char *err, size_t err_size) {
  if (!okvqa_stemmer_tokenize(s, text, err, err_size)) return NULL;
  if (tag_tokens(s) || ustr_buf_clear(&s->out)) goto oom;
  for (size_t i = 0; i < s->n_tokens; i++) {
    const char *w = s->tokens[i], *tag = okvqa_classes[s->tags[i]];
    if (i && ustr_buf_putc(&s->out, ' ')) goto oom;
    const struct okvqa_pair *m = bsearch(w, okvqa_manual, OK_COUNT(okvqa_manual), sizeof okvqa_manual[0], cmp_pair);
    int rc;
    if (m) rc = ustr_buf_append(&s->out, m->value, strlen(m->value));
    else if (ends_with(w, "ing")) rc = lemmatize_verb(w, &s->out);
    else if (!strncmp(tag, "NNS", 3) || !strncmp(tag, "NNPS", 4)) rc = singularize(s, w, &s->out);
    else rc = ustr_buf_append(&s->out, w, strlen(w));
    if (rc) goto oom;
  }
  return s->out.data;
oom:
  set_err(err, err_size, "okvqa: out of memory");
  return NULL;
}

const char *okvqa_stemmer_postprocess(okvqa_stemmer *s, const char *generation, char *err,
                                      size_t err_size) {
  size_t n = strlen(generation), cut = n;
  static const char *const stops[] = {"Question", "Answer", "Short"};
  for (size_t i = 0; i < n && cut == n; i++)
    for (size_t k = 0; k < OK_COUNT(stops); k++)
      if (!strncmp(generation + i, stops[k], strlen(stops[k]))) {
        cut = i;
        break;
      }
  const char *comma = NULL;
  for (size_t i = 0; i + 1 < cut; i++)
    if (generation[i] == ',' && generation[i + 1] == ' ') {
      comma = generation + i;
      break;
    }
  if (comma) cut = (size_t)(comma - generation);
  ustr_buf pre = {0};
  if (ustr_buf_append(&pre, generation, cut)) {
    set_err(err, err_size, "okvqa: out of memory");
    return NULL;
  }
  const char *r = okvqa_stemmer_stem(s, pre.data, err, err_size);
  ustr_buf_free(&pre);
  return r;
}
