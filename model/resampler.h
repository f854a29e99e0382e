/* resampler.h - the Perceiver resampler (model.md §2.3): SigLIP tokens [n_media, dim] per image ->
 * [n_latents, out_dim] per image, the LM input embeddings of that image.
 *
 * Lat = learned latents; X = the image's SigLIP output (the same X feeds every layer). Layer l:
 *   Xn = LN_media(X); Ln = LN_latents(Lat); Q = Ln·W_qᵀ
 *   [K | V] = [Xn ; Ln]·W_kvᵀ   (media rows first, then latent rows; K = first inner columns)
 *   O = softmax(Q·Kᵀ·dim_head^-0.5)·V per head (head-major columns); Lat += O·W_outᵀ
 *   Lat += W_2·gelu_erf(W_1·LN_ff(Lat))
 * Output: LN_final(Lat)·W_projᵀ + b_proj. Linear layers inside the layers have no bias. */
#ifndef FEWSHOT_RESAMPLER_H
#define FEWSHOT_RESAMPLER_H

#include <stddef.h>

#include "backend.h"
#include "model_config.h"
#include "safetensors.h"
#include "trace.h"

/* One layer; names under vlm.vision_tokenizer.layers.N. (d = dim, i = inner, f = ff_dim). */
typedef struct {
  bk_weight *media_w, *media_b; /* 0.norm_media.{weight,bias} [d] */
  bk_weight *lat_w, *lat_b;     /* 0.norm_latents.{weight,bias} [d] */
  bk_weight *to_q;              /* 0.to_q.weight [i, d] */
  bk_weight *to_kv;             /* 0.to_kv.weight [2i, d]: rows 0..i-1 K, i..2i-1 V */
  bk_weight *to_out;            /* 0.to_out.weight [d, i] */
  bk_weight *ff_ln_w, *ff_ln_b; /* 1.0.{weight,bias} [d] */
  bk_weight *ff_up;             /* 1.1.weight [f, d] */
  bk_weight *ff_down;           /* 1.3.weight [d, f] */
} resampler_layer;

typedef struct {
  bk_weight *latents;           /* vlm.vision_tokenizer.latents [n_latents, d] */
  resampler_layer *layers;      /* depth entries */
  int n_layers;
  bk_weight *norm_w, *norm_b;   /* norm.{weight,bias} [d] */
  bk_weight *proj_w, *proj_b;   /* projection.{weight [out_dim, d], bias [out_dim]} */
} resampler_weights;

/* Scratch for max_images images per call. */
typedef struct {
  int max_images;
  bk_buf *kv_in; /* [max_images·(n_media + n_latents), d]: Xn rows then Ln rows, per image */
  bk_buf *kv;    /* [same rows, 2i] */
  bk_buf *lat;   /* latents [max_images·n_latents, d] */
  bk_buf *ln;    /* normalised latents [.., d] */
  bk_buf *q;     /* [.., i] */
  bk_buf *attn;  /* [.., i] */
  bk_buf *ff;    /* [.., f] */
  const model_trace *trace; /* optional: "resampler.layer" (latents after each layer), "resampler.output" */
} resampler_state;

/* Loads the resampler's tensors by checkpoint name with shape checks. Returns 0, or non-zero with
 * err naming the tensor (nothing left allocated). st must outlive the weights (weights.h). */
int resampler_weights_load(resampler_weights *w, const model_resampler_config *cfg,
                           const safetensors_model *st, bk_backend *be, char *err, size_t err_size);
void resampler_weights_free(resampler_weights *w, bk_backend *be);

/* Allocates the scratch for max_images images of n_media vision tokens each (the vision tower's
 * n_patches). Returns 0, or non-zero with err (out of memory). */
int resampler_state_init(resampler_state *s, const model_resampler_config *cfg, int n_media,
                         bk_backend *be, int max_images, char *err, size_t err_size);
void resampler_state_free(resampler_state *s, bk_backend *be);

/* Resamples n_img images: media = [n_img·n_media, d] (row stride d, the vision tower's output);
 * writes [n_img·n_latents, out_dim] at out. Returns 0, or non-zero with err (too many images,
 * backend failure). */
int resampler_forward(const model_resampler_config *cfg, const resampler_weights *w, resampler_state *s,
                      bk_backend *be, bk_ptr media, int n_media, int n_img, bk_ptr out, char *err,
                      size_t err_size);

#endif
