/* mkmodel.c - fewshot-mkmodel: writes a random-weight xGen-MM checkpoint in the exact Hugging Face
 * layout of Salesforce/xgen-mm-phi3-mini-base-r-v1.5 (same tensor names, same config.json fields),
 * with sizes chosen by flags, plus the real tokenizer files. Tiny models make the whole pipeline
 * testable on a CPU; a reference script can load them with transformers (config.json carries every
 * size under its Hugging Face name).
 *
 *   build/fewshot-mkmodel OUT_DIR [--preset tiny|full] [size flags] [--seed N] [--dtype bf16|f32]
 *                         [--shards N | --shard-map INDEX.json] [--lm-head-scale S] [--sparse] ...
 *   build/fewshot-mkmodel --help
 *
 * The values (one random stream per tensor, scales that keep activations of order one) come from
 * model/synthmodel.h, which `fewshot bench` shares to build the same checkpoints in memory;
 * docs/tiny-models.md describes them. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "model_config.h"
#include "safetensors.h"
#include "safetensors_write.h"
#include "synthmodel.h"

#ifndef FEWSHOT_SOURCE_DIR
#define FEWSHOT_SOURCE_DIR "."
#endif

static const char usage[] =
    "usage: fewshot-mkmodel OUT_DIR [options]\n"
    "Writes a random-weight xGen-MM checkpoint (real tensor names, config.json with Hugging Face\n"
    "field names, the real 32064+3-row vocabulary) and the real tokenizer files into OUT_DIR.\n"
    "\n"
    "  --preset tiny|full       starting sizes (default tiny: below); flags then override\n"
    "  vision tower:  --vision-width N (32) --vision-layers N (2) --vision-heads N (4)\n"
    "                 --vision-mlp N (64) --patch-size N (14) --image-size N (384) --no-vision-head\n"
    "  resampler:     --resampler-depth N (2) --resampler-heads N (2) --resampler-head-dim N (16)\n"
    "                 --latents N (128) --resampler-ff-mult N (4)\n"
    "  language model: --lm-width N (32) --lm-layers N (2) --lm-heads N (4) --lm-kv-heads N (= heads)\n"
    "                 --lm-mlp N (64) --rope-theta X (10000) --sliding-window N (2047; 0 = none)\n"
    "  --seed N                 random seed (default 1)\n"
    "  --dtype bf16|f32         storage dtype (default bf16)\n"
    "  --lm-head-scale S        lm_head / additional_fc weights N(0, S^2/width) (default 1); e.g. 8\n"
    "                           gives peaked next-token distributions (no near-ties in greedy/beam goldens)\n"
    "  --shards N               split into N shards + model.safetensors.index.json (default 1: model.safetensors)\n"
    "  --shard-map INDEX.json   put each tensor in the shard an existing index names (e.g. the real one)\n"
    "  --sparse                 write headers only; tensor bytes are holes reading as zeros (layout tests)\n"
    "  --tokenizer-dir DIR      where the tokenizer files come from (default tests/fixtures/xgenmm)\n"
    "  --tokenizer-link PREFIX  symlink OUT_DIR/<file> -> PREFIX/<file> instead of copying\n"
    "  --no-tokenizer           write no tokenizer files\n"
    "\n"
    "The full-size preset (--preset full) is the real architecture (17.4 GB in f32); use --sparse.\n";

/* ---- small file helpers ---- */

static int copy_file(const char *from, const char *to, char *err, size_t es) {
  FILE *in = fopen(from, "rb");
  if (!in) {
    snprintf(err, es, "%.400s: cannot open: %s", from, strerror(errno));
    return -1;
  }
  FILE *out = fopen(to, "wb");
  if (!out) {
    snprintf(err, es, "%.400s: cannot create: %s", to, strerror(errno));
    fclose(in);
    return -1;
  }
  char buf[65536];
  size_t n;
  int rc = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) rc = -1;
  if (ferror(in)) rc = -1;
  fclose(in);
  if (fclose(out) != 0) rc = -1;
  if (rc) snprintf(err, es, "%.400s: write error", to);
  return rc;
}

static int write_text(const char *path, const char *text, char *err, size_t es) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    snprintf(err, es, "%.400s: cannot create: %s", path, strerror(errno));
    return -1;
  }
  size_t n = strlen(text);
  int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
  if (fclose(f) != 0) rc = -1;
  if (rc) snprintf(err, es, "%.400s: write error", path);
  return rc;
}

static int parse_int(const char *flag, const char *v, long lo, long hi, int *out) {
  char *end = NULL;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi) {
    fprintf(stderr, "fewshot-mkmodel: %s: expected an integer in [%ld, %ld], got '%s'\n", flag, lo, hi, v);
    return -1;
  }
  *out = (int)x;
  return 0;
}

static int parse_double(const char *flag, const char *v, double *out) {
  char *end = NULL;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !(x > 0) || !isfinite(x)) {
    fprintf(stderr, "fewshot-mkmodel: %s: expected a positive number, got '%s'\n", flag, v);
    return -1;
  }
  *out = x;
  return 0;
}

static void preset_tiny(model_config *c) {
  model_config_default(c);
  c->vision.hidden_size = 32;
  c->vision.intermediate_size = 64;
  c->vision.n_layers = 2;
  c->vision.n_heads = 4;
  c->resampler.depth = 2;
  c->resampler.n_heads = 2;
  c->resampler.head_dim = 16;
  c->resampler.ff_mult = 4;
  c->lm.hidden_size = 32;
  c->lm.intermediate_size = 64;
  c->lm.n_layers = 2;
  c->lm.n_heads = 4;
  c->lm.n_kv_heads = 4;
}

/* Shard of each tensor read from an index's weight_map (by name). Returns 0 or -1 with err. */
static int shards_from_index(const char *path, const model_tensor_list *l, int *shard_of, char ***names,
                             int *n_shards, char *err, size_t es) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, es, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  static const size_t cap = 16u << 20;
  char *buf = malloc(cap + 1);
  size_t n = buf ? fread(buf, 1, cap, f) : 0;
  fclose(f);
  if (!buf) {
    snprintf(err, es, "out of memory");
    return -1;
  }
  buf[n] = '\0';
  cJSON *root = cJSON_Parse(buf);
  free(buf);
  const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
  if (!cJSON_IsObject(wm)) {
    snprintf(err, es, "%s: no weight_map object", path);
    cJSON_Delete(root);
    return -1;
  }
  *names = NULL;
  *n_shards = 0;
  int rc = 0;
  for (int i = 0; i < l->n && rc == 0; i++) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(wm, l->items[i].name);
    if (!cJSON_IsString(e)) {
      snprintf(err, es, "%s: weight_map has no shard for '%s'", path, l->items[i].name);
      rc = -1;
      break;
    }
    int k = 0;
    while (k < *n_shards && strcmp((*names)[k], e->valuestring) != 0) k++;
    if (k == *n_shards) {
      char **nn = realloc(*names, (size_t)(k + 1) * sizeof *nn);
      if (!nn || !(nn[k] = strdup(e->valuestring))) {
        if (nn) *names = nn;
        snprintf(err, es, "out of memory");
        rc = -1;
        break;
      }
      *names = nn;
      (*n_shards)++;
    }
    shard_of[i] = k;
  }
  if (rc == 0 && cJSON_GetArraySize(wm) != l->n) {
    snprintf(err, es, "%s: weight_map has %d names, the configured layout %d", path, cJSON_GetArraySize(wm), l->n);
    rc = -1;
  }
  cJSON_Delete(root);
  return rc;
}

int main(int argc, char **argv) {
  model_config c;
  preset_tiny(&c);
  const char *out_dir = NULL, *dtype_name = "bf16", *shard_map = NULL;
  const char *tok_dir = FEWSHOT_SOURCE_DIR "/tests/fixtures/xgenmm", *tok_link = NULL;
  int seed = 1, n_shards_req = 1, sparse = 0, no_tok = 0, kv_set = 0;
  double head_scale = 1.0;
  char err[512] = "";
  /* presets first, so size flags override them wherever they appear */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) {
      if (strcmp(argv[i + 1], "full") == 0) model_config_default(&c);
      else if (strcmp(argv[i + 1], "tiny") == 0) preset_tiny(&c);
      else {
        fprintf(stderr, "fewshot-mkmodel: --preset: expected tiny or full, got '%s'\n", argv[i + 1]);
        return 2;
      }
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    struct { const char *flag; int *dst; long lo, hi; } ints[] = {
        {"--vision-width", &c.vision.hidden_size, 1, 1 << 16},
        {"--vision-layers", &c.vision.n_layers, 1, 1024},
        {"--vision-heads", &c.vision.n_heads, 1, 1024},
        {"--vision-mlp", &c.vision.intermediate_size, 1, 1 << 16},
        {"--patch-size", &c.vision.patch_size, 1, 4096},
        {"--image-size", &c.vision.image_size, 1, 8192},
        {"--resampler-depth", &c.resampler.depth, 1, 1024},
        {"--resampler-heads", &c.resampler.n_heads, 1, 1024},
        {"--resampler-head-dim", &c.resampler.head_dim, 1, 4096},
        {"--latents", &c.resampler.n_latents, 1, 1 << 16},
        {"--resampler-ff-mult", &c.resampler.ff_mult, 1, 64},
        {"--lm-width", &c.lm.hidden_size, 1, 1 << 16},
        {"--lm-layers", &c.lm.n_layers, 1, 1024},
        {"--lm-heads", &c.lm.n_heads, 1, 1024},
        {"--lm-kv-heads", &c.lm.n_kv_heads, 1, 1024},
        {"--lm-mlp", &c.lm.intermediate_size, 1, 1 << 18},
        {"--sliding-window", &c.lm.sliding_window, 0, 1 << 24},
        {"--seed", &seed, 0, 2147483647},
        {"--shards", &n_shards_req, 1, 9999},
    };
    int matched = 0;
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
      if (strcmp(a, ints[k].flag) == 0) {
        if (!v) {
          fprintf(stderr, "fewshot-mkmodel: %s needs a value\n", a);
          return 2;
        }
        if (parse_int(a, v, ints[k].lo, ints[k].hi, ints[k].dst) != 0) return 2;
        if (ints[k].dst == &c.lm.n_kv_heads) kv_set = 1;
        matched = 1;
        i++;
        break;
      }
    }
    if (matched) continue;
    if (strcmp(a, "--preset") == 0 && v) i++;
    else if (strcmp(a, "--dtype") == 0 && v) dtype_name = argv[++i];
    else if (strcmp(a, "--lm-head-scale") == 0 && v) {
      if (parse_double(a, argv[++i], &head_scale)) return 2;
    } else if (strcmp(a, "--rope-theta") == 0 && v) {
      if (parse_double(a, argv[++i], &c.lm.rope_theta)) return 2;
    } else if (strcmp(a, "--shard-map") == 0 && v) shard_map = argv[++i];
    else if (strcmp(a, "--tokenizer-dir") == 0 && v) tok_dir = argv[++i];
    else if (strcmp(a, "--tokenizer-link") == 0 && v) tok_link = argv[++i];
    else if (strcmp(a, "--no-tokenizer") == 0) no_tok = 1;
    else if (strcmp(a, "--no-vision-head") == 0) c.vision.use_head = 0;
    else if (strcmp(a, "--sparse") == 0) sparse = 1;
    else if (a[0] == '-') {
      fprintf(stderr, "fewshot-mkmodel: unknown or incomplete option '%s'\n%s", a, usage);
      return 2;
    } else if (!out_dir) out_dir = a;
    else {
      fprintf(stderr, "fewshot-mkmodel: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  if (!out_dir) {
    fprintf(stderr, "fewshot-mkmodel: missing OUT_DIR\n%s", usage);
    return 2;
  }
  safetensors_dtype dtype;
  if (strcmp(dtype_name, "bf16") == 0) dtype = SAFETENSORS_BF16;
  else if (strcmp(dtype_name, "f32") == 0) dtype = SAFETENSORS_F32;
  else {
    fprintf(stderr, "fewshot-mkmodel: --dtype: expected bf16 or f32, got '%s'\n", dtype_name);
    return 2;
  }
  /* the resampler is tied to both widths; kv heads follow heads unless given */
  c.resampler.dim = c.vision.hidden_size;
  c.resampler.out_dim = c.lm.hidden_size;
  if (!kv_set) c.lm.n_kv_heads = c.lm.n_heads;
  /* derive and validate through the JSON we are about to write: the model is exactly what a reader sees */
  const char *torch_dtype = dtype == SAFETENSORS_BF16 ? "bfloat16" : "float32";
  char *json = model_config_to_json(&c, torch_dtype, err, sizeof err);
  if (!json || model_config_parse(&c, json, strlen(json), "config.json", err, sizeof err) != 0) {
    fprintf(stderr, "fewshot-mkmodel: %s\n", err);
    free(json);
    return 2;
  }
  model_tensor_list l;
  if (model_tensor_list_build(&l, &c, err, sizeof err) != 0) {
    fprintf(stderr, "fewshot-mkmodel: %s\n", err);
    free(json);
    return 2;
  }
  if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "fewshot-mkmodel: %s: cannot create: %s\n", out_dir, strerror(errno));
    return 3;
  }
  int rc = 3;
  char path[4096];
  int *shard_of = calloc((size_t)l.n, sizeof *shard_of);
  char **shard_names = NULL;
  int n_shards = 1;
  float *buf = NULL;
  if (!shard_of) goto done;
  /* which shard each tensor goes to */
  if (shard_map) {
    if (shards_from_index(shard_map, &l, shard_of, &shard_names, &n_shards, err, sizeof err) != 0) {
      fprintf(stderr, "fewshot-mkmodel: %s\n", err);
      rc = 2;
      goto done;
    }
  } else {
    n_shards = n_shards_req;
    if (n_shards > l.n) {
      fprintf(stderr, "fewshot-mkmodel: --shards %d exceeds the %d tensors\n", n_shards, l.n);
      rc = 2;
      goto done;
    }
    shard_names = calloc((size_t)n_shards, sizeof *shard_names);
    if (!shard_names) goto done;
    for (int k = 0; k < n_shards; k++) {
      char name[64];
      if (n_shards == 1) snprintf(name, sizeof name, "model.safetensors");
      else snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, n_shards);
      if (!(shard_names[k] = strdup(name))) goto done;
    }
    /* consecutive runs of the layout by bytes, like HF's max_shard_size split (layers may straddle shards);
     * every shard gets at least one tensor */
    double total = 0;
    for (int i = 0; i < l.n; i++) total += (double)l.items[i].n_elements;
    double acc = 0;
    int k = 0, in_k = 0;
    for (int i = 0; i < l.n; i++) {
      if (k < n_shards - 1 && in_k > 0 && (acc >= total * (k + 1) / n_shards || l.n - i <= n_shards - 1 - k)) {
        k++;
        in_k = 0;
      }
      shard_of[i] = k;
      in_k++;
      acc += (double)l.items[i].n_elements;
    }
  }
  /* write each shard: its tensors in layout order */
  char meta_val[1024];
  snprintf(meta_val, sizeof meta_val, "seed=%d dtype=%s lm_head_scale=%g%s", seed, dtype_name, head_scale,
           sparse ? " sparse" : "");
  const char *meta[] = {"format", "pt", "fewshot_mkmodel", meta_val, NULL};
  uint64_t total_bytes = 0;
  size_t max_el = 0;
  for (int i = 0; i < l.n; i++)
    if ((size_t)l.items[i].n_elements > max_el) max_el = (size_t)l.items[i].n_elements;
  /* one file with data: built in memory with every core (model/synthmodel.c: the same bytes), then written */
  const int in_memory = !sparse && n_shards == 1 && !shard_map;
  if (in_memory) {
    synthmodel_options so = {.seed = (uint64_t)seed, .head_scale = head_scale, .dtype = dtype, .n_threads = 0};
    synthmodel *sm = synthmodel_build(&c, &so, err, sizeof err);
    size_t n_img = 0;
    const void *img = sm ? synthmodel_bytes(sm, &n_img) : NULL;
    snprintf(path, sizeof path, "%s/%s", out_dir, shard_names[0]);
    FILE *f = sm ? fopen(path, "wb") : NULL;
    int ok = f && fwrite(img, 1, n_img, f) == n_img;
    if (f && fclose(f) != 0) ok = 0;
    synthmodel_free(sm);
    if (!ok) {
      if (sm) snprintf(err, sizeof err, "%.400s: cannot write: %s", path, strerror(errno));
      fprintf(stderr, "fewshot-mkmodel: %s\n", err);
      goto done;
    }
    for (int i = 0; i < l.n; i++) total_bytes += (uint64_t)l.items[i].n_elements * safetensors_dtype_size(dtype);
  }
  if (!in_memory && !sparse && !(buf = malloc((max_el ? max_el : 1) * sizeof *buf))) {
    fprintf(stderr, "fewshot-mkmodel: out of memory for a %zu-element tensor\n", max_el);
    goto done;
  }
  for (int k = 0; k < n_shards && !in_memory; k++) {
    int n_in = 0;
    for (int i = 0; i < l.n; i++) n_in += shard_of[i] == k;
    safetensors_write_spec *specs = calloc((size_t)(n_in ? n_in : 1), sizeof *specs);
    int *idx = calloc((size_t)(n_in ? n_in : 1), sizeof *idx);
    if (!specs || !idx) {
      free(specs);
      free(idx);
      goto done;
    }
    int j = 0;
    for (int i = 0; i < l.n; i++) {
      if (shard_of[i] != k) continue;
      specs[j].name = l.items[i].name;
      specs[j].dtype = dtype;
      specs[j].n_dims = l.items[i].n_dims;
      for (int d = 0; d < l.items[i].n_dims; d++) specs[j].shape[d] = l.items[i].shape[d];
      idx[j++] = i;
      total_bytes += (uint64_t)l.items[i].n_elements * safetensors_dtype_size(dtype);
    }
    snprintf(path, sizeof path, "%s/%s", out_dir, shard_names[k]);
    safetensors_writer *w = safetensors_writer_open(path, n_in, specs, meta, err, sizeof err);
    int ok = w != NULL;
    for (j = 0; ok && j < n_in; j++) {
      const model_tensor_spec *s = &l.items[idx[j]];
      if (sparse) {
        ok = safetensors_writer_skip(w, err, sizeof err) == 0;
        continue;
      }
      synthmodel_stream g;
      synthmodel_stream_init(&g, &c, s, (uint64_t)seed, head_scale);
      synthmodel_stream_fill(&g, buf, (size_t)s->n_elements);
      ok = safetensors_writer_put(w, buf, (uint64_t)s->n_elements, err, sizeof err) == 0;
    }
    if (w && safetensors_writer_close(w, ok ? err : NULL, sizeof err) != 0) ok = 0;
    free(specs);
    free(idx);
    if (!ok) {
      fprintf(stderr, "fewshot-mkmodel: %s\n", err);
      goto done;
    }
  }
  /* index */
  if (n_shards > 1 || shard_map) {
    cJSON *root = cJSON_CreateObject(), *md = cJSON_CreateObject(), *wm = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "metadata", md);
    cJSON_AddNumberToObject(md, "total_size", (double)total_bytes);
    cJSON_AddItemToObject(root, "weight_map", wm);
    /* names sorted, as transformers writes them */
    int *order = malloc((size_t)l.n * sizeof *order);
    for (int i = 0; order && i < l.n; i++) order[i] = i;
    for (int i = 1; order && i < l.n; i++) { /* insertion sort: l.n is ~700 */
      int x = order[i], p = i - 1;
      while (p >= 0 && strcmp(l.items[order[p]].name, l.items[x].name) > 0) {
        order[p + 1] = order[p];
        p--;
      }
      order[p + 1] = x;
    }
    for (int i = 0; order && i < l.n; i++)
      cJSON_AddStringToObject(wm, l.items[order[i]].name, shard_names[shard_of[order[i]]]);
    free(order);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", out_dir);
    if (!text || write_text(path, text, err, sizeof err) != 0) {
      fprintf(stderr, "fewshot-mkmodel: %s\n", text ? err : "out of memory");
      free(text);
      goto done;
    }
    free(text);
  }
  /* config.json, generation_config.json, preprocessor_config.json */
  snprintf(path, sizeof path, "%s/config.json", out_dir);
  if (write_text(path, json, err, sizeof err) != 0) {
    fprintf(stderr, "fewshot-mkmodel: %s\n", err);
    goto done;
  }
  char text[1024];
  snprintf(text, sizeof text,
           "{\n  \"_from_model_config\": true,\n  \"bos_token_id\": %d,\n  \"eos_token_id\": %d,\n"
           "  \"pad_token_id\": %d,\n  \"transformers_version\": \"4.41.1\"\n}\n",
           c.lm.bos_token_id, c.lm.eos_token_id, c.lm.pad_token_id);
  snprintf(path, sizeof path, "%s/generation_config.json", out_dir);
  if (write_text(path, text, err, sizeof err) != 0) {
    fprintf(stderr, "fewshot-mkmodel: %s\n", err);
    goto done;
  }
  snprintf(text, sizeof text,
           "{\n  \"auto_map\": {\n    \"AutoImageProcessor\": \"image_processing_blip_3.Blip3ImageProcessor\"\n  },\n"
           "  \"do_resize\": true,\n  \"grids\": null,\n  \"image_mean\": [0.5, 0.5, 0.5],\n"
           "  \"image_processor_type\": \"Blip3ImageProcessor\",\n  \"image_std\": [0.5, 0.5, 0.5],\n"
           "  \"interpolation_mode\": \"bicubic\",\n  \"resize_mode\": \"squash\",\n  \"size\": [%d, %d]\n}\n",
           c.vision.image_size, c.vision.image_size);
  snprintf(path, sizeof path, "%s/preprocessor_config.json", out_dir);
  if (write_text(path, text, err, sizeof err) != 0) {
    fprintf(stderr, "fewshot-mkmodel: %s\n", err);
    goto done;
  }
  if (!no_tok) {
    static const char *const files[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "added_tokens.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
      char from[4096];
      snprintf(path, sizeof path, "%s/%s", out_dir, files[f]);
      unlink(path);
      if (tok_link) {
        snprintf(from, sizeof from, "%s/%s", tok_link, files[f]);
        if (symlink(from, path) != 0) {
          fprintf(stderr, "fewshot-mkmodel: %s: cannot link to %s: %s\n", path, from, strerror(errno));
          goto done;
        }
      } else {
        snprintf(from, sizeof from, "%s/%s", tok_dir, files[f]);
        if (copy_file(from, path, err, sizeof err) != 0) {
          fprintf(stderr, "fewshot-mkmodel: %s\n", err);
          goto done;
        }
      }
    }
  }
  fprintf(stderr, "fewshot-mkmodel: wrote %s: %d tensors in %d file%s, %llu bytes of %s weights%s\n", out_dir, l.n,
          n_shards, n_shards == 1 ? "" : "s", (unsigned long long)total_bytes, dtype_name,
          sparse ? " (sparse)" : "");
  rc = 0;
done:
  if (rc == 3 && !err[0]) fprintf(stderr, "fewshot-mkmodel: out of memory\n");
  for (int k = 0; shard_names && k < n_shards; k++) free(shard_names[k]);
  free(shard_names);
  free(shard_of);
  free(buf);
  free(json);
  model_tensor_list_free(&l);
  return rc;
}
