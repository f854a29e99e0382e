/* siglip.c - the SigLIP vision tower over the backend ops (siglip.h). */
#include "siglip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights.h"

#define PFX "vlm.vision_encoder."

int siglip_weights_load(siglip_weights *w, const model_vision_config *cfg, const safetensors_model *st,
                        bk_backend *be, char *err, size_t err_size) {
  memset(w, 0, sizeof *w);
  const int64_t d = cfg->hidden_size, f = cfg->intermediate_size, P = cfg->patch_size;
  int64_t conv[4] = {d, cfg->n_channels, P, P};
  w->layers = calloc((size_t)cfg->n_layers, sizeof *w->layers);
  if (!w->layers) {
    snprintf(err, err_size, "vision tower: out of memory");
    return 1;
  }
  w->n_layers = cfg->n_layers;
#define REQ(x) \
  if (!(x)) goto fail
  REQ(w->patch_w = weights_load(be, st, PFX "embeddings.patch_embedding.weight", 4, conv, err, err_size));
  REQ(w->patch_b = weights_load_1d(be, st, d, err, err_size, PFX "embeddings.patch_embedding.bias"));
  REQ(w->pos = weights_load_2d(be, st, cfg->n_patches, d, err, err_size, PFX "embeddings.position_embedding.weight"));
  for (int l = 0; l < cfg->n_layers; l++) {
    siglip_layer *L = &w->layers[l];
#define LP PFX "encoder.layers.%d."
    REQ(L->ln1_w = weights_load_1d(be, st, d, err, err_size, LP "layer_norm1.weight", l));
    REQ(L->ln1_b = weights_load_1d(be, st, d, err, err_size, LP "layer_norm1.bias", l));
    REQ(L->q_w = weights_load_2d(be, st, d, d, err, err_size, LP "self_attn.q_proj.weight", l));
    REQ(L->q_b = weights_load_1d(be, st, d, err, err_size, LP "self_attn.q_proj.bias", l));
    REQ(L->k_w = weights_load_2d(be, st, d, d, err, err_size, LP "self_attn.k_proj.weight", l));
    REQ(L->k_b = weights_load_1d(be, st, d, err, err_size, LP "self_attn.k_proj.bias", l));
    REQ(L->v_w = weights_load_2d(be, st, d, d, err, err_size, LP "self_attn.v_proj.weight", l));
    REQ(L->v_b = weights_load_1d(be, st, d, err, err_size, LP "self_attn.v_proj.bias", l));
    REQ(L->o_w = weights_load_2d(be, st, d, d, err, err_size, LP "self_attn.out_proj.weight", l));
    REQ(L->o_b = weights_load_1d(be, st, d, err, err_size, LP "self_attn.out_proj.bias", l));
    REQ(L->ln2_w = weights_load_1d(be, st, d, err, err_size, LP "layer_norm2.weight", l));
    REQ(L->ln2_b = weights_load_1d(be, st, d, err, err_size, LP "layer_norm2.bias", l));
    REQ(L->fc1_w = weights_load_2d(be, st, f, d, err, err_size, LP "mlp.fc1.weight", l));
    REQ(L->fc1_b = weights_load_1d(be, st, f, err, err_size, LP "mlp.fc1.bias", l));
    REQ(L->fc2_w = weights_load_2d(be, st, d, f, err, err_size, LP "mlp.fc2.weight", l));
    REQ(L->fc2_b = weights_load_1d(be, st, d, err, err_size, LP "mlp.fc2.bias", l));
#undef LP
  }
  REQ(w->post_w = weights_load_1d(be, st, d, err, err_size, PFX "post_layernorm.weight"));
  REQ(w->post_b = weights_load_1d(be, st, d, err, err_size, PFX "post_layernorm.bias"));
#undef REQ
  return 0;
fail:
  siglip_weights_free(w, be);
  return 1;
}

void siglip_weights_free(siglip_weights *w, bk_backend *be) {
  if (w->layers)
    for (int l = 0; l < w->n_layers; l++)
      weights_free_array(be, (bk_weight **)&w->layers[l], sizeof(siglip_layer) / sizeof(bk_weight *));
  free(w->layers);
  w->layers = NULL;
  weights_free_array(be, &w->patch_w, 3);
  weights_free_array(be, &w->post_w, 2);
}

int siglip_state_init(siglip_state *s, const model_vision_config *cfg, bk_backend *be, int max_images,
                      char *err, size_t err_size) {
  memset(s, 0, sizeof *s);
  s->max_images = max_images;
  const size_t n = (size_t)max_images * cfg->n_patches, d = cfg->hidden_size;
  const size_t cpp = (size_t)cfg->n_channels * cfg->patch_size * cfg->patch_size;
  const size_t pix = (size_t)max_images * cfg->n_channels * cfg->image_size * cfg->image_size;
  struct {
    bk_buf **b;
    size_t n;
  } plan[] = {{&s->pixels, pix}, {&s->patches, n * cpp}, {&s->x, n * d},  {&s->h, n * d},
              {&s->q, n * d},    {&s->k, n * d},         {&s->v, n * d},  {&s->attn, n * d},
              {&s->mlp, n * (size_t)cfg->intermediate_size}};
  for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
    if (!(*plan[i].b = bk_buf_alloc(be, plan[i].n, err, err_size))) {
      siglip_state_free(s, be);
      return 1;
    }
  }
  return 0;
}

void siglip_state_free(siglip_state *s, bk_backend *be) {
  bk_buf **all[] = {&s->pixels, &s->patches, &s->x, &s->h, &s->q, &s->k, &s->v, &s->attn, &s->mlp};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    bk_buf_free(be, *all[i]);
    *all[i] = NULL;
  }
}

int siglip_forward(const model_vision_config *cfg, const siglip_weights *w, siglip_state *s,
                   bk_backend *be, const float *pixels, int n_img, bk_ptr out, char *err, size_t err_size) {
  if (n_img < 1 || n_img > s->max_images) {
    snprintf(err, err_size, "vision tower: %d images in one call, the engine was sized for at most %d",
             n_img, s->max_images);
    return 1;
  }
  const int d = cfg->hidden_size, f = cfg->intermediate_size, np = cfg->n_patches;
  const int n = n_img * np, cpp = cfg->n_channels * cfg->patch_size * cfg->patch_size;
  const size_t pix = (size_t)n_img * cfg->n_channels * cfg->image_size * cfg->image_size;
  bk_ptr x = bk_at(s->x, 0), h = bk_at(s->h, 0), mlp = bk_at(s->mlp, 0), attn = bk_at(s->attn, 0);

  bk_write(be, bk_at(s->pixels, 0), pixels, pix);
  bk_im2patch(be, bk_at(s->patches, 0), bk_at(s->pixels, 0), n_img, cfg->n_channels, cfg->image_size,
              cfg->patch_size);
  bk_matmul(be, x, d, bk_at(s->patches, 0), cpp, n, w->patch_w, d, w->patch_b, 0);
  bk_add_table_rows(be, x, d, n, w->pos);
  model_trace_emit(s->trace, "siglip.embeddings", -1, x, n, d, d);

  const float eps = (float)cfg->layer_norm_eps;
  for (int l = 0; l < w->n_layers; l++) {
    const siglip_layer *L = &w->layers[l];
    bk_layernorm(be, h, d, x, d, n, d, L->ln1_w, L->ln1_b, eps);
    bk_matmul(be, bk_at(s->q, 0), d, h, d, n, L->q_w, d, L->q_b, 0);
    bk_matmul(be, bk_at(s->k, 0), d, h, d, n, L->k_w, d, L->k_b, 0);
    bk_matmul(be, bk_at(s->v, 0), d, h, d, n, L->v_w, d, L->v_b, 0);
    bk_attn_full_args a = {.n_heads = cfg->n_heads, .head_dim = cfg->head_dim,
                           .scale = 1.0f / sqrtf((float)cfg->head_dim), .n_seq = n_img, .n_q = np, .n_k = np,
                           .q = bk_at(s->q, 0), .k = bk_at(s->k, 0), .v = bk_at(s->v, 0), .out = attn,
                           .ldq = d, .ldkv = d, .ldo = d, .q_seq_stride = (size_t)np * d,
                           .kv_seq_stride = (size_t)np * d, .out_seq_stride = (size_t)np * d};
    bk_attn_full(be, &a);
    bk_matmul(be, x, d, attn, d, n, L->o_w, d, L->o_b, 1);
    bk_layernorm(be, h, d, x, d, n, d, L->ln2_w, L->ln2_b, eps);
    bk_matmul(be, mlp, f, h, d, n, L->fc1_w, f, L->fc1_b, 0);
    if (cfg->act == MODEL_ACT_GELU_ERF)
      bk_gelu_erf(be, mlp, f, n, f);
    else
      bk_gelu_tanh(be, mlp, f, n, f);
    bk_matmul(be, x, d, mlp, f, n, L->fc2_w, d, L->fc2_b, 1);
    model_trace_emit(s->trace, "siglip.layer", l, x, n, d, d);
  }
  bk_layernorm(be, out, d, x, d, n, d, w->post_w, w->post_b, eps);
  model_trace_emit(s->trace, "siglip.output", -1, out, n, d, d);
  return bk_check(be, err, err_size);
}
