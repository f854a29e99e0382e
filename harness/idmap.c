/* idmap.c - open-addressing string hash map with linear probing (idmap.h). */
#include "idmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

void idmap_init(idmap *m) { memset(m, 0, sizeof *m); }

void idmap_free(idmap *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
  free(m->keys);
  free(m->values);
  memset(m, 0, sizeof *m);
}

static size_t find_slot(const idmap *m, const char *key) {
  size_t mask = m->cap - 1, i = (size_t)hash_str(key) & mask;
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static int grow(idmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  idmap bigger = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(size_t)), cap, m->n};
  if (!bigger.keys || !bigger.values) {
    free(bigger.keys);
    free(bigger.values);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t j = find_slot(&bigger, m->keys[i]);
    bigger.keys[j] = m->keys[i];
    bigger.values[j] = m->values[i];
  }
  free(m->keys);
  free(m->values);
  *m = bigger;
  return 0;
}

int idmap_put(idmap *m, const char *key, size_t value, size_t *existing) {
  if ((m->n + 1) * 2 > m->cap && grow(m) != 0) return -1;
  size_t i = find_slot(m, key);
  if (m->keys[i]) {
    if (existing) *existing = m->values[i];
    return 1;
  }
  char *copy = strdup(key);
  if (!copy) return -1;
  m->keys[i] = copy;
  m->values[i] = value;
  m->n++;
  return 0;
}

int idmap_get(const idmap *m, const char *key, size_t *value) {
  if (!m->cap) return 0;
  size_t i = find_slot(m, key);
  if (!m->keys[i]) return 0;
  if (value) *value = m->values[i];
  return 1;
}
