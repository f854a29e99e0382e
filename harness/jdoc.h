/* jdoc.h - a fast read-only JSON document for `fewshot score`'s large inputs (a VQAv2 annotation file
 * is ~170 MB). One pass, nodes and decoded strings in an arena, no per-node malloc.
 *
 * Semantics follow Python's json module where the references depend on it: a repeated object key
 * keeps the last value (jval_get), strings are decoded (escapes, \u surrogate pairs) into UTF-8.
 * Stricter than Python: strings must be valid UTF-8 and may not contain lone surrogates; NaN and
 * Infinity literals are refused; nesting deeper than 1,000 levels is refused.
 *
 * Ownership: every jval and string lives in the jdoc and dies with jdoc_free. No globals. */
#ifndef FEWSHOT_JDOC_H
#define FEWSHOT_JDOC_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jval_type;

typedef struct jval jval;
struct jval {
  jval_type type;
  uint32_t len;   /* string: bytes; array: items; object: members */
  int is_integer; /* number written without fraction or exponent, |value| < 2^53 */
  union {
    double num;
    const char *str;    /* NUL-terminated; may hold '\0' inside when the JSON had \u0000 */
    const jval *items;  /* array: items[len]; object: items[2*len] as key, value pairs */
  } u;
};

typedef struct jdoc jdoc;

/* Parses the file at path. Returns the document (free with jdoc_free) and sets *root, or returns
 * NULL with "<path>: <reason> (line L, column C)" in err. */
jdoc *jdoc_parse_file(const char *path, const jval **root, char *err, size_t err_size);

/* Parses text[0..n) (copied). label names the input in errors. Same results as jdoc_parse_file. */
jdoc *jdoc_parse(const char *text, size_t n, const char *label, const jval **root, char *err,
                 size_t err_size);

void jdoc_free(jdoc *d);

/* The value of key in an object (the last one when the key repeats), or NULL (also when obj is not
 * an object). */
const jval *jval_get(const jval *obj, const char *key);

/* The string of v, or NULL when v is not a string. */
const char *jval_str(const jval *v);

/* Reads an integer id: a number with an integral value of magnitude below 2^53 (1 and 1.0 both
 * count, as Python's == does). Returns 0 and sets *out, or -1. */
int jval_id(const jval *v, long long *out);

#endif
