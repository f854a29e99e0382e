/* evalmerge.c - joining shard runs (evalmerge.h). */
#include "evalmerge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "evalrun.h"
#include "idmap.h"
#include "jsonnum.h"
#include "records.h"
#include "rundir.h"
#include "runinfo.h"
#include "summary.h"

static cJSON *load_json(const char *path, char *err, size_t err_size) {
  char *text = rundir_read_file(path, NULL, err, err_size);
  if (!text) return NULL;
  cJSON *o = cJSON_Parse(text);
  free(text);
  if (!o) snprintf(err, err_size, "%s: not valid JSON", path);
  return o;
}

/* The part of run.json that must agree between shards. */
static const char *const SAME_KEYS[] = {"config", "model", "datasets", "scoring", "build"};

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static int cmp_index(const void *a, const void *b) {
  const records_entry *x = a, *y = b;
  return (x->index > y->index) - (x->index < y->index);
}

int evalmerge_run(const char *const *dirs, int n, const char *out_dir, size_t *n_incomplete, char *err,
                  size_t err_size) {
  if (n_incomplete) *n_incomplete = 0;
  if (n < 1) {
    snprintf(err, err_size, "merge: no shard directories");
    return -1;
  }
  cJSON **runs = calloc((size_t)n, sizeof *runs);
  int *seen = NULL, count = -1, rc = 0;
  char path[4096];
  if (!runs) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  for (int i = 0; i < n && rc == 0; i++) {
    snprintf(path, sizeof path, "%s/run.json", dirs[i]);
    if (!(runs[i] = load_json(path, err, err_size))) {
      rc = -1;
      break;
    }
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(runs[i], "shard");
    const cJSON *si = cJSON_GetObjectItemCaseSensitive(shard, "index");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(shard, "count");
    if (!cJSON_IsNumber(si) || !cJSON_IsNumber(sc)) {
      snprintf(err, err_size, "%s: not a shard (run.json has no \"shard\": {\"index\", \"count\"})", path);
      rc = -1;
      break;
    }
    if (count < 0) {
      count = sc->valueint;
      if (count < 1 || !(seen = calloc((size_t)count, sizeof *seen))) {
        snprintf(err, err_size, "%s: shard count %d", path, count);
        rc = -1;
        break;
      }
    }
    if (sc->valueint != count || si->valueint < 0 || si->valueint >= count) {
      snprintf(err, err_size, "%s: shard %d/%d does not belong with shards of %d", path, si->valueint, sc->valueint, count);
      rc = -1;
      break;
    }
    if (seen[si->valueint]++) {
      snprintf(err, err_size, "%s: shard %d/%d given twice", path, si->valueint, count);
      rc = -1;
      break;
    }
    for (size_t k = 0; i > 0 && k < sizeof SAME_KEYS / sizeof *SAME_KEYS; k++) {
      const cJSON *a = cJSON_GetObjectItemCaseSensitive(runs[0], SAME_KEYS[k]);
      const cJSON *b = cJSON_GetObjectItemCaseSensitive(runs[i], SAME_KEYS[k]);
      if ((a || b) && !(a && b && cJSON_Compare(a, b, 1))) {
        snprintf(err, err_size, "%s: \"%s\" differs from %s/run.json: not shards of one run", path, SAME_KEYS[k], dirs[0]);
        rc = -1;
        break;
      }
    }
  }
  for (int i = 0; rc == 0 && i < count; i++) {
    if (!seen[i]) {
      snprintf(err, err_size, "merge: shard %d/%d is missing", i, count);
      rc = -1;
    }
  }
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/records", out_dir);
    char **existing = NULL;
    size_t n_existing = 0;
    if (rundir_list_records(out_dir, &existing, &n_existing, err, err_size) != 0) rc = -1;
    rundir_free_list(existing, n_existing);
    if (rc == 0 && n_existing) {
      snprintf(err, err_size, "%s: already holds records; merge into a new folder", out_dir);
      rc = -1;
    }
    if (rc == 0) rc = rundir_mkdirs(path, err, err_size);
  }
  /* The union of the shards' record file names. */
  char **names = NULL;
  size_t n_names = 0;
  for (int i = 0; rc == 0 && i < n; i++) {
    char **paths = NULL;
    size_t np = 0;
    if (rundir_list_records(dirs[i], &paths, &np, err, err_size) != 0) {
      rc = -1;
      break;
    }
    for (size_t k = 0; k < np && rc == 0; k++) {
      const char *b = base_name(paths[k]);
      size_t j = 0;
      while (j < n_names && strcmp(names[j], b) != 0) j++;
      if (j < n_names) continue;
      char **nn = realloc(names, (n_names + 1) * sizeof *nn);
      if (!nn || !(nn[n_names] = strdup(b))) {
        if (nn) names = nn;
        snprintf(err, err_size, "out of memory");
        rc = -1;
        break;
      }
      names = nn;
      n_names++;
    }
    rundir_free_list(paths, np);
  }
  /* vqa variant the shards scored with. */
  vqa_variant vqa = VQA_OPENFLAMINGO;
  if (rc == 0) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(runs[0], "scoring"), "vqa_variant");
    if (cJSON_IsString(v) && vqa_variant_parse(v->valuestring, &vqa) != 0) {
      snprintf(err, err_size, "%s/run.json: scoring.vqa_variant '%s' unknown", dirs[0], v->valuestring);
      rc = -1;
    }
  }
  for (size_t k = 0; rc == 0 && k < n_names; k++) {
    records_list all = {0};
    for (int i = 0; i < n && rc == 0; i++) {
      snprintf(path, sizeof path, "%s/records/%s", dirs[i], names[k]);
      struct stat st;
      if (stat(path, &st) != 0) continue;
      if (records_read_file(path, &all, NULL, NULL, err, err_size) != 0) rc = -1;
    }
    idmap ids;
    idmap_init(&ids);
    for (size_t i = 0; rc == 0 && i < all.n; i++) {
      size_t prev;
      int r = idmap_put(&ids, all.items[i].id, i, &prev);
      if (r != 0) {
        snprintf(err, err_size, "%s: sample %s is in more than one shard", names[k], all.items[i].id);
        rc = -1;
      } else if (strcmp(all.items[i].task, all.items[0].task) != 0 || all.items[i].shots != all.items[0].shots ||
                 all.items[i].seed != all.items[0].seed) {
        snprintf(err, err_size, "%s: records of different cells under one name", names[k]);
        rc = -1;
      }
    }
    idmap_free(&ids);
    if (rc == 0 && all.n) {
      qsort(all.items, all.n, sizeof *all.items, cmp_index);
      snprintf(path, sizeof path, "%s/records/%s", out_dir, names[k]);
      rc = records_write_file_atomic(path, all.items, all.n, err, err_size);
      if (rc == 0) rc = evalrun_finalize_cell(path, vqa, err, err_size);
    }
    records_list_free(&all);
  }
  /* run.json: the first shard's, with the plans added up. */
  if (rc == 0) {
    cJSON *merged = cJSON_Duplicate(runs[0], 1);
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "shard");
    cJSON_AddNullToObject(merged, "shard");
    cJSON *from = cJSON_AddArrayToObject(merged, "merged_from");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(from, cJSON_CreateString(dirs[i]));
    char now[32];
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "merged");
    cJSON_AddStringToObject(merged, "merged", runinfo_utc_now(now, sizeof now));
    cJSON *plan = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
      const cJSON *it;
      cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(runs[i], "plan")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "task"), *s = cJSON_GetObjectItemCaseSensitive(it, "shots");
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "seed"), *ns = cJSON_GetObjectItemCaseSensitive(it, "n_samples");
        if (!cJSON_IsString(t) || !cJSON_IsNumber(s) || !cJSON_IsNumber(sd) || !cJSON_IsNumber(ns)) continue;
        cJSON *m = NULL, *p;
        cJSON_ArrayForEach(p, plan) {
          if (strcmp(cJSON_GetObjectItem(p, "task")->valuestring, t->valuestring) == 0 &&
              cJSON_GetObjectItem(p, "shots")->valueint == s->valueint &&
              cJSON_GetObjectItem(p, "seed")->valuedouble == sd->valuedouble)
            m = p;
        }
        if (!m) {
          m = cJSON_Duplicate(it, 1);
          cJSON_AddItemToArray(plan, m);
        } else {
          double total = cJSON_GetObjectItem(m, "n_samples")->valuedouble + ns->valuedouble;
          cJSON_ReplaceItemInObjectCaseSensitive(m, "n_samples", jsonnum_create(total));
        }
      }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "plan");
    cJSON_AddItemToObject(merged, "plan", plan);
    char *text = cJSON_Print(merged);
    snprintf(path, sizeof path, "%s/run.json", out_dir);
    rc = text ? rundir_write_file_atomic(path, text, strlen(text), err, err_size) : -1;
    if (!text) snprintf(err, err_size, "out of memory");
    free(text);
    cJSON_Delete(merged);
  }
  if (rc == 0) {
    summary s;
    rc = summary_build_dir(out_dir, &s, err, err_size);
    if (rc == 0) {
      for (size_t i = 0; n_incomplete && i < s.n_cells; i++) *n_incomplete += !s.cells[i].complete;
      rc = summary_write_dir(out_dir, &s, NULL, NULL, err, err_size);
      summary_free(&s);
    }
  }
  for (size_t k = 0; k < n_names; k++) free(names[k]);
  free(names);
  for (int i = 0; i < n; i++) cJSON_Delete(runs[i]);
  free(runs);
  free(seen);
  return rc;
}
