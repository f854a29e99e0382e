/* taskinfo.c - the reporting table of the six tasks of the model card (taskinfo.h). */
#include "taskinfo.h"

#include <string.h>

/* Card order: VQAv2, TextVQA, OKVQA, COCO, NoCaps, TextCaps. OpenFlamingo main writes "ok_vqa",
 * the reduce-scope-mllm branch "okvqa" (protocol.md §6); TextCaps has no OpenFlamingo key, so we
 * use our own. */
static const taskinfo tasks[] = {
    {"vqav2", "VQAv2", "vqav2", "vqa_accuracy", 2, 0},
    {"textvqa", "TextVQA", "textvqa", "vqa_accuracy", 2, 1},
    {"okvqa", "OKVQA", "ok_vqa", "vqa_accuracy", 2, 2},
    {"coco", "COCO", "coco", "cider", -1, 3},
    {"nocaps", "NoCaps", "nocaps", "cider", -1, 4},
    {"textcaps", "TextCaps", "textcaps", "cider", -1, 5},
};

const taskinfo *taskinfo_lookup(const char *key) {
  if (!key) return NULL;
  if (strcmp(key, "ok_vqa") == 0) key = "okvqa";
  for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
    if (strcmp(tasks[i].key, key) == 0) return &tasks[i];
  return NULL;
}

const taskinfo *taskinfo_card_tasks(int *n) {
  *n = (int)(sizeof tasks / sizeof tasks[0]);
  return tasks;
}
