/* ustr.c - UTF-8 decoding, Python whitespace / lower-case / digit facts, growable buffer (ustr.h). */
#include "ustr.h"

#include <stdlib.h>
#include <string.h>

struct ustr_range {
  uint32_t lo, hi;
};
struct ustr_lower {
  uint32_t from, to, second;
};

#include "ustr_tables.inc"

#define USTR_COUNT(a) (sizeof(a) / sizeof((a)[0]))

uint32_t ustr_decode(const char *str, size_t n, size_t *i) {
  const unsigned char *s = (const unsigned char *)str;
  size_t k = *i;
  unsigned c = s[k];
  if (c < 0x80) {
    *i = k + 1;
    return c;
  }
  int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || k + (size_t)len > n) {
    *i = k + 1;
    return 0xFFFD;
  }
  uint32_t cp = c & (0x7F >> len);
  for (int j = 1; j < len; j++) {
    if ((s[k + j] & 0xC0) != 0x80) {
      *i = k + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (s[k + j] & 0x3F);
  }
  *i = k + (size_t)len;
  return cp;
}

int ustr_valid_utf8(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + (size_t)len > n) return 0;
    uint32_t cp = c & (0x7F >> len);
    for (int j = 1; j < len; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += (size_t)len;
  }
  return 1;
}

static int in_ranges(uint32_t cp, const struct ustr_range *r, size_t n) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < r[mid].lo) hi = mid;
    else if (cp > r[mid].hi) lo = mid + 1;
    else return 1;
  }
  return 0;
}

int ustr_is_space(uint32_t cp, ustr_python py) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  if (py == USTR_PY2 && cp == 0x180E) return 1; /* Zs in Unicode 5.2 */
  return in_ranges(cp, ustr_space_ranges, USTR_COUNT(ustr_space_ranges));
}

int ustr_is_digit(uint32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(cp, ustr_digit_ranges, USTR_COUNT(ustr_digit_ranges));
}

int ustr_is_cased(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  return in_ranges(cp, ustr_cased_ranges, USTR_COUNT(ustr_cased_ranges));
}

int ustr_is_wordish(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  return in_ranges(cp, ustr_wordish_ranges, USTR_COUNT(ustr_wordish_ranges));
}

int ustr_buf_reserve(ustr_buf *b, size_t extra) {
  if (extra > (size_t)-1 / 2 - b->len) return -1;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) return -1;
  b->data = p;
  b->cap = cap;
  return 0;
}

int ustr_buf_append(ustr_buf *b, const char *s, size_t n) {
  if (ustr_buf_reserve(b, n)) return -1;
  if (n) memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int ustr_buf_putc(ustr_buf *b, char c) {
  if (b->len + 1 >= b->cap && ustr_buf_reserve(b, 1)) return -1;
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
  return 0;
}

int ustr_buf_put_cp(ustr_buf *b, uint32_t cp) {
  char t[4];
  size_t n;
  if (cp < 0x80) {
    t[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    t[0] = (char)(0xC0 | (cp >> 6));
    t[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    t[0] = (char)(0xE0 | (cp >> 12));
    t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    t[0] = (char)(0xF0 | (cp >> 18));
    t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return ustr_buf_append(b, t, n);
}

int ustr_buf_clear(ustr_buf *b) {
  if (!b->data && ustr_buf_reserve(b, 0)) return -1;
  b->len = 0;
  b->data[0] = '\0';
  return 0;
}

void ustr_buf_free(ustr_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static const struct ustr_lower *find_lower(uint32_t cp) {
  size_t lo = 0, hi = USTR_COUNT(ustr_lower_map);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < ustr_lower_map[mid].from) hi = mid;
    else if (cp > ustr_lower_map[mid].from) lo = mid + 1;
    else return &ustr_lower_map[mid];
  }
  return NULL;
}

int ustr_lower_append(ustr_buf *b, const char *s, size_t n, ustr_python py) {
  if (ustr_buf_reserve(b, n)) return -1;
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      if (ustr_buf_putc(b, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c))) return -1;
      i++;
      continue;
    }
    size_t start = i;
    uint32_t cp = ustr_decode(s, n, &i);
    const struct ustr_lower *m = find_lower(cp);
    if (!m) {
      if (ustr_buf_append(b, s + start, i - start)) return -1;
      continue;
    }
    if (ustr_buf_put_cp(b, m->to)) return -1;
    if (m->second && py == USTR_PY3 && ustr_buf_put_cp(b, m->second)) return -1;
  }
  return 0;
}

void ustr_strip(const char *s, size_t n, ustr_python py, size_t *lo, size_t *hi) {
  size_t a = 0, z = n;
  while (a < z) {
    size_t j = a;
    uint32_t cp = ustr_decode(s, z, &j);
    if (!ustr_is_space(cp, py)) break;
    a = j;
  }
  while (z > a) {
    size_t st = z - 1;
    while (st > a && ((unsigned char)s[st] & 0xC0) == 0x80) st--;
    size_t j = st;
    uint32_t cp = ustr_decode(s, z, &j);
    if (j != z || !ustr_is_space(cp, py)) break;
    z = st;
  }
  *lo = a;
  *hi = z;
}
