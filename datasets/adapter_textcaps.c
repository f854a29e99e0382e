/* adapter_textcaps.c - TextCaps, TextCaps_0.1_{train,val}.json.
 *
 * {"dataset_type": "train", "dataset_name": "textcaps", "dataset_version": 0.1, "data": [{"image_id":
 *   "011e7e629fb9ae7b", "image_name": "011e7e629fb9ae7b", "image_path": "train/011e7e629fb9ae7b.jpg",
 *   "caption_id": 0, "caption_str": "...", "reference_strs": [...], ...}]}
 * One entry per caption; entries are grouped by image_id (first-appearance order) into one sample per
 * image whose references are its caption_str values in file order (as google-research/big_vision's
 * TextCaps reader does). Images: <image_dir>/<image_name>.jpg (image_id when image_name is absent);
 * the release keeps val images in train_images/. No public OpenFlamingo code evaluates TextCaps: the
 * demo pool is one entry per train image, showing its first caption (the COCO convention), and is an
 * assumption (docs/datasets.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

enum { KEY_MAX = 64 };

int adapter_textcaps_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size) {
  const int train = split == DATASET_SPLIT_TRAIN;
  const char *file = train ? src->train_json : src->test_json;
  if (!file) return adapter_fail(err, err_size, "textcaps", "no %s_json file given", train ? "train" : "test");
  if (!src->image_dir) return adapter_fail(err, err_size, "textcaps", "no image_dir given");
  const char *base = path_base(file);
  json_stream js;
  sample_vec sv = {0};
  str_index ix = {0};
  adapter_caption *caps = NULL;
  size_t n_caps = 0, cap_caps = 0;
  char where[64] = "";
  if (str_index_init(&ix, 1024)) return adapter_fail(err, err_size, file, "out of memory");
  if (adapter_open_member_array(&js, file, "data", err, err_size)) goto fail;
  int rc;
  for (size_t j = 0; (rc = json_stream_array_next(&js)) == 1; j++) {
    snprintf(where, sizeof where, "data[%zu]", j);
    if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
      adapter_fail(err, err_size, base, "%s: not an object", where);
      goto fail;
    }
    if (json_stream_object_begin(&js)) goto syntax;
    char key[KEY_MAX];
    const char *image_id = NULL, *image_name = NULL, *caption = NULL;
    int k;
    while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
      if (strcmp(key, "image_id") == 0 || strcmp(key, "image_name") == 0 || strcmp(key, "caption_str") == 0) {
        const char **dst = strcmp(key, "image_id") == 0 ? &image_id : strcmp(key, "image_name") == 0 ? &image_name : &caption;
        if (json_stream_peek(&js) != JSON_KIND_STRING) {
          adapter_fail(err, err_size, base, "%s: '%s' is not a string", where, key);
          goto fail;
        }
        if (adapter_read_string(&js, &ds->mem, dst)) goto syntax;
      } else if (json_stream_skip(&js)) {
        goto syntax;
      }
    }
    if (k < 0) goto syntax;
    if (!image_id || !caption) {
      adapter_fail(err, err_size, base, "%s: missing field '%s'%s", where, !image_id ? "image_id" : "caption_str",
                   image_id ? " (the test split has no captions: evaluate on val)" : "");
      goto fail;
    }
    size_t si;
    if (!str_index_get(&ix, image_id, &si)) {
      si = sv.n;
      dataset_sample *s = sample_vec_push(&sv);
      if (!s) {
        adapter_fail(err, err_size, file, "out of memory");
        goto fail;
      }
      s->source_index = j;
      s->id = image_id;
      s->image_id = image_id;
      s->id_is_num = 0;
      s->image_path = path_join_jpg(&ds->mem, src->image_dir, image_name ? image_name : image_id);
      if (!s->image_path || str_index_put(&ix, image_id, si, NULL) < 0) {
        adapter_fail(err, err_size, file, "out of memory");
        goto fail;
      }
    }
    if (adapter_caption_push(&caps, &n_caps, &cap_caps, si, caption)) {
      adapter_fail(err, err_size, file, "out of memory");
      goto fail;
    }
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) goto fail;
  json_stream_close(&js);
  if (sv.n == 0) {
    adapter_fail(err, err_size, base, "'data' is empty");
    goto fail_closed;
  }
  /* references in file order; every sample has at least the caption that created it */
  if (adapter_group_references(&ds->mem, sv.v, sv.n, caps, n_caps, file, err, err_size)) goto fail_closed;
  for (size_t i = 0; i < sv.n; i++) {
    sv.v[i].demo_text = py_strip(&ds->mem, sv.v[i].references[0]);
    if (!sv.v[i].demo_text) {
      adapter_fail(err, err_size, file, "out of memory");
      goto fail_closed;
    }
    if (train) { /* demonstrations need only the first caption */
      sv.v[i].references = NULL;
      sv.v[i].n_references = 0;
    }
  }
  free(caps);
  str_index_free(&ix);
  ds->files = arena_strdup(&ds->mem, file);
  sample_vec_finish(&sv, ds);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
fail:
  json_stream_close(&js);
fail_closed:
  free(caps);
  str_index_free(&ix);
  sample_vec_free(&sv);
  return -1;
}
