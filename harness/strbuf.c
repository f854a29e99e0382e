/* strbuf.c - growable text buffer (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `extra` more bytes plus the NUL. Returns 0, or -1 (and sets oom). */
static int reserve(strbuf *b, size_t extra) {
  if (b->oom) return -1;
  if (b->buf && extra < b->cap - b->n) return 0;
  if (extra > (SIZE_MAX / 2) - b->n - 1) {
    b->oom = 1;
    return -1;
  }
  size_t cap = (b->n + extra + 1) * 2;
  char *nb = realloc(b->buf, cap);
  if (!nb) {
    b->oom = 1;
    return -1;
  }
  b->buf = nb;
  b->cap = cap;
  return 0;
}

void strbuf_add(strbuf *b, const char *s, size_t len) {
  if (reserve(b, len)) return;
  memcpy(b->buf + b->n, s, len);
  b->n += len;
  b->buf[b->n] = '\0';
}

void strbuf_printf(strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->oom = 1;
    return;
  }
  if (reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->buf + b->n, b->cap - b->n, fmt, ap);
  va_end(ap);
  b->n += (size_t)n;
}

char *strbuf_finish(strbuf *b) {
  char *text = b->buf;
  if (b->oom) {
    free(text);
    text = NULL;
  } else if (!text) {
    text = calloc(1, 1);
  }
  memset(b, 0, sizeof *b);
  return text;
}
