/* test_model_golden.c - the CPU engine against goldens from the real implementations
 * (tools/reference/model_reference.py: transformers 4.41.1 SiglipVisionModel and Phi3ForCausalLM,
 * a PyTorch resampler written from model.md, transformers' generate).
 *
 *   test_model_golden MODEL_DIR GOLDEN_PREFIX [--full-layer]
 *
 * Checks, in float32:
 *   - SigLIP last_hidden_state and resampler output for the golden's test pixels;
 *   - the logits of a multi-image few-shot prompt at the golden's positions;
 *   - every generation of the golden (greedy, beam search with several length penalties, eos ids,
 *     min_new_tokens; single prompts and left-padded batches): ids exactly, and the batch rows equal
 *     the same prompt run alone.
 * Tolerance: |got - want| <= 1e-4·(max|want| over the tensor) + 1e-4·|want|: "1e-4 relative" at the
 * scale of the tensor (values near zero are compared at that scale, not their own). Both sides
 * compute in float32 with different summation orders; the observed error is printed.
 * Generated ids are exact: the test prints the smallest decision margin the search saw, which must
 * stay far above the logits' error for ties not to decide. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "resampler.h"
#include "safetensors.h"
#include "siglip.h"
#include "model/model_inputs.h"
#include "test_util.h"

#define REL 1e-4

typedef struct {
  cJSON *root;
  char *bin;
  size_t bin_len;
} golden;

static const float *golden_array(test_ctx *t, const golden *g, const char *name, size_t *n) {
  cJSON *a = cJSON_GetObjectItem(cJSON_GetObjectItem(g->root, "arrays"), name);
  if (!TEST_CHECK(t, a != NULL, "golden array %s missing", name)) return NULL;
  size_t off = (size_t)cJSON_GetObjectItem(a, "offset")->valuedouble, cnt = 1;
  cJSON *d;
  cJSON_ArrayForEach(d, cJSON_GetObjectItem(a, "shape")) cnt *= (size_t)d->valuedouble;
  if (!TEST_CHECK(t, off + cnt * 4 <= g->bin_len, "golden array %s out of the .bin", name)) return NULL;
  *n = cnt;
  return (const float *)(g->bin + off);
}

/* Compares got[i] (i < n, stride-mapped by the caller) with want; prints the max error ratio. */
static void compare(test_ctx *t, const char *what, const float *got, const float *want, size_t n) {
  double scale = 0, worst = 0;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
  for (size_t i = 0; i < n; i++) {
    double e = fabs((double)got[i] - want[i]);
    worst = fmax(worst, e / (scale + 1e-30));
    test_near(t, got[i], want[i], REL * scale, REL, "%s[%zu]", what, i);
  }
  fprintf(stderr, "%s: %zu values, max |got - want| / max|want| = %.2e (scale %.3g)\n", what, n, worst, scale);
}

int main(int argc, char **argv) {
  test_ctx t = test_begin("model_golden");
  if (argc < 3) {
    fprintf(stderr, "usage: test_model_golden MODEL_DIR GOLDEN_PREFIX [--full-layer]\n");
    return 2;
  }
  const char *model_dir = argv[1];
  const int full = argc > 3 && strcmp(argv[3], "--full-layer") == 0;
  char path[1024], err[512];
  golden g = {0};
  size_t len;
  snprintf(path, sizeof path, "%s.json", argv[2]);
  char *js = test_read_file(path, &len);
  snprintf(path, sizeof path, "%s.bin", argv[2]);
  g.bin = test_read_file(path, &g.bin_len);
  if (!TEST_CHECK(&t, js && g.bin, "cannot read golden %s.{json,bin}", argv[2])) return test_report(&t);
  g.root = cJSON_Parse(js);
  free(js);
  cJSON *ver = cJSON_GetObjectItem(g.root, "versions");
  fprintf(stderr, "golden %s: transformers %s, torch %s\n", argv[2],
          cJSON_GetStringValue(cJSON_GetObjectItem(ver, "transformers")),
          cJSON_GetStringValue(cJSON_GetObjectItem(ver, "torch")));

  engine_limits lim = {.max_batch = 2, .max_images = 3, .max_prompt_tokens = 512, .max_new_tokens = 12,
                       .max_beams = 3, .prefill_chunk = 100};
  engine *e = engine_load(model_dir, ENGINE_DEVICE_CPU, &lim, err, sizeof err);
  if (!TEST_CHECK(&t, e != NULL, "engine_load: %s", err)) return test_report(&t);
  const model_config *cfg = engine_config(e);
  const model_vision_config *vc = &cfg->vision;
  const int n_img = (int)cJSON_GetObjectItem(g.root, "n_images")->valuedouble;
  float *px = test_pixels(n_img, vc->n_channels, vc->image_size);

  /* ---- SigLIP alone, through the part API ---- */
  {
    safetensors_model *st = safetensors_open(model_dir, err, sizeof err);
    bk_backend *be = bk_cpu_create(0, err, sizeof err);
    siglip_weights w;
    siglip_state s;
    TEST_CHECK(&t, st && be, "open: %s", err);
    TEST_CHECK(&t, siglip_weights_load(&w, vc, st, be, err, sizeof err) == 0, "siglip load: %s", err);
    TEST_CHECK(&t, siglip_state_init(&s, vc, be, n_img, err, sizeof err) == 0, "siglip state: %s", err);
    const size_t n = (size_t)n_img * vc->n_patches * vc->hidden_size;
    bk_buf *out = bk_buf_alloc(be, n, err, sizeof err);
    double t0 = omp_get_wtime();
    TEST_CHECK(&t, siglip_forward(vc, &w, &s, be, px, n_img, bk_at(out, 0), err, sizeof err) == 0, "siglip: %s", err);
    fprintf(stderr, "time: vision tower (%d layers, %d images): %.3f s\n", vc->n_layers, n_img, omp_get_wtime() - t0);
    float *got = malloc(n * sizeof *got);
    bk_read(be, got, bk_at(out, 0), n);
    size_t nw;
    const float *want = golden_array(&t, &g, "siglip", &nw);
    if (want) {
      if (full) { /* the golden holds rows siglip_rows of each image */
        cJSON *rows = cJSON_GetObjectItem(g.root, "siglip_rows");
        int nr = cJSON_GetArraySize(rows);
        float *sel = malloc(nw * sizeof *sel);
        for (int i = 0; i < n_img; i++)
          for (int r = 0; r < nr; r++)
            memcpy(sel + ((size_t)i * nr + r) * vc->hidden_size,
                   got + ((size_t)i * vc->n_patches + (size_t)cJSON_GetArrayItem(rows, r)->valuedouble) * vc->hidden_size,
                   vc->hidden_size * sizeof(float));
        compare(&t, "siglip", sel, want, nw);
        free(sel);
      } else if (TEST_CHECK(&t, nw == n, "siglip size %zu vs %zu", nw, n)) {
        compare(&t, "siglip", got, want, n);
      }
    }
    free(got);
    bk_buf_free(be, out);
    siglip_state_free(&s, be);
    siglip_weights_free(&w, be);
    bk_destroy(be);
    safetensors_close(st);
  }

  /* ---- image embeddings (SigLIP + resampler) through the engine ---- */
  const size_t per = engine_image_floats(e);
  float *emb = malloc((size_t)n_img * per * sizeof *emb);
  double t0 = omp_get_wtime();
  TEST_CHECK(&t, engine_encode_images(e, px, n_img, emb, err, sizeof err) == 0, "encode: %s", err);
  fprintf(stderr, "time: vision tower + resampler (%d images): %.3f s\n", n_img, omp_get_wtime() - t0);
  {
    size_t nw;
    const float *want = golden_array(&t, &g, "resampler", &nw);
    if (want && full) {
      cJSON *rows = cJSON_GetObjectItem(g.root, "resampler_rows");
      int nr = cJSON_GetArraySize(rows), d = cfg->lm.hidden_size;
      float *sel = malloc(nw * sizeof *sel);
      for (int i = 0; i < n_img; i++)
        for (int r = 0; r < nr; r++)
          memcpy(sel + ((size_t)i * nr + r) * d, emb + i * per + (size_t)cJSON_GetArrayItem(rows, r)->valuedouble * d,
                 d * sizeof(float));
      compare(&t, "resampler", sel, want, nw);
      free(sel);
    } else if (want && TEST_CHECK(&t, nw == (size_t)n_img * per, "resampler size")) {
      compare(&t, "resampler", emb, want, nw);
    }
  }

  /* ---- prompts ---- */
  cJSON *jp = cJSON_GetObjectItem(g.root, "prompts"), *jimg = cJSON_GetObjectItem(g.root, "prompt_images");
  const int n_prompts = cJSON_GetArraySize(jp);
  engine_prompt prompts[4];
  const float *img_ptrs[4][8];
  for (int p = 0; p < n_prompts && p < 4; p++) {
    prompts[p].ids = json_ids(cJSON_GetArrayItem(jp, p), &prompts[p].n_ids);
    cJSON *ii = cJSON_GetArrayItem(jimg, p);
    prompts[p].n_images = cJSON_GetArraySize(ii);
    for (int k = 0; k < prompts[p].n_images; k++)
      img_ptrs[p][k] = emb + (size_t)cJSON_GetArrayItem(ii, k)->valuedouble * per;
    prompts[p].images = img_ptrs[p];
  }

  /* ---- logits of prompt 0 ---- */
  {
    int np;
    int32_t *pos32 = json_ids(cJSON_GetObjectItem(g.root, "logit_positions"), &np);
    int *pos = malloc((size_t)np * sizeof *pos);
    for (int i = 0; i < np; i++) pos[i] = pos32[i];
    const int V = cfg->lm.n_logits;
    float *got = malloc((size_t)np * V * sizeof *got);
    t0 = omp_get_wtime();
    TEST_CHECK(&t, engine_prompt_logits(e, &prompts[0], pos, np, got, err, sizeof err) == 0, "logits: %s", err);
    fprintf(stderr, "time: language model prefill (%d layers, %d tokens) + %d logit rows: %.3f s\n",
            cfg->lm.n_layers, prompts[0].n_ids, np, omp_get_wtime() - t0);
    size_t nw;
    const float *want = golden_array(&t, &g, "logits", &nw);
    if (want && TEST_CHECK(&t, nw == (size_t)np * V, "logits size")) compare(&t, "logits", got, want, nw);
    free(got), free(pos), free(pos32);
  }

  /* ---- generations ---- */
  cJSON *run;
  cJSON_ArrayForEach(run, cJSON_GetObjectItem(g.root, "generations")) {
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(run, "name"));
    gen_params gp = {.num_beams = (int)cJSON_GetObjectItem(run, "num_beams")->valuedouble,
                     .max_new_tokens = (int)cJSON_GetObjectItem(run, "max_new_tokens")->valuedouble,
                     .length_penalty = 1.0, .pad_id = 32000};
    cJSON *x = cJSON_GetObjectItem(run, "length_penalty");
    if (x) gp.length_penalty = x->valuedouble;
    if ((x = cJSON_GetObjectItem(run, "min_new_tokens"))) gp.min_new_tokens = (int)x->valuedouble;
    int n_eos;
    int32_t *eos = json_ids(cJSON_GetObjectItem(run, "eos"), &n_eos);
    gp.n_eos = n_eos;
    memcpy(gp.eos, eos, (size_t)n_eos * sizeof *eos);
    free(eos);
    int n_run;
    int32_t *which = json_ids(cJSON_GetObjectItem(run, "prompts"), &n_run);
    engine_prompt batch[4];
    for (int i = 0; i < n_run; i++) batch[i] = prompts[which[i]];
    gen_output out[4];
    gen_stats stats;
    t0 = omp_get_wtime();
    if (!TEST_CHECK(&t, engine_generate(e, batch, n_run, &gp, out, &stats, err, sizeof err) == 0, "%s: %s", name, err))
      continue;
    fprintf(stderr, "%s: %d steps, smallest decision margin %.4f, %.3f s\n", name, stats.steps, stats.min_margin,
            omp_get_wtime() - t0);
    /* A golden is only decisive when no decision was a near-tie: the margin must dwarf the logits'
     * float32 error (observed ~1e-5 absolute on the tiny models). */
    TEST_CHECK(&t, stats.min_margin > 1e-3, "%s: a decision margin of %.2e could be flipped by rounding", name,
               stats.min_margin);
    cJSON *ids = cJSON_GetObjectItem(run, "ids");
    for (int i = 0; i < n_run; i++) {
      int nw;
      int32_t *want = json_ids(cJSON_GetArrayItem(ids, i), &nw);
      /* transformers pads finished rows (pad = 32000) to the batch length: strip after our length */
      int ok = out[i].n <= nw;
      for (int k = 0; ok && k < out[i].n; k++) ok = out[i].ids[k] == want[k];
      for (int k = out[i].n; ok && k < nw; k++) ok = want[k] == gp.pad_id;
      char gs[512] = "", ws[512] = "";
      for (int k = 0; k < out[i].n; k++) snprintf(gs + strlen(gs), sizeof gs - strlen(gs), " %d", out[i].ids[k]);
      for (int k = 0; k < nw; k++) snprintf(ws + strlen(ws), sizeof ws - strlen(ws), " %d", want[k]);
      TEST_CHECK(&t, ok, "%s row %d: got [%s ], want [%s ]", name, i, gs, ws);
      /* a batch row equals the same prompt alone */
      if (n_run > 1) {
        gen_output one[1];
        if (TEST_CHECK(&t, engine_generate(e, &batch[i], 1, &gp, one, NULL, err, sizeof err) == 0, "%s", err)) {
          TEST_CHECK(&t, one[0].n == out[i].n && !memcmp(one[0].ids, out[i].ids, (size_t)out[i].n * 4),
                     "%s row %d: batched differs from alone", name, i);
          gen_output_free(one, 1);
        }
      }
      free(want);
    }
    gen_output_free(out, n_run);
    free(which);
  }

  for (int p = 0; p < n_prompts && p < 4; p++) free((void *)prompts[p].ids);
  free(emb), free(px);
  engine_free(e);
  cJSON_Delete(g.root);
  free(g.bin);
  return test_report(&t);
}
