/* records.c - per-sample JSONL records: serialisation, tolerant reading, crash-safe appending
 * (records.h, docs/results.md). */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "idmap.h"
#include "jsonnum.h"
#include "rundir.h"

static void set_err(char *err, size_t err_size, const char *fmt, const char *a, const char *b) {
  if (err && err_size) snprintf(err, err_size, fmt, a, b);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void free_strings(char **v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void records_entry_free(records_entry *e) {
  if (!e) return;
  free(e->id);
  free(e->task);
  free_strings(e->demos, e->n_demos);
  free(e->generation);
  free(e->prediction);
  free(e->reason);
  free_strings(e->references, e->n_references);
  cJSON_Delete(e->extra);
  memset(e, 0, sizeof *e);
}

void records_list_free(records_list *l) {
  for (size_t i = 0; i < l->n; i++) records_entry_free(&l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

static char **copy_strings(char *const *v, size_t n, int *oom) {
  if (!v || !n) return NULL;
  char **out = calloc(n, sizeof *out);
  if (!out) {
    *oom = 1;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if (v[i] && !(out[i] = strdup(v[i]))) *oom = 1;
  }
  return out;
}

int records_entry_copy(records_entry *dst, const records_entry *src) {
  int oom = 0;
  *dst = *src;
  dst->id = dup_or_null(src->id);
  dst->task = dup_or_null(src->task);
  dst->generation = dup_or_null(src->generation);
  dst->prediction = dup_or_null(src->prediction);
  dst->reason = dup_or_null(src->reason);
  dst->demos = copy_strings(src->demos, src->n_demos, &oom);
  if (!dst->demos) dst->n_demos = 0;
  dst->references = copy_strings(src->references, src->n_references, &oom);
  if (!dst->references) dst->n_references = 0;
  dst->extra = src->extra ? cJSON_Duplicate(src->extra, 1) : NULL;
  if (oom || (src->id && !dst->id) || (src->task && !dst->task) ||
      (src->generation && !dst->generation) || (src->prediction && !dst->prediction) ||
      (src->reason && !dst->reason) || (src->extra && !dst->extra)) {
    records_entry_free(dst);
    return -1;
  }
  return 0;
}

int records_list_push_copy(records_list *l, const records_entry *e) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    records_entry *items = realloc(l->items, cap * sizeof *items);
    if (!items) return -1;
    l->items = items;
    l->cap = cap;
  }
  if (records_entry_copy(&l->items[l->n], e) != 0) return -1;
  l->n++;
  return 0;
}

/* ---- JSON ---- */

static cJSON *string_array(char *const *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i] ? v[i] : ""));
  return a;
}

char *records_entry_to_json(const records_entry *e) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "id", e->id ? e->id : "");
  cJSON_AddStringToObject(o, "task", e->task ? e->task : "");
  cJSON_AddNumberToObject(o, "shots", e->shots);
  jsonnum_add(o, "seed", (double)e->seed);
  jsonnum_add(o, "index", (double)e->index);
  cJSON_AddItemToObject(o, "demos", string_array(e->demos, e->n_demos));
  if (e->generation) cJSON_AddStringToObject(o, "generation", e->generation);
  else cJSON_AddNullToObject(o, "generation");
  if (e->prediction) cJSON_AddStringToObject(o, "prediction", e->prediction);
  else cJSON_AddNullToObject(o, "prediction");
  jsonnum_add(o, "score", e->score);
  cJSON_AddStringToObject(o, "status", e->status == RECORDS_OK ? "ok" : "failed");
  if (e->reason) cJSON_AddStringToObject(o, "reason", e->reason);
  if (e->references) cJSON_AddItemToObject(o, "references", string_array(e->references, e->n_references));
  if (e->extra) cJSON_AddItemToObject(o, "extra", cJSON_Duplicate(e->extra, 1));
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

/* An id may be written as a string or (by other tools) as an integer; we keep strings. */
static char *id_string(const cJSON *v) {
  if (cJSON_IsString(v)) return strdup(v->valuestring);
  if (cJSON_IsNumber(v)) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
    return strdup(buf);
  }
  return NULL;
}

static int read_string_array(const cJSON *o, const char *key, char ***out, size_t *n, int *bad) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = NULL;
  *n = 0;
  if (!a || cJSON_IsNull(a)) return 0;
  if (!cJSON_IsArray(a)) {
    *bad = 1;
    return -1;
  }
  size_t count = (size_t)cJSON_GetArraySize(a);
  if (!count) return 0;
  char **v = calloc(count, sizeof *v);
  if (!v) return -1;
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, a) {
    if (!(v[i] = id_string(it))) {
      free_strings(v, count);
      *bad = 1;
      return -1;
    }
    i++;
  }
  *out = v;
  *n = count;
  return 0;
}

static int get_int(const cJSON *o, const char *key, long long *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble)) return -1;
  *out = (long long)v->valuedouble;
  return 0;
}

static int get_opt_string(const cJSON *o, const char *key, char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = NULL;
  if (!v || cJSON_IsNull(v)) return 0;
  if (!cJSON_IsString(v)) return -1;
  return (*out = strdup(v->valuestring)) ? 0 : -1;
}

int records_entry_from_json(const cJSON *obj, records_entry *e, char *err, size_t err_size) {
  memset(e, 0, sizeof *e);
  e->score = NAN;
  const char *bad = NULL;
  long long shots = 0;
  int badarr = 0;
  const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
  const cJSON *score = cJSON_GetObjectItemCaseSensitive(obj, "score");
  const cJSON *extra = cJSON_GetObjectItemCaseSensitive(obj, "extra");
  if (!cJSON_IsObject(obj)) bad = "(record)";
  else if (!(e->id = id_string(cJSON_GetObjectItemCaseSensitive(obj, "id")))) bad = "id";
  else if (get_opt_string(obj, "task", &e->task) != 0 || !e->task) bad = "task";
  else if (get_int(obj, "shots", &shots) != 0 || shots < 0 || shots > 1000000) bad = "shots";
  else if (get_int(obj, "seed", &e->seed) != 0) bad = "seed";
  else if (get_int(obj, "index", &e->index) != 0 || e->index < 0) bad = "index";
  else if (read_string_array(obj, "demos", &e->demos, &e->n_demos, &badarr) != 0) bad = "demos";
  else if (get_opt_string(obj, "generation", &e->generation) != 0) bad = "generation";
  else if (get_opt_string(obj, "prediction", &e->prediction) != 0) bad = "prediction";
  else if (!cJSON_IsString(status) ||
           (strcmp(status->valuestring, "ok") != 0 && strcmp(status->valuestring, "failed") != 0))
    bad = "status";
  else if (score && !cJSON_IsNull(score) && !cJSON_IsNumber(score)) bad = "score";
  else if (get_opt_string(obj, "reason", &e->reason) != 0) bad = "reason";
  else if (read_string_array(obj, "references", &e->references, &e->n_references, &badarr) != 0)
    bad = "references";
  else if (extra && !cJSON_IsNull(extra) && !cJSON_IsObject(extra)) bad = "extra";
  if (bad) {
    set_err(err, err_size, "record: key '%s' missing or of the wrong type%s", bad, "");
    records_entry_free(e);
    e->score = NAN;
    return -1;
  }
  e->shots = (int)shots;
  e->status = strcmp(status->valuestring, "ok") == 0 ? RECORDS_OK : RECORDS_FAILED;
  if (cJSON_IsNumber(score)) e->score = score->valuedouble;
  if (cJSON_IsObject(extra) && !(e->extra = cJSON_Duplicate(extra, 1))) {
    set_err(err, err_size, "record: out of memory%s%s", "", "");
    records_entry_free(e);
    return -1;
  }
  return 0;
}

/* ---- reading ---- */

int records_read_file(const char *path, records_list *out, size_t *valid_bytes, size_t *dropped_bytes,
                      char *err, size_t err_size) {
  size_t len = 0;
  char *buf = rundir_read_file(path, &len, err, err_size);
  if (!buf) return -1;
  idmap seen;
  idmap_init(&seen);
  size_t pos = 0, good = 0, line_no = 0, first_n = out->n;
  int rc = 0;
  char where[64];
  while (pos < len) {
    line_no++;
    char *nl = memchr(buf + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - buf) : len;
    int last = !nl || end + 1 >= len;
    /* Whitespace-only (or NUL-filled, after a machine crash) lines carry nothing. */
    size_t k = pos;
    while (k < end && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r' || buf[k] == '\0')) k++;
    if (k == end) {
      if (!nl || memchr(buf + pos, '\0', end - pos)) break; /* a torn tail: stop here */
      pos = end + 1;
      good = pos;
      continue;
    }
    if (!nl) break; /* no newline: the write of this line never completed */
    const char *parse_end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(buf + pos, end - pos, &parse_end, 0);
    int trailing_junk = 0;
    if (obj) {
      for (const char *p = parse_end; p < buf + end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r') trailing_junk = 1;
    }
    records_entry e;
    char why[200] = "not valid JSON";
    int ok = obj && !trailing_junk && records_entry_from_json(obj, &e, why, sizeof why) == 0;
    if (obj && trailing_junk) snprintf(why, sizeof why, "text after the JSON object");
    cJSON_Delete(obj);
    if (!ok) {
      if (last) break; /* a torn last line */
      snprintf(where, sizeof where, "line %zu", line_no);
      set_err(err, err_size, "%s: %s: ", path, where);
      if (err) strncat(err, why, err_size - strlen(err) - 1);
      rc = -1;
      break;
    }
    size_t prev = 0;
    int dup = idmap_put(&seen, e.id, line_no, &prev);
    const records_entry *first = out->n > first_n ? &out->items[first_n] : NULL;
    if (dup != 0) {
      if (dup > 0) {
        snprintf(where, sizeof where, "line %zu", line_no);
        set_err(err, err_size, "%s: %s: sample id '", path, where);
        if (err) {
          strncat(err, e.id, err_size - strlen(err) - 1);
          snprintf(where, sizeof where, "' already recorded at line %zu", prev);
          strncat(err, where, err_size - strlen(err) - 1);
        }
      } else {
        set_err(err, err_size, "%s: out of memory%s", path, "");
      }
      records_entry_free(&e);
      rc = -1;
      break;
    }
    if (first && (strcmp(first->task, e.task) != 0 || first->shots != e.shots || first->seed != e.seed)) {
      snprintf(where, sizeof where, "line %zu", line_no);
      set_err(err, err_size, "%s: %s: record of another (task, shots, seed) than line 1", path, where);
      records_entry_free(&e);
      rc = -1;
      break;
    }
    /* Move e into the list without a copy. */
    if (out->n == out->cap) {
      size_t cap = out->cap ? out->cap * 2 : 64;
      records_entry *items = realloc(out->items, cap * sizeof *items);
      if (!items) {
        records_entry_free(&e);
        set_err(err, err_size, "%s: out of memory%s", path, "");
        rc = -1;
        break;
      }
      out->items = items;
      out->cap = cap;
    }
    out->items[out->n++] = e;
    pos = end + 1;
    good = pos;
  }
  idmap_free(&seen);
  free(buf);
  if (valid_bytes) *valid_bytes = good;
  if (dropped_bytes) *dropped_bytes = rc == 0 ? len - good : 0;
  return rc;
}

/* ---- writing ---- */

struct records_writer {
  int fd;
  char *path;
  records_fsync_policy policy;
  double interval_s;
  double last_sync;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

records_writer *records_writer_open(const char *path, size_t keep_bytes, records_fsync_policy policy,
                                    double interval_s, char *err, size_t err_size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    set_err(err, err_size, "%s: cannot open for appending: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < keep_bytes) {
    set_err(err, err_size, "%s: %s", path, "file is shorter than the records already read from it");
    close(fd);
    return NULL;
  }
  if ((size_t)st.st_size > keep_bytes && ftruncate(fd, (off_t)keep_bytes) != 0) {
    set_err(err, err_size, "%s: cannot cut the torn last line: %s", path, strerror(errno));
    close(fd);
    return NULL;
  }
  records_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    close(fd);
    set_err(err, err_size, "%s: out of memory%s", path, "");
    return NULL;
  }
  w->fd = fd;
  w->policy = policy;
  w->interval_s = interval_s;
  w->last_sync = now_seconds();
  return w;
}

static int write_all(int fd, const char *buf, size_t n) {
  while (n) {
    ssize_t k = write(fd, buf, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += k;
    n -= (size_t)k;
  }
  return 0;
}

int records_writer_append(records_writer *w, const records_entry *e, char *err, size_t err_size) {
  char *line = records_entry_to_json(e);
  if (!line) {
    set_err(err, err_size, "%s: out of memory%s", w->path, "");
    return -1;
  }
  size_t n = strlen(line);
  char *buf = realloc(line, n + 2);
  if (!buf) {
    free(line);
    set_err(err, err_size, "%s: out of memory%s", w->path, "");
    return -1;
  }
  buf[n] = '\n';
  buf[n + 1] = '\0';
  int rc = write_all(w->fd, buf, n + 1);
  free(buf);
  if (rc != 0) {
    set_err(err, err_size, "%s: write failed: %s", w->path, strerror(errno));
    return -1;
  }
  if (w->policy == RECORDS_FSYNC_EVERY ||
      (w->policy == RECORDS_FSYNC_INTERVAL && now_seconds() - w->last_sync >= w->interval_s)) {
    if (fdatasync(w->fd) != 0) {
      set_err(err, err_size, "%s: fdatasync failed: %s", w->path, strerror(errno));
      return -1;
    }
    w->last_sync = now_seconds();
  }
  return 0;
}

int records_writer_close(records_writer *w, char *err, size_t err_size) {
  if (!w) return 0;
  int rc = 0;
  if (w->policy != RECORDS_FSYNC_NEVER && fsync(w->fd) != 0) {
    set_err(err, err_size, "%s: fsync failed: %s", w->path, strerror(errno));
    rc = -1;
  }
  if (close(w->fd) != 0 && rc == 0) {
    set_err(err, err_size, "%s: close failed: %s", w->path, strerror(errno));
    rc = -1;
  }
  free(w->path);
  free(w);
  return rc;
}

static int fsync_parent(const char *path) {
  char *copy = strdup(path);
  if (!copy) return -1;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(copy);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int records_write_file_atomic(const char *path, const records_entry *items, size_t n, char *err,
                              size_t err_size) {
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp) {
    set_err(err, err_size, "%s: out of memory%s", path, "");
    return -1;
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    set_err(err, err_size, "%s: %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char *line = records_entry_to_json(&items[i]);
    if (!line || write_all(fd, line, strlen(line)) != 0 || write_all(fd, "\n", 1) != 0) rc = -1;
    free(line);
  }
  if (rc == 0 && fsync(fd) != 0) rc = -1;
  if (close(fd) != 0) rc = -1;
  if (rc == 0 && rename(tmp, path) != 0) rc = -1;
  if (rc != 0) {
    set_err(err, err_size, "%s: cannot write: %s", tmp, strerror(errno));
    unlink(tmp);
  } else {
    fsync_parent(path); /* best effort: the rename is durable once the folder is synced */
  }
  free(tmp);
  return rc;
}
