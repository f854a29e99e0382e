/* strbuf.h - a growable NUL-terminated text buffer for the harness's writers (summary.csv,
 * summary.svg). Appends never fail loudly: an allocation failure sets `oom`, later appends do
 * nothing, and strbuf_finish returns NULL. */
#ifndef FEWSHOT_STRBUF_H
#define FEWSHOT_STRBUF_H

#include <stddef.h>

typedef struct {
  char *buf; /* malloc'd, NUL-terminated once anything was appended; NULL while empty */
  size_t n;  /* bytes used, without the NUL */
  size_t cap;
  int oom;   /* an append ran out of memory */
} strbuf;

/* Appends len bytes of s. */
void strbuf_add(strbuf *b, const char *s, size_t len);

/* Appends printf-formatted text (any length). */
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the text (the caller frees it; "" when nothing was appended), or NULL after an allocation
 * failure (the buffer is then freed). The strbuf is left empty. */
char *strbuf_finish(strbuf *b);

#endif
