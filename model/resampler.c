/* resampler.c - the Perceiver resampler over the backend ops (resampler.h). */
#include "resampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights.h"

#define PFX "vlm.vision_tokenizer."

int resampler_weights_load(resampler_weights *w, const model_resampler_config *cfg,
                           const safetensors_model *st, bk_backend *be, char *err, size_t err_size) {
  memset(w, 0, sizeof *w);
  const int64_t d = cfg->dim, in = cfg->inner_dim, f = cfg->ff_dim;
  w->layers = calloc((size_t)cfg->depth, sizeof *w->layers);
  if (!w->layers) {
    snprintf(err, err_size, "resampler: out of memory");
    return 1;
  }
  w->n_layers = cfg->depth;
#define REQ(x) \
  if (!(x)) goto fail
  REQ(w->latents = weights_load_2d(be, st, cfg->n_latents, d, err, err_size, PFX "latents"));
  for (int l = 0; l < cfg->depth; l++) {
    resampler_layer *L = &w->layers[l];
#define LP PFX "layers.%d."
    REQ(L->media_w = weights_load_1d(be, st, d, err, err_size, LP "0.norm_media.weight", l));
    REQ(L->media_b = weights_load_1d(be, st, d, err, err_size, LP "0.norm_media.bias", l));
    REQ(L->lat_w = weights_load_1d(be, st, d, err, err_size, LP "0.norm_latents.weight", l));
    REQ(L->lat_b = weights_load_1d(be, st, d, err, err_size, LP "0.norm_latents.bias", l));
    REQ(L->to_q = weights_load_2d(be, st, in, d, err, err_size, LP "0.to_q.weight", l));
    REQ(L->to_kv = weights_load_2d(be, st, 2 * in, d, err, err_size, LP "0.to_kv.weight", l));
    REQ(L->to_out = weights_load_2d(be, st, d, in, err, err_size, LP "0.to_out.weight", l));
    REQ(L->ff_ln_w = weights_load_1d(be, st, d, err, err_size, LP "1.0.weight", l));
    REQ(L->ff_ln_b = weights_load_1d(be, st, d, err, err_size, LP "1.0.bias", l));
    REQ(L->ff_up = weights_load_2d(be, st, f, d, err, err_size, LP "1.1.weight", l));
    REQ(L->ff_down = weights_load_2d(be, st, d, f, err, err_size, LP "1.3.weight", l));
#undef LP
  }
  REQ(w->norm_w = weights_load_1d(be, st, d, err, err_size, PFX "norm.weight"));
  REQ(w->norm_b = weights_load_1d(be, st, d, err, err_size, PFX "norm.bias"));
  REQ(w->proj_w = weights_load_2d(be, st, cfg->out_dim, d, err, err_size, PFX "projection.weight"));
  REQ(w->proj_b = weights_load_1d(be, st, cfg->out_dim, err, err_size, PFX "projection.bias"));
#undef REQ
  return 0;
fail:
  resampler_weights_free(w, be);
  return 1;
}

void resampler_weights_free(resampler_weights *w, bk_backend *be) {
  if (w->layers)
    for (int l = 0; l < w->n_layers; l++)
      weights_free_array(be, (bk_weight **)&w->layers[l], sizeof(resampler_layer) / sizeof(bk_weight *));
  free(w->layers);
  w->layers = NULL;
  bk_weight_free(be, w->latents);
  w->latents = NULL;
  weights_free_array(be, &w->norm_w, 4);
}

int resampler_state_init(resampler_state *s, const model_resampler_config *cfg, int n_media,
                         bk_backend *be, int max_images, char *err, size_t err_size) {
  memset(s, 0, sizeof *s);
  s->max_images = max_images;
  const size_t nl = (size_t)max_images * cfg->n_latents, nkv = (size_t)max_images * (n_media + cfg->n_latents);
  struct {
    bk_buf **b;
    size_t n;
  } plan[] = {{&s->kv_in, nkv * cfg->dim},         {&s->kv, nkv * 2 * (size_t)cfg->inner_dim},
              {&s->lat, nl * cfg->dim},            {&s->ln, nl * cfg->dim},
              {&s->q, nl * cfg->inner_dim},        {&s->attn, nl * cfg->inner_dim},
              {&s->ff, nl * (size_t)cfg->ff_dim}};
  for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
    if (!(*plan[i].b = bk_buf_alloc(be, plan[i].n, err, err_size))) {
      resampler_state_free(s, be);
      return 1;
    }
  return 0;
}

void resampler_state_free(resampler_state *s, bk_backend *be) {
  bk_buf **all[] = {&s->kv_in, &s->kv, &s->lat, &s->ln, &s->q, &s->attn, &s->ff};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    bk_buf_free(be, *all[i]);
    *all[i] = NULL;
  }
}

int resampler_forward(const model_resampler_config *cfg, const resampler_weights *w, resampler_state *s,
                      bk_backend *be, bk_ptr media, int n_media, int n_img, bk_ptr out, char *err,
                      size_t err_size) {
  if (n_img < 1 || n_img > s->max_images) {
    snprintf(err, err_size, "resampler: %d images in one call, the engine was sized for at most %d", n_img,
             s->max_images);
    return 1;
  }
  const int d = cfg->dim, in = cfg->inner_dim, f = cfg->ff_dim, nl = cfg->n_latents;
  const int nkv = n_media + nl, n = n_img * nl;
  const float eps = (float)cfg->layer_norm_eps;
  bk_ptr lat = bk_at(s->lat, 0), ln = bk_at(s->ln, 0), ff = bk_at(s->ff, 0);

  bk_fill(be, lat, (size_t)n * d, 0.0f);
  bk_add_table_rows(be, lat, d, n, w->latents); /* every image starts from the learned latents */
  for (int l = 0; l < w->n_layers; l++) {
    const resampler_layer *L = &w->layers[l];
    bk_layernorm(be, ln, d, lat, d, n, d, L->lat_w, L->lat_b, eps);
    for (int i = 0; i < n_img; i++) {
      bk_ptr rows = bk_at(s->kv_in, (size_t)i * nkv * d);
      bk_layernorm(be, rows, d, bk_offset(media, (size_t)i * n_media * d), d, n_media, d, L->media_w,
                   L->media_b, eps);
      bk_copy_rows(be, bk_offset(rows, (size_t)n_media * d), d, bk_offset(ln, (size_t)i * nl * d), d, nl, d);
    }
    bk_matmul(be, bk_at(s->q, 0), in, ln, d, n, L->to_q, in, NULL, 0);
    bk_matmul(be, bk_at(s->kv, 0), 2 * in, bk_at(s->kv_in, 0), d, n_img * nkv, L->to_kv, 2 * in, NULL, 0);
    bk_attn_full_args a = {.n_heads = cfg->n_heads, .head_dim = cfg->head_dim,
                           .scale = 1.0f / sqrtf((float)cfg->head_dim), .n_seq = n_img, .n_q = nl, .n_k = nkv,
                           .q = bk_at(s->q, 0), .k = bk_at(s->kv, 0), .v = bk_at(s->kv, in),
                           .out = bk_at(s->attn, 0), .ldq = in, .ldkv = 2 * in, .ldo = in,
                           .q_seq_stride = (size_t)nl * in, .kv_seq_stride = (size_t)nkv * 2 * in,
                           .out_seq_stride = (size_t)nl * in};
    bk_attn_full(be, &a);
    bk_matmul(be, lat, d, bk_at(s->attn, 0), in, n, L->to_out, d, NULL, 1);
    bk_layernorm(be, ln, d, lat, d, n, d, L->ff_ln_w, L->ff_ln_b, eps);
    bk_matmul(be, ff, f, ln, d, n, L->ff_up, f, NULL, 0);
    bk_gelu_erf(be, ff, f, n, f);
    bk_matmul(be, lat, d, ff, f, n, L->ff_down, d, NULL, 1);
    model_trace_emit(s->trace, "resampler.layer", l, lat, n, d, d);
  }
  bk_layernorm(be, ln, d, lat, d, n, d, w->norm_w, w->norm_b, eps);
  bk_matmul(be, out, cfg->out_dim, ln, d, n, w->proj_w, cfg->out_dim, w->proj_b, 0);
  model_trace_emit(s->trace, "resampler.output", -1, out, n, cfg->out_dim, cfg->out_dim);
  return bk_check(be, err, err_size);
}
