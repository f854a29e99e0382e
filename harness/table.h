/* table.h - the model card's table (model, shot, six tasks) from run results, with the reference
 * card's rows, our mean +- std over seeds and the difference to the card (docs/results.md §6).
 * Used by `fewshot table` and printed at the end of `eval`, `merge` and `demo`. */
#ifndef FEWSHOT_TABLE_H
#define FEWSHOT_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  const char *reference; /* reference file; "none" for none; NULL: the card's file in the source tree */
  const char *against;   /* the card row differences are taken to; NULL: the file's default_model */
  const char *format;    /* "md", "csv" or "json" */
  int decimals;          /* digits after the point (1 as the card) */
} table_options;

/* reference NULL, against NULL, "md", 1 decimal. */
table_options table_default_options(void);

/* Prints the table of runs[0..n_runs) (run directories or summary.json files; runs with the same
 * label joined) to `out`. Returns 0 (FS_EXIT_OK), FS_EXIT_USAGE with `err` when a run or the
 * reference cannot be read or two runs give the same cell, or FS_EXIT_RUNTIME with `err` when out
 * of memory (then nothing is printed). Any number of tasks and shot counts is shown. */
int table_print(FILE *out, const char *const *runs, int n_runs, const table_options *o, char *err, size_t err_size);

#endif
