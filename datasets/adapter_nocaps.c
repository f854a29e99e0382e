/* adapter_nocaps.c - NoCaps validation (nocaps_val_4500_captions.json); demos from COCO Karpathy train.
 *
 * COCO-caption style: {"licenses": [], "info": {...}, "images": [{"id": 0, "open_images_id": "...",
 *   "file_name": "0013ea2087020901.jpg", "domain": "in-domain", ...}], "annotations": [{"image_id": 0,
 *   "id": 0, "caption": "..."}]}, 10 captions per image.
 * The only public OpenFlamingo NoCaps code (branch hm_eval, NoCapsDataset) walks images[] in order and
 * draws demonstrations from COCO Karpathy train; so do we (TRAIN split = Karpathy train). We join the
 * captions to images by id instead of relying on hm_eval's "10 consecutive captions per image"
 * assertion, and check that every image has captions and every caption an image. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

enum { KEY_MAX = 64 };

typedef struct {
  int64_t image;
  const char *caption;
  size_t index; /* annotations[index], for messages */
} cap_pair;

int adapter_nocaps_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size) {
  if (split == DATASET_SPLIT_TRAIN) {
    if (adapter_coco_karpathy_load(src->karpathy_json, src->coco_train_image_dir, src->coco_val_image_dir, "train",
                                   ds, err, err_size))
      return -1;
    ds->files = arena_strdup(&ds->mem, src->karpathy_json);
    return 0;
  }
  const char *file = src->test_json;
  if (!file) return adapter_fail(err, err_size, "nocaps", "no test_json file given");
  if (!src->image_dir) return adapter_fail(err, err_size, "nocaps", "no image_dir given");
  const char *base = path_base(file);
  json_stream js;
  sample_vec sv = {0};
  str_index ix = {0};
  cap_pair *pairs = NULL;
  size_t n_pairs = 0, cap_pairs = 0;
  adapter_caption *caps = NULL; /* pairs joined to their images */
  tmpstr caption = {0};
  char where[64] = "";
  int seen_images = 0, seen_annotations = 0;
  if (json_stream_open(&js, file, err, err_size)) goto fail;
  if (json_stream_object_begin(&js)) goto syntax;
  char key[KEY_MAX];
  int k;
  while ((k = json_stream_object_next(&js, key, sizeof key)) == 1) {
    if (strcmp(key, "images") == 0) {
      seen_images = 1;
      if (json_stream_peek(&js) != JSON_KIND_ARRAY) {
        adapter_fail(err, err_size, base, "'images' is not an array");
        goto fail;
      }
      if (json_stream_array_begin(&js)) goto syntax;
      int rc;
      for (size_t i = 0; (rc = json_stream_array_next(&js)) == 1; i++) {
        snprintf(where, sizeof where, "images[%zu]", i);
        if (json_stream_peek(&js) != JSON_KIND_OBJECT) {
          adapter_fail(err, err_size, base, "%s: not an object", where);
          goto fail;
        }
        dataset_sample *s = sample_vec_push(&sv);
        if (!s) {
          adapter_fail(err, err_size, file, "out of memory");
          goto fail;
        }
        s->source_index = i;
        if (json_stream_object_begin(&js)) goto syntax;
        int have_id = 0, kk;
        const char *file_name = NULL;
        while ((kk = json_stream_object_next(&js, key, sizeof key)) == 1) {
          if (strcmp(key, "id") == 0) {
            if (json_stream_peek(&js) != JSON_KIND_NUMBER) {
              adapter_fail(err, err_size, base, "%s: 'id' is not an integer", where);
              goto fail;
            }
            if (json_stream_int64(&js, &s->id_num)) goto syntax;
            have_id = 1;
          } else if (strcmp(key, "file_name") == 0) {
            if (json_stream_peek(&js) != JSON_KIND_STRING) {
              adapter_fail(err, err_size, base, "%s: 'file_name' is not a string", where);
              goto fail;
            }
            if (adapter_read_string(&js, &ds->mem, &file_name)) goto syntax;
          } else if (strcmp(key, "domain") == 0 && json_stream_peek(&js) == JSON_KIND_STRING) {
            if (adapter_read_string(&js, &ds->mem, &s->subset)) goto syntax;
          } else if (json_stream_skip(&js)) {
            goto syntax;
          }
        }
        if (kk < 0) goto syntax;
        if (!have_id || !file_name) {
          adapter_fail(err, err_size, base, "%s: missing field '%s'", where, !have_id ? "id" : "file_name");
          goto fail;
        }
        s->id_is_num = 1;
        s->id = arena_int(&ds->mem, s->id_num);
        s->image_id = s->id;
        s->image_path = path_join(&ds->mem, src->image_dir, file_name);
        if (!s->id || !s->image_path) {
          adapter_fail(err, err_size, file, "out of memory");
          goto fail;
        }
      }
      if (rc < 0) goto syntax;
    } else if (strcmp(key, "annotations") == 0) {
      seen_annotations = 1;
      if (json_stream_peek(&js) != JSON_KIND_ARRAY) {
        adapter_fail(err, err_size, base, "'annotations' is not an array");
        goto fail;
      }
      if (json_stream_array_begin(&js)) goto syntax;
      int rc;
      for (size_t j = 0; (rc = json_stream_array_next(&js)) == 1; j++) {
        snprintf(where, sizeof where, "annotations[%zu]", j);
        int64_t img = 0;
        if (adapter_read_caption_annotation(&js, base, where, &img, &caption, err, err_size)) goto fail;
        if (n_pairs == cap_pairs) {
          size_t nc = cap_pairs ? cap_pairs * 2 : 1024;
          cap_pair *p = realloc(pairs, nc * sizeof *p);
          if (!p) {
            adapter_fail(err, err_size, file, "out of memory");
            goto fail;
          }
          pairs = p;
          cap_pairs = nc;
        }
        pairs[n_pairs].image = img;
        pairs[n_pairs].caption = arena_strdup(&ds->mem, caption.s);
        pairs[n_pairs].index = j;
        if (!pairs[n_pairs].caption) {
          adapter_fail(err, err_size, file, "out of memory");
          goto fail;
        }
        n_pairs++;
      }
      if (rc < 0) goto syntax;
    } else if (json_stream_skip(&js)) {
      goto syntax;
    }
  }
  if (k < 0 || json_stream_finish(&js)) goto syntax;
  json_stream_close(&js);
  if (!seen_images || !seen_annotations) {
    adapter_fail(err, err_size, base, "missing top-level field '%s'%s", !seen_images ? "images" : "annotations",
                 !seen_images ? "" : " (the test split has no captions: evaluate on validation)");
    goto fail_closed;
  }
  /* Join captions to images by id, keeping file order. */
  if (str_index_init(&ix, sv.n)) {
    adapter_fail(err, err_size, file, "out of memory");
    goto fail_closed;
  }
  for (size_t i = 0; i < sv.n; i++) {
    if (adapter_index_unique(&ix, sv.v[i].id, i, file, base, "images", "id", err, err_size)) goto fail_closed;
  }
  caps = malloc((n_pairs + 1) * sizeof *caps);
  if (!caps) {
    adapter_fail(err, err_size, file, "out of memory");
    goto fail_closed;
  }
  for (size_t p = 0; p < n_pairs; p++) {
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%" PRId64, pairs[p].image);
    if (!str_index_get(&ix, idtext, &caps[p].sample)) {
      adapter_fail(err, err_size, base, "annotations[%zu]: image_id %s is not in images", pairs[p].index, idtext);
      goto fail_closed;
    }
    caps[p].caption = pairs[p].caption;
  }
  if (adapter_group_references(&ds->mem, sv.v, sv.n, caps, n_pairs, file, err, err_size)) goto fail_closed;
  for (size_t i = 0; i < sv.n; i++) {
    if (sv.v[i].n_references == 0) {
      adapter_fail(err, err_size, base, "images[%zu] (id %s): no captions in annotations", i, sv.v[i].id);
      goto fail_closed;
    }
  }
  for (size_t i = 0; i < sv.n; i++) {
    sv.v[i].demo_text = py_strip(&ds->mem, sv.v[i].references[0]);
    if (!sv.v[i].demo_text) {
      adapter_fail(err, err_size, file, "out of memory");
      goto fail_closed;
    }
  }
  free(caps);
  free(pairs);
  tmpstr_free(&caption);
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
  free(pairs);
  tmpstr_free(&caption);
  str_index_free(&ix);
  sample_vec_free(&sv);
  return -1;
}
