/* dataset.c - task names, the adapter dispatch, image checks, and the helpers adapters share. */
#include "dataset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset_internal.h"

static const char *const task_names[DATASET_N_TASKS] = {"vqav2", "okvqa", "textvqa", "coco", "nocaps", "textcaps"};
static const char *const task_titles[DATASET_N_TASKS] = {"VQAv2", "OK-VQA", "TextVQA", "COCO", "NoCaps", "TextCaps"};

const char *dataset_task_name(dataset_task task) {
  return (unsigned)task < DATASET_N_TASKS ? task_names[task] : "?";
}

const char *dataset_task_title(dataset_task task) {
  return (unsigned)task < DATASET_N_TASKS ? task_titles[task] : "?";
}

int dataset_task_parse(const char *name, dataset_task *out) {
  for (int i = 0; i < DATASET_N_TASKS; i++) {
    if (strcmp(name, task_names[i]) == 0) {
      *out = (dataset_task)i;
      return 0;
    }
  }
  return -1;
}

dataset_kind dataset_task_kind(dataset_task task) {
  return task <= DATASET_TEXTVQA ? DATASET_KIND_VQA : DATASET_KIND_CAPTION;
}

int dataset_load(const dataset_source *src, dataset_split split, dataset *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  out->task = src->task;
  out->split = split;
  arena_init(&out->mem, 0);
  int rc;
  switch (src->task) {
    case DATASET_VQAV2:
    case DATASET_OKVQA:
      rc = adapter_vqa_load(src, split, out, err, err_size);
      break;
    case DATASET_TEXTVQA:
      rc = src->textvqa_format == DATASET_TEXTVQA_OFFICIAL ? adapter_textvqa_official_load(src, split, out, err, err_size)
                                                           : adapter_vqa_load(src, split, out, err, err_size);
      break;
    case DATASET_COCO: rc = adapter_coco_load(src, split, out, err, err_size); break;
    case DATASET_NOCAPS: rc = adapter_nocaps_load(src, split, out, err, err_size); break;
    case DATASET_TEXTCAPS: rc = adapter_textcaps_load(src, split, out, err, err_size); break;
    default:
      if (err) snprintf(err, err_size, "dataset: unknown task %d", (int)src->task);
      rc = -1;
  }
  if (rc) dataset_free(out);
  return rc;
}

void dataset_free(dataset *ds) {
  free(ds->samples);
  arena_free(&ds->mem);
  ds->samples = NULL;
  ds->n_samples = 0;
  ds->files = NULL;
}

int dataset_check_images(const dataset *ds, const size_t *indices, size_t n_indices, size_t *n_missing,
                         char *err, size_t err_size) {
  size_t n = indices ? n_indices : ds->n_samples;
  size_t missing = 0, checked = 0;
  const char *prev = NULL;
  int prev_ok = 1;
  char first[3][320];
  for (size_t k = 0; k < n; k++) {
    size_t i = indices ? indices[k] : k;
    if (i >= ds->n_samples) continue;
    const dataset_sample *smp = &ds->samples[i];
    int ok;
    if (prev && strcmp(prev, smp->image_path) == 0) {
      ok = prev_ok;
    } else {
      struct stat st;
      ok = stat(smp->image_path, &st) == 0 && S_ISREG(st.st_mode);
      checked++;
    }
    prev = smp->image_path;
    prev_ok = ok;
    if (!ok) {
      if (missing < 3) snprintf(first[missing], sizeof first[missing], "%s (sample %s)", smp->image_path, smp->id);
      missing++;
    }
  }
  if (n_missing) *n_missing = missing;
  if (!missing) return 0;
  if (err) {
    snprintf(err, err_size, "%s %s split: %zu of %zu image files are missing (first: %s%s%s%s%s)",
             dataset_task_name(ds->task), ds->split == DATASET_SPLIT_TRAIN ? "train" : "test", missing, n,
             first[0], missing > 1 ? ", " : "", missing > 1 ? first[1] : "", missing > 2 ? ", " : "",
             missing > 2 ? first[2] : "");
  }
  (void)checked;
  return -1;
}

long dataset_find(const dataset *ds, const char *id) {
  for (size_t i = 0; i < ds->n_samples; i++)
    if (strcmp(ds->samples[i].id, id) == 0) return (long)i;
  return -1;
}

/* ---- helpers shared by the adapters ---- */

dataset_sample *sample_vec_push(sample_vec *sv) {
  if (sv->n == sv->cap) {
    size_t cap = sv->cap ? sv->cap * 2 : 1024;
    if (cap > SIZE_MAX / sizeof(dataset_sample)) return NULL;
    dataset_sample *v = realloc(sv->v, cap * sizeof *v);
    if (!v) return NULL;
    sv->v = v;
    sv->cap = cap;
  }
  dataset_sample *s = &sv->v[sv->n++];
  memset(s, 0, sizeof *s);
  return s;
}

void sample_vec_finish(sample_vec *sv, dataset *ds) {
  if (sv->n && sv->n < sv->cap) {
    dataset_sample *v = realloc(sv->v, sv->n * sizeof *v);
    if (v) sv->v = v;
  }
  ds->samples = sv->v;
  ds->n_samples = sv->n;
  sv->v = NULL;
  sv->n = sv->cap = 0;
}

void sample_vec_free(sample_vec *sv) {
  free(sv->v);
  sv->v = NULL;
  sv->n = sv->cap = 0;
}

const char *path_base(const char *path) {
  if (!path) return "(null)";
  const char *s = strrchr(path, '/');
  return s && s[1] ? s + 1 : path;
}

char *path_join(arena *a, const char *dir, const char *name) {
  size_t n = strlen(dir);
  if (n == 0) return arena_strdup(a, name);
  return arena_printf(a, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

char *path_join_jpg(arena *a, const char *dir, const char *stem) {
  size_t n = strlen(dir);
  return arena_printf(a, "%s%s%s.jpg", dir, n && dir[n - 1] == '/' ? "" : "/", stem);
}

/* Length of the Python-whitespace character at s (0 when s does not start with one). */
static size_t py_space_len(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (avail >= 2 && c == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0)) return 2;
  if (avail >= 3 && c == 0xE1 && s[1] == 0x9A && s[2] == 0x80) return 3;               /* U+1680 */
  if (avail >= 3 && c == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
    return s[2] >= 0x80 ? 3 : 0;                                                       /* U+2000-200A, 2028, 2029, 202F */
  if (avail >= 3 && c == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) return 3;               /* U+205F */
  if (avail >= 3 && c == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;               /* U+3000 */
  return 0;
}

char *py_strip(arena *a, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  size_t n = strlen(str), b = 0, e = n;
  for (;;) {
    size_t k = b < e ? py_space_len(s + b, e - b) : 0;
    if (!k) break;
    b += k;
  }
  /* From the end: step back over one UTF-8 character at a time. */
  while (e > b) {
    size_t start = e - 1;
    while (start > b && (s[start] & 0xC0) == 0x80 && e - start < 4) start--;
    size_t k = py_space_len(s + start, e - start);
    if (k != e - start) break;
    e = start;
  }
  return arena_strndup(a, str + b, e - b);
}

int adapter_fail(char *err, size_t err_size, const char *file, const char *fmt, ...) {
  if (!err || !err_size) return -1;
  int n = snprintf(err, err_size, "%s: ", file);
  if (n < 0 || (size_t)n >= err_size) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

int adapter_stream_fail(json_stream *js, char *err, size_t err_size, const char *where) {
  if (err) {
    if (where && *where) snprintf(err, err_size, "%s (in %s)", json_stream_error(js), where);
    else snprintf(err, err_size, "%s", json_stream_error(js));
  }
  return -1;
}

/* Reads an id that may be a JSON integer or string into text (arena) and, when numeric, *num. */
int adapter_read_id(json_stream *js, arena *a, const char **text, int64_t *num, int *is_num) {
  json_kind k = json_stream_peek(js);
  if (k == JSON_KIND_NUMBER) {
    if (json_stream_int64(js, num)) return -1;
    *is_num = 1;
    *text = arena_int(a, *num);
  } else if (k == JSON_KIND_STRING) {
    const char *s;
    size_t n;
    if (json_stream_string(js, &s, &n)) return -1;
    *is_num = 0;
    *num = 0;
    *text = arena_strndup(a, s, n);
  } else {
    return json_stream_fail(js, "expected an integer or a string id");
  }
  return *text ? 0 : json_stream_fail(js, "out of memory");
}

int adapter_read_string(json_stream *js, arena *a, const char **out) {
  const char *s;
  size_t n;
  if (json_stream_peek(js) != JSON_KIND_STRING) return json_stream_fail(js, "expected a string");
  if (json_stream_string(js, &s, &n)) return -1;
  *out = arena_strndup(a, s, n);
  return *out ? 0 : json_stream_fail(js, "out of memory");
}

int tmpstr_read(json_stream *js, tmpstr *t) {
  const char *s;
  size_t n;
  if (json_stream_peek(js) != JSON_KIND_STRING) return json_stream_fail(js, "expected a string");
  if (json_stream_string(js, &s, &n)) return -1;
  if (n + 1 > t->cap) {
    size_t cap = n + 1 > 64 ? n + 1 : 64;
    char *p = realloc(t->s, cap);
    if (!p) return json_stream_fail(js, "out of memory");
    t->s = p;
    t->cap = cap;
  }
  memcpy(t->s, s, n);
  t->s[n] = '\0';
  t->set = 1;
  return 0;
}

void tmpstr_free(tmpstr *t) {
  free(t->s);
  memset(t, 0, sizeof *t);
}

int adapter_read_caption_annotation(json_stream *js, const char *base, const char *where, int64_t *image_id,
                                    tmpstr *caption, char *err, size_t err_size) {
  if (json_stream_peek(js) != JSON_KIND_OBJECT) return adapter_fail(err, err_size, base, "%s: not an object", where);
  if (json_stream_object_begin(js)) return adapter_stream_fail(js, err, err_size, where);
  char key[64];
  int have_img = 0, k;
  caption->set = 0;
  while ((k = json_stream_object_next(js, key, sizeof key)) == 1) {
    if (strcmp(key, "image_id") == 0) {
      if (json_stream_peek(js) != JSON_KIND_NUMBER)
        return adapter_fail(err, err_size, base, "%s: 'image_id' is not an integer", where);
      if (json_stream_int64(js, image_id)) return adapter_stream_fail(js, err, err_size, where);
      have_img = 1;
    } else if (strcmp(key, "caption") == 0) {
      if (json_stream_peek(js) != JSON_KIND_STRING)
        return adapter_fail(err, err_size, base, "%s: 'caption' is not a string", where);
      if (tmpstr_read(js, caption)) return adapter_stream_fail(js, err, err_size, where);
    } else if (json_stream_skip(js)) {
      return adapter_stream_fail(js, err, err_size, where);
    }
  }
  if (k < 0) return adapter_stream_fail(js, err, err_size, where);
  if (!have_img || !caption->set)
    return adapter_fail(err, err_size, base, "%s: missing field '%s'", where, !have_img ? "image_id" : "caption");
  return 0;
}

int adapter_caption_push(adapter_caption **caps, size_t *n, size_t *cap, size_t sample, const char *caption) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 1024;
    adapter_caption *p = nc < SIZE_MAX / sizeof *p ? realloc(*caps, nc * sizeof *p) : NULL;
    if (!p) return -1;
    *caps = p;
    *cap = nc;
  }
  (*caps)[(*n)++] = (adapter_caption){sample, caption};
  return 0;
}

int adapter_group_references(arena *a, dataset_sample *samples, size_t n_samples, const adapter_caption *caps,
                             size_t n_caps, const char *file, char *err, size_t err_size) {
  enum { MAX_REFERENCES = 1000000 };
  for (size_t i = 0; i < n_samples; i++) {
    samples[i].references = NULL;
    samples[i].n_references = 0;
  }
  for (size_t p = 0; p < n_caps; p++) { /* count */
    dataset_sample *s = &samples[caps[p].sample];
    if (s->n_references == MAX_REFERENCES)
      return adapter_fail(err, err_size, path_base(file), "image %s has more than %d captions", s->id, MAX_REFERENCES);
    s->n_references++;
  }
  for (size_t i = 0; i < n_samples; i++) { /* allocate */
    if (samples[i].n_references == 0) continue;
    samples[i].references = arena_alloc(a, (size_t)samples[i].n_references * sizeof *samples[i].references);
    if (!samples[i].references) return adapter_fail(err, err_size, file, "out of memory");
    samples[i].n_references = 0;
  }
  for (size_t p = 0; p < n_caps; p++) { /* fill, in file order */
    dataset_sample *s = &samples[caps[p].sample];
    s->references[s->n_references++] = caps[p].caption;
  }
  return 0;
}

/* Opens `path` and moves to the first element of the top-level array member `member`. */
int adapter_open_member_array(json_stream *js, const char *path, const char *member, char *err, size_t err_size) {
  if (json_stream_open(js, path, err, err_size)) return -1;
  if (json_stream_peek(js) != JSON_KIND_OBJECT) {
    json_stream_fail(js, "expected a top-level object with a '%s' array", member);
    return adapter_stream_fail(js, err, err_size, NULL);
  }
  if (json_stream_object_begin(js)) return adapter_stream_fail(js, err, err_size, NULL);
  char key[64];
  int rc;
  while ((rc = json_stream_object_next(js, key, sizeof key)) == 1) {
    if (strcmp(key, member) == 0) {
      if (json_stream_peek(js) != JSON_KIND_ARRAY) {
        json_stream_fail(js, "'%s' is not an array", member);
        return adapter_stream_fail(js, err, err_size, NULL);
      }
      if (json_stream_array_begin(js)) return adapter_stream_fail(js, err, err_size, NULL);
      return 0;
    }
    if (json_stream_skip(js)) return adapter_stream_fail(js, err, err_size, NULL);
  }
  if (rc < 0) return adapter_stream_fail(js, err, err_size, NULL);
  return adapter_fail(err, err_size, path, "missing top-level field '%s'", member);
}

/* After the member array ended: skips the rest of the top-level object and checks the end of input. */
int adapter_finish_top(json_stream *js, char *err, size_t err_size) {
  char key[64];
  int rc;
  while ((rc = json_stream_object_next(js, key, sizeof key)) == 1)
    if (json_stream_skip(js)) return adapter_stream_fail(js, err, err_size, NULL);
  if (rc < 0 || json_stream_finish(js)) return adapter_stream_fail(js, err, err_size, NULL);
  return 0;
}

static uint64_t hash_str(const char *s) {
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

int str_index_init(str_index *ix, size_t expect) {
  size_t cap = 16;
  while (cap < expect * 2 + 1) {
    if (cap > SIZE_MAX / 4 / sizeof(size_t)) return -1;
    cap *= 2;
  }
  ix->keys = calloc(cap, sizeof *ix->keys);
  ix->vals = malloc(cap * sizeof *ix->vals);
  ix->cap = cap;
  ix->n = 0;
  if (!ix->keys || !ix->vals) {
    str_index_free(ix);
    return -1;
  }
  return 0;
}

void str_index_free(str_index *ix) {
  free(ix->keys);
  free(ix->vals);
  ix->keys = NULL;
  ix->vals = NULL;
  ix->cap = ix->n = 0;
}

static int str_index_grow(str_index *ix) {
  str_index bigger;
  if (str_index_init(&bigger, ix->cap)) return -1;
  for (size_t i = 0; i < ix->cap; i++)
    if (ix->keys[i]) str_index_put(&bigger, ix->keys[i], ix->vals[i], NULL);
  str_index_free(ix);
  *ix = bigger;
  return 0;
}

int str_index_put(str_index *ix, const char *key, size_t val, size_t *old_val) {
  if ((ix->n + 1) * 2 > ix->cap && str_index_grow(ix)) return -1;
  size_t mask = ix->cap - 1, i = (size_t)hash_str(key) & mask;
  while (ix->keys[i]) {
    if (strcmp(ix->keys[i], key) == 0) {
      if (old_val) *old_val = ix->vals[i];
      return 0;
    }
    i = (i + 1) & mask;
  }
  ix->keys[i] = key;
  ix->vals[i] = val;
  ix->n++;
  return 1;
}

int str_index_get(const str_index *ix, const char *key, size_t *val) {
  if (!ix->cap) return 0;
  size_t mask = ix->cap - 1, i = (size_t)hash_str(key) & mask;
  while (ix->keys[i]) {
    if (strcmp(ix->keys[i], key) == 0) {
      if (val) *val = ix->vals[i];
      return 1;
    }
    i = (i + 1) & mask;
  }
  return 0;
}

int adapter_index_unique(str_index *ix, const char *id, size_t i, const char *file, const char *base,
                         const char *array, const char *field, char *err, size_t err_size) {
  size_t prev;
  int put = str_index_put(ix, id, i, &prev);
  if (put < 0) return adapter_fail(err, err_size, file, "out of memory");
  if (put == 0)
    return adapter_fail(err, err_size, base, "%s[%zu] and %s[%zu] share %s %s", array, prev, array, i, field, id);
  return 0;
}
