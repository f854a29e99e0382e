/* test_engine_synth.c - engine_load_checkpoint over a checkpoint built in memory (synthmodel.h) is the
 * engine engine_load makes from the same bytes on disk: the tiny fixture rebuilt in memory gives
 * bit-identical image embeddings and logits; a mis-shaped checkpoint is refused with the tensor named
 * (and the checkpoint closed); the timing record (engine_set_timing) counts what was run: images,
 * prompts, prompt tokens with and without padding, decoding steps and rows, with non-negative times,
 * and the per-step times up to the capacity given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "synthmodel.h"
#include "test_util.h"

#define MODEL "fixtures/models/tiny"

/* A prompt: <image> block + text ids. */
static int32_t *make_prompt(int n_latents, int n_text, int salt, int *n) {
  *n = n_latents + n_text;
  int32_t *ids = malloc((size_t)*n * sizeof *ids);
  ids[0] = 32012;
  for (int i = 1; i < n_latents; i++) ids[i] = 32013;
  for (int i = 0; i < n_text; i++) ids[n_latents + i] = 100 + (i * 37 + salt * 101) % 30000;
  return ids;
}

int main(void) {
  test_ctx t = test_begin("engine_synth");
  char err[512] = "";
  model_config c;
  if (model_config_load(&c, MODEL, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  engine_limits lim = {.max_batch = 2, .max_images = 2, .max_prompt_tokens = 160, .max_new_tokens = 4,
                       .max_beams = 3, .n_threads = 2};
  synthmodel_options o = {.seed = 1, .head_scale = 8, .dtype = SAFETENSORS_BF16, .n_threads = 2};
  synthmodel *m = synthmodel_build(&c, &o, err, sizeof err);
  TEST_CHECK(&t, m != NULL, "build: %s", err);
  if (!m) return test_report(&t);
  safetensors_model *st = synthmodel_open(m, err, sizeof err);
  engine *a = st ? engine_load_checkpoint(&c, st, ENGINE_DEVICE_CPU, &lim, err, sizeof err) : NULL;
  TEST_CHECK(&t, a != NULL, "engine_load_checkpoint: %s", err);
  engine *b = engine_load(MODEL, ENGINE_DEVICE_CPU, &lim, err, sizeof err);
  TEST_CHECK(&t, b != NULL, "engine_load: %s", err);
  if (!a || !b) return test_report(&t);

  const int S = c.vision.image_size, px = 3 * S * S;
  float *pixels = malloc(2 * (size_t)px * sizeof *pixels);
  for (int i = 0; i < 2 * px; i++) pixels[i] = (float)(((size_t)i * 7919) % 255) / 127.5f - 1.0f;
  const size_t per = engine_image_floats(a);
  float *ea = malloc(2 * per * sizeof *ea), *eb = malloc(2 * per * sizeof *eb);
  engine_timing tm = {0};
  engine_set_timing(a, &tm);
  TEST_CHECK(&t, engine_encode_images(a, pixels, 2, ea, err, sizeof err) == 0, "encode: %s", err);
  TEST_CHECK(&t, engine_encode_images(b, pixels, 2, eb, err, sizeof err) == 0, "encode: %s", err);
  TEST_CHECK(&t, memcmp(ea, eb, 2 * per * sizeof *ea) == 0, "image embeddings differ between the two loads");
  TEST_CHECK(&t, tm.n_images == 2 && tm.vision_s > 0 && tm.resampler_s > 0, "timing after encode: %ld images, %g s, %g s",
             tm.n_images, tm.vision_s, tm.resampler_s);

  int n0, n1;
  int32_t *p0 = make_prompt(c.resampler.n_latents, 12, 1, &n0), *p1 = make_prompt(c.resampler.n_latents, 7, 2, &n1);
  const float *im0[1] = {ea}, *im1[1] = {ea + per};
  engine_prompt pr[2] = {{p0, n0, im0, 1}, {p1, n1, im1, 1}};
  const int V = engine_config(a)->lm.n_logits;
  int pos[2] = {n0 - 2, n0 - 1};
  float *la = malloc(2 * (size_t)V * sizeof *la), *lb = malloc(2 * (size_t)V * sizeof *lb);
  TEST_CHECK(&t, engine_prompt_logits(a, &pr[0], pos, 2, la, err, sizeof err) == 0, "logits: %s", err);
  TEST_CHECK(&t, engine_prompt_logits(b, &pr[0], pos, 2, lb, err, sizeof err) == 0, "logits: %s", err);
  TEST_CHECK(&t, memcmp(la, lb, 2 * (size_t)V * sizeof *la) == 0, "logits differ between the two loads");

  /* fixed-length beam search: 3 beams, 4 new tokens, eos forbidden throughout */
  gen_params gp = {.num_beams = 3, .max_new_tokens = 4, .min_new_tokens = 4, .length_penalty = 1.0, .n_eos = 2,
                   .eos = {32000, 32014}, .pad_id = 32000};
  gen_output out[2];
  double steps[8] = {0};
  tm.step_s = steps;
  tm.step_cap = 2; /* only the first two of the three steps are recorded */
  tm.n_decode_steps = 0;
  engine_timing before = tm;
  TEST_CHECK(&t, engine_generate(a, pr, 2, &gp, out, NULL, err, sizeof err) == 0, "generate: %s", err);
  TEST_CHECK(&t, out[0].n == 4 && out[1].n == 4, "fixed length: %d and %d tokens", out[0].n, out[1].n);
  gen_output_free(out, 2);
  TEST_CHECK(&t, tm.n_prompts - before.n_prompts == 2, "prompts %ld", tm.n_prompts - before.n_prompts);
  TEST_CHECK(&t, tm.n_prompt_tokens - before.n_prompt_tokens == n0 + n1, "prompt tokens %ld, expected %d",
             tm.n_prompt_tokens - before.n_prompt_tokens, n0 + n1);
  TEST_CHECK(&t, tm.n_padded_tokens - before.n_padded_tokens == 2 * n0, "padded tokens %ld, expected %d",
             tm.n_padded_tokens - before.n_padded_tokens, 2 * n0);
  TEST_CHECK(&t, tm.n_decode_steps - before.n_decode_steps == 3, "decode steps %ld, expected 3",
             tm.n_decode_steps - before.n_decode_steps);
  TEST_CHECK(&t, steps[0] > 0 && steps[1] > 0 && steps[2] == 0, "per-step times %g %g %g (cap 2)", steps[0], steps[1],
             steps[2]);
  TEST_CHECK(&t, steps[0] + steps[1] <= tm.decode_s + tm.search_s - before.decode_s - before.search_s + 1e-9,
             "per-step times exceed the decode + search time");
  tm.step_s = NULL;
  TEST_CHECK(&t, tm.n_decode_rows - before.n_decode_rows == 3 * 6, "decode rows %ld, expected 18",
             tm.n_decode_rows - before.n_decode_rows);
  TEST_CHECK(&t, tm.prefill_s > before.prefill_s && tm.decode_s > before.decode_s && tm.search_s > before.search_s,
             "phase times did not grow: prefill %g, decode %g, search %g", tm.prefill_s, tm.decode_s, tm.search_s);
  engine_set_timing(a, NULL);
  engine_timing frozen = tm;
  TEST_CHECK(&t, engine_generate(a, pr, 1, &gp, out, NULL, err, sizeof err) == 0, "generate: %s", err);
  gen_output_free(out, 1);
  TEST_CHECK(&t, memcmp(&frozen, &tm, sizeof tm) == 0, "a detached record changed");

  /* a checkpoint that does not fit the configuration: refused, the tensor named */
  model_config wide = c;
  wide.lm.intermediate_size = 96;
  safetensors_model *st2 = synthmodel_open(m, err, sizeof err);
  engine *bad = engine_load_checkpoint(&wide, st2, ENGINE_DEVICE_CPU, &lim, err, sizeof err);
  TEST_CHECK(&t, bad == NULL && strstr(err, "mlp"), "mis-shaped checkpoint: \"%s\"", err);

  engine_free(a);
  engine_free(b);
  synthmodel_free(m);
  free(p0), free(p1), free(la), free(lb), free(ea), free(eb), free(pixels);
  return test_report(&t);
}
