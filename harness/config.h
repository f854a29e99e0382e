/* config.h - the run config: a JSON file parsed (cJSON) into a typed, validated, fully resolved
 * struct. docs/config.md documents every key; configs/ holds ready ones.
 *
 * Resolution order for every per-task option: the protocol's per-task default (protocol.md §4.1,
 * OpenFlamingo main unless "protocol" says otherwise) < the top-level key < the key inside
 * datasets.<task>. Relative paths are resolved against the config file's folder. Unknown keys are
 * errors (a typo must not silently fall back to a default). Every error is one line naming the file
 * and the field: "configs/card.json: datasets.vqav2.train_questions: expected a string".
 *
 * `fewshot eval` (issue #9) extends this: add the key to the known-key lists in config.c and the field
 * here; config_to_json must print it. */
#ifndef FEWSHOT_CONFIG_H
#define FEWSHOT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "dataset.h"
#include "postprocess.h"
#include "prompt.h"
#include "sampler.h"

enum { CONFIG_MAX_STOP_TOKENS = 8, CONFIG_MAX_SHOTS = 16, CONFIG_MAX_SEEDS = 64 };

/* Which public OpenFlamingo code the defaults follow (protocol.md §0): "of-main" (main @ 655f693) or
 * "of-rsm" (branch reduce-scope-mllm @ c7a5ae5: OK-VQA "Instruct:" template, no text-only demos for
 * zero-shot VQA, the ". " cut, 5 beams for VQA). Individual keys override either. */
typedef enum { CONFIG_PROTOCOL_OF_MAIN = 0, CONFIG_PROTOCOL_OF_RSM = 1 } config_protocol;

typedef struct {
  int num_beams;          /* beam width (1 = greedy) */
  int max_new_tokens;     /* generation length limit */
  int min_new_tokens;     /* tokens generated before a stop token may end the beam */
  double length_penalty;  /* HF semantics: a finished beam scores sum(logp) / len^length_penalty */
  int stop_tokens[CONFIG_MAX_STOP_TOKENS]; /* generation ends at any of these ids */
  int n_stop_tokens;
} config_decoding;

/* Everything one task needs, resolved. */
typedef struct {
  dataset_task task;
  int configured;         /* 1 when datasets.<task> is present */
  dataset_source source;  /* file paths resolved against the config's folder (strings owned by the config) */
  long num_samples;       /* eval subset size; -1 = the whole test split */
  size_t query_set_size;  /* demonstration pool drawn from the train split */
  prompt_options prompt;  /* template, zero-shot variant, demo separator */
  config_decoding decoding;
  postprocess_vqa_cut vqa_cut; /* VQA cut rules (VQA tasks) */
  int okvqa_stem;         /* OK-VQA: stem predictions (OpenFlamingo does) */
} config_task;

typedef struct {
  char *path;             /* the file read ("<string>" when parsed from text) */
  char *dir;              /* its folder, for relative paths */
  char *name;             /* run label; NULL when not given */
  config_protocol protocol;
  char *model_dir;        /* the HF checkpoint folder; NULL when not given (prompts does not need it) */
  dataset_task tasks[DATASET_N_TASKS]; /* the tasks to run, in config order */
  int n_tasks;
  int shots[CONFIG_MAX_SHOTS];
  int n_shots;
  uint64_t seeds[CONFIG_MAX_SEEDS];
  int n_seeds;
  sampler_mode sampling_mode;
  int world_size;         /* openflamingo mode: ranks emulated */
  int batch_size;         /* openflamingo mode: DataLoader batch size (does not change the draws) */
  int check_images;       /* check the image files a run uses before it starts */
  char vqa_metric[24];    /* "openflamingo" | "official" | "official-pre2021" */
  config_task task[DATASET_N_TASKS]; /* indexed by dataset_task */
  cJSON *json;            /* the parsed document (owned), for keys later subcommands add */
  arena mem;              /* owns every string above */
} config;

/* Reads and validates `path`. Returns 0 (free with config_free), or -1 with one line in err. */
int config_load(const char *path, config *out, char *err, size_t err_size);

/* The same from text; `name` is used in messages and `base_dir` resolves relative paths (NULL: "."). */
int config_parse(const char *text, const char *name, const char *base_dir, config *out, char *err, size_t err_size);

void config_free(config *c);

/* Index of `task` in c->tasks, or -1 when the config does not run it. */
int config_task_index(const config *c, dataset_task task);

/* The sampler parameters of one (task, shots, seed) cell. */
sampler_params config_sampler_params(const config *c, dataset_task task, int shots, uint64_t seed);

/* The resolved config as JSON (every option with the value used, defaults included), for run.json
 * and `prompts --json`. Returns a cJSON tree the caller deletes, or NULL (memory). */
cJSON *config_to_json(const config *c);

#endif
