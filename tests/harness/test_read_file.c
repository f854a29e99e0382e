/* test_read_file.c - the harness's one whole-file reader (rundir_read_file / rundir_read_stream)
 * and model/'s (fileio_read_all): empty files, files larger than the first buffer, exact-size
 * regular files, streams that grow the buffer, size limits and missing files, with the messages
 * the callers pass on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "rundir.h"
#include "test_util.h"

#define SCRATCH FEWSHOT_BINARY_DIR "/tests/scratch/read_file"

/* Writes n bytes of a position-dependent pattern to path. */
static void write_pattern(const char *path, size_t n) {
  FILE *f = fopen(path, "wb");
  for (size_t i = 0; f && i < n; i++) fputc((int)((i * 131 + 7) % 251), f);
  if (f) fclose(f);
}

static int is_pattern(const char *buf, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)buf[i] != (i * 131 + 7) % 251) return 0;
  return buf[n] == '\0';
}

int main(void) {
  test_ctx t = test_begin("read_file");
  char err[512], path[600];
  mkdir(FEWSHOT_BINARY_DIR "/tests/scratch", 0755);
  mkdir(SCRATCH, 0755);
  /* sizes around the first buffer (64 KiB) and its doublings, and empty */
  const size_t sizes[] = {0, 1, 65535, 65536, 65537, 300000};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k], len = 12345;
    snprintf(path, sizeof path, SCRATCH "/f%zu", n);
    write_pattern(path, n);
    char *a = rundir_read_file(path, &len, err, sizeof err);
    TEST_CHECK(&t, a && len == n && is_pattern(a, n), "rundir_read_file %zu bytes: %s", n, a ? "wrong bytes" : err);
    free(a);
    int missing = -1;
    len = 12345;
    char *b = fileio_read_all(path, 0, &len, &missing, err, sizeof err);
    TEST_CHECK(&t, b && len == n && missing == 0 && is_pattern(b, n), "fileio_read_all %zu bytes: %s", n,
               b ? "wrong bytes" : err);
    free(b);
    /* a stream whose size cannot be known (a pipe, stdin): the buffer grows */
    FILE *f = fopen(path, "rb");
    char *copy = f ? malloc(n + 1) : NULL;
    size_t got = copy ? fread(copy, 1, n, f) : 0;
    if (f) fclose(f);
    FILE *m = copy && got == n && n ? fmemopen(copy, n, "rb") : NULL;
    if (n && TEST_CHECK(&t, m != NULL, "fmemopen %zu", n)) {
      len = 12345;
      char *c = rundir_read_stream(m, "mem", 0, &len, err, sizeof err);
      TEST_CHECK(&t, c && len == n && is_pattern(c, n), "rundir_read_stream %zu bytes: %s", n, c ? "wrong bytes" : err);
      free(c);
      fclose(m);
    }
    free(copy);
  }
  /* limits: a regular file over the limit is refused before reading; a stream while reading */
  snprintf(path, sizeof path, SCRATCH "/f300000");
  FILE *f = fopen(path, "rb");
  char *c = f ? rundir_read_stream(f, "big", 200000, NULL, err, sizeof err) : NULL;
  TEST_CHECK(&t, f && !c && strstr(err, "big: larger than 200000 bytes"), "stream limit: %s", err);
  if (f) fclose(f);
  c = fileio_read_all(path, 299999, NULL, NULL, err, sizeof err);
  TEST_CHECK(&t, !c && strstr(err, "f300000: larger than 299999 bytes"), "file limit: %s", err);
  size_t len = 0;
  c = fileio_read_all(path, 300000, &len, NULL, err, sizeof err);
  TEST_CHECK(&t, c && len == 300000, "file at the limit: %s", c ? "" : err);
  free(c);
  char *pat = malloc(300000);
  for (size_t i = 0; pat && i < 300000; i++) pat[i] = (char)((i * 131 + 7) % 251);
  FILE *m = pat ? fmemopen(pat, 300000, "rb") : NULL;
  c = m ? rundir_read_stream(m, "mem", 100000, NULL, err, sizeof err) : NULL;
  TEST_CHECK(&t, m && !c && strstr(err, "mem: larger than 100000 bytes"), "growing stream limit: %s", err);
  if (m) fclose(m);
  free(pat);
  /* missing files: the messages callers pass on, and the flag optional files use */
  c = rundir_read_file(SCRATCH "/none", NULL, err, sizeof err);
  TEST_CHECK(&t, !c && strstr(err, "read_file/none: No such file"), "missing (harness): %s", err);
  int missing = 0;
  c = fileio_read_all(SCRATCH "/none", 0, &len, &missing, err, sizeof err);
  TEST_CHECK(&t, !c && missing == 1 && strstr(err, "read_file/none: cannot open: No such file"), "missing (model): %s",
             err);
  c = fileio_read_all(SCRATCH, 0, &len, &missing, err, sizeof err);
  TEST_CHECK(&t, !c && missing == 0 && strstr(err, "read_file: read error"), "a folder: %s", err);
  return test_report(&t);
}
