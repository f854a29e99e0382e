/* fileio.h - model/'s one whole-file reader (tokenizer files, image files). Internal to model/:
 * not part of its public interface (the checkpoint itself is memory-mapped by safetensors.c). */
#ifndef FEWSHOT_MODEL_FILEIO_H
#define FEWSHOT_MODEL_FILEIO_H

#include <stddef.h>

/* Reads the whole file at `path` into a malloc'd buffer with a NUL after the last byte (*len gets
 * the byte count, without it; caller frees). A regular file is read into one allocation of its
 * size. max_bytes > 0 refuses larger files. Returns NULL with "<path>: cannot open: <strerror>",
 * "<path>: out of memory", "<path>: larger than <max_bytes> bytes" or "<path>: read error" in err;
 * *missing (if not NULL) is set to 1 when the file does not exist, else 0, so that optional files
 * can be skipped. */
char *fileio_read_all(const char *path, size_t max_bytes, size_t *len, int *missing, char *err,
                      size_t err_size);

#endif
