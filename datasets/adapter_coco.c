/* adapter_coco.c - COCO captions: Karpathy's dataset_coco.json plus the official captions_val2014.json.
 *
 * dataset_coco.json: {"images": [{"filepath": "val2014", "filename": "COCO_val2014_000000391895.jpg",
 *   "split": "test", "sentences": [{"raw": "A man with a red helmet ... ", ...}, ...], "cocoid": 391895,
 *   ...}], "dataset": "coco"}
 * OpenFlamingo's CaptionDataset keeps split == "train" for demonstrations and split == "test" for
 * evaluation ("val" and "restval" are unused), takes the image from the train dir when filepath is
 * "train2014" and from the val dir otherwise, uses cocoid as the image id and sentences[0].raw as the
 * demonstration caption (stripped when the prompt is built; we strip here, with Python's rules).
 * References for scoring come from captions_val2014.json ({"annotations": [{"image_id", "id",
 * "caption"}], ...}), all captions of each evaluated image in file order. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

enum { KEY_MAX = 64 };

int adapter_coco_karpathy_load(const char *karpathy_json, const char *train_dir, const char *val_dir,
                               const char *split_name, dataset *ds, char *err, size_t err_size) {
  if (!karpathy_json) return adapter_fail(err, err_size, dataset_task_name(ds->task), "no karpathy_json file given");
  if (!train_dir || !val_dir)
    return adapter_fail(err, err_size, dataset_task_name(ds->task), "no %s given",
                        !train_dir ? "coco_train_image_dir" : "coco_val_image_dir");
  const char *base = path_base(karpathy_json);
  json_stream js;
  sample_vec sv = {0};
  str_index seen = {0};
  tmpstr filename = {0}, filepath = {0}, split = {0}, raw = {0};
  char where[64] = "";
  if (adapter_open_member_array(&js, karpathy_json, "images", err, err_size)) goto fail;
  if (str_index_init(&seen, 1024)) {
    adapter_fail(err, err_size, karpathy_json, "out of memory");
    goto fail;
  }
  int rc;
  size_t i = 0;
  for (; (rc = json_stream_array_next(&js)) == 1; i++) {
    snprintf(where, sizeof where, "images[%zu]", i);
    if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
      adapter_fail(err, err_size, base, "%s: not an object", where);
      goto fail;
    }
    if (json_stream_object_begin(&js)) goto syntax;
    filename.set = filepath.set = split.set = raw.set = 0;
    int have_id = 0, have_sentences = 0, n_sentences = 0, k;
    int64_t cocoid = 0;
    char key[KEY_MAX];
    while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
      if (strcmp(key, "cocoid") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_NUMBER) {
          adapter_fail(err, err_size, base, "%s: 'cocoid' is not an integer", where);
          goto fail;
        }
        if (json_stream_int64(&js, &cocoid)) goto syntax;
        have_id = 1;
      } else if (strcmp(key, "filename") == 0) {
        if (tmpstr_read(&js, &filename)) goto syntax;
      } else if (strcmp(key, "filepath") == 0) {
        if (tmpstr_read(&js, &filepath)) goto syntax;
      } else if (strcmp(key, "split") == 0) {
        if (tmpstr_read(&js, &split)) goto syntax;
      } else if (strcmp(key, "sentences") == 0) {
        if (json_stream_peek(&js) != JSON_KIND_ARRAY) {
          adapter_fail(err, err_size, base, "%s: 'sentences' is not an array", where);
          goto fail;
        }
        if (json_stream_array_begin(&js)) goto syntax;
        int a;
        while ((a = json_stream_array_next(&js)) == 1) {
          if (n_sentences == 0) {
            if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
              adapter_fail(err, err_size, base, "%s: sentences[0] is not an object", where);
              goto fail;
            }
            if (json_stream_object_begin(&js)) goto syntax;
            int kk;
            while ((kk = json_stream_object_next(&js, key, sizeof key)) == 1) {
              if (strcmp(key, "raw") == 0) {
                if (tmpstr_read(&js, &raw)) goto syntax;
              } else if (json_stream_skip(&js)) {
                goto syntax;
              }
            }
            if (kk < 0) goto syntax;
          } else if (json_stream_skip(&js)) {
            goto syntax;
          }
          n_sentences++;
        }
        if (a < 0) goto syntax;
        have_sentences = 1;
      } else if (json_stream_skip(&js)) {
        goto syntax;
      }
    }
    if (k < 0) goto syntax;
    if (!split.set) {
      adapter_fail(err, err_size, base, "%s: missing field 'split'", where);
      goto fail;
    }
    if (strcmp(split.s, split_name) != 0) continue;
    const char *missing = !have_id ? "cocoid" : !filename.set ? "filename" : !filepath.set ? "filepath"
                          : !have_sentences ? "sentences" : NULL;
    if (missing) {
      adapter_fail(err, err_size, base, "%s: missing field '%s'", where, missing);
      goto fail;
    }
    if (n_sentences == 0 || !raw.set) {
      adapter_fail(err, err_size, base, "%s: %s", where,
                   n_sentences == 0 ? "'sentences' is empty" : "sentences[0]: missing field 'raw'");
      goto fail;
    }
    dataset_sample *s = sample_vec_push(&sv);
    if (!s) {
      adapter_fail(err, err_size, karpathy_json, "out of memory");
      goto fail;
    }
    s->source_index = i;
    s->id_num = cocoid;
    s->id_is_num = 1;
    s->id = arena_int(&ds->mem, cocoid);
    s->image_id = s->id;
    s->image_path = path_join(&ds->mem, strcmp(filepath.s, "train2014") == 0 ? train_dir : val_dir, filename.s);
    s->demo_text = py_strip(&ds->mem, raw.s);
    if (!s->id || !s->image_path || !s->demo_text) {
      adapter_fail(err, err_size, karpathy_json, "out of memory");
      goto fail;
    }
    if (adapter_index_unique(&seen, s->id, i, karpathy_json, base, "images", "cocoid", err, err_size)) goto fail;
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) goto fail;
  if (sv.n == 0) {
    adapter_fail(err, err_size, base, "no image has split \"%s\"", split_name);
    goto fail;
  }
  json_stream_close(&js);
  str_index_free(&seen);
  tmpstr_free(&filename);
  tmpstr_free(&filepath);
  tmpstr_free(&split);
  tmpstr_free(&raw);
  sample_vec_finish(&sv, ds);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
fail:
  json_stream_close(&js);
  str_index_free(&seen);
  tmpstr_free(&filename);
  tmpstr_free(&filepath);
  tmpstr_free(&split);
  tmpstr_free(&raw);
  sample_vec_free(&sv);
  return -1;
}

/* Reads COCO-style {"annotations": [{"image_id": int, "caption": str}]} and gives every sample of ds
 * (keyed by its numeric id) its captions in file order. Annotations of other images are ignored.
 * Every sample must get at least one. */
int adapter_attach_references(dataset *ds, const char *ann_file, char *err, size_t err_size) {
  const char *base = path_base(ann_file);
  json_stream js;
  str_index ix = {0};
  adapter_caption *caps = NULL;
  size_t n_caps = 0, cap_caps = 0;
  tmpstr caption = {0};
  char where[64] = "";
  if (str_index_init(&ix, ds->n_samples)) return adapter_fail(err, err_size, ann_file, "out of memory");
  for (size_t i = 0; i < ds->n_samples; i++)
    if (str_index_put(&ix, ds->samples[i].id, i, NULL) < 0) {
      str_index_free(&ix);
      return adapter_fail(err, err_size, ann_file, "out of memory");
    }
  if (adapter_open_member_array(&js, ann_file, "annotations", err, err_size)) goto fail;
  int rc;
  for (size_t j = 0; (rc = json_stream_array_next(&js)) == 1; j++) {
    snprintf(where, sizeof where, "annotations[%zu]", j);
    int64_t img = 0;
    if (adapter_read_caption_annotation(&js, base, where, &img, &caption, err, err_size)) goto fail;
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%" PRId64, img);
    size_t si;
    if (str_index_get(&ix, idtext, &si)) {
      const char *text = arena_strdup(&ds->mem, caption.s);
      if (!text || adapter_caption_push(&caps, &n_caps, &cap_caps, si, text)) {
        adapter_fail(err, err_size, ann_file, "out of memory");
        goto fail;
      }
    }
  }
  if (rc < 0) goto syntax;
  if (adapter_finish_top(&js, err, err_size)) goto fail;
  json_stream_close(&js);
  if (adapter_group_references(&ds->mem, ds->samples, ds->n_samples, caps, n_caps, ann_file, err, err_size))
    goto fail_closed;
  for (size_t i = 0; i < ds->n_samples; i++) {
    const dataset_sample *s = &ds->samples[i];
    if (s->n_references == 0) {
      adapter_fail(err, err_size, base, "no reference caption for image %s (%s)", s->id, s->image_path);
      goto fail_closed;
    }
  }
  free(caps);
  tmpstr_free(&caption);
  str_index_free(&ix);
  return 0;
syntax:
  adapter_stream_fail(&js, err, err_size, where);
fail:
  json_stream_close(&js);
fail_closed:
  free(caps);
  tmpstr_free(&caption);
  str_index_free(&ix);
  return -1;
}

int adapter_coco_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size) {
  const int train = split == DATASET_SPLIT_TRAIN;
  if (!train && !src->references_json) return adapter_fail(err, err_size, "coco", "no references_json file given");
  if (adapter_coco_karpathy_load(src->karpathy_json, src->coco_train_image_dir, src->coco_val_image_dir,
                                 train ? "train" : "test", ds, err, err_size))
    return -1;
  if (!train && adapter_attach_references(ds, src->references_json, err, err_size)) return -1;
  ds->files = train ? arena_strdup(&ds->mem, src->karpathy_json)
                    : arena_printf(&ds->mem, "%s,%s", src->karpathy_json, src->references_json);
  return 0;
}
