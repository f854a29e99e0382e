/* caption.c - CIDEr-D, BLEU-1..4 and ROUGE-L as pycocoevalcap computes them (caption.h).
 * Floating-point operations follow the reference's order: dict iteration = first-occurrence order
 * of n-grams, numpy's pairwise mean, pow(e, x) for the length penalty. */
#include "caption.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "ustr.h"

#define CAP_N 4
#define CIDER_SIGMA 6.0
#define ROUGE_BETA 1.2

/* ---- numpy's pairwise sum ---- */

static double pairwise_sum(const double *a, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; j++) r[j] = a[j];
    size_t i;
    for (i = 8; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; j++) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

double caption_numpy_mean(const double *a, size_t n) {
  if (n == 0) return NAN;
  return pairwise_sum(a, n) / (double)n;
}

/* ---- interning: words -> ids, n-grams -> ids ---- */

typedef struct {
  /* words */
  char **words;
  size_t n_words, cap_words;
  uint32_t *wtab; /* open addressing: word id + 1, 0 = empty */
  size_t wtab_cap;
  /* n-grams: up to 4 word ids, length in n */
  uint32_t (*grams)[CAP_N];
  uint8_t *gram_n;
  size_t n_grams, cap_grams;
  uint32_t *gtab;
  size_t gtab_cap;
} intern;

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static uint64_t hash_gram(const uint32_t *w, int n) {
  uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < n; i++) h = (h ^ w[i]) * 0xBF58476D1CE4E5B9ull, h ^= h >> 31;
  return h;
}

static void intern_free(intern *in) {
  for (size_t i = 0; i < in->n_words; i++) free(in->words[i]);
  free(in->words);
  free(in->wtab);
  free(in->grams);
  free(in->gram_n);
  free(in->gtab);
}

static int wtab_grow(intern *in) {
  size_t cap = in->wtab_cap ? in->wtab_cap * 2 : 1024;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return -1;
  for (size_t i = 0; i < in->n_words; i++) {
    size_t h = hash_bytes(in->words[i], strlen(in->words[i])) & (cap - 1);
    while (t[h]) h = (h + 1) & (cap - 1);
    t[h] = (uint32_t)i + 1;
  }
  free(in->wtab);
  in->wtab = t;
  in->wtab_cap = cap;
  return 0;
}

/* The id of word s[0..n), added when new; -1 when out of memory. */
static long intern_word(intern *in, const char *s, size_t n) {
  if (2 * (in->n_words + 1) > in->wtab_cap && wtab_grow(in)) return -1;
  size_t h = hash_bytes(s, n) & (in->wtab_cap - 1);
  while (in->wtab[h]) {
    const char *w = in->words[in->wtab[h] - 1];
    if (strlen(w) == n && !memcmp(w, s, n)) return (long)in->wtab[h] - 1;
    h = (h + 1) & (in->wtab_cap - 1);
  }
  if (in->n_words == in->cap_words) {
    size_t cap = in->cap_words ? in->cap_words * 2 : 1024;
    char **p = realloc(in->words, cap * sizeof *p);
    if (!p) return -1;
    in->words = p;
    in->cap_words = cap;
  }
  char *copy = malloc(n + 1);
  if (!copy) return -1;
  memcpy(copy, s, n);
  copy[n] = '\0';
  in->words[in->n_words] = copy;
  in->wtab[h] = (uint32_t)in->n_words + 1;
  return (long)in->n_words++;
}

static int gtab_grow(intern *in) {
  size_t cap = in->gtab_cap ? in->gtab_cap * 2 : 4096;
  uint32_t *t = calloc(cap, sizeof *t);
  if (!t) return -1;
  for (size_t i = 0; i < in->n_grams; i++) {
    size_t h = hash_gram(in->grams[i], in->gram_n[i]) & (cap - 1);
    while (t[h]) h = (h + 1) & (cap - 1);
    t[h] = (uint32_t)i + 1;
  }
  free(in->gtab);
  in->gtab = t;
  in->gtab_cap = cap;
  return 0;
}

static long intern_gram(intern *in, const uint32_t *w, int n) {
  if (2 * (in->n_grams + 1) > in->gtab_cap && gtab_grow(in)) return -1;
  size_t h = hash_gram(w, n) & (in->gtab_cap - 1);
  while (in->gtab[h]) {
    size_t g = in->gtab[h] - 1;
    if (in->gram_n[g] == n && !memcmp(in->grams[g], w, (size_t)n * sizeof *w)) return (long)g;
    h = (h + 1) & (in->gtab_cap - 1);
  }
  if (in->n_grams == in->cap_grams) {
    size_t cap = in->cap_grams ? in->cap_grams * 2 : 4096;
    uint32_t(*g)[CAP_N] = realloc(in->grams, cap * sizeof *g);
    if (!g) return -1;
    in->grams = g;
    uint8_t *gn = realloc(in->gram_n, cap);
    if (!gn) return -1;
    in->gram_n = gn;
    in->cap_grams = cap;
  }
  memset(in->grams[in->n_grams], 0, sizeof in->grams[0]);
  memcpy(in->grams[in->n_grams], w, (size_t)n * sizeof *w);
  in->gram_n[in->n_grams] = (uint8_t)n;
  in->gtab[h] = (uint32_t)in->n_grams + 1;
  return (long)in->n_grams++;
}

/* Python's s.split() into word ids. *ids is malloc'd (caller frees). Returns the count or -1. */
static long split_words(intern *in, const char *s, uint32_t **ids) {
  size_t n = strlen(s), i = 0, count = 0, cap = 16;
  uint32_t *out = malloc(cap * sizeof *out);
  if (!out) return -1;
  while (i < n) {
    size_t j = i;
    if (ustr_is_space(ustr_decode(s, n, &j), USTR_PY3)) {
      i = j;
      continue;
    }
    size_t w0 = i;
    while (i < n) {
      j = i;
      if (ustr_is_space(ustr_decode(s, n, &j), USTR_PY3)) break;
      i = j;
    }
    long id = intern_word(in, s + w0, i - w0);
    if (id < 0) goto oom;
    if (count == cap) {
      cap *= 2;
      uint32_t *p = realloc(out, cap * sizeof *p);
      if (!p) goto oom;
      out = p;
    }
    out[count++] = (uint32_t)id;
  }
  *ids = out;
  return (long)count;
oom:
  free(out);
  return -1;
}

/* A sentence's n-gram counts in precook's insertion order (n = 1..4, then position). */
typedef struct {
  uint32_t *gram;  /* n-gram ids, first occurrence order */
  uint32_t *count; /* term frequencies */
  uint8_t *n;      /* n-gram length - 1 */
  size_t len;      /* distinct n-grams */
  long words;      /* number of words */
} cooked;

static void cooked_free(cooked *c) {
  free(c->gram);
  free(c->count);
  free(c->n);
  memset(c, 0, sizeof *c);
}

/* precook(s): counts[ngram] for n = 1..4. pos_of is scratch of size >= n_grams (all ~0u on entry
 * and on return). */
static int precook(intern *in, const char *s, cooked *c, uint32_t **pos_of, size_t *pos_cap) {
  uint32_t *w = NULL;
  long nw = split_words(in, s, &w);
  if (nw < 0) return -1;
  memset(c, 0, sizeof *c);
  c->words = nw;
  size_t max_grams = nw > 0 ? (size_t)nw * CAP_N : 1;
  c->gram = malloc(max_grams * sizeof *c->gram);
  c->count = malloc(max_grams * sizeof *c->count);
  c->n = malloc(max_grams);
  if (!c->gram || !c->count || !c->n) goto oom;
  for (int k = 1; k <= CAP_N; k++) {
    for (long i = 0; i + k <= nw; i++) {
      long g = intern_gram(in, w + i, k);
      if (g < 0) goto oom;
      if ((size_t)g >= *pos_cap) {
        size_t cap = *pos_cap ? *pos_cap : 4096;
        while (cap <= (size_t)g) cap *= 2;
        uint32_t *p = realloc(*pos_of, cap * sizeof *p);
        if (!p) goto oom;
        memset(p + *pos_cap, 0xFF, (cap - *pos_cap) * sizeof *p);
        *pos_of = p;
        *pos_cap = cap;
      }
      uint32_t at = (*pos_of)[g];
      if (at == UINT32_MAX) {
        (*pos_of)[g] = (uint32_t)c->len;
        c->gram[c->len] = (uint32_t)g;
        c->count[c->len] = 1;
        c->n[c->len] = (uint8_t)(k - 1);
        c->len++;
      } else {
        c->count[at]++;
      }
    }
  }
  for (size_t i = 0; i < c->len; i++) (*pos_of)[c->gram[i]] = UINT32_MAX;
  free(w);
  return 0;
oom:
  if (c->gram)
    for (size_t i = 0; i < c->len; i++) (*pos_of)[c->gram[i]] = UINT32_MAX;
  free(w);
  cooked_free(c);
  return -1;
}

/* All sentences of a set, cooked. */
typedef struct {
  intern in;
  cooked *cand; /* [n_items] */
  cooked **refs; /* [n_items][n_refs] */
  size_t n_items;
  uint32_t *pos_of;
  size_t pos_cap;
} cooked_set;

static void cooked_set_free(cooked_set *cs) {
  for (size_t i = 0; i < cs->n_items; i++) {
    if (cs->cand) cooked_free(&cs->cand[i]);
  }
  free(cs->cand);
  if (cs->refs) {
    for (size_t i = 0; i < cs->n_items; i++) free(cs->refs[i]);
    free(cs->refs);
  }
  free(cs->pos_of);
  intern_free(&cs->in);
}

static int cook_set(const caption_item *items, size_t n_items, cooked_set *cs, char *err,
                    size_t err_size) {
  memset(cs, 0, sizeof *cs);
  for (size_t i = 0; i < n_items; i++)
    if (items[i].n_refs == 0) {
      if (err) snprintf(err, err_size, "caption: image %zu of the set has no reference captions", i);
      return -1;
    }
  cs->n_items = n_items;
  cs->cand = calloc(n_items ? n_items : 1, sizeof *cs->cand);
  cs->refs = calloc(n_items ? n_items : 1, sizeof *cs->refs);
  if (!cs->cand || !cs->refs) goto oom;
  for (size_t i = 0; i < n_items; i++) {
    if (!(cs->refs[i] = calloc(items[i].n_refs, sizeof **cs->refs))) goto oom;
    if (precook(&cs->in, items[i].candidate, &cs->cand[i], &cs->pos_of, &cs->pos_cap)) goto oom;
    for (size_t r = 0; r < items[i].n_refs; r++)
      if (precook(&cs->in, items[i].refs[r], &cs->refs[i][r], &cs->pos_of, &cs->pos_cap)) goto oom;
  }
  return 0;
oom:
  set_err(err, err_size, "caption: out of memory");
  /* free what was cooked: refs rows hold cooked entries that must be released */
  for (size_t i = 0; i < n_items && cs->refs; i++)
    if (cs->refs[i])
      for (size_t r = 0; r < items[i].n_refs; r++) cooked_free(&cs->refs[i][r]);
  cooked_set_free(cs);
  return -1;
}

static void cook_set_release(const caption_item *items, cooked_set *cs) {
  for (size_t i = 0; i < cs->n_items; i++)
    for (size_t r = 0; r < items[i].n_refs; r++) cooked_free(&cs->refs[i][r]);
  cooked_set_free(cs);
}

/* ---- CIDEr-D ---- */

typedef struct {
  double *val;   /* tf-idf per distinct n-gram, in c->gram order */
  double norm[CAP_N];
  long length;   /* the bigram count (the reference's "length") */
} tfidf;

static int counts2vec(const cooked *c, const double *df_log, double ref_len, tfidf *v) {
  v->val = malloc((c->len ? c->len : 1) * sizeof *v->val);
  if (!v->val) return -1;
  double norm[CAP_N] = {0.0, 0.0, 0.0, 0.0};
  v->length = 0;
  for (size_t i = 0; i < c->len; i++) {
    int n = c->n[i];
    double x = (double)c->count[i] * (ref_len - df_log[c->gram[i]]);
    v->val[i] = x;
    norm[n] += x * x;
    if (n == 1) v->length += c->count[i];
  }
  for (int n = 0; n < CAP_N; n++) v->norm[n] = sqrt(norm[n]);
  return 0;
}

int caption_cider_d(const caption_item *items, size_t n_items, double *per_image, double *corpus,
                    char *err, size_t err_size) {
  cooked_set cs;
  if (cook_set(items, n_items, &cs, err, err_size)) return -1;
  int rc = -1;
  double *df_log = NULL, *ref_val = NULL;
  uint32_t *seen = NULL;
  size_t ng = cs.in.n_grams;
  double *df = calloc(ng ? ng : 1, sizeof *df);
  df_log = malloc((ng ? ng : 1) * sizeof *df_log);
  seen = malloc((ng ? ng : 1) * sizeof *seen);
  ref_val = calloc(ng ? ng : 1, sizeof *ref_val);
  if (!df || !df_log || !seen || !ref_val) goto oom;
  /* document frequency: images whose references contain the n-gram */
  for (size_t g = 0; g < ng; g++) seen[g] = UINT32_MAX;
  for (size_t i = 0; i < n_items; i++)
    for (size_t r = 0; r < items[i].n_refs; r++) {
      const cooked *c = &cs.refs[i][r];
      for (size_t k = 0; k < c->len; k++)
        if (seen[c->gram[k]] != (uint32_t)i) {
          seen[c->gram[k]] = (uint32_t)i;
          df[c->gram[k]] += 1.0;
        }
    }
  for (size_t g = 0; g < ng; g++) df_log[g] = log(df[g] > 1.0 ? df[g] : 1.0);
  double ref_len = log((double)n_items);
  const double e = 2.718281828459045; /* np.e; the penalty is np.e ** x, i.e. pow, not exp */
  for (size_t i = 0; i < n_items; i++) {
    tfidf vh, vr;
    if (counts2vec(&cs.cand[i], df_log, ref_len, &vh)) goto oom;
    double score[CAP_N] = {0.0, 0.0, 0.0, 0.0};
    for (size_t r = 0; r < items[i].n_refs; r++) {
      const cooked *cr = &cs.refs[i][r];
      if (counts2vec(cr, df_log, ref_len, &vr)) {
        free(vh.val);
        goto oom;
      }
      for (size_t k = 0; k < cr->len; k++) ref_val[cr->gram[k]] = vr.val[k];
      double delta = (double)(vh.length - vr.length);
      double val[CAP_N] = {0.0, 0.0, 0.0, 0.0};
      const cooked *ch = &cs.cand[i];
      for (size_t k = 0; k < ch->len; k++) {
        double h = vh.val[k], rv = ref_val[ch->gram[k]];
        val[ch->n[k]] += (h < rv ? h : rv) * rv;
      }
      for (int n = 0; n < CAP_N; n++) {
        if (vh.norm[n] != 0 && vr.norm[n] != 0) val[n] /= (vh.norm[n] * vr.norm[n]);
        val[n] *= pow(e, -(delta * delta) / (2 * CIDER_SIGMA * CIDER_SIGMA));
        score[n] += val[n];
      }
      for (size_t k = 0; k < cr->len; k++) ref_val[cr->gram[k]] = 0.0;
      free(vr.val);
    }
    free(vh.val);
    double avg = caption_numpy_mean(score, CAP_N);
    avg /= (double)items[i].n_refs;
    avg *= 10.0;
    per_image[i] = avg;
  }
  *corpus = caption_numpy_mean(per_image, n_items);
  rc = 0;
  goto done;
oom:
  set_err(err, err_size, "caption: out of memory");
done:
  free(df);
  free(df_log);
  free(seen);
  free(ref_val);
  cook_set_release(items, &cs);
  return rc;
}

/* ---- BLEU ---- */

int caption_bleu(const caption_item *items, size_t n_items, double (*per_image)[4], double corpus[4],
                 char *err, size_t err_size) {
  cooked_set cs;
  if (cook_set(items, n_items, &cs, err, err_size)) return -1;
  size_t ng = cs.in.n_grams;
  uint32_t *maxc = calloc(ng ? ng : 1, sizeof *maxc);
  if (!maxc) {
    cook_set_release(items, &cs);
    set_err(err, err_size, "caption: out of memory");
    return -1;
  }
  const double small = 1e-9, tiny = 1e-15;
  long long tot_guess[CAP_N] = {0}, tot_correct[CAP_N] = {0}, tot_test = 0, tot_ref = 0;
  for (size_t i = 0; i < n_items; i++) {
    /* cook_refs: max count of each n-gram over the references; cook_test */
    for (size_t r = 0; r < items[i].n_refs; r++) {
      const cooked *c = &cs.refs[i][r];
      for (size_t k = 0; k < c->len; k++)
        if (c->count[k] > maxc[c->gram[k]]) maxc[c->gram[k]] = c->count[k];
    }
    const cooked *t = &cs.cand[i];
    long testlen = t->words;
    /* "closest": min over (|l - testlen|, l) */
    long reflen = cs.refs[i][0].words;
    for (size_t r = 1; r < items[i].n_refs; r++) {
      long l = cs.refs[i][r].words;
      long d = labs(l - testlen), bd = labs(reflen - testlen);
      if (d < bd || (d == bd && l < reflen)) reflen = l;
    }
    long guess[CAP_N], correct[CAP_N] = {0};
    for (int k = 0; k < CAP_N; k++) guess[k] = testlen - k > 0 ? testlen - k : 0;
    for (size_t k = 0; k < t->len; k++) {
      uint32_t m = maxc[t->gram[k]];
      correct[t->n[k]] += t->count[k] < m ? t->count[k] : m;
    }
    for (size_t r = 0; r < items[i].n_refs; r++) {
      const cooked *c = &cs.refs[i][r];
      for (size_t k = 0; k < c->len; k++) maxc[c->gram[k]] = 0;
    }
    double bleu = 1.0;
    for (int k = 0; k < CAP_N; k++) {
      bleu *= ((double)correct[k] + tiny) / ((double)guess[k] + small);
      per_image[i][k] = pow(bleu, 1.0 / (k + 1));
    }
    double ratio = ((double)testlen + tiny) / ((double)reflen + small);
    if (ratio < 1)
      for (int k = 0; k < CAP_N; k++) per_image[i][k] *= exp(1 - 1 / ratio);
    tot_test += testlen;
    tot_ref += reflen;
    for (int k = 0; k < CAP_N; k++) {
      tot_guess[k] += guess[k];
      tot_correct[k] += correct[k];
    }
  }
  double bleu = 1.0;
  for (int k = 0; k < CAP_N; k++) {
    bleu *= ((double)tot_correct[k] + tiny) / ((double)tot_guess[k] + small);
    corpus[k] = pow(bleu, 1.0 / (k + 1));
  }
  double ratio = ((double)tot_test + tiny) / ((double)tot_ref + small);
  if (ratio < 1)
    for (int k = 0; k < CAP_N; k++) corpus[k] *= exp(1 - 1 / ratio);
  free(maxc);
  cook_set_release(items, &cs);
  return 0;
}

/* ---- ROUGE-L ---- */

/* str.split(" ") into [start, end) offsets: n_spaces + 1 pieces, empty ones included. */
static size_t split_space(const char *s, size_t **bounds) {
  size_t n = strlen(s), pieces = 1;
  for (size_t i = 0; i < n; i++) pieces += s[i] == ' ';
  size_t *b = malloc(2 * pieces * sizeof *b);
  if (!b) return 0;
  size_t k = 0, w0 = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || s[i] == ' ') {
      b[2 * k] = w0;
      b[2 * k + 1] = i;
      k++;
      w0 = i + 1;
    }
  *bounds = b;
  return pieces;
}

static int piece_eq(const char *a, const size_t *ba, size_t i, const char *b, const size_t *bb, size_t j) {
  size_t la = ba[2 * i + 1] - ba[2 * i], lb = bb[2 * j + 1] - bb[2 * j];
  return la == lb && !memcmp(a + ba[2 * i], b + bb[2 * j], la);
}

int caption_rouge_l(const caption_item *items, size_t n_items, double *per_image, double *corpus,
                    char *err, size_t err_size) {
  const double b2 = ROUGE_BETA * ROUGE_BETA; /* self.beta**2 */
  size_t *lens = NULL, lens_cap = 0;
  for (size_t i = 0; i < n_items; i++) {
    if (items[i].n_refs == 0) {
      if (err) snprintf(err, err_size, "caption: image %zu of the set has no reference captions", i);
      free(lens);
      return -1;
    }
    size_t *bc = NULL;
    size_t nc = split_space(items[i].candidate, &bc);
    if (!nc) goto oom;
    double prec_max = 0, rec_max = 0;
    for (size_t r = 0; r < items[i].n_refs; r++) {
      size_t *br = NULL;
      size_t nr = split_space(items[i].refs[r], &br);
      if (!nr) {
        free(bc);
        goto oom;
      }
      /* my_lcs(token_r, token_c): the longer list is "string", the shorter "sub" */
      const char *ss = items[i].refs[r], *su = items[i].candidate;
      const size_t *bs = br, *bu = bc;
      size_t ns = nr, nu = nc;
      if (ns < nu) {
        ss = items[i].candidate, su = items[i].refs[r];
        bs = bc, bu = br;
        ns = nc, nu = nr;
      }
      if (lens_cap < nu + 1) {
        free(lens);
        lens_cap = nu + 1;
        if (!(lens = malloc(2 * lens_cap * sizeof *lens))) {
          free(bc);
          free(br);
          goto oom;
        }
      }
      /* one row over "sub" per element of "string" (the LCS length does not depend on order) */
      size_t *prev = lens, *cur = lens + lens_cap;
      for (size_t j = 0; j <= nu; j++) prev[j] = 0;
      for (size_t a = 1; a <= ns; a++) {
        cur[0] = 0;
        for (size_t j = 1; j <= nu; j++)
          cur[j] = piece_eq(ss, bs, a - 1, su, bu, j - 1) ? prev[j - 1] + 1
                   : (prev[j] > cur[j - 1] ? prev[j] : cur[j - 1]);
        size_t *t = prev;
        prev = cur;
        cur = t;
      }
      size_t lcs = prev[nu];
      double prec = (double)lcs / (double)nc, rec = (double)lcs / (double)nr;
      if (r == 0 || prec > prec_max) prec_max = prec;
      if (r == 0 || rec > rec_max) rec_max = rec;
      free(br);
    }
    free(bc);
    per_image[i] = (prec_max != 0 && rec_max != 0)
                       ? ((1 + b2) * prec_max * rec_max) / (rec_max + b2 * prec_max)
                       : 0.0;
  }
  free(lens);
  *corpus = caption_numpy_mean(per_image, n_items);
  return 0;
oom:
  free(lens);
  set_err(err, err_size, "caption: out of memory");
  return -1;
}

/* ---- the pipeline ---- */

int caption_score_tokenized(const caption_item *items, size_t n_items, caption_scores *per_image,
                            caption_scores *corpus, char *err, size_t err_size) {
  double *a = malloc((n_items ? n_items : 1) * sizeof *a);
  double(*b)[4] = malloc((n_items ? n_items : 1) * sizeof *b);
  if (!a || !b) {
    free(a);
    free(b);
    set_err(err, err_size, "caption: out of memory");
    return -1;
  }
  int rc = -1;
  if (caption_cider_d(items, n_items, a, &corpus->cider, err, err_size)) goto done;
  for (size_t i = 0; i < n_items; i++) per_image[i].cider = a[i];
  if (caption_rouge_l(items, n_items, a, &corpus->rouge_l, err, err_size)) goto done;
  for (size_t i = 0; i < n_items; i++) per_image[i].rouge_l = a[i];
  if (caption_bleu(items, n_items, b, corpus->bleu, err, err_size)) goto done;
  for (size_t i = 0; i < n_items; i++) memcpy(per_image[i].bleu, b[i], sizeof b[i]);
  rc = 0;
done:
  free(a);
  free(b);
  return rc;
}

int caption_tokenize_set(const ptb_tokenizer *t, const caption_item *items, size_t n_items,
                         char **cand_tok, char **ref_tok, char *err, size_t err_size) {
  size_t n_refs = 0;
  for (size_t i = 0; i < n_items; i++) n_refs += items[i].n_refs;
  const char **refs = malloc((n_refs ? n_refs : 1) * sizeof *refs);
  const char **cands = malloc((n_items ? n_items : 1) * sizeof *cands);
  if (!refs || !cands) {
    free(refs);
    free(cands);
    set_err(err, err_size, "caption: out of memory");
    return -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < n_items; i++) {
    cands[i] = items[i].candidate;
    for (size_t r = 0; r < items[i].n_refs; r++) refs[k++] = items[i].refs[r];
  }
  int rc = ptb_tokenize_captions(t, refs, n_refs, ref_tok, NULL, err, err_size);
  if (!rc && ptb_tokenize_captions(t, cands, n_items, cand_tok, NULL, err, err_size)) {
    for (size_t i = 0; i < n_refs; i++) free(ref_tok[i]);
    rc = -1;
  }
  free(refs);
  free(cands);
  return rc;
}

int caption_score_raw(const ptb_tokenizer *t, const caption_item *items, size_t n_items,
                      caption_scores *per_image, caption_scores *corpus, char *err,
                      size_t err_size) {
  size_t n_refs = 0;
  for (size_t i = 0; i < n_items; i++) n_refs += items[i].n_refs;
  char **ref_tok = calloc(n_refs ? n_refs : 1, sizeof *ref_tok);
  char **cand_tok = calloc(n_items ? n_items : 1, sizeof *cand_tok);
  caption_item *tok = calloc(n_items ? n_items : 1, sizeof *tok);
  int rc = -1;
  if (!ref_tok || !cand_tok || !tok) {
    set_err(err, err_size, "caption: out of memory");
    goto done;
  }
  if (caption_tokenize_set(t, items, n_items, cand_tok, ref_tok, err, err_size)) goto done;
  size_t k = 0;
  for (size_t i = 0; i < n_items; i++) {
    tok[i].candidate = cand_tok[i];
    tok[i].refs = (const char *const *)(ref_tok + k);
    tok[i].n_refs = items[i].n_refs;
    k += items[i].n_refs;
  }
  rc = caption_score_tokenized(tok, n_items, per_image, corpus, err, err_size);
  for (size_t i = 0; i < n_refs; i++) free(ref_tok[i]);
  for (size_t i = 0; i < n_items; i++) free(cand_tok[i]);
done:
  free(ref_tok);
  free(cand_tok);
  free(tok);
  return rc;
}
