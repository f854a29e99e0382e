/* rundir.c - run directory layout and file helpers (rundir.h). */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rundir_records_path(const char *dir, const char *task, int shots, long long seed, char *buf,
                        size_t buf_size) {
  int n = snprintf(buf, buf_size, "%s/records/%s-%dshot-seed%lld.jsonl", dir, task, shots, seed);
  return n < 0 || (size_t)n >= buf_size ? -1 : 0;
}

int rundir_mkdirs(const char *path, char *err, size_t err_size) {
  char buf[4096];
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof buf) {
    if (err) snprintf(err, err_size, "%s: path empty or too long", path);
    return -1;
  }
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
      if (err) snprintf(err, err_size, "%s: cannot create folder: %s", buf, strerror(errno));
      return -1;
    }
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (err) snprintf(err, err_size, "%s: not a folder", path);
    return -1;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void rundir_free_list(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

int rundir_list_records(const char *dir, char ***paths, size_t *n, char *err, size_t err_size) {
  *paths = NULL;
  *n = 0;
  char rec[4096];
  snprintf(rec, sizeof rec, "%s/records", dir);
  DIR *d = opendir(rec);
  if (!d) {
    if (errno == ENOENT) return 0;
    if (err) snprintf(err, err_size, "%s: %s", rec, strerror(errno));
    return -1;
  }
  size_t cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0 || de->d_name[0] == '.') continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      char **np = realloc(*paths, cap * sizeof *np);
      if (!np) {
        rc = -1;
        break;
      }
      *paths = np;
    }
    size_t need = strlen(rec) + len + 2;
    char *p = malloc(need);
    if (!p) {
      rc = -1;
      break;
    }
    snprintf(p, need, "%s/%s", rec, de->d_name);
    (*paths)[(*n)++] = p;
  }
  closedir(d);
  if (rc != 0) {
    rundir_free_list(*paths, *n);
    *paths = NULL;
    *n = 0;
    if (err) snprintf(err, err_size, "%s: out of memory", rec);
    return -1;
  }
  if (*n) qsort(*paths, *n, sizeof **paths, cmp_str);
  return 0;
}

int rundir_write_file_atomic(const char *path, const char *text, size_t len, char *err, size_t err_size) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
    if (err) snprintf(err, err_size, "%s: path too long", path);
    return -1;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (err) snprintf(err, err_size, "%s: %s", tmp, strerror(errno));
    return -1;
  }
  size_t done = 0;
  int rc = 0;
  while (done < len) {
    ssize_t k = write(fd, text + done, len - done);
    if (k < 0) {
      if (errno == EINTR) continue;
      rc = -1;
      break;
    }
    done += (size_t)k;
  }
  if (rc == 0 && fsync(fd) != 0) rc = -1;
  if (close(fd) != 0) rc = -1;
  if (rc == 0 && rename(tmp, path) != 0) rc = -1;
  if (rc != 0) {
    if (err) snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
    unlink(tmp);
  }
  return rc;
}

char *rundir_read_file(const char *path, size_t *len, char *err, size_t err_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err) snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return NULL;
  }
  char *buf = rundir_read_stream(f, path, 0, len, err, err_size);
  fclose(f);
  return buf;
}

char *rundir_read_stream(FILE *f, const char *label, size_t max_bytes, size_t *len, char *err,
                         size_t err_size) {
  /* one allocation of the file's size when it can be known, doubling otherwise (pipes) */
  size_t cap = (size_t)1 << 16, n = 0;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    if (max_bytes && (uint64_t)st.st_size > max_bytes) goto too_large;
    if ((uint64_t)st.st_size >= SIZE_MAX) goto out_of_memory;
    cap = (size_t)st.st_size + 1;
  }
  char *buf = malloc(cap);
  if (!buf) goto out_of_memory;
  for (;;) {
    n += fread(buf + n, 1, cap - 1 - n, f);
    if (n < cap - 1) break; /* end of input or an error (ferror below) */
    int c = fgetc(f);       /* the buffer is full: is there more? */
    if (c == EOF) break;
    if (cap > SIZE_MAX / 2) {
      free(buf);
      goto out_of_memory;
    }
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      goto out_of_memory;
    }
    buf = nb;
    cap *= 2;
    buf[n++] = (char)c;
    if (max_bytes && n > max_bytes) {
      free(buf);
      goto too_large;
    }
  }
  if (ferror(f)) {
    free(buf);
    if (err) snprintf(err, err_size, "%s: read error", label);
    return NULL;
  }
  if (max_bytes && n > max_bytes) {
    free(buf);
    goto too_large;
  }
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
out_of_memory:
  if (err) snprintf(err, err_size, "%s: out of memory", label);
  return NULL;
too_large:
  if (err) snprintf(err, err_size, "%s: larger than %zu bytes", label, max_bytes);
  return NULL;
}

int rundir_resolve(const char *arg, char *buf, size_t buf_size, char *err, size_t err_size) {
  struct stat st;
  if (stat(arg, &st) != 0) {
    if (err) snprintf(err, err_size, "%s: %s", arg, strerror(errno));
    return -1;
  }
  size_t len = strlen(arg);
  if (len + 1 > buf_size) {
    if (err) snprintf(err, err_size, "%s: path too long", arg);
    return -1;
  }
  memcpy(buf, arg, len + 1);
  if (S_ISDIR(st.st_mode)) {
    while (len > 1 && buf[len - 1] == '/') buf[--len] = '\0';
    return 0;
  }
  char *slash = strrchr(buf, '/');
  if (!slash) snprintf(buf, buf_size, ".");
  else if (slash == buf) buf[1] = '\0';
  else *slash = '\0';
  return 0;
}
