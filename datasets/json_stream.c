/* json_stream.c - streaming JSON pull parser (see json_stream.h).
 *
 * The grammar is RFC 8259, checked strictly: no trailing commas, no comments, no leading zeros, no
 * NaN/Infinity, no raw control characters in strings, valid UTF-8 only. */
#include "json_stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void stream_reset(json_stream *s) {
  memset(s, 0, sizeof *s);
  s->line = 1;
}

int json_stream_open(json_stream *s, const char *path, char *err, size_t err_size) {
  stream_reset(s);
  snprintf(s->name, sizeof s->name, "%s", path);
  s->f = fopen(path, "rb");
  if (!s->f) {
    if (err) snprintf(err, err_size, "%s: %s", path, strerror(errno));
    s->failed = 1;
    snprintf(s->err, sizeof s->err, "%s: %s", path, strerror(errno));
    return -1;
  }
  s->buf = malloc(JSON_STREAM_BUF);
  if (!s->buf) {
    fclose(s->f);
    s->f = NULL;
    if (err) snprintf(err, err_size, "%s: out of memory", path);
    s->failed = 1;
    return -1;
  }
  return 0;
}

void json_stream_open_mem(json_stream *s, const char *name, const char *data, size_t len) {
  stream_reset(s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->buf = (unsigned char *)data;
  s->len = len;
}

void json_stream_close(json_stream *s) {
  if (s->f) {
    fclose(s->f);
    free(s->buf);
  }
  free(s->sbuf);
  s->f = NULL;
  s->buf = NULL;
  s->sbuf = NULL;
  s->scap = s->slen = 0;
  s->pos = s->len = 0;
}

const char *json_stream_error(const json_stream *s) { return s->failed ? s->err : ""; }

int json_stream_fail(json_stream *s, const char *fmt, ...) {
  if (s->failed) return -1;
  s->failed = 1;
  uint64_t off = s->base + s->pos;
  int n = snprintf(s->err, sizeof s->err, "%s:%" PRIu64 ":%" PRIu64 ": ", s->name, s->line,
                   off - s->line_start + 1);
  if (n < 0 || (size_t)n >= sizeof s->err) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err + n, sizeof s->err - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

/* Makes at least one byte available at buf[pos]; returns 0 at end of input. */
static int refill(json_stream *s) {
  if (s->pos < s->len) return 1;
  if (!s->f) return 0;
  s->base += s->len;
  s->pos = 0;
  s->len = fread(s->buf, 1, JSON_STREAM_BUF, s->f);
  if (s->len == 0) {
    if (ferror(s->f)) json_stream_fail(s, "read error");
    return 0;
  }
  return 1;
}

/* The next byte without consuming it, or -1 at end of input. */
static inline int peek_byte(json_stream *s) {
  if (s->pos < s->len) return s->buf[s->pos];
  return refill(s) ? s->buf[s->pos] : -1;
}

static inline int skip_ws(json_stream *s) {
  for (;;) {
    while (s->pos < s->len) {
      unsigned char c = s->buf[s->pos];
      if (c == ' ' || c == '\t' || c == '\r') {
        s->pos++;
      } else if (c == '\n') {
        s->pos++;
        s->line++;
        s->line_start = s->base + s->pos;
      } else {
        return c;
      }
    }
    if (!refill(s)) return -1;
  }
}

static const char *describe(int c, char *tmp, size_t n) {
  if (c < 0) return "end of input";
  if (c >= 0x20 && c < 0x7f) snprintf(tmp, n, "'%c'", c);
  else snprintf(tmp, n, "byte 0x%02x", c);
  return tmp;
}

static int expect_byte(json_stream *s, int want, const char *what) {
  if (s->failed) return -1;
  int c = skip_ws(s);
  if (c != want) {
    char tmp[16];
    return json_stream_fail(s, "expected %s, found %s", what, describe(c, tmp, sizeof tmp));
  }
  s->pos++;
  return 0;
}

json_kind json_stream_peek(json_stream *s) {
  if (s->failed) return JSON_KIND_BAD;
  int c = skip_ws(s);
  switch (c) {
    case '{': return JSON_KIND_OBJECT;
    case '[': return JSON_KIND_ARRAY;
    case '"': return JSON_KIND_STRING;
    case 't': return JSON_KIND_TRUE;
    case 'f': return JSON_KIND_FALSE;
    case 'n': return JSON_KIND_NULL;
    default: return (c == '-' || (c >= '0' && c <= '9')) ? JSON_KIND_NUMBER : JSON_KIND_BAD;
  }
}

static int push(json_stream *s) {
  if (s->depth >= JSON_STREAM_MAX_DEPTH) return json_stream_fail(s, "nesting deeper than %d", JSON_STREAM_MAX_DEPTH);
  s->first[s->depth++] = 1;
  return 0;
}

int json_stream_object_begin(json_stream *s) {
  if (expect_byte(s, '{', "an object ('{')")) return -1;
  return push(s);
}

int json_stream_array_begin(json_stream *s) {
  if (expect_byte(s, '[', "an array ('[')")) return -1;
  return push(s);
}

/* Shared by object_next/array_next: handles '}'/']' and the ',' between members. */
static int container_next(json_stream *s, int close, const char *what) {
  if (s->failed) return -1;
  if (s->depth <= 0) return json_stream_fail(s, "internal: no open container");
  int c = skip_ws(s);
  if (c == close) {
    s->pos++;
    s->depth--;
    return 0;
  }
  if (s->first[s->depth - 1]) {
    s->first[s->depth - 1] = 0;
    if (c < 0) return json_stream_fail(s, "unexpected end of input in %s", what);
    return 1;
  }
  if (c != ',') {
    char tmp[16];
    return json_stream_fail(s, "expected ',' or '%c' in %s, found %s", close, what,
                            describe(c, tmp, sizeof tmp));
  }
  s->pos++;
  c = skip_ws(s);
  if (c == close) return json_stream_fail(s, "trailing comma in %s", what);
  if (c < 0) return json_stream_fail(s, "unexpected end of input in %s", what);
  return 1;
}

static int sbuf_reserve(json_stream *s, size_t extra) {
  if (s->slen + extra + 1 <= s->scap) return 0;
  size_t cap = s->scap ? s->scap : 256;
  while (cap < s->slen + extra + 1) {
    if (cap > SIZE_MAX / 2) return json_stream_fail(s, "string too long");
    cap *= 2;
  }
  char *p = realloc(s->sbuf, cap);
  if (!p) return json_stream_fail(s, "out of memory reading a string");
  s->sbuf = p;
  s->scap = cap;
  return 0;
}

static int sbuf_put(json_stream *s, const void *p, size_t n) {
  if (sbuf_reserve(s, n)) return -1;
  memcpy(s->sbuf + s->slen, p, n);
  s->slen += n;
  return 0;
}

static int put_codepoint(json_stream *s, uint32_t cp) {
  unsigned char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (unsigned char)(0xC0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    /* A lone surrogate (legal in JSON, kept by Python as a lone code point) is encoded as its
     * 3-byte form (WTF-8), so no information is lost. */
    u[0] = (unsigned char)(0xE0 | (cp >> 12)); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | (cp >> 18)); u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (unsigned char)(0x80 | (cp & 0x3F)); n = 4;
  }
  return sbuf_put(s, u, n);
}

static int read_hex4(json_stream *s, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int c = peek_byte(s);
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return json_stream_fail(s, "bad \\u escape");
    s->pos++;
    v = v * 16 + (uint32_t)d;
  }
  *out = v;
  return 0;
}

/* Reads one UTF-8 sequence whose lead byte `c` (>= 0x80) is at buf[pos], checking it, and appends it. */
static int read_utf8(json_stream *s, int c) {
  int n;
  uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = (uint32_t)c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = (uint32_t)c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = (uint32_t)c & 0x07; min = 0x10000; }
  else return json_stream_fail(s, "invalid UTF-8 byte 0x%02x in a string", c);
  unsigned char seq[4] = {(unsigned char)c};
  s->pos++;
  for (int i = 1; i <= n; i++) {
    int d = peek_byte(s);
    if (d < 0x80 || d > 0xBF) return json_stream_fail(s, "truncated UTF-8 sequence in a string");
    seq[i] = (unsigned char)d;
    cp = (cp << 6) | ((uint32_t)d & 0x3F);
    s->pos++;
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return json_stream_fail(s, "invalid UTF-8 sequence in a string");
  return sbuf_put(s, seq, (size_t)n + 1);
}

int json_stream_string(json_stream *s, const char **out, size_t *len) {
  if (expect_byte(s, '"', "a string")) return -1;
  s->slen = 0;
  uint32_t pending_hi = 0; /* a \uD800-\uDBFF escape waiting for its low half */
  for (;;) {
    /* Fast path: copy the run of plain ASCII bytes in the window. */
    size_t start = s->pos;
    while (s->pos < s->len) {
      unsigned char c = s->buf[s->pos];
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      s->pos++;
    }
    if (s->pos > start) {
      if (pending_hi) {
        if (put_codepoint(s, pending_hi)) return -1;
        pending_hi = 0;
      }
      if (sbuf_put(s, s->buf + start, s->pos - start)) return -1;
    }
    int c = peek_byte(s);
    if (c < 0) return json_stream_fail(s, "unterminated string");
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue; /* the window was refilled: plain run */
    if (c != '\\' && pending_hi) {
      if (put_codepoint(s, pending_hi)) return -1;
      pending_hi = 0;
    }
    if (c == '"') {
      s->pos++;
      break;
    }
    if (c < 0x20) return json_stream_fail(s, "control character 0x%02x in a string", c);
    if (c >= 0x80) {
      if (read_utf8(s, c)) return -1;
      continue;
    }
    /* backslash escape */
    s->pos++;
    int e = peek_byte(s);
    if (e < 0) return json_stream_fail(s, "unterminated string");
    s->pos++;
    if (e == 'u') {
      uint32_t cp = 0;
      if (read_hex4(s, &cp)) return -1;
      if (pending_hi && cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0x10000 + ((pending_hi - 0xD800) << 10) + (cp - 0xDC00);
        pending_hi = 0;
      } else if (pending_hi) {
        if (put_codepoint(s, pending_hi)) return -1;
        pending_hi = 0;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        pending_hi = cp;
      } else if (put_codepoint(s, cp)) {
        return -1;
      }
      continue;
    }
    if (pending_hi) {
      if (put_codepoint(s, pending_hi)) return -1;
      pending_hi = 0;
    }
    char ch;
    switch (e) {
      case '"': ch = '"'; break;
      case '\\': ch = '\\'; break;
      case '/': ch = '/'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'n': ch = '\n'; break;
      case 'r': ch = '\r'; break;
      case 't': ch = '\t'; break;
      default: return json_stream_fail(s, "bad escape '\\%c' in a string", e >= 0x20 && e < 0x7f ? e : '?');
    }
    if (sbuf_put(s, &ch, 1)) return -1;
  }
  if (sbuf_reserve(s, 0)) return -1;
  s->sbuf[s->slen] = '\0';
  *out = s->sbuf;
  if (len) *len = s->slen;
  return 0;
}

/* Reads the text of a JSON number into tmp (checked against the grammar). *is_int says whether it
 * had neither fraction nor exponent. */
static int read_number_text(json_stream *s, char *tmp, size_t cap, int *is_int) {
  if (s->failed) return -1;
  int c = skip_ws(s);
  size_t n = 0;
  *is_int = 1;
#define TAKE()                                                            \
  do {                                                                    \
    if (n + 1 >= cap) return json_stream_fail(s, "number too long");      \
    tmp[n++] = (char)c;                                                   \
    s->pos++;                                                             \
    c = peek_byte(s);                                                     \
  } while (0)
  if (c == '-') TAKE();
  if (c == '0') {
    TAKE();
  } else if (c >= '1' && c <= '9') {
    while (c >= '0' && c <= '9') TAKE();
  } else {
    return json_stream_fail(s, "expected a number");
  }
  if (c == '.') {
    *is_int = 0;
    TAKE();
    if (!(c >= '0' && c <= '9')) return json_stream_fail(s, "expected a digit after '.'");
    while (c >= '0' && c <= '9') TAKE();
  }
  if (c == 'e' || c == 'E') {
    *is_int = 0;
    TAKE();
    if (c == '+' || c == '-') TAKE();
    if (!(c >= '0' && c <= '9')) return json_stream_fail(s, "expected a digit in the exponent");
    while (c >= '0' && c <= '9') TAKE();
  }
#undef TAKE
  tmp[n] = '\0';
  return 0;
}

int json_stream_int64(json_stream *s, int64_t *out) {
  char tmp[72];
  int is_int;
  if (json_stream_peek(s) != JSON_KIND_NUMBER) return json_stream_fail(s, "expected an integer");
  if (read_number_text(s, tmp, sizeof tmp, &is_int)) return -1;
  if (!is_int) return json_stream_fail(s, "expected an integer, found %s", tmp);
  errno = 0;
  long long v = strtoll(tmp, NULL, 10);
  if (errno == ERANGE) return json_stream_fail(s, "integer %s out of range", tmp);
  *out = (int64_t)v;
  return 0;
}

int json_stream_number(json_stream *s, double *out) {
  char tmp[72];
  int is_int;
  if (json_stream_peek(s) != JSON_KIND_NUMBER) return json_stream_fail(s, "expected a number");
  if (read_number_text(s, tmp, sizeof tmp, &is_int)) return -1;
  *out = strtod(tmp, NULL);
  return 0;
}

static int expect_literal(json_stream *s, const char *lit) {
  for (const char *p = lit; *p; p++) {
    if (peek_byte(s) != *p) return json_stream_fail(s, "expected '%s'", lit);
    s->pos++;
  }
  return 0;
}

int json_stream_bool(json_stream *s, int *out) {
  json_kind k = json_stream_peek(s);
  if (k == JSON_KIND_TRUE) {
    *out = 1;
    return expect_literal(s, "true");
  }
  if (k == JSON_KIND_FALSE) {
    *out = 0;
    return expect_literal(s, "false");
  }
  return json_stream_fail(s, "expected true or false");
}

int json_stream_skip(json_stream *s) {
  /* Iterative: kinds[] remembers whether each container this skip opened is an object or an array;
   * strings go through json_stream_string so escapes and UTF-8 are checked the same way. */
  char kinds[JSON_STREAM_MAX_DEPTH];
  int depth = 0;
  for (;;) {
    if (s->failed) return -1;
    char tmp[72];
    int is_int;
    switch (json_stream_peek(s)) {
      case JSON_KIND_OBJECT:
        if (json_stream_object_begin(s)) return -1;
        kinds[depth++] = '{';
        break;
      case JSON_KIND_ARRAY:
        if (json_stream_array_begin(s)) return -1;
        kinds[depth++] = '[';
        break;
      case JSON_KIND_STRING: {
        const char *str;
        if (json_stream_string(s, &str, NULL)) return -1;
        break;
      }
      case JSON_KIND_NUMBER:
        if (read_number_text(s, tmp, sizeof tmp, &is_int)) return -1;
        break;
      case JSON_KIND_TRUE: if (expect_literal(s, "true")) return -1; break;
      case JSON_KIND_FALSE: if (expect_literal(s, "false")) return -1; break;
      case JSON_KIND_NULL: if (expect_literal(s, "null")) return -1; break;
      default: {
        char d[16];
        return json_stream_fail(s, "expected a value, found %s", describe(peek_byte(s), d, sizeof d));
      }
    }
    /* Move to the next value inside the containers opened here, closing those that end. */
    for (;;) {
      if (depth == 0) return 0;
      int rc;
      if (kinds[depth - 1] == '{') {
        char key[2];
        rc = json_stream_object_next(s, key, sizeof key);
      } else {
        rc = json_stream_array_next(s);
      }
      if (rc < 0) return -1;
      if (rc == 1) break;
      depth--;
    }
  }
}

int json_stream_object_next(json_stream *s, char *key, size_t key_size) {
  int rc = container_next(s, '}', "an object");
  if (rc != 1) return rc;
  const char *k;
  size_t n;
  if (json_stream_peek(s) != JSON_KIND_STRING) return json_stream_fail(s, "expected a key string in an object");
  if (json_stream_string(s, &k, &n)) return -1;
  if (key_size > 0) {
    if (n < key_size && memchr(k, '\0', n) == NULL) memcpy(key, k, n + 1);
    else key[0] = '\0'; /* does not fit: reported as "" so it matches no key a caller tests */
  }
  if (expect_byte(s, ':', "':' after a key")) return -1;
  return 1;
}

int json_stream_array_next(json_stream *s) { return container_next(s, ']', "an array"); }

int json_stream_finish(json_stream *s) {
  if (s->failed) return -1;
  int c = skip_ws(s);
  if (c >= 0) {
    char tmp[16];
    return json_stream_fail(s, "unexpected %s after the top-level value", describe(c, tmp, sizeof tmp));
  }
  return s->failed ? -1 : 0;
}
