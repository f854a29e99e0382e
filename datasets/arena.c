/* arena.c - chunked bump allocator (see arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
  arena_block *next;
  size_t size; /* usable bytes in data[] */
  size_t used;
  _Alignas(8) unsigned char data[];
};

void arena_init(arena *a, size_t block_size) {
  a->head = NULL;
  a->block_size = block_size ? block_size : (size_t)1 << 20;
  a->n_bytes = 0;
}

void arena_free(arena *a) {
  arena_block *b = a->head;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->n_bytes = 0;
}

void *arena_alloc(arena *a, size_t n) {
  if (n > SIZE_MAX - 16 - sizeof(arena_block)) return NULL;
  size_t need = (n + 7) & ~(size_t)7;
  arena_block *b = a->head;
  if (!b || b->size - b->used < need) {
    size_t size = need > a->block_size ? need : a->block_size;
    arena_block *nb = malloc(sizeof(arena_block) + size);
    if (!nb) return NULL;
    nb->size = size;
    nb->used = 0;
    if (b && need > a->block_size) {
      /* An oversized request gets its own block behind the current one, so the current block's
       * free space is not wasted. */
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += need;
  a->n_bytes += need;
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = arena_alloc(a, n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

char *arena_int(arena *a, int64_t v) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[n++] = '-';
  char *p = arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  for (int i = 0; i < n; i++) p[i] = tmp[n - 1 - i];
  p[n] = '\0';
  return p;
}
