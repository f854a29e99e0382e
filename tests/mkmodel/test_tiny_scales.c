/* test_tiny_scales.c - the committed tiny model (tests/fixtures/models/tiny) has the weight scales
 * docs/tiny-models.md promises: every tensor's sample mean and standard deviation match its rule
 * (N(0, 1/fan_in) projections, residual-writing projections divided by 2L, norms near 1, small biases,
 * N(0,1) embeddings, lm_head scaled by --lm-head-scale 8).
 *
 * Tolerances: 6 standard errors of the estimate (sigma/sqrt(n) for the mean, sigma/sqrt(2n) for the
 * standard deviation) plus 1% for bf16 rounding; tensors with fewer than 64 values are not checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"
#include "test_util.h"

typedef struct {
  const char *pattern; /* substring of the name; the first matching rule applies */
  double mean, std;
} rule;

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int main(void) {
  test_ctx t = test_begin("mkmodel_tiny_scales");
  /* the tiny preset: widths 32 (vision, resampler, LM), MLPs 64, 2 layers each, resampler 2 heads x 16,
   * FF x4 (128), patch 14 (fan_in 3*14*14 = 588), lm-head-scale 8 */
  const double s32 = 1 / sqrt(32.0);
  const rule rules[] = {
      {"lm_head.additional_fc.bias", 0, 0.02},
      {"lm_head.bias", 0, 0.02},
      {"lm_head", 0, 8 * s32},
      {"embed_tokens", 0, 1},
      {"vision_tokenizer.latents", 0, 1},
      {"head.probe", 0, 1},
      {"in_proj_weight", 0, s32},
      {"position_embedding", 0, 0.5},
      {"patch_embedding.weight", 0, 1 / sqrt(588.0)},
      {"encoder.layers.0.self_attn.out_proj.weight", 0, 1 / sqrt(32.0 * 4)},
      {"encoder.layers.1.self_attn.out_proj.weight", 0, 1 / sqrt(32.0 * 4)},
      {"encoder.layers.0.mlp.fc2.weight", 0, 1 / sqrt(64.0 * 4)},
      {"encoder.layers.1.mlp.fc2.weight", 0, 1 / sqrt(64.0 * 4)},
      {"head.mlp.fc2.weight", 0, 1 / sqrt(64.0)},
      {"0.to_out.weight", 0, 1 / sqrt(32.0 * 4)},
      {"1.3.weight", 0, 1 / sqrt(128.0 * 4)},
      {"o_proj.weight", 0, 1 / sqrt(32.0 * 4)},
      {"down_proj.weight", 0, 1 / sqrt(64.0 * 4)},
  };
  char err[512];
  safetensors_model *m = safetensors_open(FEWSHOT_TEST_DIR "/fixtures/models/tiny", err, sizeof err);
  TEST_CHECK(&t, m != NULL, "open tiny: %s", err);
  if (!m) return test_report(&t);
  int checked = 0;
  for (int i = 0; i < safetensors_n_tensors(m); i++) {
    const safetensors_tensor *x = safetensors_tensor_at(m, i);
    const char *n = x->name;
    double want_mean = 0, want_std = -1;
    for (size_t k = 0; k < sizeof rules / sizeof rules[0] && want_std < 0; k++)
      if (strstr(n, rules[k].pattern)) {
        want_mean = rules[k].mean;
        want_std = rules[k].std;
      }
    if (want_std < 0) {
      int norm = strstr(n, "norm") != NULL ||
                 (strstr(n, "vision_tokenizer.layers.") && (ends_with(n, ".1.0.weight") || ends_with(n, ".1.0.bias")));
      if (norm && ends_with(n, ".weight")) want_mean = 1, want_std = 0.05;
      else if (ends_with(n, "bias")) want_std = 0.02;
      else if (ends_with(n, ".weight")) want_std = 1 / sqrt((double)x->shape[1]); /* the other Linears */
    }
    TEST_CHECK(&t, want_std > 0, "no rule for %s", n);
    if (x->n_elements < 64 || want_std <= 0) continue;
    float *v = malloc(x->n_elements * sizeof *v);
    if (!v || safetensors_tensor_to_f32(m, x, v, x->n_elements, err, sizeof err) != 0) {
      TEST_CHECK(&t, 0, "read %s", n);
      free(v);
      continue;
    }
    double sum = 0, sq = 0;
    for (uint64_t e = 0; e < x->n_elements; e++) sum += v[e];
    double mean = sum / (double)x->n_elements;
    for (uint64_t e = 0; e < x->n_elements; e++) sq += (v[e] - mean) * (v[e] - mean);
    double sd = sqrt(sq / (double)(x->n_elements - 1));
    double nn = (double)x->n_elements;
    test_near(&t, mean, want_mean, 6 * want_std / sqrt(nn) + 0.01 * fabs(want_mean), 0, "mean of %s", n);
    test_near(&t, sd, want_std, 0, 6 / sqrt(2 * nn) + 0.01, "std of %s", n);
    checked++;
    free(v);
  }
  TEST_CHECK(&t, checked >= 45, "only %d tensors checked", checked);
  safetensors_close(m);
  return test_report(&t);
}
