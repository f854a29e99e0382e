/* imagecache.c - LRU cache of image embeddings by content hash (imagecache.h). */
#include "imagecache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

int imagecache_init(imagecache *c, size_t n_floats, size_t budget_bytes, char *err, size_t err_size) {
  memset(c, 0, sizeof *c);
  if (!n_floats) {
    if (err) snprintf(err, err_size, "image cache: embeddings of 0 floats");
    return -1;
  }
  c->n_floats = n_floats;
  c->max_entries = budget_bytes / (n_floats * sizeof(float));
  if (c->max_entries < 1) c->max_entries = 1;
  c->head = c->tail = NONE;
  idmap_init(&c->index);
  return 0;
}

void imagecache_free(imagecache *c) {
  for (size_t i = 0; i < c->n_entries; i++) free(c->entries[i].emb);
  free(c->entries);
  idmap_free(&c->index);
  memset(c, 0, sizeof *c);
}

void imagecache_begin_batch(imagecache *c) { c->batch++; }

static void unlink_entry(imagecache *c, size_t i) {
  imagecache_entry *e = &c->entries[i];
  if (e->prev != NONE) c->entries[e->prev].next = e->next;
  else c->head = e->next;
  if (e->next != NONE) c->entries[e->next].prev = e->prev;
  else c->tail = e->prev;
  e->prev = e->next = NONE;
}

static void push_front(imagecache *c, size_t i) {
  imagecache_entry *e = &c->entries[i];
  e->prev = NONE;
  e->next = c->head;
  if (c->head != NONE) c->entries[c->head].prev = i;
  c->head = i;
  if (c->tail == NONE) c->tail = i;
}

const float *imagecache_get(imagecache *c, const char *key) {
  size_t i;
  if (!idmap_get(&c->index, key, &i) || !c->entries[i].key[0]) {
    c->misses++;
    return NULL;
  }
  c->hits++;
  unlink_entry(c, i);
  push_front(c, i);
  c->entries[i].batch = c->batch;
  return c->entries[i].emb;
}

/* Rebuilds the key index without the evicted keys (idmap has no delete). */
static int reindex(imagecache *c) {
  idmap fresh;
  idmap_init(&fresh);
  for (size_t i = 0; i < c->n_entries; i++)
    if (c->entries[i].key[0] && idmap_put(&fresh, c->entries[i].key, i, NULL) < 0) {
      idmap_free(&fresh);
      return -1;
    }
  idmap_free(&c->index);
  c->index = fresh;
  return 0;
}

const float *imagecache_put(imagecache *c, const char *key, const float *emb) {
  size_t live = c->index.n, slot = NONE;
  /* Evict from the cold end, skipping this batch's entries. */
  int evicted = 0;
  for (size_t i = c->tail; live >= c->max_entries && i != NONE;) {
    size_t prev = c->entries[i].prev;
    if (c->entries[i].batch != c->batch) {
      unlink_entry(c, i);
      c->entries[i].key[0] = '\0';
      slot = i;
      live--;
      evicted = 1;
      if (live < c->max_entries) break;
    }
    i = prev;
  }
  if (evicted && reindex(c) != 0) return NULL;
  if (slot == NONE) {
    for (size_t i = 0; i < c->n_entries && slot == NONE; i++)
      if (!c->entries[i].key[0]) slot = i;
  }
  if (slot == NONE) {
    if (c->n_entries == c->cap) {
      size_t cap = c->cap ? c->cap * 2 : 16;
      imagecache_entry *ne = realloc(c->entries, cap * sizeof *ne);
      if (!ne) return NULL;
      c->entries = ne;
      c->cap = cap;
    }
    slot = c->n_entries++;
    memset(&c->entries[slot], 0, sizeof c->entries[slot]);
    c->entries[slot].prev = c->entries[slot].next = NONE;
    if (!(c->entries[slot].emb = malloc(c->n_floats * sizeof(float)))) {
      c->n_entries--;
      return NULL;
    }
  }
  imagecache_entry *e = &c->entries[slot];
  snprintf(e->key, sizeof e->key, "%s", key);
  memcpy(e->emb, emb, c->n_floats * sizeof(float));
  e->batch = c->batch;
  if (idmap_put(&c->index, key, slot, NULL) < 0) {
    e->key[0] = '\0';
    return NULL;
  }
  push_front(c, slot);
  return e->emb;
}
