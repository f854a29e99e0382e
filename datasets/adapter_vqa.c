/* adapter_vqa.c - VQAv2, OK-VQA and TextVQA in the VQA format: a questions file and an annotations file.
 *
 * Questions: {"questions": [{"image_id": 262148, "question": "...", "question_id": 262148000}, ...], ...}
 * Annotations: {"annotations": [{"question_id": ..., "image_id": ..., "answers": [{"answer": "..."}, ...],
 *               "question_type": "...", "answer_type": "...", ...}, ...], ...}
 * OpenFlamingo's VQADataset pairs questions[i] with annotations[i] by position; we read both in file
 * order, check that the ids line up exactly, and say precisely what is wrong when they do not.
 * Images: VQAv2/OK-VQA  <image_dir>/COCO_<split>_<image_id:012d>.jpg with <split> the last component of
 * the image dir; TextVQA <image_dir>/<image_id>.jpg (one folder for both splits). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

enum { KEY_MAX = 64, MAX_ANSWERS = 1024 };

/* The COCO split named by the image dir: its last component after stripping slashes at both ends
 * (OpenFlamingo: image_dir_path.strip("/").split("/")[-1]). */
static int coco_split_of_dir(const char *dir, char *out, size_t out_size) {
  size_t n = strlen(dir);
  while (n > 0 && dir[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && dir[b - 1] != '/') b--;
  size_t len = n - b;
  if (len + 1 > out_size) return -1;
  memcpy(out, dir + b, len);
  out[len] = '\0';
  return strcmp(out, "train2014") == 0 || strcmp(out, "val2014") == 0 || strcmp(out, "test2015") == 0 ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int contains_i64(const int64_t *sorted, size_t n, int64_t v) {
  return bsearch(&v, sorted, n, sizeof v, cmp_i64) != NULL;
}

/* Explains why the annotation ids do not line up with the question ids. */
static int diagnose_ids(const sample_vec *sv, const int64_t *ann_ids, size_t n_ann, const char *qfile,
                        const char *afile, char *err, size_t err_size) {
  size_t nq = sv->n;
  int64_t *qs = malloc((nq ? nq : 1) * sizeof *qs), *as = malloc((n_ann ? n_ann : 1) * sizeof *as);
  if (!qs || !as) {
    free(qs);
    free(as);
    return adapter_fail(err, err_size, afile, "out of memory");
  }
  for (size_t i = 0; i < nq; i++) qs[i] = sv->v[i].id_num;
  memcpy(as, ann_ids, n_ann * sizeof *as);
  qsort(qs, nq, sizeof *qs, cmp_i64);
  qsort(as, n_ann, sizeof *as, cmp_i64);
  int rc = -1;
  for (size_t i = 0; i < nq; i++) {
    if (!contains_i64(as, n_ann, sv->v[i].id_num)) {
      adapter_fail(err, err_size, afile, "no annotation for question_id %" PRId64 " (questions[%zu] of %s); %zu questions, %zu annotations",
                   sv->v[i].id_num, i, path_base(qfile), nq, n_ann);
      goto done;
    }
  }
  for (size_t j = 0; j < n_ann; j++) {
    if (!contains_i64(qs, nq, ann_ids[j])) {
      adapter_fail(err, err_size, afile, "annotations[%zu]: question_id %" PRId64 " is not in %s; %zu questions, %zu annotations",
                   j, ann_ids[j], path_base(qfile), nq, n_ann);
      goto done;
    }
  }
  for (size_t j = 1; j < n_ann; j++) {
    if (as[j] == as[j - 1]) {
      adapter_fail(err, err_size, afile, "question_id %" PRId64 " is annotated twice", as[j]);
      goto done;
    }
  }
  for (size_t i = 0; i < nq && i < n_ann; i++) {
    if (sv->v[i].id_num != ann_ids[i]) {
      adapter_fail(err, err_size, afile,
                   "annotations[%zu] has question_id %" PRId64 " but questions[%zu] has %" PRId64
                   ": the two files must list the same questions in the same order (OpenFlamingo pairs them by position)",
                   i, ann_ids[i], i, sv->v[i].id_num);
      goto done;
    }
  }
  adapter_fail(err, err_size, afile, "%zu annotations for %zu questions", n_ann, nq);
done:
  free(qs);
  free(as);
  return rc;
}

/* Reads questions[] into sv. */
static int read_questions(const char *qfile, dataset *ds, sample_vec *sv, int need_int_image_id, char *err,
                          size_t err_size) {
  json_stream js;
  if (adapter_open_member_array(&js, qfile, "questions", err, err_size)) {
    json_stream_close(&js);
    return -1;
  }
  const char *qbase = path_base(qfile);
  int rc;
  char where[64];
  while ((rc = json_stream_array_next(&js)) == 1) {
    size_t i = sv->n;
    snprintf(where, sizeof where, "questions[%zu]", i);
    dataset_sample *s = sample_vec_push(sv);
    if (!s) {
      json_stream_close(&js);
      return adapter_fail(err, err_size, qfile, "out of memory at questions[%zu]", i);
    }
    s->source_index = i;
    if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
      json_stream_close(&js);
      return adapter_fail(err, err_size, qbase, "%s: not an object", where);
    }
    if (json_stream_object_begin(&js)) goto syntax;
    char key[KEY_MAX];
    int have_img = 0, have_q = 0, have_id = 0, k;
    int64_t img_num = 0;
    int img_is_num = 0;
    while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
      if (strcmp(key, "question_id") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_NUMBER) {
          json_stream_close(&js);
          return adapter_fail(err, err_size, qbase, "%s: 'question_id' is not an integer", where);
        }
        if (json_stream_int64(&js, &s->id_num)) goto syntax;
        s->id_is_num = 1;
        s->id = arena_int(&ds->mem, s->id_num);
        have_id = 1;
      } else if (strcmp(key, "question") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_STRING) {
          json_stream_close(&js);
          return adapter_fail(err, err_size, qbase, "%s: 'question' is not a string", where);
        }
        if (adapter_read_string(&js, &ds->mem, &s->question)) goto syntax;
        have_q = 1;
      } else if (strcmp(key, "image_id") == 0) {
        if (adapter_read_id(&js, &ds->mem, &s->image_id, &img_num, &img_is_num)) goto syntax;
        have_img = 1;
      } else if (json_stream_skip(&js)) {
        goto syntax;
      }
    }
    if (k < 0) goto syntax;
    const char *missing = !have_id ? "question_id" : !have_q ? "question" : !have_img ? "image_id" : NULL;
    if (missing) {
      json_stream_close(&js);
      return adapter_fail(err, err_size, qbase, "%s: missing field '%s'", where, missing);
    }
    if (need_int_image_id && (!img_is_num || img_num < 0)) {
      json_stream_close(&js);
      return adapter_fail(err, err_size, qbase, "%s: 'image_id' must be a non-negative integer (COCO image names are built from it)", where);
    }
    if (!s->id || !s->image_id) {
      json_stream_close(&js);
      return adapter_fail(err, err_size, qbase, "%s: out of memory", where);
    }
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) {
    json_stream_close(&js);
    return -1;
  }
  json_stream_close(&js);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
  json_stream_close(&js);
  return -1;
}

/* Reads annotations[] and attaches answers to the samples with the same position. */
static int read_annotations(const char *afile, const char *qfile, dataset *ds, sample_vec *sv, char *err,
                            size_t err_size) {
  json_stream js;
  if (adapter_open_member_array(&js, afile, "annotations", err, err_size)) {
    json_stream_close(&js);
    return -1;
  }
  const char *abase = path_base(afile);
  size_t cap = sv->n ? sv->n : 1, n_ann = 0;
  int64_t *ann_ids = malloc(cap * sizeof *ann_ids);
  const char *answers[MAX_ANSWERS];
  int mismatch = 0;
  int rc;
  char where[64] = "";
  if (!ann_ids) {
    json_stream_close(&js);
    return adapter_fail(err, err_size, afile, "out of memory");
  }
  while ((rc = json_stream_array_next(&js)) == 1) {
    size_t j = n_ann;
    snprintf(where, sizeof where, "annotations[%zu]", j);
    if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
      adapter_fail(err, err_size, abase, "%s: not an object", where);
      goto fail;
    }
    if (json_stream_object_begin(&js)) goto syntax;
    char key[KEY_MAX];
    int have_id = 0, have_answers = 0, have_img = 0, n_answers = 0, k;
    int64_t qid = 0, img_num = 0;
    int img_is_num = 0;
    const char *img_text = NULL, *qtype = NULL, *atype = NULL;
    while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
      if (strcmp(key, "question_id") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_NUMBER) {
          adapter_fail(err, err_size, abase, "%s: 'question_id' is not an integer", where);
          goto fail;
        }
        if (json_stream_int64(&js, &qid)) goto syntax;
        have_id = 1;
      } else if (strcmp(key, "image_id") == 0) {
        if (adapter_read_id(&js, &ds->mem, &img_text, &img_num, &img_is_num)) goto syntax;
        have_img = 1;
      } else if (strcmp(key, "question_type") == 0 && json_stream_peek(&js) == JSON_KIND_STRING) {
        if (adapter_read_string(&js, &ds->mem, &qtype)) goto syntax;
      } else if (strcmp(key, "answer_type") == 0 && json_stream_peek(&js) == JSON_KIND_STRING) {
        if (adapter_read_string(&js, &ds->mem, &atype)) goto syntax;
      } else if (strcmp(key, "answers") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_ARRAY) {
          adapter_fail(err, err_size, abase, "%s: 'answers' is not an array", where);
          goto fail;
        }
        if (json_stream_array_begin(&js)) goto syntax;
        int a;
        while ((a = json_stream_array_next(&js)) == 1) {
          if (n_answers >= MAX_ANSWERS) {
            adapter_fail(err, err_size, abase, "%s: more than %d answers", where, MAX_ANSWERS);
            goto fail;
          }
          if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
            adapter_fail(err, err_size, abase, "%s: answers[%d] is not an object", where, n_answers);
            goto fail;
          }
          if (json_stream_object_begin(&js)) goto syntax;
          const char *ans = NULL;
          int kk;
          while ((kk = json_stream_object_next(&js, key, sizeof key)) == 1) {
            if (strcmp(key, "answer") == 0) {
              if (json_stream_peek(&js) != JSON_KIND_STRING) {
                adapter_fail(err, err_size, abase, "%s: answers[%d].answer is not a string", where, n_answers);
                goto fail;
              }
              if (adapter_read_string(&js, &ds->mem, &ans)) goto syntax;
            } else if (json_stream_skip(&js)) {
              goto syntax;
            }
          }
          if (kk < 0) goto syntax;
          if (!ans) {
            adapter_fail(err, err_size, abase, "%s: answers[%d]: missing field 'answer'", where, n_answers);
            goto fail;
          }
          answers[n_answers++] = ans;
        }
        if (a < 0) goto syntax;
        have_answers = 1;
      } else if (json_stream_skip(&js)) {
        goto syntax;
      }
    }
    if (k < 0) goto syntax;
    const char *missing = !have_id ? "question_id" : !have_answers ? "answers" : NULL;
    if (missing) {
      adapter_fail(err, err_size, abase, "%s: missing field '%s'", where, missing);
      goto fail;
    }
    if (n_answers == 0) {
      adapter_fail(err, err_size, abase, "%s: 'answers' is empty (question_id %" PRId64 ")", where, qid);
      goto fail;
    }
    if (n_ann == cap) {
      cap *= 2;
      int64_t *p = realloc(ann_ids, cap * sizeof *p);
      if (!p) {
        adapter_fail(err, err_size, afile, "out of memory");
        goto fail;
      }
      ann_ids = p;
    }
    ann_ids[n_ann++] = qid;
    if (j < sv->n && sv->v[j].id_num == qid && !mismatch) {
      dataset_sample *s = &sv->v[j];
      if (have_img && strcmp(img_text, s->image_id) != 0) {
        adapter_fail(err, err_size, abase, "%s: image_id %s differs from image_id %s of question_id %" PRId64 " in %s",
                     where, img_text, s->image_id, qid, path_base(qfile));
        goto fail;
      }
      const char **arr = arena_alloc(&ds->mem, (size_t)n_answers * sizeof *arr);
      if (!arr) {
        adapter_fail(err, err_size, afile, "out of memory");
        goto fail;
      }
      memcpy(arr, answers, (size_t)n_answers * sizeof *arr);
      s->answers = arr;
      s->n_answers = n_answers;
      s->demo_text = arr[0];
      s->question_type = qtype;
      s->answer_type = atype;
    } else {
      mismatch = 1;
    }
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) goto fail;
  json_stream_close(&js);
  if (mismatch || n_ann != sv->n) {
    diagnose_ids(sv, ann_ids, n_ann, qfile, afile, err, err_size);
    free(ann_ids);
    return -1;
  }
  free(ann_ids);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
fail:
  json_stream_close(&js);
  free(ann_ids);
  return -1;
}

/* Checks question ids are unique (sorted copy). */
static int check_unique_ids(const sample_vec *sv, const char *qfile, char *err, size_t err_size) {
  if (sv->n < 2) return 0;
  int64_t *ids = malloc(sv->n * sizeof *ids);
  if (!ids) return adapter_fail(err, err_size, qfile, "out of memory");
  for (size_t i = 0; i < sv->n; i++) ids[i] = sv->v[i].id_num;
  qsort(ids, sv->n, sizeof *ids, cmp_i64);
  for (size_t i = 1; i < sv->n; i++) {
    if (ids[i] == ids[i - 1]) {
      int64_t dup = ids[i];
      free(ids);
      size_t a = 0, b = 0;
      int seen = 0;
      for (size_t k = 0; k < sv->n; k++) {
        if (sv->v[k].id_num == dup) {
          if (!seen) { a = k; seen = 1; } else { b = k; break; }
        }
      }
      return adapter_fail(err, err_size, path_base(qfile), "questions[%zu] and questions[%zu] share question_id %" PRId64, a, b, dup);
    }
  }
  free(ids);
  return 0;
}

int adapter_vqa_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size) {
  const int train = split == DATASET_SPLIT_TRAIN;
  const char *task = dataset_task_name(src->task);
  const char *qfile = train ? src->train_questions : src->test_questions;
  const char *afile = train ? src->train_annotations : src->test_annotations;
  const int coco_names = src->task != DATASET_TEXTVQA;
  const char *image_dir = coco_names ? (train ? src->train_image_dir : src->test_image_dir) : src->image_dir;
  const char *split_name = train ? "train" : "test";
  if (!qfile) return adapter_fail(err, err_size, task, "no %s_questions file given", split_name);
  if (!afile && (train || src->task != DATASET_VQAV2))
    return adapter_fail(err, err_size, task, "no %s_annotations file given", split_name);
  if (!image_dir)
    return adapter_fail(err, err_size, task, "no %s given", coco_names ? (train ? "train_image_dir" : "test_image_dir") : "image_dir");
  char coco_split[64] = "";
  if (coco_names && coco_split_of_dir(image_dir, coco_split, sizeof coco_split))
    return adapter_fail(err, err_size, task,
                        "%s_image_dir '%s': its last component must be train2014, val2014 or test2015 "
                        "(COCO image names are COCO_<that>_<image_id>.jpg)", split_name, image_dir);
  sample_vec sv = {0};
  if (read_questions(qfile, ds, &sv, coco_names, err, err_size)) goto fail;
  if (check_unique_ids(&sv, qfile, err, err_size)) goto fail;
  /* Image paths, as OpenFlamingo's VQADataset.get_img_path builds them. */
  for (size_t i = 0; i < sv.n; i++) {
    dataset_sample *s = &sv.v[i];
    if (i > 0 && strcmp(s->image_id, sv.v[i - 1].image_id) == 0) {
      s->image_path = sv.v[i - 1].image_path; /* questions of one image are listed together: share the path */
      continue;
    }
    if (coco_names) {
      long long img = strtoll(s->image_id, NULL, 10); /* checked to be a non-negative integer */
      s->image_path = arena_printf(&ds->mem, "%s%sCOCO_%s_%012lld.jpg", image_dir,
                                   image_dir[0] && image_dir[strlen(image_dir) - 1] == '/' ? "" : "/", coco_split, img);
    } else {
      s->image_path = arena_printf(&ds->mem, "%s%s%s.jpg", image_dir,
                                   image_dir[0] && image_dir[strlen(image_dir) - 1] == '/' ? "" : "/", s->image_id);
    }
    if (!s->image_path) {
      adapter_fail(err, err_size, qfile, "out of memory");
      goto fail;
    }
  }
  if (afile && read_annotations(afile, qfile, ds, &sv, err, err_size)) goto fail;
  ds->files = afile ? arena_printf(&ds->mem, "%s,%s", qfile, afile) : arena_strdup(&ds->mem, qfile);
  sample_vec_finish(&sv, ds);
  return 0;
fail:
  sample_vec_free(&sv);
  return -1;
}
