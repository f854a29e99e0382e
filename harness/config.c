/* config.c - parse and validate the run config (config.h, docs/config.md). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rundir.h"

/* The card's column order, used when "tasks" is absent. */
static const dataset_task card_order[DATASET_N_TASKS] = {DATASET_VQAV2, DATASET_TEXTVQA, DATASET_OKVQA,
                                                         DATASET_COCO, DATASET_NOCAPS, DATASET_TEXTCAPS};

typedef struct {
  const char *file;
  char *err;
  size_t err_size;
} ctx;

static int fail(const ctx *c, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const ctx *c, const char *field, const char *fmt, ...) {
  if (!c->err || !c->err_size) return -1;
  int n = snprintf(c->err, c->err_size, "%s: %s%s", c->file, field ? field : "", field ? ": " : "");
  if (n < 0 || (size_t)n >= c->err_size) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

/* "<where>.<key>", or "<key>" at the top level (where == ""), truncated to n bytes. */
static void join_field(char *buf, size_t n, const char *where, const char *key) {
  size_t w = strlen(where), k = strlen(key);
  size_t pos = 0;
  if (w) {
    size_t c = w < n - 1 ? w : n - 1;
    memcpy(buf, where, c);
    pos = c;
    if (pos < n - 1) buf[pos++] = '.';
  }
  size_t c = k < n - 1 - pos ? k : n - 1 - pos;
  memcpy(buf + pos, key, c);
  buf[pos + c] = '\0';
}

/* Rejects keys of `obj` not in `known` (NULL-terminated); keys starting with '_' are comments. */
static int check_keys(const ctx *c, const cJSON *obj, const char *where, const char *const *known) {
  const cJSON *it;
  cJSON_ArrayForEach(it, obj) {
    if (it->string[0] == '_') continue;
    int ok = 0;
    for (const char *const *k = known; *k; k++) ok |= strcmp(*k, it->string) == 0;
    if (!ok) {
      char field[160];
      snprintf(field, sizeof field, "%s%s%s", where, *where ? "." : "", it->string);
      /* Suggest a key that shares a long prefix: most typos are a letter or a plural. */
      const char *best = NULL;
      size_t best_len = 0;
      for (const char *const *k = known; *k; k++) {
        size_t l = 0;
        while ((*k)[l] && (*k)[l] == it->string[l]) l++;
        if (l > best_len) {
          best_len = l;
          best = *k;
        }
      }
      if (best && best_len >= 4) return fail(c, field, "unknown key (did you mean '%s'?)", best);
      return fail(c, field, "unknown key");
    }
  }
  return 0;
}

static int get_object(const ctx *c, const cJSON *parent, const char *key, const char *field, const cJSON **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  *out = NULL;
  if (!v) return 0;
  if (!cJSON_IsObject(v)) return fail(c, field, "expected an object");
  *out = v;
  return 0;
}

/* An integer in [lo, hi]; *set = 1 when present. */
static int get_int(const ctx *c, const cJSON *parent, const char *key, const char *field, long long lo, long long hi,
                   long long *out, int *set) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  if (set) *set = 0;
  if (!v) return 0;
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 9007199254740992.0)
    return fail(c, field, "expected an integer");
  if (v->valuedouble < (double)lo || v->valuedouble > (double)hi)
    return fail(c, field, "%.0f is out of range [%lld, %lld]", v->valuedouble, lo, hi);
  *out = (long long)v->valuedouble;
  if (set) *set = 1;
  return 0;
}

static int get_bool(const ctx *c, const cJSON *parent, const char *key, const char *field, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  if (!v) return 0;
  if (!cJSON_IsBool(v)) return fail(c, field, "expected true or false");
  *out = cJSON_IsTrue(v);
  return 0;
}

static int get_string(const ctx *c, const cJSON *parent, const char *key, const char *field, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
  if (!v) return 0;
  if (!cJSON_IsString(v)) return fail(c, field, "expected a string");
  *out = v->valuestring;
  return 0;
}

/* A path: relative ones are joined to the config's folder. */
static int get_path(const ctx *c, config *cfg, const cJSON *parent, const char *key, const char *field, const char **out) {
  const char *s = NULL;
  if (get_string(c, parent, key, field, &s)) return -1;
  if (!s) return 0;
  if (!*s) return fail(c, field, "empty path");
  if (s[0] == '/' || !cfg->dir || strcmp(cfg->dir, ".") == 0) *out = arena_strdup(&cfg->mem, s);
  else *out = arena_printf(&cfg->mem, "%s/%s", cfg->dir, s);
  return *out ? 0 : fail(c, field, "out of memory");
}

static void default_decoding(config_task *t, config_protocol protocol) {
  config_decoding *d = &t->decoding;
  const int caption = dataset_task_kind(t->task) == DATASET_KIND_CAPTION;
  d->num_beams = caption ? 3 : protocol == CONFIG_PROTOCOL_OF_RSM ? 5 : 3;
  d->max_new_tokens = caption ? 20 : t->task == DATASET_TEXTVQA ? 10 : 5;
  d->min_new_tokens = 0;
  d->length_penalty = 0.0;
  d->stop_tokens[0] = 32000; /* <|endoftext|>, the LM's eos */
  d->stop_tokens[1] = 32014; /* <|endofchunk|>, OpenFlamingo's eos */
  d->n_stop_tokens = 2;
}

static int parse_decoding(const ctx *c, const cJSON *obj, const char *where, config_decoding *d) {
  static const char *const known[] = {"num_beams", "max_new_tokens", "min_new_tokens", "length_penalty", "stop_tokens", NULL};
  if (!obj) return 0;
  if (check_keys(c, obj, where, known)) return -1;
  char f[160];
  long long v;
  int set;
  join_field(f, sizeof f, where, "num_beams");
  if (get_int(c, obj, "num_beams", f, 1, 64, &v, &set)) return -1;
  if (set) d->num_beams = (int)v;
  join_field(f, sizeof f, where, "max_new_tokens");
  if (get_int(c, obj, "max_new_tokens", f, 1, 4096, &v, &set)) return -1;
  if (set) d->max_new_tokens = (int)v;
  join_field(f, sizeof f, where, "min_new_tokens");
  if (get_int(c, obj, "min_new_tokens", f, 0, 4096, &v, &set)) return -1;
  if (set) d->min_new_tokens = (int)v;
  const cJSON *lp = cJSON_GetObjectItemCaseSensitive(obj, "length_penalty");
  if (lp) {
    join_field(f, sizeof f, where, "length_penalty");
    if (!cJSON_IsNumber(lp) || !isfinite(lp->valuedouble)) return fail(c, f, "expected a number");
    d->length_penalty = lp->valuedouble;
  }
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(obj, "stop_tokens");
  if (st) {
    join_field(f, sizeof f, where, "stop_tokens");
    if (!cJSON_IsArray(st)) return fail(c, f, "expected an array of token ids");
    int n = cJSON_GetArraySize(st);
    if (n > CONFIG_MAX_STOP_TOKENS) return fail(c, f, "at most %d stop tokens", CONFIG_MAX_STOP_TOKENS);
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, st) {
      if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) || e->valuedouble < 0 || e->valuedouble > 2147483647.0)
        return fail(c, f, "element %d is not a token id", i);
      d->stop_tokens[i++] = (int)e->valuedouble;
    }
    d->n_stop_tokens = n;
  }
  return 0;
}

static int parse_prompt(const ctx *c, const cJSON *obj, const char *where, config *cfg, prompt_options *p) {
  static const char *const known[] = {"template", "zero_shot", "demo_separator", NULL};
  if (!obj) return 0;
  if (check_keys(c, obj, where, known)) return -1;
  char f[160];
  const char *s = NULL;
  join_field(f, sizeof f, where, "template");
  if (get_string(c, obj, "template", f, &s)) return -1;
  if (s && prompt_template_parse(s, &p->template_variant)) return fail(c, f, "'%s' is not one of of-main, of-rsm", s);
  s = NULL;
  join_field(f, sizeof f, where, "zero_shot");
  if (get_string(c, obj, "zero_shot", f, &s)) return -1;
  if (s && prompt_zero_shot_parse(s, &p->zero_shot)) return fail(c, f, "'%s' is not one of of-main, of-rsm, none", s);
  s = NULL;
  join_field(f, sizeof f, where, "demo_separator");
  if (get_string(c, obj, "demo_separator", f, &s)) return -1;
  if (s) {
    p->demo_separator = arena_strdup(&cfg->mem, s);
    if (!p->demo_separator) return fail(c, f, "out of memory");
  }
  return 0;
}

static int parse_postprocess(const ctx *c, const cJSON *obj, const char *where, config_task *t) {
  static const char *const known[] = {"vqa_cut", "okvqa_stem", NULL};
  if (!obj) return 0;
  if (check_keys(c, obj, where, known)) return -1;
  char f[160];
  const char *s = NULL;
  join_field(f, sizeof f, where, "vqa_cut");
  if (get_string(c, obj, "vqa_cut", f, &s)) return -1;
  if (s && postprocess_vqa_cut_parse(s, &t->vqa_cut)) return fail(c, f, "'%s' is not one of of-main, of-rsm", s);
  join_field(f, sizeof f, where, "okvqa_stem");
  return get_bool(c, obj, "okvqa_stem", f, &t->okvqa_stem);
}

/* The per-task options shared by the top level and datasets.<task>. */
static int parse_task_options(const ctx *c, const cJSON *obj, const char *where, config *cfg, config_task *t) {
  char f[160];
  long long v;
  int set;
  join_field(f, sizeof f, where, "num_samples");
  if (get_int(c, obj, "num_samples", f, -1, 1LL << 40, &v, &set)) return -1;
  if (set && v == 0) return fail(c, f, "0 samples: use -1 for the whole split");
  if (set) t->num_samples = (long)v;
  join_field(f, sizeof f, where, "query_set_size");
  if (get_int(c, obj, "query_set_size", f, 1, 1LL << 40, &v, &set)) return -1;
  if (set) t->query_set_size = (size_t)v;
  const cJSON *o;
  join_field(f, sizeof f, where, "prompt");
  if (get_object(c, obj, "prompt", f, &o) || parse_prompt(c, o, f, cfg, &t->prompt)) return -1;
  join_field(f, sizeof f, where, "decoding");
  if (get_object(c, obj, "decoding", f, &o) || parse_decoding(c, o, f, &t->decoding)) return -1;
  join_field(f, sizeof f, where, "postprocess");
  if (get_object(c, obj, "postprocess", f, &o) || parse_postprocess(c, o, f, t)) return -1;
  return 0;
}

/* The file keys of datasets.<task>, and where each goes in dataset_source. */
typedef struct {
  const char *key;
  size_t offset; /* offsetof(dataset_source, field) */
} file_key;

#define FK(k, field) {k, offsetof(dataset_source, field)}
static const file_key vqa_files[] = {FK("train_questions", train_questions), FK("train_annotations", train_annotations),
                                     FK("train_image_dir", train_image_dir), FK("test_questions", test_questions),
                                     FK("test_annotations", test_annotations), FK("test_image_dir", test_image_dir), {NULL, 0}};
static const file_key textvqa_files[] = {FK("train_questions", train_questions), FK("train_annotations", train_annotations),
                                         FK("test_questions", test_questions), FK("test_annotations", test_annotations),
                                         FK("train_json", train_json), FK("test_json", test_json),
                                         FK("image_dir", image_dir), {NULL, 0}};
static const file_key coco_files[] = {FK("karpathy_json", karpathy_json), FK("train_image_dir", coco_train_image_dir),
                                      FK("val_image_dir", coco_val_image_dir), FK("annotations_json", references_json), {NULL, 0}};
static const file_key nocaps_files[] = {FK("annotations_json", test_json), FK("image_dir", image_dir),
                                        FK("coco_karpathy_json", karpathy_json), FK("coco_train_image_dir", coco_train_image_dir),
                                        FK("coco_val_image_dir", coco_val_image_dir), {NULL, 0}};
static const file_key textcaps_files[] = {FK("train_json", train_json), FK("test_json", test_json), FK("image_dir", image_dir), {NULL, 0}};
#undef FK

static const file_key *files_of(dataset_task t) {
  switch (t) {
    case DATASET_VQAV2:
    case DATASET_OKVQA: return vqa_files;
    case DATASET_TEXTVQA: return textvqa_files;
    case DATASET_COCO: return coco_files;
    case DATASET_NOCAPS: return nocaps_files;
    default: return textcaps_files;
  }
}

static const char **source_field(dataset_source *s, size_t offset) { return (const char **)((char *)s + offset); }

static int parse_dataset(const ctx *c, const cJSON *obj, config *cfg, config_task *t) {
  const char *name = dataset_task_name(t->task);
  char where[64];
  snprintf(where, sizeof where, "datasets.%s", name);
  const char *known[24];
  int nk = 0;
  for (const file_key *k = files_of(t->task); k->key; k++) known[nk++] = k->key;
  const char *common[] = {"num_samples", "query_set_size", "prompt", "decoding", "postprocess"};
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) known[nk++] = common[i];
  if (t->task == DATASET_TEXTVQA) known[nk++] = "format";
  known[nk] = NULL;
  if (!cJSON_IsObject(obj)) return fail(c, where, "expected an object");
  if (check_keys(c, obj, where, known)) return -1;
  t->configured = 1;
  for (const file_key *k = files_of(t->task); k->key; k++) {
    char f[160];
    snprintf(f, sizeof f, "%s.%s", where, k->key);
    if (get_path(c, cfg, obj, k->key, f, source_field(&t->source, k->offset))) return -1;
  }
  if (t->task == DATASET_TEXTVQA) {
    const char *fmt = NULL;
    char f[160];
    join_field(f, sizeof f, where, "format");
    if (get_string(c, obj, "format", f, &fmt)) return -1;
    if (!fmt) fmt = t->source.train_json || t->source.test_json ? "official" : "vqa";
    if (strcmp(fmt, "vqa") == 0) t->source.textvqa_format = DATASET_TEXTVQA_VQA_FORMAT;
    else if (strcmp(fmt, "official") == 0) t->source.textvqa_format = DATASET_TEXTVQA_OFFICIAL;
    else return fail(c, f, "'%s' is not one of vqa, official", fmt);
  }
  return parse_task_options(c, obj, where, cfg, t);
}

/* The files a task needs, present? (Called for the tasks that run.) */
static int check_required(const ctx *c, const config_task *t) {
  const dataset_source *s = &t->source;
  const char *name = dataset_task_name(t->task);
  const char *missing = NULL;
  if (!t->configured) {
    char f[64];
    snprintf(f, sizeof f, "datasets.%s", name);
    return fail(c, f, "missing (task %s is listed in \"tasks\")", name);
  }
  switch (t->task) {
    case DATASET_VQAV2:
    case DATASET_OKVQA:
      missing = !s->train_questions ? "train_questions" : !s->train_annotations ? "train_annotations"
                : !s->train_image_dir ? "train_image_dir" : !s->test_questions ? "test_questions"
                : !s->test_annotations && t->task == DATASET_OKVQA ? "test_annotations"
                : !s->test_image_dir ? "test_image_dir" : NULL;
      break;
    case DATASET_TEXTVQA:
      if (!s->image_dir) missing = "image_dir";
      else if (s->textvqa_format == DATASET_TEXTVQA_OFFICIAL) missing = !s->train_json ? "train_json" : !s->test_json ? "test_json" : NULL;
      else missing = !s->train_questions ? "train_questions" : !s->train_annotations ? "train_annotations"
                     : !s->test_questions ? "test_questions" : !s->test_annotations ? "test_annotations" : NULL;
      break;
    case DATASET_COCO:
      missing = !s->karpathy_json ? "karpathy_json" : !s->coco_train_image_dir ? "train_image_dir"
                : !s->coco_val_image_dir ? "val_image_dir" : !s->references_json ? "annotations_json" : NULL;
      break;
    case DATASET_NOCAPS:
      missing = !s->test_json ? "annotations_json" : !s->image_dir ? "image_dir"
                : !s->karpathy_json ? "coco_karpathy_json (or datasets.coco.karpathy_json)"
                : !s->coco_train_image_dir ? "coco_train_image_dir (or datasets.coco.train_image_dir)"
                : !s->coco_val_image_dir ? "coco_val_image_dir (or datasets.coco.val_image_dir)" : NULL;
      break;
    default:
      missing = !s->train_json ? "train_json" : !s->test_json ? "test_json" : !s->image_dir ? "image_dir" : NULL;
  }
  if (missing) {
    char f[128];
    snprintf(f, sizeof f, "datasets.%s.%s", name, missing);
    return fail(c, f, "missing (needed by task %s)", name);
  }
  return 0;
}

static int parse_root(const ctx *c, const cJSON *root, config *cfg) {
  static const char *const known[] = {"name", "protocol", "model", "tasks", "shots", "seeds", "num_samples", "query_set_size",
                                      "sampling", "prompt", "decoding", "postprocess", "metric", "check_images", "datasets", NULL};
  if (!cJSON_IsObject(root)) return fail(c, NULL, "expected a JSON object at the top level");
  if (check_keys(c, root, "", known)) return -1;
  const char *s = NULL;
  if (get_string(c, root, "name", "name", &s)) return -1;
  if (s && !(cfg->name = arena_strdup(&cfg->mem, s))) return fail(c, "name", "out of memory");
  s = NULL;
  if (get_string(c, root, "protocol", "protocol", &s)) return -1;
  if (s) {
    if (strcmp(s, "of-main") == 0) cfg->protocol = CONFIG_PROTOCOL_OF_MAIN;
    else if (strcmp(s, "of-rsm") == 0) cfg->protocol = CONFIG_PROTOCOL_OF_RSM;
    else return fail(c, "protocol", "'%s' is not one of of-main, of-rsm", s);
  }
  /* Per-task defaults from the protocol. */
  for (int i = 0; i < DATASET_N_TASKS; i++) {
    config_task *t = &cfg->task[i];
    t->task = (dataset_task)i;
    t->source.task = (dataset_task)i;
    t->num_samples = -1;
    t->query_set_size = 2048;
    t->prompt = prompt_options_default();
    t->okvqa_stem = 1;
    if (cfg->protocol == CONFIG_PROTOCOL_OF_RSM) {
      t->prompt.template_variant = PROMPT_TEMPLATE_OF_RSM;
      t->prompt.zero_shot = PROMPT_ZERO_SHOT_OF_RSM;
      t->vqa_cut = POSTPROCESS_VQA_OF_RSM;
    } else {
      t->vqa_cut = POSTPROCESS_VQA_OF_MAIN;
    }
    default_decoding(t, cfg->protocol);
  }
  const cJSON *o;
  if (get_object(c, root, "model", "model", &o)) return -1;
  if (o) {
    static const char *const mk[] = {"dir", NULL};
    if (check_keys(c, o, "model", mk)) return -1;
    const char *d = NULL;
    if (get_path(c, cfg, o, "dir", "model.dir", &d)) return -1;
    cfg->model_dir = (char *)d;
  }
  /* shots, seeds */
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "shots");
  if (a) {
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) return fail(c, "shots", "expected a non-empty array of integers");
    if (cJSON_GetArraySize(a) > CONFIG_MAX_SHOTS) return fail(c, "shots", "at most %d values", CONFIG_MAX_SHOTS);
    cfg->n_shots = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
      if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) || e->valuedouble < 0 || e->valuedouble > 64)
        return fail(c, "shots", "element %d: expected an integer in [0, 64]", cfg->n_shots);
      for (int k = 0; k < cfg->n_shots; k++)
        if (cfg->shots[k] == (int)e->valuedouble) return fail(c, "shots", "%d is listed twice", cfg->shots[k]);
      cfg->shots[cfg->n_shots++] = (int)e->valuedouble;
    }
  }
  a = cJSON_GetObjectItemCaseSensitive(root, "seeds");
  if (a) {
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) return fail(c, "seeds", "expected a non-empty array of integers");
    if (cJSON_GetArraySize(a) > CONFIG_MAX_SEEDS) return fail(c, "seeds", "at most %d values", CONFIG_MAX_SEEDS);
    cfg->n_seeds = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
      if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) || e->valuedouble < 0 || e->valuedouble > 4294967295.0)
        return fail(c, "seeds", "element %d: expected an integer in [0, 2^32-1] (numpy's seed range)", cfg->n_seeds);
      for (int k = 0; k < cfg->n_seeds; k++)
        if (cfg->seeds[k] == (uint64_t)e->valuedouble) return fail(c, "seeds", "%.0f is listed twice", e->valuedouble);
      cfg->seeds[cfg->n_seeds++] = (uint64_t)e->valuedouble;
    }
  }
  /* sampling */
  if (get_object(c, root, "sampling", "sampling", &o)) return -1;
  if (o) {
    static const char *const sk[] = {"mode", "world_size", "batch_size", NULL};
    if (check_keys(c, o, "sampling", sk)) return -1;
    s = NULL;
    if (get_string(c, o, "mode", "sampling.mode", &s)) return -1;
    if (s && sampler_mode_parse(s, &cfg->sampling_mode)) return fail(c, "sampling.mode", "'%s' is not one of openflamingo, stable", s);
    long long v;
    int set;
    if (get_int(c, o, "world_size", "sampling.world_size", 1, 65536, &v, &set)) return -1;
    if (set) cfg->world_size = (int)v;
    if (get_int(c, o, "batch_size", "sampling.batch_size", 1, 65536, &v, &set)) return -1;
    if (set) cfg->batch_size = (int)v;
  }
  if (get_bool(c, root, "check_images", "check_images", &cfg->check_images)) return -1;
  if (get_object(c, root, "metric", "metric", &o)) return -1;
  if (o) {
    static const char *const mk[] = {"vqa", NULL};
    if (check_keys(c, o, "metric", mk)) return -1;
    s = NULL;
    if (get_string(c, o, "vqa", "metric.vqa", &s)) return -1;
    if (s) {
      if (strcmp(s, "openflamingo") && strcmp(s, "official") && strcmp(s, "official-pre2021"))
        return fail(c, "metric.vqa", "'%s' is not one of openflamingo, official, official-pre2021", s);
      snprintf(cfg->vqa_metric, sizeof cfg->vqa_metric, "%s", s);
    }
  }
  /* Top-level per-task options apply to every task... */
  for (int i = 0; i < DATASET_N_TASKS; i++)
    if (parse_task_options(c, root, "", cfg, &cfg->task[i])) return -1;
  /* ...then datasets.<task> overrides. */
  const cJSON *ds = NULL;
  if (get_object(c, root, "datasets", "datasets", &ds)) return -1;
  if (ds) {
    const cJSON *it;
    cJSON_ArrayForEach(it, ds) {
      if (it->string[0] == '_') continue;
      dataset_task t;
      if (dataset_task_parse(it->string, &t)) {
        char f[128];
        snprintf(f, sizeof f, "datasets.%s", it->string);
        return fail(c, f, "unknown task (vqav2, okvqa, textvqa, coco, nocaps, textcaps)");
      }
      if (parse_dataset(c, it, cfg, &cfg->task[t])) return -1;
    }
  }
  /* NoCaps demos come from COCO Karpathy train: borrow datasets.coco's paths when not given. */
  dataset_source *nc = &cfg->task[DATASET_NOCAPS].source;
  const dataset_source *co = &cfg->task[DATASET_COCO].source;
  if (!nc->karpathy_json) nc->karpathy_json = co->karpathy_json;
  if (!nc->coco_train_image_dir) nc->coco_train_image_dir = co->coco_train_image_dir;
  if (!nc->coco_val_image_dir) nc->coco_val_image_dir = co->coco_val_image_dir;
  /* tasks */
  a = cJSON_GetObjectItemCaseSensitive(root, "tasks");
  if (a) {
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) return fail(c, "tasks", "expected a non-empty array of task names");
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
      dataset_task t;
      if (!cJSON_IsString(e) || dataset_task_parse(e->valuestring, &t))
        return fail(c, "tasks", "element %d: expected one of vqav2, okvqa, textvqa, coco, nocaps, textcaps", cfg->n_tasks);
      if (config_task_index(cfg, t) >= 0) return fail(c, "tasks", "%s is listed twice", e->valuestring);
      cfg->tasks[cfg->n_tasks++] = t;
    }
  } else {
    for (int i = 0; i < DATASET_N_TASKS; i++)
      if (cfg->task[card_order[i]].configured) cfg->tasks[cfg->n_tasks++] = card_order[i];
    if (cfg->n_tasks == 0) return fail(c, "datasets", "no task configured");
  }
  for (int i = 0; i < cfg->n_tasks; i++) {
    config_task *t = &cfg->task[cfg->tasks[i]];
    if (check_required(c, t)) return -1;
    if (t->decoding.min_new_tokens > t->decoding.max_new_tokens) {
      char f[96];
      snprintf(f, sizeof f, "datasets.%s.decoding", dataset_task_name(t->task));
      return fail(c, f, "min_new_tokens %d exceeds max_new_tokens %d", t->decoding.min_new_tokens, t->decoding.max_new_tokens);
    }
    for (int k = 0; k < cfg->n_shots; k++) {
      int draws = prompt_num_draws(&t->prompt, t->task, cfg->shots[k]);
      if ((size_t)draws > t->query_set_size) {
        char f[96];
        snprintf(f, sizeof f, "datasets.%s.query_set_size", dataset_task_name(t->task));
        return fail(c, f, "%zu is smaller than the %d demos of %d shots", t->query_set_size, draws, cfg->shots[k]);
      }
    }
  }
  return 0;
}

int config_parse(const char *text, const char *name, const char *base_dir, config *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  arena_init(&out->mem, 64 * 1024);
  ctx c = {name ? name : "<string>", err, err_size};
  out->path = arena_strdup(&out->mem, c.file);
  out->dir = arena_strdup(&out->mem, base_dir ? base_dir : ".");
  out->shots[0] = 0;
  out->shots[1] = 4;
  out->shots[2] = 8;
  out->n_shots = 3;
  out->seeds[0] = 42;
  out->n_seeds = 1;
  out->sampling_mode = SAMPLER_OPENFLAMINGO;
  out->world_size = 1;
  out->batch_size = 8;
  out->check_images = 1;
  snprintf(out->vqa_metric, sizeof out->vqa_metric, "openflamingo");
  const char *end = NULL;
  out->json = cJSON_ParseWithOpts(text, &end, 1);
  if (!out->json) {
    /* cJSON gives the failure position; turn it into a line and column. */
    const char *at = cJSON_GetErrorPtr();
    long line = 1, col = 1;
    for (const char *p = text; at && p < at && *p; p++) {
      if (*p == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    fail(&c, NULL, "not valid JSON (line %ld, column %ld)", line, col);
    config_free(out);
    return -1;
  }
  if (!out->path || !out->dir || parse_root(&c, out->json, out)) {
    if (out->path == NULL) fail(&c, NULL, "out of memory");
    config_free(out);
    return -1;
  }
  return 0;
}

int config_load(const char *path, config *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err) snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return -1;
  }
  char *text = rundir_read_stream(f, path, (size_t)64 << 20, NULL, err, err_size); /* a config is small */
  fclose(f);
  if (!text) return -1;
  /* The folder of the config, for relative paths. */
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
  else snprintf(dir, sizeof dir, ".");
  int rc = config_parse(text, path, dir, out, err, err_size);
  free(text);
  return rc;
}

void config_free(config *c) {
  cJSON_Delete(c->json);
  arena_free(&c->mem);
  memset(c, 0, sizeof *c);
}

int config_task_index(const config *c, dataset_task task) {
  for (int i = 0; i < c->n_tasks; i++)
    if (c->tasks[i] == task) return i;
  return -1;
}

sampler_params config_sampler_params(const config *c, dataset_task task, int shots, uint64_t seed) {
  const config_task *t = &c->task[task];
  sampler_params p;
  memset(&p, 0, sizeof p);
  p.mode = c->sampling_mode;
  p.seed = seed;
  p.num_samples = t->num_samples;
  p.query_set_size = t->query_set_size;
  p.n_draws = prompt_num_draws(&t->prompt, task, shots);
  p.world_size = c->world_size;
  p.batch_size = c->batch_size;
  return p;
}

static void add_str(cJSON *o, const char *k, const char *v) {
  if (v) cJSON_AddStringToObject(o, k, v);
  else cJSON_AddNullToObject(o, k);
}

cJSON *config_to_json(const config *c) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  add_str(o, "name", c->name);
  add_str(o, "protocol", c->protocol == CONFIG_PROTOCOL_OF_RSM ? "of-rsm" : "of-main");
  cJSON *m = cJSON_AddObjectToObject(o, "model");
  add_str(m, "dir", c->model_dir);
  cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
  for (int i = 0; i < c->n_tasks; i++) cJSON_AddItemToArray(tasks, cJSON_CreateString(dataset_task_name(c->tasks[i])));
  cJSON *shots = cJSON_AddArrayToObject(o, "shots");
  for (int i = 0; i < c->n_shots; i++) cJSON_AddItemToArray(shots, cJSON_CreateNumber(c->shots[i]));
  cJSON *seeds = cJSON_AddArrayToObject(o, "seeds");
  for (int i = 0; i < c->n_seeds; i++) cJSON_AddItemToArray(seeds, cJSON_CreateNumber((double)c->seeds[i]));
  cJSON *s = cJSON_AddObjectToObject(o, "sampling");
  add_str(s, "mode", sampler_mode_name(c->sampling_mode));
  cJSON_AddNumberToObject(s, "world_size", c->world_size);
  cJSON_AddNumberToObject(s, "batch_size", c->batch_size);
  cJSON_AddBoolToObject(o, "check_images", c->check_images);
  cJSON *met = cJSON_AddObjectToObject(o, "metric");
  add_str(met, "vqa", c->vqa_metric);
  cJSON *ds = cJSON_AddObjectToObject(o, "datasets");
  for (int i = 0; i < c->n_tasks; i++) {
    const config_task *t = &c->task[c->tasks[i]];
    cJSON *d = cJSON_AddObjectToObject(ds, dataset_task_name(t->task));
    dataset_source src = t->source;
    for (const file_key *k = files_of(t->task); k->key; k++) add_str(d, k->key, *source_field(&src, k->offset));
    if (t->task == DATASET_TEXTVQA) add_str(d, "format", t->source.textvqa_format == DATASET_TEXTVQA_OFFICIAL ? "official" : "vqa");
    cJSON_AddNumberToObject(d, "num_samples", (double)t->num_samples);
    cJSON_AddNumberToObject(d, "query_set_size", (double)t->query_set_size);
    cJSON *p = cJSON_AddObjectToObject(d, "prompt");
    add_str(p, "template", prompt_template_name(t->prompt.template_variant));
    add_str(p, "zero_shot", prompt_zero_shot_name(t->prompt.zero_shot));
    add_str(p, "demo_separator", t->prompt.demo_separator ? t->prompt.demo_separator : "\n");
    cJSON *dec = cJSON_AddObjectToObject(d, "decoding");
    cJSON_AddNumberToObject(dec, "num_beams", t->decoding.num_beams);
    cJSON_AddNumberToObject(dec, "max_new_tokens", t->decoding.max_new_tokens);
    cJSON_AddNumberToObject(dec, "min_new_tokens", t->decoding.min_new_tokens);
    cJSON_AddNumberToObject(dec, "length_penalty", t->decoding.length_penalty);
    cJSON *st = cJSON_AddArrayToObject(dec, "stop_tokens");
    for (int k = 0; k < t->decoding.n_stop_tokens; k++) cJSON_AddItemToArray(st, cJSON_CreateNumber(t->decoding.stop_tokens[k]));
    cJSON *pp = cJSON_AddObjectToObject(d, "postprocess");
    add_str(pp, "vqa_cut", postprocess_vqa_cut_name(t->vqa_cut));
    cJSON_AddBoolToObject(pp, "okvqa_stem", t->okvqa_stem);
  }
  return o;
}
