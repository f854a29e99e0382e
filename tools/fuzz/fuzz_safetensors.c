/* fuzz_safetensors.c - libFuzzer target for the safetensors header parser.
 *
 * Feeds arbitrary bytes as a whole file image to safetensors_open_buffer; when the header is
 * accepted, reads every tensor back as float32 and runs the lookups, so that an accepted header
 * pointing outside the buffer would be caught by AddressSanitizer. Built only with
 * -DFEWSHOT_FUZZ=ON and CC=clang (docs/tiny-models.md, "Fuzzing the header parser"):
 *
 *   build-fuzz/fuzz_safetensors CORPUS_DIR -max_total_time=600 -max_len=4096 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a private copy of exactly `size` bytes, so ASan sees any read past the end */
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  char err[256];
  safetensors_model *m = safetensors_open_buffer(copy, size, "fuzz.safetensors", err, sizeof err);
  if (m) {
    for (int i = 0; i < safetensors_n_tensors(m); i++) {
      const safetensors_tensor *t = safetensors_tensor_at(m, i);
      if (safetensors_find(m, t->name) != t) abort(); /* lookup must find every tensor */
      if (t->n_elements <= (1u << 20)) {
        float *dst = malloc((size_t)t->n_elements * sizeof *dst + 1);
        if (dst && safetensors_tensor_to_f32(m, t, dst, (size_t)t->n_elements, err, sizeof err) != 0) abort();
        free(dst);
      }
      char shape[128];
      safetensors_format_shape(shape, sizeof shape, t->n_dims, t->shape);
      safetensors_check(m, t, SAFETENSORS_F32, t->n_dims, t->shape, err, sizeof err);
    }
    safetensors_file_metadata(m, 0, "format");
    safetensors_close(m);
  }
  free(copy);
  return 0;
}
