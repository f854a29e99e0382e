/* engine.h - the model engine the harness drives (design.md §2, §4): load a checkpoint onto a
 * device, encode images into LM input embeddings, and generate continuations for a batch of
 * interleaved prompts. docs/engine.md describes it for the run loop.
 *
 *   engine_limits lim = {.max_batch = 4, .max_images = 9, .max_prompt_tokens = 2048,
 *                        .max_new_tokens = 20, .max_beams = 3};
 *   engine *e = engine_load("model_dir", ENGINE_DEVICE_CPU, &lim, err, sizeof err);
 *   float *emb = malloc(engine_image_floats(e) * n_img * sizeof(float));
 *   engine_encode_images(e, pixels, n_img, emb, err, sizeof err);   // cache these per image
 *   engine_prompt pr = {ids, n_ids, image_ptrs, n_images};
 *   gen_output out[1];
 *   engine_generate(e, &pr, 1, &params, out, NULL, err, sizeof err);
 *   ... gen_output_free(out, 1); engine_free(e);
 *
 * Prompts are token ids in which every image is the block <image> followed by n_latents - 1
 * <image placeholder> ids (128 tokens for the real model); the k-th block's rows are overwritten
 * by the k-th image embedding of the prompt (model.md §5). A batch is left-padded to its longest
 * prompt, each prompt is prefilled once and its keys/values shared by its beams; results equal
 * those of one prompt at a time. Memory is sized once from engine_limits; a request beyond them
 * is refused with an error naming the limit. */
#ifndef FEWSHOT_ENGINE_H
#define FEWSHOT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "generate.h"
#include "model_config.h"
#include "safetensors.h"
#include "trace.h"

/* Where the model runs: the CPU reference (float32, OpenMP), or the first visible CUDA device with
 * bf16 weights and float32 accumulation (the fast path), or in float32 throughout (no TF32; for
 * comparisons with the CPU). docs/cuda.md. */
typedef enum { ENGINE_DEVICE_CPU = 0, ENGINE_DEVICE_CUDA = 1, ENGINE_DEVICE_CUDA_F32 = 2 } engine_device;

/* Parses a --device value: "cpu", "cuda" (bf16) or "cuda-f32". Returns 0, or non-zero with err
 * listing the accepted names. Whether the build and the machine have CUDA is found out by
 * engine_load. */
int engine_device_parse(const char *name, engine_device *out, char *err, size_t err_size);

/* The --device name of d ("cpu", "cuda", "cuda-f32"). */
const char *engine_device_name(engine_device d);

/* Declared maxima: everything is allocated from these at load. */
typedef struct {
  int max_batch;         /* prompts per engine_generate call */
  int max_images;        /* images per engine_encode_images call */
  int max_prompt_tokens; /* tokens per prompt (image blocks included) */
  int max_new_tokens;    /* generated tokens per prompt */
  int max_beams;         /* beams per prompt (1 = greedy only) */
  int prefill_chunk;     /* prompt rows per forward pass per prompt; 0 = 256 (bounds scratch memory) */
  int n_threads;         /* CPU threads; 0 = OpenMP default */
} engine_limits;

typedef struct engine engine;

/* One prompt of a batch. images[k] is the host embedding (n_latents × lm hidden floats, as
 * engine_encode_images writes it) of the k-th image block; the engine does not keep the pointers. */
typedef struct {
  const int32_t *ids;
  int n_ids;
  const float *const *images;
  int n_images;
} engine_prompt;

/* Loads the model in `model_dir` (config.json + safetensors, f32/bf16/f16) onto `device` and
 * allocates everything `lim` implies. The checkpoint stays memory-mapped for the engine's lifetime
 * (the CPU backend uses f32 tensors in place); on CUDA the tensors are copied (and converted) to
 * the GPU one by one from the mapping, which is closed once they are all there. Returns NULL with
 * a one-line reason on failure (unreadable or mis-shaped checkpoint, a build without CUDA or no
 * device, out of host or device memory: the sizes that did not fit). Free with engine_free. */
engine *engine_load(const char *model_dir, engine_device device, const engine_limits *lim, char *err,
                    size_t err_size);

/* As engine_load, for a configuration and an open checkpoint the caller made (e.g. a synthetic one
 * built in memory, synthmodel.h). The engine takes `st` over in every case (it is closed on
 * failure, by engine_free, or on a GPU once the weights are uploaded); cfg is copied. Whatever
 * memory lies under st (a buffer given to safetensors_open_buffer) must stay valid until
 * engine_free on the CPU (f32 tensors are borrowed), until this call returns on a GPU. */
engine *engine_load_checkpoint(const model_config *cfg, safetensors_model *st, engine_device device,
                               const engine_limits *lim, char *err, size_t err_size);
void engine_free(engine *e);

/* Time spent in each phase, accumulated while a timing record is attached (engine_set_timing):
 * for benchmarks and the run loop's phase shares. With a record attached the engine waits for the
 * device at each phase boundary (bk_sync) before reading the clock (CLOCK_MONOTONIC), so the
 * phases do not overlap; without one nothing is measured or synchronised. */
typedef struct {
  double vision_s;    /* engine_encode_images: the vision tower */
  double resampler_s; /* engine_encode_images: resampler + projection + the copy to the host */
  double prefill_s;   /* engine_generate step 0: prompt prefill and the first logits */
  double decode_s;    /* engine_generate steps >= 1: reorder, one token per row, logits */
  double search_s;    /* engine_generate: everything else (beam/greedy bookkeeping on the host) */
  long n_images;      /* images encoded */
  long n_prompts;     /* prompts prefilled */
  long n_prompt_tokens; /* prompt tokens prefilled (without left padding) */
  long n_padded_tokens; /* rows prefilled including left padding (batch × longest prompt) */
  long n_decode_steps;  /* decoding steps (each over all rows of its batch) */
  long n_decode_rows;   /* rows summed over decoding steps (samples × beams per step) */
  double *step_s;       /* optional (NULL: off): step_s[i] = wall time of the decoding step counted i in
                           n_decode_steps, from the end of the step before it (so the host search in
                           between is included), for i < step_cap */
  long step_cap;
} engine_timing;

/* Attaches `t` (NULL detaches); the engine adds to its fields, never clears them. The struct must
 * outlive its use. */
void engine_set_timing(engine *e, engine_timing *t);

/* One line describing where the engine runs ("cpu, N threads" or the CUDA device, its precision
 * and the memory held), written into out. */
void engine_describe_device(const engine *e, char *out, size_t out_size);

/* Routes the parts' named intermediate activations (trace.h) to `trace` (NULL: off). The struct
 * must outlive its use. */
void engine_set_trace(engine *e, const model_trace *trace);

/* The engine's backend, for trace callbacks that read activations with bk_read (trace.h). */
bk_backend *engine_backend(engine *e);

/* The model's configuration (owned by the engine). */
const model_config *engine_config(const engine *e);

/* Floats per image embedding: n_latents × LM hidden size (128 × 3072 for the real model). */
size_t engine_image_floats(const engine *e);

/* Encodes n_img images: pixels is host float32 [n_img, channels, size, size] (the image
 * processor's output); writes n_img × engine_image_floats floats to `embeds`. n_img may exceed
 * max_images (it is processed in groups). Returns 0, or non-zero with err. */
int engine_encode_images(engine *e, const float *pixels, int n_img, float *embeds, char *err, size_t err_size);

/* Checks a prompt: ids inside the vocabulary, every <image> followed by exactly n_latents - 1
 * placeholders, no stray placeholder, as many image blocks as images, at most max_prompt_tokens.
 * Returns 0, or non-zero with err naming the position. */
int engine_check_prompt(const engine *e, const engine_prompt *p, char *err, size_t err_size);

/* Generates for n prompts (n <= max_batch) with the decoding parameters gp (num_beams <=
 * max_beams, max_new_tokens <= the limit). out[i] receives prompt i's new token ids (free with
 * gen_output_free); stats (may be NULL) the decision margins. Returns 0, or non-zero with err. */
int engine_generate(engine *e, const engine_prompt *prompts, int n, const gen_params *gp, gen_output *out,
                    gen_stats *stats, char *err, size_t err_size);

/* The logits (n_logits floats each) of one prompt at positions[0 .. n_pos) (ascending), written to
 * out: for tests and inspection. Returns 0, or non-zero with err. */
int engine_prompt_logits(engine *e, const engine_prompt *p, const int *positions, int n_pos, float *out,
                         char *err, size_t err_size);

#endif
