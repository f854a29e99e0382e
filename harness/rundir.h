/* rundir.h - the layout of a run directory (docs/results.md):
 *
 *   <run>/run.json                          resolved config and environment
 *   <run>/records/<task>-<shots>shot-seed<seed>.jsonl   per-sample records of one cell
 *   <run>/summary.json, summary.csv, summary.svg, openflamingo_results.json
 *
 * and small file-system helpers the writers share. */
#ifndef FEWSHOT_RUNDIR_H
#define FEWSHOT_RUNDIR_H

#include <stddef.h>
#include <stdio.h>

/* Writes "<dir>/records/<task>-<shots>shot-seed<seed>.jsonl" into buf. Returns 0, or -1 when it
 * does not fit in buf_size. */
int rundir_records_path(const char *dir, const char *task, int shots, long long seed, char *buf,
                        size_t buf_size);

/* Creates `path` and its missing parents (mode 0755). Returns 0, or non-zero with `err`. */
int rundir_mkdirs(const char *path, char *err, size_t err_size);

/* Lists the "*.jsonl" files of <dir>/records, sorted by name, as malloc'd full paths in *paths
 * (caller frees each and the array; rundir_free_list). A missing records folder gives an empty list.
 * Returns 0, or non-zero with `err`. */
int rundir_list_records(const char *dir, char ***paths, size_t *n, char *err, size_t err_size);

/* Frees a list returned by rundir_list_records. */
void rundir_free_list(char **paths, size_t n);

/* Writes `text` to `path` atomically (path.tmp, fsync, rename). Returns 0, or non-zero with `err`. */
int rundir_write_file_atomic(const char *path, const char *text, size_t len, char *err, size_t err_size);

/* Reads a whole file into a NUL-terminated malloc'd buffer (*len its size, if not NULL). Returns
 * NULL with `err` naming the file when it cannot be read ("<path>: <strerror>" when it cannot be
 * opened, else as rundir_read_stream). */
char *rundir_read_file(const char *path, size_t *len, char *err, size_t err_size);

/* Reads the rest of an open stream (a file, a pipe, stdin) into a malloc'd buffer with a NUL after
 * the last byte; *len (if not NULL) gets the byte count. A regular file is read into one allocation
 * of its size. max_bytes > 0 refuses longer input. The stream is left open. Returns NULL with
 * "<label>: out of memory", "<label>: read error" or "<label>: larger than <max_bytes> bytes" in
 * `err`. This is the harness's one whole-file reader: every other reads through it. */
char *rundir_read_stream(FILE *f, const char *label, size_t max_bytes, size_t *len, char *err,
                         size_t err_size);

/* Given a RUN argument of table/compare/merge - a run directory, or the path of a file inside one
 * (summary.json, run.json) - writes the run directory into buf. Returns 0, or -1 when it is
 * neither (with `err`). */
int rundir_resolve(const char *arg, char *buf, size_t buf_size, char *err, size_t err_size);

#endif
