/* modelrun.c - engine + tokenizer + image cache as an evalrun backend (modelrun.h). */
#include "modelrun.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagecache.h"
#include "prompt.h"
#include "rundir.h"
#include "sha256.h"
#include "tokenizer.h"

struct modelrun {
  modelrun_options o;
  tokenizer *tok;
  engine *eng;
  imagecache cache;
  image_options img;
  size_t n_floats;   /* per embedding */
  size_t n_pixels;   /* floats per preprocessed image: 3 * S * S */
  int n_latents;     /* tokens per image block */
};

modelrun *modelrun_open(const modelrun_options *o, char *err, size_t err_size) {
  modelrun *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  m->o = *o;
  if (!(m->tok = tokenizer_load(o->model_dir, TOKENIZER_ADD_XGENMM_TOKENS, err, err_size))) goto fail;
  engine_limits lim = {o->max_batch, o->max_batch * o->max_images, o->max_prompt_tokens, o->max_new_tokens,
                       o->max_beams, 0, o->n_threads};
  if (lim.max_images < 1) lim.max_images = 1;
  if (!(m->eng = engine_load(o->model_dir, o->device, &lim, err, err_size))) goto fail;
  const model_config *cfg = engine_config(m->eng);
  m->n_latents = cfg->resampler.n_latents;
  image_options_default(&m->img);
  m->img.size = cfg->vision.image_size;
  m->img.compat = o->compat;
  m->n_pixels = (size_t)cfg->vision.n_channels * (size_t)cfg->vision.image_size * (size_t)cfg->vision.image_size;
  m->n_floats = engine_image_floats(m->eng);
  if (imagecache_init(&m->cache, m->n_floats, o->cache_bytes, err, err_size) != 0) goto fail;
  return m;
fail:
  modelrun_close(m);
  return NULL;
}

void modelrun_close(modelrun *m) {
  if (!m) return;
  imagecache_free(&m->cache);
  engine_free(m->eng);
  tokenizer_free(m->tok);
  free(m);
}

int modelrun_token_id(const modelrun *m, const char *token) { return tokenizer_token_to_id(m->tok, token); }

int modelrun_pad_id(const modelrun *m) {
  int32_t pad = tokenizer_role_id(m->tok, TOKENIZER_PAD);
  return pad >= 0 ? pad : tokenizer_role_id(m->tok, TOKENIZER_EOS);
}

void modelrun_describe_device(const modelrun *m, char *out, size_t out_size) {
  engine_describe_device(m->eng, out, out_size);
}

void modelrun_cache_stats(const modelrun *m, size_t *hits, size_t *misses) {
  *hits = m->cache.hits;
  *misses = m->cache.misses;
}

/* One distinct image file of the batch. */
typedef struct {
  const char *path;
  char key[65];
  uint8_t *bytes;
  size_t n_bytes;
  const float *emb;  /* from the cache once known */
  char *failure;     /* why it cannot be used */
  int to_encode;     /* index among the images to encode, or -1 */
} batch_image;

static int generate(void *ctx, const evalrun_request *req, int n, const gen_params *gp, evalrun_result *res,
                    char *err, size_t err_size) {
  modelrun *m = ctx;
  int rc = 0;
  size_t n_imgs = 0;
  imagecache_begin_batch(&m->cache);
  /* Distinct image files of the batch. */
  size_t n_refs = 0;
  for (int i = 0; i < n; i++) n_refs += req[i].n_images;
  batch_image *imgs = calloc(n_refs + 1, sizeof *imgs);
  int **img_of = calloc((size_t)n + 1, sizeof *img_of);
  engine_prompt *prompts = calloc((size_t)n + 1, sizeof *prompts);
  int32_t **ids = calloc((size_t)n + 1, sizeof *ids);
  const float ***embs = calloc((size_t)n + 1, sizeof *embs);
  int *run_idx = calloc((size_t)n + 1, sizeof *run_idx);
  if (!imgs || !img_of || !prompts || !ids || !embs || !run_idx) {
    snprintf(err, err_size, "out of memory");
    rc = -1;
    goto done;
  }
  for (int i = 0; i < n && rc == 0; i++) {
    if (!(img_of[i] = calloc(req[i].n_images + 1, sizeof **img_of))) rc = -1;
    for (size_t k = 0; rc == 0 && k < req[i].n_images; k++) {
      size_t j = 0;
      while (j < n_imgs && strcmp(imgs[j].path, req[i].images[k]) != 0) j++;
      if (j == n_imgs) {
        imgs[n_imgs].path = req[i].images[k];
        imgs[n_imgs].to_encode = -1;
        n_imgs++;
      }
      img_of[i][k] = (int)j;
    }
  }
  if (rc != 0) {
    snprintf(err, err_size, "out of memory");
    goto done;
  }
  /* Read and hash each file; look it up. */
  size_t n_encode = 0;
  for (size_t j = 0; j < n_imgs; j++) {
    char why[512];
    imgs[j].bytes = (uint8_t *)rundir_read_file(imgs[j].path, &imgs[j].n_bytes, why, sizeof why);
    if (!imgs[j].bytes) {
      imgs[j].failure = strdup(why);
      continue;
    }
    sha256_buffer_hex(imgs[j].bytes, imgs[j].n_bytes, imgs[j].key);
    /* The same content under two names in one batch: encode once. */
    for (size_t q = 0; q < j; q++) {
      if (!imgs[q].failure && strcmp(imgs[q].key, imgs[j].key) == 0) {
        imgs[j].emb = imgs[q].emb;
        imgs[j].to_encode = imgs[q].to_encode;
        break;
      }
    }
    if (imgs[j].emb || imgs[j].to_encode >= 0) continue;
    if ((imgs[j].emb = imagecache_get(&m->cache, imgs[j].key))) continue;
    imgs[j].to_encode = (int)n_encode++;
  }
  /* Decode, resize, normalise the misses in parallel, then encode them in one call. */
  if (n_encode) {
    float *pixels = malloc(n_encode * m->n_pixels * sizeof *pixels);
    float *out = malloc(n_encode * m->n_floats * sizeof *out);
    uint8_t *rgb = malloc(n_encode * m->n_pixels * sizeof *rgb);
    char (*why)[512] = calloc(n_encode, sizeof *why);
    int *ok = calloc(n_encode, sizeof *ok);
    size_t *owner = calloc(n_encode, sizeof *owner);
    if (!pixels || !out || !rgb || !why || !ok || !owner) {
      snprintf(err, err_size, "out of memory (%zu images to encode)", n_encode);
      rc = -1;
    }
    for (size_t e = 0; rc == 0 && e < n_encode; e++) owner[e] = SIZE_MAX;
    for (size_t j = 0; rc == 0 && j < n_imgs; j++) /* the first file with that content encodes it */
      if (imgs[j].to_encode >= 0 && owner[imgs[j].to_encode] == SIZE_MAX) owner[imgs[j].to_encode] = j;
    if (rc == 0) {
#pragma omp parallel for schedule(dynamic, 1)
      for (size_t e = 0; e < n_encode; e++) {
        const batch_image *bi = &imgs[owner[e]];
        uint8_t *px = rgb + e * m->n_pixels;
        ok[e] = image_preprocess_buffer_rgb8(bi->bytes, bi->n_bytes, bi->path, &m->img, px, why[e], sizeof why[e]) == 0;
        if (ok[e]) image_rgb8_to_chw(px, m->img.size, m->img.size, pixels + e * m->n_pixels);
      }
      /* Encode the good ones, packed. */
      size_t n_good = 0;
      for (size_t e = 0; e < n_encode; e++) {
        if (!ok[e]) continue;
        if (n_good != e) memmove(pixels + n_good * m->n_pixels, pixels + e * m->n_pixels, m->n_pixels * sizeof *pixels);
        n_good++;
      }
      if (n_good && engine_encode_images(m->eng, pixels, (int)n_good, out, err, err_size) != 0) rc = -1;
      size_t g = 0;
      for (size_t e = 0; rc == 0 && e < n_encode; e++) {
        batch_image *bi = &imgs[owner[e]];
        if (!ok[e]) {
          bi->failure = strdup(why[e]);
          continue;
        }
        if (!(bi->emb = imagecache_put(&m->cache, bi->key, out + g * m->n_floats))) {
          snprintf(err, err_size, "image cache: out of memory");
          rc = -1;
        }
        g++;
      }
      /* Duplicates by content share the owner's outcome. */
      for (size_t j = 0; rc == 0 && j < n_imgs; j++) {
        if (imgs[j].to_encode < 0 || owner[imgs[j].to_encode] == j) continue;
        const batch_image *bo = &imgs[owner[imgs[j].to_encode]];
        imgs[j].emb = bo->emb;
        if (!bo->emb && bo->failure) imgs[j].failure = strdup(bo->failure);
      }
    }
    free(pixels);
    free(out);
    free(rgb);
    free(why);
    free(ok);
    free(owner);
    if (rc != 0) goto done;
  }
  /* Tokenize, check, and run the prompts whose images are all there. */
  int n_run = 0;
  for (int i = 0; i < n; i++) {
    res[i].generation = res[i].failure = NULL;
    const char *bad = NULL;
    for (size_t k = 0; k < req[i].n_images && !bad; k++)
      if (!imgs[img_of[i][k]].emb) bad = imgs[img_of[i][k]].failure ? imgs[img_of[i][k]].failure : "image not encoded";
    if (bad) {
      res[i].failure = strdup(bad);
      continue;
    }
    char *text = prompt_expand_images(req[i].text, m->n_latents);
    char why[512] = "out of memory";
    size_t n_ids = 0;
    ids[i] = text ? tokenizer_encode(m->tok, text, strlen(text), &n_ids, why, sizeof why) : NULL;
    free(text);
    if (!ids[i]) {
      res[i].failure = strdup(why);
      continue;
    }
    if (!(embs[i] = calloc(req[i].n_images + 1, sizeof **embs))) {
      res[i].failure = strdup("out of memory");
      continue;
    }
    for (size_t k = 0; k < req[i].n_images; k++) embs[i][k] = imgs[img_of[i][k]].emb;
    engine_prompt p = {ids[i], (int)n_ids, embs[i], (int)req[i].n_images};
    if (engine_check_prompt(m->eng, &p, why, sizeof why) != 0) {
      res[i].failure = strdup(why);
      continue;
    }
    prompts[n_run] = p;
    run_idx[n_run++] = i;
  }
  for (int b = 0; rc == 0 && b < n_run; b += m->o.max_batch) {
    int nb = n_run - b < m->o.max_batch ? n_run - b : m->o.max_batch;
    gen_output out[64];
    gen_output *outp = nb <= 64 ? out : calloc((size_t)nb, sizeof *outp);
    if (!outp || engine_generate(m->eng, prompts + b, nb, gp, outp, NULL, err, err_size) != 0) {
      if (!outp) snprintf(err, err_size, "out of memory");
      if (outp && outp != out) free(outp);
      rc = -1;
      break;
    }
    for (int k = 0; k < nb; k++) {
      char why[512];
      char *text = tokenizer_decode(m->tok, outp[k].ids, (size_t)outp[k].n, 1, NULL, why, sizeof why);
      if (text) res[run_idx[b + k]].generation = text;
      else res[run_idx[b + k]].failure = strdup(why);
    }
    gen_output_free(outp, nb);
    if (outp != out) free(outp);
  }
done:
  for (size_t j = 0; imgs && j < n_imgs; j++) {
    free(imgs[j].bytes);
    free(imgs[j].failure);
  }
  for (int i = 0; i < n; i++) {
    if (img_of) free(img_of[i]);
    if (ids) free(ids[i]);
    if (embs) free((void *)embs[i]);
  }
  free(imgs);
  free(img_of);
  free(prompts);
  free(ids);
  free(embs);
  free(run_idx);
  if (rc != 0) {
    for (int i = 0; i < n; i++) {
      free(res[i].generation);
      free(res[i].failure);
      res[i].generation = res[i].failure = NULL;
    }
  }
  return rc;
}

evalrun_backend modelrun_backend(modelrun *m) {
  evalrun_backend b = {m, m->o.max_batch, generate};
  return b;
}
