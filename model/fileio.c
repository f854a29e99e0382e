/* fileio.c - model/'s whole-file reader (fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errbuf.h"

char *fileio_read_all(const char *path, size_t max_bytes, size_t *len, int *missing, char *err,
                      size_t err_size) {
  if (missing) *missing = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (missing) *missing = (errno == ENOENT);
    set_err(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  /* one allocation of the file's size when it can be known, doubling otherwise (pipes) */
  size_t cap = (size_t)1 << 16, n = 0;
  char *buf = NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    if (max_bytes && (uint64_t)st.st_size > max_bytes) goto too_large;
    if ((uint64_t)st.st_size >= SIZE_MAX) goto out_of_memory;
    cap = (size_t)st.st_size + 1;
  }
  if (!(buf = malloc(cap))) goto out_of_memory;
  for (;;) {
    n += fread(buf + n, 1, cap - 1 - n, f);
    if (n < cap - 1) break; /* end of file or an error (ferror below) */
    int c = fgetc(f);       /* the buffer is full: is there more? */
    if (c == EOF) break;
    char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
    if (!nb) goto out_of_memory;
    buf = nb;
    cap *= 2;
    buf[n++] = (char)c;
    if (max_bytes && n > max_bytes) goto too_large;
  }
  if (ferror(f)) {
    set_err(err, err_size, "%s: read error", path);
    goto fail;
  }
  if (max_bytes && n > max_bytes) goto too_large;
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
out_of_memory:
  set_err(err, err_size, "%s: out of memory", path);
  goto fail;
too_large:
  set_err(err, err_size, "%s: larger than %zu bytes", path, max_bytes);
fail:
  free(buf);
  fclose(f);
  return NULL;
}
