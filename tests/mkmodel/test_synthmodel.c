/* test_synthmodel.c - the in-memory checkpoint of model/synthmodel.h is the file fewshot-mkmodel
 * writes: built from the committed tiny model's config.json with its seed (1), head scale (8) and
 * dtype (bf16), the image equals tests/fixtures/models/tiny/model.safetensors byte for byte, with 1
 * thread and with 3 (tensors are filled in parallel, each from its own stream); it opens as a
 * safetensors model with the expected tensors; an f32 build holds exactly the values whose bf16
 * rounding the bf16 build holds; a bad configuration is refused with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_config.h"
#include "safetensors.h"
#include "synthmodel.h"
#include "test_util.h"

static unsigned char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len);
  *n = b ? fread(b, 1, (size_t)len, f) : 0;
  fclose(f);
  return b;
}

int main(void) {
  test_ctx t = test_begin("synthmodel");
  char err[256] = "";
  model_config c;
  if (model_config_load(&c, "fixtures/models/tiny", err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  size_t n_file = 0;
  unsigned char *file = read_file("fixtures/models/tiny/model.safetensors", &n_file);
  TEST_CHECK(&t, file != NULL, "cannot read the tiny model");
  for (int threads = 1; file && threads <= 3; threads += 2) {
    synthmodel_options o = {.seed = 1, .head_scale = 8, .dtype = SAFETENSORS_BF16, .n_threads = threads};
    synthmodel *m = synthmodel_build(&c, &o, err, sizeof err);
    TEST_CHECK(&t, m != NULL, "build (%d threads): %s", threads, err);
    if (!m) continue;
    size_t n = 0;
    const unsigned char *b = synthmodel_bytes(m, &n);
    TEST_CHECK(&t, n == n_file, "%d threads: %zu bytes, the file has %zu", threads, n, n_file);
    size_t first = 0;
    while (first < n && first < n_file && b[first] == file[first]) first++;
    TEST_CHECK(&t, first == n && n == n_file, "%d threads: first differing byte at %zu", threads, first);
    safetensors_model *st = synthmodel_open(m, err, sizeof err);
    TEST_CHECK(&t, st != NULL, "open: %s", err);
    if (st) {
      TEST_CHECK(&t, safetensors_find(st, "vlm.lang_model.lm_head.weight") != NULL, "lm_head missing");
      model_tensor_list l;
      model_tensor_list_build(&l, &c, err, sizeof err);
      TEST_CHECK(&t, safetensors_n_tensors(st) == l.n, "%d tensors, expected %d", safetensors_n_tensors(st), l.n);
      model_tensor_list_free(&l);
      safetensors_close(st);
    }
    synthmodel_free(m);
  }
  /* f32 and bf16 builds hold the same stream (bf16 = round-to-nearest-even of the f32 value) */
  synthmodel_options of = {.seed = 5, .head_scale = 1, .dtype = SAFETENSORS_F32, .n_threads = 2};
  synthmodel_options ob = of;
  ob.dtype = SAFETENSORS_BF16;
  synthmodel *mf = synthmodel_build(&c, &of, err, sizeof err), *mb = synthmodel_build(&c, &ob, err, sizeof err);
  safetensors_model *sf = mf ? synthmodel_open(mf, err, sizeof err) : NULL;
  safetensors_model *sb = mb ? synthmodel_open(mb, err, sizeof err) : NULL;
  TEST_CHECK(&t, sf && sb, "f32/bf16 builds: %s", err);
  if (sf && sb) {
    const safetensors_tensor *tf = safetensors_find(sf, "vlm.vision_tokenizer.projection.weight");
    const safetensors_tensor *tb = safetensors_find(sb, "vlm.vision_tokenizer.projection.weight");
    TEST_CHECK(&t, tf && tb && tf->n_elements == tb->n_elements, "projection weight missing");
    long bad = 0;
    for (uint64_t i = 0; tf && tb && i < tf->n_elements; i++) {
      float f;
      uint16_t h;
      memcpy(&f, (const char *)tf->data + 4 * i, 4);
      memcpy(&h, (const char *)tb->data + 2 * i, 2);
      bad += safetensors_f32_to_bf16(f) != h;
    }
    TEST_CHECK(&t, bad == 0, "%ld bf16 values are not the rounding of the f32 ones", bad);
  }
  safetensors_close(sf);
  safetensors_close(sb);
  synthmodel_free(mf);
  synthmodel_free(mb);
  /* refusals */
  model_config badc = c;
  badc.lm.n_heads = 5; /* 32 is not divisible by 5 */
  err[0] = '\0';
  TEST_CHECK(&t, synthmodel_build(&badc, &ob, err, sizeof err) == NULL && err[0], "bad config accepted");
  synthmodel_options od = ob;
  od.dtype = SAFETENSORS_F16;
  err[0] = '\0';
  TEST_CHECK(&t, synthmodel_build(&c, &od, err, sizeof err) == NULL && strstr(err, "dtype"), "f16 accepted: %s", err);
  free(file);
  return test_report(&t);
}
