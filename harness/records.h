/* records.h - per-sample result records: one JSON object per line (JSONL), one file per
 * (task, shots, seed) of a run (docs/results.md).
 *
 * Writing: each record is serialised into one buffer and handed to the kernel with one write(2) on a
 * file opened O_APPEND, so once records_writer_append returns, the record survives the process
 * being killed (SIGKILL included); fsync(2), which protects against a crash of the machine, follows
 * the writer's policy (records_fsync_policy).
 * Reading is tolerant of exactly what a kill can leave behind: a torn last line (no final newline,
 * or one that does not parse) is dropped, and records_read_file reports how many bytes of the file
 * are good so that a resumed writer truncates the torn tail before appending; the torn sample is then
 * run again. A malformed line anywhere else, a duplicated sample id, or records of different cells in
 * one file are errors. */
#ifndef FEWSHOT_RECORDS_H
#define FEWSHOT_RECORDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef enum {
  RECORDS_OK = 0,    /* the sample ran; prediction (and, once scored, score) are set */
  RECORDS_FAILED = 1 /* the sample could not run (unreadable image, prompt too long...): reason */
} records_status;

/* One sample of one (task, shots, seed) cell. Every pointer is owned by the entry (records_entry_free).
 * JSON keys in brackets. */
typedef struct {
  char *id;                /* ["id"] sample id as a string: question_id for VQA, image_id for captions */
  char *task;              /* ["task"] task key, e.g. "vqav2" */
  int shots;               /* ["shots"] demonstrations per prompt as configured (0, 4, 8...) */
  long long seed;          /* ["seed"] trial seed */
  long long index;         /* ["index"] position of the sample in the cell's evaluation order, from 0 */
  char **demos;            /* ["demos"] ids of the demonstrations, in prompt order (may be NULL if 0) */
  size_t n_demos;
  char *generation;        /* ["generation"] raw decoded continuation, NULL if the sample failed first */
  char *prediction;        /* ["prediction"] after the task's post-processing; NULL when failed */
  double score;            /* ["score"] this sample's value of the task metric, in the summary's
                              units (VQA accuracy 0..100; CIDEr x 100); NAN (JSON null) when failed or
                              not scored yet (caption cells are scored when the cell is complete) */
  records_status status;   /* ["status"] "ok" | "failed" */
  char *reason;            /* ["reason"] one line saying why the sample failed; NULL when ok */
  char **references;       /* ["references"] caption cells: the reference captions, so a cell can be
                              rescored (merge) without the dataset files; NULL for VQA */
  size_t n_references;
  cJSON *extra;            /* ["extra"] optional object of further per-sample values
                              (e.g. {"Bleu_4": ..., "ROUGE_L": ...}); NULL when absent */
} records_entry;

/* A growable array of entries, owned (records_list_free). */
typedef struct {
  records_entry *items;
  size_t n, cap;
} records_list;

/* Frees everything entry owns and zeroes it (NULL is a no-op). */
void records_entry_free(records_entry *e);
/* Frees every entry and the array; the list is empty afterwards. */
void records_list_free(records_list *l);
/* Appends a deep copy of e to l. Returns 0, or -1 when out of memory. */
int records_list_push_copy(records_list *l, const records_entry *e);
/* Deep copy of src into *dst (dst is overwritten, not freed first). Returns 0, -1 when out of memory. */
int records_entry_copy(records_entry *dst, const records_entry *src);

/* Serialises e as one line of compact JSON, without the newline. Returns a malloc'd string the
 * caller frees, or NULL when out of memory. */
char *records_entry_to_json(const records_entry *e);

/* Fills *e (overwritten) from a parsed record object. Returns 0, or non-zero with `err` naming the
 * missing or mistyped key; on failure *e holds nothing to free. */
int records_entry_from_json(const cJSON *obj, records_entry *e, char *err, size_t err_size);

/* Reads the records of `path` into `out` (appended to what it holds), in file order.
 * *valid_bytes (if not NULL) gets the length of the file's prefix made of complete, valid lines,
 * *dropped_bytes (if not NULL) the length of the torn tail that was ignored (0 for a clean file).
 * Returns 0, or non-zero with `err` ("path: line N: ...") when the file cannot be read, a line before
 * the last does not parse, a sample id repeats, or lines belong to different (task, shots, seed). */
int records_read_file(const char *path, records_list *out, size_t *valid_bytes, size_t *dropped_bytes,
                      char *err, size_t err_size);

typedef enum {
  RECORDS_FSYNC_NEVER = 0,    /* leave it to the kernel (a machine crash may lose the last seconds) */
  RECORDS_FSYNC_INTERVAL = 1, /* fsync when at least interval_s passed since the last one, and on close */
  RECORDS_FSYNC_EVERY = 2     /* fsync after every record (slow on network file systems) */
} records_fsync_policy;

typedef struct records_writer records_writer;

/* Opens `path` for appending records, creating it when absent. An existing file is first cut to
 * keep_bytes (the valid_bytes of records_read_file), dropping a torn tail; keep_bytes larger than
 * the file is an error. Returns the writer, or NULL with `err`. */
records_writer *records_writer_open(const char *path, size_t keep_bytes, records_fsync_policy policy,
                                    double interval_s, char *err, size_t err_size);

/* Appends e as one line with one write(2) (then fsync per the policy). Returns 0, or non-zero with
 * `err` (the file may then end in a torn line, which the next read drops). */
int records_writer_append(records_writer *w, const records_entry *e, char *err, size_t err_size);

/* fsync (unless the policy is NEVER), close and free. Returns 0, or non-zero with `err`; the writer
 * is freed either way. NULL is a no-op. */
int records_writer_close(records_writer *w, char *err, size_t err_size);

/* Replaces `path` by the given records, atomically: writes path.tmp, fsyncs it, renames it over
 * path and fsyncs the folder. Used to store scores that need the whole cell (CIDEr). Returns 0, or
 * non-zero with `err` (path is then unchanged). */
int records_write_file_atomic(const char *path, const records_entry *items, size_t n, char *err,
                              size_t err_size);

#endif
