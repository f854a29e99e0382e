/* modelrun.h - the real model behind the run loop's backend interface (evalrun.h): the tokenizer,
 * the image preprocessing, the image-embedding cache and the engine (model/engine.h).
 *
 * Per batch: every image file of the batch is read once and hashed (SHA-256 of its bytes); cached
 * embeddings are reused, the others are decoded and resized exactly as Pillow does (model/image.h,
 * in parallel) and encoded together in one engine call, then cached. Each prompt's "<image>"
 * markers are expanded to the model's image block (<image> + n_latents - 1 placeholders), tokenized
 * and checked against the engine's limits; a sample whose image cannot be read or whose prompt is
 * too long fails alone, with the reason, and the rest of the batch runs. */
#ifndef FEWSHOT_MODELRUN_H
#define FEWSHOT_MODELRUN_H

#include <stddef.h>

#include "engine.h"
#include "evalrun.h"
#include "image.h"

typedef struct {
  const char *model_dir;    /* checkpoint folder (config.json, safetensors, tokenizer files) */
  engine_device device;
  int max_batch;            /* prompts per engine call */
  int max_images;           /* images one prompt may hold (shots + 1) */
  int max_prompt_tokens;    /* longer prompts fail (OpenFlamingo truncates at 2000; we refuse) */
  int max_new_tokens;       /* the most any task asks for */
  int max_beams;            /* the most any task asks for */
  int n_threads;            /* 0: OpenMP's default */
  size_t cache_bytes;       /* image-embedding cache budget */
  image_compat compat;      /* which Pillow the image preprocessing reproduces */
} modelrun_options;

typedef struct modelrun modelrun;

/* Loads the tokenizer (with xGen-MM's three added tokens) and the engine. Returns NULL with `err`. */
modelrun *modelrun_open(const modelrun_options *o, char *err, size_t err_size);
void modelrun_close(modelrun *m);

/* The backend interface for evalrun_run (ctx = m). */
evalrun_backend modelrun_backend(modelrun *m);

/* The id of a token string ("<|endofchunk|>"), or -1: for stop ids in the config. */
int modelrun_token_id(const modelrun *m, const char *token);

/* The pad id to feed finished rows (the tokenizer's pad, else its eos). */
int modelrun_pad_id(const modelrun *m);

/* One line saying where the engine runs (engine_describe_device: "cpu (float32 reference), N threads",
 * or the CUDA card's name, compute capability, memory and what the backend holds), into out. */
void modelrun_describe_device(const modelrun *m, char *out, size_t out_size);

/* Cache counters since open: hits and misses, counting each distinct image once per batch. */
void modelrun_cache_stats(const modelrun *m, size_t *hits, size_t *misses);

#endif
