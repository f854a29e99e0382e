/* json_stream.h - a streaming, bounds-checked JSON pull parser for large annotation files.
 *
 * cJSON builds a node per value: on the 330 MB VQAv2 train annotations that is ~20 million nodes
 * and several GB (bench/dataset_load.md). This reader instead walks the file through a fixed
 * 256 KiB buffer and hands values to the caller one at a time, so memory stays bounded by what the
 * caller keeps. The caller drives it with the shape it expects:
 *
 *   json_stream s;                                   // reading {"questions": [{"question_id": 1}]}
 *   if (json_stream_open(&s, path, err, n)) return -1;
 *   json_stream_object_begin(&s);
 *   while ((rc = json_stream_object_next(&s, key, sizeof key)) == 1) {
 *     if (strcmp(key, "questions") == 0) { json_stream_array_begin(&s); while (json_stream_array_next(&s) == 1) ...; }
 *     else json_stream_skip(&s);
 *   }
 *   json_stream_close(&s);
 *
 * Every function returns 0 (or 1/0 for the *_next iterators) on success and -1 on a syntax error,
 * an I/O error or a value of the wrong kind; json_stream_error() then says where, as
 * "<file>:<line>:<col>: <what>". After an error every further call fails with the same message.
 * Strings are unescaped (\uXXXX and surrogate pairs to UTF-8) and checked to be valid UTF-8, with
 * control characters rejected as Python's json module does. Nesting deeper than JSON_STREAM_MAX_DEPTH
 * is an error, never a stack overflow. */
#ifndef FEWSHOT_JSON_STREAM_H
#define FEWSHOT_JSON_STREAM_H

#include <stdint.h>
#include <stdio.h>

enum { JSON_STREAM_MAX_DEPTH = 256, JSON_STREAM_BUF = 1 << 18 };

typedef enum {
  JSON_KIND_BAD = 0, /* end of input, or a byte that starts no value */
  JSON_KIND_OBJECT,
  JSON_KIND_ARRAY,
  JSON_KIND_STRING,
  JSON_KIND_NUMBER,
  JSON_KIND_TRUE,
  JSON_KIND_FALSE,
  JSON_KIND_NULL
} json_kind;

typedef struct {
  FILE *f;                     /* NULL when reading from memory */
  unsigned char *buf;          /* the window (owned in file mode) */
  size_t pos, len;             /* next byte, bytes valid in buf */
  uint64_t base;               /* file offset of buf[0] */
  uint64_t line, line_start;   /* 1-based line, file offset where it starts */
  int failed;                  /* sticky error flag */
  int depth;                   /* current nesting depth of begun containers */
  unsigned char first[JSON_STREAM_MAX_DEPTH]; /* 1 until a container's first member is read */
  char *sbuf;                  /* the last string read (NUL-terminated, owned) */
  size_t scap, slen;
  char name[256];              /* file name for messages */
  char err[512];               /* the error message once failed */
} json_stream;

/* Opens `path` for streaming. Returns 0, or -1 with "<path>: <strerror>" in err. Close with
 * json_stream_close() in both cases (closing a failed open is a no-op). */
int json_stream_open(json_stream *s, const char *path, char *err, size_t err_size);

/* Reads from `len` bytes at `data` (not copied; must outlive the stream); `name` is used in
 * messages. Never fails. */
void json_stream_open_mem(json_stream *s, const char *name, const char *data, size_t len);

/* Releases the buffer and closes the file. */
void json_stream_close(json_stream *s);

/* The error message, or "" when no error happened. Owned by the stream. */
const char *json_stream_error(const json_stream *s);

/* Skips whitespace and says what kind of value comes next, without consuming it. JSON_KIND_BAD at
 * end of input or on a byte that cannot start a value (not itself an error). */
json_kind json_stream_peek(json_stream *s);

/* Consumes '{'. */
int json_stream_object_begin(json_stream *s);

/* Moves to the next member of the innermost object: returns 1 with its key in `key` (NUL-terminated,
 * or "" when the key does not fit in key_size bytes or holds a NUL, so it matches no key a caller
 * tests) and the ':' consumed, so the value comes next; 0 when the object ended ('}' consumed); -1 on error. */
int json_stream_object_next(json_stream *s, char *key, size_t key_size);

/* Consumes '['. */
int json_stream_array_begin(json_stream *s);

/* Returns 1 when another element of the innermost array follows (its value comes next), 0 when the
 * array ended (']' consumed), -1 on error. */
int json_stream_array_next(json_stream *s);

/* Reads a string value. *out points at the unescaped, NUL-terminated bytes, valid until the next call
 * on the stream; *len (may be NULL) gets its length (it may contain NUL bytes from \u0000). */
int json_stream_string(json_stream *s, const char **out, size_t *len);

/* Reads a number that must be an integer in int64 range (no fraction, no exponent). */
int json_stream_int64(json_stream *s, int64_t *out);

/* Reads any number as a double (strtod on the JSON number text). */
int json_stream_number(json_stream *s, double *out);

/* Reads true or false into *out (1/0). */
int json_stream_bool(json_stream *s, int *out);

/* Skips one value of any kind, however deeply nested (iteratively). */
int json_stream_skip(json_stream *s);

/* Checks that only whitespace is left. */
int json_stream_finish(json_stream *s);

/* Marks the stream failed with "<file>:<line>:<col>: <message>" and returns -1. For callers that find
 * a value of the right syntax but wrong meaning and want the position in the message. */
int json_stream_fail(json_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
