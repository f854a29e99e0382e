/* imagecache.h - image embeddings (vision tower + resampler output, engine_image_floats floats per
 * image) kept by image content, least recently used first out, within a byte budget.
 * Demonstration images recur across thousands of prompts (design.md §4): the query set holds 2048
 * training images, each drawn again and again. The key is the SHA-256 of the image file's bytes, so
 * the same picture under two names is encoded once and a changed file is never served stale.
 *
 * Entries used by the batch being assembled are pinned (imagecache_begin_batch starts a new batch):
 * eviction never removes them, so the pointers a batch holds stay valid until the next batch; when
 * a single batch needs more than the budget, the cache grows past it for that batch. */
#ifndef FEWSHOT_IMAGECACHE_H
#define FEWSHOT_IMAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"

typedef struct {
  char key[65];     /* hex SHA-256 of the file; "" for a free slot */
  float *emb;       /* n_floats floats, owned */
  uint64_t batch;   /* the batch that last used it */
  size_t prev, next; /* LRU list (SIZE_MAX ends it) */
} imagecache_entry;

typedef struct {
  size_t n_floats;        /* floats per embedding */
  size_t max_entries;     /* budget / bytes per embedding (at least 1) */
  imagecache_entry *entries;
  size_t n_entries, cap;
  size_t head, tail;      /* most / least recently used */
  idmap index;            /* key -> entry */
  uint64_t batch;         /* current batch number */
  size_t hits, misses;    /* counters for the run's report */
} imagecache;

/* Sets up an empty cache for embeddings of n_floats floats within budget_bytes. Returns 0, or -1
 * with `err` (n_floats 0). */
int imagecache_init(imagecache *c, size_t n_floats, size_t budget_bytes, char *err, size_t err_size);
void imagecache_free(imagecache *c);

/* Starts a new batch: entries used from now on are pinned until the next call. */
void imagecache_begin_batch(imagecache *c);

/* The embedding stored under key, marked used by this batch, or NULL (counted as a miss). */
const float *imagecache_get(imagecache *c, const char *key);

/* Stores a copy of emb under key (which must be absent), evicting unpinned least recently used
 * entries to stay within the budget. Returns the stored copy (pinned for this batch), or NULL when
 * out of memory. */
const float *imagecache_put(imagecache *c, const char *key, const float *emb);

#endif
