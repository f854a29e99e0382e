/* jdoc.c - one-pass JSON parser into an arena (jdoc.h). */
#include "jdoc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rundir.h"

#define JDOC_MAX_DEPTH 1000
#define JDOC_BLOCK (4u << 20)

typedef struct block {
  struct block *next;
  size_t used, cap;
  max_align_t data[];
} block;

struct jdoc {
  block *blocks;
  char *text; /* the input, owned; strings are decoded in place and NUL-terminated there */
  jval root;
};

typedef struct {
  jdoc *doc;
  char *p, *start, *end;
  const char *label;
  char *err;
  size_t err_size;
  jval *stack; /* children of the containers being parsed */
  size_t sp, cap;
  int depth;
} parser;

static void *arena_alloc(jdoc *d, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  block *b = d->blocks;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > JDOC_BLOCK ? n : JDOC_BLOCK;
    b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->next = d->blocks;
    b->used = 0;
    b->cap = cap;
    d->blocks = b;
  }
  void *r = (char *)b->data + b->used;
  b->used += n;
  return r;
}

void jdoc_free(jdoc *d) {
  if (!d) return;
  for (block *b = d->blocks; b;) {
    block *n = b->next;
    free(b);
    b = n;
  }
  free(d->text);
  free(d);
}

static int fail(parser *ps, const char *what) {
  if (ps->err && ps->err_size) {
    size_t line = 1, col = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
      if (*q == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    snprintf(ps->err, ps->err_size, "%s: not valid JSON: %s (line %zu, column %zu)", ps->label, what, line, col);
  }
  return -1;
}

static int push(parser *ps, const jval *v) {
  if (ps->sp == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 1024;
    jval *s = realloc(ps->stack, cap * sizeof *s);
    if (!s) return fail(ps, "out of memory");
    ps->stack = s;
    ps->cap = cap;
  }
  ps->stack[ps->sp++] = *v;
  return 0;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static char *put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* Parses a string at ps->p (on the opening quote) into v, decoding it in place (the decoded form is
 * never longer than the escaped one) and NUL-terminating it over the closing quote. */
static int parse_string(parser *ps, jval *v) {
  char *p = ps->p + 1, *end = ps->end;
  char *q = p;
  int escapes = 0;
  while (q < end && *q != '"') {
    if (*q == '\\') {
      escapes = 1;
      q += 2;
      continue;
    }
    if ((unsigned char)*q < 0x20) {
      ps->p = q;
      return fail(ps, "control character in a string");
    }
    q++;
  }
  if (q >= end) return fail(ps, "unterminated string");
  char *o0 = p, *o = p;
  if (!escapes) {
    o = q;
  } else {
    while (p < q) {
      if (*p != '\\') {
        *o++ = *p++;
        continue;
      }
      char c = p[1];
      p += 2;
      switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
          unsigned cp;
          if (q - p < 4 || hex4(p, &cp)) {
            ps->p = p;
            return fail(ps, "bad \\u escape");
          }
          p += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (q - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
              ps->p = p;
              return fail(ps, "lone surrogate in a \\u escape");
            }
            p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            ps->p = p;
            return fail(ps, "lone surrogate in a \\u escape");
          }
          o = put_utf8(o, cp);
          break;
        }
        default:
          ps->p = p - 1;
          return fail(ps, "bad escape");
      }
    }
  }
  *o = '\0';
  /* UTF-8 validation of the decoded bytes */
  const unsigned char *u = (const unsigned char *)o0, *ue = (const unsigned char *)o;
  while (u < ue) {
    if (*u < 0x80) {
      u++;
      continue;
    }
    int len = (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3 : (*u & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || ue - u < len) goto bad_utf8;
    unsigned cp = *u & (0x7F >> len);
    for (int i = 1; i < len; i++) {
      if ((u[i] & 0xC0) != 0x80) goto bad_utf8;
      cp = (cp << 6) | (u[i] & 0x3F);
    }
    static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) goto bad_utf8;
    u += len;
  }
  v->type = JV_STRING;
  v->len = (uint32_t)(o - o0);
  v->is_integer = 0;
  v->u.str = o0;
  ps->p = q + 1;
  return 0;
bad_utf8:
  ps->p = ps->p + 1;
  return fail(ps, "a string is not valid UTF-8");
}

static int parse_number(parser *ps, jval *v) {
  char *p = ps->p, *end = ps->end, *s = p;
  int neg = 0, frac = 0;
  if (p < end && *p == '-') neg = 1, p++;
  if (p >= end || *p < '0' || *p > '9') return fail(ps, "bad number");
  if (*p == '0') {
    p++;
  } else {
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  char *int_end = p;
  if (p < end && *p == '.') {
    frac = 1;
    p++;
    if (p >= end || *p < '0' || *p > '9') return fail(ps, "bad number");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    frac = 1;
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9') return fail(ps, "bad number");
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  v->type = JV_NUMBER;
  v->len = 0;
  size_t digits = (size_t)(int_end - s) - (size_t)neg;
  if (!frac && digits <= 15) {
    long long x = 0;
    for (const char *d = s + neg; d < int_end; d++) x = x * 10 + (*d - '0');
    v->u.num = neg ? -(double)x : (double)x;
    v->is_integer = 1;
  } else {
    char buf[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof buf) {
      char *tmp = malloc(n + 1);
      if (!tmp) return fail(ps, "out of memory");
      memcpy(tmp, s, n);
      tmp[n] = '\0';
      v->u.num = strtod(tmp, NULL);
      free(tmp);
    } else {
      memcpy(buf, s, n);
      buf[n] = '\0';
      v->u.num = strtod(buf, NULL);
    }
    v->is_integer = !frac && fabs(v->u.num) < 9007199254740992.0;
  }
  ps->p = p;
  return 0;
}

static int parse_value(parser *ps, jval *v);

static int parse_container(parser *ps, jval *v, int object) {
  if (++ps->depth > JDOC_MAX_DEPTH) return fail(ps, "nesting too deep");
  ps->p++;
  size_t base = ps->sp;
  uint32_t count = 0;
  skip_ws(ps);
  char close = object ? '}' : ']';
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
  } else {
    for (;;) {
      jval item;
      if (object) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a string key");
        if (parse_string(ps, &item) || push(ps, &item)) return -1;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':'");
        ps->p++;
      }
      skip_ws(ps);
      if (parse_value(ps, &item) || push(ps, &item)) return -1;
      if (count == UINT32_MAX) return fail(ps, "too many items");
      count++;
      skip_ws(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        break;
      }
      return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
  size_t n = ps->sp - base;
  jval *items = NULL;
  if (n) {
    items = arena_alloc(ps->doc, n * sizeof *items);
    if (!items) return fail(ps, "out of memory");
    memcpy(items, ps->stack + base, n * sizeof *items);
  }
  ps->sp = base;
  v->type = object ? JV_OBJECT : JV_ARRAY;
  v->len = count;
  v->is_integer = 0;
  v->u.items = items;
  ps->depth--;
  return 0;
}

static int literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return fail(ps, "unexpected character");
  ps->p += n;
  return 0;
}

static int parse_value(parser *ps, jval *v) {
  if (ps->p >= ps->end) return fail(ps, "unexpected end of input");
  memset(v, 0, sizeof *v);
  switch (*ps->p) {
    case '{': return parse_container(ps, v, 1);
    case '[': return parse_container(ps, v, 0);
    case '"': return parse_string(ps, v);
    case 't': v->type = JV_TRUE; return literal(ps, "true");
    case 'f': v->type = JV_FALSE; return literal(ps, "false");
    case 'n': v->type = JV_NULL; return literal(ps, "null");
    default: return parse_number(ps, v);
  }
}

/* Parses the buffer text[0..n) (n + 1 bytes allocated), taking ownership of it. */
static jdoc *parse_owned(char *text, size_t n, const char *label, const jval **root, char *err,
                         size_t err_size) {
  jdoc *d = calloc(1, sizeof *d);
  if (!d) {
    free(text);
    if (err) snprintf(err, err_size, "%s: out of memory", label);
    return NULL;
  }
  d->text = text;
  parser ps = {d, text, text, text + n, label, err, err_size, NULL, 0, 0, 0};
  skip_ws(&ps);
  int rc = parse_value(&ps, &d->root);
  if (!rc) {
    skip_ws(&ps);
    if (ps.p != ps.end) rc = fail(&ps, "extra data after the value");
  }
  free(ps.stack);
  if (rc) {
    jdoc_free(d);
    return NULL;
  }
  *root = &d->root;
  return d;
}

jdoc *jdoc_parse(const char *text, size_t n, const char *label, const jval **root, char *err,
                 size_t err_size) {
  char *copy = malloc(n + 1);
  if (!copy) {
    if (err) snprintf(err, err_size, "%s: out of memory", label);
    return NULL;
  }
  memcpy(copy, text, n);
  copy[n] = '\0';
  return parse_owned(copy, n, label, root, err, err_size);
}

jdoc *jdoc_parse_file(const char *path, const jval **root, char *err, size_t err_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err) snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  size_t n = 0;
  char *buf = rundir_read_stream(f, path, 0, &n, err, err_size);
  fclose(f);
  return buf ? parse_owned(buf, n, path, root, err, err_size) : NULL;
}

const jval *jval_get(const jval *obj, const char *key) {
  if (!obj || obj->type != JV_OBJECT) return NULL;
  size_t kl = strlen(key);
  for (uint32_t i = obj->len; i-- > 0;) {
    const jval *k = &obj->u.items[2 * i];
    if (k->len == kl && !memcmp(k->u.str, key, kl)) return &obj->u.items[2 * i + 1];
  }
  return NULL;
}

const char *jval_str(const jval *v) { return v && v->type == JV_STRING ? v->u.str : NULL; }

int jval_id(const jval *v, long long *out) {
  if (!v || v->type != JV_NUMBER) return -1;
  double x = v->u.num;
  if (!isfinite(x) || x != floor(x) || fabs(x) >= 9007199254740992.0) return -1;
  *out = (long long)x;
  return 0;
}
