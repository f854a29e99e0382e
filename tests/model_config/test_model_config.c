/* test_model_config.c - config.json parsing and the expected checkpoint layout.
 *
 * The real config.json must resolve to the full-size model; its expected layout must be exactly the
 * 718 names of the real weight map (tests/fixtures/xgenmm/model.safetensors.index.json) with the
 * parameter counts of model.md §3.2; reduced configs round-trip through model_config_to_json; bad
 * fields are refused with the field named. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_config.h"
#include "test_util.h"

#define FIX FEWSHOT_TEST_DIR "/fixtures/xgenmm"

static void test_real_config(test_ctx *t) {
  model_config c;
  char err[512] = "";
  TEST_CHECK(t, model_config_load(&c, FIX "/config.json", err, sizeof err) == 0, "real config: %s", err);
  model_config d;
  model_config_default(&d);
  TEST_CHECK(t, memcmp(&c, &d, sizeof c) == 0, "real config differs from model_config_default");
  /* model.md §2.2-2.4, spelled out */
  TEST_CHECK(t, c.vision.hidden_size == 1152 && c.vision.intermediate_size == 4304 && c.vision.n_layers == 27 &&
                    c.vision.n_heads == 16 && c.vision.head_dim == 72,
             "vision sizes");
  TEST_CHECK(t, c.vision.image_size == 384 && c.vision.patch_size == 14 && c.vision.n_patches_side == 27 &&
                    c.vision.n_patches == 729 && c.vision.n_channels == 3,
             "vision patches");
  TEST_CHECK(t, c.vision.layer_norm_eps == 1e-6 && c.vision.act == MODEL_ACT_GELU_TANH && c.vision.use_head == 1,
             "vision eps/act/head");
  TEST_CHECK(t, c.resampler.dim == 1152 && c.resampler.out_dim == 3072 && c.resampler.n_latents == 128 &&
                    c.resampler.depth == 6 && c.resampler.n_heads == 16 && c.resampler.head_dim == 96 &&
                    c.resampler.inner_dim == 1536 && c.resampler.ff_mult == 4 && c.resampler.ff_dim == 4608,
             "resampler sizes");
  TEST_CHECK(t, c.resampler.layer_norm_eps == 1e-5 && c.resampler.act == MODEL_ACT_GELU_ERF, "resampler eps/act");
  TEST_CHECK(t, c.lm.hidden_size == 3072 && c.lm.intermediate_size == 8192 && c.lm.n_layers == 32 &&
                    c.lm.n_heads == 32 && c.lm.n_kv_heads == 32 && c.lm.head_dim == 96,
             "LM sizes");
  TEST_CHECK(t, c.lm.vocab_size == 32064 && c.lm.initial_tokenizer_len == 32012 && c.lm.n_additional_tokens == 3 &&
                    c.lm.n_logits == 32015,
             "LM vocabulary");
  TEST_CHECK(t, c.lm.sliding_window == 2047 && c.lm.max_position_embeddings == 4096 &&
                    c.lm.original_max_position_embeddings == 4096,
             "LM window/positions");
  TEST_CHECK(t, c.lm.rms_norm_eps == 1e-5 && c.lm.rope_theta == 10000.0 && c.lm.act == MODEL_ACT_SILU,
             "LM eps/rope/act");
  TEST_CHECK(t, c.lm.bos_token_id == 1 && c.lm.eos_token_id == 32000 && c.lm.pad_token_id == 32000, "LM ids");
  /* loading the directory works too */
  model_config c2;
  TEST_CHECK(t, model_config_load(&c2, FIX, err, sizeof err) == 0 && memcmp(&c, &c2, sizeof c) == 0,
             "load from directory: %s", err);
}

static void test_real_layout(test_ctx *t) {
  model_config c;
  model_config_default(&c);
  model_tensor_list l;
  char err[512] = "";
  TEST_CHECK(t, model_tensor_list_build(&l, &c, err, sizeof err) == 0, "layout: %s", err);
  TEST_CHECK(t, l.n == 718, "full layout has %d tensors, want 718", l.n);
  int64_t per_part[3] = {0, 0, 0};
  int count[3] = {0, 0, 0};
  for (int i = 0; i < l.n; i++) {
    per_part[l.items[i].part] += l.items[i].n_elements;
    count[l.items[i].part]++;
    TEST_CHECK(t, model_part_of_name(l.items[i].name) == (int)l.items[i].part, "part of %s", l.items[i].name);
  }
  /* model.md §3.2 / §3.3 */
  TEST_CHECK(t, count[0] == 448 && count[1] == 71 && count[2] == 199, "tensor counts %d %d %d", count[0], count[1],
             count[2]);
  TEST_CHECK(t, per_part[0] == 428225600LL, "vision params %lld", (long long)per_part[0]);
  TEST_CHECK(t, per_part[1] == 109901568LL, "resampler params %lld", (long long)per_part[1]);
  TEST_CHECK(t, per_part[2] == 3821130051LL, "LM params %lld", (long long)per_part[2]);
  TEST_CHECK(t, (per_part[0] + per_part[1] + per_part[2]) * 4 == 17437028876LL, "4 x params != index total_size");
  /* names = the real weight map's names, shard by shard */
  size_t n = 0;
  char *text = test_read_file(FIX "/model.safetensors.index.json", &n);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
  TEST_CHECK(t, wm != NULL, "cannot read the real index");
  int in_index = 0;
  for (const cJSON *e = wm ? wm->child : NULL; e; e = e->next) {
    in_index++;
    int found = 0;
    for (int i = 0; i < l.n && !found; i++) found = strcmp(l.items[i].name, e->string) == 0;
    TEST_CHECK(t, found, "real tensor %s not in the expected layout", e->string);
  }
  TEST_CHECK(t, in_index == 718, "real index has %d names", in_index);
  for (int i = 0; i < l.n; i++)
    TEST_CHECK(t, cJSON_GetObjectItemCaseSensitive(wm, l.items[i].name) != NULL, "expected %s not in the real index",
               l.items[i].name);
  cJSON_Delete(root);
  free(text);
  /* a few shapes by name (model.md §3.3) */
  struct { const char *name; int nd; int64_t s[4]; } want[] = {
      {"vlm.vision_encoder.embeddings.patch_embedding.weight", 4, {1152, 3, 14, 14}},
      {"vlm.vision_encoder.embeddings.position_embedding.weight", 2, {729, 1152}},
      {"vlm.vision_encoder.encoder.layers.26.mlp.fc1.weight", 2, {4304, 1152}},
      {"vlm.vision_encoder.head.probe", 3, {1, 1, 1152}},
      {"vlm.vision_encoder.head.attention.in_proj_weight", 2, {3456, 1152}},
      {"vlm.vision_tokenizer.latents", 2, {128, 1152}},
      {"vlm.vision_tokenizer.layers.5.0.to_kv.weight", 2, {3072, 1152}},
      {"vlm.vision_tokenizer.layers.0.0.to_out.weight", 2, {1152, 1536}},
      {"vlm.vision_tokenizer.layers.3.1.1.weight", 2, {4608, 1152}},
      {"vlm.vision_tokenizer.layers.3.1.3.weight", 2, {1152, 4608}},
      {"vlm.vision_tokenizer.projection.weight", 2, {3072, 1152}},
      {"vlm.lang_model.model.embed_tokens.weight", 2, {32064, 3072}},
      {"vlm.lang_model.model.embed_tokens.additional_embedding.weight", 2, {3, 3072}},
      {"vlm.lang_model.model.layers.31.self_attn.qkv_proj.weight", 2, {9216, 3072}},
      {"vlm.lang_model.model.layers.0.mlp.gate_up_proj.weight", 2, {16384, 3072}},
      {"vlm.lang_model.model.layers.0.mlp.down_proj.weight", 2, {3072, 8192}},
      {"vlm.lang_model.lm_head.bias", 1, {32064}},
      {"vlm.lang_model.lm_head.additional_fc.bias", 1, {3}},
  };
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    const model_tensor_spec *s = NULL;
    for (int i = 0; i < l.n && !s; i++)
      if (strcmp(l.items[i].name, want[k].name) == 0) s = &l.items[i];
    int ok = s && s->n_dims == want[k].nd;
    for (int d = 0; ok && d < want[k].nd; d++) ok = s->shape[d] == want[k].s[d];
    TEST_CHECK(t, ok, "shape of %s", want[k].name);
  }
  model_tensor_list_free(&l);
  TEST_CHECK(t, l.items == NULL && l.n == 0, "list_free leaves an empty list");
}

static model_config tiny(void) {
  model_config c;
  model_config_default(&c);
  c.vision.hidden_size = 32;
  c.vision.intermediate_size = 64;
  c.vision.n_layers = 2;
  c.vision.n_heads = 4;
  c.vision.image_size = 56;
  c.vision.patch_size = 14;
  c.resampler.dim = 32;
  c.resampler.out_dim = 48;
  c.resampler.n_latents = 8;
  c.resampler.depth = 2;
  c.resampler.n_heads = 2;
  c.resampler.head_dim = 8;
  c.resampler.ff_mult = 2;
  c.lm.hidden_size = 48;
  c.lm.intermediate_size = 80;
  c.lm.n_layers = 3;
  c.lm.n_heads = 4;
  c.lm.n_kv_heads = 2;
  c.lm.rope_theta = 500000.0;
  c.lm.rms_norm_eps = 1e-6;
  c.lm.sliding_window = 0;
  /* derived */
  c.vision.head_dim = 8;
  c.vision.n_patches_side = 4;
  c.vision.n_patches = 16;
  c.resampler.inner_dim = 16;
  c.resampler.ff_dim = 64;
  c.lm.head_dim = 12;
  return c;
}

static void test_roundtrip(test_ctx *t) {
  model_config c = tiny();
  char err[512] = "";
  char *json = model_config_to_json(&c, "bfloat16", err, sizeof err);
  TEST_CHECK(t, json != NULL, "to_json: %s", err);
  if (!json) return;
  model_config back;
  TEST_CHECK(t, model_config_parse(&back, json, strlen(json), "tiny.json", err, sizeof err) == 0, "parse: %s", err);
  TEST_CHECK(t, memcmp(&c, &back, sizeof c) == 0, "tiny config does not round-trip through JSON");
  cJSON *root = cJSON_Parse(json);
  const cJSON *tc = cJSON_GetObjectItemCaseSensitive(root, "text_config");
  const cJSON *vc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "vision_encoder_config"),
                                                     "vision_config");
  TEST_CHECK(t, cJSON_GetObjectItemCaseSensitive(tc, "num_key_value_heads")->valueint == 2, "HF name num_key_value_heads");
  TEST_CHECK(t, cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(tc, "sliding_window")), "sliding_window null");
  TEST_CHECK(t, cJSON_GetObjectItemCaseSensitive(vc, "patch_size")->valueint == 14, "HF name patch_size");
  test_streq(t, cJSON_GetObjectItemCaseSensitive(tc, "hidden_act")->valuestring, "silu", "hidden_act");
  test_streq(t, cJSON_GetObjectItemCaseSensitive(vc, "hidden_act")->valuestring, "gelu_pytorch_tanh", "vision act");
  test_streq(t, cJSON_GetObjectItemCaseSensitive(root, "model_type")->valuestring, "xgenmm", "model_type");
  cJSON_Delete(root);
  free(json);
  /* the expected layout follows the reduced sizes (GQA included) */
  model_tensor_list l;
  TEST_CHECK(t, model_tensor_list_build(&l, &c, err, sizeof err) == 0, "tiny layout: %s", err);
  TEST_CHECK(t, l.n == 3 + 2 * 16 + 2 + 11 + 1 + 2 * 11 + 4 + 2 + 3 * 6 + 1 + 4, "tiny layout count %d", l.n);
  for (int i = 0; i < l.n; i++) {
    const model_tensor_spec *s = &l.items[i];
    if (strcmp(s->name, "vlm.lang_model.model.layers.2.self_attn.qkv_proj.weight") == 0)
      TEST_CHECK(t, s->shape[0] == 48 + 2 * 24 && s->shape[1] == 48, "GQA qkv shape");
    if (strcmp(s->name, "vlm.vision_encoder.embeddings.position_embedding.weight") == 0)
      TEST_CHECK(t, s->shape[0] == 16 && s->shape[1] == 32, "tiny position embedding");
    if (strcmp(s->name, "vlm.vision_tokenizer.layers.1.0.to_kv.weight") == 0)
      TEST_CHECK(t, s->shape[0] == 32 && s->shape[1] == 32, "tiny to_kv");
    if (strcmp(s->name, "vlm.lang_model.lm_head.weight") == 0)
      TEST_CHECK(t, s->shape[0] == 32064 && s->shape[1] == 48, "tiny lm_head keeps 32064 rows");
  }
  model_tensor_list_free(&l);
  /* vision_use_head false drops the 11 head tensors */
  c.vision.use_head = 0;
  TEST_CHECK(t, model_tensor_list_build(&l, &c, err, sizeof err) == 0 && l.n == 3 + 32 + 2 + 1 + 22 + 4 + 2 + 18 + 5,
             "no-head layout count %d", l.n);
  model_tensor_list_free(&l);
}

static void expect_bad(test_ctx *t, const char *json, const char *want) {
  model_config c;
  char err[512] = "";
  int rc = model_config_parse(&c, json, strlen(json), "cfg.json", err, sizeof err);
  TEST_CHECK(t, rc != 0, "accepted %s", json);
  TEST_CHECK(t, strstr(err, want) != NULL, "%s: error \"%s\" lacks \"%s\"", json, err, want);
  TEST_CHECK(t, strncmp(err, "cfg.json: ", 10) == 0, "error \"%s\" does not name the file", err);
}

static void test_bad(test_ctx *t) {
  expect_bad(t, "{", "not valid JSON");
  expect_bad(t, "[]", "not a JSON object");
  expect_bad(t, "{\"text_config\":3}", "text_config: expected an object");
  expect_bad(t, "{\"vision_encoder_config\":{\"vision_config\":[]}}", "vision_encoder_config.vision_config: expected");
  expect_bad(t, "{\"text_config\":{\"hidden_size\":\"64\"}}", "text_config.hidden_size: expected an integer");
  expect_bad(t, "{\"text_config\":{\"hidden_size\":-64}}", "text_config.hidden_size");
  expect_bad(t, "{\"text_config\":{\"hidden_size\":64.5}}", "text_config.hidden_size");
  expect_bad(t, "{\"text_config\":{\"num_hidden_layers\":1e12}}", "text_config.num_hidden_layers");
  expect_bad(t, "{\"text_config\":{\"hidden_size\":3000}}", "not divisible by num_attention_heads");
  expect_bad(t, "{\"text_config\":{\"num_key_value_heads\":5}}", "num_key_value_heads 5 must divide");
  expect_bad(t, "{\"text_config\":{\"rope_scaling\":{\"type\":\"longrope\"}}}", "rope_scaling");
  expect_bad(t, "{\"text_config\":{\"rope_parameters\":{\"rope_type\":\"yarn\"}}}", "rope_type");
  expect_bad(t, "{\"text_config\":{\"tie_word_embeddings\":true}}", "tie_word_embeddings");
  expect_bad(t, "{\"text_config\":{\"hidden_act\":\"gelu\"}}", "hidden_act: only \"silu\"");
  expect_bad(t, "{\"text_config\":{\"rms_norm_eps\":0}}", "rms_norm_eps: expected a positive number");
  expect_bad(t, "{\"text_config\":{\"vocab_size\":1000}}", "vocab_size 1000 is smaller than initial_tokenizer_len");
  expect_bad(t, "{\"text_config\":{\"hidden_size\":3072,\"num_attention_heads\":1024}}", "head dim 3 is odd");
  expect_bad(t, "{\"vision_tokenizer_config\":{\"vis_feature_dim\":64}}", "vis_feature_dim 64 differs");
  expect_bad(t, "{\"vision_tokenizer_config\":{\"lang_embedding_dim\":64}}", "lang_embedding_dim 64 differs");
  expect_bad(t, "{\"vision_encoder_config\":{\"vision_config\":{\"patch_size\":500}}}", "patch_size 500");
  expect_bad(t, "{\"vision_encoder_config\":{\"vision_config\":{\"hidden_act\":\"relu\"}}}", "gelu_pytorch_tanh");
  expect_bad(t, "{\"vision_encoder_config\":{\"vision_config\":{\"vision_use_head\":1}}}", "true or false");
  /* accepted variants */
  model_config c;
  char err[512] = "";
  const char *ok = "{\"text_config\":{\"num_key_value_heads\":null,\"rope_parameters\":{\"rope_theta\":250.0,"
                   "\"rope_type\":\"default\"}}}";
  TEST_CHECK(t, model_config_parse(&c, ok, strlen(ok), "cfg.json", err, sizeof err) == 0, "null kv heads: %s", err);
  TEST_CHECK(t, c.lm.n_kv_heads == 32 && c.lm.rope_theta == 250.0, "kv heads %d, rope %g", c.lm.n_kv_heads,
             c.lm.rope_theta);
  TEST_CHECK(t, c.lm.sliding_window == 0, "text_config without sliding_window -> none (Phi3Config default)");
  const char *none = "{}";
  TEST_CHECK(t, model_config_parse(&c, none, 2, "cfg.json", err, sizeof err) == 0 && c.lm.sliding_window == 2047,
             "empty config -> defaults: %s", err);
}

int main(void) {
  test_ctx t = test_begin("model_config");
  test_real_config(&t);
  test_real_layout(&t);
  test_roundtrip(&t);
  test_bad(&t);
  return test_report(&t);
}
