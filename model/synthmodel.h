/* synthmodel.h - random-weight xGen-MM checkpoints: the value of every tensor under a seed, and a
 * whole checkpoint built in memory. Shared by fewshot-mkmodel (which writes files, tiny models) and
 * `fewshot bench` (which needs the real 8.7 GB layout without a file).
 *
 * Random numbers (docs/tiny-models.md): each tensor has its own stream, so values do not depend on
 * tensor order or sharding. The stream of tensor NAME under seed S is xoshiro256** seeded with four
 * successive outputs of splitmix64 started at S ^ FNV-1a-64(NAME); uniforms are (x >> 11) * 2^-53;
 * normals come from Box-Muller pairs (sqrt(-2 ln(1-u1)) cos(2 pi u2), then the sin term), computed in
 * double and rounded to float32 (then to bf16 when asked).
 *
 * Scales (activations stay of order one through the layers):
 *   Linear / conv weights  N(0, 1/fan_in); the projections that write into a residual stream
 *                          (attention out, MLP down, resampler to_out and FF down) N(0, 1/(fan_in*2L))
 *                          with L the part's layer count, so the stream's variance grows by ~1 in total
 *   biases                 N(0, 0.02^2)
 *   LayerNorm / RMSNorm    weight 1 + N(0, 0.05^2), bias N(0, 0.02^2)
 *   embeddings, latents,   N(0, 1) (token rows, additional rows, resampler latents, MAP-head probe);
 *   position embedding     N(0, 0.5^2)
 *   lm_head, additional_fc weight N(0, s^2/hidden) with s = head_scale; bias N(0, 0.02^2).
 *
 *   synthmodel_stream s;
 *   synthmodel_stream_init(&s, &cfg, &spec, seed, 1.0);
 *   synthmodel_stream_fill(&s, buf, spec.n_elements);    // or in chunks: the stream continues
 *
 *   synthmodel *m = synthmodel_build(&cfg, &opts, err, sizeof err);   // the whole checkpoint
 *   ... engine_load_checkpoint(&cfg, synthmodel_open(m, ...), ...) ...; synthmodel_free(m); */
#ifndef FEWSHOT_SYNTHMODEL_H
#define FEWSHOT_SYNTHMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "model_config.h"
#include "safetensors.h"
#include "xoshiro.h"

/* The value stream of one tensor: its generator (xoshiro.h), the pending Box-Muller partner, and the
 * tensor's distribution N(mean, std^2). */
typedef struct {
  xoshiro_rng rng;
  int has_spare;
  double spare;
  double mean, std;
} synthmodel_stream;

/* The distribution (mean, std) of tensor `spec` of a model with configuration c (the table above). */
void synthmodel_tensor_rule(const model_config *c, const model_tensor_spec *spec, double head_scale, double *mean,
                            double *std);

/* Starts the stream of tensor `spec` under `seed`. */
void synthmodel_stream_init(synthmodel_stream *s, const model_config *c, const model_tensor_spec *spec, uint64_t seed,
                            double head_scale);

/* Writes the next n values of the stream (float32, before any bf16 rounding) to out. */
void synthmodel_stream_fill(synthmodel_stream *s, float *out, size_t n);

/* What synthmodel_build makes. */
typedef struct {
  uint64_t seed;            /* as fewshot-mkmodel --seed (1 there by default) */
  double head_scale;        /* as --lm-head-scale (1: logits ~ N(0, 1)) */
  safetensors_dtype dtype;  /* SAFETENSORS_BF16 or SAFETENSORS_F32 */
  int n_threads;            /* tensors are filled in parallel; <= 0: OpenMP's default */
} synthmodel_options;

/* A checkpoint in memory: one safetensors file image (the bytes fewshot-mkmodel would write with
 * the same configuration, seed, dtype and head scale into a single model.safetensors). */
typedef struct synthmodel synthmodel;

/* Builds the checkpoint of configuration c (validated first). Memory: the file image (8.7 GB for
 * the full model in bf16) plus a small buffer per thread. Returns the model (free with
 * synthmodel_free), or NULL with err (invalid configuration, out of memory naming the size). */
synthmodel *synthmodel_build(const model_config *c, const synthmodel_options *o, char *err, size_t err_size);

/* The file image: *n_bytes bytes, owned by m. */
const void *synthmodel_bytes(const synthmodel *m, size_t *n_bytes);

/* Opens the image as a safetensors model (safetensors_open_buffer): the caller closes it with
 * safetensors_close, and m must outlive it (and, on the CPU, any engine that borrowed from it).
 * Returns NULL with err on failure. */
safetensors_model *synthmodel_open(const synthmodel *m, char *err, size_t err_size);

/* Frees the image. NULL is a no-op. */
void synthmodel_free(synthmodel *m);

#endif
