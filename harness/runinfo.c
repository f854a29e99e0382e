/* runinfo.c - times, hashes and device facts for run.json (runinfo.h). */
#include "runinfo.h"

#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonnum.h"
#include "sha256.h"

char *runinfo_utc_now(char *buf, size_t size) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Feeds `n` bytes at `off` of f into c. */
static int hash_range(sha256_ctx *c, FILE *f, uint64_t off, uint64_t n, unsigned char *buf, size_t buf_size) {
  if (fseeko(f, (off_t)off, SEEK_SET) != 0) return -1;
  while (n) {
    size_t want = n < buf_size ? (size_t)n : buf_size, got = fread(buf, 1, want, f);
    if (got != want) return -1;
    sha256_update(c, buf, got);
    n -= got;
  }
  return 0;
}

static int hash_file_into(sha256_ctx *c, const char *path, const char *name, int full, int safetensors,
                          unsigned char *buf, size_t buf_size, char *err, size_t err_size) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0) {
    if (err) snprintf(err, err_size, "%s: %s", path, strerror(errno));
    if (f) fclose(f);
    return -1;
  }
  uint64_t size = (uint64_t)st.st_size;
  char head[300];
  int n = snprintf(head, sizeof head, "%s:%llu:", name, (unsigned long long)size);
  sha256_update(c, head, (size_t)n);
  int rc = 0;
  if (full || !safetensors) {
    rc = hash_range(c, f, 0, size, buf, buf_size);
  } else {
    /* safetensors: 8-byte little-endian header length, the JSON header, then the data. */
    unsigned char len8[8];
    uint64_t hlen = 0;
    if (size < 8 || fread(len8, 1, 8, f) != 8) rc = -1;
    for (int i = 7; rc == 0 && i >= 0; i--) hlen = hlen << 8 | len8[i];
    if (rc == 0 && hlen > size - 8) rc = -1;
    if (rc == 0) rc = hash_range(c, f, 0, 8 + hlen, buf, buf_size);
    uint64_t data = 8 + hlen, span = size - data, block = 65536;
    for (int k = 0; rc == 0 && k < 16 && span; k++) {
      uint64_t off = data + (span > block ? (span - block) * (uint64_t)k / 15 : 0);
      uint64_t len = span < block ? span : block;
      rc = hash_range(c, f, off, len, buf, buf_size);
      if (span <= block) break;
    }
  }
  if (rc != 0 && err) snprintf(err, err_size, "%s: cannot read for the fingerprint", path);
  fclose(f);
  return rc;
}

int runinfo_model_fingerprint(const char *dir, int full, char hex[65], const char **method, char *err,
                              size_t err_size) {
  *method = full ? "sha256-full" : "sha256-headers-sampled";
  DIR *d = opendir(dir);
  if (!d) {
    if (err) snprintf(err, err_size, "%s: %s", dir, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    int st = len > 12 && strcmp(de->d_name + len - 12, ".safetensors") == 0;
    if (!st && strcmp(de->d_name, "config.json") != 0 && strcmp(de->d_name, "model.safetensors.index.json") != 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn) {
        rc = -1;
        break;
      }
      names = nn;
    }
    if (!(names[n] = strdup(de->d_name))) {
      rc = -1;
      break;
    }
    n++;
  }
  closedir(d);
  if (rc != 0 && err) snprintf(err, err_size, "%s: out of memory", dir);
  if (rc == 0 && n) qsort(names, n, sizeof *names, cmp_str);
  int have_config = 0;
  for (size_t i = 0; i < n; i++) have_config |= strcmp(names[i], "config.json") == 0;
  if (rc == 0 && !have_config) {
    if (err) snprintf(err, err_size, "%s: no config.json: not a model folder", dir);
    rc = -1;
  }
  size_t buf_size = 1 << 20;
  unsigned char *buf = rc == 0 ? malloc(buf_size) : NULL;
  if (rc == 0 && !buf) rc = -1;
  sha256_ctx c;
  sha256_init(&c);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len = strlen(names[i]);
    int st = len > 12 && strcmp(names[i] + len - 12, ".safetensors") == 0;
    rc = hash_file_into(&c, path, names[i], full, st, buf, buf_size, err, err_size);
  }
  if (rc == 0) {
    unsigned char dg[32];
    sha256_final(&c, dg);
    sha256_hex(dg, hex);
  }
  free(buf);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

cJSON *runinfo_file_entry(const char *path, char *err, size_t err_size) {
  char hex[65];
  uint64_t bytes = 0;
  if (sha256_file(path, hex, &bytes, err, err_size) != 0) return NULL;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "path", path);
  jsonnum_add(o, "bytes", (double)bytes);
  cJSON_AddStringToObject(o, "sha256", hex);
  return o;
}

cJSON *runinfo_cpu_device(void) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "kind", "cpu");
  cJSON_AddNumberToObject(o, "threads", omp_get_max_threads());
  char model[256] = "unknown", line[512];
  FILE *f = fopen("/proc/cpuinfo", "r");
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) != 0) continue;
    char *colon = strchr(line, ':');
    if (!colon) continue;
    colon++;
    while (*colon == ' ' || *colon == '\t') colon++;
    colon[strcspn(colon, "\n")] = '\0';
    snprintf(model, sizeof model, "%s", colon);
    break;
  }
  if (f) fclose(f);
  cJSON_AddStringToObject(o, "cpu", model);
  return o;
}

char *runinfo_hostname(char *buf, size_t size) {
  if (gethostname(buf, size) != 0) snprintf(buf, size, "unknown");
  buf[size - 1] = '\0';
  return buf;
}
