/* sha256.h - SHA-256 (FIPS 180-4) for the content hashes of run.json: dataset files, the model
 * fingerprint, image-cache keys. Streaming: init, update any number of times, final. */
#ifndef FEWSHOT_SHA256_H
#define FEWSHOT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t h[8];
  uint64_t n_bytes;      /* total bytes hashed so far */
  unsigned char block[64];
  size_t n_block;        /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/* Writes the 32-byte digest; the context must be re-initialised before reuse. */
void sha256_final(sha256_ctx *c, unsigned char digest[32]);
/* Lower-case hex of a digest into hex (65 bytes with the NUL). */
void sha256_hex(const unsigned char digest[32], char hex[65]);

/* Hashes n bytes in one go: lower-case hex digest into hex (65 bytes with the NUL). */
void sha256_buffer_hex(const void *data, size_t n, char hex[65]);

/* Hashes a whole file: hex digest into hex, its size into *bytes (may be NULL). Returns 0, or
 * non-zero with `err` naming the file. */
int sha256_file(const char *path, char hex[65], uint64_t *bytes, char *err, size_t err_size);

#endif
