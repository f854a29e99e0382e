/* errbuf.h - the one helper of model/ for the error convention of docs/conventions.md: a fallible
 * function writes a one-line reason into the caller's `char *err, size_t err_size` (a NULL err, or
 * err_size 0, means "do not report"). Internal to model/: not part of its public interface. */
#ifndef FEWSHOT_MODEL_ERRBUF_H
#define FEWSHOT_MODEL_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats the reason (printf-style, truncated to err_size) into err. Returns -1, so that a function
 * returning int can `return set_err(err, err_size, ...);`. */
static inline int set_err(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int set_err(char *err, size_t err_size, const char *fmt, ...) {
  if (!err || err_size == 0) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
  return -1;
}

#endif
