/* evalrun.c - the run loop: cells, resume, shards, batches, records, finalisation (evalrun.h). */
#include "evalrun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "caption.h"
#include "idmap.h"
#include "jsonnum.h"
#include "okvqa.h"
#include "ptb.h"
#include "reference.h"
#include "rundir.h"
#include "summary.h"
#include "taskinfo.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The OK-VQA stemmer behind the datasets module's post-processing hook. */
static char *stem_hook(const char *text, void *ctx, char *err, size_t err_size) {
  const char *s = okvqa_stemmer_stem((okvqa_stemmer *)ctx, text, err, err_size);
  return s ? strdup(s) : NULL;
}

/* Everything one task's cells share. */
typedef struct {
  const evalrun_options *o;
  const evalrun_task *t;
  dataset test, train;
  vqa_scorer *scorer;
  okvqa_stemmer *stemmer;
  evalrun_backend *be;
  evalrun_stats *stats;
  progress bar;
} task_ctx;

/* Appends one record built from its parts. */
static int append_record(records_writer *w, const task_ctx *c, int shots, long long seed, size_t index,
                         const dataset_sample *q, const sampler_slot *slot, int n_draws, const char *generation,
                         const char *prediction, double score, double accuracy, const char *failure, char *err,
                         size_t err_size) {
  records_entry e;
  memset(&e, 0, sizeof e);
  const char *demo_ids[64];
  int nd = n_draws < 64 ? n_draws : 64;
  for (int k = 0; k < nd; k++) demo_ids[k] = c->train.samples[slot->demos[k]].id;
  e.id = (char *)q->id;
  e.task = (char *)dataset_task_name(c->t->task);
  e.shots = shots;
  e.seed = seed;
  e.index = (long long)index;
  e.demos = (char **)demo_ids;
  e.n_demos = (size_t)nd;
  e.generation = (char *)generation;
  e.prediction = (char *)prediction;
  e.score = score;
  e.status = failure ? RECORDS_FAILED : RECORDS_OK;
  e.reason = (char *)failure;
  if (dataset_task_kind(c->t->task) == DATASET_KIND_CAPTION && q->references) {
    e.references = (char **)q->references;
    e.n_references = (size_t)q->n_references;
  }
  cJSON *extra = NULL;
  if (!failure && isfinite(accuracy)) {
    extra = cJSON_CreateObject();
    jsonnum_add(extra, "accuracy", accuracy);
    e.extra = extra;
  }
  int rc = records_writer_append(w, &e, err, err_size);
  cJSON_Delete(extra);
  return rc;
}

/* Runs the pending slots of one cell. */
static int run_cell(task_ctx *c, int shots, long long seed, int n_draws, const sampler_plan *plan,
                    const size_t *mine, size_t n_mine, const char *label, size_t *n_new, char *err, size_t err_size) {
  const evalrun_options *o = c->o;
  const char *task_name = dataset_task_name(c->t->task);
  char path[4096];
  if (rundir_records_path(o->out_dir, task_name, shots, seed, path, sizeof path) != 0) {
    snprintf(err, err_size, "%s: path too long", o->out_dir);
    return -1;
  }
  /* What is done already (resume). */
  idmap done;
  idmap_init(&done);
  size_t keep = 0, dropped = 0;
  struct stat st;
  int rc = 0;
  if (stat(path, &st) == 0) {
    if (!o->resume) {
      snprintf(err, err_size, "%s exists: add --resume to continue that run, or choose another --out", path);
      idmap_free(&done);
      return -1;
    }
    records_list l = {0};
    if (records_read_file(path, &l, &keep, &dropped, err, err_size) != 0) rc = -1;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
      const records_entry *e = &l.items[i];
      if (strcmp(e->task, task_name) != 0 || e->shots != shots || e->seed != seed) {
        snprintf(err, err_size, "%s: holds records of %s %d-shot seed %lld", path, e->task, e->shots, e->seed);
        rc = -1;
      } else if (idmap_put(&done, e->id, i, NULL) < 0) {
        snprintf(err, err_size, "%s: out of memory", path);
        rc = -1;
      }
    }
    records_list_free(&l);
    if (rc == 0 && dropped && !o->quiet)
      fprintf(stderr, "fewshot eval: %s: dropped a torn last line (%zu bytes); that sample runs again\n", path, dropped);
  }
  if (rc != 0) {
    idmap_free(&done);
    return -1;
  }
  size_t *pending = malloc((n_mine ? n_mine : 1) * sizeof *pending), n_pending = 0, n_done = 0;
  if (!pending) {
    idmap_free(&done);
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n_mine; i++) {
    const dataset_sample *q = &c->test.samples[plan->slots[mine[i]].test_index];
    if (idmap_get(&done, q->id, NULL)) n_done++;
    else pending[n_pending++] = mine[i];
  }
  idmap_free(&done);
  c->stats->n_skipped += n_done;
  *n_new = 0;
  if (!n_pending) {
    free(pending);
    return 0;
  }
  records_writer *w = records_writer_open(path, keep, o->fsync, o->fsync_interval_s, err, err_size);
  if (!w) {
    free(pending);
    return -2;
  }
  int B = c->be->max_batch > 0 ? c->be->max_batch : 1;
  prompt *prompts = calloc((size_t)B, sizeof *prompts);
  int *built = calloc((size_t)B, sizeof *built);
  char **build_fail = calloc((size_t)B, sizeof *build_fail);
  evalrun_request *req = calloc((size_t)B, sizeof *req);
  evalrun_result *res = calloc((size_t)B, sizeof *res);
  int *req_of = calloc((size_t)B, sizeof *req_of);
  const dataset_sample **demos = calloc((size_t)(n_draws > 0 ? n_draws : 1), sizeof *demos);
  if (!prompts || !built || !build_fail || !req || !res || !req_of || !demos) {
    snprintf(err, err_size, "out of memory");
    rc = -1;
  }
  progress_begin(&c->bar, label, n_mine, n_done);
  size_t finished = n_done, failed_here = 0;
  dataset_kind kind = dataset_task_kind(c->t->task);
  for (size_t b0 = 0; rc == 0 && b0 < n_pending; b0 += (size_t)B) {
    int n = (int)(n_pending - b0 < (size_t)B ? n_pending - b0 : (size_t)B), n_req = 0;
    for (int i = 0; i < n; i++) {
      const sampler_slot *slot = &plan->slots[pending[b0 + (size_t)i]];
      const dataset_sample *q = &c->test.samples[slot->test_index];
      for (int k = 0; k < n_draws; k++) demos[k] = &c->train.samples[slot->demos[k]];
      char why[512];
      built[i] = prompt_build(&c->t->prompt, c->t->task, shots, q, demos, n_draws, &prompts[i], why, sizeof why) == 0;
      build_fail[i] = built[i] ? NULL : strdup(why);
      req_of[i] = -1;
      if (built[i]) {
        req[n_req].text = prompts[i].text;
        req[n_req].images = prompts[i].images;
        req[n_req].n_images = prompts[i].n_images;
        memset(&res[n_req], 0, sizeof res[n_req]);
        req_of[i] = n_req++;
      }
    }
    if (n_req && c->be->generate(c->be->ctx, req, n_req, &c->t->gen, res, err, err_size) != 0) rc = -2;
    for (int i = 0; rc == 0 && i < n; i++) {
      size_t slot_index = pending[b0 + (size_t)i];
      const sampler_slot *slot = &plan->slots[slot_index];
      const dataset_sample *q = &c->test.samples[slot->test_index];
      const char *failure = build_fail[i], *generation = NULL;
      if (!failure) {
        const evalrun_result *r = &res[req_of[i]];
        failure = r->failure;
        generation = r->generation;
        if (!failure && !generation) failure = "the backend returned neither a generation nor a reason";
      }
      char *prediction = NULL;
      double score = NAN, accuracy = NAN;
      char why[512];
      if (!failure) {
        prediction = postprocess_apply(c->t->task, c->t->vqa_cut, generation, c->stemmer ? stem_hook : NULL,
                                       c->stemmer, NULL, why, sizeof why);
        if (!prediction) {
          snprintf(err, err_size, "%s %d-shot seed %lld: sample %s: post-processing: %s", dataset_task_name(c->t->task),
                   shots, seed, q->id, why);
          rc = -1;
          break;
        }
        if (kind == DATASET_KIND_VQA && q->answers && q->n_answers > 0) {
          vqa_result vr;
          if (vqa_scorer_score(c->scorer, prediction, q->answers, (size_t)q->n_answers, &vr, why, sizeof why) != 0) {
            snprintf(err, err_size, "%s: sample %s: VQA accuracy: %s", dataset_task_name(c->t->task), q->id, why);
            free(prediction);
            rc = -1;
            break;
          }
          accuracy = vr.accuracy;
          score = 100.0 * vr.accuracy;
        }
      }
      if (append_record(w, c, shots, seed, slot_index, q, slot, n_draws, generation, prediction, score, accuracy,
                        failure, err, err_size) != 0)
        rc = -2;
      free(prediction);
      finished++;
      (*n_new)++;
      c->stats->n_run++;
      if (failure) {
        c->stats->n_failed++;
        failed_here++;
      }
    }
    for (int i = 0; i < n; i++) {
      if (built[i]) prompt_free(&prompts[i]);
      free(build_fail[i]);
      build_fail[i] = NULL;
      if (req_of[i] >= 0) {
        free(res[req_of[i]].generation);
        free(res[req_of[i]].failure);
        memset(&res[req_of[i]], 0, sizeof res[req_of[i]]);
      }
      built[i] = 0;
    }
    progress_update(&c->bar, finished);
  }
  if (rc == 0) progress_end(&c->bar);
  char cerr[256];
  if (records_writer_close(w, cerr, sizeof cerr) != 0 && rc == 0) {
    snprintf(err, err_size, "%s", cerr);
    rc = -2;
  }
  free(prompts);
  free(built);
  free(build_fail);
  free(req);
  free(res);
  free(req_of);
  free(demos);
  free(pending);
  return rc;
}

static int write_run_json(const char *dir, cJSON *run_json, char *err, size_t err_size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/run.json", dir);
  char *text = cJSON_Print(run_json);
  if (!text) {
    snprintf(err, err_size, "%s: out of memory", path);
    return -1;
  }
  int rc = rundir_write_file_atomic(path, text, strlen(text), err, err_size);
  free(text);
  return rc;
}

/* Adds {"task", "shots", "seed", "n_samples"} to run_json's plan, replacing an equal entry. */
static void plan_add(cJSON *run_json, const char *task, int shots, long long seed, size_t n) {
  cJSON *plan = cJSON_GetObjectItemCaseSensitive(run_json, "plan");
  if (!cJSON_IsArray(plan)) {
    cJSON_DeleteItemFromObjectCaseSensitive(run_json, "plan");
    plan = cJSON_AddArrayToObject(run_json, "plan");
  }
  int i = 0;
  cJSON *it;
  cJSON_ArrayForEach(it, plan) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "task");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "shots");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "seed");
    if (cJSON_IsString(t) && strcmp(t->valuestring, task) == 0 && cJSON_IsNumber(k) && k->valueint == shots &&
        cJSON_IsNumber(s) && (long long)s->valuedouble == seed) {
      cJSON_DeleteItemFromArray(plan, i);
      break;
    }
    i++;
  }
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "task", task);
  cJSON_AddNumberToObject(e, "shots", shots);
  /* Plain numbers (not jsonnum's raw items): the loop reads this plan back from memory, and these
   * integers are below 2^53, which cJSON prints exactly. */
  cJSON_AddNumberToObject(e, "seed", (double)seed);
  cJSON_AddNumberToObject(e, "n_samples", (double)n);
  cJSON_AddItemToArray(plan, e);
}

/* The run's summary, kept in memory and updated cell by cell: one records file is read per cell,
 * not the whole run directory. */
static int refresh_summary(const evalrun_options *o, summary *s, const char *records_path, cJSON *run_json,
                           char *err, size_t err_size) {
  char *task = NULL;
  int shots = 0;
  summary_trial t;
  const cJSON *plan = run_json ? cJSON_GetObjectItemCaseSensitive(run_json, "plan") : NULL;
  int got = summary_trial_from_file(records_path, plan, &task, &shots, &t, err, err_size);
  if (got < 0) return -1;
  int rc = got ? summary_put_trial(s, task, shots, &t, err, err_size) : 0;
  free(task);
  if (rc == 0) {
    summary_finish(s);
    rc = summary_write_dir(o->out_dir, s, o->reference, NULL, err, err_size);
  }
  return rc;
}

/* The trial's score as the summary will show it, for the per-cell line. */
static double cell_score(const char *path) {
  records_list l = {0};
  double v = NAN;
  if (records_read_file(path, &l, NULL, NULL, NULL, 0) == 0 && l.n) {
    summary_trial t = summary_trial_from_records(l.items, l.n, 0);
    v = t.score;
    summary_cell_score cs;
    if (summary_read_cell_score(path, &cs, NULL, 0) == 1) {
      if (cs.n_scored == t.n_samples - t.n_failed && !t.n_unscored) v = cs.score;
      summary_cell_score_free(&cs);
    }
  }
  records_list_free(&l);
  return v;
}

/* 1 when the cell's aggregate is missing or stale: not every scored sample is covered, or some
 * sample is still unscored. */
static int needs_finalize(const char *path) {
  records_list l = {0};
  int need = 1;
  if (records_read_file(path, &l, NULL, NULL, NULL, 0) == 0) {
    summary_trial t = summary_trial_from_records(l.items, l.n, 0);
    summary_cell_score cs;
    if (summary_read_cell_score(path, &cs, NULL, 0) == 1) {
      need = t.n_unscored || cs.n_scored != t.n_samples - t.n_failed;
      summary_cell_score_free(&cs);
    }
    if (!l.n) need = 0;
  }
  records_list_free(&l);
  return need;
}

/* Counts the missing image files of a cell's queries and demos: a warning, unless no query image
 * exists at all (a wrong image folder), which stops the run before it wastes its time. */
static int check_cell_images(task_ctx *c, const sampler_plan *plan, const size_t *mine, size_t n_mine, const char *what,
                             char *err, size_t err_size) {
  size_t *idx = malloc(n_mine * sizeof *idx), n_demo = 0, missing = 0;
  size_t *demo_idx = malloc((n_mine * (size_t)(plan->n_draws > 0 ? plan->n_draws : 1)) * sizeof *demo_idx);
  if (!idx || !demo_idx) {
    free(idx);
    free(demo_idx);
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n_mine; i++) {
    const sampler_slot *sl = &plan->slots[mine[i]];
    idx[i] = sl->test_index;
    for (int k = 0; k < plan->n_draws; k++) demo_idx[n_demo++] = sl->demos[k];
  }
  char why[512];
  int rc = 0;
  if (dataset_check_images(&c->test, idx, n_mine, &missing, why, sizeof why) != 0) {
    if (missing >= n_mine) {
      snprintf(err, err_size, "%s: no query image exists: %s", what, why);
      rc = -1;
    } else if (!c->o->quiet) {
      fprintf(stderr, "fewshot eval: warning: %s: %s (those samples will be recorded as failed)\n", what, why);
    }
  }
  if (rc == 0 && n_demo && dataset_check_images(&c->train, demo_idx, n_demo, &missing, why, sizeof why) != 0 && !c->o->quiet)
    fprintf(stderr, "fewshot eval: warning: %s: demonstrations: %s (samples using them will be recorded as failed)\n", what, why);
  free(idx);
  free(demo_idx);
  return rc;
}

int evalrun_run(const evalrun_options *o, const evalrun_task *tasks, int n_tasks, evalrun_backend *be,
                cJSON *run_json, evalrun_stats *stats, char *err, size_t err_size) {
  evalrun_stats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  double t0 = now_s();
  if (o->shard_count < 1 || o->shard_index < 0 || o->shard_index >= o->shard_count) {
    snprintf(err, err_size, "shard %d/%d: expected 0 <= I < N", o->shard_index, o->shard_count);
    return -1;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/records", o->out_dir);
  if (rundir_mkdirs(path, err, err_size) != 0) return -1;
  size_t n_cells_total = (size_t)n_tasks * (size_t)o->n_shots * (size_t)o->n_seeds, cell_no = 0;
  int rc = 0;
  summary sum; /* what the run directory holds now (a resumed run's earlier cells included) */
  if (summary_build_dir(o->out_dir, &sum, err, err_size) != 0) return EVALRUN_BAD_INPUT;
  for (int ti = 0; rc == 0 && ti < n_tasks; ti++) {
    task_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.t = &tasks[ti];
    c.be = be;
    c.stats = stats;
    progress_init(&c.bar, stderr, o->progress);
    const char *task_name = dataset_task_name(c.t->task);
    if (dataset_load(&c.t->source, DATASET_SPLIT_TEST, &c.test, err, err_size) != 0) {
      rc = -1;
      break;
    }
    if (dataset_load(&c.t->source, DATASET_SPLIT_TRAIN, &c.train, err, err_size) != 0) {
      dataset_free(&c.test);
      rc = -1;
      break;
    }
    if (!(c.scorer = vqa_scorer_init(o->vqa, err, err_size))) rc = -1;
    if (rc == 0 && c.t->task == DATASET_OKVQA && c.t->okvqa_stem && !(c.stemmer = okvqa_stemmer_init(err, err_size))) rc = -1;
    for (int si = 0; rc == 0 && si < o->n_shots; si++) {
      int shots = o->shots[si], n_draws = prompt_num_draws(&c.t->prompt, c.t->task, shots);
      for (int ki = 0; rc == 0 && ki < o->n_seeds; ki++) {
        long long seed = o->seeds[ki];
        cell_no++;
        sampler_params sp = {o->sampling, (uint64_t)seed, c.t->num_samples, c.t->query_set_size, n_draws,
                             o->world_size > 0 ? o->world_size : 1, o->sampler_batch > 0 ? o->sampler_batch : 1};
        sampler_plan plan;
        char why[512];
        if (sampler_plan_build(&sp, &c.test, &c.train, &plan, why, sizeof why) != 0) {
          snprintf(err, err_size, "%s %d-shot seed %lld: sampling: %s", task_name, shots, seed, why);
          rc = -1;
          break;
        }
        /* This shard's slots: every slot j with j mod N == I, OpenFlamingo's padding duplicates left
         * out (a sample is recorded once; docs/results.md). */
        size_t *mine = malloc((plan.n_slots ? plan.n_slots : 1) * sizeof *mine), n_mine = 0;
        if (!mine) rc = -1;
        for (size_t j = 0; mine && j < plan.n_slots; j++)
          if (!plan.slots[j].is_padding && (int)(j % (size_t)o->shard_count) == o->shard_index) mine[n_mine++] = j;
        char what[96];
        snprintf(what, sizeof what, "%s %d-shot seed %lld", task_name, shots, seed);
        if (rc == 0 && o->check_images && n_mine) rc = check_cell_images(&c, &plan, mine, n_mine, what, err, err_size);
        if (rc == 0 && run_json) {
          plan_add(run_json, task_name, shots, seed, n_mine);
          if (write_run_json(o->out_dir, run_json, err, err_size) != 0) rc = -2;
        }
        char label[160];
        snprintf(label, sizeof label, "[%zu/%zu] %s %d-shot seed %lld", cell_no, n_cells_total, task_name, shots, seed);
        double tc = now_s();
        size_t failed_before = stats->n_failed, n_new = 0;
        if (rc == 0) rc = run_cell(&c, shots, seed, n_draws, &plan, mine, n_mine, label, &n_new, err, err_size);
        free(mine);
        sampler_plan_free(&plan);
        stats->n_cells++;
        rundir_records_path(o->out_dir, task_name, shots, seed, path, sizeof path);
        /* A resumed cell that was finished and scored before is left as it is. */
        int finalize = rc == 0 && o->shard_count == 1 && (n_new || needs_finalize(path));
        if (finalize && evalrun_finalize_cell(path, o->vqa, err, err_size) != 0) rc = -2;
        if (rc == 0 && (n_new || finalize) && refresh_summary(o, &sum, path, run_json, err, err_size) != 0) rc = -2;
        if (rc == 0 && !o->quiet && (n_new || finalize)) {
          char took[32];
          progress_format_duration(now_s() - tc, took, sizeof took);
          double v = cell_score(path);
          fprintf(stderr, "%s: %zu samples, %zu failed, score %s%.2f (%s)\n", label, n_mine,
                  stats->n_failed - failed_before, isfinite(v) ? "" : "n/a ", isfinite(v) ? v : 0.0, took);
        }
      }
    }
    vqa_scorer_free(c.scorer);
    okvqa_stemmer_free(c.stemmer);
    dataset_free(&c.test);
    dataset_free(&c.train);
  }
  /* The summary files always exist at the end (also when nothing ran). */
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/summary.json", o->out_dir);
    struct stat st;
    if (stat(path, &st) != 0) {
      summary_free(&sum);
      if (summary_build_dir(o->out_dir, &sum, err, err_size) != 0 ||
          summary_write_dir(o->out_dir, &sum, o->reference, NULL, err, err_size) != 0)
        rc = -2;
    }
  }
  summary_free(&sum);
  stats->seconds = now_s() - t0;
  return rc == 0 ? 0 : rc == -2 ? EVALRUN_RUNTIME : EVALRUN_BAD_INPUT;
}

/* ---- finalisation ---- */

static int cmp_index(const void *a, const void *b) {
  const records_entry *x = *(const records_entry *const *)a, *y = *(const records_entry *const *)b;
  return (x->index > y->index) - (x->index < y->index);
}

static double extra_number(const records_entry *e, const char *key) {
  const cJSON *v = e->extra ? cJSON_GetObjectItemCaseSensitive(e->extra, key) : NULL;
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int evalrun_finalize_cell(const char *records_path, vqa_variant vqa, char *err, size_t err_size) {
  records_list l = {0};
  if (records_read_file(records_path, &l, NULL, NULL, err, err_size) != 0) return -1;
  if (!l.n) {
    records_list_free(&l);
    return 0;
  }
  const records_entry **order = malloc(l.n * sizeof *order);
  if (!order) {
    records_list_free(&l);
    snprintf(err, err_size, "%s: out of memory", records_path);
    return -1;
  }
  for (size_t i = 0; i < l.n; i++) order[i] = &l.items[i];
  qsort(order, l.n, sizeof *order, cmp_index);
  const taskinfo *ti = taskinfo_lookup(l.items[0].task);
  int caption = ti && strcmp(ti->metric, "cider") == 0, rc = 0;
  summary_cell_score cs;
  memset(&cs, 0, sizeof cs);
  cs.score = cs.score_unrounded = NAN;
  if (!caption) {
    /* VQAEval's overall: round(100 * sum(accQA) / len(accQA), 2), the sum left to right in the order
     * the results were gathered (the plan's slot order). */
    vqa_tally *t = vqa_tally_init(err, err_size);
    int complete = t != NULL;
    for (size_t i = 0; t && i < l.n && rc == 0; i++) {
      const records_entry *e = order[i];
      if (e->status != RECORDS_OK) continue;
      double acc = extra_number(e, "accuracy");
      if (isnan(acc)) acc = e->score / 100.0;
      if (isnan(acc)) {
        complete = 0; /* unscored questions (no annotations): no aggregate */
        break;
      }
      rc = vqa_tally_add(t, "", "", acc, err, err_size);
    }
    if (rc == 0 && complete && vqa_tally_count(t)) {
      cs.n_scored = vqa_tally_count(t);
      cs.score_unrounded = vqa_tally_overall(t);
      cs.score = vqa_round(cs.score_unrounded, 2, vqa_variant_rounding(vqa));
      rc = summary_write_cell_score(records_path, l.items[0].task, l.items[0].shots, l.items[0].seed,
                                    "vqa_accuracy", &cs, err, err_size);
    }
    vqa_tally_free(t);
  } else {
    size_t n = 0;
    caption_item *items = calloc(l.n, sizeof *items);
    records_entry **who = calloc(l.n, sizeof *who);
    caption_scores *per = calloc(l.n, sizeof *per), corpus;
    ptb_tokenizer *ptb = NULL;
    if (!items || !who || !per) {
      snprintf(err, err_size, "%s: out of memory", records_path);
      rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
      records_entry *e = (records_entry *)order[i];
      if (e->status != RECORDS_OK) continue;
      if (!e->references || !e->n_references) {
        snprintf(err, err_size, "%s: sample %s: no references to score the caption against", records_path, e->id);
        rc = -1;
        break;
      }
      items[n].candidate = e->prediction ? e->prediction : "";
      items[n].refs = (const char *const *)e->references;
      items[n].n_refs = e->n_references;
      who[n++] = e;
    }
    if (rc == 0 && n && !(ptb = ptb_tokenizer_init(err, err_size))) rc = -1;
    if (rc == 0 && n && caption_score_raw(ptb, items, n, per, &corpus, err, err_size) != 0) rc = -1;
    if (rc == 0 && n) {
      static const char *names[6] = {"CIDEr", "Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L"};
      for (size_t i = 0; i < n; i++) {
        double v[6] = {per[i].cider, per[i].bleu[0], per[i].bleu[1], per[i].bleu[2], per[i].bleu[3], per[i].rouge_l};
        cJSON_Delete(who[i]->extra);
        who[i]->extra = cJSON_CreateObject();
        for (int k = 0; k < 6; k++) jsonnum_add(who[i]->extra, names[k], v[k]);
        who[i]->score = 100.0 * per[i].cider;
      }
      rc = records_write_file_atomic(records_path, l.items, l.n, err, err_size);
      if (rc == 0) {
        double v[6] = {corpus.cider, corpus.bleu[0], corpus.bleu[1], corpus.bleu[2], corpus.bleu[3], corpus.rouge_l};
        cs.metrics = cJSON_CreateObject();
        for (int k = 0; k < 6; k++) jsonnum_add(cs.metrics, names[k], v[k]);
        cs.n_scored = n;
        cs.score = cs.score_unrounded = 100.0 * corpus.cider; /* OpenFlamingo: metrics["CIDEr"] * 100 */
        rc = summary_write_cell_score(records_path, l.items[0].task, l.items[0].shots, l.items[0].seed, "cider",
                                      &cs, err, err_size);
      }
    }
    ptb_tokenizer_free(ptb);
    free(items);
    free(who);
    free(per);
  }
  summary_cell_score_free(&cs);
  free(order);
  records_list_free(&l);
  return rc;
}
