/* ustr.h - the small UTF-8 toolkit the metrics share: decoding, Python's notion of whitespace,
 * lower-case and decimal digits, and a growable byte buffer.
 *
 * The metrics reproduce Python reference code (str.strip, str.split, str.lower, re's \d). The
 * Unicode facts come from tables generated under the Python 3.11 the references ran under
 * (tools/reference/gen_unicode_tables.py, Unicode 14.0). USTR_PY2 selects the few places where
 * Python 2.7's unicode type differs and that we model: U+180E counts as whitespace, and U+0130
 * lower-cases to "i" (Python 3 gives "i" + U+0307). Characters assigned after Unicode 5.2 (the
 * version of Python 2.7) are treated as Python 3 treats them.
 *
 * No globals; every function is pure apart from the buffer it is given. */
#ifndef FEWSHOT_USTR_H
#define FEWSHOT_USTR_H

#include <stddef.h>
#include <stdint.h>

/* Which Python's str semantics to follow. */
typedef enum { USTR_PY3 = 0, USTR_PY2 = 1 } ustr_python;

/* Decodes the code point at s[*i] (s has n bytes) and advances *i past it. Invalid or truncated
 * sequences decode as U+FFFD and advance one byte (callers validate input first). */
uint32_t ustr_decode(const char *s, size_t n, size_t *i);

/* Returns 1 when s[0..n) is well-formed UTF-8 (no surrogates, no overlongs, <= U+10FFFF). */
int ustr_valid_utf8(const char *s, size_t n);

/* str.isspace() for one code point, under Python 3 or 2.7. */
int ustr_is_space(uint32_t cp, ustr_python py);

/* Unicode category Nd: what \d matches in a Python 3 str pattern. */
int ustr_is_digit(uint32_t cp);

/* Unicode "Cased" (lower, upper or title case letters). */
int ustr_is_cased(uint32_t cp);

/* Letters, digits and combining marks: what lies inside a word for Java's final-sigma rule. */
int ustr_is_wordish(uint32_t cp);

/* A growable byte buffer, always NUL-terminated once anything was appended. Zero-initialise it
 * ({0}); free with ustr_buf_free. Appends return 0, or -1 when memory runs out (the buffer keeps
 * its previous content). */
typedef struct {
  char *data;
  size_t len, cap;
} ustr_buf;

int ustr_buf_reserve(ustr_buf *b, size_t extra);
int ustr_buf_append(ustr_buf *b, const char *s, size_t n);
int ustr_buf_putc(ustr_buf *b, char c);
/* Appends the UTF-8 encoding of cp. */
int ustr_buf_put_cp(ustr_buf *b, uint32_t cp);
/* Empties the buffer (keeps its memory) and NUL-terminates it. Returns -1 when memory runs out. */
int ustr_buf_clear(ustr_buf *b);
void ustr_buf_free(ustr_buf *b);

/* Appends str.lower() of s[0..n) to b, under Python 3 or 2.7. Returns 0 or -1 (out of memory). */
int ustr_lower_append(ustr_buf *b, const char *s, size_t n, ustr_python py);

/* Bounds of s[0..n) with Python whitespace stripped from both ends: [*lo, *hi). */
void ustr_strip(const char *s, size_t n, ustr_python py, size_t *lo, size_t *hi);

#endif
