/* reference.c - loading results/reference/<card>.json (reference.h). */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rundir.h"

void reference_free(reference_card *card) {
  free(card->title);
  free(card->url);
  free(card->default_model);
  for (size_t i = 0; i < card->n_columns; i++) {
    free(card->columns[i].task);
    free(card->columns[i].title);
  }
  free(card->columns);
  for (size_t i = 0; i < card->n_models; i++) {
    for (size_t k = 0; k < card->models[i].n_values; k++) free(card->models[i].values[k].task);
    free(card->models[i].values);
    free(card->models[i].name);
  }
  free(card->models);
  memset(card, 0, sizeof *card);
}

static char *opt_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return strdup(cJSON_IsString(v) ? v->valuestring : "");
}

static int parse_shots(const char *s, int *out) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 100000) return -1;
  *out = (int)v;
  return 0;
}

int reference_load(const char *path, reference_card *card, char *err, size_t err_size) {
  memset(card, 0, sizeof *card);
  char *text = rundir_read_file(path, NULL, err, err_size);
  if (!text) return -1;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
  const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
  if (!root || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "fewshot-reference/1") != 0 ||
      !cJSON_IsArray(cols) || !cJSON_IsArray(models)) {
    if (err) snprintf(err, err_size, "%s: not a reference file (format \"fewshot-reference/1\" with columns and models)", path);
    cJSON_Delete(root);
    return -1;
  }
  const cJSON *source = cJSON_GetObjectItemCaseSensitive(root, "source");
  card->title = opt_str(root, "title");
  card->url = opt_str(source, "url");
  card->default_model = opt_str(root, "default_model");
  int rc = 0, i = 0;
  card->columns = calloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof *card->columns);
  card->models = calloc((size_t)cJSON_GetArraySize(models) + 1, sizeof *card->models);
  if (!card->columns || !card->models || !card->title || !card->url || !card->default_model) rc = -2;
  const cJSON *it;
  cJSON_ArrayForEach(it, cols) {
    if (rc) break;
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(it, "task");
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(it, "title");
    if (!cJSON_IsString(task) || !cJSON_IsString(title)) {
      if (err) snprintf(err, err_size, "%s: columns[%d]: needs \"task\" and \"title\" strings", path, i);
      rc = -1;
      break;
    }
    reference_column *c = &card->columns[card->n_columns++];
    if (!(c->task = strdup(task->valuestring)) || !(c->title = strdup(title->valuestring))) rc = -2;
    i++;
  }
  i = 0;
  cJSON_ArrayForEach(it, models) {
    if (rc) break;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(it, "results");
    if (!cJSON_IsString(name) || !cJSON_IsObject(results)) {
      if (err) snprintf(err, err_size, "%s: models[%d]: needs \"name\" and a \"results\" object", path, i);
      rc = -1;
      break;
    }
    reference_model *m = &card->models[card->n_models++];
    if (!(m->name = strdup(name->valuestring))) {
      rc = -2;
      break;
    }
    const cJSON *task;
    cJSON_ArrayForEach(task, results) {
      const cJSON *cell;
      if (!cJSON_IsObject(task)) {
        if (err) snprintf(err, err_size, "%s: models[%d] (%s): results.%s: expected {\"<shots>\": value}", path, i, m->name, task->string);
        rc = -1;
        break;
      }
      cJSON_ArrayForEach(cell, task) {
        int shots;
        if (parse_shots(cell->string, &shots) != 0 || !(cJSON_IsNumber(cell) || cJSON_IsNull(cell))) {
          if (err) snprintf(err, err_size, "%s: models[%d] (%s): results.%s.%s: expected a shot count and a number or null", path, i, m->name, task->string, cell->string);
          rc = -1;
          break;
        }
        reference_value *nv = realloc(m->values, (m->n_values + 1) * sizeof *nv);
        if (!nv) {
          rc = -2;
          break;
        }
        m->values = nv;
        reference_value *v = &m->values[m->n_values];
        if (!(v->task = strdup(task->string))) {
          rc = -2;
          break;
        }
        v->shots = shots;
        v->value = cJSON_IsNumber(cell) ? cell->valuedouble : NAN;
        m->n_values++;
      }
      if (rc) break;
    }
    i++;
  }
  cJSON_Delete(root);
  if (rc == -2 && err) snprintf(err, err_size, "%s: out of memory", path);
  if (rc) reference_free(card);
  return rc ? -1 : 0;
}

const reference_model *reference_find_model(const reference_card *card, const char *name) {
  for (size_t i = 0; card && name && i < card->n_models; i++)
    if (strcmp(card->models[i].name, name) == 0) return &card->models[i];
  return NULL;
}

int reference_lookup(const reference_model *model, const char *task, int shots, double *value) {
  for (size_t i = 0; model && i < model->n_values; i++) {
    if (model->values[i].shots == shots && strcmp(model->values[i].task, task) == 0) {
      *value = model->values[i].value;
      return 1;
    }
  }
  return 0;
}
