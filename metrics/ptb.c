/* ptb.c - Stanford PTBTokenizer 3.4.1 (-preserveLines -lowerCase) and pycocoevalcap's punctuation
 * dropping (ptb.h). The scanning loop follows JFlex 1.5.1's generated next(); the actions follow
 * the rules of PTBLexer.flex at v3.4.1 with the options the command-line tool sets. */
#include "ptb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ustr.h"

struct ptb_run {
  uint16_t first;
  uint8_t cls;
};
struct ptb_trans_run {
  uint16_t count;
  int16_t value;
};
struct ptb_look {
  uint8_t used;
  int16_t first, second;
};

#include "ptb_tables.inc"

/* ZZ_LEXSTATE[YyTraditionalTreebank3 = 4]: strictTreebank3 is false */
#define PTB_LEXICAL_STATE 4

struct ptb_tokenizer {
  uint8_t cmap[0x10000];
  int16_t *trans; /* [PTB_N_TRANS] */
};

ptb_tokenizer *ptb_tokenizer_init(char *err, size_t err_size) {
  ptb_tokenizer *t = malloc(sizeof *t);
  if (!t || !(t->trans = malloc(PTB_N_TRANS * sizeof *t->trans))) {
    free(t);
    set_err(err, err_size, "ptb: out of memory");
    return NULL;
  }
  size_t nr = sizeof ptb_cmap_runs / sizeof ptb_cmap_runs[0];
  for (size_t r = 0; r < nr; r++) {
    size_t end = r + 1 < nr ? ptb_cmap_runs[r + 1].first : 0x10000;
    for (size_t c = ptb_cmap_runs[r].first; c < end; c++) t->cmap[c] = ptb_cmap_runs[r].cls;
  }
  size_t j = 0;
  for (size_t r = 0; r < sizeof ptb_trans_runs / sizeof ptb_trans_runs[0]; r++)
    for (unsigned k = 0; k < ptb_trans_runs[r].count; k++) t->trans[j++] = ptb_trans_runs[r].value;
  if (j != PTB_N_TRANS) { /* the generated tables are inconsistent: a build error */
    ptb_tokenizer_free(t);
    set_err(err, err_size, "ptb: transition table has the wrong size");
    return NULL;
  }
  return t;
}

void ptb_tokenizer_free(ptb_tokenizer *t) {
  if (!t) return;
  free(t->trans);
  free(t);
}

/* ---- UTF-16 scratch strings ---- */

typedef struct {
  uint16_t *u;
  size_t len, cap;
} u16buf;

static int u16_put(u16buf *b, uint16_t c) {
  if (b->len == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    uint16_t *p = realloc(b->u, cap * sizeof *p);
    if (!p) return -1;
    b->u = p;
    b->cap = cap;
  }
  b->u[b->len++] = c;
  return 0;
}

static int u16_puts(u16buf *b, const char *ascii) {
  for (; *ascii; ascii++)
    if (u16_put(b, (uint16_t)(unsigned char)*ascii)) return -1;
  return 0;
}

/* UTF-8 -> UTF-16 (text validated by the caller). */
static int utf8_to_u16(const char *s, size_t n, u16buf *out) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp = ustr_decode(s, n, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      if (u16_put(out, (uint16_t)(0xD800 | (cp >> 10))) || u16_put(out, (uint16_t)(0xDC00 | (cp & 0x3FF))))
        return -1;
    } else if (u16_put(out, (uint16_t)cp)) {
      return -1;
    }
  }
  return 0;
}

/* Java's final-sigma condition for the capital sigma at cps[i]: a cased letter before it within
 * the word and none after it. Java finds the word with a BreakIterator; here a word is a run of
 * letters, digits and marks (an approximation that agrees on ordinary Greek text). */
static int final_sigma(const uint32_t *cps, size_t n, size_t i) {
  int before = 0;
  for (size_t k = i; k-- > 0;) {
    if (!ustr_is_wordish(cps[k])) break;
    if (ustr_is_cased(cps[k])) {
      before = 1;
      break;
    }
  }
  if (!before) return 0;
  for (size_t k = i + 1; k < n; k++) {
    if (!ustr_is_wordish(cps[k])) break;
    if (ustr_is_cased(cps[k])) return 0;
  }
  return 1;
}

/* Appends str.toLowerCase(Locale.ENGLISH) of the UTF-16 string u[0..n) to out as UTF-8. */
static int u16_lower_utf8(const uint16_t *u, size_t n, ustr_buf *out) {
  int ascii = 1;
  for (size_t i = 0; i < n && ascii; i++) ascii = u[i] < 0x80;
  if (ascii) {
    for (size_t i = 0; i < n; i++)
      if (ustr_buf_putc(out, (char)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] + 32 : u[i]))) return -1;
    return 0;
  }
  uint32_t *cps = malloc(n * sizeof *cps);
  if (!cps) return -1;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t cp = u[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD; /* a lone surrogate: Java's encoder would write '?' */
    }
    cps[m++] = cp;
  }
  int rc = 0;
  for (size_t i = 0; i < m && !rc; i++) {
    uint32_t cp = cps[i];
    if (cp == 0x03A3 && final_sigma(cps, m, i)) {
      rc = ustr_buf_put_cp(out, 0x03C2);
      continue;
    }
    char tmp[4];
    size_t len;
    if (cp < 0x80) tmp[0] = (char)cp, len = 1;
    else if (cp < 0x800) tmp[0] = (char)(0xC0 | (cp >> 6)), tmp[1] = (char)(0x80 | (cp & 0x3F)), len = 2;
    else if (cp < 0x10000)
      tmp[0] = (char)(0xE0 | (cp >> 12)), tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), tmp[2] = (char)(0x80 | (cp & 0x3F)), len = 3;
    else
      tmp[0] = (char)(0xF0 | (cp >> 18)), tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
      tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), tmp[3] = (char)(0x80 | (cp & 0x3F)), len = 4;
    rc = ustr_lower_append(out, tmp, len, USTR_PY3);
  }
  free(cps);
  return rc;
}

/* ---- token text transformations (the helper methods of PTBLexer) ---- */

static int is_in(uint16_t c, const uint16_t *set) {
  for (; *set; set++)
    if (*set == c) return 1;
  return 0;
}

/* Does u[i..n) start with the ASCII string lit, compared case-insensitively when ci? */
static int starts_with(const uint16_t *u, size_t n, size_t i, const char *lit, int ci) {
  for (size_t k = 0; lit[k]; k++) {
    if (i + k >= n) return 0;
    uint16_t c = u[i + k], l = (uint16_t)(unsigned char)lit[k];
    if (ci && c < 128 && c >= 'A' && c <= 'Z') c = (uint16_t)(c + 32);
    if (c != l) return 0;
  }
  return 1;
}

enum {
  TX_PLAIN = 0,
  TX_SOFT_HYPHENS,  /* removeSoftHyphens */
  TX_QUOTES_LEFT,   /* handleQuotes(tok, true) with latexQuotes */
  TX_QUOTES_RIGHT,  /* handleQuotes(tok, false) */
  TX_AMP,           /* normalizeAmp: (?i:&amp;) -> & */
  TX_FRACTIONS,     /* normalizeFractions */
  TX_CURRENCY,      /* normalizeCurrency */
  TX_NBSP,          /* ' ' -> U+00A0 */
  TX_PARENS,        /* ( ) -> -LRB- -RRB- */
  TX_NBSP_PARENS,   /* both, in that order */
};

static int transform(const uint16_t *u, size_t n, int tx, u16buf *out) {
  static const uint16_t lsq[] = {0x0091, 0x2018, 0x201B, 0x2039, 0};
  static const uint16_t rsq[] = {0x0092, 0x2019, 0x203A, 0};
  static const uint16_t ldq[] = {0x0093, 0x201C, 0x00AB, 0};
  static const uint16_t rdq[] = {0x0094, 0x201D, 0x00BB, 0};
  static const uint16_t generic_currency[] = {0x0080, 0x00A4, 0x20A0, 0x20AC, 0};
  out->len = 0;
  if (tx == TX_QUOTES_LEFT || tx == TX_QUOTES_RIGHT) {
    int left = tx == TX_QUOTES_LEFT;
    /* singleQuote (&apos;|') first, then doubleQuote ("|&quot;) on its result; the 4 Unicode
     * classes after. None of the replacements creates a character a later step matches. */
    for (size_t i = 0; i < n;) {
      if (u[i] == '\'' || starts_with(u, n, i, "&apos;", 0)) {
        if (u16_puts(out, left ? "`" : "'")) return -1;
        i += u[i] == '\'' ? 1 : 6;
      } else if (u[i] == '"' || starts_with(u, n, i, "&quot;", 0)) {
        if (u16_puts(out, left ? "``" : "''")) return -1;
        i += u[i] == '"' ? 1 : 6;
      } else if (is_in(u[i], lsq)) {
        if (u16_puts(out, "`")) return -1;
        i++;
      } else if (is_in(u[i], rsq)) {
        if (u16_puts(out, "'")) return -1;
        i++;
      } else if (is_in(u[i], ldq)) {
        if (u16_puts(out, "``")) return -1;
        i++;
      } else if (is_in(u[i], rdq)) {
        if (u16_puts(out, "''")) return -1;
        i++;
      } else {
        if (u16_put(out, u[i])) return -1;
        i++;
      }
    }
    return 0;
  }
  for (size_t i = 0; i < n;) {
    uint16_t c = u[i];
    switch (tx) {
      case TX_SOFT_HYPHENS:
        if (c == 0x00AD) {
          i++;
          continue;
        }
        break;
      case TX_AMP:
        if (starts_with(u, n, i, "&amp;", 1)) {
          if (u16_put(out, '&')) return -1;
          i += 5;
          continue;
        }
        break;
      case TX_FRACTIONS: {
        const char *r = c == 0x00BC ? "1/4" : c == 0x00BD ? "1/2" : c == 0x00BE ? "3/4"
                      : c == 0x2153 ? "1/3" : c == 0x2154 ? "2/3" : NULL;
        if (r) {
          if (u16_puts(out, r)) return -1;
          i++;
          continue;
        }
        break;
      }
      case TX_CURRENCY: {
        const char *r = c == 0x00A2 ? "cents" : c == 0x00A3 ? "#" : is_in(c, generic_currency) ? "$" : NULL;
        if (r) {
          if (u16_puts(out, r)) return -1;
          i++;
          continue;
        }
        break;
      }
      case TX_NBSP:
      case TX_PARENS:
      case TX_NBSP_PARENS:
        if (c == ' ' && tx != TX_PARENS) c = 0x00A0;
        if (tx != TX_NBSP && (c == '(' || c == ')')) {
          if (u16_puts(out, c == '(' ? "-LRB-" : "-RRB-")) return -1;
          i++;
          continue;
        }
        break;
      default:
        break;
    }
    if (u16_put(out, c)) return -1;
    i++;
  }
  if (tx == TX_SOFT_HYPHENS && out->len == 0 && u16_put(out, '-')) return -1;
  return 0;
}

/* ---- the lexer ---- */

typedef struct {
  const ptb_tokenizer *t;
  const uint16_t *buf;
  size_t n;
  uint8_t *fin; /* zzFin: [n + 2] */
  ustr_buf *out;
  int begin_line;
  u16buf tok;
} lexer;

static int next_state(const lexer *lx, int state, uint16_t c) {
  return lx->t->trans[ptb_rowmap[state] + lx->t->cmap[c]];
}

/* Emits one token as tokReader does with -preserveLines -lowerCase. */
static int emit(lexer *lx, const uint16_t *u, size_t n) {
  if (!lx->begin_line && ustr_buf_putc(lx->out, ' ')) return -1;
  lx->begin_line = 0;
  return u16_lower_utf8(u, n, lx->out);
}

static int emit_newline(lexer *lx) {
  lx->begin_line = 1;
  return ustr_buf_putc(lx->out, '\n');
}

/* Emits the token text u[start..end) after the transformation tx. */
static int emit_tx(lexer *lx, size_t start, size_t end, int tx) {
  if (tx == TX_PLAIN) return emit(lx, lx->buf + start, end - start);
  if (transform(lx->buf + start, end - start, tx, &lx->tok)) return -1;
  return emit(lx, lx->tok.u, lx->tok.len);
}

static int is_line_space(uint16_t c) {
  return c == ' ' || c == '\t' || (c >= '\n' && c <= '\r') || c == 0x0085;
}

/* Runs the lexer over the whole buffer, writing the tool's output to lx->out. */
static int lex(lexer *lx) {
  size_t marked = 0;
  for (;;) {
    size_t start = marked, cur = start;
    int state = ptb_lexstate[PTB_LEXICAL_STATE];
    int action = -1, at_eof = 0;
    if (ptb_attr[state] & 1) action = state;
    for (;;) {
      if (cur >= lx->n) {
        at_eof = 1;
        break;
      }
      int next = next_state(lx, state, lx->buf[cur++]);
      if (next == -1) break;
      state = next;
      if (ptb_attr[state] & 1) {
        action = state;
        marked = cur;
        if (ptb_attr[state] & 8) break;
      }
    }
    if (action < 0) {
      if (at_eof && start == cur) return 0; /* <<EOF>> */
      return -2;                            /* zzScanError: cannot happen with this grammar */
    }
    int a = ptb_action[action];
    /* general lookahead: find where the trailing context starts (JFlex's zzFin walk) */
    if (a <= PTB_N_ACTIONS && ptb_lookahead[a].used) {
      int fs = ptb_lookahead[a].first;
      size_t fp = start;
      while (fs != -1 && fp < marked) {
        lx->fin[fp] = (ptb_attr[fs] & 1) == 1;
        fs = next_state(lx, fs, lx->buf[fp++]);
      }
      if (fs != -1) lx->fin[fp++] = (ptb_attr[fs] & 1) == 1;
      while (fp <= marked) lx->fin[fp++] = 0;
      fs = ptb_lookahead[a].second;
      fp = marked;
      while (!lx->fin[fp] || (ptb_attr[fs] & 1) != 1) {
        fs = next_state(lx, fs, lx->buf[--fp]);
        if (fs == -1) return -2; /* cannot happen: the generated code would index out of range */
      }
      marked = fp;
    }
    if (a <= PTB_N_ACTIONS) {
      int pb = ptb_pushback[a];
      if (pb > 0) marked -= (size_t)pb;
      else if (pb < 0) marked = start + 1;
    }
    int rc = 0;
    switch (a) {
      case 1:  /* untokenizable: FIRST_DELETE drops it (the tool logs a warning) */
      case 7:  /* \x7f */
      case 23: /* spaces, \0, zero-width: not invertible, nothing */
        break;
      case 2: rc = emit(lx, (const uint16_t[]){'<'}, 1); break;
      case 10: rc = emit(lx, (const uint16_t[]){'>'}, 1); break;
      case 3: case 9: case 19: case 24: case 25: case 31: case 41: case 43: case 45: case 48:
      case 52: case 53:
        rc = emit_tx(lx, start, marked, TX_PLAIN);
        break;
      case 4: break; /* {HYPHENS}: below */
      case 5: rc = emit_newline(lx); break;
      case 6: case 12: case 29: case 30: case 32: case 40: case 46:
        rc = emit_tx(lx, start, marked, TX_SOFT_HYPHENS);
        break;
      case 8: case 36: rc = emit_tx(lx, start, marked, TX_QUOTES_RIGHT); break;
      case 26: case 35: rc = emit_tx(lx, start, marked, TX_QUOTES_LEFT); break;
      case 11: rc = emit(lx, (const uint16_t[]){'-', '-'}, 2); break;
      case 13: rc = emit(lx, (const uint16_t[]){'.', '.', '.'}, 3); break;
      case 14: rc = emit_tx(lx, start, marked, TX_FRACTIONS); break;
      case 15: rc = emit_tx(lx, start, marked, TX_CURRENCY); break;
      case 16: rc = emit(lx, (const uint16_t[]){'-', 'R', 'C', 'B', '-'}, 5); break;
      case 17: rc = emit(lx, (const uint16_t[]){'-', 'L', 'R', 'B', '-'}, 5); break;
      case 18: rc = emit(lx, (const uint16_t[]){'-', 'R', 'R', 'B', '-'}, 5); break;
      case 20: rc = emit(lx, (const uint16_t[]){'-', 'L', 'C', 'B', '-'}, 5); break;
      case 21: rc = emit(lx, (const uint16_t[]){'-', 'R', 'S', 'B', '-'}, 5); break;
      case 22: rc = emit(lx, (const uint16_t[]){'-', 'L', 'S', 'B', '-'}, 5); break;
      case 27: case 38: case 39: rc = emit_tx(lx, start, marked, TX_NBSP); break;
      case 28: case 34: rc = emit_tx(lx, start, marked, TX_PARENS); break;
      case 54: rc = emit_tx(lx, start, marked, TX_NBSP_PARENS); break;
      case 37: case 51: rc = emit_tx(lx, start, marked, TX_AMP); break;
      case 33: case 49: /* the token keeps its period; the period is read again as the next token */
        rc = emit_tx(lx, start, marked, TX_PLAIN);
        marked -= 1;
        break;
      case 42: marked -= 2; rc = emit_tx(lx, start, marked, TX_PLAIN); break; /* gonna -> gon|na */
      case 50: marked -= 3; rc = emit_tx(lx, start, marked, TX_PLAIN); break; /* cannot -> can|not */
      case 44: /* {ABBREV3}/{SPACENL}?[:digit:]: trailing whitespace goes back */
        while (marked > start && is_line_space(lx->buf[marked - 1])) marked--;
        rc = emit_tx(lx, start, marked, TX_PLAIN);
        break;
      case 47: /* {ACRONYM}/({SPACENLS})(He|She|...){SPACENL} */
        while (marked > start && is_line_space(lx->buf[marked - 1])) marked--;
        if (marked - start == 2) { /* "I." etc.: the letter now, the period next time */
          marked -= 1;
          rc = emit_tx(lx, start, marked, TX_PLAIN);
        } else { /* the word with its period, and the period again next time */
          rc = emit_tx(lx, start, marked, TX_PLAIN);
          marked -= 1;
        }
        break;
      default:
        return -2;
    }
    if (a == 4) { /* {HYPHENS}: 3 or 4 hyphens are an m-dash */
      size_t len = marked - start;
      rc = (len >= 3 && len <= 4) ? emit(lx, (const uint16_t[]){'-', '-'}, 2)
                                  : emit_tx(lx, start, marked, TX_PLAIN);
    }
    if (rc) return -1;
  }
}

char *ptb_tokenize_text(const ptb_tokenizer *t, const char *text, size_t n, char *err,
                        size_t err_size) {
  if (!ustr_valid_utf8(text, n)) {
    set_err(err, err_size, "ptb: text is not valid UTF-8");
    return NULL;
  }
  u16buf in = {0};
  ustr_buf out = {0};
  lexer lx = {0};
  char *result = NULL;
  if (utf8_to_u16(text, n, &in) || ustr_buf_clear(&out)) goto oom;
  lx.t = t;
  lx.buf = in.u;
  lx.n = in.len;
  lx.out = &out;
  lx.begin_line = 1;
  if (!(lx.fin = malloc(in.len + 2))) goto oom;
  int rc = lex(&lx);
  if (rc == -2) {
    set_err(err, err_size, "ptb: internal lexer error (no rule matched)");
    goto done;
  }
  if (rc) goto oom;
  result = out.data;
  out.data = NULL;
  goto done;
oom:
  set_err(err, err_size, "ptb: out of memory");
done:
  free(lx.fin);
  free(lx.tok.u);
  free(in.u);
  ustr_buf_free(&out);
  return result;
}

/* pycocoevalcap's PUNCTUATIONS, compared case-sensitively with the lower-cased tokens. */
static int is_dropped(const char *w, size_t n) {
  static const char *const punct[] = {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
                                      "?", "!", ",", ":", "-", "--", "...", ";"};
  for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++)
    if (strlen(punct[i]) == n && !memcmp(punct[i], w, n)) return 1;
  return 0;
}

int ptb_tokenize_captions(const ptb_tokenizer *t, const char *const *captions, size_t n, char **out,
                          char **raw_out, char *err, size_t err_size) {
  ustr_buf joined = {0};
  char *lines = NULL;
  size_t done_i = 0;
  if (ustr_buf_clear(&joined)) goto oom;
  for (size_t i = 0; i < n; i++) {
    if (i && ustr_buf_putc(&joined, '\n')) goto oom;
    size_t len = strlen(captions[i]);
    if (!ustr_valid_utf8(captions[i], len)) {
      if (err) snprintf(err, err_size, "ptb: caption %zu is not valid UTF-8", i);
      goto fail;
    }
    for (size_t k = 0; k < len; k++)
      if (ustr_buf_putc(&joined, captions[i][k] == '\n' ? ' ' : captions[i][k])) goto oom;
  }
  if (!(lines = ptb_tokenize_text(t, joined.data, joined.len, err, err_size))) goto fail;
  const char *p = lines;
  for (done_i = 0; done_i < n; done_i++) {
    if (!p) {
      if (err) snprintf(err, err_size, "ptb: the tokenizer gave fewer lines than captions (caption %zu)", done_i);
      goto fail;
    }
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (raw_out) {
      if (!(raw_out[done_i] = malloc(len + 1))) goto oom;
      memcpy(raw_out[done_i], p, len);
      raw_out[done_i][len] = '\0';
    }
    size_t lo, hi;
    ustr_strip(p, len, USTR_PY3, &lo, &hi); /* only rstrip: keep the left side */
    hi = hi == lo ? 0 : hi;
    ustr_buf kept = {0};
    if (ustr_buf_clear(&kept)) goto oom_line;
    int first = 1;
    size_t w0 = 0;
    for (size_t k = 0; k <= hi; k++) {
      if (k < hi && p[k] != ' ') continue;
      if (!is_dropped(p + w0, k - w0)) {
        if ((!first && ustr_buf_putc(&kept, ' ')) || ustr_buf_append(&kept, p + w0, k - w0)) {
          ustr_buf_free(&kept);
          goto oom_line;
        }
        first = 0;
      }
      w0 = k + 1;
    }
    out[done_i] = kept.data;
    p = nl ? nl + 1 : NULL;
    continue;
  oom_line:
    if (raw_out) free(raw_out[done_i]);
    goto oom;
  }
  free(lines);
  ustr_buf_free(&joined);
  return 0;
oom:
  set_err(err, err_size, "ptb: out of memory");
fail:
  for (size_t i = 0; i < done_i; i++) {
    free(out[i]);
    if (raw_out) free(raw_out[i]);
  }
  free(lines);
  ustr_buf_free(&joined);
  return -1;
}
