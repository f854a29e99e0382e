/* vqa.c - VQA accuracy: the answer normaliser (processPunctuation, processDigitArticle), the
 * leave-one-out score, Python-exact rounding and the aggregates (vqa.h). */
#include "vqa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ustr.h"

struct vqa_pair {
  const char *key, *value;
};

#include "vqa_tables.inc"

#define VQA_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* re.sub(..., count=re.UNICODE): at most 32 periods are removed (metrics.md §2.2). */
#define VQA_PERIOD_COUNT 32

int vqa_variant_parse(const char *name, vqa_variant *v) {
  if (!strcmp(name, "official")) *v = VQA_OFFICIAL;
  else if (!strcmp(name, "openflamingo")) *v = VQA_OPENFLAMINGO;
  else if (!strcmp(name, "official-pre2021")) *v = VQA_OFFICIAL_PRE2021;
  else return -1;
  return 0;
}

const char *vqa_variant_name(vqa_variant v) {
  switch (v) {
    case VQA_OFFICIAL: return "official";
    case VQA_OPENFLAMINGO: return "openflamingo";
    case VQA_OFFICIAL_PRE2021: return "official-pre2021";
  }
  return "?";
}

vqa_rounding vqa_variant_rounding(vqa_variant v) {
  return v == VQA_OPENFLAMINGO ? VQA_ROUND_PY3 : VQA_ROUND_PY2;
}

static ustr_python variant_python(vqa_variant v) {
  return v == VQA_OPENFLAMINGO ? USTR_PY3 : USTR_PY2;
}

/* ---- rounding ---- */

double vqa_round(double x, int ndigits, vqa_rounding r) {
  if (!isfinite(x) || ndigits < 0 || ndigits > 15) return x;
  /* glibc printf is exact and breaks exact ties to even: that is Python 3's round(). For Python 2,
   * detect an exact tie from the exact decimal expansion and round it away from zero instead. */
  char buf[1600];
  snprintf(buf, sizeof buf, "%.*f", ndigits, x);
  double even = strtod(buf, NULL);
  if (r == VQA_ROUND_PY3) return even;
  char exact[1500];
  snprintf(exact, sizeof exact, "%.1074f", x);
  char *dot = strchr(exact, '.');
  if (!dot) return even;
  const char *tail = dot + 1 + ndigits;
  if (*tail != '5') return even;
  for (const char *p = tail + 1; *p; p++)
    if (*p != '0') return even;
  /* an exact tie: keep the first ndigits decimals of |x| and add one unit in the last place */
  size_t keep = (size_t)(tail - exact);
  char *num = exact[0] == '-' ? exact + 1 : exact;
  exact[keep] = '\0';
  char *p = exact + keep - 1;
  for (;; p--) {
    if (p < num) break;
    if (*p == '.') continue;
    if (*p == '9') {
      *p = '0';
      continue;
    }
    (*p)++;
    break;
  }
  if (p < num) { /* carried out of the leading digit: 9.995 -> 10.00 */
    snprintf(buf, sizeof buf, "%s1%s", x < 0 ? "-" : "", num);
    return strtod(buf, NULL);
  }
  return strtod(exact, NULL);
}

/* ---- the scorer ---- */

struct vqa_scorer {
  vqa_variant variant;
  ustr_python py;
  ustr_buf tmp;              /* one processing stage */
  ustr_buf low;              /* lower-cased text */
  ustr_buf out;              /* result of vqa_scorer_normalize */
  ustr_buf pred;             /* normalised prediction */
  ustr_buf *ans;             /* normalised answers */
  size_t n_ans_cap;
};

vqa_scorer *vqa_scorer_init(vqa_variant variant, char *err, size_t err_size) {
  vqa_scorer *s = calloc(1, sizeof *s);
  if (!s) {
    set_err(err, err_size, "vqa: out of memory");
    return NULL;
  }
  s->variant = variant;
  s->py = variant_python(variant);
  return s;
}

void vqa_scorer_free(vqa_scorer *s) {
  if (!s) return;
  ustr_buf_free(&s->tmp);
  ustr_buf_free(&s->low);
  ustr_buf_free(&s->out);
  ustr_buf_free(&s->pred);
  for (size_t i = 0; i < s->n_ans_cap; i++) ustr_buf_free(&s->ans[i]);
  free(s->ans);
  free(s);
}

/* replace('\n',' '), replace('\t',' '), strip() into dst. */
static int prep(ustr_buf *dst, const char *text, ustr_python py) {
  size_t n = strlen(text);
  if (ustr_buf_clear(dst) || ustr_buf_reserve(dst, n)) return -1;
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    dst->data[i] = (c == '\n' || c == '\t') ? ' ' : c;
  }
  dst->data[n] = '\0';
  size_t lo, hi;
  ustr_strip(dst->data, n, py, &lo, &hi);
  memmove(dst->data, dst->data + lo, hi - lo);
  dst->len = hi - lo;
  dst->data[dst->len] = '\0';
  return 0;
}

static int is_digit_at(const char *s, size_t n, size_t i, int unicode_digits) {
  if (i >= n) return 0;
  unsigned char c = (unsigned char)s[i];
  if (c < 0x80) return c >= '0' && c <= '9';
  if (!unicode_digits) return 0;
  size_t j = i;
  return ustr_is_digit(ustr_decode(s, n, &j));
}

/* Does s contain a digit, a comma and a digit in a row (re.search(r"(\d)(\,)(\d)"))? */
static int has_digit_comma_digit(const char *s, size_t n, int unicode_digits) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] != ',' || i == 0) continue;
    if (!is_digit_at(s, n, i + 1, unicode_digits)) continue;
    /* the code point that ends right before the comma */
    size_t st = i - 1;
    while (st > 0 && ((unsigned char)s[st] & 0xC0) == 0x80) st--;
    if (is_digit_at(s, n, st, unicode_digits)) return 1;
  }
  return 0;
}

/* processPunctuation(in) appended to dst (which must be empty and distinct from in). */
static int process_punctuation(ustr_buf *dst, const char *in, size_t n, int unicode_digits) {
  /* Each mark is tested against the original input: deleted everywhere when "p " or " p" occurs,
   * or when the input has digit,digit anywhere; otherwise every occurrence becomes a space. The
   * replacements never create another mark, so one pass over the input does the same. */
  unsigned char is_mark[128] = {0}, spaced[128] = {0};
  for (const char *p = vqa_punct; *p; p++) is_mark[(unsigned char)*p] = 1;
  int dcd = has_digit_comma_digit(in, n, unicode_digits);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c < 128 && is_mark[c] && ((i > 0 && in[i - 1] == ' ') || (i + 1 < n && in[i + 1] == ' ')))
      spaced[c] = 1;
  }
  if (ustr_buf_reserve(dst, n)) return -1;
  size_t start = dst->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c < 128 && is_mark[c]) {
      if (!(dcd || spaced[c])) dst->data[dst->len++] = ' ';
    } else {
      dst->data[dst->len++] = (char)c;
    }
  }
  dst->data[dst->len] = '\0';
  /* periodStrip.sub("", text, re.UNICODE): the leftmost 32 periods not followed by a digit go;
   * the look-ahead sees the text as it was before this substitution. */
  char *t = dst->data + start;
  size_t m = dst->len - start, w = 0, removed = 0;
  for (size_t i = 0; i < m; i++) {
    if (t[i] == '.' && removed < VQA_PERIOD_COUNT && !is_digit_at(t, m, i + 1, unicode_digits)) {
      removed++;
      continue;
    }
    t[w++] = t[i];
  }
  dst->len = start + w;
  dst->data[dst->len] = '\0';
  return 0;
}

static int cmp_pair(const void *key, const void *elem) {
  return strcmp((const char *)key, ((const struct vqa_pair *)elem)->key);
}

/* processDigitArticle(in) into dst (emptied first); low is scratch. */
static int process_digit_article(ustr_buf *dst, ustr_buf *low, const char *in, size_t n,
                                 ustr_python py) {
  if (ustr_buf_clear(low) || ustr_lower_append(low, in, n, py) || ustr_buf_clear(dst)) return -1;
  const char *s = low->data;
  size_t len = low->len, i = 0;
  char word[64];
  int first = 1;
  while (i < len) {
    /* skip whitespace */
    size_t j = i;
    uint32_t cp = ustr_decode(s, len, &j);
    if (ustr_is_space(cp, py)) {
      i = j;
      continue;
    }
    size_t w0 = i;
    while (i < len) {
      j = i;
      cp = ustr_decode(s, len, &j);
      if (ustr_is_space(cp, py)) break;
      i = j;
    }
    const char *wp = s + w0;
    size_t wn = i - w0;
    const char *rep = NULL;
    if (wn < sizeof word) {
      memcpy(word, wp, wn);
      word[wn] = '\0';
      for (size_t k = 0; k < VQA_COUNT(vqa_number_words); k++)
        if (!strcmp(word, vqa_number_words[k].key)) {
          rep = vqa_number_words[k].value;
          break;
        }
      const char *now = rep ? rep : word;
      int article = 0;
      for (size_t k = 0; k < VQA_COUNT(vqa_articles); k++)
        if (!strcmp(now, vqa_articles[k])) article = 1;
      if (article) continue;
      const struct vqa_pair *c =
          bsearch(now, vqa_contractions, VQA_COUNT(vqa_contractions), sizeof vqa_contractions[0],
                  cmp_pair);
      if (c) rep = c->value;
    }
    if (!first && ustr_buf_putc(dst, ' ')) return -1;
    first = 0;
    if (rep ? ustr_buf_append(dst, rep, strlen(rep)) : ustr_buf_append(dst, wp, wn)) return -1;
  }
  return 0;
}

/* Full normalisation of an already prepped string `in` into dst. */
static int normalize_prepped(vqa_scorer *s, ustr_buf *dst, const char *in, size_t n) {
  if (ustr_buf_clear(&s->tmp)) return -1;
  if (process_punctuation(&s->tmp, in, n, s->variant == VQA_OPENFLAMINGO)) return -1;
  return process_digit_article(dst, &s->low, s->tmp.data, s->tmp.len, s->py);
}

const char *vqa_scorer_normalize(vqa_scorer *s, const char *text, int is_answer, char *err,
                                 size_t err_size) {
  int rc;
  if (is_answer && s->variant == VQA_OFFICIAL_PRE2021) {
    rc = ustr_buf_clear(&s->out) ||
         process_punctuation(&s->out, text, strlen(text), 0);
  } else {
    ustr_buf pre = {0};
    rc = prep(&pre, text, s->py) || normalize_prepped(s, &s->out, pre.data, pre.len);
    ustr_buf_free(&pre);
  }
  if (rc) {
    set_err(err, err_size, "vqa: out of memory");
    return NULL;
  }
  return s->out.data;
}

static int ensure_answers(vqa_scorer *s, size_t n) {
  if (n <= s->n_ans_cap) return 0;
  ustr_buf *a = realloc(s->ans, n * sizeof *a);
  if (!a) return -1;
  memset(a + s->n_ans_cap, 0, (n - s->n_ans_cap) * sizeof *a);
  s->ans = a;
  s->n_ans_cap = n;
  return 0;
}

int vqa_scorer_score(vqa_scorer *s, const char *prediction, const char *const *answers,
                     size_t n_answers, vqa_result *out, char *err, size_t err_size) {
  if (n_answers == 0) {
    set_err(err, err_size, "vqa: a question needs at least one human answer");
    return -1;
  }
  if (ensure_answers(s, n_answers)) goto oom;
  int normalize;
  if (s->variant == VQA_OFFICIAL_PRE2021) {
    /* raw answers; the prediction is always fully normalised */
    normalize = 0;
    for (size_t i = 1; i < n_answers; i++)
      if (strcmp(answers[i], answers[0])) normalize = 1;
    for (size_t i = 0; i < n_answers; i++) {
      size_t n = strlen(answers[i]);
      if (ustr_buf_clear(&s->ans[i])) goto oom;
      if (normalize ? process_punctuation(&s->ans[i], answers[i], n, 0)
                    : ustr_buf_append(&s->ans[i], answers[i], n))
        goto oom;
    }
    if (prep(&s->out, prediction, s->py) || normalize_prepped(s, &s->pred, s->out.data, s->out.len))
      goto oom;
  } else {
    /* Human answers repeat a lot: an answer whose raw string equals an earlier one gets that one's
     * result (dup[i] = the first index with the same raw string). */
    size_t dup_small[64], *dup = n_answers <= 64 ? dup_small : malloc(n_answers * sizeof *dup);
    if (!dup) goto oom;
    for (size_t i = 0; i < n_answers; i++) {
      dup[i] = i;
      for (size_t j = 0; j < i; j++)
        if (dup[j] == j && !strcmp(answers[i], answers[j])) {
          dup[i] = j;
          break;
        }
    }
    int failed = 0;
    for (size_t i = 0; i < n_answers && !failed; i++)
      if (dup[i] == i && prep(&s->ans[i], answers[i], s->py)) failed = 1;
    if (!failed && prep(&s->pred, prediction, s->py)) failed = 1;
    normalize = 1;
    if (!failed && s->variant == VQA_OFFICIAL) {
      normalize = 0;
      for (size_t i = 1; i < n_answers; i++) {
        const ustr_buf *a = &s->ans[dup[i]], *b = &s->ans[0];
        if (a->len != b->len || memcmp(a->data, b->data, b->len)) normalize = 1;
      }
    }
    if (!failed && normalize) {
      for (size_t i = 0; i < n_answers && !failed; i++) {
        if (dup[i] != i) continue;
        if (ustr_buf_clear(&s->out) || ustr_buf_append(&s->out, s->ans[i].data, s->ans[i].len) ||
            normalize_prepped(s, &s->ans[i], s->out.data, s->out.len))
          failed = 1;
      }
      if (!failed && (ustr_buf_clear(&s->out) || ustr_buf_append(&s->out, s->pred.data, s->pred.len) ||
                      normalize_prepped(s, &s->pred, s->out.data, s->out.len)))
        failed = 1;
    }
    for (size_t i = 0; i < n_answers && !failed; i++)
      if (dup[i] != i && (ustr_buf_clear(&s->ans[i]) ||
                          ustr_buf_append(&s->ans[i], s->ans[dup[i]].data, s->ans[dup[i]].len)))
        failed = 1;
    if (dup != dup_small) free(dup);
    if (failed) goto oom;
  }
  int m = 0;
  unsigned char eq_small[64], *eq = n_answers <= 64 ? eq_small : malloc(n_answers);
  if (!eq) goto oom;
  for (size_t i = 0; i < n_answers; i++) {
    eq[i] = s->ans[i].len == s->pred.len && !memcmp(s->ans[i].data, s->pred.data, s->pred.len);
    m += eq[i];
  }
  /* gtAcc.append(min(1, float(len(matchingAns))/3)); float(sum(gtAcc))/len(gtAcc) */
  double sum = 0.0;
  for (size_t i = 0; i < n_answers; i++) {
    double a = (double)(m - eq[i]) / 3.0;
    sum += a < 1.0 ? a : 1.0;
  }
  if (eq != eq_small) free(eq);
  out->accuracy = sum / (double)n_answers;
  out->n_matches = m;
  out->normalized = normalize;
  return 0;
oom:
  set_err(err, err_size, "vqa: out of memory");
  return -1;
}

int vqa_score_question(vqa_variant variant, const char *prediction, const char *const *answers,
                       size_t n_answers, vqa_result *out, char *err, size_t err_size) {
  vqa_scorer *s = vqa_scorer_init(variant, err, err_size);
  if (!s) return -1;
  int rc = vqa_scorer_score(s, prediction, answers, n_answers, out, err, err_size);
  vqa_scorer_free(s);
  return rc;
}

/* ---- aggregates ---- */

typedef struct {
  char *name;
  double sum;
  size_t count;
} vqa_group;

typedef struct {
  vqa_group *g;
  size_t n, cap;
  size_t last; /* index of the last hit: consecutive questions often share a type */
} vqa_groups;

struct vqa_tally {
  double sum;
  size_t count;
  vqa_groups kinds[2];
};

vqa_tally *vqa_tally_init(char *err, size_t err_size) {
  vqa_tally *t = calloc(1, sizeof *t);
  if (!t) set_err(err, err_size, "vqa: out of memory");
  return t;
}

void vqa_tally_free(vqa_tally *t) {
  if (!t) return;
  for (int k = 0; k < 2; k++) {
    for (size_t i = 0; i < t->kinds[k].n; i++) free(t->kinds[k].g[i].name);
    free(t->kinds[k].g);
  }
  free(t);
}

static int groups_add(vqa_groups *gs, const char *name, double acc) {
  if (gs->last < gs->n && !strcmp(gs->g[gs->last].name, name)) {
    gs->g[gs->last].sum += acc;
    gs->g[gs->last].count++;
    return 0;
  }
  for (size_t i = 0; i < gs->n; i++)
    if (!strcmp(gs->g[i].name, name)) {
      gs->g[i].sum += acc;
      gs->g[i].count++;
      gs->last = i;
      return 0;
    }
  if (gs->n == gs->cap) {
    size_t cap = gs->cap ? gs->cap * 2 : 16;
    vqa_group *g = realloc(gs->g, cap * sizeof *g);
    if (!g) return -1;
    gs->g = g;
    gs->cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) return -1;
  gs->g[gs->n] = (vqa_group){copy, 0.0 + acc, 1};
  gs->last = gs->n++;
  return 0;
}

int vqa_tally_add(vqa_tally *t, const char *answer_type, const char *question_type,
                  double accuracy, char *err, size_t err_size) {
  if (groups_add(&t->kinds[0], answer_type, accuracy) ||
      groups_add(&t->kinds[1], question_type, accuracy)) {
    set_err(err, err_size, "vqa: out of memory");
    return -1;
  }
  t->sum += accuracy;
  t->count++;
  return 0;
}

size_t vqa_tally_count(const vqa_tally *t) { return t->count; }

/* round(100*float(sum(acc))/len(acc), n) without the round */
static double percent(double sum, size_t count) {
  return count ? 100.0 * sum / (double)count : 0.0;
}

double vqa_tally_overall(const vqa_tally *t) { return percent(t->sum, t->count); }

size_t vqa_tally_n_groups(const vqa_tally *t, int kind) { return t->kinds[kind != 0].n; }

const char *vqa_tally_group_name(const vqa_tally *t, int kind, size_t i) {
  return t->kinds[kind != 0].g[i].name;
}

double vqa_tally_group_value(const vqa_tally *t, int kind, size_t i) {
  const vqa_group *g = &t->kinds[kind != 0].g[i];
  return percent(g->sum, g->count);
}
