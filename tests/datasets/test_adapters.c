/* test_adapters.c - the six adapters on the mini datasets (fixtures/datasets, written by
 * tools/reference/make_mini_datasets.py) and on the real annotation excerpts, and the errors they give
 * for the broken variants (fixtures/datasets/broken). */
#include <stdarg.h>
#include <stdint.h>

#include "mini_sources.h"
#include "test_util.h"

#define BROKEN MINI "/broken/"

static int load(test_ctx *t, const dataset_source *src, dataset_split split, dataset *ds, const char *what) {
  char err[512] = "";
  int ok = dataset_load(src, split, ds, err, sizeof err) == 0;
  TEST_CHECK(t, ok, "%s: load failed: %s", what, err);
  return ok;
}

/* Loading must fail with a message containing every one of the NULL-terminated fragments. */
static void expect_error(test_ctx *t, const dataset_source *src, dataset_split split, const char *what, ...) {
  char err[512] = "";
  dataset ds;
  int rc = dataset_load(src, split, &ds, err, sizeof err);
  if (!TEST_CHECK(t, rc != 0, "%s: loaded, expected an error", what)) {
    dataset_free(&ds);
    return;
  }
  TEST_CHECK(t, strchr(err, '\n') == NULL && strlen(err) > 0, "%s: one-line error: \"%s\"", what, err);
  va_list ap;
  va_start(ap, what);
  for (const char *frag = va_arg(ap, const char *); frag; frag = va_arg(ap, const char *))
    TEST_CHECK(t, strstr(err, frag) != NULL, "%s: error \"%s\" lacks \"%s\"", what, err, frag);
  va_end(ap);
}

static void check_all_images(test_ctx *t, const dataset *ds, const char *what) {
  char err[512];
  size_t missing = 99;
  TEST_CHECK(t, dataset_check_images(ds, NULL, 0, &missing, err, sizeof err) == 0 && missing == 0,
             "%s: images: %s", what, err);
}

static void vqa_family(test_ctx *t) {
  /* VQAv2 */
  dataset_source src = mini_source(DATASET_VQAV2);
  dataset tr, te;
  if (load(t, &src, DATASET_SPLIT_TRAIN, &tr, "vqav2 train") && load(t, &src, DATASET_SPLIT_TEST, &te, "vqav2 test")) {
    TEST_CHECK(t, tr.n_samples == 24 && te.n_samples == 12, "vqav2 sizes %zu/%zu", tr.n_samples, te.n_samples);
    const dataset_sample *s = &te.samples[0];
    test_streq(t, s->id, "42000", "vqav2 test[0] id");
    TEST_CHECK(t, s->id_is_num && s->id_num == 42000, "vqav2 numeric id");
    test_streq(t, s->image_id, "42", "vqav2 image id");
    test_streq(t, s->image_path, MINI "/images/coco/val2014/COCO_val2014_000000000042.jpg", "vqav2 COCO image name");
    test_streq(t, s->question, "Are the lights on?", "vqav2 question");
    TEST_CHECK(t, s->n_answers == 10, "10 answers");
    test_streq(t, s->question_type, "are the", "question_type");
    test_streq(t, s->answer_type, "yes/no", "answer_type");
    s = &te.samples[4]; /* 74000 "How many cups are there?" */
    test_streq(t, s->question, "How many cups are there?", "vqav2 test[4] question");
    test_streq(t, s->answers[0], "1", "answers[0]");
    test_streq(t, s->demo_text, "1", "demo text = answers[0]");
    test_streq(t, s->answer_type, "number", "answer_type number");
    long w = dataset_find(&tr, "9002"); /* absent: 2 questions per image */
    TEST_CHECK(t, w == -1, "vqav2 train has 2 questions per image");
    w = dataset_find(&tr, "25001"); /* cat image 25, question 1: "What color are the cat's eyes?" */
    if (TEST_CHECK(t, w >= 0, "vqav2 train 25001")) {
      test_streq(t, tr.samples[w].answers[0], "green", "25001 answers[0]");
      test_streq(t, tr.samples[w].answers[9], "green and yellow", "25001 answers[9] (file order)");
    }
    test_streq(t, tr.samples[23].image_path, MINI "/images/coco/train2014/COCO_train2014_000000000078.jpg", "train image");
    TEST_CHECK(t, s->references == NULL && te.samples[0].subset == NULL, "no caption fields on VQA");
    check_all_images(t, &tr, "vqav2 train");
    check_all_images(t, &te, "vqav2 test");
    TEST_CHECK(t, dataset_find(&te, "42001") == 1 && dataset_find(&te, "nope") == -1, "dataset_find");
    dataset_free(&tr);
    dataset_free(&te);
  }
  /* OK-VQA: stemmed `answer`, not raw_answer */
  src = mini_source(DATASET_OKVQA);
  if (load(t, &src, DATASET_SPLIT_TRAIN, &tr, "okvqa train") && load(t, &src, DATASET_SPLIT_TEST, &te, "okvqa test")) {
    TEST_CHECK(t, tr.n_samples == 24 && te.n_samples == 12, "okvqa sizes %zu/%zu", tr.n_samples, te.n_samples);
    long i = dataset_find(&tr, "1136"); /* image 113: "What do these animals like to chase?" raw mice, stemmed mouse */
    if (TEST_CHECK(t, i >= 0, "okvqa question 1136")) {
      test_streq(t, tr.samples[i].question, "What do these animals like to chase?", "okvqa question");
      test_streq(t, tr.samples[i].answers[0], "mouse", "okvqa answers are the stemmed field");
      test_streq(t, tr.samples[i].question_type, "eight", "okvqa question_type");
    }
    check_all_images(t, &te, "okvqa test");
    dataset_free(&tr);
    dataset_free(&te);
  }
  /* TextVQA: the two formats give the same samples */
  src = mini_source(DATASET_TEXTVQA);
  dataset_source off = src;
  off.textvqa_format = DATASET_TEXTVQA_OFFICIAL;
  for (int split = 0; split < 2; split++) {
    dataset a, b;
    if (!load(t, &src, (dataset_split)split, &a, "textvqa vqa format")) continue;
    if (load(t, &off, (dataset_split)split, &b, "textvqa official")) {
      TEST_CHECK(t, a.n_samples == (split ? 12u : 24u) && a.n_samples == b.n_samples, "textvqa sizes %zu %zu", a.n_samples, b.n_samples);
      for (size_t i = 0; i < a.n_samples && i < b.n_samples; i++) {
        const dataset_sample *x = &a.samples[i], *y = &b.samples[i];
        int same = strcmp(x->id, y->id) == 0 && strcmp(x->question, y->question) == 0 &&
                   strcmp(x->image_path, y->image_path) == 0 && x->n_answers == y->n_answers &&
                   strcmp(x->demo_text, y->demo_text) == 0;
        for (int k = 0; same && k < x->n_answers; k++) same = strcmp(x->answers[k], y->answers[k]) == 0;
        TEST_CHECK(t, same, "textvqa split %d sample %zu differs between the formats", split, i);
      }
      test_streq(t, a.samples[0].image_path, split ? MINI "/images/textvqa/train_images/00d2a8df6a2a3a0b.jpg"
                                                   : MINI "/images/textvqa/train_images/0054c91397f2fe05.jpg",
                 "textvqa image path");
      TEST_CHECK(t, !a.samples[0].id_is_num || a.samples[0].id_num == (split ? 24 : 0), "textvqa ids continue from train");
      check_all_images(t, &a, "textvqa");
      dataset_free(&b);
    }
    dataset_free(&a);
  }
}

static void caption_family(test_ctx *t) {
  dataset_source src = mini_source(DATASET_COCO);
  dataset tr, te;
  if (load(t, &src, DATASET_SPLIT_TRAIN, &tr, "coco train") && load(t, &src, DATASET_SPLIT_TEST, &te, "coco test")) {
    TEST_CHECK(t, tr.n_samples == 24 && te.n_samples == 12, "coco: Karpathy train 24, test 12 (val/restval unused): %zu/%zu",
               tr.n_samples, te.n_samples);
    long i = dataset_find(&te, "42");
    if (TEST_CHECK(t, i >= 0, "coco test image 42")) {
      const dataset_sample *s = &te.samples[i];
      test_streq(t, s->image_path, MINI "/images/coco/val2014/COCO_val2014_000000000042.jpg", "coco val image path");
      TEST_CHECK(t, s->question == NULL && s->answers == NULL, "no question on captions");
      /* captions_val2014.json holds 6 captions for image 42 (id % 3 == 0), interleaved with others */
      TEST_CHECK(t, s->n_references == 6, "coco image 42: %d references", s->n_references);
      test_streq(t, s->references[0], "A tall white rocket surrounded by four lightning towers.", "references in file order");
      test_streq(t, s->references[5], "A rocket stands on a launch pad at dusk. ", "references kept verbatim");
    }
    for (size_t k = 0; k < tr.n_samples; k++) {
      const char *d = tr.samples[k].demo_text;
      size_t n = strlen(d);
      TEST_CHECK(t, n > 0 && d[0] != ' ' && d[n - 1] != ' ', "coco train %s: demo caption stripped: \"%s\"", tr.samples[k].id, d);
      TEST_CHECK(t, strstr(tr.samples[k].image_path, "/train2014/COCO_train2014_") != NULL, "coco train path %s", tr.samples[k].image_path);
    }
    i = dataset_find(&tr, "9"); /* rocket pool, start 9 % 7 = 2: raw " A rocket is prepared ..." */
    if (TEST_CHECK(t, i >= 0, "coco train 9")) test_streq(t, tr.samples[i].demo_text, "A space rocket waiting on the pad with lights shining around it.", "coco 9 demo");
    check_all_images(t, &tr, "coco train");
    check_all_images(t, &te, "coco test");
    dataset_free(&tr);
    dataset_free(&te);
  }
  src = mini_source(DATASET_NOCAPS);
  if (load(t, &src, DATASET_SPLIT_TRAIN, &tr, "nocaps train") && load(t, &src, DATASET_SPLIT_TEST, &te, "nocaps test")) {
    TEST_CHECK(t, tr.n_samples == 24, "nocaps demos: COCO Karpathy train (%zu)", tr.n_samples);
    TEST_CHECK(t, te.n_samples == 12, "nocaps val 12 (%zu)", te.n_samples);
    const dataset_sample *s = &te.samples[3];
    test_streq(t, s->id, "3", "nocaps id");
    test_streq(t, s->image_path, MINI "/images/nocaps/validation/003a9c2e44c0b0e1.jpg", "nocaps image");
    test_streq(t, s->subset, "near-domain", "nocaps domain");
    TEST_CHECK(t, s->n_references == 10, "nocaps 10 references (%d)", s->n_references);
    check_all_images(t, &te, "nocaps");
    dataset_free(&tr);
    dataset_free(&te);
  }
  src = mini_source(DATASET_TEXTCAPS);
  if (load(t, &src, DATASET_SPLIT_TRAIN, &tr, "textcaps train") && load(t, &src, DATASET_SPLIT_TEST, &te, "textcaps test")) {
    TEST_CHECK(t, tr.n_samples == 24 && te.n_samples == 12, "textcaps images %zu/%zu (from 120/60 caption entries)",
               tr.n_samples, te.n_samples);
    const dataset_sample *s = &te.samples[0];
    TEST_CHECK(t, !s->id_is_num && strcmp(s->id, s->image_id) == 0, "textcaps id is the image id");
    TEST_CHECK(t, s->n_references == 5, "textcaps 5 references (%d)", s->n_references);
    test_streq(t, s->demo_text, s->references[0], "textcaps demo text = first caption");
    TEST_CHECK(t, tr.samples[0].references == NULL, "textcaps train keeps only the demo caption");
    char want[128];
    snprintf(want, sizeof want, MINI "/images/textcaps/train_images/%s.jpg", s->id);
    test_streq(t, s->image_path, want, "textcaps image path");
    check_all_images(t, &tr, "textcaps train");
    check_all_images(t, &te, "textcaps test");
    dataset_free(&tr);
    dataset_free(&te);
  }
}

static void excerpts(test_ctx *t) {
  /* The first 22 real VQAv2 val questions, without annotations (the test-dev path). */
  dataset_source src = {.task = DATASET_VQAV2};
  src.test_questions = MINI "/excerpts/v2_OpenEnded_mscoco_val2014_questions.head22.json";
  src.test_image_dir = "/data/coco/val2014/";
  dataset ds;
  if (load(t, &src, DATASET_SPLIT_TEST, &ds, "real VQAv2 questions excerpt")) {
    TEST_CHECK(t, ds.n_samples == 22, "22 questions (%zu)", ds.n_samples);
    test_streq(t, ds.samples[0].id, "262148000", "first question id");
    test_streq(t, ds.samples[0].question, "Where is he looking?", "first question");
    test_streq(t, ds.samples[0].image_path, "/data/coco/val2014/COCO_val2014_000000262148.jpg", "real image name, trailing slash");
    TEST_CHECK(t, ds.samples[0].answers == NULL && ds.samples[0].demo_text == NULL, "no annotations");
    char err[512];
    size_t missing = 0;
    TEST_CHECK(t, dataset_check_images(&ds, NULL, 0, &missing, err, sizeof err) != 0 && missing == 22,
               "images absent: %zu", missing);
    TEST_CHECK(t, strstr(err, "22 of 22 image files are missing") && strstr(err, "COCO_val2014_000000262148.jpg (sample 262148000)"),
               "missing-image message: %s", err);
    size_t pick[2] = {3, 4};
    TEST_CHECK(t, dataset_check_images(&ds, pick, 2, &missing, err, sizeof err) != 0 && missing == 2, "subset check: %zu", missing);
    dataset_free(&ds);
  }
  /* OpenFlamingo's real TextVQA val files, first 12 entries. */
  dataset_source tv = {.task = DATASET_TEXTVQA, .textvqa_format = DATASET_TEXTVQA_VQA_FORMAT};
  tv.test_questions = MINI "/excerpts/openflamingo_val_questions_vqa_format.head12.json";
  tv.test_annotations = MINI "/excerpts/openflamingo_val_annotations_vqa_format.head12.json";
  tv.image_dir = "train_images";
  if (load(t, &tv, DATASET_SPLIT_TEST, &ds, "real TextVQA excerpt")) {
    TEST_CHECK(t, ds.n_samples == 12, "12 TextVQA questions");
    test_streq(t, ds.samples[0].id, "34602", "TextVQA first id");
    test_streq(t, ds.samples[0].image_path, "train_images/003a8ae2ef43b901.jpg", "TextVQA image");
    test_streq(t, ds.samples[0].demo_text, "nous les gosses", "answers[0] (not the majority answer)");
    test_streq(t, ds.samples[0].question_type, "none of the above", "question_type");
    dataset_free(&ds);
  }
  /* nocaps.org's format example: one image, one caption. */
  dataset_source nc = {.task = DATASET_NOCAPS, .image_dir = "validation"};
  nc.test_json = MINI "/excerpts/nocaps_val_4500_captions.format_example.json";
  if (load(t, &nc, DATASET_SPLIT_TEST, &ds, "nocaps format example")) {
    TEST_CHECK(t, ds.n_samples == 1 && ds.samples[0].n_references == 1, "nocaps example: 1 image, 1 caption");
    test_streq(t, ds.samples[0].image_path, "validation/0013ea2087020901.jpg", "nocaps example path");
    test_streq(t, ds.samples[0].references[0], "A baby is standing in front of a house.", "nocaps caption");
    dataset_free(&ds);
  }
}

static dataset_source broken_vqa(const char *q, const char *a) {
  dataset_source s = {.task = DATASET_VQAV2};
  s.test_questions = q;
  s.test_annotations = a;
  s.test_image_dir = MINI "/images/coco/train2014";
  return s;
}

static void broken(test_ctx *t) {
  dataset_source s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_ok.json");
  dataset ds;
  if (load(t, &s, DATASET_SPLIT_TEST, &ds, "broken/ok pair")) {
    TEST_CHECK(t, ds.n_samples == 3, "ok pair: 3");
    check_all_images(t, &ds, "ok pair");
    dataset_free(&ds);
  }
  s = broken_vqa(BROKEN "questions_missing_field.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "missing field", "questions_missing_field.json", "questions[1]",
               "missing field 'question'", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_missing_one.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "question without annotation", "annotations_missing_one.json",
               "no annotation for question_id 9001", "questions[1]", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_extra.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "annotation without question", "annotations[3]", "question_id 77000", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_reordered.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "mismatched ids", "annotations[0] has question_id 9001 but questions[0] has 9000",
               "same order", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_image_mismatch.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "image id mismatch", "annotations[2]", "image_id 30 differs from image_id 25", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_no_answers.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "empty answers", "annotations[1]", "'answers' is empty", NULL);
  s = broken_vqa(BROKEN "questions_duplicate_id.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "duplicate question id", "questions[0] and questions[3] share question_id 9000", NULL);
  s = broken_vqa(BROKEN "questions_string_id.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "question_id of the wrong type", "questions[2]", "'question_id' is not an integer", NULL);
  s = broken_vqa(BROKEN "truncated.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "truncated JSON", "truncated.json:1:", NULL);
  s = broken_vqa(BROKEN "trailing_comma.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "trailing comma", "trailing_comma.json:1:", "trailing comma", NULL);
  s = broken_vqa(BROKEN "bad_utf8.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "invalid UTF-8", "bad_utf8.json:1:", "UTF-8", "questions[0]", NULL);
  s = broken_vqa(BROKEN "no_such_file.json", BROKEN "annotations_ok.json");
  expect_error(t, &s, DATASET_SPLIT_TEST, "missing file", "no_such_file.json", "No such file", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", BROKEN "annotations_ok.json");
  s.test_image_dir = MINI "/images/coco";
  expect_error(t, &s, DATASET_SPLIT_TEST, "image dir not named by split", "test_image_dir", "train2014, val2014 or test2015", NULL);
  s = broken_vqa(BROKEN "questions_ok.json", NULL);
  s.task = DATASET_OKVQA;
  expect_error(t, &s, DATASET_SPLIT_TEST, "OK-VQA without annotations", "okvqa", "test_annotations", NULL);
  /* Missing image files: found up front, counted, the first ones named. */
  s = broken_vqa(BROKEN "questions_missing_images.json", BROKEN "annotations_missing_images.json");
  if (load(t, &s, DATASET_SPLIT_TEST, &ds, "questions with missing images")) {
    char err[512];
    size_t missing = 0;
    TEST_CHECK(t, dataset_check_images(&ds, NULL, 0, &missing, err, sizeof err) != 0 && missing == 2, "2 missing: %zu", missing);
    TEST_CHECK(t, strstr(err, "2 of 5 image files are missing") && strstr(err, "COCO_train2014_000000999001.jpg (sample 999001000)") &&
                  strstr(err, "COCO_train2014_000000999002.jpg"), "missing-image message: %s", err);
    dataset_free(&ds);
  }
  dataset_source tv = {.task = DATASET_TEXTVQA, .textvqa_format = DATASET_TEXTVQA_OFFICIAL, .image_dir = "x"};
  tv.test_json = BROKEN "textvqa_official_no_answers.json";
  expect_error(t, &tv, DATASET_SPLIT_TEST, "TextVQA official without answers", "data[0]", "missing field 'answers'", NULL);
  dataset_source co = mini_source(DATASET_COCO);
  co.karpathy_json = BROKEN "karpathy_no_raw.json";
  expect_error(t, &co, DATASET_SPLIT_TRAIN, "Karpathy sentence without raw", "karpathy_no_raw.json", "images[0]", "'raw'", NULL);
  co.karpathy_json = BROKEN "karpathy_no_cocoid.json";
  expect_error(t, &co, DATASET_SPLIT_TEST, "Karpathy without cocoid", "images[0]", "missing field 'cocoid'", NULL);
  co = mini_source(DATASET_COCO);
  co.references_json = BROKEN "captions_missing_image.json";
  expect_error(t, &co, DATASET_SPLIT_TEST, "test image without references", "captions_missing_image.json",
               "no reference caption for image", NULL);
  dataset_source nc = {.task = DATASET_NOCAPS, .image_dir = "validation"};
  nc.test_json = BROKEN "nocaps_unknown_image.json";
  expect_error(t, &nc, DATASET_SPLIT_TEST, "NoCaps caption of an unknown image", "annotations[1]", "image_id 5 is not in images", NULL);
  nc.test_json = BROKEN "nocaps_no_captions.json";
  expect_error(t, &nc, DATASET_SPLIT_TEST, "NoCaps image without captions", "images[1] (id 1)", "no captions", NULL);
  dataset_source tc = {.task = DATASET_TEXTCAPS, .image_dir = "x"};
  tc.test_json = BROKEN "textcaps_no_caption.json";
  expect_error(t, &tc, DATASET_SPLIT_TEST, "TextCaps entry without caption", "data[0]", "missing field 'caption_str'", NULL);
  dataset_source none = {.task = DATASET_TEXTCAPS, .image_dir = "x"};
  expect_error(t, &none, DATASET_SPLIT_TRAIN, "no file configured", "textcaps", "train_json", NULL);
}

int main(void) {
  test_ctx t = test_begin("datasets_adapters");
  vqa_family(&t);
  caption_family(&t);
  excerpts(&t);
  broken(&t);
  dataset_task task;
  TEST_CHECK(&t, dataset_task_parse("okvqa", &task) == 0 && task == DATASET_OKVQA && dataset_task_parse("ok_vqa", &task) != 0,
             "task names");
  TEST_CHECK(&t, dataset_task_kind(DATASET_TEXTVQA) == DATASET_KIND_VQA && dataset_task_kind(DATASET_NOCAPS) == DATASET_KIND_CAPTION,
             "task kinds");
  return test_report(&t);
}
