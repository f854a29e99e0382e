/* dataset_internal.h - what the adapters share (not a public interface): the per-family load
 * functions dataset_load() dispatches to, and small helpers for reading records. */
#ifndef FEWSHOT_DATASET_INTERNAL_H
#define FEWSHOT_DATASET_INTERNAL_H

#include <stdio.h>

#include "dataset.h"
#include "json_stream.h"

/* Each adapter fills ds->samples/n_samples (allocated from ds->mem or with malloc registered in the
 * arena) and returns 0, or -1 with err set. ds->task, ds->split and ds->mem are set by the caller. */
int adapter_vqa_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size);
int adapter_textvqa_official_load(const dataset_source *src, dataset_split split, dataset *ds, char *err,
                                  size_t err_size);
int adapter_coco_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size);
int adapter_nocaps_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size);
int adapter_textcaps_load(const dataset_source *src, dataset_split split, dataset *ds, char *err, size_t err_size);

/* Coco Karpathy train split as the demo pool (COCO and NoCaps both use it). */
int adapter_coco_karpathy_load(const char *karpathy_json, const char *train_dir, const char *val_dir,
                               const char *split_name, dataset *ds, char *err, size_t err_size);

/* Reads COCO-style {"annotations": [{"image_id": int, "caption": str}]} from ann_file and gives every
 * sample of ds (keyed by its id text) its captions, in file order, as references. Annotations of other
 * images are ignored; a sample without any is an error. Returns 0 or -1 with err set. */
int adapter_attach_references(dataset *ds, const char *ann_file, char *err, size_t err_size);

/* A growable array of samples (malloc'd; handed to the dataset by sample_vec_finish). */
typedef struct {
  dataset_sample *v;
  size_t n, cap;
} sample_vec;

/* Appends a zeroed sample and returns it, or NULL when out of memory. */
dataset_sample *sample_vec_push(sample_vec *sv);

/* Moves the array into ds->samples/n_samples (dataset_free frees it) and empties sv. */
void sample_vec_finish(sample_vec *sv, dataset *ds);

void sample_vec_free(sample_vec *sv);

/* The last path component of a file name, for short messages. */
const char *path_base(const char *path);

/* dir + "/" + name (no doubled slash), in the arena. */
char *path_join(arena *a, const char *dir, const char *name);

/* dir + "/" + stem + ".jpg" (no doubled slash), in the arena. */
char *path_join_jpg(arena *a, const char *dir, const char *stem);

/* Python's str.strip() with no argument on UTF-8 text: removes leading and trailing characters for
 * which str.isspace() is true (ASCII \t\n\v\f\r, 0x1c-0x1f, space, and the Unicode spaces U+0085,
 * U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Returns the stripped
 * copy in the arena, or NULL (memory). */
char *py_strip(arena *a, const char *s);

/* Formats "<file>: <where>: <message>" into err and returns -1. */
int adapter_fail(char *err, size_t err_size, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies the stream's error (prefixed "while reading <where>") into err and returns -1. */
int adapter_stream_fail(json_stream *js, char *err, size_t err_size, const char *where);

/* Reads an id that may be a JSON integer or a string: *text gets its text (in the arena), *num and
 * *is_num the number when it is an integer. Returns 0, or -1 with the stream failed. */
int adapter_read_id(json_stream *js, arena *a, const char **text, int64_t *num, int *is_num);

/* Reads a string value into the arena. Returns 0, or -1 with the stream failed (also when the value is
 * not a string). */
int adapter_read_string(json_stream *js, arena *a, const char **out);

/* Opens `path` (into *js, which the caller closes in every case) and moves to the first element of the
 * top-level array member `member`. Returns 0, or -1 with err set ("missing top-level field 'x'"). */
int adapter_open_member_array(json_stream *js, const char *path, const char *member, char *err, size_t err_size);

/* After the member array ended: skips the rest of the top-level object and checks the end of input.
 * Returns 0, or -1 with err set. */
int adapter_finish_top(json_stream *js, char *err, size_t err_size);

/* A malloc'd string buffer reused across records (for values kept only when needed). */
typedef struct {
  char *s;
  size_t cap;
  int set; /* a value was read since the caller last cleared it */
} tmpstr;

/* Reads a string value into t (growing it). Returns 0, or -1 with the stream failed (also when the
 * value is not a string). */
int tmpstr_read(json_stream *js, tmpstr *t);

void tmpstr_free(tmpstr *t);

/* Reads one element of a COCO-style "annotations" array, {"image_id": int, "caption": str, ...}
 * (other keys skipped): *image_id, and the caption into *caption. `base` (the file's name) and
 * `where` ("annotations[17]") name the element in errors. Returns 0, or -1 with err set. */
int adapter_read_caption_annotation(json_stream *js, const char *base, const char *where, int64_t *image_id,
                                    tmpstr *caption, char *err, size_t err_size);

/* A caption collected while streaming a file: the sample it belongs to and its text (in the arena). */
typedef struct {
  size_t sample; /* index into the samples array */
  const char *caption;
} adapter_caption;

/* Gives samples[0..n_samples) their references: the captions in `caps` naming each, in caps order (file
 * order), in arrays from the arena. A sample no caption names gets none (NULL, 0): callers decide
 * whether that is an error. Returns 0, or -1 with err set ("<file>: out of memory", or "<file>: image
 * <id> has more than 1000000 captions"). */
int adapter_group_references(arena *a, dataset_sample *samples, size_t n_samples, const adapter_caption *caps,
                             size_t n_caps, const char *file, char *err, size_t err_size);

/* Appends one caption to a growable array (*caps, *n, *cap; malloc'd, the caller frees). Returns 0 or -1
 * (out of memory). */
int adapter_caption_push(adapter_caption **caps, size_t *n, size_t *cap, size_t sample, const char *caption);

/* A hash set of strings with the index they were stored with (open addressing, malloc'd). */
typedef struct {
  const char **keys;
  size_t *vals;
  size_t cap, n;
} str_index;

/* Initialises for about `expect` keys. Returns 0 or -1 (memory). */
int str_index_init(str_index *ix, size_t expect);
void str_index_free(str_index *ix);
/* Inserts key -> val (the key pointer must outlive the index). Returns 1 when inserted, 0 when the key
 * was already present (*old_val, if not NULL, gets its value), -1 on memory failure. */
int str_index_put(str_index *ix, const char *key, size_t val, size_t *old_val);
/* Inserts the id of entry i of array `array` (e.g. "images") into ix and refuses a repeat: returns 0,
 * or -1 with err = "<file>: out of memory" or "<base>: <array>[j] and <array>[i] share <field> <id>". */
int adapter_index_unique(str_index *ix, const char *id, size_t i, const char *file, const char *base,
                         const char *array, const char *field, char *err, size_t err_size);
/* Looks a key up: returns 1 and *val, or 0 when absent. */
int str_index_get(const str_index *ix, const char *key, size_t *val);

#endif
