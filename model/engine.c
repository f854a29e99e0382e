/* engine.c - checkpoint -> backend, image encoding, batched prefill and decoding (engine.h). */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "cuda/backend_cuda.h"
#include "phi3.h"
#include "resampler.h"
#include "safetensors.h"
#include "siglip.h"

enum { TOKEN_IMAGE = 32012, TOKEN_PLACEHOLDER = 32013 };

struct engine {
  engine_device device;
  model_config cfg;
  engine_limits lim;
  safetensors_model *st;
  bk_backend *be;
  siglip_weights vw;
  siglip_state vs;
  resampler_weights rw;
  resampler_state rs;
  phi3_weights lw;
  phi3_state ls;
  bk_buf *vis_out; /* [max_images·n_patches, vision d] */
  bk_buf *img_out; /* [max_images·n_latents, lm d] */
  int chunk;       /* prefill rows per prompt per forward */
  engine_timing *timing; /* NULL: not timed */
};

const model_config *engine_config(const engine *e) { return &e->cfg; }

bk_backend *engine_backend(engine *e) { return e->be; }

static const char *const device_names[] = {"cpu", "cuda", "cuda-f32"};

int engine_device_parse(const char *name, engine_device *out, char *err, size_t err_size) {
  for (int i = 0; i < 3; i++)
    if (name && strcmp(name, device_names[i]) == 0) {
      *out = (engine_device)i;
      return 0;
    }
  snprintf(err, err_size, "unknown device '%s': expected cpu, cuda (bf16) or cuda-f32", name ? name : "");
  return 1;
}

const char *engine_device_name(engine_device d) {
  return d >= ENGINE_DEVICE_CPU && d <= ENGINE_DEVICE_CUDA_F32 ? device_names[d] : "?";
}

void engine_describe_device(const engine *e, char *out, size_t out_size) {
  if (e->device == ENGINE_DEVICE_CPU) {
    if (e->lim.n_threads > 0)
      snprintf(out, out_size, "cpu (float32 reference), %d threads", e->lim.n_threads);
    else
      snprintf(out, out_size, "cpu (float32 reference), OpenMP's default thread count");
  } else {
    bk_cuda_describe(e->be, out, out_size);
  }
}

/* The largest n_rows × cols of any matmul the three parts issue under the limits: the CUDA
 * backend's bf16 GEMM-input scratch is reserved from it at load (siglip.c, resampler.c, phi3.c). */
static size_t gemm_input_bound(const engine *e, const phi3_limits *pl) {
  const model_vision_config *vc = &e->cfg.vision;
  const model_resampler_config *rc = &e->cfg.resampler;
  const model_lm_config *lc = &e->cfg.lm;
  const size_t imgs = (size_t)e->lim.max_images, cpp = (size_t)vc->n_channels * vc->patch_size * vc->patch_size;
  size_t k = cpp > (size_t)vc->intermediate_size ? cpp : (size_t)vc->intermediate_size;
  if ((size_t)vc->hidden_size > k) k = vc->hidden_size;
  size_t bound = imgs * vc->n_patches * k;
  size_t r = imgs * ((size_t)vc->n_patches + rc->n_latents) * rc->dim; /* to_kv */
  if (r > bound) bound = r;
  k = (size_t)(rc->inner_dim > rc->ff_dim ? rc->inner_dim : rc->ff_dim);
  if ((size_t)rc->dim > k) k = rc->dim;
  r = imgs * rc->n_latents * k; /* to_q, to_out, ff, projection */
  if (r > bound) bound = r;
  k = (size_t)(lc->hidden_size > lc->intermediate_size ? lc->hidden_size : lc->intermediate_size);
  r = (size_t)pl->max_rows * k; /* qkv, o, gate_up, down; the head reads max_seqs <= max_rows rows */
  return r > bound ? r : bound;
}

void engine_set_trace(engine *e, const model_trace *trace) {
  e->vs.trace = trace;
  e->rs.trace = trace;
  e->ls.trace = trace;
}

size_t engine_image_floats(const engine *e) {
  return (size_t)e->cfg.resampler.n_latents * e->cfg.lm.hidden_size;
}

void engine_free(engine *e) {
  if (!e) return;
  if (e->be) {
    bk_buf_free(e->be, e->vis_out);
    bk_buf_free(e->be, e->img_out);
    phi3_state_free(&e->ls, e->be);
    phi3_weights_free(&e->lw, e->be);
    resampler_state_free(&e->rs, e->be);
    resampler_weights_free(&e->rw, e->be);
    siglip_state_free(&e->vs, e->be);
    siglip_weights_free(&e->vw, e->be);
    bk_destroy(e->be);
  }
  safetensors_close(e->st);
  free(e);
}

/* The first half of a load: checks the limits and the configuration, creates the backend. */
static engine *engine_start(const model_config *cfg, const char *label, engine_device device,
                            const engine_limits *lim, char *err, size_t err_size) {
  if (lim->max_batch < 1 || lim->max_images < 1 || lim->max_prompt_tokens < 1 || lim->max_new_tokens < 1 ||
      lim->max_beams < 1 || lim->prefill_chunk < 0) {
    snprintf(err, err_size, "engine: every limit must be at least 1");
    return NULL;
  }
  engine *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, err_size, "engine: out of memory");
    return NULL;
  }
  e->cfg = *cfg;
  e->lim = *lim;
  e->chunk = lim->prefill_chunk ? lim->prefill_chunk : 256;
  if (e->chunk > lim->max_prompt_tokens) e->chunk = lim->max_prompt_tokens;
  if (e->cfg.resampler.dim != e->cfg.vision.hidden_size) {
    snprintf(err, err_size, "%s: config.json: resampler width %d differs from the vision width %d", label,
             e->cfg.resampler.dim, e->cfg.vision.hidden_size);
    goto fail;
  }
  /* the device first: a missing GPU is reported before a large checkpoint is mapped */
  e->device = device;
  if (device == ENGINE_DEVICE_CPU) {
    if (!(e->be = bk_cpu_create(lim->n_threads, err, err_size))) goto fail;
  } else if (device == ENGINE_DEVICE_CUDA || device == ENGINE_DEVICE_CUDA_F32) {
    if (!(e->be = bk_cuda_create(0, device == ENGINE_DEVICE_CUDA_F32 ? BK_CUDA_F32 : BK_CUDA_BF16, err, err_size)))
      goto fail;
  } else {
    snprintf(err, err_size, "engine: unknown device %d", (int)device);
    goto fail;
  }
  return e;
fail:
  engine_free(e);
  return NULL;
}

/* The second half: the weights from st (taken over) and every buffer the limits imply. */
static engine *engine_finish(engine *e, safetensors_model *st, char *err, size_t err_size) {
  const engine_limits *lim = &e->lim;
  const engine_device device = e->device;
  e->st = st;
  if (siglip_weights_load(&e->vw, &e->cfg.vision, e->st, e->be, err, err_size)) goto fail;
  if (resampler_weights_load(&e->rw, &e->cfg.resampler, e->st, e->be, err, err_size)) goto fail;
  if (phi3_weights_load(&e->lw, &e->cfg.lm, e->st, e->be, err, err_size)) goto fail;
  if (device != ENGINE_DEVICE_CPU) { /* the GPU holds its own copies: unmap the checkpoint */
    safetensors_close(e->st);
    e->st = NULL;
  }
  if (siglip_state_init(&e->vs, &e->cfg.vision, e->be, lim->max_images, err, err_size)) goto fail;
  if (resampler_state_init(&e->rs, &e->cfg.resampler, e->cfg.vision.n_patches, e->be, lim->max_images, err,
                           err_size))
    goto fail;
  const int seqs = lim->max_batch * lim->max_beams, rows = lim->max_batch * e->chunk;
  phi3_limits pl = {.max_rows = rows > seqs ? rows : seqs, .max_prefixes = lim->max_batch,
                    .max_prefix_len = lim->max_prompt_tokens, .max_seqs = seqs,
                    .max_suffix = lim->max_new_tokens};
  if (phi3_state_init(&e->ls, &e->cfg.lm, e->be, &pl, err, err_size)) goto fail;
  if (device == ENGINE_DEVICE_CUDA && bk_cuda_reserve(e->be, gemm_input_bound(e, &pl), err, err_size)) goto fail;
  if (!(e->vis_out = bk_buf_alloc(e->be, (size_t)lim->max_images * e->cfg.vision.n_patches * e->cfg.vision.hidden_size,
                                  err, err_size)))
    goto fail;
  if (!(e->img_out = bk_buf_alloc(e->be, (size_t)lim->max_images * engine_image_floats(e), err, err_size)))
    goto fail;
  return e;
fail:
  engine_free(e);
  return NULL;
}

engine *engine_load(const char *model_dir, engine_device device, const engine_limits *lim, char *err,
                    size_t err_size) {
  model_config cfg;
  if (model_config_load(&cfg, model_dir, err, err_size)) return NULL;
  engine *e = engine_start(&cfg, model_dir, device, lim, err, err_size);
  if (!e) return NULL;
  safetensors_model *st = safetensors_open(model_dir, err, err_size);
  if (!st) {
    engine_free(e);
    return NULL;
  }
  return engine_finish(e, st, err, err_size);
}

engine *engine_load_checkpoint(const model_config *cfg, safetensors_model *st, engine_device device,
                               const engine_limits *lim, char *err, size_t err_size) {
  engine *e = model_config_validate(cfg, "checkpoint", err, err_size) ? NULL
                                                                     : engine_start(cfg, "checkpoint", device, lim, err, err_size);
  if (!e) {
    safetensors_close(st);
    return NULL;
  }
  return engine_finish(e, st, err, err_size);
}

void engine_set_timing(engine *e, engine_timing *t) { e->timing = t; }

/* Seconds on the monotonic clock, after the device has finished what was issued (timing only). */
static double engine_clock(engine *e) {
  bk_sync(e->be);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int engine_encode_images(engine *e, const float *pixels, int n_img, float *embeds, char *err, size_t err_size) {
  const model_vision_config *vc = &e->cfg.vision;
  const size_t px = (size_t)vc->n_channels * vc->image_size * vc->image_size, per = engine_image_floats(e);
  engine_timing *tm = e->timing;
  for (int i0 = 0; i0 < n_img; i0 += e->lim.max_images) {
    int n = n_img - i0 < e->lim.max_images ? n_img - i0 : e->lim.max_images;
    double t0 = tm ? engine_clock(e) : 0;
    if (siglip_forward(vc, &e->vw, &e->vs, e->be, pixels + i0 * px, n, bk_at(e->vis_out, 0), err, err_size))
      return 1;
    double t1 = tm ? engine_clock(e) : 0;
    if (resampler_forward(&e->cfg.resampler, &e->rw, &e->rs, e->be, bk_at(e->vis_out, 0), vc->n_patches, n,
                          bk_at(e->img_out, 0), err, err_size))
      return 1;
    bk_read(e->be, embeds + i0 * per, bk_at(e->img_out, 0), n * per);
    if (tm) {
      double t2 = engine_clock(e);
      tm->vision_s += t1 - t0;
      tm->resampler_s += t2 - t1;
      tm->n_images += n;
    }
  }
  return bk_check(e->be, err, err_size);
}

int engine_check_prompt(const engine *e, const engine_prompt *p, char *err, size_t err_size) {
  const int nl = e->cfg.resampler.n_latents, V = e->cfg.lm.n_logits;
  if (p->n_ids < 1 || p->n_ids > e->lim.max_prompt_tokens) {
    snprintf(err, err_size, "prompt: %d tokens, the engine was sized for 1 to %d", p->n_ids, e->lim.max_prompt_tokens);
    return 1;
  }
  int k = 0;
  for (int i = 0; i < p->n_ids; i++) {
    int32_t t = p->ids[i];
    if (t < 0 || t >= V) {
      snprintf(err, err_size, "prompt: token %d: id %d outside the vocabulary [0, %d)", i, t, V);
      return 1;
    }
    if (t == TOKEN_PLACEHOLDER) {
      snprintf(err, err_size, "prompt: token %d: <image placeholder> without a preceding <image>", i);
      return 1;
    }
    if (t == TOKEN_IMAGE) {
      for (int j = 1; j < nl; j++)
        if (i + j >= p->n_ids || p->ids[i + j] != TOKEN_PLACEHOLDER) {
          snprintf(err, err_size,
                   "prompt: token %d: <image> must be followed by %d <image placeholder> tokens, found %d", i,
                   nl - 1, j - 1);
          return 1;
        }
      i += nl - 1;
      k++;
    }
  }
  if (k != p->n_images) {
    snprintf(err, err_size, "prompt: %d <image> blocks but %d images", k, p->n_images);
    return 1;
  }
  return 0;
}

/* ---- batched prefill ---- */

typedef struct {
  engine *e;
  const engine_prompt *pr;
  int n, P, R;
  int32_t *pad;  /* [n] */
  int32_t *ids;  /* [max_rows] scratch */
  int32_t *pos;  /* [max_rows] scratch */
  int32_t *rows; /* [max_seqs] scratch */
  double t_mark; /* timing: when the last step ended (0: none yet) */
} batch;

/* Runs the prompt rows [c0, c0 + len) of every prompt of the batch through the decoder. */
static int prefill_chunk(batch *b, int c0, int len, char *err, size_t err_size) {
  engine *e = b->e;
  const model_lm_config *lc = &e->cfg.lm;
  const int nl = e->cfg.resampler.n_latents, d = lc->hidden_size;
  for (int s = 0; s < b->n; s++)
    for (int j = 0; j < len; j++) {
      int abs = c0 + j, t = abs - b->pad[s];
      b->ids[s * len + j] = t >= 0 ? b->pr[s].ids[t] : lc->pad_token_id;
      b->pos[s * len + j] = t >= 0 ? t : 1; /* transformers: cumsum(mask) - 1, pads get 1 */
    }
  if (phi3_embed(lc, &e->lw, &e->ls, e->be, b->ids, b->n * len, err, err_size)) return 1;
  for (int s = 0; s < b->n; s++) {
    const engine_prompt *p = &b->pr[s];
    int k = 0;
    for (int t = 0; t < p->n_ids; t++) {
      if (p->ids[t] != TOKEN_IMAGE) continue;
      /* image k covers absolute rows [pad + t, pad + t + nl); write the part inside the chunk */
      int a0 = b->pad[s] + t, lo = a0 > c0 ? a0 : c0, hi = a0 + nl < c0 + len ? a0 + nl : c0 + len;
      for (int a = lo; a < hi; a++)
        bk_write(e->be, phi3_input_row(lc, &e->ls, s * len + (a - c0)), p->images[k] + (size_t)(a - a0) * d, d);
      k++;
      t += nl - 1;
    }
  }
  return phi3_forward(lc, &e->lw, &e->ls, e->be, b->n, len, c0, 1, b->pos, err, err_size);
}

static int batch_begin(batch *b, engine *e, const engine_prompt *pr, int n, int R, char *err, size_t err_size) {
  memset(b, 0, sizeof *b);
  b->e = e;
  b->pr = pr;
  b->n = n;
  b->R = R;
  if (n < 1 || n > e->lim.max_batch) {
    snprintf(err, err_size, "engine: %d prompts in one batch, the engine was sized for 1 to %d", n, e->lim.max_batch);
    return 1;
  }
  for (int s = 0; s < n; s++) {
    char why[200];
    if (engine_check_prompt(e, &pr[s], why, sizeof why)) {
      snprintf(err, err_size, "batch prompt %d: %s", s, why);
      return 1;
    }
    if (pr[s].n_ids > b->P) b->P = pr[s].n_ids;
  }
  const phi3_limits *L = &e->ls.lim;
  b->pad = malloc((size_t)n * sizeof *b->pad);
  b->ids = malloc((size_t)L->max_rows * sizeof *b->ids);
  b->pos = malloc((size_t)L->max_rows * sizeof *b->pos);
  b->rows = malloc((size_t)L->max_seqs * sizeof *b->rows);
  if (!b->pad || !b->ids || !b->pos || !b->rows) {
    snprintf(err, err_size, "engine: out of memory");
    return 1;
  }
  for (int s = 0; s < n; s++) b->pad[s] = b->P - pr[s].n_ids;
  return phi3_begin(&e->ls, n, b->P, b->pad, err, err_size);
}

static void batch_end(batch *b) {
  free(b->pad), free(b->ids), free(b->pos), free(b->rows);
}

/* One step of engine_generate: step 0 prefills and returns each prompt's last logits; later
 * steps reorder the beams' suffix caches and decode one token per row. */
static int engine_step_run(batch *b, int step, const int32_t *tokens, const int32_t *parents, int n_rows,
                           float *logits, char *err, size_t err_size) {
  engine *e = b->e;
  const model_lm_config *lc = &e->cfg.lm;
  if (step == 0) {
    int len = 0;
    for (int c0 = 0; c0 < b->P; c0 += e->chunk) {
      len = b->P - c0 < e->chunk ? b->P - c0 : e->chunk;
      if (prefill_chunk(b, c0, len, err, err_size)) return 1;
    }
    for (int s = 0; s < b->n; s++) b->rows[s] = s * len + len - 1;
    return phi3_logits(lc, &e->lw, &e->ls, e->be, b->rows, b->n, logits, err, err_size);
  }
  phi3_reorder(lc, &e->ls, e->be, parents, n_rows, step - 1);
  for (int r = 0; r < n_rows; r++) {
    b->pos[r] = b->P - b->pad[r / b->R] + step - 1;
    b->rows[r] = r;
  }
  if (phi3_embed(lc, &e->lw, &e->ls, e->be, tokens, n_rows, err, err_size)) return 1;
  if (phi3_forward(lc, &e->lw, &e->ls, e->be, n_rows, 1, b->P + step - 1, b->R, b->pos, err, err_size)) return 1;
  return phi3_logits(lc, &e->lw, &e->ls, e->be, b->rows, n_rows, logits, err, err_size);
}

/* The gen_step_fn of engine_generate: engine_step_run, timed when a timing record is attached. */
static int engine_step(void *ctx, int step, const int32_t *tokens, const int32_t *parents, int n_rows,
                       float *logits, char *err, size_t err_size) {
  batch *b = ctx;
  engine *e = b->e;
  engine_timing *tm = e->timing;
  double t0 = tm ? engine_clock(e) : 0;
  if (tm && b->t_mark > 0) tm->search_s += t0 - b->t_mark; /* host work since the last step */
  int rc = engine_step_run(b, step, tokens, parents, n_rows, logits, err, err_size);
  if (tm) {
    double prev = b->t_mark;
    b->t_mark = engine_clock(e);
    if (step > 0 && tm->step_s && tm->n_decode_steps >= 0 && tm->n_decode_steps < tm->step_cap)
      tm->step_s[tm->n_decode_steps] = b->t_mark - (prev > 0 ? prev : t0);
    if (step == 0) {
      tm->prefill_s += b->t_mark - t0;
      tm->n_prompts += b->n;
      tm->n_padded_tokens += (long)b->n * b->P;
      for (int s = 0; s < b->n; s++) tm->n_prompt_tokens += b->pr[s].n_ids;
    } else {
      tm->decode_s += b->t_mark - t0;
      tm->n_decode_steps++;
      tm->n_decode_rows += n_rows;
    }
  }
  return rc;
}

int engine_generate(engine *e, const engine_prompt *prompts, int n, const gen_params *gp, gen_output *out,
                    gen_stats *stats, char *err, size_t err_size) {
  if (gp->num_beams > e->lim.max_beams || gp->max_new_tokens > e->lim.max_new_tokens) {
    snprintf(err, err_size, "engine: %d beams / %d new tokens requested, the engine was sized for %d / %d",
             gp->num_beams, gp->max_new_tokens, e->lim.max_beams, e->lim.max_new_tokens);
    return 1;
  }
  batch b;
  int rc = batch_begin(&b, e, prompts, n, gp->num_beams, err, err_size);
  if (!rc) rc = gen_run(gp, n, e->cfg.lm.n_logits, engine_step, &b, out, stats, err, err_size);
  if (e->timing && b.t_mark > 0) e->timing->search_s += engine_clock(e) - b.t_mark; /* the last step's bookkeeping */
  batch_end(&b);
  return rc;
}

int engine_prompt_logits(engine *e, const engine_prompt *p, const int *positions, int n_pos, float *out,
                         char *err, size_t err_size) {
  batch b;
  int rc = batch_begin(&b, e, p, 1, 1, err, err_size);
  const int V = e->cfg.lm.n_logits;
  int k = 0;
  for (int c0 = 0; !rc && c0 < b.P; c0 += e->chunk) {
    int len = b.P - c0 < e->chunk ? b.P - c0 : e->chunk;
    rc = prefill_chunk(&b, c0, len, err, err_size);
    while (!rc && k < n_pos && positions[k] < c0 + len) {
      int n = 0;
      while (k + n < n_pos && positions[k + n] < c0 + len && n < e->ls.lim.max_seqs) {
        b.rows[n] = positions[k + n] - c0;
        n++;
      }
      rc = phi3_logits(&e->cfg.lm, &e->lw, &e->ls, e->be, b.rows, n, out + (size_t)k * V, err, err_size);
      k += n;
    }
  }
  if (!rc && k < n_pos) {
    snprintf(err, err_size, "engine: logit position %d outside the prompt (%d tokens)", positions[k], b.P);
    rc = 1;
  }
  batch_end(&b);
  return rc;
}
