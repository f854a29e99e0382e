/* test_engine_errors.c - the engine refuses bad requests with a clear one-line error, never a crash:
 * malformed prompts (image blocks, stray placeholders, ids outside the vocabulary, image counts),
 * requests beyond the declared maxima, bad decoding parameters, an unavailable device, a missing
 * checkpoint. Uses the committed tiny model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuda/backend_cuda.h"
#include "engine.h"
#include "test_util.h"

#define MODEL "fixtures/models/tiny"

/* Counts trace events by part and checks their shapes. */
typedef struct {
  int siglip_layers, resampler_layers, phi3_layers, outputs, bad;
} trace_count;
static void count_trace(void *ctx, const char *name, int layer, bk_ptr x, int rows, int cols, int ld) {
  trace_count *c = ctx;
  (void)x;
  if (rows < 1 || cols < 1 || ld < cols) c->bad++;
  if (!strcmp(name, "siglip.layer")) c->siglip_layers += layer >= 0;
  if (!strcmp(name, "resampler.layer")) c->resampler_layers += layer >= 0;
  if (!strcmp(name, "phi3.layer")) c->phi3_layers += layer >= 0;
  if (strstr(name, ".output")) c->outputs++;
}

static void expect_err(test_ctx *t, int rc, const char *err, const char *needle, const char *what) {
  TEST_CHECK(t, rc != 0, "%s: accepted", what);
  TEST_CHECK(t, strstr(err, needle) != NULL, "%s: error \"%s\" does not mention \"%s\"", what, err, needle);
}

int main(void) {
  test_ctx t = test_begin("engine_errors");
  char err[512] = "";
  engine_limits lim = {.max_batch = 2, .max_images = 2, .max_prompt_tokens = 200, .max_new_tokens = 4,
                       .max_beams = 2};
  TEST_CHECK(&t, engine_load("fixtures/models/nonexistent", ENGINE_DEVICE_CPU, &lim, err, sizeof err) == NULL &&
                     strstr(err, "nonexistent"), "missing model: \"%s\"", err);
  /* without a usable GPU (or a build without CUDA) the CUDA device is refused with a reason; with
   * one it loads (the gpu tests check it) */
  char why[256];
  if (bk_cuda_device_count(why, sizeof why) == 0) {
    TEST_CHECK(&t, engine_load(MODEL, ENGINE_DEVICE_CUDA, &lim, err, sizeof err) == NULL && strstr(err, "CUDA"),
               "cuda: \"%s\"", err);
  } else {
    engine *g = engine_load(MODEL, ENGINE_DEVICE_CUDA, &lim, err, sizeof err);
    TEST_CHECK(&t, g != NULL, "cuda with a device: %s", err);
    engine_free(g);
  }
  /* a config whose LM MLP width disagrees with the weights: the loader names tensor and shapes */
  {
    char dir[1024], path[1200], target[1200];
    snprintf(dir, sizeof dir, "%s/tests/scratch/engine_misshaped", FEWSHOT_BINARY_DIR);
    mkdir(FEWSHOT_BINARY_DIR "/tests/scratch", 0755);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!realpath(MODEL "/model.safetensors", target)) target[0] = 0;
    unlink(path);
    TEST_CHECK(&t, symlink(target, path) == 0, "symlink %s", path);
    size_t len = 0;
    char *cfg = test_read_file(MODEL "/config.json", &len);
    char *at = cfg ? strstr(cfg, "\"intermediate_size\":\t64") : NULL;
    if (TEST_CHECK(&t, at != NULL, "tiny config.json has no text intermediate_size 64")) {
      /* written through an index into cfg: gcc 12 with the sanitizers misreads memcpy(at + k, ...)
       * as a write past a zero-length object (-Werror=array-bounds) */
      size_t digits = (size_t)(at - cfg) + strlen("\"intermediate_size\":\t");
      cfg[digits] = '4';
      cfg[digits + 1] = '8';
      snprintf(path, sizeof path, "%s/config.json", dir);
      FILE *f = fopen(path, "w");
      int written = f && fwrite(cfg, 1, len, f) == len;
      if (f && fclose(f) != 0) written = 0;
      if (TEST_CHECK(&t, written, "cannot write %s", path))
        TEST_CHECK(&t, engine_load(dir, ENGINE_DEVICE_CPU, &lim, err, sizeof err) == NULL &&
                           strstr(err, "gate_up_proj.weight") && strstr(err, "[96, 32]") && strstr(err, "[128, 32]"),
                   "mis-shaped tensor: \"%s\"", err);
    }
    free(cfg);
  }
  engine *e = engine_load(MODEL, ENGINE_DEVICE_CPU, &lim, err, sizeof err);
  if (!TEST_CHECK(&t, e != NULL, "load: %s", err)) return test_report(&t);
  const int nl = engine_config(e)->resampler.n_latents;
  float *img = calloc(engine_image_floats(e), sizeof(float));
  const model_vision_config *vcfg = &engine_config(e)->vision;
  float *img_pixels = calloc((size_t)vcfg->n_channels * vcfg->image_size * vcfg->image_size, sizeof(float));
  const float *imgs[2] = {img, img};
  int32_t ids[300];
  int n = 0;
  ids[n++] = 32012;
  for (int i = 1; i < nl; i++) ids[n++] = 32013;
  ids[n++] = 3529;
  engine_prompt good = {ids, n, imgs, 1};
  TEST_CHECK(&t, engine_check_prompt(e, &good, err, sizeof err) == 0, "good prompt refused: %s", err);

  engine_prompt p = good;
  p.n_images = 2;
  expect_err(&t, engine_check_prompt(e, &p, err, sizeof err), err, "1 <image> blocks but 2 images", "image count");
  int32_t short_block[10] = {32012, 32013, 32013, 3529};
  p = (engine_prompt){short_block, 4, imgs, 1};
  expect_err(&t, engine_check_prompt(e, &p, err, sizeof err), err, "token 0: <image> must be followed", "short block");
  int32_t stray[3] = {3529, 32013, 3529};
  p = (engine_prompt){stray, 3, imgs, 0};
  expect_err(&t, engine_check_prompt(e, &p, err, sizeof err), err, "token 1: <image placeholder> without", "stray");
  int32_t oov[2] = {3529, 32015};
  p = (engine_prompt){oov, 2, imgs, 0};
  expect_err(&t, engine_check_prompt(e, &p, err, sizeof err), err, "token 1: id 32015 outside", "vocabulary");
  for (int i = n; i < 250; i++) ids[i] = 3529;
  p = good;
  p.n_ids = 250;
  expect_err(&t, engine_check_prompt(e, &p, err, sizeof err), err, "250 tokens", "prompt too long");

  gen_params gp = {.num_beams = 1, .max_new_tokens = 4, .n_eos = 1, .eos = {32000}, .pad_id = 32000};
  gen_output out[3];
  engine_prompt three[3] = {good, good, good};
  expect_err(&t, engine_generate(e, three, 3, &gp, out, NULL, err, sizeof err), err, "3 prompts", "batch");
  gp.num_beams = 3;
  expect_err(&t, engine_generate(e, &good, 1, &gp, out, NULL, err, sizeof err), err, "3 beams", "beams");
  gp.num_beams = 1;
  gp.max_new_tokens = 5;
  expect_err(&t, engine_generate(e, &good, 1, &gp, out, NULL, err, sizeof err), err, "5 new tokens", "new tokens");
  gp.max_new_tokens = 4;
  gp.min_new_tokens = 5;
  expect_err(&t, engine_generate(e, &good, 1, &gp, out, NULL, err, sizeof err), err, "min_new_tokens", "min > max");
  gp.min_new_tokens = 0;
  gp.eos[0] = 40000;
  expect_err(&t, engine_generate(e, &good, 1, &gp, out, NULL, err, sizeof err), err, "eos id 40000", "eos");
  gp.eos[0] = 32000;
  p = good;
  p.n_images = 2;
  expect_err(&t, engine_generate(e, &p, 1, &gp, out, NULL, err, sizeof err), err, "batch prompt 0", "bad prompt in batch");
  /* the trace hook sees every layer of every part */
  trace_count tc = {0};
  model_trace tr = {count_trace, &tc};
  engine_set_trace(e, &tr);
  TEST_CHECK(&t, engine_encode_images(e, img_pixels, 1, img, err, sizeof err) == 0, "encode: %s", err);
  const model_config *mc = engine_config(e);
  TEST_CHECK(&t, tc.siglip_layers == mc->vision.n_layers && tc.resampler_layers == mc->resampler.depth &&
                     tc.outputs == 2 && !tc.bad, "trace: %d siglip layers, %d resampler layers, %d outputs, %d bad",
             tc.siglip_layers, tc.resampler_layers, tc.outputs, tc.bad);
  engine_set_trace(e, NULL);
  /* and a good request still works after the refusals */
  TEST_CHECK(&t, engine_generate(e, &good, 1, &gp, out, NULL, err, sizeof err) == 0 && out[0].n >= 1, "generate: %s", err);
  gen_output_free(out, 1);
  free(img), free(img_pixels);
  engine_free(e);
  return test_report(&t);
}
