/* costmodel.c - FLOPs, bytes and time bounds of performance.md §1.3-1.5 (costmodel.h). */
#include "costmodel.h"

#include <stdio.h>
#include <string.h>

int costmodel_device_from_name(const char *card, costmodel_device *d) {
  memset(d, 0, sizeof *d);
  if (!card || !card[0] || strcmp(card, "cpu") == 0) {
    snprintf(d->name, sizeof d->name, "cpu");
    return 0;
  }
  d->peak_flops = COSTMODEL_PEAK_BF16;
  if (strstr(card, "H200")) {
    snprintf(d->name, sizeof d->name, "H200");
    d->bandwidth = COSTMODEL_BW_H200;
    return 1;
  }
  if (strstr(card, "H100")) {
    snprintf(d->name, sizeof d->name, "H100");
    d->bandwidth = COSTMODEL_BW_H100;
    return 1;
  }
  snprintf(d->name, sizeof d->name, "GPU");
  return 0;
}

double costmodel_vision_flops(const model_config *c) {
  const model_vision_config *v = &c->vision;
  const double N = v->n_patches, d = v->hidden_size, ff = v->intermediate_size;
  const double linear = 2.0 * N * (4.0 * d * d + 2.0 * d * ff), attn = 4.0 * N * N * d;
  const double patch = 2.0 * N * ((double)v->n_channels * v->patch_size * v->patch_size) * d;
  return v->n_layers * (linear + attn) + patch;
}

double costmodel_resampler_flops(const model_config *c) {
  const model_resampler_config *r = &c->resampler;
  const double N = c->vision.n_patches, L = r->n_latents, d = r->dim, in = r->inner_dim, ff = r->ff_dim;
  const double kv = 2.0 * (N + L) * d * 2.0 * in, q = 2.0 * L * d * in, out = 2.0 * L * in * d;
  const double ffn = 2.0 * 2.0 * L * d * ff, attn = 4.0 * L * (N + L) * in;
  return r->depth * (kv + q + out + ffn + attn) + 2.0 * L * d * r->out_dim;
}

double costmodel_lm_linear_flops(const model_config *c) {
  const model_lm_config *l = &c->lm;
  const double d = l->hidden_size, qkv = (double)(l->n_heads + 2 * l->n_kv_heads) * l->head_dim;
  const double attn_out = (double)l->n_heads * l->head_dim, I = l->intermediate_size;
  return 2.0 * l->n_layers * (d * qkv + attn_out * d + d * 2.0 * I + I * d);
}

double costmodel_lm_head_flops(const model_config *c) { return 2.0 * c->lm.hidden_size * (double)c->lm.n_logits; }

double costmodel_lm_attn_flops_per_pair(const model_config *c) {
  return 4.0 * (double)c->lm.n_heads * c->lm.head_dim * c->lm.n_layers;
}

double costmodel_causal_pairs(long n, int window) {
  if (n <= 0) return 0;
  if (window <= 0 || n <= (long)window + 1) return 0.5 * (double)n * (double)(n + 1);
  const double w1 = (double)window + 1; /* the first w + 1 queries see i + 1 keys, the rest w + 1 */
  return 0.5 * w1 * (w1 + 1) + (double)(n - (long)window - 1) * w1;
}

double costmodel_kv_bytes_per_token(const model_config *c) {
  return 2.0 * c->lm.n_layers * (double)c->lm.n_kv_heads * c->lm.head_dim * 2.0;
}

/* Parameters of one part (the vision part without its MAP head), from the checkpoint layout. */
static double part_params(const model_config *c, model_part part) {
  model_tensor_list l;
  if (model_tensor_list_build(&l, c, NULL, 0)) return 0;
  double n = 0;
  for (int i = 0; i < l.n; i++)
    if (l.items[i].part == part && !(part == MODEL_PART_VISION && strstr(l.items[i].name, ".head.")))
      n += (double)l.items[i].n_elements;
  model_tensor_list_free(&l);
  return n;
}

double costmodel_vision_weight_bytes(const model_config *c) { return 2.0 * part_params(c, MODEL_PART_VISION); }
double costmodel_resampler_weight_bytes(const model_config *c) { return 2.0 * part_params(c, MODEL_PART_RESAMPLER); }
double costmodel_lm_weight_bytes(const model_config *c) { return 2.0 * part_params(c, MODEL_PART_LM); }

costmodel_work costmodel_vision(const model_config *c, long n_crops, int with_resampler) {
  costmodel_work w;
  w.flops = (double)n_crops * (costmodel_vision_flops(c) + (with_resampler ? costmodel_resampler_flops(c) : 0));
  w.bytes = costmodel_vision_weight_bytes(c) + (with_resampler ? costmodel_resampler_weight_bytes(c) : 0);
  return w;
}

costmodel_work costmodel_prefill(const model_config *c, long n_prompts, long n_tokens) {
  costmodel_work w;
  const double per = costmodel_lm_linear_flops(c) * (double)n_tokens +
                     costmodel_lm_attn_flops_per_pair(c) * costmodel_causal_pairs(n_tokens, c->lm.sliding_window) +
                     costmodel_lm_head_flops(c);
  w.flops = (double)n_prompts * per;
  w.bytes = costmodel_lm_weight_bytes(c) + (double)n_prompts * n_tokens * costmodel_kv_bytes_per_token(c);
  return w;
}

costmodel_work costmodel_decode_step(const model_config *c, long n_samples, int beams, long n_prompt, long generated,
                                     int shared_prefix) {
  costmodel_work w;
  const double rows = (double)n_samples * beams;
  /* the new token at absolute index n_prompt + generated sees min(ctx, window + 1) keys, itself included */
  double keys = (double)(n_prompt + generated + 1);
  if (c->lm.sliding_window > 0 && keys > c->lm.sliding_window + 1.0) keys = c->lm.sliding_window + 1.0;
  w.flops = rows * (costmodel_lm_linear_flops(c) + costmodel_lm_head_flops(c) + costmodel_lm_attn_flops_per_pair(c) * keys);
  const double kv = costmodel_kv_bytes_per_token(c);
  const double prompt_reads = shared_prefix ? (double)n_samples : rows;
  w.bytes = costmodel_lm_weight_bytes(c) + (prompt_reads * (double)n_prompt + rows * (double)generated) * kv;
  return w;
}

double costmodel_bound_s(const costmodel_work *w, const costmodel_device *d) {
  double t = d->peak_flops > 0 ? w->flops / d->peak_flops : 0;
  double b = d->bandwidth > 0 ? w->bytes / d->bandwidth : 0;
  return t > b ? t : b;
}

double costmodel_eval_bound_s(const model_config *c, const costmodel_device *d, long n_samples, long n_prompt,
                              long n_images, int new_tokens, int beams, long batch, int shared, double *vision_s,
                              double *prefill_s, double *decode_s) {
  const double peak = d->peak_flops > 0 ? d->peak_flops : 1;
  double v = (double)n_images * (costmodel_vision_flops(c) + costmodel_resampler_flops(c)) / peak;
  /* HF-style: the prompt is expanded ×beams before the first forward, so prefill runs beams times */
  double p = (shared ? 1.0 : beams) * costmodel_prefill(c, n_samples, n_prompt).flops / peak;
  double dec = 0;
  if (batch < 1) batch = 1;
  for (long s0 = 0; s0 < n_samples; s0 += batch) {
    long b = n_samples - s0 < batch ? n_samples - s0 : batch;
    for (int t = 0; t < new_tokens; t++) { /* §1.5 counts new_tokens steps per batch */
      costmodel_work w = costmodel_decode_step(c, b, beams, n_prompt, t, shared);
      dec += costmodel_bound_s(&w, d);
    }
  }
  if (vision_s) *vision_s = v;
  if (prefill_s) *prefill_s = p;
  if (decode_s) *decode_s = dec;
  return v + p + dec;
}

long costmodel_max_batch(const model_config *c, double mem_bytes, double workspace, long n_prompt, int new_tokens,
                         int beams, int shared, long cap) {
  const double fixed = costmodel_lm_weight_bytes(c) + costmodel_vision_weight_bytes(c) +
                       costmodel_resampler_weight_bytes(c) + workspace;
  const double kv = costmodel_kv_bytes_per_token(c);
  const double per = (shared ? (double)n_prompt + (double)beams * new_tokens : (double)beams * (n_prompt + new_tokens)) * kv;
  if (mem_bytes <= fixed || per <= 0) return 0;
  double n = (mem_bytes - fixed) / per;
  return n >= (double)cap ? cap : (long)n;
}
