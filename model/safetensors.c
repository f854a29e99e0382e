/* safetensors.c - safetensors reader: header validation, sharded index, mmap, dtype conversion.
 * See safetensors.h for the contract. Every size computed from header values is overflow-checked,
 * and a tensor is accepted only when its bytes lie inside the data section, so that nothing read
 * later through safetensors_tensor.data can leave the mapping. */
#include "safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"

/* Largest index file read (the real one is 70 KB). */
#define INDEX_MAX_BYTES ((off_t)64 * 1024 * 1024)
/* Largest integer a JSON number (parsed as a double) represents exactly: 2^53. */
#define JSON_MAX_EXACT 9007199254740992.0

typedef struct {
  char *key;
  char *value;
} meta_entry;

typedef struct {
  char *path;           /* as opened, or the buffer's label */
  const uint8_t *base;  /* the whole file image */
  uint64_t size;        /* bytes in the image */
  int mapped;           /* 1: base is an mmap to unmap at close */
  meta_entry *meta;     /* __metadata__ string entries */
  int n_meta;
} st_file;

struct safetensors_model {
  st_file *files;
  int n_files;
  safetensors_tensor *tensors; /* sorted by name */
  int n_tensors;
  int cap_tensors;
  int64_t total_size;          /* index metadata.total_size, or -1 */
  char *label;                 /* the path given to open (or the buffer's label), for errors */
};

/* ---------------------------------------------------------------------------------------------
 * dtype helpers and scalar conversions */

const char *safetensors_dtype_name(safetensors_dtype dtype) {
  switch (dtype) {
    case SAFETENSORS_F32: return "F32";
    case SAFETENSORS_BF16: return "BF16";
    case SAFETENSORS_F16: return "F16";
    default: return "?";
  }
}

size_t safetensors_dtype_size(safetensors_dtype dtype) {
  switch (dtype) {
    case SAFETENSORS_F32: return 4;
    case SAFETENSORS_BF16: return 2;
    case SAFETENSORS_F16: return 2;
    default: return 0;
  }
}

static float bits_to_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t f32_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

float safetensors_bf16_to_f32(uint16_t h) { return bits_to_f32((uint32_t)h << 16); }

float safetensors_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (mant << 13)); /* Inf / NaN */
  if (exp != 0) return bits_to_f32(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bits_to_f32(sign); /* +-0 */
  /* subnormal: mant x 2^-24, exact in float32 */
  float v = (float)mant * 5.9604644775390625e-8f;
  return sign ? -v : v;
}

uint16_t safetensors_f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
  u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest, ties to even */
  return (uint16_t)(u >> 16);
}

uint16_t safetensors_f32_to_f16(float f) {
  uint32_t u = f32_to_bits(f);
  uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
  uint32_t x = u & 0x7fffffffu;
  if (x >= 0x7f800000u) return (uint16_t)(sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00));
  if (x >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* >= 65520 rounds to Inf */
  if (x < 0x38800000u) {                                  /* below 2^-14: half subnormal or zero */
    if (x < 0x33000000u) return sign;                     /* below 2^-25: rounds to zero */
    uint32_t e = x >> 23, m = (x & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14 .. 24 */
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = (x >> 13) - (112u << 10), rem = x & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
  return (uint16_t)(sign | h);
}

char *safetensors_format_shape(char *buf, size_t buf_size, int n_dims, const int64_t *shape) {
  if (!buf || buf_size == 0) return buf;
  size_t used = 0;
  int w = snprintf(buf, buf_size, "[");
  used = w > 0 ? (size_t)w : 0;
  for (int i = 0; i < n_dims && used < buf_size; i++) {
    w = snprintf(buf + used, buf_size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
  if (used < buf_size) snprintf(buf + used, buf_size - used, "]");
  return buf;
}

/* ---------------------------------------------------------------------------------------------
 * model construction */

static void file_free(st_file *f) {
  if (f->mapped && f->base) munmap((void *)f->base, (size_t)f->size);
  for (int i = 0; i < f->n_meta; i++) {
    free(f->meta[i].key);
    free(f->meta[i].value);
  }
  free(f->meta);
  free(f->path);
  memset(f, 0, sizeof *f);
}

void safetensors_close(safetensors_model *m) {
  if (!m) return;
  for (int i = 0; i < m->n_files; i++) file_free(&m->files[i]);
  free(m->files);
  for (int i = 0; i < m->n_tensors; i++) free((char *)m->tensors[i].name);
  free(m->tensors);
  free(m->label);
  free(m);
}

static safetensors_model *model_new(void) {
  safetensors_model *m = calloc(1, sizeof *m);
  if (m) m->total_size = -1;
  return m;
}

/* Records the path the caller gave, so that "no tensor" errors name it. */
static safetensors_model *with_label(safetensors_model *m, const char *label, char *err, size_t err_size) {
  if (m && !m->label && !(m->label = strdup(label))) {
    set_err(err, err_size, "%s: out of memory", label);
    safetensors_close(m);
    return NULL;
  }
  return m;
}

/* Adds a file slot; returns its index or -1 (out of memory). Takes ownership of nothing. */
static int model_add_file(safetensors_model *m, const char *path) {
  st_file *nf = realloc(m->files, (size_t)(m->n_files + 1) * sizeof *nf);
  if (!nf) return -1;
  m->files = nf;
  st_file *f = &m->files[m->n_files];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (!f->path) return -1;
  return m->n_files++;
}

static safetensors_tensor *model_push_tensor(safetensors_model *m) {
  if (m->n_tensors == m->cap_tensors) {
    int cap = m->cap_tensors ? m->cap_tensors * 2 : 64;
    safetensors_tensor *nt = realloc(m->tensors, (size_t)cap * sizeof *nt);
    if (!nt) return NULL;
    m->tensors = nt;
    m->cap_tensors = cap;
  }
  safetensors_tensor *t = &m->tensors[m->n_tensors++];
  memset(t, 0, sizeof *t);
  return t;
}

/* Reads a JSON number that must be an exactly representable non-negative integer. */
static int json_to_u64(const cJSON *item, uint64_t *out) {
  if (!cJSON_IsNumber(item)) return -1;
  double v = item->valuedouble;
  if (!isfinite(v) || v < 0.0 || v > JSON_MAX_EXACT || floor(v) != v) return -1;
  *out = (uint64_t)v;
  return 0;
}

static int parse_dtype(const char *s, safetensors_dtype *out) {
  if (strcmp(s, "F32") == 0) *out = SAFETENSORS_F32;
  else if (strcmp(s, "BF16") == 0) *out = SAFETENSORS_BF16;
  else if (strcmp(s, "F16") == 0) *out = SAFETENSORS_F16;
  else return -1;
  return 0;
}

/* Parses one header entry into t (name already set). data_size bounds the offsets. */
static int parse_entry(const char *path, const cJSON *e, safetensors_tensor *t, uint64_t data_size,
                       uint64_t *begin_out, char *err, size_t err_size) {
  const char *name = t->name;
  if (!cJSON_IsObject(e)) {
    set_err(err, err_size, "%s: header: tensor '%s': entry is not an object", path, name);
    return -1;
  }
  const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(e, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
  const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
  if (!dtype || !shape || !offs) {
    set_err(err, err_size, "%s: header: tensor '%s': missing field '%s'", path, name,
            !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    return -1;
  }
  if (!cJSON_IsString(dtype) || !dtype->valuestring) {
    set_err(err, err_size, "%s: header: tensor '%s': dtype is not a string", path, name);
    return -1;
  }
  if (parse_dtype(dtype->valuestring, &t->dtype) != 0) {
    set_err(err, err_size, "%s: header: tensor '%s': unsupported dtype '%.32s' (expected F32, BF16 or F16)",
            path, name, dtype->valuestring);
    return -1;
  }
  if (!cJSON_IsArray(shape)) {
    set_err(err, err_size, "%s: header: tensor '%s': shape is not an array", path, name);
    return -1;
  }
  int n_dims = cJSON_GetArraySize(shape);
  if (n_dims > SAFETENSORS_MAX_DIMS) {
    set_err(err, err_size, "%s: header: tensor '%s': shape has %d dimensions (at most %d)", path, name,
            n_dims, SAFETENSORS_MAX_DIMS);
    return -1;
  }
  t->n_dims = n_dims;
  uint64_t n_el = 1;
  int overflow = 0, d = 0;
  for (const cJSON *dim = shape->child; dim; dim = dim->next, d++) {
    uint64_t v;
    if (json_to_u64(dim, &v) != 0) {
      set_err(err, err_size, "%s: header: tensor '%s': shape[%d] is not a non-negative integer below 2^53",
              path, name, d);
      return -1;
    }
    t->shape[d] = (int64_t)v;
    if (__builtin_mul_overflow(n_el, v, &n_el)) overflow = 1;
  }
  uint64_t n_bytes = 0;
  char sbuf[160];
  if (overflow || __builtin_mul_overflow(n_el, (uint64_t)safetensors_dtype_size(t->dtype), &n_bytes)) {
    set_err(err, err_size, "%s: header: tensor '%s': shape %s %s overflows 64-bit byte counts", path, name,
            safetensors_format_shape(sbuf, sizeof sbuf, t->n_dims, t->shape), dtype->valuestring);
    return -1;
  }
  t->n_elements = n_el;
  t->n_bytes = n_bytes;
  uint64_t begin, end;
  if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || json_to_u64(offs->child, &begin) != 0 ||
      json_to_u64(offs->child->next, &end) != 0) {
    set_err(err, err_size, "%s: header: tensor '%s': data_offsets is not two non-negative integers", path,
            name);
    return -1;
  }
  if (begin > end) {
    set_err(err, err_size, "%s: header: tensor '%s': data_offsets [%llu, %llu) are reversed", path, name,
            (unsigned long long)begin, (unsigned long long)end);
    return -1;
  }
  if (end - begin != n_bytes) {
    set_err(err, err_size,
            "%s: header: tensor '%s': shape %s %s needs %llu bytes but data_offsets [%llu, %llu) span %llu",
            path, name, safetensors_format_shape(sbuf, sizeof sbuf, t->n_dims, t->shape), dtype->valuestring,
            (unsigned long long)n_bytes, (unsigned long long)begin, (unsigned long long)end,
            (unsigned long long)(end - begin));
    return -1;
  }
  if (end > data_size) {
    set_err(err, err_size,
            "%s: header: tensor '%s': data_offsets [%llu, %llu) run past the end of the data section (%llu bytes)",
            path, name, (unsigned long long)begin, (unsigned long long)end, (unsigned long long)data_size);
    return -1;
  }
  *begin_out = begin;
  return 0;
}

typedef struct {
  uint64_t begin, end;
  int tensor; /* index into model->tensors */
} span;

static int span_cmp(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

static int parse_metadata(st_file *f, const cJSON *meta, char *err, size_t err_size) {
  if (!cJSON_IsObject(meta)) {
    set_err(err, err_size, "%s: header: __metadata__ is not an object", f->path);
    return -1;
  }
  int n = cJSON_GetArraySize(meta);
  if (n == 0) return 0;
  f->meta = calloc((size_t)n, sizeof *f->meta);
  if (!f->meta) {
    set_err(err, err_size, "%s: out of memory", f->path);
    return -1;
  }
  for (const cJSON *kv = meta->child; kv; kv = kv->next) {
    if (!cJSON_IsString(kv) || !kv->valuestring || !kv->string) {
      set_err(err, err_size, "%s: header: __metadata__ value '%.64s' is not a string", f->path,
              kv->string ? kv->string : "");
      return -1;
    }
    meta_entry *me = &f->meta[f->n_meta];
    me->key = strdup(kv->string);
    me->value = strdup(kv->valuestring);
    f->n_meta++;
    if (!me->key || !me->value) {
      set_err(err, err_size, "%s: out of memory", f->path);
      return -1;
    }
  }
  return 0;
}

/* Validates file `fi` (its image already in m->files[fi]) and appends its tensors to m. */
static int parse_file(safetensors_model *m, int fi, char *err, size_t err_size) {
  st_file *f = &m->files[fi];
  const char *path = f->path;
  if (f->size < 8) {
    set_err(err, err_size, "%s: file is %llu bytes, too short for the 8-byte header length", path,
            (unsigned long long)f->size);
    return -1;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | f->base[i];
  if (n < 2) {
    set_err(err, err_size, "%s: header length %llu is too small for a JSON object", path, (unsigned long long)n);
    return -1;
  }
  if (n > SAFETENSORS_MAX_HEADER) {
    set_err(err, err_size, "%s: header length %llu exceeds the %llu-byte limit", path, (unsigned long long)n,
            (unsigned long long)SAFETENSORS_MAX_HEADER);
    return -1;
  }
  if (n > f->size - 8) {
    set_err(err, err_size, "%s: header length %llu runs past the end of the file (%llu bytes)", path,
            (unsigned long long)n, (unsigned long long)f->size);
    return -1;
  }
  const char *hdr = (const char *)f->base + 8;
  if (memchr(hdr, '\0', (size_t)n)) {
    set_err(err, err_size, "%s: header contains a NUL byte", path);
    return -1;
  }
  /* Parse a NUL-terminated copy: cJSON then never needs to look past our buffer. */
  char *copy = malloc((size_t)n + 1);
  if (!copy) {
    set_err(err, err_size, "%s: out of memory for a %llu-byte header", path, (unsigned long long)n);
    return -1;
  }
  memcpy(copy, hdr, (size_t)n);
  copy[n] = '\0';
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(copy, &end, 0);
  if (!root) {
    size_t at = end && end >= copy && end <= copy + n ? (size_t)(end - copy) : 0;
    set_err(err, err_size, "%s: header is not valid JSON (error near byte %zu of %llu)", path, at,
            (unsigned long long)n);
    free(copy);
    return -1;
  }
  for (const char *p = end; p < copy + n; p++) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
      set_err(err, err_size, "%s: header has bytes after the JSON object (at byte %zu)", path,
              (size_t)(p - copy));
      cJSON_Delete(root);
      free(copy);
      return -1;
    }
  }
  free(copy);
  int rc = -1;
  span *spans = NULL;
  if (!cJSON_IsObject(root)) {
    set_err(err, err_size, "%s: header is not a JSON object", path);
    goto done;
  }
  uint64_t data_start = 8 + n, data_size = f->size - data_start;
  int n_entries = cJSON_GetArraySize(root);
  spans = malloc((size_t)(n_entries > 0 ? n_entries : 1) * sizeof *spans);
  if (!spans) {
    set_err(err, err_size, "%s: out of memory", path);
    goto done;
  }
  int n_spans = 0, seen_meta = 0;
  for (const cJSON *e = root->child; e; e = e->next) {
    const char *name = e->string;
    if (!name) name = "";
    if (strcmp(name, "__metadata__") == 0) {
      if (seen_meta++) {
        set_err(err, err_size, "%s: header: __metadata__ appears twice", path);
        goto done;
      }
      if (parse_metadata(f, e, err, err_size) != 0) goto done;
      continue;
    }
    if (name[0] == '\0') {
      set_err(err, err_size, "%s: header: a tensor has an empty name", path);
      goto done;
    }
    safetensors_tensor *t = model_push_tensor(m);
    if (!t || !(t->name = strdup(name))) {
      set_err(err, err_size, "%s: out of memory", path);
      goto done;
    }
    t->file_index = fi;
    uint64_t begin = 0;
    if (parse_entry(path, e, t, data_size, &begin, err, err_size) != 0) goto done;
    t->offset = data_start + begin;
    t->data = f->base + t->offset;
    spans[n_spans].begin = begin;
    spans[n_spans].end = begin + t->n_bytes;
    spans[n_spans].tensor = m->n_tensors - 1;
    n_spans++;
  }
  /* The tensors, sorted by offset, must tile the data section exactly. */
  qsort(spans, (size_t)n_spans, sizeof *spans, span_cmp);
  uint64_t expect = 0;
  for (int i = 0; i < n_spans; i++) {
    const char *tn = m->tensors[spans[i].tensor].name;
    if (spans[i].begin > expect) {
      set_err(err, err_size, "%s: header: data bytes [%llu, %llu) belong to no tensor (gap before tensor '%s')",
              path, (unsigned long long)expect, (unsigned long long)spans[i].begin, tn);
      goto done;
    }
    if (spans[i].begin < expect) {
      const char *pn = m->tensors[spans[i - 1].tensor].name;
      set_err(err, err_size, "%s: header: tensor '%s' data_offsets [%llu, %llu) overlap tensor '%s' [%llu, %llu)",
              path, tn, (unsigned long long)spans[i].begin, (unsigned long long)spans[i].end, pn,
              (unsigned long long)spans[i - 1].begin, (unsigned long long)spans[i - 1].end);
      goto done;
    }
    expect = spans[i].end;
  }
  if (expect != data_size) {
    set_err(err, err_size, "%s: header: tensors cover %llu bytes but the data section has %llu", path,
            (unsigned long long)expect, (unsigned long long)data_size);
    goto done;
  }
  rc = 0;
done:
  free(spans);
  cJSON_Delete(root);
  return rc;
}

static int tensor_name_cmp(const void *a, const void *b) {
  return strcmp(((const safetensors_tensor *)a)->name, ((const safetensors_tensor *)b)->name);
}

/* Sorts the tensors by name and rejects duplicate names. */
static int finish_model(safetensors_model *m, char *err, size_t err_size) {
  if (m->n_tensors > 1) qsort(m->tensors, (size_t)m->n_tensors, sizeof *m->tensors, tensor_name_cmp);
  for (int i = 1; i < m->n_tensors; i++) {
    if (strcmp(m->tensors[i].name, m->tensors[i - 1].name) == 0) {
      const safetensors_tensor *a = &m->tensors[i - 1], *b = &m->tensors[i];
      if (a->file_index == b->file_index)
        set_err(err, err_size, "%s: header: tensor '%s' appears twice", m->files[a->file_index].path, a->name);
      else
        set_err(err, err_size, "%s: tensor '%s' appears in two files (also in %s)", m->files[b->file_index].path,
                a->name, m->files[a->file_index].path);
      return -1;
    }
  }
  return 0;
}

safetensors_model *safetensors_open_buffer(const void *bytes, size_t n_bytes, const char *label, char *err,
                                           size_t err_size) {
  safetensors_model *m = model_new();
  if (!m || model_add_file(m, label ? label : "(buffer)") < 0) {
    set_err(err, err_size, "%s: out of memory", label ? label : "(buffer)");
    safetensors_close(m);
    return NULL;
  }
  m->files[0].base = bytes;
  m->files[0].size = n_bytes;
  if (parse_file(m, 0, err, err_size) != 0 || finish_model(m, err, err_size) != 0) {
    safetensors_close(m);
    return NULL;
  }
  return with_label(m, label ? label : "(buffer)", err, err_size);
}

/* Maps file fi of m (path already set). */
static int map_file(safetensors_model *m, int fi, char *err, size_t err_size) {
  st_file *f = &m->files[fi];
  int fd = open(f->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, err_size, "%s: cannot open: %s", f->path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    set_err(err, err_size, "%s: not a regular file", f->path);
    close(fd);
    return -1;
  }
  f->size = (uint64_t)st.st_size;
  if (f->size < 8) { /* too short to map meaningfully; parse_file reports it */
    close(fd);
    static const uint8_t empty[8];
    f->base = empty;
    return 0;
  }
  void *p = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    set_err(err, err_size, "%s: cannot map %llu bytes: %s", f->path, (unsigned long long)f->size, strerror(errno));
    return -1;
  }
  f->base = p;
  f->mapped = 1;
  return 0;
}

static char *join_path(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = malloc(a + b + 2);
  if (!p) return NULL;
  memcpy(p, dir, a);
  size_t k = a;
  if (a > 0 && dir[a - 1] != '/') p[k++] = '/';
  memcpy(p + k, name, b + 1);
  return p;
}

static char *read_small_file(const char *path, size_t *len, char *err, size_t err_size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > INDEX_MAX_BYTES) {
    set_err(err, err_size, "%s: not a regular file of at most %lld bytes", path, (long long)INDEX_MAX_BYTES);
    close(fd);
    return NULL;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) {
    set_err(err, err_size, "%s: out of memory", path);
    close(fd);
    return NULL;
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      set_err(err, err_size, "%s: read error: %s", path, r < 0 ? strerror(errno) : "unexpected end of file");
      free(buf);
      close(fd);
      return NULL;
    }
    got += (size_t)r;
  }
  close(fd);
  buf[got] = '\0';
  *len = got;
  return buf;
}

static int str_ptr_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int valid_shard_name(const char *s) {
  return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Opens a sharded model through its index file. */
static safetensors_model *open_index(const char *index_path, char *err, size_t err_size) {
  size_t len = 0;
  char *text = read_small_file(index_path, &len, err, err_size);
  if (!text) return NULL;
  if (memchr(text, '\0', len)) {
    set_err(err, err_size, "%s: contains a NUL byte", index_path);
    free(text);
    return NULL;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  if (!root) {
    size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    set_err(err, err_size, "%s: not valid JSON (error near byte %zu)", index_path, at);
    free(text);
    return NULL;
  }
  free(text);
  safetensors_model *m = NULL;
  char *dir = NULL;
  const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
  if (!cJSON_IsObject(root) || !cJSON_IsObject(wm)) {
    set_err(err, err_size, "%s: missing object 'weight_map'", index_path);
    goto fail;
  }
  m = model_new();
  dir = strdup(index_path);
  if (!m || !dir) {
    set_err(err, err_size, "%s: out of memory", index_path);
    goto fail;
  }
  char *slash = strrchr(dir, '/');
  if (slash) slash[1] = '\0';
  else strcpy(dir, "./");
  const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
  if (meta) {
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(meta, "total_size");
    uint64_t v;
    if (ts && json_to_u64(ts, &v) == 0) m->total_size = (int64_t)v;
  }
  /* Distinct shard names, sorted (model-00001 first); each is opened once. */
  int n_entries = 0;
  const char **shards = NULL;
  int n_shards = 0;
  for (const cJSON *e = wm->child; e; e = e->next, n_entries++) {
    if (!e->string || e->string[0] == '\0') {
      set_err(err, err_size, "%s: weight_map has an entry with an empty tensor name", index_path);
      goto fail_shards;
    }
    if (!cJSON_IsString(e) || !e->valuestring || !valid_shard_name(e->valuestring)) {
      set_err(err, err_size, "%s: weight_map['%.200s'] is not a plain file name", index_path, e->string);
      goto fail_shards;
    }
    int known = 0;
    for (int i = 0; i < n_shards && !known; i++) known = strcmp(shards[i], e->valuestring) == 0;
    if (known) continue;
    const char **ns = realloc(shards, (size_t)(n_shards + 1) * sizeof *ns);
    if (!ns) {
      set_err(err, err_size, "%s: out of memory", index_path);
      goto fail_shards;
    }
    shards = ns;
    shards[n_shards++] = e->valuestring;
  }
  if (n_shards > 1) qsort(shards, (size_t)n_shards, sizeof *shards, str_ptr_cmp);
  for (int i = 0; i < n_shards; i++) {
    char *p = join_path(dir, shards[i]);
    int fi = p ? model_add_file(m, p) : -1;
    free(p);
    if (fi < 0) {
      set_err(err, err_size, "%s: out of memory", index_path);
      goto fail_shards;
    }
    if (map_file(m, fi, err, err_size) != 0 || parse_file(m, fi, err, err_size) != 0) goto fail_shards;
  }
  free(shards);
  shards = NULL;
  if (n_entries == 0) {
    set_err(err, err_size, "%s: weight_map is empty", index_path);
    goto fail;
  }
  if (finish_model(m, err, err_size) != 0) goto fail;
  /* Every index entry must name a tensor of the shard it points to; with no duplicates in the index and
   * equal counts, the index and the shards then describe the same set. */
  for (const cJSON *e = wm->child; e; e = e->next) {
    for (const cJSON *o = wm->child; o != e; o = o->next) {
      if (strcmp(o->string, e->string) == 0) {
        set_err(err, err_size, "%s: weight_map lists tensor '%.200s' twice", index_path, e->string);
        goto fail;
      }
    }
    const safetensors_tensor *t = safetensors_find(m, e->string);
    const char *fp = t ? m->files[t->file_index].path : NULL;
    const char *fb = fp ? (strrchr(fp, '/') ? strrchr(fp, '/') + 1 : fp) : NULL;
    if (!t || strcmp(fb, e->valuestring) != 0) {
      set_err(err, err_size, "%s: weight_map puts tensor '%.200s' in %s, but that shard has no such tensor",
              index_path, e->string, e->valuestring);
      goto fail;
    }
  }
  if (n_entries != m->n_tensors) {
    /* some shard tensor is not in the index: find it */
    for (int i = 0; i < m->n_tensors; i++) {
      if (!cJSON_GetObjectItemCaseSensitive(wm, m->tensors[i].name)) {
        set_err(err, err_size, "%s: tensor '%s' is not listed in the index %s", m->files[m->tensors[i].file_index].path,
                m->tensors[i].name, index_path);
        goto fail;
      }
    }
    set_err(err, err_size, "%s: weight_map has %d entries but the shards hold %d tensors", index_path, n_entries,
            m->n_tensors);
    goto fail;
  }
  free(dir);
  cJSON_Delete(root);
  return m;
fail_shards:
  free(shards);
fail:
  free(dir);
  cJSON_Delete(root);
  safetensors_close(m);
  return NULL;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static safetensors_model *open_path(const char *path, char *err, size_t err_size);

safetensors_model *safetensors_open(const char *path, char *err, size_t err_size) {
  return with_label(open_path(path, err, err_size), path, err, err_size);
}

static safetensors_model *open_path(const char *path, char *err, size_t err_size) {
  struct stat st;
  if (stat(path, &st) != 0) {
    set_err(err, err_size, "%s: %s", path, strerror(errno));
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    char *index = join_path(path, "model.safetensors.index.json");
    char *single = join_path(path, "model.safetensors");
    safetensors_model *m = NULL;
    if (!index || !single) set_err(err, err_size, "%s: out of memory", path);
    else if (access(index, F_OK) == 0) m = open_index(index, err, err_size);
    else if (access(single, F_OK) == 0) m = open_path(single, err, err_size);
    else set_err(err, err_size, "%s: no model.safetensors.index.json or model.safetensors", path);
    free(index);
    free(single);
    return m;
  }
  if (ends_with(path, ".json")) return open_index(path, err, err_size);
  safetensors_model *m = model_new();
  if (!m || model_add_file(m, path) < 0) {
    set_err(err, err_size, "%s: out of memory", path);
    safetensors_close(m);
    return NULL;
  }
  if (map_file(m, 0, err, err_size) != 0 || parse_file(m, 0, err, err_size) != 0 ||
      finish_model(m, err, err_size) != 0) {
    safetensors_close(m);
    return NULL;
  }
  return m;
}

/* ---------------------------------------------------------------------------------------------
 * queries */

int safetensors_n_tensors(const safetensors_model *m) { return m->n_tensors; }

const safetensors_tensor *safetensors_tensor_at(const safetensors_model *m, int i) {
  return i >= 0 && i < m->n_tensors ? &m->tensors[i] : NULL;
}

const safetensors_tensor *safetensors_find(const safetensors_model *m, const char *name) {
  int lo = 0, hi = m->n_tensors - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(m->tensors[mid].name, name);
    if (c == 0) return &m->tensors[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
}

int safetensors_n_files(const safetensors_model *m) { return m->n_files; }

const char *safetensors_file_path(const safetensors_model *m, int i) {
  return i >= 0 && i < m->n_files ? m->files[i].path : NULL;
}

uint64_t safetensors_file_size(const safetensors_model *m, int i) {
  return i >= 0 && i < m->n_files ? m->files[i].size : 0;
}

int64_t safetensors_index_total_size(const safetensors_model *m) { return m->total_size; }

const char *safetensors_file_metadata(const safetensors_model *m, int i, const char *key) {
  if (i < 0 || i >= m->n_files) return NULL;
  const st_file *f = &m->files[i];
  for (int k = 0; k < f->n_meta; k++)
    if (strcmp(f->meta[k].key, key) == 0) return f->meta[k].value;
  return NULL;
}

int safetensors_check(const safetensors_model *m, const safetensors_tensor *t, safetensors_dtype dtype,
                      int n_dims, const int64_t *shape, char *err, size_t err_size) {
  int ok = dtype == SAFETENSORS_ANY || t->dtype == dtype;
  if (n_dims >= 0) {
    ok = ok && t->n_dims == n_dims;
    for (int i = 0; ok && i < n_dims; i++) ok = t->shape[i] == shape[i];
  }
  if (ok) return 0;
  char want[160], got[160];
  if (n_dims >= 0) safetensors_format_shape(want, sizeof want, n_dims, shape);
  else snprintf(want, sizeof want, "(any shape)");
  safetensors_format_shape(got, sizeof got, t->n_dims, t->shape);
  set_err(err, err_size, "%s: tensor '%s': expected shape %s %s, got %s %s", m->files[t->file_index].path,
          t->name, want, dtype == SAFETENSORS_ANY ? "(any dtype)" : safetensors_dtype_name(dtype), got,
          safetensors_dtype_name(t->dtype));
  return -1;
}

const safetensors_tensor *safetensors_get(const safetensors_model *m, const char *name, safetensors_dtype dtype,
                                          int n_dims, const int64_t *shape, char *err, size_t err_size) {
  const safetensors_tensor *t = safetensors_find(m, name);
  if (!t) {
    set_err(err, err_size, "%s: no tensor '%s'", m->label ? m->label : "(model)", name);
    return NULL;
  }
  return safetensors_check(m, t, dtype, n_dims, shape, err, err_size) == 0 ? t : NULL;
}

int safetensors_tensor_to_f32(const safetensors_model *m, const safetensors_tensor *t, float *dst, size_t n_dst,
                              char *err, size_t err_size) {
  if (t->n_elements > (uint64_t)n_dst) {
    set_err(err, err_size, "%s: tensor '%s': %llu elements do not fit a buffer of %zu floats",
            m->files[t->file_index].path, t->name, (unsigned long long)t->n_elements, n_dst);
    return -1;
  }
  size_t n = (size_t)t->n_elements;
  const uint8_t *src = t->data;
  switch (t->dtype) {
    case SAFETENSORS_F32:
      if (n) memcpy(dst, src, n * 4);
      break;
    case SAFETENSORS_BF16:
      for (size_t i = 0; i < n; i++) {
        uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
        dst[i] = safetensors_bf16_to_f32(h);
      }
      break;
    case SAFETENSORS_F16:
      for (size_t i = 0; i < n; i++) {
        uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
        dst[i] = safetensors_f16_to_f32(h);
      }
      break;
    default:
      set_err(err, err_size, "%s: tensor '%s': unsupported dtype", m->files[t->file_index].path, t->name);
      return -1;
  }
  return 0;
}

int safetensors_read_f32(const safetensors_model *m, const char *name, int n_dims, const int64_t *shape,
                         float *dst, size_t n_dst, char *err, size_t err_size) {
  const safetensors_tensor *t = safetensors_get(m, name, SAFETENSORS_ANY, n_dims, shape, err, err_size);
  if (!t) return -1;
  return safetensors_tensor_to_f32(m, t, dst, n_dst, err, err_size);
}
