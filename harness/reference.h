/* reference.h - published numbers to compare against: results/reference/<card>.json, e.g. the
 * model card's few-shot table with its three model rows (docs/results.md, "Reference files"). */
#ifndef FEWSHOT_REFERENCE_H
#define FEWSHOT_REFERENCE_H

#include <stddef.h>

typedef struct {
  char *task;   /* task key ("vqav2") */
  int shots;
  double value; /* the published number; NAN where the card prints "-" (JSON null) */
} reference_value;

typedef struct {
  char *name;              /* row label as the card prints it: "xGen-MM-base" */
  reference_value *values; /* owned */
  size_t n_values;
} reference_model;

typedef struct {
  char *task;  /* task key */
  char *title; /* column title as the card prints it */
} reference_column;

typedef struct reference_card {
  char *title;             /* what the numbers are */
  char *url;               /* where they were published */
  char *default_model;     /* the row our runs reproduce (differences are taken against it) */
  reference_column *columns;
  size_t n_columns;
  reference_model *models;
  size_t n_models;
} reference_card;

/* Loads a reference file. Returns 0, or non-zero with `err` naming the file and item at fault.
 * Free with reference_free. */
int reference_load(const char *path, reference_card *card, char *err, size_t err_size);

/* Frees what card owns and zeroes it. */
void reference_free(reference_card *card);

/* The row called `name` (exact match), or NULL. */
const reference_model *reference_find_model(const reference_card *card, const char *name);

/* The published value of (task, shots) in `model`: returns 1 and sets *value (NAN for a "-" cell)
 * when the card has the cell, 0 when it does not. */
int reference_lookup(const reference_model *model, const char *task, int shots, double *value);

#endif
