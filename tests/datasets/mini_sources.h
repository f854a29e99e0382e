/* mini_sources.h - dataset_source values for the mini datasets in tests/fixtures/datasets, with paths
 * relative to tests/ (the working directory ctest gives every test), exactly as
 * tools/reference/of_sampling_driver.py handed them to OpenFlamingo. Header only, for tests. */
#ifndef FEWSHOT_TEST_MINI_SOURCES_H
#define FEWSHOT_TEST_MINI_SOURCES_H

#include <string.h>

#include "dataset.h"

#define MINI "fixtures/datasets"

static inline dataset_source mini_source(dataset_task task) {
  dataset_source s;
  memset(&s, 0, sizeof s);
  s.task = task;
  switch (task) {
    case DATASET_VQAV2:
      s.train_questions = MINI "/vqav2/v2_OpenEnded_mscoco_train2014_questions.json";
      s.train_annotations = MINI "/vqav2/v2_mscoco_train2014_annotations.json";
      s.train_image_dir = MINI "/images/coco/train2014";
      s.test_questions = MINI "/vqav2/v2_OpenEnded_mscoco_val2014_questions.json";
      s.test_annotations = MINI "/vqav2/v2_mscoco_val2014_annotations.json";
      s.test_image_dir = MINI "/images/coco/val2014";
      break;
    case DATASET_OKVQA:
      s.train_questions = MINI "/okvqa/OpenEnded_mscoco_train2014_questions.json";
      s.train_annotations = MINI "/okvqa/mscoco_train2014_annotations.json";
      s.train_image_dir = MINI "/images/coco/train2014";
      s.test_questions = MINI "/okvqa/OpenEnded_mscoco_val2014_questions.json";
      s.test_annotations = MINI "/okvqa/mscoco_val2014_annotations.json";
      s.test_image_dir = MINI "/images/coco/val2014";
      break;
    case DATASET_TEXTVQA:
      s.textvqa_format = DATASET_TEXTVQA_VQA_FORMAT;
      s.train_questions = MINI "/textvqa/train_questions_vqa_format.json";
      s.train_annotations = MINI "/textvqa/train_annotations_vqa_format.json";
      s.test_questions = MINI "/textvqa/val_questions_vqa_format.json";
      s.test_annotations = MINI "/textvqa/val_annotations_vqa_format.json";
      s.train_json = MINI "/textvqa/TextVQA_0.5.1_train.json";
      s.test_json = MINI "/textvqa/TextVQA_0.5.1_val.json";
      s.image_dir = MINI "/images/textvqa/train_images";
      break;
    case DATASET_COCO:
      s.karpathy_json = MINI "/coco/dataset_coco.json";
      s.references_json = MINI "/coco/captions_val2014.json";
      s.coco_train_image_dir = MINI "/images/coco/train2014";
      s.coco_val_image_dir = MINI "/images/coco/val2014";
      break;
    case DATASET_NOCAPS:
      s.test_json = MINI "/nocaps/nocaps_val_4500_captions.json";
      s.image_dir = MINI "/images/nocaps/validation";
      s.karpathy_json = MINI "/coco/dataset_coco.json";
      s.coco_train_image_dir = MINI "/images/coco/train2014";
      s.coco_val_image_dir = MINI "/images/coco/val2014";
      break;
    case DATASET_TEXTCAPS:
      s.train_json = MINI "/textcaps/TextCaps_0.1_train.json";
      s.test_json = MINI "/textcaps/TextCaps_0.1_val.json";
      s.image_dir = MINI "/images/textcaps/train_images";
      break;
    default:
      break;
  }
  return s;
}

/* OpenFlamingo's task names in the goldens ("ok_vqa") to ours. Returns -1 when unknown. */
static inline int mini_task_from_of(const char *name, dataset_task *out) {
  if (strcmp(name, "ok_vqa") == 0) {
    *out = DATASET_OKVQA;
    return 0;
  }
  return dataset_task_parse(name, out);
}

#endif
