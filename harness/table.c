/* table.c - the model card's table from run results (table.h, docs/results.md §6). */
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <csv.h>

#include "cli.h"
#include "jsonnum.h"
#include "reference.h"
#include "summary.h"
#include "taskinfo.h"

#ifndef FEWSHOT_SOURCE_DIR
#define FEWSHOT_SOURCE_DIR "."
#endif
#define DEFAULT_REFERENCE "results/reference/xgen-mm-phi3-mini-base-r-v1.5.json"

typedef struct {
  char *label;
  summary sum; /* cells of all runs with this label */
} run_block;

static const summary_cell *block_cell(const run_block *b, const char *task, int shots) {
  for (size_t i = 0; i < b->sum.n_cells; i++)
    if (b->sum.cells[i].shots == shots && strcmp(b->sum.cells[i].task, task) == 0) return &b->sum.cells[i];
  return NULL;
}

static size_t cell_failed(const summary_cell *c) {
  size_t n = 0;
  for (size_t k = 0; k < c->n_trials; k++) n += c->trials[k].n_failed;
  return n;
}

/* Joins the cells of `from` into `into` (same label); a (task, shots) in both is an error. */
static int join_summary(summary *into, const summary *from, const char *arg, char *err, size_t err_size) {
  for (size_t i = 0; i < from->n_cells; i++) {
    const summary_cell *c = &from->cells[i];
    for (size_t k = 0; k < into->n_cells; k++) {
      if (into->cells[k].shots == c->shots && strcmp(into->cells[k].task, c->task) == 0) {
        snprintf(err, err_size, "%s: %s %d-shot is already given by another run labelled '%s'", arg, c->task,
                 c->shots, into->label);
        return -1;
      }
    }
    for (size_t k = 0; k < c->n_trials; k++)
      if (summary_add_trial(into, c->task, c->shots, &c->trials[k], err, err_size) != 0) return -1;
  }
  summary_finish(into);
  return 0;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Adds shot count v to the set *shots[0..*n) (grown as needed: runs and cards may hold any number
 * of shot counts). Returns 0, or -1 when out of memory (the set is unchanged). */
static int add_shot(int **shots, int *n, int v) {
  for (int i = 0; i < *n; i++)
    if ((*shots)[i] == v) return 0;
  int *ns = realloc(*shots, (size_t)(*n + 1) * sizeof *ns);
  if (!ns) return -1;
  *shots = ns;
  ns[(*n)++] = v;
  return 0;
}

/* Adds column (key, title) unless key is there. Returns 0, or -1 when out of memory (the columns
 * are unchanged). */
static int add_column(const char ***keys, const char ***titles, int *n, const char *key, const char *title) {
  for (int i = 0; i < *n; i++)
    if (strcmp((*keys)[i], key) == 0) return 0;
  const char **nk = realloc(*keys, (size_t)(*n + 1) * sizeof *nk);
  if (!nk) return -1;
  *keys = nk;
  const char **nt = realloc(*titles, (size_t)(*n + 1) * sizeof *nt);
  if (!nt) return -1;
  *titles = nt;
  (*keys)[*n] = key;
  (*titles)[*n] = title;
  (*n)++;
  return 0;
}

static int model_has_shot(const reference_model *m, int shots) {
  for (size_t i = 0; i < m->n_values; i++)
    if (m->values[i].shots == shots) return 1;
  return 0;
}

static int block_has_shot(const run_block *b, int shots) {
  for (size_t i = 0; i < b->sum.n_cells; i++)
    if (b->sum.cells[i].shots == shots) return 1;
  return 0;
}

/* "66.3 ± 0.4*+2" for a cell of ours into buf. */
static void format_ours(char *buf, size_t size, const summary_cell *c, int dec) {
  if (!c || !isfinite(c->mean)) {
    snprintf(buf, size, "%s", c ? "n/a" : "-");
    return;
  }
  int n = c->n_trials > 1 && isfinite(c->stddev)
              ? snprintf(buf, size, "%.*f ± %.*f", dec, c->mean, dec, c->stddev)
              : snprintf(buf, size, "%.*f", dec, c->mean);
  size_t failed = cell_failed(c);
  if (n > 0 && (size_t)n < size && !c->complete) n += snprintf(buf + n, size - (size_t)n, "*");
  if (n > 0 && (size_t)n < size && failed) snprintf(buf + n, size - (size_t)n, "+%zu", failed);
}

static void csv_field(FILE *out, const char *s) {
  size_t len = strlen(s);
  char *q = malloc(len * 2 + 3);
  if (!q) return;
  size_t n = csv_write(q, len * 2 + 3, s, len);
  fwrite(q, 1, n, out);
  free(q);
}

static void csv_num(FILE *out, double v, int dec) {
  if (isfinite(v)) fprintf(out, "%.*f", dec, v);
}

static cJSON *jnum(double v) { return jsonnum_create(v); }

table_options table_default_options(void) {
  table_options o = {NULL, NULL, "md", 1};
  return o;
}

int table_print(FILE *out, const char *const *runs, int n_runs, const table_options *o, char *err, size_t err_size) {
  int rc = FS_EXIT_OK, dec = o->decimals;
  const char *ref_path = o->reference, *against = o->against, *format = o->format ? o->format : "md";
  reference_card card;
  int have_card = 0;
  memset(&card, 0, sizeof card);
  char default_ref[4096];
  if (!ref_path) {
    snprintf(default_ref, sizeof default_ref, "%s/%s", FEWSHOT_SOURCE_DIR, DEFAULT_REFERENCE);
    struct stat st;
    if (stat(default_ref, &st) == 0) ref_path = default_ref;
  }
  if (ref_path && strcmp(ref_path, "none") != 0) {
    if (reference_load(ref_path, &card, err, err_size) != 0) return FS_EXIT_USAGE;
    have_card = 1;
  }
  const reference_model *ref_row = NULL;
  if (have_card) {
    const char *name = against ? against : card.default_model;
    ref_row = reference_find_model(&card, name);
    if (against && !ref_row) {
      snprintf(err, err_size, "%s: --against: no model row '%s'", ref_path, against);
      reference_free(&card);
      return FS_EXIT_USAGE;
    }
  }

  run_block *blocks = calloc((size_t)n_runs + 1, sizeof *blocks);
  int n_blocks = 0;
  if (!blocks) {
    snprintf(err, err_size, "out of memory");
    if (have_card) reference_free(&card);
    return FS_EXIT_RUNTIME;
  }
  for (int r = 0; r < n_runs && rc == FS_EXIT_OK; r++) {
    summary s;
    if (summary_load_run(runs[r], &s, err, err_size) != 0) {
      rc = FS_EXIT_USAGE;
      break;
    }
    run_block *b = NULL;
    for (int k = 0; k < n_blocks; k++)
      if (strcmp(blocks[k].label, s.label) == 0) b = &blocks[k];
    if (!b) {
      b = &blocks[n_blocks++];
      b->label = strdup(s.label);
      b->sum.label = strdup(s.label);
      if (!b->label || !b->sum.label) {
        snprintf(err, err_size, "%s: out of memory", runs[r]);
        summary_free(&s);
        rc = FS_EXIT_RUNTIME;
        break;
      }
    }
    if (join_summary(&b->sum, &s, runs[r], err, err_size) != 0) {
      rc = FS_EXIT_USAGE;
    }
    summary_free(&s);
  }

  /* Columns: the card's, then any other task of ours (in the card's task order). */
  const char **keys = NULL, **titles = NULL;
  int n_cols = 0, *shots = NULL, n_shots = 0, oom = 0;
  for (size_t i = 0; have_card && i < card.n_columns && !oom; i++)
    oom = add_column(&keys, &titles, &n_cols, card.columns[i].task, card.columns[i].title) != 0;
  for (int k = 0; k < n_blocks && !oom; k++) {
    for (size_t i = 0; i < blocks[k].sum.n_cells && !oom; i++) {
      const char *t = blocks[k].sum.cells[i].task;
      const taskinfo *ti = taskinfo_lookup(t);
      oom = add_column(&keys, &titles, &n_cols, t, ti ? ti->title : t) != 0 ||
            add_shot(&shots, &n_shots, blocks[k].sum.cells[i].shots) != 0;
    }
  }
  for (size_t i = 0; have_card && i < card.n_models && !oom; i++)
    for (size_t k = 0; k < card.models[i].n_values && !oom; k++)
      oom = add_shot(&shots, &n_shots, card.models[i].values[k].shots) != 0;
  if (oom && rc == FS_EXIT_OK) {
    snprintf(err, err_size, "table: out of memory for the columns and shot counts");
    rc = FS_EXIT_RUNTIME;
  }
  if (n_shots) qsort(shots, (size_t)n_shots, sizeof *shots, cmp_int);

  if (rc == FS_EXIT_OK && strcmp(format, "md") == 0) {
    char cell[128];
    fprintf(out, "| Model | Shot |");
    for (int c = 0; c < n_cols; c++) fprintf(out, " %s |", titles[c]);
    fprintf(out, "\n|:--|:--|");
    for (int c = 0; c < n_cols; c++) fprintf(out, ":--|");
    fprintf(out, "\n");
    for (size_t i = 0; have_card && i < card.n_models; i++) {
      int first = 1;
      for (int s = 0; s < n_shots; s++) {
        if (!model_has_shot(&card.models[i], shots[s])) continue;
        fprintf(out, "| %s | %d |", first ? card.models[i].name : "", shots[s]);
        first = 0;
        for (int c = 0; c < n_cols; c++) {
          double rv;
          if (reference_lookup(&card.models[i], keys[c], shots[s], &rv) && isfinite(rv)) fprintf(out, " %.*f |", dec, rv);
          else fprintf(out, " - |");
        }
        fprintf(out, "\n");
      }
    }
    for (int k = 0; k < n_blocks; k++) {
      int first = 1;
      for (int s = 0; s < n_shots; s++) {
        if (!block_has_shot(&blocks[k], shots[s])) continue;
        fprintf(out, "| %s%s | %d |", first ? "ours: " : "", first ? blocks[k].label : "", shots[s]);
        first = 0;
        for (int c = 0; c < n_cols; c++) {
          format_ours(cell, sizeof cell, block_cell(&blocks[k], keys[c], shots[s]), dec);
          fprintf(out, " %s |", cell);
        }
        fprintf(out, "\n");
      }
      first = 1;
      for (int s = 0; ref_row && s < n_shots; s++) {
        if (!block_has_shot(&blocks[k], shots[s])) continue;
        if (first) fprintf(out, "| Δ %s − %s | %d |", blocks[k].label, ref_row->name, shots[s]);
        else fprintf(out, "|  | %d |", shots[s]);
        first = 0;
        for (int c = 0; c < n_cols; c++) {
          const summary_cell *sc = block_cell(&blocks[k], keys[c], shots[s]);
          double rv;
          if (sc && isfinite(sc->mean) && reference_lookup(ref_row, keys[c], shots[s], &rv) && isfinite(rv))
            fprintf(out, " %+.*f |", dec, sc->mean - rv);
          else
            fprintf(out, " - |");
        }
        fprintf(out, "\n");
      }
    }
    fprintf(out, "\n");
    if (n_blocks)
      fprintf(out, "ours: mean ± population std over seeds (np.nanstd, as OpenFlamingo reports); "
             "* incomplete cell; +N failed samples (left out of the score).\n");
    if (have_card) fprintf(out, "card: %s (%s).\n", card.title, card.url);
  } else if (rc == FS_EXIT_OK && strcmp(format, "csv") == 0) {
    fprintf(out, "model,kind,shots,task,mean,stddev,stddev_sample,n_seeds,complete,n_failed,reference,diff\n");
    for (size_t i = 0; have_card && i < card.n_models; i++) {
      for (int s = 0; s < n_shots; s++) {
        for (int c = 0; c < n_cols; c++) {
          double rv;
          if (!reference_lookup(&card.models[i], keys[c], shots[s], &rv)) continue;
          csv_field(out, card.models[i].name);
          fprintf(out, ",card,%d,%s,", shots[s], keys[c]);
          csv_num(out, rv, dec);
          fprintf(out, ",,,,,,,\n");
        }
      }
    }
    for (int k = 0; k < n_blocks; k++) {
      for (int s = 0; s < n_shots; s++) {
        for (int c = 0; c < n_cols; c++) {
          const summary_cell *sc = block_cell(&blocks[k], keys[c], shots[s]);
          if (!sc) continue;
          double rv = NAN;
          if (ref_row) reference_lookup(ref_row, keys[c], shots[s], &rv);
          csv_field(out, blocks[k].label);
          fprintf(out, ",run,%d,%s,", shots[s], keys[c]);
          csv_num(out, sc->mean, dec + 2);
          fprintf(out, ",");
          csv_num(out, sc->stddev, dec + 2);
          fprintf(out, ",");
          csv_num(out, sc->stddev_sample, dec + 2);
          fprintf(out, ",%zu,%s,%zu,", sc->n_trials, sc->complete ? "true" : "false", cell_failed(sc));
          csv_num(out, rv, dec);
          fprintf(out, ",");
          csv_num(out, sc->mean - rv, dec + 2);
          fprintf(out, "\n");
        }
      }
    }
  } else if (rc == FS_EXIT_OK) {
    cJSON *root = cJSON_CreateObject();
    if (have_card) {
      cJSON *r = cJSON_AddObjectToObject(root, "reference");
      cJSON_AddStringToObject(r, "title", card.title);
      cJSON_AddStringToObject(r, "url", card.url);
      if (ref_row) cJSON_AddStringToObject(r, "against", ref_row->name);
    }
    cJSON *cols = cJSON_AddArrayToObject(root, "columns");
    for (int c = 0; c < n_cols; c++) {
      cJSON *col = cJSON_CreateObject();
      cJSON_AddStringToObject(col, "task", keys[c]);
      cJSON_AddStringToObject(col, "title", titles[c]);
      cJSON_AddItemToArray(cols, col);
    }
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (size_t i = 0; have_card && i < card.n_models; i++) {
      for (int s = 0; s < n_shots; s++) {
        if (!model_has_shot(&card.models[i], shots[s])) continue;
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "model", card.models[i].name);
        cJSON_AddStringToObject(row, "kind", "card");
        cJSON_AddNumberToObject(row, "shots", shots[s]);
        cJSON *cells = cJSON_AddObjectToObject(row, "cells");
        for (int c = 0; c < n_cols; c++) {
          double rv;
          if (reference_lookup(&card.models[i], keys[c], shots[s], &rv)) cJSON_AddItemToObject(cells, keys[c], jnum(rv));
        }
        cJSON_AddItemToArray(rows, row);
      }
    }
    for (int k = 0; k < n_blocks; k++) {
      for (int s = 0; s < n_shots; s++) {
        if (!block_has_shot(&blocks[k], shots[s])) continue;
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "model", blocks[k].label);
        cJSON_AddStringToObject(row, "kind", "run");
        cJSON_AddNumberToObject(row, "shots", shots[s]);
        cJSON *cells = cJSON_AddObjectToObject(row, "cells");
        for (int c = 0; c < n_cols; c++) {
          const summary_cell *sc = block_cell(&blocks[k], keys[c], shots[s]);
          if (!sc) continue;
          cJSON *cj = cJSON_CreateObject();
          double rv = NAN;
          int has_ref = ref_row && reference_lookup(ref_row, keys[c], shots[s], &rv);
          cJSON_AddItemToObject(cj, "mean", jnum(sc->mean));
          cJSON_AddItemToObject(cj, "stddev", jnum(sc->stddev));
          cJSON_AddItemToObject(cj, "stddev_sample", jnum(sc->stddev_sample));
          cJSON_AddNumberToObject(cj, "n_seeds", (double)sc->n_trials);
          cJSON_AddBoolToObject(cj, "complete", sc->complete);
          cJSON_AddNumberToObject(cj, "n_failed", (double)cell_failed(sc));
          cJSON_AddItemToObject(cj, "reference", has_ref ? jnum(rv) : cJSON_CreateNull());
          cJSON_AddItemToObject(cj, "diff", has_ref ? jnum(sc->mean - rv) : cJSON_CreateNull());
          cJSON_AddItemToObject(cells, keys[c], cj);
        }
        cJSON_AddItemToArray(rows, row);
      }
    }
    char *text = cJSON_Print(root);
    if (text) fprintf(out, "%s\n", text);
    free(text);
    cJSON_Delete(root);
  }

  for (int k = 0; k < n_blocks; k++) {
    free(blocks[k].label);
    summary_free(&blocks[k].sum);
  }
  free(blocks);
  free(keys);
  free(titles);
  free(shots);
  if (have_card) reference_free(&card);
  return rc;
}
