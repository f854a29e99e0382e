/* arena.h - a chunked bump allocator for the many small strings and arrays a dataset holds.
 *
 * Blocks are never moved, so pointers into the arena stay valid until arena_free(). A dataset of
 * 440k VQA questions holds a few million strings; one arena keeps them in a few dozen mallocs and
 * frees them in one call. */
#ifndef FEWSHOT_ARENA_H
#define FEWSHOT_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct arena_block arena_block;

typedef struct {
  arena_block *head;  /* newest block first; NULL when empty */
  size_t block_size;  /* default size of a new block (bytes) */
  size_t n_bytes;     /* bytes handed out, for statistics */
} arena;

/* Initialises an empty arena whose blocks are `block_size` bytes (0 = 1 MiB). Allocates nothing. */
void arena_init(arena *a, size_t block_size);

/* Frees every block. The arena is empty (and reusable) afterwards. */
void arena_free(arena *a);

/* Returns `n` bytes aligned to 8, valid until arena_free(); NULL when out of memory or when the size
 * overflows. n == 0 returns a valid, unique-enough pointer to zero bytes. */
void *arena_alloc(arena *a, size_t n);

/* Copies `n` bytes of `s` and a terminating NUL into the arena; returns the copy or NULL (no memory). */
char *arena_strndup(arena *a, const char *s, size_t n);

/* arena_strndup(a, s, strlen(s)). */
char *arena_strdup(arena *a, const char *s);

/* The decimal text of v in the arena (what printf("%" PRId64) gives, without printf's cost: loaders
 * format hundreds of thousands of ids). Returns NULL when out of memory. */
char *arena_int(arena *a, int64_t v);

/* printf into the arena; returns the string or NULL (no memory or formatting error). */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
