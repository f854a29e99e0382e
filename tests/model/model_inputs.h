/* model_inputs.h - the inputs the model tests share between the CPU tests (tests/model/) and the
 * GPU tests that repeat them on the CUDA backend (tests/gpu/): a seeded uniform generator, the
 * goldens' synthetic pixels, and prompt ids read from a golden. Header only, no globals. */
#ifndef FEWSHOT_TEST_MODEL_INPUTS_H
#define FEWSHOT_TEST_MODEL_INPUTS_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

/* A 64-bit LCG: the same seed gives the same values on every machine. */
typedef struct {
  uint64_t s;
} rng;

/* Uniform in [-1, 1), 24 random bits. */
static inline float frand(rng *r) {
  r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((r->s >> 40) * (1.0 / (1 << 24))) * 2.0f - 1.0f;
}

/* n values frand() * scale in a malloc'd array (caller frees). */
static inline float *rand_vec(rng *r, size_t n, float scale) {
  float *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; v && i < n; i++) v[i] = frand(r) * scale;
  return v;
}

/* The goldens' pixels (tools/reference/model_reference.py): ((31i + 7c + 13y + 17x) mod 255)/127.5 - 1
 * in double, rounded to float, for n_img images of ch x size x size (malloc'd; caller frees). */
static inline float *test_pixels(int n_img, int ch, int size) {
  float *p = malloc((size_t)n_img * ch * size * size * sizeof *p);
  size_t k = 0;
  for (int i = 0; p && i < n_img; i++)
    for (int c = 0; c < ch; c++)
      for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) p[k++] = (float)(((31 * i + 7 * c + 13 * y + 17 * x) % 255) / 127.5 - 1.0);
  return p;
}

/* A JSON array of ids as a malloc'd int32 array of *n entries (caller frees). */
static inline int32_t *json_ids(cJSON *arr, int *n) {
  *n = cJSON_GetArraySize(arr);
  int32_t *v = malloc((size_t)(*n ? *n : 1) * sizeof *v);
  for (int i = 0; v && i < *n; i++) v[i] = (int32_t)cJSON_GetArrayItem(arr, i)->valuedouble;
  return v;
}

#endif
