/* model_config.h - the hyper-parameters of an xGen-MM v1.5 model (SigLIP vision tower -> Perceiver
 * resampler -> Phi-3 LM), read from the checkpoint's config.json, and the checkpoint layout they
 * imply (every tensor name with its shape, model.md §3.3).
 *
 * config.json fields read (Hugging Face names, so a reference script can build transformers'
 * SiglipVisionConfig(**vision_encoder_config["vision_config"]) and Phi3Config(**text_config) from the
 * same file); an absent field takes the value of the real model, which is what the shipped
 * config.json (where nearly everything is absent) resolves to:
 *
 *   text_config                       Phi3Config names; absent -> Phi3Config defaults (model.md §2.4)
 *     hidden_size 3072, intermediate_size 8192, num_hidden_layers 32, num_attention_heads 32,
 *     num_key_value_heads (absent/null -> num_attention_heads), vocab_size 32064, rms_norm_eps 1e-5,
 *     rope_theta 10000 (or rope_parameters.rope_theta), sliding_window (absent/null -> none; the real
 *     config says 2047), max_position_embeddings 4096, original_max_position_embeddings 4096,
 *     bos_token_id 1, eos_token_id 32000, pad_token_id 32000, hidden_act "silu",
 *     tie_word_embeddings false (true is rejected), rope_scaling null (anything else is rejected),
 *     initial_tokenizer_len 32012 (xGen-MM: rows of the original embedding/head that are used)
 *   vision_encoder_config.vision_config  SiglipVisionConfig names; absent -> google/siglip-so400m-patch14-384
 *     hidden_size 1152, intermediate_size 4304, num_hidden_layers 27, num_attention_heads 16,
 *     image_size 384, patch_size 14, num_channels 3, layer_norm_eps 1e-6,
 *     hidden_act "gelu_pytorch_tanh", vision_use_head true (the unused MAP head is in the checkpoint)
 *   vision_tokenizer_config           XGenMMVisionTokenizerConfig names, plus ours for the resampler
 *     vis_feature_dim 1152 (= vision hidden_size), lang_embedding_dim 3072 (= LM hidden_size),
 *     num_vis_tokens 128 (latents = vision tokens per image),
 *     depth 6, heads 16, dim_head 96, ff_mult 4   (our names: PerceiverResampler's constructor args)
 *     layer_norm_eps 1e-5 (ours; nn.LayerNorm's default)
 *
 * The number of additional token rows (3: <image>, <image placeholder>, <|endofchunk|>) is fixed by
 * the architecture. */
#ifndef FEWSHOT_MODEL_CONFIG_H
#define FEWSHOT_MODEL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Activation functions named by the configs. */
typedef enum {
  MODEL_ACT_GELU_TANH = 0, /* "gelu_pytorch_tanh": 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))) */
  MODEL_ACT_GELU_ERF = 1,  /* "gelu": 0.5x(1+erf(x/sqrt 2)) (nn.GELU default) */
  MODEL_ACT_SILU = 2       /* "silu": x*sigmoid(x) */
} model_activation;

/* SigLIP vision tower (vision_encoder_config.vision_config). */
typedef struct {
  int hidden_size;          /* 1152 */
  int intermediate_size;    /* 4304: MLP fc1 width */
  int n_layers;             /* 27 (num_hidden_layers) */
  int n_heads;              /* 16 (num_attention_heads) */
  int head_dim;             /* hidden_size / n_heads = 72 */
  int image_size;           /* 384: input pixels per side */
  int patch_size;           /* 14: conv kernel and stride */
  int n_channels;           /* 3 */
  int n_patches_side;       /* image_size / patch_size (floor) = 27 */
  int n_patches;            /* n_patches_side^2 = 729: tokens per image */
  double layer_norm_eps;    /* 1e-6 */
  model_activation act;     /* MODEL_ACT_GELU_TANH */
  int use_head;             /* 1: the (unused) MAP pooling head is in the checkpoint */
} model_vision_config;

/* Perceiver resampler (vision_tokenizer_config). */
typedef struct {
  int dim;                  /* 1152: media and latent width (vis_feature_dim) */
  int out_dim;              /* 3072: projection output = LM width (lang_embedding_dim) */
  int n_latents;            /* 128: learned latents = vision tokens per image (num_vis_tokens) */
  int depth;                /* 6 layers */
  int n_heads;              /* 16 (heads) */
  int head_dim;             /* 96 (dim_head) */
  int inner_dim;            /* n_heads * head_dim = 1536 */
  int ff_mult;              /* 4 */
  int ff_dim;               /* dim * ff_mult = 4608 */
  double layer_norm_eps;    /* 1e-5 */
  model_activation act;     /* MODEL_ACT_GELU_ERF */
} model_resampler_config;

/* Phi-3 language model (text_config) with xGen-MM's decoupled embedding/head. */
typedef struct {
  int hidden_size;          /* 3072 */
  int intermediate_size;    /* 8192: gate and up each; gate_up_proj has 2x rows */
  int n_layers;             /* 32 (num_hidden_layers) */
  int n_heads;              /* 32 (num_attention_heads) */
  int n_kv_heads;           /* 32 (num_key_value_heads) */
  int head_dim;             /* hidden_size / n_heads = 96 */
  int vocab_size;           /* 32064: rows of embed_tokens and lm_head */
  int initial_tokenizer_len;/* 32012: ids below this use the original rows */
  int n_additional_tokens;  /* 3: additional_embedding / additional_fc rows (ids 32012..32014) */
  int n_logits;             /* initial_tokenizer_len + n_additional_tokens = 32015 */
  int max_position_embeddings;          /* 4096 */
  int original_max_position_embeddings; /* 4096 */
  int sliding_window;       /* 2047 in the real config; 0 = none */
  double rms_norm_eps;      /* 1e-5 */
  double rope_theta;        /* 10000 */
  int bos_token_id;         /* 1 */
  int eos_token_id;         /* 32000 */
  int pad_token_id;         /* 32000 */
  model_activation act;     /* MODEL_ACT_SILU */
} model_lm_config;

/* The whole model. */
typedef struct {
  model_vision_config vision;
  model_resampler_config resampler;
  model_lm_config lm;
} model_config;

/* Which part of the model a tensor belongs to. */
typedef enum {
  MODEL_PART_VISION = 0,    /* vlm.vision_encoder.* */
  MODEL_PART_RESAMPLER = 1, /* vlm.vision_tokenizer.* */
  MODEL_PART_LM = 2         /* vlm.lang_model.* */
} model_part;

/* One expected checkpoint tensor. */
typedef struct {
  char name[96];            /* e.g. "vlm.lang_model.model.layers.5.mlp.down_proj.weight" */
  model_part part;
  int n_dims;               /* 1 .. 4 */
  int64_t shape[4];         /* PyTorch layout: Linear weights are [out, in] */
  int64_t n_elements;
} model_tensor_spec;

/* The expected layout of a checkpoint: items[0 .. n) in model.md §3.3 order. */
typedef struct {
  model_tensor_spec *items; /* owned; free with model_tensor_list_free */
  int n;
} model_tensor_list;

/* Fills cfg with the full-size xgen-mm-phi3-mini-base-r-v1.5 values (what the real config.json
 * resolves to, sliding_window 2047 included). Cannot fail. */
void model_config_default(model_config *cfg);

/* Parses config.json text json[0 .. len) into cfg: absent fields take the defaults above, derived
 * fields (head dims, patch counts, n_logits...) are computed, and the result is validated
 * (model_config_validate). `label` names the file in errors. Returns 0, or non-zero with err naming
 * the file and the field ("config.json: text_config.hidden_size: expected a positive integer"). */
int model_config_parse(model_config *cfg, const char *json, size_t len, const char *label, char *err,
                       size_t err_size);

/* Reads `path` (a config.json file, or a directory holding one) and parses it as above. */
int model_config_load(model_config *cfg, const char *path, char *err, size_t err_size);

/* Checks the consistency of cfg (positive sizes, widths divisible by head counts, patch <= image,
 * resampler dim == vision width, resampler out_dim == LM width, kv heads dividing heads, vocab_size >=
 * initial_tokenizer_len, even head dims for RoPE, token ids inside the logits). Returns 0, or
 * non-zero with err naming the field; `label` prefixes the message. */
int model_config_validate(const model_config *cfg, const char *label, char *err, size_t err_size);

/* Serialises cfg as a config.json with the shipped file's fields plus every size field above under
 * its Hugging Face name (so a reduced model's file is complete). `dtype` is the torch_dtype to
 * record ("float32" or "bfloat16"). Returns a malloc'd NUL-terminated string the caller frees, or
 * NULL with err on failure (out of memory). */
char *model_config_to_json(const model_config *cfg, const char *dtype, char *err, size_t err_size);

/* Builds the expected tensor list for cfg (718 entries for the full model; the same names with
 * config-implied shapes for a reduced one). The caller frees it with model_tensor_list_free. Returns
 * 0, or non-zero with err (invalid config, out of memory). */
int model_tensor_list_build(model_tensor_list *list, const model_config *cfg, char *err, size_t err_size);

/* Frees list->items and zeroes the list. NULL-safe. */
void model_tensor_list_free(model_tensor_list *list);

/* "vision tower", "resampler", "language model". Static string. */
const char *model_part_name(model_part part);

/* Part of a checkpoint name by its prefix; returns -1 when the name has none of the three. */
int model_part_of_name(const char *name);

/* "gelu_pytorch_tanh", "gelu", "silu". Static string. */
const char *model_activation_name(model_activation act);

#endif
