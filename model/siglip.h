/* siglip.h - the SigLIP vision tower (model.md §2.2): pixels [3, S, S] per image -> post-layernormed
 * patch tokens [n_patches, hidden] per image (transformers' SiglipVisionModel last_hidden_state;
 * the pooling head is in the checkpoint but skipped).
 *
 *   patches = unfold(pixels) (conv stride = kernel = patch, "valid")
 *   x = patches·W_patchᵀ + b_patch + position[t]
 *   per layer: x += out(MHA(LN1(x))); x += fc2(gelu_tanh(fc1(LN2(x))))
 *   y = post_layernorm(x)
 * Sizes come from model_vision_config (any size the config allows). */
#ifndef FEWSHOT_SIGLIP_H
#define FEWSHOT_SIGLIP_H

#include <stddef.h>

#include "backend.h"
#include "model_config.h"
#include "safetensors.h"
#include "trace.h"

/* One encoder layer; names under vlm.vision_encoder.encoder.layers.N. (d = hidden, f = MLP). */
typedef struct {
  bk_weight *ln1_w, *ln1_b; /* layer_norm1.{weight,bias} [d] */
  bk_weight *q_w, *q_b;     /* self_attn.q_proj.{weight [d, d], bias [d]} */
  bk_weight *k_w, *k_b;     /* self_attn.k_proj */
  bk_weight *v_w, *v_b;     /* self_attn.v_proj */
  bk_weight *o_w, *o_b;     /* self_attn.out_proj */
  bk_weight *ln2_w, *ln2_b; /* layer_norm2.{weight,bias} [d] */
  bk_weight *fc1_w, *fc1_b; /* mlp.fc1.{weight [f, d], bias [f]} */
  bk_weight *fc2_w, *fc2_b; /* mlp.fc2.{weight [d, f], bias [d]} */
} siglip_layer;

typedef struct {
  bk_weight *patch_w;         /* embeddings.patch_embedding.weight [d, C, P, P], used as [d, C·P·P] */
  bk_weight *patch_b;         /* embeddings.patch_embedding.bias [d] */
  bk_weight *pos;             /* embeddings.position_embedding.weight [n_patches, d] */
  siglip_layer *layers;       /* n_layers entries */
  int n_layers;
  bk_weight *post_w, *post_b; /* post_layernorm.{weight,bias} [d] */
} siglip_weights;

/* Scratch for up to max_images images per call, allocated once by siglip_state_init. */
typedef struct {
  int max_images;
  bk_buf *pixels;  /* [max_images, C, S, S] */
  bk_buf *patches; /* [max_images·n_patches, C·P·P] */
  bk_buf *x;       /* residual stream [max_images·n_patches, d] */
  bk_buf *h;       /* normalised input [.., d] */
  bk_buf *q, *k, *v, *attn; /* [.., d] each */
  bk_buf *mlp;     /* [.., f] */
  const model_trace *trace; /* optional: "siglip.embeddings", "siglip.layer" (per layer), "siglip.output" */
} siglip_state;

/* Loads every tensor of the vision tower (except the unused head) from st by its checkpoint name,
 * checking shapes against cfg. Returns 0, or non-zero with err naming the tensor (then nothing is
 * left allocated). Free with siglip_weights_free. st must outlive the weights (weights.h). */
int siglip_weights_load(siglip_weights *w, const model_vision_config *cfg, const safetensors_model *st,
                        bk_backend *be, char *err, size_t err_size);
void siglip_weights_free(siglip_weights *w, bk_backend *be);

/* Allocates the scratch for max_images images. Returns 0, or non-zero with err (out of memory). */
int siglip_state_init(siglip_state *s, const model_vision_config *cfg, bk_backend *be, int max_images,
                      char *err, size_t err_size);
void siglip_state_free(siglip_state *s, bk_backend *be);

/* Encodes n_img images: pixels is host float32 [n_img, C, S, S] (CHW, values as the image
 * processor gives them); the result [n_img·n_patches, d] is written at `out` (row stride d).
 * Returns 0, or non-zero with err when n_img exceeds the state's maximum or the backend failed. */
int siglip_forward(const model_vision_config *cfg, const siglip_weights *w, siglip_state *s,
                   bk_backend *be, const float *pixels, int n_img, bk_ptr out, char *err, size_t err_size);

#endif
