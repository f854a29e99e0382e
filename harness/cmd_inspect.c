/* cmd_inspect.c - `fewshot inspect MODEL_DIR [--json]`: summarises a checkpoint (config, files,
 * tensor count, dtypes, parameters per part) and validates it against the xGen-MM v1.5 layout its
 * config.json implies (model.md §3.3): lists missing, unexpected and mis-shaped tensors.
 *
 * Exit codes: 0 the layout matches, 1 it does not (the lists say why), 2 the config or a weight
 * file cannot be read or is malformed. The --json output is documented in README.md. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "model_config.h"
#include "safetensors.h"

static const char usage[] =
    "usage: fewshot inspect MODEL_DIR [--json]\n"
    "Summarises a checkpoint and validates it against the xGen-MM v1.5 architecture.\n"
    "\n"
    "MODEL_DIR holds config.json and model.safetensors or model.safetensors.index.json + shards.\n"
    "Prints the resolved config, the files, the tensor count, dtypes and parameters per part\n"
    "(vision tower, resampler, language model), then every missing, unexpected or mis-shaped\n"
    "tensor compared with the layout config.json implies.\n"
    "\n"
    "  --json   one JSON object on stdout instead of text (fields: README.md, `inspect`)\n"
    "\n"
    "exit: 0 layout ok, 1 layout mismatch, 2 unreadable or malformed config/weights\n";

typedef struct {
  const char *name;
  int n_dims;
  const int64_t *want;  /* expected shape, or NULL */
  const int64_t *got;   /* actual shape, or NULL */
  const char *dtype;    /* actual dtype, or NULL */
} finding;

static cJSON *shape_json(int n_dims, const int64_t *shape) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; a && i < n_dims; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)shape[i]));
  return a;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* The report, computed once and then printed as text or JSON. */
typedef struct {
  const model_config *cfg;
  const model_tensor_list *expected;
  const safetensors_model *m;
  int64_t params[4];        /* vision, resampler, LM, other */
  int n_dtype[3];           /* F32, BF16, F16 */
  uint64_t tensor_bytes;
  int n_missing, n_unexpected, n_misshaped;
  int *missing;             /* indices into expected */
  int *unexpected;          /* indices into the model's tensors */
  int *misshaped;           /* indices into expected (the tensor is found by name) */
} report;

static int spec_cmp(const void *a, const void *b) {
  return strcmp((*(const model_tensor_spec *const *)a)->name, (*(const model_tensor_spec *const *)b)->name);
}

static int build_report(report *r) {
  const model_tensor_list *ex = r->expected;
  const safetensors_model *m = r->m;
  int n = safetensors_n_tensors(m);
  r->missing = calloc((size_t)ex->n + 1, sizeof *r->missing);
  r->misshaped = calloc((size_t)ex->n + 1, sizeof *r->misshaped);
  r->unexpected = calloc((size_t)n + 1, sizeof *r->unexpected);
  const model_tensor_spec **sorted = malloc(((size_t)ex->n + 1) * sizeof *sorted);
  if (!r->missing || !r->misshaped || !r->unexpected || !sorted) {
    free(sorted);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const safetensors_tensor *t = safetensors_tensor_at(m, i);
    int part = model_part_of_name(t->name);
    r->params[part < 0 ? 3 : part] += (int64_t)t->n_elements;
    if (t->dtype >= 0 && t->dtype < 3) r->n_dtype[t->dtype]++;
    r->tensor_bytes += t->n_bytes;
  }
  for (int i = 0; i < ex->n; i++) {
    const model_tensor_spec *s = &ex->items[i];
    sorted[i] = s;
    const safetensors_tensor *t = safetensors_find(m, s->name);
    if (!t) {
      r->missing[r->n_missing++] = i;
      continue;
    }
    int same = t->n_dims == s->n_dims;
    for (int d = 0; same && d < s->n_dims; d++) same = t->shape[d] == s->shape[d];
    if (!same) r->misshaped[r->n_misshaped++] = i;
  }
  qsort(sorted, (size_t)ex->n, sizeof *sorted, spec_cmp);
  for (int i = 0; i < n; i++) {
    const safetensors_tensor *t = safetensors_tensor_at(m, i);
    model_tensor_spec key;
    memset(&key, 0, sizeof key);
    snprintf(key.name, sizeof key.name, "%s", t->name);
    const model_tensor_spec *kp = &key;
    int known = strlen(t->name) < sizeof key.name &&
                bsearch(&kp, sorted, (size_t)ex->n, sizeof *sorted, spec_cmp) != NULL;
    if (!known) r->unexpected[r->n_unexpected++] = i;
  }
  free(sorted);
  return 0;
}

static void report_free(report *r) {
  free(r->missing);
  free(r->unexpected);
  free(r->misshaped);
}

static void print_text(const report *r, const char *dir) {
  const model_config *c = r->cfg;
  const safetensors_model *m = r->m;
  char s1[160], s2[160];
  printf("model       %s\n", dir);
  printf("vision      %d layers x %d wide, %d heads x %d, MLP %d, image %d / patch %d = %d tokens, eps %g%s\n",
         c->vision.n_layers, c->vision.hidden_size, c->vision.n_heads, c->vision.head_dim,
         c->vision.intermediate_size, c->vision.image_size, c->vision.patch_size, c->vision.n_patches,
         c->vision.layer_norm_eps, c->vision.use_head ? ", MAP head (unused)" : "");
  printf("resampler   %d layers x %d wide, %d latents, %d heads x %d, FF x%d, projection %d -> %d\n",
         c->resampler.depth, c->resampler.dim, c->resampler.n_latents, c->resampler.n_heads, c->resampler.head_dim,
         c->resampler.ff_mult, c->resampler.dim, c->resampler.out_dim);
  printf("LM          %d layers x %d wide, %d heads (%d kv) x %d, MLP %d, vocab %d rows (%d used) + %d, "
         "rope %g, window %d, eps %g\n",
         c->lm.n_layers, c->lm.hidden_size, c->lm.n_heads, c->lm.n_kv_heads, c->lm.head_dim,
         c->lm.intermediate_size, c->lm.vocab_size, c->lm.initial_tokenizer_len, c->lm.n_additional_tokens,
         c->lm.rope_theta, c->lm.sliding_window, c->lm.rms_norm_eps);
  int nf = safetensors_n_files(m);
  printf("files       %d:", nf);
  for (int i = 0; i < nf; i++) {
    int cnt = 0;
    for (int k = 0; k < safetensors_n_tensors(m); k++) cnt += safetensors_tensor_at(m, k)->file_index == i;
    printf("%s %s (%d tensors, %llu bytes)", i ? "," : "", base_name(safetensors_file_path(m, i)), cnt,
           (unsigned long long)safetensors_file_size(m, i));
  }
  printf("\n");
  printf("tensors     %d (", safetensors_n_tensors(m));
  const char *dn[3] = {"F32", "BF16", "F16"};
  int first = 1;
  for (int d = 0; d < 3; d++) {
    if (!r->n_dtype[d]) continue;
    printf("%s%s %d", first ? "" : ", ", dn[d], r->n_dtype[d]);
    first = 0;
  }
  printf("), %llu bytes of tensor data", (unsigned long long)r->tensor_bytes);
  int64_t ts = safetensors_index_total_size(m);
  if (ts >= 0) printf(", index total_size %lld%s", (long long)ts, (uint64_t)ts == r->tensor_bytes ? "" : " (differs!)");
  printf("\n");
  printf("parameters  vision tower %lld, resampler %lld, language model %lld", (long long)r->params[0],
         (long long)r->params[1], (long long)r->params[2]);
  if (r->params[3]) printf(", other %lld", (long long)r->params[3]);
  printf(", total %lld\n", (long long)(r->params[0] + r->params[1] + r->params[2] + r->params[3]));
  for (int i = 0; i < r->n_missing; i++) {
    const model_tensor_spec *s = &r->expected->items[r->missing[i]];
    printf("missing     %s %s\n", s->name, safetensors_format_shape(s1, sizeof s1, s->n_dims, s->shape));
  }
  for (int i = 0; i < r->n_unexpected; i++) {
    const safetensors_tensor *t = safetensors_tensor_at(m, r->unexpected[i]);
    printf("unexpected  %s %s %s\n", t->name, safetensors_format_shape(s1, sizeof s1, t->n_dims, t->shape),
           safetensors_dtype_name(t->dtype));
  }
  for (int i = 0; i < r->n_misshaped; i++) {
    const model_tensor_spec *s = &r->expected->items[r->misshaped[i]];
    const safetensors_tensor *t = safetensors_find(m, s->name);
    printf("mis-shaped  %s: expected %s, got %s\n", s->name, safetensors_format_shape(s1, sizeof s1, s->n_dims, s->shape),
           safetensors_format_shape(s2, sizeof s2, t->n_dims, t->shape));
  }
  if (r->n_missing + r->n_unexpected + r->n_misshaped == 0)
    printf("layout      ok: the %d expected tensors, all with the expected shapes\n", r->expected->n);
  else
    printf("layout      MISMATCH against %d expected tensors: %d missing, %d unexpected, %d mis-shaped\n",
           r->expected->n, r->n_missing, r->n_unexpected, r->n_misshaped);
}

static int print_json(const report *r, const char *dir) {
  const model_config *c = r->cfg;
  const safetensors_model *m = r->m;
  cJSON *o = cJSON_CreateObject();
  if (!o) return -1;
  cJSON_AddStringToObject(o, "model_dir", dir);
  cJSON *cfg = cJSON_AddObjectToObject(o, "config");
  cJSON *v = cJSON_AddObjectToObject(cfg, "vision");
  cJSON_AddNumberToObject(v, "hidden_size", c->vision.hidden_size);
  cJSON_AddNumberToObject(v, "intermediate_size", c->vision.intermediate_size);
  cJSON_AddNumberToObject(v, "num_hidden_layers", c->vision.n_layers);
  cJSON_AddNumberToObject(v, "num_attention_heads", c->vision.n_heads);
  cJSON_AddNumberToObject(v, "image_size", c->vision.image_size);
  cJSON_AddNumberToObject(v, "patch_size", c->vision.patch_size);
  cJSON_AddNumberToObject(v, "num_patches", c->vision.n_patches);
  cJSON_AddNumberToObject(v, "layer_norm_eps", c->vision.layer_norm_eps);
  cJSON *rs = cJSON_AddObjectToObject(cfg, "resampler");
  cJSON_AddNumberToObject(rs, "vis_feature_dim", c->resampler.dim);
  cJSON_AddNumberToObject(rs, "lang_embedding_dim", c->resampler.out_dim);
  cJSON_AddNumberToObject(rs, "num_vis_tokens", c->resampler.n_latents);
  cJSON_AddNumberToObject(rs, "depth", c->resampler.depth);
  cJSON_AddNumberToObject(rs, "heads", c->resampler.n_heads);
  cJSON_AddNumberToObject(rs, "dim_head", c->resampler.head_dim);
  cJSON_AddNumberToObject(rs, "ff_mult", c->resampler.ff_mult);
  cJSON *l = cJSON_AddObjectToObject(cfg, "language_model");
  cJSON_AddNumberToObject(l, "hidden_size", c->lm.hidden_size);
  cJSON_AddNumberToObject(l, "intermediate_size", c->lm.intermediate_size);
  cJSON_AddNumberToObject(l, "num_hidden_layers", c->lm.n_layers);
  cJSON_AddNumberToObject(l, "num_attention_heads", c->lm.n_heads);
  cJSON_AddNumberToObject(l, "num_key_value_heads", c->lm.n_kv_heads);
  cJSON_AddNumberToObject(l, "vocab_size", c->lm.vocab_size);
  cJSON_AddNumberToObject(l, "initial_tokenizer_len", c->lm.initial_tokenizer_len);
  cJSON_AddNumberToObject(l, "num_additional_tokens", c->lm.n_additional_tokens);
  cJSON_AddNumberToObject(l, "rope_theta", c->lm.rope_theta);
  cJSON_AddNumberToObject(l, "sliding_window", c->lm.sliding_window);
  cJSON_AddNumberToObject(l, "max_position_embeddings", c->lm.max_position_embeddings);
  cJSON_AddNumberToObject(l, "rms_norm_eps", c->lm.rms_norm_eps);
  cJSON *files = cJSON_AddArrayToObject(o, "files");
  for (int i = 0; i < safetensors_n_files(m); i++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddItemToArray(files, f);
    int cnt = 0;
    for (int k = 0; k < safetensors_n_tensors(m); k++) cnt += safetensors_tensor_at(m, k)->file_index == i;
    cJSON_AddStringToObject(f, "name", base_name(safetensors_file_path(m, i)));
    cJSON_AddNumberToObject(f, "bytes", (double)safetensors_file_size(m, i));
    cJSON_AddNumberToObject(f, "tensors", cnt);
  }
  cJSON_AddNumberToObject(o, "n_tensors", safetensors_n_tensors(m));
  cJSON *dt = cJSON_AddObjectToObject(o, "dtypes");
  const char *dn[3] = {"F32", "BF16", "F16"};
  for (int d = 0; d < 3; d++)
    if (r->n_dtype[d]) cJSON_AddNumberToObject(dt, dn[d], r->n_dtype[d]);
  cJSON *p = cJSON_AddObjectToObject(o, "parameters");
  cJSON_AddNumberToObject(p, "vision_tower", (double)r->params[0]);
  cJSON_AddNumberToObject(p, "resampler", (double)r->params[1]);
  cJSON_AddNumberToObject(p, "language_model", (double)r->params[2]);
  cJSON_AddNumberToObject(p, "other", (double)r->params[3]);
  cJSON_AddNumberToObject(p, "total", (double)(r->params[0] + r->params[1] + r->params[2] + r->params[3]));
  cJSON_AddNumberToObject(o, "tensor_bytes", (double)r->tensor_bytes);
  int64_t ts = safetensors_index_total_size(m);
  if (ts >= 0) cJSON_AddNumberToObject(o, "index_total_size", (double)ts);
  else cJSON_AddNullToObject(o, "index_total_size");
  cJSON_AddNumberToObject(o, "expected_tensors", r->expected->n);
  cJSON *mi = cJSON_AddArrayToObject(o, "missing");
  for (int i = 0; i < r->n_missing; i++) {
    const model_tensor_spec *s = &r->expected->items[r->missing[i]];
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(mi, e);
    cJSON_AddStringToObject(e, "name", s->name);
    cJSON_AddItemToObject(e, "shape", shape_json(s->n_dims, s->shape));
  }
  cJSON *un = cJSON_AddArrayToObject(o, "unexpected");
  for (int i = 0; i < r->n_unexpected; i++) {
    const safetensors_tensor *t = safetensors_tensor_at(m, r->unexpected[i]);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(un, e);
    cJSON_AddStringToObject(e, "name", t->name);
    cJSON_AddItemToObject(e, "shape", shape_json(t->n_dims, t->shape));
    cJSON_AddStringToObject(e, "dtype", safetensors_dtype_name(t->dtype));
  }
  cJSON *ms = cJSON_AddArrayToObject(o, "mis_shaped");
  for (int i = 0; i < r->n_misshaped; i++) {
    const model_tensor_spec *s = &r->expected->items[r->misshaped[i]];
    const safetensors_tensor *t = safetensors_find(m, s->name);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(ms, e);
    cJSON_AddStringToObject(e, "name", s->name);
    cJSON_AddItemToObject(e, "expected", shape_json(s->n_dims, s->shape));
    cJSON_AddItemToObject(e, "actual", shape_json(t->n_dims, t->shape));
  }
  cJSON_AddBoolToObject(o, "ok", r->n_missing + r->n_unexpected + r->n_misshaped == 0);
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text) return -1;
  puts(text);
  free(text);
  return 0;
}

int cmd_inspect(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *dir = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error("inspect", usage, "unknown option '%s'", argv[i]);
    else if (!dir) dir = argv[i];
    else return cli_usage_error("inspect", usage, "unexpected argument '%s'", argv[i]);
  }
  if (!dir) return cli_usage_error("inspect", usage, "missing MODEL_DIR");
  char err[512];
  model_config cfg;
  if (model_config_load(&cfg, dir, err, sizeof err) != 0) {
    cli_error("inspect", "%s", err);
    return FS_EXIT_USAGE;
  }
  model_tensor_list expected;
  if (model_tensor_list_build(&expected, &cfg, err, sizeof err) != 0) {
    cli_error("inspect", "%s", err);
    return FS_EXIT_USAGE;
  }
  safetensors_model *m = safetensors_open(dir, err, sizeof err);
  if (!m) {
    cli_error("inspect", "%s", err);
    model_tensor_list_free(&expected);
    return FS_EXIT_USAGE;
  }
  report r;
  memset(&r, 0, sizeof r);
  r.cfg = &cfg;
  r.expected = &expected;
  r.m = m;
  int rc;
  if (build_report(&r) != 0 || (json ? print_json(&r, dir) : (print_text(&r, dir), 0)) != 0) {
    cli_error("inspect", "out of memory");
    rc = FS_EXIT_RUNTIME;
  } else {
    rc = r.n_missing + r.n_unexpected + r.n_misshaped == 0 ? FS_EXIT_OK : FS_EXIT_CHECK;
  }
  if (fflush(stdout) != 0 && rc != FS_EXIT_RUNTIME) {
    cli_error("inspect", "cannot write the report to stdout");
    rc = FS_EXIT_RUNTIME;
  }
  report_free(&r);
  safetensors_close(m);
  model_tensor_list_free(&expected);
  return rc;
}
