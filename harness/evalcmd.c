/* evalcmd.c - config + overrides -> run.json -> model -> run loop -> table (evalcmd.h). */
#include "evalcmd.h"

#include <errno.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "benchrec.h"
#include "cli.h"
#include "config.h"
#include "evalrun.h"
#include "jsonnum.h"
#include "modelrun.h"
#include "reference.h"
#include "rundir.h"
#include "runinfo.h"
#include "table.h"
#include "version.h"

#ifndef FEWSHOT_SOURCE_DIR
#define FEWSHOT_SOURCE_DIR "."
#endif

evalcmd_args evalcmd_default_args(void) {
  evalcmd_args a;
  memset(&a, 0, sizeof a);
  a.device = ENGINE_DEVICE_CPU;
  a.batch_size = 8;
  a.cache_mb = 4096;
  a.max_prompt_tokens = 2048;
  a.pillow = IMAGE_COMPAT_PILLOW_LEGACY;
  a.shard_index = 0;
  a.shard_count = 1;
  a.fsync = RECORDS_FSYNC_INTERVAL;
  a.progress = PROGRESS_AUTO;
  return a;
}

/* Parses "a,b,c" of integers in [lo, hi] into out[max]. Returns the count, or -1. */
static int parse_list(const char *text, long long lo, long long hi, long long *out, int max) {
  int n = 0;
  const char *p = text;
  while (*p) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno || end == p || v < lo || v > hi || n == max) return -1;
    out[n++] = v;
    if (*end == ',') end++;
    else if (*end) return -1;
    p = end;
  }
  return n;
}

/* The dataset files of every task of the run, hashed. */
static cJSON *dataset_files(const config *cfg, char *err, size_t err_size) {
  cJSON *all = cJSON_CreateObject();
  for (int i = 0; i < cfg->n_tasks; i++) {
    const dataset_source *s = &cfg->task[cfg->tasks[i]].source;
    struct {
      const char *role, *path;
    } files[] = {{"train_questions", s->train_questions}, {"train_annotations", s->train_annotations},
                 {"test_questions", s->test_questions},   {"test_annotations", s->test_annotations},
                 {"train_json", s->train_json},           {"test_json", s->test_json},
                 {"karpathy_json", s->karpathy_json},     {"references_json", s->references_json}};
    cJSON *t = cJSON_AddObjectToObject(all, dataset_task_name(cfg->tasks[i]));
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
      if (!files[k].path) continue;
      cJSON *e = runinfo_file_entry(files[k].path, err, err_size);
      if (!e) {
        cJSON_Delete(all);
        return NULL;
      }
      cJSON_AddItemToObject(t, files[k].role, e);
    }
  }
  return all;
}

static cJSON *string_list(int argc, char **argv) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < argc; i++) cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
  return a;
}

/* On --resume: the recorded run must be this one. Returns 0, or -1 with err naming what differs. */
static int check_same_run(const cJSON *old, const cJSON *now, const char *path, char *err, size_t err_size) {
  static const char *const keys[] = {"config", "datasets", "shard", "scoring"};
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(old, keys[k]), *b = cJSON_GetObjectItemCaseSensitive(now, keys[k]);
    if ((a || b) && !(a && b && cJSON_Compare(a, b, 1))) {
      const char *sub = "";
      if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, b) {
          const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, it->string);
          if (!o || !cJSON_Compare(o, it, 1)) {
            sub = it->string;
            break;
          }
        }
      }
      snprintf(err, err_size, "%.400s: --resume: \"%s%s%.100s\" differs from this run's; resume with the same config, "
               "data and shard, or choose another --out", path, keys[k], *sub ? "." : "", sub);
      return -1;
    }
  }
  const cJSON *fa = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(old, "model"), "fingerprint");
  const cJSON *fb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(now, "model"), "fingerprint");
  if (!cJSON_IsString(fa) || !cJSON_IsString(fb) || strcmp(fa->valuestring, fb->valuestring) != 0) {
    snprintf(err, err_size, "%.400s: --resume: the model's fingerprint differs from the one this run started with", path);
    return -1;
  }
  return 0;
}

static int write_json(const char *path, const cJSON *o, char *err, size_t err_size) {
  char *text = cJSON_Print(o);
  if (!text) {
    snprintf(err, err_size, "%.400s: out of memory", path);
    return -1;
  }
  int rc = rundir_write_file_atomic(path, text, strlen(text), err, err_size);
  free(text);
  return rc;
}

int evalcmd_run(const char *cmd, const evalcmd_args *a) {
  char err[1024] = "";
  config cfg;
  if (!a->config_path) {
    cli_error(cmd, "--config is required");
    return FS_EXIT_USAGE;
  }
  if (config_load(a->config_path, &cfg, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    return FS_EXIT_USAGE;
  }
  int rc = FS_EXIT_OK;
  modelrun *mr = NULL;
  cJSON *run = NULL;
  reference_card card;
  int have_card = 0;
  memset(&card, 0, sizeof card);
  evalrun_task *tasks = NULL;
  char out_dir[4096], path[4200], label[256];

  /* ---- the command line over the config ---- */
  const char *model_dir = a->model_dir ? a->model_dir : cfg.model_dir;
  if (!model_dir) {
    cli_error(cmd, "%s: no model: give --model DIR or \"model\": {\"dir\": ...} in the config", a->config_path);
    rc = FS_EXIT_USAGE;
    goto done;
  }
  if (a->tasks) {
    int n = 0;
    dataset_task picked[DATASET_N_TASKS];
    const char *p = a->tasks;
    while (*p && rc == 0) {
      char name[32];
      size_t len = strcspn(p, ",");
      snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), p);
      dataset_task t;
      if (dataset_task_parse(name, &t) != 0 || n == DATASET_N_TASKS) {
        cli_error(cmd, "--tasks: unknown task '%s' (vqav2, okvqa, textvqa, coco, nocaps, textcaps)", name);
        rc = FS_EXIT_USAGE;
      } else if (!cfg.task[t].configured) {
        cli_error(cmd, "--tasks: %s has no datasets.%s in %s", name, name, a->config_path);
        rc = FS_EXIT_USAGE;
      } else {
        picked[n++] = t;
      }
      p += len;
      if (*p == ',') p++;
    }
    if (rc) goto done;
    memcpy(cfg.tasks, picked, sizeof picked);
    cfg.n_tasks = n;
  }
  if (a->shots) {
    long long v[CONFIG_MAX_SHOTS];
    int n = parse_list(a->shots, 0, 64, v, CONFIG_MAX_SHOTS);
    if (n <= 0) {
      cli_error(cmd, "--shots: expected a comma-separated list of 0..64 (at most %d), got '%s'", CONFIG_MAX_SHOTS, a->shots);
      rc = FS_EXIT_USAGE;
      goto done;
    }
    for (int i = 0; i < n; i++) cfg.shots[i] = (int)v[i];
    cfg.n_shots = n;
  }
  if (a->seeds || a->num_seeds) {
    long long v[CONFIG_MAX_SEEDS];
    int n = 0;
    if (a->seeds) n = parse_list(a->seeds, 0, 4294967295LL, v, CONFIG_MAX_SEEDS);
    else if (a->num_seeds > 0 && a->num_seeds <= CONFIG_MAX_SEEDS)
      for (n = 0; n < a->num_seeds; n++) v[n] = 42 + n;
    if (n <= 0) {
      cli_error(cmd, "--seeds / --num-seeds: expected seeds 0..2^32-1, at most %d", CONFIG_MAX_SEEDS);
      rc = FS_EXIT_USAGE;
      goto done;
    }
    for (int i = 0; i < n; i++) cfg.seeds[i] = (uint64_t)v[i];
    cfg.n_seeds = n;
  }
  if (a->have_num_samples)
    for (int t = 0; t < DATASET_N_TASKS; t++) cfg.task[t].num_samples = a->num_samples;
  if (a->label) snprintf(label, sizeof label, "%s", a->label);
  else if (cfg.name) snprintf(label, sizeof label, "%s", cfg.name);
  else {
    const char *b = strrchr(a->config_path, '/');
    b = b ? b + 1 : a->config_path;
    size_t len = strlen(b);
    if (len > 5 && strcmp(b + len - 5, ".json") == 0) len -= 5;
    snprintf(label, sizeof label, "%.*s", (int)len, b);
  }
  /* Default run directory: results/<label>, or results/<label>-<config file name> when they differ
   * (the six task configs share the label "card"), with -shardIofN for a shard. */
  char stem[256];
  {
    const char *bn = strrchr(a->config_path, '/');
    bn = bn ? bn + 1 : a->config_path;
    size_t len = strlen(bn);
    if (len > 5 && strcmp(bn + len - 5, ".json") == 0) len -= 5;
    snprintf(stem, sizeof stem, "%.*s", (int)len, bn);
  }
  if (a->out_dir) snprintf(out_dir, sizeof out_dir, "%s", a->out_dir);
  else if (strcmp(stem, label) == 0) snprintf(out_dir, sizeof out_dir, "results/%s", label);
  else snprintf(out_dir, sizeof out_dir, "results/%s-%s", label, stem);
  if (!a->out_dir && a->shard_count > 1) {
    size_t len = strlen(out_dir);
    snprintf(out_dir + len, sizeof out_dir - len, "-shard%dof%d", a->shard_index, a->shard_count);
  }
  vqa_variant vqa;
  if (vqa_variant_parse(cfg.vqa_metric, &vqa) != 0) {
    cli_error(cmd, "%s: metric.vqa: '%s' unknown", a->config_path, cfg.vqa_metric);
    rc = FS_EXIT_USAGE;
    goto done;
  }

  /* ---- run.json ---- */
  if (rundir_mkdirs(out_dir, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  char **existing = NULL;
  size_t n_existing = 0;
  if (rundir_list_records(out_dir, &existing, &n_existing, err, sizeof err) == 0) rundir_free_list(existing, n_existing);
  if (n_existing && !a->resume) {
    cli_error(cmd, "%s already holds results: add --resume to continue that run, or choose another --out", out_dir);
    rc = FS_EXIT_USAGE;
    goto done;
  }
  char now[32], hex[65], host[256];
  const char *method = NULL;
  if (!a->quiet) fprintf(stderr, "fewshot %s: hashing the model and the dataset files...\n", cmd);
  if (runinfo_model_fingerprint(model_dir, a->full_hash, hex, &method, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_USAGE;
    goto done;
  }
  run = cJSON_CreateObject();
  cJSON_AddStringToObject(run, "format", "fewshot-run/1");
  cJSON_AddStringToObject(run, "label", label);
  cJSON_AddItemToObject(run, "command", string_list(a->argc, a->argv));
  cJSON_AddStringToObject(run, "started", runinfo_utc_now(now, sizeof now));
  cJSON_AddNullToObject(run, "finished");
  cJSON *build = cJSON_AddObjectToObject(run, "build");
  cJSON_AddStringToObject(build, "version", fewshot_version_string());
  cJSON_AddStringToObject(build, "commit", fewshot_build_commit());
  cJSON_AddBoolToObject(build, "cuda", fewshot_built_with_cuda());
  if (a->threads > 0) omp_set_num_threads(a->threads);
  cJSON *dev = a->device == ENGINE_DEVICE_CPU ? runinfo_cpu_device() : cJSON_CreateObject();
  if (a->device != ENGINE_DEVICE_CPU) cJSON_AddStringToObject(dev, "kind", engine_device_name(a->device));
  cJSON_AddItemToObject(run, "device", dev);
  cJSON_AddStringToObject(run, "host", runinfo_hostname(host, sizeof host));
  cJSON *model = cJSON_AddObjectToObject(run, "model");
  cJSON_AddStringToObject(model, "dir", model_dir);
  cJSON_AddStringToObject(model, "fingerprint", hex);
  cJSON_AddStringToObject(model, "fingerprint_method", method);
  cJSON *files = dataset_files(&cfg, err, sizeof err);
  if (!files) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_USAGE;
    goto done;
  }
  cJSON_AddItemToObject(run, "datasets", files);
  cJSON *resolved = config_to_json(&cfg);
  cJSON_AddItemToObject(run, "config", resolved ? resolved : cJSON_CreateNull());
  cJSON *scoring = cJSON_AddObjectToObject(run, "scoring");
  cJSON_AddStringToObject(scoring, "vqa_variant", vqa_variant_name(vqa));
  cJSON_AddStringToObject(scoring, "pillow", a->pillow == IMAGE_COMPAT_PILLOW_13 ? "13" : "legacy");
  if (a->shard_count > 1) {
    cJSON *sh = cJSON_AddObjectToObject(run, "shard");
    cJSON_AddNumberToObject(sh, "index", a->shard_index);
    cJSON_AddNumberToObject(sh, "count", a->shard_count);
  } else {
    cJSON_AddNullToObject(run, "shard");
  }
  cJSON_AddArrayToObject(run, "plan");
  snprintf(path, sizeof path, "%s/run.json", out_dir);
  struct stat st;
  if (a->resume && stat(path, &st) == 0) {
    char *text = rundir_read_file(path, NULL, err, sizeof err);
    cJSON *old = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!old) {
      cli_error(cmd, "%s: %s", path, *err ? err : "not valid JSON");
      rc = FS_EXIT_USAGE;
      goto done;
    }
    /* Compare parsed with parsed: our exact numbers are raw items until printed. */
    char *now_text = cJSON_PrintUnformatted(run);
    cJSON *now_rt = now_text ? cJSON_Parse(now_text) : NULL;
    free(now_text);
    int same = now_rt && check_same_run(old, now_rt, path, err, sizeof err) == 0;
    cJSON_Delete(now_rt);
    if (!same) {
      cli_error(cmd, "%s", err);
      cJSON_Delete(old);
      rc = FS_EXIT_USAGE;
      goto done;
    }
    /* Keep what the first start recorded; note this resume. */
    static const char *const keep[] = {"started", "command", "plan", "resumed"};
    for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
      cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(old, keep[k]);
      if (!v) continue;
      cJSON_DeleteItemFromObjectCaseSensitive(run, keep[k]);
      cJSON_AddItemToObject(run, keep[k], v);
    }
    cJSON_Delete(old);
    cJSON *resumed = cJSON_GetObjectItemCaseSensitive(run, "resumed");
    if (!cJSON_IsArray(resumed)) resumed = cJSON_AddArrayToObject(run, "resumed");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "at", now);
    cJSON_AddItemToObject(r, "command", string_list(a->argc, a->argv));
    cJSON_AddItemToArray(resumed, r);
  }
  if (write_json(path, run, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }

  /* ---- reference, model, tasks ---- */
  char default_ref[4096];
  const char *ref_path = a->reference;
  if (!ref_path) {
    snprintf(default_ref, sizeof default_ref, "%s/results/reference/xgen-mm-phi3-mini-base-r-v1.5.json", FEWSHOT_SOURCE_DIR);
    if (stat(default_ref, &st) == 0) ref_path = default_ref;
  }
  if (ref_path && strcmp(ref_path, "none") != 0) {
    if (reference_load(ref_path, &card, err, sizeof err) != 0) {
      cli_error(cmd, "%s", err);
      rc = FS_EXIT_USAGE;
      goto done;
    }
    have_card = 1;
  }
  int max_shots = 0, max_new = 1, max_beams = 1;
  for (int i = 0; i < cfg.n_shots; i++) max_shots = cfg.shots[i] > max_shots ? cfg.shots[i] : max_shots;
  for (int i = 0; i < cfg.n_tasks; i++) {
    const config_decoding *d = &cfg.task[cfg.tasks[i]].decoding;
    if (d->max_new_tokens > max_new) max_new = d->max_new_tokens;
    if (d->num_beams > max_beams) max_beams = d->num_beams;
  }
  modelrun_options mo = {model_dir, a->device, a->batch_size, max_shots + 1, a->max_prompt_tokens, max_new, max_beams,
                         a->threads, (size_t)a->cache_mb << 20, a->pillow};
  if (!a->quiet) fprintf(stderr, "fewshot %s: loading %s\n", cmd, model_dir);
  if (!(mr = modelrun_open(&mo, err, sizeof err))) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  /* run.json: where the model runs, as the engine describes it (the card's name and memory on a GPU) */
  {
    char line[512], gpu_name[256];
    double total = 0, held = 0;
    modelrun_describe_device(mr, line, sizeof line);
    cJSON *dev_now = cJSON_GetObjectItemCaseSensitive(run, "device");
    cJSON_DeleteItemFromObjectCaseSensitive(dev_now, "description");
    cJSON_AddStringToObject(dev_now, "description", line);
    if (a->device != ENGINE_DEVICE_CPU && benchrec_parse_device(line, gpu_name, sizeof gpu_name, &total, &held) > 0) {
      cJSON_DeleteItemFromObjectCaseSensitive(dev_now, "name");
      cJSON_AddStringToObject(dev_now, "name", gpu_name);
    }
    if (write_json(path, run, err, sizeof err) != 0) {
      cli_error(cmd, "%s", err);
      rc = FS_EXIT_RUNTIME;
      goto done;
    }
  }
  tasks = calloc((size_t)cfg.n_tasks + 1, sizeof *tasks);
  if (!tasks) {
    cli_error(cmd, "out of memory");
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  for (int i = 0; i < cfg.n_tasks; i++) {
    const config_task *ct = &cfg.task[cfg.tasks[i]];
    evalrun_task *t = &tasks[i];
    t->task = cfg.tasks[i];
    t->source = ct->source;
    t->prompt = ct->prompt;
    t->vqa_cut = ct->vqa_cut;
    t->num_samples = ct->num_samples;
    t->query_set_size = ct->query_set_size;
    t->okvqa_stem = ct->okvqa_stem;
    t->gen.num_beams = ct->decoding.num_beams;
    t->gen.max_new_tokens = ct->decoding.max_new_tokens;
    t->gen.min_new_tokens = ct->decoding.min_new_tokens;
    t->gen.length_penalty = ct->decoding.length_penalty;
    t->gen.n_eos = ct->decoding.n_stop_tokens < GEN_MAX_EOS ? ct->decoding.n_stop_tokens : GEN_MAX_EOS;
    for (int k = 0; k < t->gen.n_eos; k++) t->gen.eos[k] = ct->decoding.stop_tokens[k];
    t->gen.pad_id = modelrun_pad_id(mr);
  }
  long long seeds[CONFIG_MAX_SEEDS];
  for (int i = 0; i < cfg.n_seeds; i++) seeds[i] = (long long)cfg.seeds[i];
  evalrun_options o;
  memset(&o, 0, sizeof o);
  o.out_dir = out_dir;
  o.shots = cfg.shots;
  o.n_shots = cfg.n_shots;
  o.seeds = seeds;
  o.n_seeds = cfg.n_seeds;
  o.sampling = cfg.sampling_mode;
  o.world_size = cfg.world_size;
  o.sampler_batch = cfg.batch_size;
  o.vqa = vqa;
  o.shard_index = a->shard_index;
  o.shard_count = a->shard_count;
  o.resume = a->resume;
  o.fsync = a->fsync;
  o.fsync_interval_s = 5.0;
  o.progress = a->progress;
  o.quiet = a->quiet;
  o.check_images = cfg.check_images;
  o.reference = have_card ? &card : NULL;
  evalrun_backend be = modelrun_backend(mr);
  evalrun_stats stats;
  int erc = evalrun_run(&o, tasks, cfg.n_tasks, &be, run, &stats, err, sizeof err);
  if (erc != 0) {
    cli_error(cmd, "%s", err);
    rc = erc == EVALRUN_RUNTIME ? FS_EXIT_RUNTIME : FS_EXIT_USAGE;
    goto done;
  }

  /* ---- finish ---- */
  cJSON_DeleteItemFromObjectCaseSensitive(run, "finished");
  cJSON_AddStringToObject(run, "finished", runinfo_utc_now(now, sizeof now));
  size_t hits = 0, misses = 0;
  modelrun_cache_stats(mr, &hits, &misses);
  cJSON *last = cJSON_CreateObject();
  jsonnum_add(last, "samples_run", (double)stats.n_run);
  jsonnum_add(last, "samples_skipped", (double)stats.n_skipped);
  jsonnum_add(last, "samples_failed", (double)stats.n_failed);
  jsonnum_add(last, "seconds", stats.seconds);
  jsonnum_add(last, "image_cache_hits", (double)hits);
  jsonnum_add(last, "image_cache_misses", (double)misses);
  cJSON_DeleteItemFromObjectCaseSensitive(run, "last_invocation");
  cJSON_AddItemToObject(run, "last_invocation", last);
  if (write_json(path, run, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  if (!a->quiet) {
    char took[32];
    progress_format_duration(stats.seconds, took, sizeof took);
    fprintf(stderr, "fewshot %s: %zu samples run (%zu failed, %zu already done) in %s; image cache %zu hits, %zu misses; results in %s\n",
            cmd, stats.n_run, stats.n_failed, stats.n_skipped, took, hits, misses, out_dir);
  }
  table_options to = table_default_options();
  to.reference = ref_path ? ref_path : "none";
  const char *runs[1] = {out_dir};
  if (table_print(stdout, runs, 1, &to, err, sizeof err) != 0) {
    cli_error(cmd, "%s", err);
    rc = FS_EXIT_RUNTIME;
  }
done:
  free(tasks);
  modelrun_close(mr);
  if (have_card) reference_free(&card);
  cJSON_Delete(run);
  config_free(&cfg);
  return rc;
}
