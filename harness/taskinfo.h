/* taskinfo.h - how results of each task are reported: the model card's column title, the key
 * OpenFlamingo's results file uses, the metric's name and how OpenFlamingo rounds a trial's score.
 * Reporting facts only; what a task reads and runs is the datasets module's business. */
#ifndef FEWSHOT_TASKINFO_H
#define FEWSHOT_TASKINFO_H

typedef struct {
  const char *key;        /* our task key, as in configs and records: "vqav2", "okvqa", ... */
  const char *title;      /* the model card's column title: "VQAv2", "OKVQA", ... */
  const char *of_key;     /* key in OpenFlamingo's results file ("ok_vqa" on OF main) */
  const char *metric;     /* "vqa_accuracy" (0..100) or "cider" (CIDEr x 100) */
  int trial_decimals;     /* OpenFlamingo rounds a VQA trial to 2 decimals (VQAEval); -1: unrounded */
  int order;              /* column position in the card's table */
} taskinfo;

/* The entry of `key` (aliases "ok_vqa" and "okvqa" both answer OK-VQA), or NULL when unknown. The
 * returned pointer is to static constant data. */
const taskinfo *taskinfo_lookup(const char *key);

/* The card's six tasks in its column order (static array of 6). */
const taskinfo *taskinfo_card_tasks(int *n);

#endif
