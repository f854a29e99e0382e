/* safetensors_write.c - safetensors writer: header first, then tensors in order, converted from
 * float32; skipped tensors become holes of a sparse file. See safetensors_write.h. */
#include "safetensors_write.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"

struct safetensors_writer {
  char *path;
  int fd;
  int n_specs;
  safetensors_write_spec *specs; /* names owned */
  uint64_t *n_elements;
  int next;                      /* next tensor to write */
  uint64_t pos;                  /* file offset of the next tensor */
  uint8_t *buf;                  /* conversion buffer */
  size_t buf_size;
};

static int spec_elements(const safetensors_write_spec *s, uint64_t *n_el, uint64_t *n_bytes) {
  size_t dsize = safetensors_dtype_size(s->dtype);
  if (dsize == 0 || s->n_dims < 0 || s->n_dims > SAFETENSORS_MAX_DIMS || !s->name || !s->name[0]) return -1;
  uint64_t n = 1;
  for (int d = 0; d < s->n_dims; d++) {
    if (s->shape[d] < 0 || __builtin_mul_overflow(n, (uint64_t)s->shape[d], &n)) return -1;
  }
  if (__builtin_mul_overflow(n, (uint64_t)dsize, n_bytes)) return -1;
  *n_el = n;
  return 0;
}

uint8_t *safetensors_header_build(int n_specs, const safetensors_write_spec *specs, const char *const *meta,
                                  size_t *n_out, uint64_t *data_bytes, char *err, size_t err_size) {
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL;
  if (ok && meta && meta[0]) {
    cJSON *m = cJSON_CreateObject();
    ok = m && cJSON_AddItemToObject(root, "__metadata__", m);
    for (int i = 0; ok && meta[i] && meta[i + 1]; i += 2) ok = cJSON_AddStringToObject(m, meta[i], meta[i + 1]) != NULL;
  }
  uint64_t offset = 0;
  for (int i = 0; ok && i < n_specs; i++) {
    const safetensors_write_spec *s = &specs[i];
    uint64_t n_el, n_bytes;
    if (spec_elements(s, &n_el, &n_bytes) != 0) {
      set_err(err, err_size, "safetensors writer: tensor %d ('%s'): bad dtype, name or shape", i,
              s->name ? s->name : "");
      cJSON_Delete(root);
      return NULL;
    }
    for (int j = 0; j < i; j++) {
      if (strcmp(specs[j].name, s->name) == 0) {
        set_err(err, err_size, "safetensors writer: tensor '%s' declared twice", s->name);
        cJSON_Delete(root);
        return NULL;
      }
    }
    cJSON *e = cJSON_CreateObject();
    ok = e && cJSON_AddItemToObject(root, s->name, e);
    ok = ok && cJSON_AddStringToObject(e, "dtype", safetensors_dtype_name(s->dtype));
    cJSON *shape = ok ? cJSON_CreateArray() : NULL;
    ok = ok && shape && cJSON_AddItemToObject(e, "shape", shape);
    for (int d = 0; ok && d < s->n_dims; d++) ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)s->shape[d]));
    cJSON *offs = ok ? cJSON_CreateArray() : NULL;
    ok = ok && offs && cJSON_AddItemToObject(e, "data_offsets", offs);
    ok = ok && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
    ok = ok && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(offset + n_bytes)));
    offset += n_bytes;
  }
  char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!json) {
    set_err(err, err_size, "safetensors writer: out of memory");
    return NULL;
  }
  size_t len = strlen(json);
  size_t padded = (len + 8 + 7) / 8 * 8 - 8; /* so that 8 + padded is a multiple of 8 */
  uint8_t *out = malloc(8 + padded);
  if (!out) {
    free(json);
    set_err(err, err_size, "safetensors writer: out of memory");
    return NULL;
  }
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)((uint64_t)padded >> (8 * i));
  memcpy(out + 8, json, len);
  memset(out + 8 + len, ' ', padded - len);
  free(json);
  *n_out = 8 + padded;
  *data_bytes = offset;
  return out;
}

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

static void writer_free(safetensors_writer *w) {
  if (!w) return;
  if (w->fd >= 0) close(w->fd);
  for (int i = 0; i < w->n_specs && w->specs; i++) free((char *)w->specs[i].name);
  free(w->specs);
  free(w->n_elements);
  free(w->buf);
  free(w->path);
  free(w);
}

safetensors_writer *safetensors_writer_open(const char *path, int n_specs, const safetensors_write_spec *specs,
                                            const char *const *meta, char *err, size_t err_size) {
  size_t hdr_len = 0;
  uint64_t data_bytes = 0;
  uint8_t *hdr = safetensors_header_build(n_specs, specs, meta, &hdr_len, &data_bytes, err, err_size);
  if (!hdr) return NULL;
  safetensors_writer *w = calloc(1, sizeof *w);
  if (!w) {
    free(hdr);
    set_err(err, err_size, "%s: out of memory", path);
    return NULL;
  }
  w->fd = -1;
  w->path = strdup(path);
  w->specs = calloc((size_t)(n_specs > 0 ? n_specs : 1), sizeof *w->specs);
  w->n_elements = calloc((size_t)(n_specs > 0 ? n_specs : 1), sizeof *w->n_elements);
  if (!w->path || !w->specs || !w->n_elements) {
    free(hdr);
    writer_free(w);
    set_err(err, err_size, "%s: out of memory", path);
    return NULL;
  }
  for (int i = 0; i < n_specs; i++) {
    w->specs[i] = specs[i];
    w->specs[i].name = strdup(specs[i].name);
    w->n_specs = i + 1;
    uint64_t nb;
    spec_elements(&specs[i], &w->n_elements[i], &nb);
    if (!w->specs[i].name) {
      free(hdr);
      writer_free(w);
      set_err(err, err_size, "%s: out of memory", path);
      return NULL;
    }
  }
  w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0 || write_all(w->fd, hdr, hdr_len) != 0) {
    set_err(err, err_size, "%s: cannot write: %s", path, strerror(errno));
    free(hdr);
    writer_free(w);
    return NULL;
  }
  free(hdr);
  w->pos = hdr_len;
  return w;
}

int safetensors_writer_put(safetensors_writer *w, const float *values, uint64_t n, char *err, size_t err_size) {
  if (w->next >= w->n_specs) {
    set_err(err, err_size, "%s: all %d tensors already written", w->path, w->n_specs);
    return -1;
  }
  const safetensors_write_spec *s = &w->specs[w->next];
  if (n != w->n_elements[w->next]) {
    set_err(err, err_size, "%s: tensor '%s': got %llu values, expected %llu", w->path, s->name,
            (unsigned long long)n, (unsigned long long)w->n_elements[w->next]);
    return -1;
  }
  size_t dsize = safetensors_dtype_size(s->dtype);
  const size_t chunk = 1 << 16; /* elements per write */
  if (!w->buf) {
    w->buf_size = chunk * 4;
    w->buf = malloc(w->buf_size);
    if (!w->buf) {
      set_err(err, err_size, "%s: out of memory", w->path);
      return -1;
    }
  }
  for (uint64_t i = 0; i < n; i += chunk) {
    size_t m = (size_t)(n - i < chunk ? n - i : chunk);
    for (size_t k = 0; k < m; k++) {
      float f = values[i + k];
      uint8_t *o = w->buf + k * dsize;
      if (s->dtype == SAFETENSORS_F32) {
        uint32_t u;
        memcpy(&u, &f, 4);
        for (int b = 0; b < 4; b++) o[b] = (uint8_t)(u >> (8 * b));
      } else {
        uint16_t h = s->dtype == SAFETENSORS_BF16 ? safetensors_f32_to_bf16(f) : safetensors_f32_to_f16(f);
        o[0] = (uint8_t)h;
        o[1] = (uint8_t)(h >> 8);
      }
    }
    if (write_all(w->fd, w->buf, m * dsize) != 0) {
      set_err(err, err_size, "%s: write error: %s", w->path, strerror(errno));
      return -1;
    }
  }
  w->pos += n * dsize;
  w->next++;
  return 0;
}

int safetensors_writer_skip(safetensors_writer *w, char *err, size_t err_size) {
  if (w->next >= w->n_specs) {
    set_err(err, err_size, "%s: all %d tensors already written", w->path, w->n_specs);
    return -1;
  }
  w->pos += w->n_elements[w->next] * safetensors_dtype_size(w->specs[w->next].dtype);
  if (lseek(w->fd, (off_t)w->pos, SEEK_SET) < 0) {
    set_err(err, err_size, "%s: seek error: %s", w->path, strerror(errno));
    return -1;
  }
  w->next++;
  return 0;
}

int safetensors_writer_close(safetensors_writer *w, char *err, size_t err_size) {
  int rc = 0;
  if (w->next != w->n_specs) {
    set_err(err, err_size, "%s: only %d of %d tensors written", w->path, w->next, w->n_specs);
    rc = -1;
  } else if (ftruncate(w->fd, (off_t)w->pos) != 0) { /* materialises trailing holes */
    set_err(err, err_size, "%s: cannot set the file size: %s", w->path, strerror(errno));
    rc = -1;
  }
  int fd = w->fd;
  w->fd = -1;
  if (close(fd) != 0 && rc == 0) {
    set_err(err, err_size, "%s: close error: %s", w->path, strerror(errno));
    rc = -1;
  }
  writer_free(w);
  return rc;
}
