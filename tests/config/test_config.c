/* test_config.c - the run config: defaults from the protocol, resolution order, relative paths, the
 * of-rsm protocol switch, and one-line errors naming the field. */
#include "config.h"
#include "test_util.h"

static int parse(const char *text, config *c, char *err, size_t n) { return config_parse(text, "t.json", "/cfg", c, err, n); }

/* Parsing must fail with a message containing `want`. */
static void reject(test_ctx *t, const char *text, const char *want) {
  config c;
  char err[512] = "";
  int rc = parse(text, &c, err, sizeof err);
  if (!TEST_CHECK(t, rc != 0, "accepted, expected \"%s\": %s", want, text)) {
    config_free(&c);
    return;
  }
  TEST_CHECK(t, strstr(err, want) != NULL && strncmp(err, "t.json: ", 8) == 0 && !strchr(err, '\n'),
             "error \"%s\" lacks \"%s\"", err, want);
}

#define COCO "\"coco\": {\"karpathy_json\": \"k.json\", \"train_image_dir\": \"tr\", \"val_image_dir\": \"va\", \"annotations_json\": \"a.json\"}"

int main(void) {
  test_ctx t = test_begin("config");
  char err[512];
  config c;

  /* The mini config, read from its file: paths relative to its folder. */
  if (TEST_CHECK(&t, config_load("fixtures/datasets/mini.json", &c, err, sizeof err) == 0, "mini.json: %s", err)) {
    TEST_CHECK(&t, c.n_tasks == 6 && c.tasks[0] == DATASET_VQAV2 && c.tasks[1] == DATASET_TEXTVQA && c.tasks[5] == DATASET_TEXTCAPS,
               "task order as listed");
    TEST_CHECK(&t, c.n_shots == 2 && c.shots[1] == 4 && c.n_seeds == 1 && c.seeds[0] == 42, "shots, seeds");
    test_streq(&t, c.task[DATASET_VQAV2].source.train_questions, "fixtures/datasets/vqav2/v2_OpenEnded_mscoco_train2014_questions.json",
               "relative path joined to the config folder");
    test_streq(&t, c.task[DATASET_NOCAPS].source.karpathy_json, "fixtures/datasets/coco/dataset_coco.json",
               "nocaps borrows datasets.coco's Karpathy file for its demos");
    test_streq(&t, c.task[DATASET_COCO].source.references_json, "fixtures/datasets/coco/captions_val2014.json", "coco references");
    TEST_CHECK(&t, c.task[DATASET_TEXTVQA].source.textvqa_format == DATASET_TEXTVQA_VQA_FORMAT, "textvqa format");
    TEST_CHECK(&t, c.task[DATASET_OKVQA].query_set_size == 24 && c.task[DATASET_OKVQA].num_samples == -1, "query set, num_samples");
    /* OpenFlamingo main's decoding defaults (protocol.md §4.1). */
    const config_decoding *v = &c.task[DATASET_VQAV2].decoding, *tv = &c.task[DATASET_TEXTVQA].decoding,
                          *cc = &c.task[DATASET_COCO].decoding;
    TEST_CHECK(&t, v->num_beams == 3 && v->max_new_tokens == 5 && v->min_new_tokens == 0 && v->length_penalty == 0.0, "vqav2 decoding");
    TEST_CHECK(&t, tv->max_new_tokens == 10 && cc->max_new_tokens == 20 && cc->num_beams == 3, "textvqa 10, captions 20 tokens");
    TEST_CHECK(&t, v->n_stop_tokens == 2 && v->stop_tokens[0] == 32000 && v->stop_tokens[1] == 32014, "stop tokens");
    TEST_CHECK(&t, c.task[DATASET_OKVQA].prompt.template_variant == PROMPT_TEMPLATE_OF_MAIN &&
                   c.task[DATASET_OKVQA].prompt.zero_shot == PROMPT_ZERO_SHOT_OF_MAIN &&
                   c.task[DATASET_VQAV2].vqa_cut == POSTPROCESS_VQA_OF_MAIN && c.task[DATASET_OKVQA].okvqa_stem,
               "of-main prompt and post-processing");
    TEST_CHECK(&t, c.sampling_mode == SAMPLER_OPENFLAMINGO && c.world_size == 1 && c.batch_size == 8 && c.check_images, "sampling");
    test_streq(&t, c.vqa_metric, "openflamingo", "vqa metric");
    sampler_params p = config_sampler_params(&c, DATASET_COCO, 0, 7);
    TEST_CHECK(&t, p.n_draws == 2 && p.seed == 7 && p.query_set_size == 24 && p.num_samples == -1, "sampler params at 0 shots");
    cJSON *j = config_to_json(&c);
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    TEST_CHECK(&t, s && strstr(s, "\"okvqa\":{") && strstr(s, "\"max_new_tokens\":10") && strstr(s, "\"zero_shot\":\"of-main\"") &&
                   strstr(s, "\"stop_tokens\":[32000,32014]"), "resolved JSON: %s", s ? s : "(null)");
    free(s);
    cJSON_Delete(j);
    config_free(&c);
  }

  /* reduce-scope-mllm protocol, then overrides at the top level and per task. */
  const char *rsm = "{\"protocol\": \"of-rsm\", \"decoding\": {\"max_new_tokens\": 7}, \"num_samples\": 100,"
                    " \"datasets\": {" COCO ", \"okvqa\": {\"train_questions\": \"q\", \"train_annotations\": \"a\","
                    " \"train_image_dir\": \"/d/train2014\", \"test_questions\": \"q2\", \"test_annotations\": \"a2\","
                    " \"test_image_dir\": \"/d/val2014\", \"decoding\": {\"num_beams\": 2}, \"prompt\": {\"zero_shot\": \"none\"}}}}";
  if (TEST_CHECK(&t, parse(rsm, &c, err, sizeof err) == 0, "of-rsm config: %s", err)) {
    const config_task *ok = &c.task[DATASET_OKVQA], *co = &c.task[DATASET_COCO];
    TEST_CHECK(&t, ok->prompt.template_variant == PROMPT_TEMPLATE_OF_RSM && ok->vqa_cut == POSTPROCESS_VQA_OF_RSM, "of-rsm template, cut");
    TEST_CHECK(&t, ok->prompt.zero_shot == PROMPT_ZERO_SHOT_NONE && co->prompt.zero_shot == PROMPT_ZERO_SHOT_OF_RSM, "per-task zero-shot");
    TEST_CHECK(&t, ok->decoding.num_beams == 2 && co->decoding.num_beams == 3, "of-rsm beams: per-task 2, captions 3");
    TEST_CHECK(&t, ok->decoding.max_new_tokens == 7 && co->decoding.max_new_tokens == 7, "top-level decoding applies to all");
    TEST_CHECK(&t, ok->num_samples == 100, "top-level num_samples");
    TEST_CHECK(&t, c.n_tasks == 2 && c.tasks[0] == DATASET_OKVQA && c.tasks[1] == DATASET_COCO, "default tasks: configured, card order");
    test_streq(&t, co->source.karpathy_json, "/cfg/k.json", "relative path joined to base dir");
    test_streq(&t, ok->source.train_image_dir, "/d/train2014", "absolute path kept");
    config_free(&c);
  }

  /* The shipped card config parses (its files need not exist for that). */
  if (TEST_CHECK(&t, config_load("../configs/card.json", &c, err, sizeof err) == 0, "configs/card.json: %s", err)) {
    TEST_CHECK(&t, c.n_tasks == 6 && c.n_shots == 3 && c.task[DATASET_NOCAPS].source.karpathy_json &&
                   strcmp(c.task[DATASET_NOCAPS].source.karpathy_json, "/data/coco/dataset_coco.json") == 0, "card config");
    config_free(&c);
  }

  reject(&t, "{\"datasets\": {\"vqav2\": {\"train_question\": \"x\"}}}", "datasets.vqav2.train_question: unknown key (did you mean 'train_questions'?)");
  reject(&t, "{\"shot\": [0]}", "shot: unknown key (did you mean 'shots'?)");
  reject(&t, "{\"datasets\": {" COCO "}, \"shots\": \"4\"}", "shots: expected a non-empty array");
  reject(&t, "{\"datasets\": {" COCO "}, \"shots\": [0, 4, 4]}", "shots: 4 is listed twice");
  reject(&t, "{\"datasets\": {" COCO "}, \"seeds\": [-1]}", "seeds: element 0");
  reject(&t, "{\"datasets\": {" COCO "}, \"sampling\": {\"mode\": \"random\"}}", "sampling.mode: 'random' is not one of openflamingo, stable");
  reject(&t, "{\"datasets\": {" COCO "}, \"sampling\": {\"world_size\": 0}}", "sampling.world_size: 0 is out of range");
  reject(&t, "{\"datasets\": {" COCO "}, \"prompt\": {\"template\": \"rsm\"}}", "prompt.template: 'rsm'");
  reject(&t, "{\"datasets\": {\"coco\": {\"karpathy_json\": 3}}}", "datasets.coco.karpathy_json: expected a string");
  reject(&t, "{\"datasets\": {\"coco\": {\"karpathy_json\": \"k\"}}}", "datasets.coco.train_image_dir: missing (needed by task coco)");
  reject(&t, "{\"tasks\": [\"textcaps\"], \"datasets\": {" COCO "}}", "datasets.textcaps: missing");
  reject(&t, "{\"tasks\": [\"flickr\"], \"datasets\": {" COCO "}}", "tasks: element 0");
  reject(&t, "{\"datasets\": {\"flickr\": {}}}", "datasets.flickr: unknown task");
  reject(&t, "{\"datasets\": {" COCO "}, \"query_set_size\": 4, \"shots\": [8]}", "datasets.coco.query_set_size: 4 is smaller than the 8 demos");
  reject(&t, "{\"datasets\": {" COCO "}, \"num_samples\": 0}", "num_samples: 0 samples");
  reject(&t, "{\"datasets\": {" COCO "}, \"decoding\": {\"min_new_tokens\": 30}}", "min_new_tokens 30 exceeds max_new_tokens 20");
  reject(&t, "{\"datasets\": {" COCO "}, \"decoding\": {\"num_beams\": 1.5}}", "decoding.num_beams: expected an integer");
  reject(&t, "{\"datasets\": {" COCO "}, \"metric\": {\"vqa\": \"exact\"}}", "metric.vqa: 'exact'");
  reject(&t, "{\"datasets\": {" COCO "},\n \"shots\": [0,]\n}", "not valid JSON (line 2");
  reject(&t, "[1]", "expected a JSON object");
  reject(&t, "{}", "datasets: no task configured");
  TEST_CHECK(&t, config_load("fixtures/datasets/no_such.json", &c, err, sizeof err) != 0 && strstr(err, "no_such.json: No such file"),
             "missing file: %s", err);
  return test_report(&t);
}
