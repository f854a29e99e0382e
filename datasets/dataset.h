/* dataset.h - the six benchmarks behind one small interface: load a split into samples.
 *
 * A task (VQAv2, OK-VQA, TextVQA, COCO, NoCaps, TextCaps) has two splits: TRAIN, the pool that
 * demonstrations are drawn from, and TEST, the split that is scored (protocol.md §1). Each dataset
 * family has one adapter that reads the official files exactly as distributed, checks them, and
 * fills a `dataset`: an array of samples whose strings live in the dataset's arena.
 *
 *   dataset_source src = {.task = DATASET_VQAV2, .test_questions = ..., ...};
 *   dataset ds;
 *   if (dataset_load(&src, DATASET_SPLIT_TEST, &ds, err, sizeof err)) { fprintf(stderr, "%s\n", err); ... }
 *   ... ds.samples[i].question ...
 *   dataset_free(&ds);
 *
 * Adapters and their files (docs/datasets.md has the field-by-field account):
 *   VQAv2, OK-VQA   questions + annotations JSON (VQA format); images COCO_<split>_<id:012d>.jpg where
 *                   <split> is the last component of the image dir (train2014 | val2014 | test2015)
 *   TextVQA         OpenFlamingo's *_vqa_format.json pair (format "vqa") or the official
 *                   TextVQA_0.5.1_<split>.json (format "official"); images <image_dir>/<image_id>.jpg
 *   COCO            Karpathy dataset_coco.json (split "train" = demos, "test" = eval) + the official
 *                   captions_val2014.json for the references of the eval images
 *   NoCaps          nocaps_val_4500_captions.json (eval); demos from COCO Karpathy train
 *   TextCaps        TextCaps_0.1_{train,val}.json, one entry per caption, grouped per image
 */
#ifndef FEWSHOT_DATASET_H
#define FEWSHOT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum {
  DATASET_VQAV2 = 0,
  DATASET_OKVQA,
  DATASET_TEXTVQA,
  DATASET_COCO,
  DATASET_NOCAPS,
  DATASET_TEXTCAPS,
  DATASET_N_TASKS
} dataset_task;

typedef enum { DATASET_SPLIT_TRAIN = 0, DATASET_SPLIT_TEST = 1 } dataset_split;

typedef enum { DATASET_KIND_VQA = 0, DATASET_KIND_CAPTION = 1 } dataset_kind;

typedef enum {
  DATASET_TEXTVQA_VQA_FORMAT = 0, /* OpenFlamingo's {train,val}_{questions,annotations}_vqa_format.json */
  DATASET_TEXTVQA_OFFICIAL = 1    /* TextVQA_0.5.1_{train,val}.json */
} dataset_textvqa_format;

/* Where a task's files are. Only the fields the task uses need to be set; the others stay NULL.
 *   VQAv2, OK-VQA  train_questions, train_annotations, train_image_dir,
 *                  test_questions, test_annotations (NULL allowed for VQAv2: no answers), test_image_dir
 *   TextVQA        textvqa_format; image_dir; vqa format: train/test_questions + train/test_annotations;
 *                  official: train_json, test_json
 *   COCO           karpathy_json, coco_train_image_dir, coco_val_image_dir, references_json
 *   NoCaps         test_json (nocaps_val_4500_captions.json), image_dir; demos (TRAIN split) from
 *                  karpathy_json, coco_train_image_dir, coco_val_image_dir
 *   TextCaps       train_json, test_json, image_dir */
typedef struct {
  dataset_task task;
  dataset_textvqa_format textvqa_format;
  const char *train_questions, *train_annotations, *train_image_dir;
  const char *test_questions, *test_annotations, *test_image_dir;
  const char *train_json, *test_json, *image_dir;
  const char *karpathy_json, *coco_train_image_dir, *coco_val_image_dir, *references_json;
} dataset_source;

/* One sample. Every pointer points into the owning dataset's arena (or is NULL where stated). */
typedef struct {
  const char *id;         /* the id the metrics key on, as text: question_id (VQA), cocoid / NoCaps image
                             id (captions), TextCaps image_id (a hex string) */
  int64_t id_num;         /* the same id as a number when id_is_num */
  int id_is_num;          /* 1 when the id is an integer in the source file */
  const char *image_id;   /* the image's id as text (several questions share one image) */
  const char *image_path; /* where the image file is */
  const char *question;   /* VQA: the question; captions: NULL */
  const char **answers;   /* VQA: every annotator answer in file order (OK-VQA: the stemmed `answer`
                             field); NULL when the split has no annotations */
  int n_answers;
  const char **references; /* captions, TEST split: every reference caption; NULL on TRAIN */
  int n_references;
  const char *demo_text;  /* what a demonstration shows: VQA answers[0] (as is); captions the first
                             caption with Python str.strip() applied. NULL when no annotations. */
  const char *question_type; /* VQA annotation question_type, or NULL */
  const char *answer_type;   /* VQA annotation answer_type, or NULL */
  const char *subset;        /* NoCaps `domain` (in-domain, near-domain, out-domain) when present, else NULL */
  size_t source_index;       /* position of the record in its file (questions[i], images[i], data[i]) */
} dataset_sample;

typedef struct {
  dataset_task task;
  dataset_split split;
  dataset_sample *samples; /* n_samples entries, in file order (malloc'd, freed by dataset_free) */
  size_t n_samples;
  const char *files;       /* the files read, comma separated, for messages and run records */
  arena mem;               /* owns every string and array above */
} dataset;

/* The task's config/CLI name: "vqav2", "okvqa", "textvqa", "coco", "nocaps", "textcaps". */
const char *dataset_task_name(dataset_task task);

/* The task's display name: "VQAv2", "OK-VQA", ... */
const char *dataset_task_title(dataset_task task);

/* Parses a task name as above into *out. Returns 0, or -1 when unknown. */
int dataset_task_parse(const char *name, dataset_task *out);

/* VQA or caption. */
dataset_kind dataset_task_kind(dataset_task task);

/* Loads one split of src->task. Reads and validates every file the split needs: JSON syntax,
 * required fields and their types, questions without annotations (or the reverse), ids that do not
 * line up, duplicate ids, images without references. Image files are not touched (see
 * dataset_check_images). Returns 0 and fills *out (free with dataset_free), or -1 with one line in
 * err naming the file and the item ("v2_mscoco_val2014_annotations.json: annotations[17]: missing
 * field 'answers'"); *out is then empty and needs no dataset_free. */
int dataset_load(const dataset_source *src, dataset_split split, dataset *out, char *err, size_t err_size);

/* Frees everything the dataset owns; leaves it empty. Safe on an empty dataset. */
void dataset_free(dataset *ds);

/* Checks that the image files of the samples exist and are regular files: all samples when
 * `indices` is NULL, else the n_indices samples listed. Consecutive samples with the same path are
 * checked once. Returns 0 when all exist; else -1 with err "<n> of <m> image files are missing
 * (first: <path> (<id>), ...)" naming up to three, and *n_missing (may be NULL) set. */
int dataset_check_images(const dataset *ds, const size_t *indices, size_t n_indices, size_t *n_missing,
                         char *err, size_t err_size);

/* Index of the sample whose id is `id`, or -1. Linear scan; for tests and tools. */
long dataset_find(const dataset *ds, const char *id);

#endif
