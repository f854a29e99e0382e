/* test_configs.c - the ready configs parse, and agree: configs/card.json is the model card's run
 * (xgen-mm-phi3-mini-base-r-v1.5, six tasks, 0/4/8 shots, OpenFlamingo main's options spelled out);
 * each configs/tasks/<task>.json resolves that task exactly as card.json does; configs/demo.json
 * runs the bundled tiny model on the mini datasets (six tasks, shots 0 and 4, two seeds) and every
 * file it names exists. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "test_util.h"

static int exists(const char *p) {
  struct stat st;
  return p && stat(p, &st) == 0;
}

int main(void) {
  test_ctx t = test_begin("harness_configs");
  char err[512], path[512];
  config card, demo;
  TEST_CHECK(&t, config_load("../configs/card.json", &card, err, sizeof err) == 0, "card.json: %s", err);
  TEST_CHECK(&t, card.n_tasks == 6 && card.n_shots == 3 && card.shots[0] == 0 && card.shots[1] == 4 && card.shots[2] == 8,
             "card: six tasks at 0/4/8 shots");
  TEST_CHECK(&t, card.model_dir && strstr(card.model_dir, "xgen-mm-phi3-mini-base-r-v1.5"), "card: the model");
  TEST_CHECK(&t, card.protocol == CONFIG_PROTOCOL_OF_MAIN && card.sampling_mode == SAMPLER_OPENFLAMINGO, "card: OpenFlamingo main");
  cJSON *cj = config_to_json(&card);
  const cJSON *cds = cJSON_GetObjectItem(cj, "datasets");
  for (int i = 0; i < card.n_tasks; i++) {
    const char *name = dataset_task_name(card.tasks[i]);
    snprintf(path, sizeof path, "../configs/tasks/%s.json", name);
    config one;
    if (config_load(path, &one, err, sizeof err) != 0) {
      TEST_CHECK(&t, 0, "%s: %s", path, err);
      continue;
    }
    TEST_CHECK(&t, one.n_tasks == 1 && one.tasks[0] == card.tasks[i], "%s runs %s only", path, name);
    test_streq(&t, one.name, card.name, "%s: same label as card.json (tables join them)", path);
    cJSON *oj = config_to_json(&one);
    TEST_CHECK(&t, cJSON_Compare(cJSON_GetObjectItem(cds, name), cJSON_GetObjectItem(cJSON_GetObjectItem(oj, "datasets"), name), 1),
               "%s resolves %s as card.json does", path, name);
    static const char *const same[] = {"protocol", "model", "shots", "seeds", "sampling", "metric"};
    for (size_t k = 0; k < sizeof same / sizeof *same; k++)
      TEST_CHECK(&t, cJSON_Compare(cJSON_GetObjectItem(cj, same[k]), cJSON_GetObjectItem(oj, same[k]), 1), "%s: %s as card.json", path, same[k]);
    cJSON_Delete(oj);
    config_free(&one);
  }
  cJSON_Delete(cj);
  config_free(&card);

  TEST_CHECK(&t, config_load("../configs/demo.json", &demo, err, sizeof err) == 0, "demo.json: %s", err);
  TEST_CHECK(&t, demo.n_tasks == 6 && demo.n_shots == 2 && demo.shots[0] == 0 && demo.shots[1] == 4 && demo.n_seeds == 2,
             "demo: six tasks, shots 0 and 4, two seeds");
  snprintf(path, sizeof path, "%s/model.safetensors", demo.model_dir ? demo.model_dir : "");
  TEST_CHECK(&t, exists(path), "demo: the tiny model is bundled: %s", path);
  for (int i = 0; i < demo.n_tasks; i++) {
    const dataset_source *s = &demo.task[demo.tasks[i]].source;
    const char *files[] = {s->train_questions, s->train_annotations, s->train_image_dir, s->test_questions, s->test_annotations,
                           s->test_image_dir, s->train_json, s->test_json, s->image_dir, s->karpathy_json,
                           s->coco_train_image_dir, s->coco_val_image_dir, s->references_json};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++)
      TEST_CHECK(&t, !files[k] || exists(files[k]), "demo: %s: %s exists", dataset_task_name(demo.tasks[i]), files[k]);
  }
  config_free(&demo);
  return test_report(&t);
}
