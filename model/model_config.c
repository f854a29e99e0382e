/* model_config.c - config.json -> model_config, the config -> expected checkpoint layout, and the
 * config -> config.json writer used by the tiny-checkpoint tool. See model_config.h. */
#include "model_config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errbuf.h"

/* Largest config.json read. */
#define CONFIG_MAX_BYTES (16L * 1024 * 1024)
/* Largest size accepted for any dimension: keeps every product below 2^62. */
#define DIM_MAX (1 << 24)

void model_config_default(model_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  model_vision_config *v = &cfg->vision;
  v->hidden_size = 1152;
  v->intermediate_size = 4304;
  v->n_layers = 27;
  v->n_heads = 16;
  v->image_size = 384;
  v->patch_size = 14;
  v->n_channels = 3;
  v->layer_norm_eps = 1e-6;
  v->act = MODEL_ACT_GELU_TANH;
  v->use_head = 1;
  model_resampler_config *r = &cfg->resampler;
  r->dim = 1152;
  r->out_dim = 3072;
  r->n_latents = 128;
  r->depth = 6;
  r->n_heads = 16;
  r->head_dim = 96;
  r->ff_mult = 4;
  r->layer_norm_eps = 1e-5;
  r->act = MODEL_ACT_GELU_ERF;
  model_lm_config *l = &cfg->lm;
  l->hidden_size = 3072;
  l->intermediate_size = 8192;
  l->n_layers = 32;
  l->n_heads = 32;
  l->n_kv_heads = 32;
  l->vocab_size = 32064;
  l->initial_tokenizer_len = 32012;
  l->n_additional_tokens = 3;
  l->max_position_embeddings = 4096;
  l->original_max_position_embeddings = 4096;
  l->sliding_window = 2047;
  l->rms_norm_eps = 1e-5;
  l->rope_theta = 10000.0;
  l->bos_token_id = 1;
  l->eos_token_id = 32000;
  l->pad_token_id = 32000;
  l->act = MODEL_ACT_SILU;
  /* derived */
  v->head_dim = v->hidden_size / v->n_heads;
  v->n_patches_side = v->image_size / v->patch_size;
  v->n_patches = v->n_patches_side * v->n_patches_side;
  r->inner_dim = r->n_heads * r->head_dim;
  r->ff_dim = r->dim * r->ff_mult;
  l->head_dim = l->hidden_size / l->n_heads;
  l->n_logits = l->initial_tokenizer_len + l->n_additional_tokens;
}

const char *model_activation_name(model_activation act) {
  switch (act) {
    case MODEL_ACT_GELU_TANH: return "gelu_pytorch_tanh";
    case MODEL_ACT_GELU_ERF: return "gelu";
    case MODEL_ACT_SILU: return "silu";
  }
  return "?";
}

const char *model_part_name(model_part part) {
  switch (part) {
    case MODEL_PART_VISION: return "vision tower";
    case MODEL_PART_RESAMPLER: return "resampler";
    case MODEL_PART_LM: return "language model";
  }
  return "?";
}

int model_part_of_name(const char *name) {
  if (strncmp(name, "vlm.vision_encoder.", 19) == 0) return MODEL_PART_VISION;
  if (strncmp(name, "vlm.vision_tokenizer.", 21) == 0) return MODEL_PART_RESAMPLER;
  if (strncmp(name, "vlm.lang_model.", 15) == 0) return MODEL_PART_LM;
  return -1;
}

/* ---------------------------------------------------------------------------------------------
 * parsing */

typedef struct {
  const char *label; /* file name for errors */
  char *err;
  size_t err_size;
} parse_ctx;

/* Reads obj[key] as an integer in [lo, hi]; absent or null leaves *out unchanged. */
static int get_int(parse_ctx *c, const cJSON *obj, const char *section, const char *key, long lo, long hi,
                   int *out) {
  const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  double v = cJSON_IsNumber(it) ? it->valuedouble : NAN;
  if (!cJSON_IsNumber(it) || !isfinite(v) || floor(v) != v || v < (double)lo || v > (double)hi) {
    set_err(c->err, c->err_size, "%s: %s.%s: expected an integer in [%ld, %ld]", c->label, section, key, lo, hi);
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* Reads obj[key] as a positive finite number; absent or null leaves *out unchanged. */
static int get_pos_double(parse_ctx *c, const cJSON *obj, const char *section, const char *key, double *out) {
  const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble <= 0.0) {
    set_err(c->err, c->err_size, "%s: %s.%s: expected a positive number", c->label, section, key);
    return -1;
  }
  *out = it->valuedouble;
  return 0;
}

static int get_act(parse_ctx *c, const cJSON *obj, const char *section, const char *key, model_activation want,
                   model_activation *out) {
  const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
  if (!s || strcmp(s, model_activation_name(want)) != 0) {
    set_err(c->err, c->err_size, "%s: %s.%s: only \"%s\" is supported", c->label, section, key,
            model_activation_name(want));
    return -1;
  }
  *out = want;
  return 0;
}

static int get_bool(parse_ctx *c, const cJSON *obj, const char *section, const char *key, int *out) {
  const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsBool(it)) {
    set_err(c->err, c->err_size, "%s: %s.%s: expected true or false", c->label, section, key);
    return -1;
  }
  *out = cJSON_IsTrue(it) ? 1 : 0;
  return 0;
}

/* The section obj[key]: absent or null -> NULL (all defaults); present but not an object -> error. */
static int get_section(parse_ctx *c, const cJSON *obj, const char *key, const char *name, const cJSON **out) {
  *out = NULL;
  const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!it || cJSON_IsNull(it)) return 0;
  if (!cJSON_IsObject(it)) {
    set_err(c->err, c->err_size, "%s: %s: expected an object", c->label, name);
    return -1;
  }
  *out = it;
  return 0;
}

static int parse_text(parse_ctx *c, const cJSON *t, model_lm_config *l) {
  const char *s = "text_config";
  if (get_int(c, t, s, "hidden_size", 1, DIM_MAX, &l->hidden_size) ||
      get_int(c, t, s, "intermediate_size", 1, DIM_MAX, &l->intermediate_size) ||
      get_int(c, t, s, "num_hidden_layers", 1, 4096, &l->n_layers) ||
      get_int(c, t, s, "num_attention_heads", 1, DIM_MAX, &l->n_heads) ||
      get_int(c, t, s, "vocab_size", 1, DIM_MAX, &l->vocab_size) ||
      get_int(c, t, s, "initial_tokenizer_len", 1, DIM_MAX, &l->initial_tokenizer_len) ||
      get_int(c, t, s, "max_position_embeddings", 1, DIM_MAX, &l->max_position_embeddings) ||
      get_int(c, t, s, "original_max_position_embeddings", 1, DIM_MAX, &l->original_max_position_embeddings) ||
      get_int(c, t, s, "bos_token_id", 0, DIM_MAX, &l->bos_token_id) ||
      get_int(c, t, s, "eos_token_id", 0, DIM_MAX, &l->eos_token_id) ||
      get_int(c, t, s, "pad_token_id", 0, DIM_MAX, &l->pad_token_id) ||
      get_pos_double(c, t, s, "rms_norm_eps", &l->rms_norm_eps) ||
      get_act(c, t, s, "hidden_act", MODEL_ACT_SILU, &l->act))
    return -1;
  /* num_key_value_heads: absent or null means "same as the attention heads" (Phi3Config). */
  l->n_kv_heads = l->n_heads;
  if (get_int(c, t, s, "num_key_value_heads", 1, DIM_MAX, &l->n_kv_heads)) return -1;
  /* sliding_window: absent or null means none; the real config sets 2047. With a text_config that
   * omits it, Phi3Config's default (None) applies. */
  const cJSON *sw = t ? cJSON_GetObjectItemCaseSensitive(t, "sliding_window") : NULL;
  if (t) l->sliding_window = 0;
  if (sw && !cJSON_IsNull(sw) && get_int(c, t, s, "sliding_window", 1, DIM_MAX, &l->sliding_window)) return -1;
  /* rope: rope_theta (transformers 4.x) or rope_parameters.rope_theta (5.x); no scaling. */
  if (get_pos_double(c, t, s, "rope_theta", &l->rope_theta)) return -1;
  const cJSON *rp = NULL;
  if (get_section(c, t, "rope_parameters", "text_config.rope_parameters", &rp)) return -1;
  if (rp) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rp, "rope_type");
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "default") == 0)) {
      set_err(c->err, c->err_size, "%s: text_config.rope_parameters.rope_type: only \"default\" is supported",
              c->label);
      return -1;
    }
    const cJSON *prf = cJSON_GetObjectItemCaseSensitive(rp, "partial_rotary_factor");
    if (prf && !(cJSON_IsNumber(prf) && prf->valuedouble == 1.0)) {
      set_err(c->err, c->err_size, "%s: text_config.rope_parameters.partial_rotary_factor: only 1.0 is supported",
              c->label);
      return -1;
    }
    if (get_pos_double(c, rp, "text_config.rope_parameters", "rope_theta", &l->rope_theta)) return -1;
  }
  const cJSON *rs = t ? cJSON_GetObjectItemCaseSensitive(t, "rope_scaling") : NULL;
  if (rs && !cJSON_IsNull(rs)) {
    set_err(c->err, c->err_size, "%s: text_config.rope_scaling: only null (no scaling) is supported", c->label);
    return -1;
  }
  int tie = 0;
  if (get_bool(c, t, s, "tie_word_embeddings", &tie)) return -1;
  if (tie) {
    set_err(c->err, c->err_size, "%s: text_config.tie_word_embeddings: xGen-MM has an untied LM head", c->label);
    return -1;
  }
  return 0;
}

static int parse_vision(parse_ctx *c, const cJSON *v, model_vision_config *out) {
  const char *s = "vision_encoder_config.vision_config";
  return get_int(c, v, s, "hidden_size", 1, DIM_MAX, &out->hidden_size) ||
         get_int(c, v, s, "intermediate_size", 1, DIM_MAX, &out->intermediate_size) ||
         get_int(c, v, s, "num_hidden_layers", 1, 4096, &out->n_layers) ||
         get_int(c, v, s, "num_attention_heads", 1, DIM_MAX, &out->n_heads) ||
         get_int(c, v, s, "image_size", 1, 1 << 16, &out->image_size) ||
         get_int(c, v, s, "patch_size", 1, 1 << 16, &out->patch_size) ||
         get_int(c, v, s, "num_channels", 1, 64, &out->n_channels) ||
         get_pos_double(c, v, s, "layer_norm_eps", &out->layer_norm_eps) ||
         get_act(c, v, s, "hidden_act", MODEL_ACT_GELU_TANH, &out->act) ||
         get_bool(c, v, s, "vision_use_head", &out->use_head)
             ? -1
             : 0;
}

static int parse_resampler(parse_ctx *c, const cJSON *r, model_resampler_config *out) {
  const char *s = "vision_tokenizer_config";
  return get_int(c, r, s, "vis_feature_dim", 1, DIM_MAX, &out->dim) ||
         get_int(c, r, s, "lang_embedding_dim", 1, DIM_MAX, &out->out_dim) ||
         get_int(c, r, s, "num_vis_tokens", 1, DIM_MAX, &out->n_latents) ||
         get_int(c, r, s, "depth", 1, 4096, &out->depth) ||
         get_int(c, r, s, "heads", 1, DIM_MAX, &out->n_heads) ||
         get_int(c, r, s, "dim_head", 1, DIM_MAX, &out->head_dim) ||
         get_int(c, r, s, "ff_mult", 1, 64, &out->ff_mult) ||
         get_pos_double(c, r, s, "layer_norm_eps", &out->layer_norm_eps)
             ? -1
             : 0;
}

static void derive(model_config *cfg) {
  model_vision_config *v = &cfg->vision;
  model_resampler_config *r = &cfg->resampler;
  model_lm_config *l = &cfg->lm;
  v->head_dim = v->n_heads > 0 ? v->hidden_size / v->n_heads : 0;
  v->n_patches_side = v->patch_size > 0 ? v->image_size / v->patch_size : 0;
  v->n_patches = v->n_patches_side * v->n_patches_side;
  r->inner_dim = r->n_heads * r->head_dim;
  r->ff_dim = r->dim * r->ff_mult;
  l->head_dim = l->n_heads > 0 ? l->hidden_size / l->n_heads : 0;
  l->n_additional_tokens = 3;
  l->n_logits = l->initial_tokenizer_len + l->n_additional_tokens;
}

int model_config_validate(const model_config *cfg, const char *label, char *err, size_t err_size) {
  const model_vision_config *v = &cfg->vision;
  const model_resampler_config *r = &cfg->resampler;
  const model_lm_config *l = &cfg->lm;
  const char *L = label ? label : "config";
#define REQUIRE(cond, ...)                                   \
  do {                                                       \
    if (!(cond)) {                                           \
      char what_[200];                                       \
      snprintf(what_, sizeof what_, __VA_ARGS__);            \
      set_err(err, err_size, "%s: %s", L, what_);            \
      return -1;                                             \
    }                                                        \
  } while (0)
  REQUIRE(v->hidden_size > 0 && v->hidden_size <= DIM_MAX, "vision hidden_size %d out of range", v->hidden_size);
  REQUIRE(v->intermediate_size > 0 && v->intermediate_size <= DIM_MAX, "vision intermediate_size %d out of range",
          v->intermediate_size);
  REQUIRE(v->n_layers > 0 && v->n_heads > 0, "vision num_hidden_layers and num_attention_heads must be positive");
  REQUIRE(v->hidden_size % v->n_heads == 0, "vision hidden_size %d is not divisible by num_attention_heads %d",
          v->hidden_size, v->n_heads);
  REQUIRE(v->patch_size > 0 && v->patch_size <= v->image_size, "vision patch_size %d must be in [1, image_size %d]",
          v->patch_size, v->image_size);
  REQUIRE(v->n_channels > 0, "vision num_channels must be positive");
  REQUIRE(r->n_latents > 0 && r->depth > 0 && r->n_heads > 0 && r->head_dim > 0 && r->ff_mult > 0,
          "resampler sizes must be positive");
  REQUIRE((long)r->n_heads * r->head_dim <= DIM_MAX && (long)r->dim * r->ff_mult <= DIM_MAX,
          "resampler heads x dim_head or dim x ff_mult too large");
  REQUIRE(l->hidden_size > 0 && l->intermediate_size > 0 && l->n_layers > 0 && l->n_heads > 0,
          "text_config sizes must be positive");
  REQUIRE(l->hidden_size % l->n_heads == 0, "text_config.hidden_size %d is not divisible by num_attention_heads %d",
          l->hidden_size, l->n_heads);
  REQUIRE((l->hidden_size / l->n_heads) % 2 == 0, "text_config head dim %d is odd (RoPE rotates pairs)",
          l->hidden_size / l->n_heads);
  REQUIRE(l->n_kv_heads > 0 && l->n_kv_heads <= l->n_heads && l->n_heads % l->n_kv_heads == 0,
          "text_config.num_key_value_heads %d must divide num_attention_heads %d", l->n_kv_heads, l->n_heads);
  REQUIRE(l->vocab_size >= l->initial_tokenizer_len,
          "text_config.vocab_size %d is smaller than initial_tokenizer_len %d", l->vocab_size,
          l->initial_tokenizer_len);
  REQUIRE(l->bos_token_id < l->n_logits && l->eos_token_id < l->n_logits && l->pad_token_id < l->n_logits,
          "text_config bos/eos/pad ids %d/%d/%d must be below %d", l->bos_token_id, l->eos_token_id,
          l->pad_token_id, l->n_logits);
  REQUIRE(l->sliding_window >= 0, "text_config.sliding_window must not be negative");
  REQUIRE(v->layer_norm_eps > 0 && r->layer_norm_eps > 0 && l->rms_norm_eps > 0 && l->rope_theta > 0,
          "eps and rope_theta must be positive");
  REQUIRE(r->dim == v->hidden_size,
          "vision_tokenizer_config.vis_feature_dim %d differs from the vision hidden_size %d", r->dim, v->hidden_size);
  REQUIRE(r->out_dim == l->hidden_size,
          "vision_tokenizer_config.lang_embedding_dim %d differs from text_config.hidden_size %d", r->out_dim,
          l->hidden_size);
#undef REQUIRE
  return 0;
}

int model_config_parse(model_config *cfg, const char *json, size_t len, const char *label, char *err,
                       size_t err_size) {
  parse_ctx c = {label ? label : "config.json", err, err_size};
  model_config_default(cfg);
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
  if (!root) {
    size_t at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
    set_err(err, err_size, "%s: not valid JSON (error near byte %zu)", c.label, at);
    return -1;
  }
  int rc = -1;
  const cJSON *text = NULL, *venc = NULL, *vis = NULL, *vtok = NULL;
  if (!cJSON_IsObject(root)) {
    set_err(err, err_size, "%s: not a JSON object", c.label);
    goto done;
  }
  if (get_section(&c, root, "text_config", "text_config", &text) ||
      get_section(&c, root, "vision_encoder_config", "vision_encoder_config", &venc) ||
      get_section(&c, venc, "vision_config", "vision_encoder_config.vision_config", &vis) ||
      get_section(&c, root, "vision_tokenizer_config", "vision_tokenizer_config", &vtok))
    goto done;
  if (parse_text(&c, text, &cfg->lm) || parse_vision(&c, vis, &cfg->vision) ||
      parse_resampler(&c, vtok, &cfg->resampler))
    goto done;
  derive(cfg);
  if (model_config_validate(cfg, c.label, err, err_size) != 0) goto done;
  rc = 0;
done:
  cJSON_Delete(root);
  return rc;
}

int model_config_load(model_config *cfg, const char *path, char *err, size_t err_size) {
  struct stat st;
  char *file = NULL;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    size_t n = strlen(path) + sizeof "/config.json";
    file = malloc(n);
    if (!file) {
      set_err(err, err_size, "%s: out of memory", path);
      return -1;
    }
    snprintf(file, n, "%s/config.json", path);
    path = file;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    set_err(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    free(file);
    return -1;
  }
  char *buf = malloc(CONFIG_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
  int bad = !buf || ferror(f) || n > CONFIG_MAX_BYTES;
  fclose(f);
  int rc = -1;
  if (bad) set_err(err, err_size, "%s: cannot read (or larger than %ld bytes)", path, CONFIG_MAX_BYTES);
  else rc = model_config_parse(cfg, buf, n, path, err, err_size);
  free(buf);
  free(file);
  return rc;
}

/* ---------------------------------------------------------------------------------------------
 * writing */

static cJSON *add_obj(cJSON *parent, const char *key) {
  cJSON *o = cJSON_CreateObject();
  if (o && !cJSON_AddItemToObject(parent, key, o)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

char *model_config_to_json(const model_config *cfg, const char *dtype, char *err, size_t err_size) {
  const model_vision_config *v = &cfg->vision;
  const model_resampler_config *r = &cfg->resampler;
  const model_lm_config *l = &cfg->lm;
  cJSON *root = cJSON_CreateObject();
  int ok = root != NULL;
  cJSON *arch = cJSON_CreateArray();
  ok = ok && arch && cJSON_AddItemToObject(root, "architectures", arch);
  ok = ok && cJSON_AddItemToArray(arch, cJSON_CreateString("XGenMMModelForConditionalGeneration"));
  cJSON *am = ok ? add_obj(root, "auto_map") : NULL;
  ok = ok && am && cJSON_AddStringToObject(am, "AutoConfig", "modeling_xgenmm.XGenMMConfig");
  ok = ok && cJSON_AddStringToObject(am, "AutoModelForVision2Seq", "modeling_xgenmm.XGenMMModelForConditionalGeneration");
  ok = ok && cJSON_AddStringToObject(root, "model_type", "xgenmm");
  cJSON *t = ok ? add_obj(root, "text_config") : NULL;
  ok = ok && t;
  ok = ok && cJSON_AddNumberToObject(t, "initial_tokenizer_len", l->initial_tokenizer_len);
  ok = ok && cJSON_AddStringToObject(t, "model_type", "phi3");
  if (l->sliding_window > 0) ok = ok && cJSON_AddNumberToObject(t, "sliding_window", l->sliding_window);
  else ok = ok && cJSON_AddNullToObject(t, "sliding_window");
  ok = ok && cJSON_AddStringToObject(t, "torch_dtype", dtype);
  ok = ok && cJSON_AddNumberToObject(t, "hidden_size", l->hidden_size);
  ok = ok && cJSON_AddNumberToObject(t, "intermediate_size", l->intermediate_size);
  ok = ok && cJSON_AddNumberToObject(t, "num_hidden_layers", l->n_layers);
  ok = ok && cJSON_AddNumberToObject(t, "num_attention_heads", l->n_heads);
  ok = ok && cJSON_AddNumberToObject(t, "num_key_value_heads", l->n_kv_heads);
  ok = ok && cJSON_AddNumberToObject(t, "vocab_size", l->vocab_size);
  ok = ok && cJSON_AddNumberToObject(t, "rms_norm_eps", l->rms_norm_eps);
  ok = ok && cJSON_AddNumberToObject(t, "rope_theta", l->rope_theta);
  ok = ok && cJSON_AddNumberToObject(t, "max_position_embeddings", l->max_position_embeddings);
  ok = ok && cJSON_AddNumberToObject(t, "original_max_position_embeddings", l->original_max_position_embeddings);
  ok = ok && cJSON_AddNumberToObject(t, "bos_token_id", l->bos_token_id);
  ok = ok && cJSON_AddNumberToObject(t, "eos_token_id", l->eos_token_id);
  ok = ok && cJSON_AddNumberToObject(t, "pad_token_id", l->pad_token_id);
  ok = ok && cJSON_AddStringToObject(t, "hidden_act", model_activation_name(l->act));
  ok = ok && cJSON_AddFalseToObject(t, "tie_word_embeddings");
  ok = ok && cJSON_AddStringToObject(root, "torch_dtype", dtype);
  ok = ok && cJSON_AddStringToObject(root, "transformers_version", "4.41.1");
  cJSON *ve = ok ? add_obj(root, "vision_encoder_config") : NULL;
  ok = ok && ve;
  ok = ok && cJSON_AddTrueToObject(ve, "anyres_patch_sampling");
  ok = ok && cJSON_AddStringToObject(ve, "image_aspect_ratio", "anyres");
  ok = ok && cJSON_AddStringToObject(ve, "model_type", "xgenmm_vision_encoder");
  cJSON *vc = ok ? add_obj(ve, "vision_config") : NULL;
  ok = ok && vc;
  ok = ok && cJSON_AddNumberToObject(vc, "hidden_size", v->hidden_size);
  ok = ok && cJSON_AddNumberToObject(vc, "intermediate_size", v->intermediate_size);
  ok = ok && cJSON_AddNumberToObject(vc, "num_hidden_layers", v->n_layers);
  ok = ok && cJSON_AddNumberToObject(vc, "num_attention_heads", v->n_heads);
  ok = ok && cJSON_AddNumberToObject(vc, "num_channels", v->n_channels);
  ok = ok && cJSON_AddNumberToObject(vc, "image_size", v->image_size);
  ok = ok && cJSON_AddNumberToObject(vc, "patch_size", v->patch_size);
  ok = ok && cJSON_AddNumberToObject(vc, "layer_norm_eps", v->layer_norm_eps);
  ok = ok && cJSON_AddStringToObject(vc, "hidden_act", model_activation_name(v->act));
  ok = ok && (v->use_head ? cJSON_AddTrueToObject(vc, "vision_use_head") : cJSON_AddFalseToObject(vc, "vision_use_head"));
  cJSON *vt = ok ? add_obj(root, "vision_tokenizer_config") : NULL;
  ok = ok && vt;
  ok = ok && cJSON_AddStringToObject(vt, "model_type", "xgenmm_vision_tokenizer");
  ok = ok && cJSON_AddNumberToObject(vt, "vis_feature_dim", r->dim);
  ok = ok && cJSON_AddNumberToObject(vt, "lang_embedding_dim", r->out_dim);
  ok = ok && cJSON_AddNumberToObject(vt, "num_vis_tokens", r->n_latents);
  ok = ok && cJSON_AddNumberToObject(vt, "depth", r->depth);
  ok = ok && cJSON_AddNumberToObject(vt, "heads", r->n_heads);
  ok = ok && cJSON_AddNumberToObject(vt, "dim_head", r->head_dim);
  ok = ok && cJSON_AddNumberToObject(vt, "ff_mult", r->ff_mult);
  ok = ok && cJSON_AddNumberToObject(vt, "layer_norm_eps", r->layer_norm_eps);
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) set_err(err, err_size, "config.json: out of memory");
  return text;
}

/* ---------------------------------------------------------------------------------------------
 * expected layout */

typedef struct {
  model_tensor_list *list;
  int cap;
  int failed;
} list_builder;

static void add_spec(list_builder *b, model_part part, int n_dims, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                     const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void add_spec(list_builder *b, model_part part, int n_dims, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                     const char *fmt, ...) {
  if (b->failed) return;
  model_tensor_list *l = b->list;
  if (l->n == b->cap) {
    int cap = b->cap ? b->cap * 2 : 256;
    model_tensor_spec *ni = realloc(l->items, (size_t)cap * sizeof *ni);
    if (!ni) {
      b->failed = 1;
      return;
    }
    l->items = ni;
    b->cap = cap;
  }
  model_tensor_spec *s = &l->items[l->n++];
  memset(s, 0, sizeof *s);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->name, sizeof s->name, fmt, ap);
  va_end(ap);
  s->part = part;
  s->n_dims = n_dims;
  int64_t d[4] = {d0, d1, d2, d3};
  s->n_elements = 1;
  for (int i = 0; i < n_dims; i++) {
    s->shape[i] = d[i];
    s->n_elements *= d[i];
  }
}

#define VIS(nd, a, b2, c2, d2, ...) add_spec(&b, MODEL_PART_VISION, nd, a, b2, c2, d2, __VA_ARGS__)
#define RES(nd, a, b2, ...) add_spec(&b, MODEL_PART_RESAMPLER, nd, a, b2, 0, 0, __VA_ARGS__)
#define LM(nd, a, b2, ...) add_spec(&b, MODEL_PART_LM, nd, a, b2, 0, 0, __VA_ARGS__)

int model_tensor_list_build(model_tensor_list *list, const model_config *cfg, char *err, size_t err_size) {
  list->items = NULL;
  list->n = 0;
  if (model_config_validate(cfg, "config", err, err_size) != 0) return -1;
  list_builder b = {list, 0, 0};
  const model_vision_config *v = &cfg->vision;
  const model_resampler_config *r = &cfg->resampler;
  const model_lm_config *l = &cfg->lm;
  const int64_t W = v->hidden_size, I = v->intermediate_size, P = v->patch_size;
  const char *ve = "vlm.vision_encoder";
  VIS(4, W, v->n_channels, P, P, "%s.embeddings.patch_embedding.weight", ve);
  VIS(1, W, 0, 0, 0, "%s.embeddings.patch_embedding.bias", ve);
  VIS(2, v->n_patches, W, 0, 0, "%s.embeddings.position_embedding.weight", ve);
  for (int i = 0; i < v->n_layers; i++) {
    const char *p = "vlm.vision_encoder.encoder.layers";
    VIS(1, W, 0, 0, 0, "%s.%d.layer_norm1.weight", p, i);
    VIS(1, W, 0, 0, 0, "%s.%d.layer_norm1.bias", p, i);
    static const char *const proj[4] = {"q_proj", "k_proj", "v_proj", "out_proj"};
    for (int k = 0; k < 4; k++) {
      VIS(2, W, W, 0, 0, "%s.%d.self_attn.%s.weight", p, i, proj[k]);
      VIS(1, W, 0, 0, 0, "%s.%d.self_attn.%s.bias", p, i, proj[k]);
    }
    VIS(1, W, 0, 0, 0, "%s.%d.layer_norm2.weight", p, i);
    VIS(1, W, 0, 0, 0, "%s.%d.layer_norm2.bias", p, i);
    VIS(2, I, W, 0, 0, "%s.%d.mlp.fc1.weight", p, i);
    VIS(1, I, 0, 0, 0, "%s.%d.mlp.fc1.bias", p, i);
    VIS(2, W, I, 0, 0, "%s.%d.mlp.fc2.weight", p, i);
    VIS(1, W, 0, 0, 0, "%s.%d.mlp.fc2.bias", p, i);
  }
  VIS(1, W, 0, 0, 0, "%s.post_layernorm.weight", ve);
  VIS(1, W, 0, 0, 0, "%s.post_layernorm.bias", ve);
  if (v->use_head) {
    VIS(3, 1, 1, W, 0, "%s.head.probe", ve);
    VIS(2, 3 * W, W, 0, 0, "%s.head.attention.in_proj_weight", ve);
    VIS(1, 3 * W, 0, 0, 0, "%s.head.attention.in_proj_bias", ve);
    VIS(2, W, W, 0, 0, "%s.head.attention.out_proj.weight", ve);
    VIS(1, W, 0, 0, 0, "%s.head.attention.out_proj.bias", ve);
    VIS(1, W, 0, 0, 0, "%s.head.layernorm.weight", ve);
    VIS(1, W, 0, 0, 0, "%s.head.layernorm.bias", ve);
    VIS(2, I, W, 0, 0, "%s.head.mlp.fc1.weight", ve);
    VIS(1, I, 0, 0, 0, "%s.head.mlp.fc1.bias", ve);
    VIS(2, W, I, 0, 0, "%s.head.mlp.fc2.weight", ve);
    VIS(1, W, 0, 0, 0, "%s.head.mlp.fc2.bias", ve);
  }
  const int64_t D = r->dim, Q = r->inner_dim, F = r->ff_dim;
  const char *vt = "vlm.vision_tokenizer";
  RES(2, r->n_latents, D, "%s.latents", vt);
  for (int i = 0; i < r->depth; i++) {
    RES(1, D, 0, "%s.layers.%d.0.norm_media.weight", vt, i);
    RES(1, D, 0, "%s.layers.%d.0.norm_media.bias", vt, i);
    RES(1, D, 0, "%s.layers.%d.0.norm_latents.weight", vt, i);
    RES(1, D, 0, "%s.layers.%d.0.norm_latents.bias", vt, i);
    RES(2, Q, D, "%s.layers.%d.0.to_q.weight", vt, i);
    RES(2, 2 * Q, D, "%s.layers.%d.0.to_kv.weight", vt, i);
    RES(2, D, Q, "%s.layers.%d.0.to_out.weight", vt, i);
    RES(1, D, 0, "%s.layers.%d.1.0.weight", vt, i);
    RES(1, D, 0, "%s.layers.%d.1.0.bias", vt, i);
    RES(2, F, D, "%s.layers.%d.1.1.weight", vt, i);
    RES(2, D, F, "%s.layers.%d.1.3.weight", vt, i);
  }
  RES(1, D, 0, "%s.norm.weight", vt);
  RES(1, D, 0, "%s.norm.bias", vt);
  RES(2, r->out_dim, D, "%s.projection.weight", vt);
  RES(1, r->out_dim, 0, "%s.projection.bias", vt);
  const int64_t H = l->hidden_size, V = l->vocab_size, A = l->n_additional_tokens;
  const int64_t QL = (int64_t)l->n_heads * l->head_dim, KV = (int64_t)l->n_kv_heads * l->head_dim;
  const int64_t M = l->intermediate_size;
  const char *lm = "vlm.lang_model";
  LM(2, V, H, "%s.model.embed_tokens.weight", lm);
  LM(2, A, H, "%s.model.embed_tokens.additional_embedding.weight", lm);
  for (int i = 0; i < l->n_layers; i++) {
    const char *p = "vlm.lang_model.model.layers";
    LM(1, H, 0, "%s.%d.input_layernorm.weight", p, i);
    LM(2, QL + 2 * KV, H, "%s.%d.self_attn.qkv_proj.weight", p, i);
    LM(2, H, QL, "%s.%d.self_attn.o_proj.weight", p, i);
    LM(1, H, 0, "%s.%d.post_attention_layernorm.weight", p, i);
    LM(2, 2 * M, H, "%s.%d.mlp.gate_up_proj.weight", p, i);
    LM(2, H, M, "%s.%d.mlp.down_proj.weight", p, i);
  }
  LM(1, H, 0, "%s.model.norm.weight", lm);
  LM(2, V, H, "%s.lm_head.weight", lm);
  LM(1, V, 0, "%s.lm_head.bias", lm);
  LM(2, A, H, "%s.lm_head.additional_fc.weight", lm);
  LM(1, A, 0, "%s.lm_head.additional_fc.bias", lm);
  if (b.failed) {
    model_tensor_list_free(list);
    set_err(err, err_size, "expected tensor list: out of memory");
    return -1;
  }
  return 0;
}

void model_tensor_list_free(model_tensor_list *list) {
  if (!list) return;
  free(list->items);
  list->items = NULL;
  list->n = 0;
}
