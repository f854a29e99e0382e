/* test_util.h - the assertion helpers every test executable uses (header only, no globals).
 *
 * A test main() owns a test_ctx, runs its checks, and returns test_report(&t): non-zero when any
 * check failed, so ctest sees the failure. Each failed check prints "FAIL <unit>: <what>" with the
 * values involved; after TEST_MAX_PRINTED failures the rest are only counted.
 *
 *   test_ctx t = test_begin("safetensors");
 *   TEST_CHECK(&t, n == 3, "tensor count: expected 3, got %d", n);
 *   test_near(&t, got, want, 1e-9, 1e-9, "cider image %d", id);
 *   return test_report(&t);
 *
 * Test data lives under tests/; executables get its path through the FEWSHOT_TEST_DIR definition
 * (tests/CMakeLists.txt). */
#ifndef FEWSHOT_TEST_UTIL_H
#define FEWSHOT_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_MAX_PRINTED
#define TEST_MAX_PRINTED 20
#endif

typedef struct {
  const char *unit; /* name printed with every failure */
  long checks;      /* checks run */
  long failures;    /* checks failed */
} test_ctx;

static inline test_ctx test_begin(const char *unit) {
  test_ctx t = {unit, 0, 0};
  return t;
}

/* Records one check; prints the formatted message when it failed. Returns `ok`. */
static inline int test_record(test_ctx *t, int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline int test_record(test_ctx *t, int ok, const char *file, int line, const char *fmt, ...) {
  t->checks++;
  if (ok) return 1;
  t->failures++;
  if (t->failures <= TEST_MAX_PRINTED) {
    va_list ap;
    fprintf(stderr, "FAIL %s (%s:%d): ", t->unit, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
  } else if (t->failures == TEST_MAX_PRINTED + 1) {
    fprintf(stderr, "FAIL %s: further failures are counted, not printed\n", t->unit);
  }
  return 0;
}

#define TEST_CHECK(t, cond, ...) test_record((t), !!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* |got - want| <= atol + rtol * |want|; NaN equals NaN only when both are NaN. */
#define test_near(t, got, want, atol, rtol, ...)                                                  \
  test_near_impl((t), (double)(got), (double)(want), (atol), (rtol), __FILE__, __LINE__, __VA_ARGS__)
static inline int test_near_impl(test_ctx *t, double got, double want, double atol, double rtol,
                                 const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
static inline int test_near_impl(test_ctx *t, double got, double want, double atol, double rtol,
                                 const char *file, int line, const char *fmt, ...) {
  int ok = (isnan(got) && isnan(want)) || fabs(got - want) <= atol + rtol * fabs(want);
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return test_record(t, ok, file, line, "%s: got %.17g, want %.17g (diff %.3g)", what, got, want,
                     got - want);
}

/* String equality with both strings printed on failure. */
#define test_streq(t, got, want, ...) \
  test_streq_impl((t), (got), (want), __FILE__, __LINE__, __VA_ARGS__)
static inline int test_streq_impl(test_ctx *t, const char *got, const char *want, const char *file,
                                  int line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline int test_streq_impl(test_ctx *t, const char *got, const char *want, const char *file,
                                  int line, const char *fmt, ...) {
  int ok = got && want && strcmp(got, want) == 0;
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return test_record(t, ok, file, line, "%s: got \"%s\", want \"%s\"", what, got ? got : "(null)",
                     want ? want : "(null)");
}

/* Prints a one-line summary and returns the process exit status: 0 when every check passed. */
static inline int test_report(const test_ctx *t) {
  if (t->checks == 0) {
    fprintf(stderr, "FAIL %s: no checks ran\n", t->unit);
    return 1;
  }
  fprintf(stderr, "%s: %ld checks, %ld failed\n", t->unit, t->checks, t->failures);
  return t->failures ? 1 : 0;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer (caller frees); *len gets its size.
 * Returns NULL when the file cannot be read. For tests only. */
static inline char *test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 65536 + 1 > cap) {
      cap = (n + 65536 + 1) * 2;
      char *nb = realloc(buf, cap);
      if (!nb) { free(buf); fclose(f); return NULL; }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 65536, f);
    n += got;
    if (got < 65536) break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return NULL; }
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

#endif
