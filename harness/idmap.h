/* idmap.h - a string -> size_t hash map (open addressing, FNV-1a), for sample ids: finding a
 * record by id on resume, pairing records by id in `compare`, catching duplicates when reading.
 * Keys are copied in; the map owns its copies. */
#ifndef FEWSHOT_IDMAP_H
#define FEWSHOT_IDMAP_H

#include <stddef.h>

typedef struct {
  char **keys;    /* slot -> owned key, NULL when empty */
  size_t *values; /* slot -> value */
  size_t cap;     /* slots, a power of two */
  size_t n;       /* keys stored */
} idmap;

/* An empty map (no allocation until the first put). Free with idmap_free. */
void idmap_init(idmap *m);
/* Frees the keys and the tables; the map is empty afterwards and can be reused. */
void idmap_free(idmap *m);

/* Inserts key -> value when key is absent. Returns 0 when inserted, 1 when the key was already
 * there (then *existing, if not NULL, gets its value and nothing changes), -1 when out of memory. */
int idmap_put(idmap *m, const char *key, size_t value, size_t *existing);

/* Looks key up: returns 1 and sets *value when present, 0 when absent. */
int idmap_get(const idmap *m, const char *key, size_t *value);

#endif
