/* adapter_textvqa.c - TextVQA in its official release format, TextVQA_0.5.1_{train,val}.json.
 *
 * {"dataset_name": "textvqa", "dataset_version": "0.5.1", ..., "data": [{"question": "...",
 *   "image_id": "003a8ae2ef43b901", "question_id": 34602, "answers": ["...", ... 10 strings], ...}]}
 * Images: <image_dir>/<image_id>.jpg; the release keeps val images in train_images/, so one folder
 * serves both splits (as OpenFlamingo's --textvqa_image_dir_path does). OpenFlamingo's VQA-format
 * conversion of the same data is read by adapter_vqa.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

enum { KEY_MAX = 64, MAX_ANSWERS = 1024 };

int adapter_textvqa_official_load(const dataset_source *src, dataset_split split, dataset *ds, char *err,
                                  size_t err_size) {
  const int train = split == DATASET_SPLIT_TRAIN;
  const char *file = train ? src->train_json : src->test_json;
  if (!file) return adapter_fail(err, err_size, "textvqa", "no %s_json file given", train ? "train" : "test");
  if (!src->image_dir) return adapter_fail(err, err_size, "textvqa", "no image_dir given");
  const char *base = path_base(file);
  json_stream js;
  sample_vec sv = {0};
  str_index seen = {0};
  char where[64] = "";
  const char *answers[MAX_ANSWERS];
  if (adapter_open_member_array(&js, file, "data", err, err_size)) goto fail;
  if (str_index_init(&seen, 1024)) {
    adapter_fail(err, err_size, file, "out of memory");
    goto fail;
  }
  int rc;
  while ((rc = json_stream_array_next(&js)) == 1) {
    size_t i = sv.n;
    snprintf(where, sizeof where, "data[%zu]", i);
    dataset_sample *s = sample_vec_push(&sv);
    if (!s) {
      adapter_fail(err, err_size, file, "out of memory");
      goto fail;
    }
    s->source_index = i;
    if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
      adapter_fail(err, err_size, base, "%s: not an object", where);
      goto fail;
    }
    if (json_stream_object_begin(&js)) goto syntax;
    char key[KEY_MAX];
    int have_id = 0, have_answers = 0, n_answers = 0, k, img_is_num = 0;
    int64_t img_num = 0;
    while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
      if (strcmp(key, "question_id") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_NUMBER) {
          adapter_fail(err, err_size, base, "%s: 'question_id' is not an integer", where);
          goto fail;
        }
        if (json_stream_int64(&js, &s->id_num)) goto syntax;
        s->id_is_num = 1;
        have_id = 1;
      } else if (strcmp(key, "question") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_STRING) {
          adapter_fail(err, err_size, base, "%s: 'question' is not a string", where);
          goto fail;
        }
        if (adapter_read_string(&js, &ds->mem, &s->question)) goto syntax;
      } else if (strcmp(key, "image_id") == 0) {
        if (adapter_read_id(&js, &ds->mem, &s->image_id, &img_num, &img_is_num)) goto syntax;
      } else if (strcmp(key, "answers") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_ARRAY) {
          adapter_fail(err, err_size, base, "%s: 'answers' is not an array", where);
          goto fail;
        }
        if (json_stream_array_begin(&js)) goto syntax;
        int a;
        while ((a = json_stream_array_next(&js)) == 1) {
          if (n_answers >= MAX_ANSWERS) {
            adapter_fail(err, err_size, base, "%s: more than %d answers", where, MAX_ANSWERS);
            goto fail;
          }
          if (json_stream_peek(&js) != JSON_KIND_STRING) {
            adapter_fail(err, err_size, base, "%s: answers[%d] is not a string", where, n_answers);
            goto fail;
          }
          if (adapter_read_string(&js, &ds->mem, &answers[n_answers])) goto syntax;
          n_answers++;
        }
        if (a < 0) goto syntax;
        have_answers = 1;
      } else if (json_stream_skip(&js)) {
        goto syntax;
      }
    }
    if (k < 0) goto syntax;
    const char *missing = !have_id ? "question_id" : !s->question ? "question" : !s->image_id ? "image_id"
                          : !have_answers ? "answers" : NULL;
    if (missing) {
      adapter_fail(err, err_size, base, "%s: missing field '%s'%s", where, missing,
                   strcmp(missing, "answers") == 0 ? " (the test split has no answers: evaluate on val)" : "");
      goto fail;
    }
    if (n_answers == 0) {
      adapter_fail(err, err_size, base, "%s: 'answers' is empty (question_id %" PRId64 ")", where, s->id_num);
      goto fail;
    }
    s->id = arena_int(&ds->mem, s->id_num);
    s->image_path = path_join_jpg(&ds->mem, src->image_dir, s->image_id);
    const char **arr = arena_alloc(&ds->mem, (size_t)n_answers * sizeof *arr);
    if (!s->id || !s->image_path || !arr) {
      adapter_fail(err, err_size, file, "out of memory");
      goto fail;
    }
    memcpy(arr, answers, (size_t)n_answers * sizeof *arr);
    s->answers = arr;
    s->n_answers = n_answers;
    s->demo_text = arr[0];
    if (adapter_index_unique(&seen, s->id, i, file, base, "data", "question_id", err, err_size)) goto fail;
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) goto fail;
  json_stream_close(&js);
  str_index_free(&seen);
  ds->files = arena_strdup(&ds->mem, file);
  sample_vec_finish(&sv, ds);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
fail:
  json_stream_close(&js);
  str_index_free(&seen);
  sample_vec_free(&sv);
  return -1;
}
