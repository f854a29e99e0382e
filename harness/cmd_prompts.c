/* cmd_prompts.c - `fewshot prompts`: the dry run of one (task, shots, seed) cell: loads the task's
 * files as the config names them, draws the eval subset and the demos, and prints every sample's
 * full prompt with its image markers, its images and its demo ids (README "prompts").
 *
 *   fewshot prompts --config C --task T --shots K --seed S [--limit N] [--json] [--expand]
 *                   [--no-check-images]
 *
 * Exit codes: 0 ok; 2 bad usage, a config or dataset error, missing image files (cli.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "dataset.h"
#include "model_config.h"
#include "prompt.h"
#include "sampler.h"

static const char usage[] =
    "usage: fewshot prompts --config C --task T --shots K --seed S [--limit N] [--json] [--expand]\n"
    "                       [--no-check-images]\n"
    "\n"
    "Prints each sample's full prompt with image markers and its demo ids: the samples the config's\n"
    "sampling draws for task T at K shots and seed S, in evaluation order (rank by rank).\n"
    "  --config C         run config (docs/config.md)\n"
    "  --task T           vqav2, okvqa, textvqa, coco, nocaps or textcaps (configured in C)\n"
    "  --shots K          demonstrations per prompt (0: the config's zero-shot variant)\n"
    "  --seed S           trial seed\n"
    "  --limit N          print the first N samples only\n"
    "  --json             one JSON object on stdout (README \"prompts\" gives its shape)\n"
    "  --expand           show each <image> expanded to the tokens the engine feeds: <image> and\n"
    "                     n-1 <image placeholder>, n from the model's config (128 when C names no model)\n"
    "  --no-check-images  do not check that the image files exist\n";

static void print_json_string_list(cJSON *arr, const char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
}

int cmd_prompts(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *config_path = NULL, *task_name = NULL;
  long shots = -1, seed = -1, limit = -1;
  int json = 0, expand = 0, check_images = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--expand")) expand = 1;
    else if (!strcmp(a, "--no-check-images")) check_images = 0;
    else if (!strcmp(a, "--config") || !strcmp(a, "--task") || !strcmp(a, "--shots") || !strcmp(a, "--seed") ||
             !strcmp(a, "--limit")) {
      if (!val) return cli_usage_error("prompts", usage, "%s needs a value", a);
      i++;
      if (!strcmp(a, "--config")) config_path = val;
      else if (!strcmp(a, "--task")) task_name = val;
      else if (!strcmp(a, "--shots") && cli_parse_long("prompts", a, val, 0, 64, &shots)) return FS_EXIT_USAGE;
      else if (!strcmp(a, "--seed") && cli_parse_long("prompts", a, val, 0, 4294967295L, &seed)) return FS_EXIT_USAGE;
      else if (!strcmp(a, "--limit") && cli_parse_long("prompts", a, val, 0, 1L << 40, &limit)) return FS_EXIT_USAGE;
    } else {
      return cli_usage_error("prompts", usage, "unknown argument '%s'", a);
    }
  }
  if (!config_path || !task_name || shots < 0 || seed < 0)
    return cli_usage_error("prompts", usage, "--config, --task, --shots and --seed are required");
  dataset_task task;
  if (dataset_task_parse(task_name, &task))
    return cli_usage_error("prompts", usage, "--task: '%s' is not one of vqav2, okvqa, textvqa, coco, nocaps, textcaps", task_name);

  char err[1024];
  config cfg;
  if (config_load(config_path, &cfg, err, sizeof err)) {
    cli_error("prompts", "%s", err);
    return FS_EXIT_USAGE;
  }
  int rc = FS_EXIT_USAGE;
  const config_task *ct = &cfg.task[task];
  dataset train = {0}, test = {0};
  sampler_plan plan = {0};
  size_t *used = NULL;
  int n_latents = 128;
  if (!ct->configured) {
    cli_error("prompts", "%s: datasets.%s: missing", config_path, task_name);
    goto done;
  }
  if (expand && cfg.model_dir) {
    model_config mc;
    if (model_config_load(&mc, cfg.model_dir, err, sizeof err)) {
      cli_error("prompts", "%s", err);
      goto done;
    }
    n_latents = mc.resampler.n_latents;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (dataset_load(&ct->source, DATASET_SPLIT_TEST, &test, err, sizeof err) ||
      dataset_load(&ct->source, DATASET_SPLIT_TRAIN, &train, err, sizeof err)) {
    cli_error("prompts", "%s", err);
    goto done;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  sampler_params sp = config_sampler_params(&cfg, task, (int)shots, (uint64_t)seed);
  if (sampler_plan_build(&sp, &test, &train, &plan, err, sizeof err)) {
    cli_error("prompts", "%s: %s", task_name, err);
    goto done;
  }
  size_t n_print = limit >= 0 && (size_t)limit < plan.n_slots ? (size_t)limit : plan.n_slots;
  if (check_images && cfg.check_images) {
    /* The files these prompts would open, checked up front: the samples, then the demos. */
    used = malloc((n_print + 1) * sizeof *used);
    size_t *demo_used = malloc((n_print * (size_t)plan.n_draws + 1) * sizeof *demo_used);
    if (!used || !demo_used) {
      free(demo_used);
      cli_error("prompts", "out of memory");
      rc = FS_EXIT_RUNTIME;
      goto done;
    }
    for (size_t s = 0; s < n_print; s++) {
      used[s] = plan.slots[s].test_index;
      for (int d = 0; d < plan.n_draws; d++) demo_used[s * (size_t)plan.n_draws + (size_t)d] = plan.slots[s].demos[d];
    }
    int bad = dataset_check_images(&test, used, n_print, NULL, err, sizeof err) ||
              (shots > 0 && dataset_check_images(&train, demo_used, n_print * (size_t)plan.n_draws, NULL, err, sizeof err));
    free(demo_used);
    if (bad) {
      cli_error("prompts", "%s (--no-check-images to print anyway)", err);
      goto done;
    }
  }
  double load_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  cJSON *out = NULL, *samples = NULL;
  if (json) {
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "task", task_name);
    cJSON_AddNumberToObject(out, "shots", (double)shots);
    cJSON_AddNumberToObject(out, "seed", (double)seed);
    cJSON_AddNumberToObject(out, "demos_per_prompt", plan.n_draws);
    cJSON_AddBoolToObject(out, "demo_images", shots > 0);
    cJSON *smp = cJSON_AddObjectToObject(out, "sampling");
    cJSON_AddStringToObject(smp, "mode", sampler_mode_name(sp.mode));
    cJSON_AddNumberToObject(smp, "world_size", sp.world_size);
    cJSON_AddNumberToObject(smp, "batch_size", sp.batch_size);
    cJSON_AddNumberToObject(out, "n_test", (double)test.n_samples);
    cJSON_AddNumberToObject(out, "n_train", (double)train.n_samples);
    cJSON_AddNumberToObject(out, "n_eval", (double)plan.n_eval);
    cJSON_AddNumberToObject(out, "n_slots", (double)plan.n_slots);
    cJSON_AddNumberToObject(out, "query_set_size", (double)plan.n_query);
    if (expand) cJSON_AddNumberToObject(out, "tokens_per_image", n_latents);
    samples = cJSON_AddArrayToObject(out, "samples");
  } else {
    printf("# %s, %ld shots, seed %ld: %s sampling", dataset_task_title(task), shots, seed, sampler_mode_name(sp.mode));
    if (sp.mode == SAMPLER_OPENFLAMINGO) printf(" (world size %d, batch size %d)", sp.world_size, sp.batch_size);
    printf("; %zu of %zu test samples, query set %zu of %zu train samples, %d demos per prompt%s\n", plan.n_eval,
           test.n_samples, plan.n_query, train.n_samples, plan.n_draws, shots == 0 && plan.n_draws ? " (text only)" : "");
    printf("# template %s, zero-shot %s; loaded in %.2f s\n", prompt_template_name(ct->prompt.template_variant),
           prompt_zero_shot_name(ct->prompt.zero_shot), load_s);
  }
  for (size_t s = 0; s < n_print; s++) {
    const sampler_slot *slot = &plan.slots[s];
    const dataset_sample *q = &test.samples[slot->test_index];
    const dataset_sample *demos[64];
    const char *demo_ids[64];
    for (int d = 0; d < plan.n_draws && d < 64; d++) {
      demos[d] = &train.samples[slot->demos[d]];
      demo_ids[d] = demos[d]->id;
    }
    prompt p;
    if (prompt_build(&ct->prompt, task, (int)shots, q, demos, plan.n_draws, &p, err, sizeof err)) {
      cli_error("prompts", "%s: %s", task_name, err);
      cJSON_Delete(out);
      goto done;
    }
    char *text = expand ? prompt_expand_images(p.text, n_latents) : p.text;
    if (!text) {
      prompt_free(&p);
      cJSON_Delete(out);
      cli_error("prompts", "out of memory");
      rc = FS_EXIT_RUNTIME;
      goto done;
    }
    if (json) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "id", q->id);
      cJSON_AddNumberToObject(o, "index", (double)s);
      cJSON_AddNumberToObject(o, "rank", slot->rank);
      cJSON_AddNumberToObject(o, "batch", (double)slot->batch);
      cJSON_AddBoolToObject(o, "padding", slot->is_padding);
      print_json_string_list(cJSON_AddArrayToObject(o, "demos"), demo_ids, (size_t)plan.n_draws);
      print_json_string_list(cJSON_AddArrayToObject(o, "images"), p.images, p.n_images);
      cJSON_AddStringToObject(o, "prompt", text);
      cJSON_AddItemToArray(samples, o);
    } else {
      printf("\n== sample %s (#%zu", q->id, s);
      if (sp.mode == SAMPLER_OPENFLAMINGO) printf(", rank %d, batch %zu%s", slot->rank, slot->batch, slot->is_padding ? ", padding" : "");
      printf(")\ndemos:");
      for (int d = 0; d < plan.n_draws; d++) printf(" %s", demo_ids[d]);
      printf("%s\nimages:", plan.n_draws ? "" : " (none)");
      for (size_t m = 0; m < p.n_images; m++) printf(" %s", p.images[m]);
      printf("\n%s\n", text);
    }
    if (expand) free(text);
    prompt_free(&p);
  }
  if (json) {
    char *s = cJSON_PrintUnformatted(out);
    if (s) {
      puts(s);
      free(s);
    }
    cJSON_Delete(out);
  }
  rc = FS_EXIT_OK;
done:
  free(used);
  sampler_plan_free(&plan);
  dataset_free(&test);
  dataset_free(&train);
  config_free(&cfg);
  return rc;
}
