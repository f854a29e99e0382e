/* cmd_bench.c - `fewshot bench`: the engine's speed on random weights with the real shapes
 * (performance.md §4.4), as JSON lines and a table, each measurement against the cost-model bound
 * (harness/costmodel.h). bench/README.md explains the metrics; bench/gpu.sh runs this beside the
 * PyTorch baseline on a GPU.
 *
 *   M1 vision crops/s: SigLIP alone and SigLIP + resampler (+ the copy to the host), batches of crops
 *   M2 prefill tokens/s: batches of equal-length text prompts, one forward (engine_generate, 1 token)
 *   M3 decode ms/step: greedy batch 1 and B samples × 3 beams over N-token prompts; each decoding
 *      step of one long fixed-length generation is a repetition (the first two are warm-up)
 *   M4 end to end samples/s: VQAv2-shaped 0/4/8-shot prompts (one image block of n_latents tokens
 *      per image, 25 text tokens per demonstration, 20 for the query, BOS), 3 beams, fixed-length
 *      generation (min = max new tokens, so eos never ends a beam), the harness's image cache
 *      (harness/imagecache.h) cold and then warm (the demonstration pool cached, query images new);
 *      each batch (cache lookups, encoding the misses, generation) is a repetition
 *   M5 memory: what the engine holds for each M4 configuration (the device's own count on CUDA,
 *      the process's peak resident memory on the CPU)
 *
 * Weights are generated in memory in the real checkpoint layout (model/synthmodel.h, bf16: 8.7 GB
 * for the full model), so no checkpoint file is needed. Timing: wall clock around synchronous
 * engine calls; the engine's timing record (engine_set_timing) splits phases. Synthetic pixels are
 * made outside the timed regions (preprocessing is timed separately in the protocol).
 *
 * --gate-model DIR --gate-out FILE instead dumps, for the correctness gate of performance.md §4.3,
 * the engine's SigLIP features, image embeddings and logits on fixed inputs (bench/pytorch_baseline.py
 * gate compares them with transformers on the same checkpoint). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "benchrec.h"
#include "cli.h"
#include "commands.h"
#include "costmodel.h"
#include "cuda/backend_cuda.h"
#include "engine.h"
#include "imagecache.h"
#include "opts.h"
#include "safetensors_write.h"
#include "sha256.h"
#include "synthmodel.h"
#include "xoshiro.h"

static const char usage[] =
    "usage: fewshot bench [--device cpu|cuda|cuda-f32] [--preset full|tiny] [size flags] [--metrics LIST]\n"
    "                     [--out FILE.jsonl] [timing and shape options]\n"
    "       fewshot bench --gate-model DIR --gate-out FILE.safetensors [--device ...]\n"
    "       fewshot bench --write-config FILE [--preset ...] [size flags]\n"
    "Measures the engine on random weights (generated in memory, real tensor names and shapes) as in\n"
    "performance.md §4.4: M1 vision crops/s, M2 prefill tok/s, M3 decode ms/step, M4 end-to-end\n"
    "samples/s (image cache cold and warm), M5 memory. Prints a table; --out writes JSON lines\n"
    "{gpu, impl, metric, config, value, unit, n, p10, p50, p90, ...} (bench/README.md).\n"
    "\n"
    "  --device D            cpu (default), cuda (bf16) or cuda-f32\n"
    "  --preset P            full (default: xgen-mm-phi3-mini, 4.3 B parameters) or tiny (widths 32)\n"
    "  size flags            --vision-layers/-width/-heads/-mlp N, --resampler-depth/-heads/-head-dim N,\n"
    "                        --latents N, --lm-layers/-width/-heads/-kv-heads/-mlp N, --image-size N\n"
    "  --metrics LIST        any of M1,M2,M3,M4,M5 (default all)\n"
    "  --m1-batches LIST     crops per batch (default 9,45,64,256)\n"
    "  --m2-shapes LIST      prompts x tokens (default 64x149,16x761,16x1373,4x3321)\n"
    "  --m3-batches LIST     samples x 3 beams (default 8,32,64,128; greedy batch 1 always runs)\n"
    "  --m3-prompts LIST     prompt tokens (default 149,1373)\n"
    "  --m3-steps N          decoding steps timed per case (default 16; 2 more are warm-up)\n"
    "  --m4-shots LIST       (default 0,4,8)\n"
    "  --m4-samples N        samples per configuration and pass (default 512)\n"
    "  --m4-batch N          samples per engine call (default 32)\n"
    "  --m4-pool N           demonstration pool: distinct demonstration images (default 2048)\n"
    "  --m4-new-tokens N     (default 5)   --beams N (default 3)\n"
    "  --warmup N            warm-up repetitions (default 3)   --reps N  timed repetitions (default 5)\n"
    "  --case-budget S       seconds per measurement: fewer repetitions (or M4 samples) past it (default 60)\n"
    "  --time-budget S       no new measurement starts after S seconds (default 0: no limit)\n"
    "  --prefill-chunk N     engine_limits.prefill_chunk (default 0: the engine's default)\n"
    "  --seed N              weights and inputs (default 1)\n"
    "  --threads N           CPU threads (default: OpenMP's)\n"
    "  --impl NAME           the impl field (default fewshot-<device>)\n"
    "  --out FILE            JSON lines (one per measurement; the file is overwritten)\n"
    "  --bandwidth TB/s, --peak-tflops X   override the ceilings taken from the card's name\n"
    "Example (a few seconds on a laptop CPU):\n"
    "  fewshot bench --preset tiny --m1-batches 2 --m2-shapes 2x149 --m3-batches 2 --m3-prompts 149 \\\n"
    "      --m4-samples 8 --m4-batch 4 --m4-pool 8 --warmup 1 --reps 3 --out bench.jsonl\n";

#define CMD "bench"
#define MAX_LIST 16
#define TOKEN_BOS 1
#define TOKEN_IMAGE 32012
#define TOKEN_PLACEHOLDER 32013
enum { DEMO_TEXT = 25, QUERY_TEXT = 20 }; /* performance.md §1.4: VQAv2 text tokens */

typedef struct {
  long v[MAX_LIST];
  long w[MAX_LIST]; /* second number of "AxB" items */
  int n;
} long_list;

typedef struct {
  /* options */
  engine_device device;
  const char *device_name;
  model_config cfg;
  const char *preset;
  int threads, warmup, reps, prefill_chunk, beams;
  uint64_t seed;
  double case_budget, time_budget;
  int want[6]; /* metrics M1..M5 */
  long_list m1, m2, m3b, m3p, m4shots;
  long m3_steps, m4_samples, m4_batch, m4_pool, m4_new;
  char impl[48];
  FILE *out;
  /* state */
  synthmodel *synth;
  engine *eng;
  engine_limits lim;
  engine_timing tm;
  double step_s[1024];
  char gpu[96];
  costmodel_device dev;
  double dev_total_bytes; /* device memory (GPU), 0 when unknown */
  double t_start;
  double first_load_s; /* the first engine load (init record) */
  int n_loads;
  int failures;
} bench;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- option parsing ---- */

static int parse_list(const char *flag, const char *text, int pairs, long_list *l) {
  l->n = 0;
  const char *p = text;
  while (*p) {
    char *end;
    errno = 0;
    long a = strtol(p, &end, 10), b = 0;
    if (end == p || errno || a < 0) goto bad;
    p = end;
    if (pairs) {
      if (*p != 'x') goto bad;
      b = strtol(++p, &end, 10);
      if (end == p || errno || b < 1) goto bad;
      p = end;
    }
    if (l->n == MAX_LIST) goto bad;
    l->v[l->n] = a;
    l->w[l->n++] = b;
    if (*p == ',') p++;
    else if (*p) goto bad;
  }
  if (l->n == 0) goto bad;
  return 0;
bad:
  cli_error(CMD, "%s: expected a comma-separated list of %s (at most %d), got '%s'", flag,
            pairs ? "PROMPTSxTOKENS pairs" : "non-negative integers", MAX_LIST, text);
  return -1;
}

static void preset_tiny(model_config *c) {
  model_config_default(c);
  c->vision.hidden_size = 32, c->vision.intermediate_size = 64, c->vision.n_layers = 2, c->vision.n_heads = 4;
  c->resampler.depth = 2, c->resampler.n_heads = 2, c->resampler.head_dim = 16;
  c->lm.hidden_size = 32, c->lm.intermediate_size = 64, c->lm.n_layers = 2, c->lm.n_heads = 4, c->lm.n_kv_heads = 4;
}

/* Derives the dependent fields through the JSON a checkpoint would carry (as fewshot-mkmodel does):
 * the model benchmarked is exactly what a reader of that config.json sees. */
static int finish_config(model_config *c, int kv_set, char **json_out) {
  char err[256];
  c->resampler.dim = c->vision.hidden_size;
  c->resampler.out_dim = c->lm.hidden_size;
  c->vision.use_head = 0; /* the MAP head is never run: not generated */
  if (!kv_set) c->lm.n_kv_heads = c->lm.n_heads;
  char *json = model_config_to_json(c, "bfloat16", err, sizeof err);
  if (!json || model_config_parse(c, json, strlen(json), "config", err, sizeof err)) {
    cli_error(CMD, "%s", err);
    free(json);
    return -1;
  }
  if (json_out) *json_out = json;
  else free(json);
  return 0;
}

/* ---- engines ---- */

static int covers(const engine_limits *have, const engine_limits *want) {
  return have->max_batch >= want->max_batch && have->max_images >= want->max_images &&
         have->max_prompt_tokens >= want->max_prompt_tokens && have->max_new_tokens >= want->max_new_tokens &&
         have->max_beams >= want->max_beams && have->prefill_chunk == want->prefill_chunk;
}

/* The engine for `want`: the current one when its limits cover it, else a fresh load. NULL with err. */
static engine *get_engine(bench *b, engine_limits want, char *err, size_t es) {
  want.prefill_chunk = b->prefill_chunk;
  want.n_threads = b->threads;
  if (b->eng && covers(&b->lim, &want)) return b->eng;
  engine_free(b->eng);
  b->eng = NULL;
  safetensors_model *st = synthmodel_open(b->synth, err, es);
  if (!st) return NULL;
  double t0 = now_s();
  b->eng = engine_load_checkpoint(&b->cfg, st, b->device, &want, err, es);
  if (!b->eng) return NULL;
  b->lim = want;
  engine_set_timing(b->eng, &b->tm);
  if (b->n_loads++ == 0) b->first_load_s = now_s() - t0;
  return b->eng;
}

/* ---- records ---- */

static void emit(bench *b, benchrec *r) {
  if (b->out) {
    char *j = benchrec_json(r);
    if (j) {
      fprintf(b->out, "%s\n", j);
      fflush(b->out);
      free(j);
    }
  }
  benchrec_print_row(stdout, r);
  fflush(stdout);
}

static void emit_skip(bench *b, const char *metric, const char *config, const char *unit, const char *why) {
  benchrec r;
  benchrec_init(&r, b->gpu, b->impl, b->device_name, metric, config, unit);
  snprintf(r.skipped, sizeof r.skipped, "%.*s", (int)sizeof r.skipped - 1, why);
  emit(b, &r);
}

/* Whether the global time budget allows another measurement; records a skip when not. */
static int budget_left(bench *b, const char *metric, const char *config, const char *unit) {
  if (b->time_budget <= 0 || now_s() - b->t_start < b->time_budget) return 1;
  emit_skip(b, metric, config, unit, "time budget spent");
  return 0;
}

/* Fills the achieved-rate fields from the work of one repetition and its median time. */
static void rate_fields(const bench *b, benchrec *r, const costmodel_work *w, double t_median) {
  if (!(t_median > 0)) return;
  r->tflops = w->flops / t_median / 1e12;
  double bound = costmodel_bound_s(w, &b->dev);
  if (bound > 0) r->bound_frac = bound / t_median;
}

/* ---- synthetic inputs ---- */

static void fill_pixels(float *px, size_t n, uint64_t seed) {
  xoshiro_rng g;
  xoshiro_seed(&g, seed);
  for (size_t i = 0; i < n; i++) px[i] = (float)((double)(xoshiro_next(&g) >> 11) * 0x1.0p-52 - 1.0);
}

/* Text ids in [3, 31999]: no special token, inside the base vocabulary. */
static int32_t text_id(xoshiro_rng *g) { return (int32_t)(3 + xoshiro_below(g, 31997)); }

static void text_prompt(int32_t *ids, long n, xoshiro_rng *g) {
  ids[0] = TOKEN_BOS;
  for (long i = 1; i < n; i++) ids[i] = text_id(g);
}

/* Repetitions: `warmup` discarded, then up to `reps` kept, fewer when the case budget runs out (at
 * least one). The run function returns 0 and two values per repetition (value[1] may be unused),
 * or non-zero with err; vals[2 i + j] receives repetition i's value j. */
typedef int (*rep_fn)(bench *b, void *arg, double value[2], char *err, size_t es);

static long run_reps(bench *b, rep_fn fn, void *arg, double *vals, char *err, size_t es) {
  const double t0 = now_s();
  int warm = b->warmup, reps = b->reps;
  double v[2];
  for (int i = 0; i < warm; i++) {
    double ti = now_s();
    if (fn(b, arg, v, err, es)) return -1;
    double dt = now_s() - ti;
    if (i == 0 && dt * (warm + reps) > b->case_budget) { /* slow: one warm-up, as many reps as fit */
      warm = 1;
      long fit = (long)((b->case_budget - dt) / (dt > 0 ? dt : 1e-9));
      reps = fit < 1 ? 1 : fit < reps ? (int)fit : reps;
    }
  }
  long n = 0;
  while (n < reps) {
    if (fn(b, arg, &vals[2 * n], err, es)) return -1;
    n++;
    if (now_s() - t0 > b->case_budget && n >= 1) break;
  }
  return n;
}

/* ---- M1: vision ---- */

typedef struct {
  int n;
  float *pixels, *embeds;
} m1_arg;

/* value[0]: crops/s through SigLIP + resampler (+ copy to the host); value[1]: SigLIP alone. */
static int m1_rep(bench *b, void *argp, double value[2], char *err, size_t es) {
  m1_arg *a = argp;
  double v0 = b->tm.vision_s, t0 = now_s();
  if (engine_encode_images(b->eng, a->pixels, a->n, a->embeds, err, es)) return -1;
  double dt = now_s() - t0, dv = b->tm.vision_s - v0;
  value[0] = a->n / dt;
  value[1] = a->n / dv;
  return 0;
}

static void run_m1(bench *b) {
  long maxn = 0;
  for (int i = 0; i < b->m1.n; i++) maxn = b->m1.v[i] > maxn ? b->m1.v[i] : maxn;
  const size_t px = (size_t)b->cfg.vision.n_channels * b->cfg.vision.image_size * b->cfg.vision.image_size;
  const size_t per = (size_t)b->cfg.resampler.n_latents * b->cfg.lm.hidden_size;
  for (int i = 0; i < b->m1.n; i++) {
    const int n = (int)b->m1.v[i];
    char cs[64], cf[64], err[512];
    snprintf(cs, sizeof cs, "siglip,batch=%d", n);
    snprintf(cf, sizeof cf, "siglip+resampler,batch=%d", n);
    if (n < 1 || !budget_left(b, "M1.vision", cf, "crops/s")) continue;
    engine_limits want = {.max_batch = 1, .max_images = (int)maxn, .max_prompt_tokens = 1, .max_new_tokens = 1,
                          .max_beams = 1};
    m1_arg a = {.n = n};
    a.pixels = malloc((size_t)n * px * sizeof *a.pixels);
    a.embeds = malloc((size_t)n * per * sizeof *a.embeds);
    double vals[128];
    long got = -1;
    int loaded = 1;
    if (!a.pixels || !a.embeds) snprintf(err, sizeof err, "out of memory for %d crops", n);
    else if (!get_engine(b, want, err, sizeof err)) loaded = 0;
    else {
      fill_pixels(a.pixels, (size_t)n * px, b->seed * 1000003u + (uint64_t)n);
      got = run_reps(b, m1_rep, &a, vals, err, sizeof err);
    }
    if (got < 1) {
      emit_skip(b, "M1.vision", cf, "crops/s", err);
      b->failures += loaded; /* an engine that does not fit the device is a skip, not a failure */
    } else {
      double full[64], sig[64];
      for (long k = 0; k < got; k++) full[k] = vals[2 * k], sig[k] = vals[2 * k + 1];
      benchrec r;
      benchrec_init(&r, b->gpu, b->impl, b->device_name, "M1.vision", cs, "crops/s");
      benchrec_summarize(&r, sig, got);
      costmodel_work w = costmodel_vision(&b->cfg, n, 0);
      rate_fields(b, &r, &w, n / r.value);
      double bound = costmodel_bound_s(&w, &b->dev);
      if (bound > 0) r.bound = n / bound;
      emit(b, &r);
      benchrec_init(&r, b->gpu, b->impl, b->device_name, "M1.vision", cf, "crops/s");
      benchrec_summarize(&r, full, got);
      w = costmodel_vision(&b->cfg, n, 1);
      rate_fields(b, &r, &w, n / r.value);
      bound = costmodel_bound_s(&w, &b->dev);
      if (bound > 0) r.bound = n / bound;
      emit(b, &r);
    }
    free(a.pixels);
    free(a.embeds);
  }
}

/* ---- M2: prefill ---- */

typedef struct {
  engine_prompt *pr;
  int n;
  long tokens;
} m2_arg;

static int m2_rep(bench *b, void *argp, double value[2], char *err, size_t es) {
  m2_arg *a = argp;
  gen_params gp = {.num_beams = 1, .max_new_tokens = 1, .min_new_tokens = 1, .length_penalty = 1.0, .n_eos = 1,
                   .eos = {32000}, .pad_id = 32000};
  gen_output *out = calloc((size_t)a->n, sizeof *out);
  if (!out) {
    snprintf(err, es, "out of memory");
    return -1;
  }
  double p0 = b->tm.prefill_s;
  int rc = engine_generate(b->eng, a->pr, a->n, &gp, out, NULL, err, es);
  if (!rc) gen_output_free(out, a->n);
  free(out);
  value[0] = (double)a->n * a->tokens / (b->tm.prefill_s - p0);
  value[1] = 0;
  return rc;
}

/* n text prompts of `len` tokens (BOS + random ids), ids in one block. */
static engine_prompt *text_prompts(int n, long len, uint64_t seed, int32_t **ids_out) {
  int32_t *ids = malloc((size_t)n * (size_t)len * sizeof *ids);
  engine_prompt *pr = calloc((size_t)n, sizeof *pr);
  if (!ids || !pr) {
    free(ids), free(pr);
    return NULL;
  }
  xoshiro_rng g;
  xoshiro_seed(&g, seed);
  for (int s = 0; s < n; s++) {
    text_prompt(ids + (size_t)s * len, len, &g);
    pr[s] = (engine_prompt){ids + (size_t)s * len, (int)len, NULL, 0};
  }
  *ids_out = ids;
  return pr;
}

static void run_m2(bench *b) {
  for (int i = 0; i < b->m2.n; i++) {
    const int n = (int)b->m2.v[i];
    const long len = b->m2.w[i];
    char cfg[64], err[512] = "";
    snprintf(cfg, sizeof cfg, "prompts=%d,tokens=%ld", n, len);
    if (n < 1 || !budget_left(b, "M2.prefill", cfg, "tok/s")) continue;
    engine_limits want = {.max_batch = n, .max_images = 1, .max_prompt_tokens = (int)len, .max_new_tokens = 1,
                          .max_beams = 1};
    int32_t *ids = NULL;
    m2_arg a = {.pr = text_prompts(n, len, b->seed * 7919u + (uint64_t)i, &ids), .n = n, .tokens = len};
    double vals[128], tok[64];
    long got = -1;
    int loaded = 1;
    if (!a.pr) snprintf(err, sizeof err, "out of memory");
    else if (!get_engine(b, want, err, sizeof err)) loaded = 0;
    else got = run_reps(b, m2_rep, &a, vals, err, sizeof err);
    for (long k = 0; k < got; k++) tok[k] = vals[2 * k];
    if (got < 1) {
      emit_skip(b, "M2.prefill", cfg, "tok/s", err);
      b->failures += loaded; /* an engine that does not fit the device is a skip, not a failure */
    } else {
      benchrec r;
      benchrec_init(&r, b->gpu, b->impl, b->device_name, "M2.prefill", cfg, "tok/s");
      benchrec_summarize(&r, tok, got);
      costmodel_work w = costmodel_prefill(&b->cfg, n, len);
      rate_fields(b, &r, &w, n * len / r.value);
      double bound = costmodel_bound_s(&w, &b->dev);
      if (bound > 0) r.bound = n * len / bound;
      emit(b, &r);
    }
    free(a.pr);
    free(ids);
  }
}

/* ---- M3: decode ---- */

/* One case: n samples × beams over len-token prompts; every decoding step after two warm-up steps
 * of one fixed-length generation is a repetition (the step's wall time including the host search).
 * No separate warm-up call: the steps measured never see a shape for the first time. */
static void m3_case(bench *b, int n, int beams, long len) {
  char cfg[96], err[512] = "";
  if (beams == 1) snprintf(cfg, sizeof cfg, "greedy,samples=%d,prompt=%ld", n, len);
  else snprintf(cfg, sizeof cfg, "beams=%d,samples=%d,prompt=%ld", beams, n, len);
  if (!budget_left(b, "M3.decode", cfg, "ms/step")) return;
  const int warm_steps = 2, steps = (int)b->m3_steps, new_tokens = 1 + warm_steps + steps;
  engine_limits want = {.max_batch = n, .max_images = 1, .max_prompt_tokens = (int)len,
                        .max_new_tokens = new_tokens, .max_beams = beams};
  int32_t *ids = NULL;
  engine_prompt *pr = text_prompts(n, len, b->seed * 104729u + (uint64_t)(n * 31 + len), &ids);
  gen_output *out = calloc((size_t)n, sizeof *out);
  long got = 0;
  int loaded = 1;
  double vals[1024];
  if (!pr || !out) snprintf(err, sizeof err, "out of memory");
  else if (!get_engine(b, want, err, sizeof err)) loaded = 0;
  else {
    gen_params gp = {.num_beams = beams, .max_new_tokens = new_tokens, .min_new_tokens = new_tokens,
                     .length_penalty = 1.0, .n_eos = 2, .eos = {32000, 32014}, .pad_id = 32000};
    b->tm.step_s = b->step_s;
    b->tm.step_cap = (long)(sizeof b->step_s / sizeof b->step_s[0]);
    b->tm.n_decode_steps = 0;
    int rc = engine_generate(b->eng, pr, n, &gp, out, NULL, err, sizeof err);
    long n_steps = b->tm.n_decode_steps < b->tm.step_cap ? b->tm.n_decode_steps : b->tm.step_cap;
    b->tm.step_s = NULL;
    b->tm.step_cap = 0;
    if (!rc) {
      gen_output_free(out, n);
      for (long s = warm_steps; s < n_steps; s++) vals[got++] = 1e3 * b->step_s[s];
    }
  }
  if (got < 1) {
    emit_skip(b, "M3.decode", cfg, "ms/step", err[0] ? err : "no decoding step was timed");
    b->failures += loaded; /* an engine that does not fit the device is a skip, not a failure */
  } else {
    benchrec r;
    benchrec_init(&r, b->gpu, b->impl, b->device_name, "M3.decode", cfg, "ms/step");
    benchrec_summarize(&r, vals, got);
    /* the middle step's work: the prompt's KV read once per sample (beams share it) */
    costmodel_work w = costmodel_decode_step(&b->cfg, n, beams, len, 1 + warm_steps + steps / 2, 1);
    const double t = r.value / 1e3;
    rate_fields(b, &r, &w, t);
    r.gbps = w.bytes / t / 1e9;
    double bound = costmodel_bound_s(&w, &b->dev);
    if (bound > 0) r.bound = 1e3 * bound;
    benchrec_extra(&r, "tok_per_s", n * beams / t);
    emit(b, &r);
  }
  free(out);
  free(pr);
  free(ids);
}

static void run_m3(bench *b) {
  for (int p = 0; p < b->m3p.n; p++) {
    m3_case(b, 1, 1, b->m3p.v[p]);
    for (int i = 0; i < b->m3b.n; i++) m3_case(b, (int)b->m3b.v[i], b->beams, b->m3p.v[p]);
  }
}

/* ---- M4 / M5: end to end ---- */

typedef struct {
  long id;       /* image identity: >= 0 demonstration pool, < 0 query */
  char key[65];  /* cache key: SHA-256 of a description of the image */
} img_ref;

static void image_key(uint64_t seed, long id, char key[65]) {
  char text[96];
  snprintf(text, sizeof text, "fewshot bench image seed=%llu id=%ld", (unsigned long long)seed, id);
  sha256_ctx h;
  unsigned char d[32];
  sha256_init(&h);
  sha256_update(&h, text, strlen(text));
  sha256_final(&h, d);
  sha256_hex(d, key);
}

typedef struct {
  double wall, vision, prefill, decode; /* seconds */
  long samples, encoded, hits, lookups, batches;
  double batch_rate[4096]; /* samples/s per batch */
} pass_stats;

/* One pass over `n` samples (batches of B): query image ids qbase - s, demonstrations drawn from the
 * pool with the pass-independent seed, so a second pass finds them cached. */
static int m4_pass(bench *b, imagecache *cache, int shots, long n_samples, long qbase, long len, pass_stats *ps,
                   double deadline, char *err, size_t es) {
  const model_config *c = &b->cfg;
  const long B = b->m4_batch, nl = c->resampler.n_latents;
  const size_t per = engine_image_floats(b->eng);
  const size_t px = (size_t)c->vision.n_channels * c->vision.image_size * c->vision.image_size;
  const int n_img = shots + 1;
  img_ref *refs = malloc((size_t)B * n_img * sizeof *refs);
  const float **embp = malloc((size_t)B * n_img * sizeof *embp);
  int32_t *ids = malloc((size_t)B * len * sizeof *ids);
  engine_prompt *pr = calloc((size_t)B, sizeof *pr);
  gen_output *out = calloc((size_t)B, sizeof *out);
  float *pixels = malloc((size_t)B * n_img * px * sizeof *pixels);
  float *emb = malloc((size_t)B * n_img * per * sizeof *emb);
  int *miss = malloc((size_t)B * n_img * sizeof *miss);
  int rc = 0;
  if (!refs || !embp || !ids || !pr || !out || !pixels || !emb || !miss) {
    snprintf(err, es, "out of memory for a batch of %ld samples", B);
    rc = -1;
  }
  xoshiro_rng demos, text;
  xoshiro_seed(&demos, b->seed * 2654435761u + (uint64_t)shots);
  xoshiro_seed(&text, b->seed * 40503u + (uint64_t)(shots * 7 + qbase));
  gen_params gp = {.num_beams = b->beams, .max_new_tokens = (int)b->m4_new, .min_new_tokens = (int)b->m4_new,
                   .length_penalty = 1.0, .n_eos = 2, .eos = {32000, 32014}, .pad_id = 32000};
  for (long s0 = 0; rc == 0 && s0 < n_samples; s0 += B) {
    if (ps->batches > 0 && now_s() > deadline) break;
    const long nb = n_samples - s0 < B ? n_samples - s0 : B;
    /* prompts and image identities (untimed: the harness builds them from the dataset) */
    for (long s = 0; s < nb; s++) {
      int32_t *p = ids + s * len;
      long k = 0;
      p[k++] = TOKEN_BOS;
      for (int m = 0; m < n_img; m++) {
        img_ref *r = &refs[s * n_img + m];
        r->id = m < shots ? (long)xoshiro_below(&demos, (uint64_t)b->m4_pool) : qbase - (s0 + s);
        image_key(b->seed, r->id, r->key);
        p[k++] = TOKEN_IMAGE;
        for (long j = 1; j < nl; j++) p[k++] = TOKEN_PLACEHOLDER;
        for (int j = 0; j < (m < shots ? DEMO_TEXT : QUERY_TEXT); j++) p[k++] = text_id(&text);
      }
      pr[s] = (engine_prompt){p, (int)k, embp + s * n_img, n_img};
    }
    /* timed: lookups, encoding the misses in one call, storing them, generation */
    double t0 = now_s(), untimed = 0;
    double v0 = b->tm.vision_s + b->tm.resampler_s, p0 = b->tm.prefill_s, d0 = b->tm.decode_s + b->tm.search_s;
    imagecache_begin_batch(cache);
    int n_miss = 0;
    for (long r = 0; r < nb * n_img; r++) {
      embp[r] = imagecache_get(cache, refs[r].key);
      ps->lookups++;
      if (embp[r]) {
        ps->hits++;
        continue;
      }
      int dup = -1; /* the same image twice in one batch: encoded once */
      for (int q = 0; q < n_miss && dup < 0; q++)
        if (strcmp(refs[miss[q]].key, refs[r].key) == 0) dup = q;
      if (dup >= 0) continue;
      double tu = now_s(); /* pixels are preprocessing: not timed */
      fill_pixels(pixels + (size_t)n_miss * px, px, (uint64_t)(refs[r].id * 2 + 1) ^ b->seed << 32);
      untimed += now_s() - tu;
      miss[n_miss++] = (int)r;
    }
    if (n_miss && engine_encode_images(b->eng, pixels, n_miss, emb, err, es)) rc = -1;
    for (int q = 0; rc == 0 && q < n_miss; q++)
      if (!imagecache_put(cache, refs[miss[q]].key, emb + (size_t)q * per)) {
        snprintf(err, es, "image cache: out of memory");
        rc = -1;
      }
    for (long r = 0; rc == 0 && r < nb * n_img; r++)
      if (!embp[r] && !(embp[r] = imagecache_get(cache, refs[r].key))) {
        snprintf(err, es, "image cache: an image stored in this batch is gone");
        rc = -1;
      }
    if (rc == 0) rc = engine_generate(b->eng, pr, (int)nb, &gp, out, NULL, err, es);
    if (rc == 0) gen_output_free(out, (int)nb);
    double dt = now_s() - t0 - untimed;
    if (rc == 0) {
      ps->wall += dt;
      ps->vision += b->tm.vision_s + b->tm.resampler_s - v0;
      ps->prefill += b->tm.prefill_s - p0;
      ps->decode += b->tm.decode_s + b->tm.search_s - d0;
      ps->samples += nb;
      ps->encoded += n_miss;
      if (ps->batches < 4096) ps->batch_rate[ps->batches] = nb / dt;
      ps->batches++;
    }
  }
  free(refs), free(embp), free(ids), free(pr), free(out), free(pixels), free(emb), free(miss);
  return rc;
}

/* The bound of a pass's work (its encoded images, its prefills, its decoding steps) in seconds; its
 * FLOPs in *flops. */
static double pass_bound(const bench *b, const pass_stats *ps, long len, double *flops) {
  costmodel_work v = costmodel_vision(&b->cfg, ps->encoded, 1);
  costmodel_work p = costmodel_prefill(&b->cfg, ps->samples, len);
  double t = costmodel_bound_s(&v, &b->dev) + costmodel_bound_s(&p, &b->dev);
  *flops = v.flops + p.flops;
  for (long s0 = 0; s0 < ps->samples; s0 += b->m4_batch) {
    long nb = ps->samples - s0 < b->m4_batch ? ps->samples - s0 : b->m4_batch;
    for (long k = 0; k + 1 < b->m4_new; k++) { /* the first token comes from the prefill */
      costmodel_work d = costmodel_decode_step(&b->cfg, nb, b->beams, len, k, 1);
      t += costmodel_bound_s(&d, &b->dev);
      *flops += d.flops;
    }
  }
  return t;
}

static double peak_rss_bytes(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss * 1024.0 : NAN;
}

static void m4_case(bench *b, int shots) {
  const model_config *c = &b->cfg;
  const long len = 1 + (long)(shots + 1) * c->resampler.n_latents + (long)shots * DEMO_TEXT + QUERY_TEXT;
  char base[96], cfg[128], err[512] = "";
  snprintf(base, sizeof base, "vqa,shots=%d,crops=1", shots);
  snprintf(cfg, sizeof cfg, "%s,cache=cold,batch=%ld", base, b->m4_batch);
  if (!budget_left(b, "M4.e2e", cfg, "samples/s")) return;
  engine_limits want = {.max_batch = (int)b->m4_batch, .max_images = (int)(b->m4_batch * (shots + 1)),
                        .max_prompt_tokens = (int)len, .max_new_tokens = (int)b->m4_new, .max_beams = b->beams};
  imagecache cache;
  const size_t per = (size_t)c->resampler.n_latents * c->lm.hidden_size;
  /* room for the whole pool and both passes' queries: nothing is evicted */
  size_t budget = ((size_t)b->m4_pool + 2 * (size_t)b->m4_samples + (size_t)b->m4_batch * (shots + 1)) * per * sizeof(float);
  if (imagecache_init(&cache, per, budget, err, sizeof err)) {
    emit_skip(b, "M4.e2e", cfg, "samples/s", err);
    return;
  }
  pass_stats *ps = calloc(2, sizeof *ps);
  int rc = ps ? 0 : -1;
  if (!ps) snprintf(err, sizeof err, "out of memory");
  int loaded = 1;
  if (rc == 0 && !get_engine(b, want, err, sizeof err)) rc = -1, loaded = 0;
  if (rc == 0) { /* warm-up: one small batch of other images, then a fresh cache */
    pass_stats warm = {0};
    long keep = b->m4_batch;
    rc = m4_pass(b, &cache, shots, keep < b->m4_samples ? keep : b->m4_samples, -1000000000L, len, &warm,
                 now_s() + 1e9, err, sizeof err);
    imagecache_free(&cache);
    imagecache_init(&cache, per, budget, NULL, 0);
  }
  /* cold pass within the case budget, then the warm pass over the same samples (same demonstration
   * draws: all cached now) with new query images */
  if (rc == 0) rc = m4_pass(b, &cache, shots, b->m4_samples, -1, len, &ps[0], now_s() + b->case_budget, err, sizeof err);
  if (rc == 0) rc = m4_pass(b, &cache, shots, ps[0].samples, -1 - b->m4_samples, len, &ps[1], now_s() + 1e9, err, sizeof err);
  if (rc != 0) {
    emit_skip(b, "M4.e2e", cfg, "samples/s", err);
    b->failures += loaded; /* an engine that does not fit the device is a skip, not a failure */
  }
  for (int pass = 0; rc == 0 && pass < 2; pass++) {
    pass_stats *p = &ps[pass];
    benchrec r;
    snprintf(cfg, sizeof cfg, "%s,cache=%s,batch=%ld", base, pass ? "warm" : "cold", b->m4_batch);
    benchrec_init(&r, b->gpu, b->impl, b->device_name, "M4.e2e", cfg, "samples/s");
    snprintf(r.pair, sizeof r.pair, "M4.e2e|%s", base); /* compared with the baseline's loop */
    long nbat = p->batches < 4096 ? p->batches : 4096;
    benchrec_summarize(&r, p->batch_rate, nbat);
    r.value = p->samples / p->wall; /* the whole pass, not the median batch */
    double flops = 0, bound = pass_bound(b, p, len, &flops);
    if (bound > 0) {
      r.bound = p->samples / bound;
      r.bound_frac = bound / p->wall;
    }
    r.tflops = flops / p->wall / 1e12;
    double phases = p->vision + p->prefill + p->decode;
    benchrec_extra(&r, "samples", (double)p->samples);
    benchrec_extra(&r, "hit_rate", p->lookups ? (double)p->hits / p->lookups : NAN);
    benchrec_extra(&r, "s_per_5000", 5000.0 / r.value);
    benchrec_extra(&r, "share_v", phases > 0 ? p->vision / phases : NAN);
    benchrec_extra(&r, "share_p", phases > 0 ? p->prefill / phases : NAN);
    benchrec_extra(&r, "share_d", phases > 0 ? p->decode / phases : NAN);
    if (b->dev.peak_flops > 0) {
      /* §1.5 "+ image cache" bound for 5,000 samples at this batch: the queries plus the pool encoded once */
      long imgs = 5000 + (shots ? b->m4_pool : 0);
      benchrec_extra(&r, "bound_5000_s",
                     costmodel_eval_bound_s(c, &b->dev, 5000, len, imgs, (int)b->m4_new, b->beams, b->m4_batch, 1,
                                            NULL, NULL, NULL));
    }
    emit(b, &r);
  }
  /* M5: what this configuration holds */
  if (rc == 0 && b->want[5]) {
    benchrec r;
    snprintf(cfg, sizeof cfg, "%s,batch=%ld", base, b->m4_batch);
    benchrec_init(&r, b->gpu, b->impl, b->device_name, "M5.memory", cfg, "GB");
    snprintf(r.pair, sizeof r.pair, "M5.memory|%s", base);
    if (b->device == ENGINE_DEVICE_CPU) {
      double rss = peak_rss_bytes() / 1e9;
      benchrec_summarize(&r, &rss, 1);
      benchrec_extra(&r, "peak_rss", 1);
    } else {
      char line[512], name[96];
      double total = 0, held = 0;
      engine_describe_device(b->eng, line, sizeof line);
      if (benchrec_parse_device(line, name, sizeof name, &total, &held) == 3) {
        double gb = held / 1e9;
        benchrec_summarize(&r, &gb, 1);
        /* in-flight samples if the memory beyond the weights grew with the batch */
        double wbytes = costmodel_lm_weight_bytes(c) + costmodel_vision_weight_bytes(c) +
                        costmodel_resampler_weight_bytes(c);
        if (b->device == ENGINE_DEVICE_CUDA_F32) wbytes *= 2;
        if (held > wbytes)
          benchrec_extra(&r, "max_in_flight", floor(b->m4_batch * (0.95 * total - wbytes) / (held - wbytes)));
        benchrec_extra(&r, "device_gb", total / 1e9);
      } else {
        snprintf(r.skipped, sizeof r.skipped, "cannot read the device's memory from '%.180s'", line);
      }
    }
    benchrec_extra(&r, "batch", (double)b->m4_batch);
    emit(b, &r);
  }
  free(ps);
  imagecache_free(&cache);
}

static void run_m4(bench *b) {
  for (int i = 0; i < b->m4shots.n; i++) m4_case(b, (int)b->m4shots.v[i]);
}

/* ---- the correctness gate's dump ---- */

typedef struct {
  engine *e;
  float *siglip;
  size_t n;
} gate_trace;

static void gate_trace_fn(void *ctx, const char *name, int layer, bk_ptr x, int rows, int cols, int ld) {
  gate_trace *g = ctx;
  if (strcmp(name, "siglip.output") || ld != cols || (size_t)rows * cols != g->n) return;
  bk_read(engine_backend(g->e), g->siglip, x, g->n);
}

static int run_gate(const char *model_dir, const char *out_path, engine_device dev, int threads, uint64_t seed) {
  char err[512];
  model_config c;
  if (model_config_load(&c, model_dir, err, sizeof err)) {
    cli_error(CMD, "%s", err);
    return FS_EXIT_USAGE;
  }
  const int n_img = 2, nl = c.resampler.n_latents, forced = 2;
  const long len = 1 + n_img * (long)nl + 30 + 12; /* BOS, image, 30 text, image, 12 text */
  engine_limits lim = {.max_batch = 1, .max_images = n_img, .max_prompt_tokens = (int)len + forced,
                       .max_new_tokens = 1, .max_beams = 1, .n_threads = threads};
  engine *e = engine_load(model_dir, dev, &lim, err, sizeof err);
  if (!e) {
    cli_error(CMD, "%s", err);
    return FS_EXIT_RUNTIME;
  }
  const size_t px = (size_t)c.vision.n_channels * c.vision.image_size * c.vision.image_size;
  const size_t per = engine_image_floats(e), nsig = (size_t)n_img * c.vision.n_patches * c.vision.hidden_size;
  const int V = c.lm.n_logits;
  float *pixels = malloc(n_img * px * sizeof *pixels), *emb = malloc(n_img * per * sizeof *emb);
  float *sig = malloc(nsig * sizeof *sig), *logits = malloc((size_t)(forced + 1) * V * sizeof *logits);
  int32_t *ids = malloc((size_t)(len + forced) * sizeof *ids);
  float *fids = malloc((size_t)(len + forced) * sizeof *fids);
  int rc = FS_EXIT_RUNTIME;
  if (!pixels || !emb || !sig || !logits || !ids || !fids) {
    cli_error(CMD, "out of memory");
    goto done;
  }
  fill_pixels(pixels, n_img * px, seed * 31 + 7);
  xoshiro_rng g;
  xoshiro_seed(&g, seed * 977 + 3);
  long k = 0;
  ids[k++] = TOKEN_BOS;
  for (int m = 0; m < n_img; m++) {
    ids[k++] = TOKEN_IMAGE;
    for (int j = 1; j < nl; j++) ids[k++] = TOKEN_PLACEHOLDER;
    for (int j = 0; j < (m == 0 ? 30 : 12); j++) ids[k++] = text_id(&g);
  }
  for (int f = 0; f < forced; f++) ids[k++] = text_id(&g); /* teacher-forced continuation */
  gate_trace gt = {e, sig, nsig};
  model_trace tr = {gate_trace_fn, &gt};
  engine_set_trace(e, &tr);
  if (engine_encode_images(e, pixels, n_img, emb, err, sizeof err)) goto fail;
  engine_set_trace(e, NULL);
  const float *imgs[2] = {emb, emb + per};
  engine_prompt p = {ids, (int)(len + forced), imgs, n_img};
  int pos[3];
  for (int f = 0; f <= forced; f++) pos[f] = (int)len - 1 + f;
  if (engine_prompt_logits(e, &p, pos, forced + 1, logits, err, sizeof err)) goto fail;
  for (long i = 0; i < len + forced; i++) fids[i] = (float)ids[i];
  safetensors_write_spec specs[5] = {
      {"pixels", SAFETENSORS_F32, 4, {n_img, c.vision.n_channels, c.vision.image_size, c.vision.image_size}},
      {"ids", SAFETENSORS_F32, 1, {len + forced}},
      {"siglip", SAFETENSORS_F32, 3, {n_img, c.vision.n_patches, c.vision.hidden_size}},
      {"embeds", SAFETENSORS_F32, 3, {n_img, nl, c.lm.hidden_size}},
      {"logits", SAFETENSORS_F32, 2, {forced + 1, V}}};
  char dev_line[256], meta_prompt[32];
  engine_describe_device(e, dev_line, sizeof dev_line);
  snprintf(meta_prompt, sizeof meta_prompt, "%ld", len);
  const char *meta[] = {"device", dev_line, "prompt_tokens", meta_prompt, NULL};
  safetensors_writer *w = safetensors_writer_open(out_path, 5, specs, meta, err, sizeof err);
  int ok = w && !safetensors_writer_put(w, pixels, n_img * px, err, sizeof err) &&
           !safetensors_writer_put(w, fids, (uint64_t)(len + forced), err, sizeof err) &&
           !safetensors_writer_put(w, sig, nsig, err, sizeof err) &&
           !safetensors_writer_put(w, emb, n_img * per, err, sizeof err) &&
           !safetensors_writer_put(w, logits, (uint64_t)(forced + 1) * V, err, sizeof err);
  if (w && safetensors_writer_close(w, ok ? err : NULL, sizeof err)) ok = 0;
  if (!ok) goto fail;
  fprintf(stderr, "fewshot bench: gate outputs of %s on %s written to %s\n", model_dir, dev_line, out_path);
  rc = FS_EXIT_OK;
  goto done;
fail:
  cli_error(CMD, "%s", err);
done:
  free(pixels), free(emb), free(sig), free(logits), free(ids), free(fids);
  engine_free(e);
  return rc;
}

/* ---- main ---- */

int cmd_bench(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  bench *b = calloc(1, sizeof *b);
  if (!b) {
    cli_error(CMD, "out of memory");
    return FS_EXIT_RUNTIME;
  }
  int rc = FS_EXIT_USAGE, kv_set = 0;
  const char *out_path = NULL, *gate_model = NULL, *gate_out = NULL, *write_config = NULL, *impl = NULL;
  double bandwidth = -1, peak = -1;
  long l;
  b->device = ENGINE_DEVICE_CPU;
  b->warmup = 3, b->reps = 5, b->beams = 3, b->seed = 1;
  b->case_budget = 60;
  b->m3_steps = 16, b->m4_samples = 512, b->m4_batch = 32, b->m4_pool = 2048, b->m4_new = 5;
  for (int m = 1; m <= 5; m++) b->want[m] = 1;
  parse_list("--m1-batches", "9,45,64,256", 0, &b->m1);
  parse_list("--m2-shapes", "64x149,16x761,16x1373,4x3321", 1, &b->m2);
  parse_list("--m3-batches", "8,32,64,128", 0, &b->m3b);
  parse_list("--m3-prompts", "149,1373", 0, &b->m3p);
  parse_list("--m4-shots", "0,4,8", 0, &b->m4shots);
  model_config_default(&b->cfg);
  b->preset = "full";
  for (int i = 1; i < argc; i++) /* the preset first, so size flags override it wherever they are */
    if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) {
      if (strcmp(argv[i + 1], "tiny") == 0) preset_tiny(&b->cfg), b->preset = "tiny";
      else if (strcmp(argv[i + 1], "full") == 0) model_config_default(&b->cfg), b->preset = "full";
      else {
        cli_error(CMD, "--preset: expected full or tiny, got '%s'", argv[i + 1]);
        goto done;
      }
    }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    struct { const char *flag; int *dst; long lo, hi; } ints[] = {
        {"--vision-width", &b->cfg.vision.hidden_size, 1, 1 << 16},
        {"--vision-layers", &b->cfg.vision.n_layers, 1, 1024},
        {"--vision-heads", &b->cfg.vision.n_heads, 1, 1024},
        {"--vision-mlp", &b->cfg.vision.intermediate_size, 1, 1 << 16},
        {"--image-size", &b->cfg.vision.image_size, 1, 8192},
        {"--resampler-depth", &b->cfg.resampler.depth, 1, 1024},
        {"--resampler-heads", &b->cfg.resampler.n_heads, 1, 1024},
        {"--resampler-head-dim", &b->cfg.resampler.head_dim, 1, 4096},
        {"--latents", &b->cfg.resampler.n_latents, 1, 1 << 16},
        {"--lm-width", &b->cfg.lm.hidden_size, 1, 1 << 16},
        {"--lm-layers", &b->cfg.lm.n_layers, 1, 1024},
        {"--lm-heads", &b->cfg.lm.n_heads, 1, 1024},
        {"--lm-kv-heads", &b->cfg.lm.n_kv_heads, 1, 1024},
        {"--lm-mlp", &b->cfg.lm.intermediate_size, 1, 1 << 18},
        {"--warmup", &b->warmup, 0, 1000},
        {"--reps", &b->reps, 1, 64},
        {"--beams", &b->beams, 1, 16},
        {"--threads", &b->threads, 0, 1024},
        {"--prefill-chunk", &b->prefill_chunk, 0, 1 << 20},
    };
    int m, matched = 0;
    for (size_t k = 0; k < sizeof ints / sizeof ints[0] && !matched; k++) {
      if ((m = opts_match(CMD, argc, argv, &i, ints[k].flag, &v)) < 0) goto done;
      if (m) {
        if (cli_parse_long(CMD, ints[k].flag, v, ints[k].lo, ints[k].hi, &l)) goto done;
        *ints[k].dst = (int)l;
        if (ints[k].dst == &b->cfg.lm.n_kv_heads) kv_set = 1;
        matched = 1;
      }
    }
    if (matched) continue;
    struct { const char *flag; long *dst; long lo, hi; } longs[] = {
        {"--m3-steps", &b->m3_steps, 1, 1000}, {"--m4-samples", &b->m4_samples, 1, 1 << 20},
        {"--m4-batch", &b->m4_batch, 1, 4096}, {"--m4-pool", &b->m4_pool, 1, 1 << 24},
        {"--m4-new-tokens", &b->m4_new, 1, 4096}};
    for (size_t k = 0; k < sizeof longs / sizeof longs[0] && !matched; k++) {
      if ((m = opts_match(CMD, argc, argv, &i, longs[k].flag, &v)) < 0) goto done;
      if (m) {
        if (cli_parse_long(CMD, longs[k].flag, v, longs[k].lo, longs[k].hi, longs[k].dst)) goto done;
        matched = 1;
      }
    }
    if (matched) continue;
    struct { const char *flag; long_list *dst; int pairs; } lists[] = {
        {"--m1-batches", &b->m1, 0}, {"--m2-shapes", &b->m2, 1}, {"--m3-batches", &b->m3b, 0},
        {"--m3-prompts", &b->m3p, 0}, {"--m4-shots", &b->m4shots, 0}};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0] && !matched; k++) {
      if ((m = opts_match(CMD, argc, argv, &i, lists[k].flag, &v)) < 0) goto done;
      if (m) {
        if (parse_list(lists[k].flag, v, lists[k].pairs, lists[k].dst)) goto done;
        matched = 1;
      }
    }
    if (matched) continue;
    if ((m = opts_match(CMD, argc, argv, &i, "--device", &v)) != 0) {
      char err[256];
      if (m < 0 || engine_device_parse(v, &b->device, err, sizeof err)) {
        if (m > 0) cli_error(CMD, "--device: %s", err);
        goto done;
      }
    } else if ((m = opts_match(CMD, argc, argv, &i, "--preset", &v)) != 0) {
      if (m < 0) goto done;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--metrics", &v)) != 0) {
      if (m < 0) goto done;
      memset(b->want, 0, sizeof b->want);
      for (const char *p = v; *p;) {
        if ((p[0] == 'M' || p[0] == 'm') && p[1] >= '1' && p[1] <= '5' && (p[2] == ',' || !p[2])) {
          b->want[p[1] - '0'] = 1;
          p += p[2] ? 3 : 2;
        } else {
          cli_error(CMD, "--metrics: expected a list of M1..M5, got '%s'", v);
          goto done;
        }
      }
    } else if ((m = opts_match(CMD, argc, argv, &i, "--seed", &v)) != 0) {
      if (m < 0 || cli_parse_long(CMD, "--seed", v, 0, 2147483647L, &l)) goto done;
      b->seed = (uint64_t)l;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--case-budget", &v)) != 0) {
      if (m < 0 || opts_parse_double(CMD, "--case-budget", v, 0.001, 1e6, &b->case_budget)) goto done;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--time-budget", &v)) != 0) {
      if (m < 0 || opts_parse_double(CMD, "--time-budget", v, 0, 1e7, &b->time_budget)) goto done;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--bandwidth", &v)) != 0) {
      if (m < 0 || opts_parse_double(CMD, "--bandwidth", v, 0.001, 1000, &bandwidth)) goto done;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--peak-tflops", &v)) != 0) {
      if (m < 0 || opts_parse_double(CMD, "--peak-tflops", v, 0.001, 1e6, &peak)) goto done;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--out", &v)) != 0) {
      if (m < 0) goto done;
      out_path = v;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--impl", &v)) != 0) {
      if (m < 0) goto done;
      impl = v;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--gate-model", &v)) != 0) {
      if (m < 0) goto done;
      gate_model = v;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--gate-out", &v)) != 0) {
      if (m < 0) goto done;
      gate_out = v;
    } else if ((m = opts_match(CMD, argc, argv, &i, "--write-config", &v)) != 0) {
      if (m < 0) goto done;
      write_config = v;
    } else {
      rc = cli_usage_error(CMD, usage, "unknown argument '%s'", a);
      goto done;
    }
  }
  if (gate_model || gate_out) {
    if (!gate_model || !gate_out) {
      rc = cli_usage_error(CMD, usage, "--gate-model and --gate-out go together");
      goto done;
    }
    rc = run_gate(gate_model, gate_out, b->device, b->threads, b->seed);
    goto done;
  }
  char *json = NULL;
  if (finish_config(&b->cfg, kv_set, &json)) goto done;
  if (write_config) {
    FILE *f = fopen(write_config, "w");
    int ok = f && fputs(json, f) >= 0;
    if (f && fclose(f)) ok = 0;
    free(json);
    if (!ok) {
      cli_error(CMD, "%s: cannot write: %s", write_config, strerror(errno));
      rc = FS_EXIT_RUNTIME;
    } else {
      rc = FS_EXIT_OK;
    }
    goto done;
  }
  free(json);
  for (int i = 0; i < b->m1.n; i++)
    if (b->m1.v[i] > 64 * 64) {
      rc = cli_usage_error(CMD, usage, "--m1-batches: at most 4096 crops per batch");
      goto done;
    }
  b->device_name = engine_device_name(b->device);
  snprintf(b->impl, sizeof b->impl, "%s", impl ? impl : "");
  if (!impl) snprintf(b->impl, sizeof b->impl, "fewshot-%s", b->device_name);
  char err[512];
  if (b->device != ENGINE_DEVICE_CPU) { /* a missing GPU is reported before 8.7 GB of weights are made */
    if (bk_cuda_device_count(err, sizeof err) == 0) {
      cli_error(CMD, "--device %s: %s", b->device_name, err);
      rc = FS_EXIT_RUNTIME;
      goto done;
    }
  }
  if (out_path && !(b->out = fopen(out_path, "w"))) {
    cli_error(CMD, "%s: cannot write: %s", out_path, strerror(errno));
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  b->t_start = now_s();
  snprintf(b->gpu, sizeof b->gpu, "cpu");
  costmodel_device_from_name("cpu", &b->dev);
  /* weights */
  synthmodel_options so = {.seed = b->seed, .head_scale = 1.0, .dtype = SAFETENSORS_BF16, .n_threads = 0};
  double t0 = now_s();
  if (!(b->synth = synthmodel_build(&b->cfg, &so, err, sizeof err))) {
    cli_error(CMD, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  double gen_s = now_s() - t0;
  size_t n_bytes;
  synthmodel_bytes(b->synth, &n_bytes);
  fprintf(stderr, "fewshot bench: %s model (%.2f GB of bf16 weights) generated in %.1f s\n", b->preset, n_bytes / 1e9,
          gen_s);
  /* the device: load once at the smallest size to learn the card */
  engine_limits probe = {.max_batch = 1, .max_images = 1, .max_prompt_tokens = 1, .max_new_tokens = 1, .max_beams = 1};
  if (!get_engine(b, probe, err, sizeof err)) {
    cli_error(CMD, "%s", err);
    rc = FS_EXIT_RUNTIME;
    goto done;
  }
  if (b->device != ENGINE_DEVICE_CPU) {
    char dline[512], name[96] = "";
    double held = 0;
    engine_describe_device(b->eng, dline, sizeof dline);
    benchrec_parse_device(dline, name, sizeof name, &b->dev_total_bytes, &held);
    snprintf(b->gpu, sizeof b->gpu, "%s", name[0] ? name : "unknown GPU");
    costmodel_device_from_name(b->gpu, &b->dev);
  }
  if (bandwidth > 0) b->dev.bandwidth = bandwidth * 1e12;
  if (peak > 0) b->dev.peak_flops = peak * 1e12;
  fprintf(stderr, "fewshot bench: %s; bound at %.0f TFLOP/s and %.1f TB/s (%s)\n", b->gpu, b->dev.peak_flops / 1e12,
          b->dev.bandwidth / 1e12, b->dev.peak_flops > 0 ? b->dev.name : "cpu: achieved FLOP/s only");
  char line[512];
  engine_describe_device(b->eng, line, sizeof line);
  fprintf(stderr, "fewshot bench: %s\n", line);
  benchrec_print_header(stdout);
  {
    benchrec r;
    benchrec_init(&r, b->gpu, b->impl, b->device_name, "init", "weights", "s");
    benchrec_summarize(&r, &gen_s, 1);
    benchrec_extra(&r, "gb", n_bytes / 1e9);
    emit(b, &r);
    benchrec_init(&r, b->gpu, b->impl, b->device_name, "init", "engine_load", "s");
    benchrec_summarize(&r, &b->first_load_s, 1);
    emit(b, &r);
  }
  if (b->want[1]) run_m1(b);
  if (b->want[2]) run_m2(b);
  if (b->want[3]) run_m3(b);
  if (b->want[4] || b->want[5]) run_m4(b);
  fprintf(stderr, "fewshot bench: done in %.1f s%s\n", now_s() - b->t_start,
          b->failures ? " (some measurements failed: see the skipped lines)" : "");
  rc = b->failures ? FS_EXIT_RUNTIME : FS_EXIT_OK;
done:
  if (b->out && fclose(b->out)) {
    cli_error(CMD, "%s: write error", out_path);
    rc = FS_EXIT_RUNTIME;
  }
  engine_free(b->eng);
  synthmodel_free(b->synth);
  free(b);
  return rc;
}
