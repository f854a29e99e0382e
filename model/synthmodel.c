/* synthmodel.c - random-weight xGen-MM checkpoints: per-tensor value streams and an in-memory
 * checkpoint image (synthmodel.h). */
#include "synthmodel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "safetensors_write.h"

/* ---- random numbers: xoshiro256** (xoshiro.h) per tensor, Box-Muller ---- */

static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
  return h;
}

static double uniform(xoshiro_rng *g) { return (double)(xoshiro_next(g) >> 11) * 0x1.0p-53; }

static double normal(synthmodel_stream *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u1 = 1.0 - uniform(&r->rng), u2 = uniform(&r->rng); /* u1 in (0, 1] */
  double rad = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
  r->spare = rad * sin(th);
  r->has_spare = 1;
  return rad * cos(th);
}

/* ---- initialisation rule per tensor name ---- */

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

void synthmodel_tensor_rule(const model_config *c, const model_tensor_spec *spec, double head_scale, double *mean,
                            double *std) {
  const char *n = spec->name;
  *mean = 0.0;
  *std = 0.02;
  int is_norm = strstr(n, "layer_norm") || strstr(n, "layernorm") || strstr(n, "norm_media") ||
                strstr(n, "norm_latents") || ends_with(n, "norm.weight") || ends_with(n, "norm.bias") ||
                (strstr(n, "vision_tokenizer.layers.") && (ends_with(n, ".1.0.weight") || ends_with(n, ".1.0.bias")));
  if (is_norm) {
    if (ends_with(n, ".weight")) *mean = 1.0, *std = 0.05;
    return;
  }
  if (strstr(n, "lm_head")) {
    if (!ends_with(n, "bias")) *std = head_scale / sqrt((double)spec->shape[1]);
    return;
  }
  if (strstr(n, "embed_tokens") || ends_with(n, ".latents") || ends_with(n, "head.probe")) {
    *std = 1.0;
    return;
  }
  if (strstr(n, "position_embedding")) {
    *std = 0.5;
    return;
  }
  if (ends_with(n, "bias")) return; /* Linear / conv biases, in_proj_bias */
  /* weights of Linear / conv layers: fan_in = product of all dims but the first */
  double fan_in = 1.0;
  for (int d = 1; d < spec->n_dims; d++) fan_in *= (double)spec->shape[d];
  double depth = 1.0;
  if (strstr(n, "vision_encoder.encoder.layers.") && (strstr(n, "out_proj") || strstr(n, "fc2")))
    depth = 2.0 * c->vision.n_layers;
  else if (strstr(n, "vision_tokenizer.layers.") && (strstr(n, "to_out") || ends_with(n, ".1.3.weight")))
    depth = 2.0 * c->resampler.depth;
  else if (strstr(n, "lang_model.model.layers.") && (strstr(n, "o_proj") || strstr(n, "down_proj")))
    depth = 2.0 * c->lm.n_layers;
  *std = 1.0 / sqrt(fan_in * depth);
}

void synthmodel_stream_init(synthmodel_stream *s, const model_config *c, const model_tensor_spec *spec, uint64_t seed,
                            double head_scale) {
  xoshiro_seed(&s->rng, seed ^ fnv1a64(spec->name));
  s->has_spare = 0;
  s->spare = 0;
  synthmodel_tensor_rule(c, spec, head_scale, &s->mean, &s->std);
}

void synthmodel_stream_fill(synthmodel_stream *s, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (float)(s->mean + s->std * normal(s));
}

/* ---- the in-memory checkpoint ---- */

struct synthmodel {
  uint8_t *bytes;
  size_t n_bytes;
};

const void *synthmodel_bytes(const synthmodel *m, size_t *n_bytes) {
  *n_bytes = m->n_bytes;
  return m->bytes;
}

void synthmodel_free(synthmodel *m) {
  if (!m) return;
  free(m->bytes);
  free(m);
}

safetensors_model *synthmodel_open(const synthmodel *m, char *err, size_t err_size) {
  return safetensors_open_buffer(m->bytes, m->n_bytes, "synthetic model.safetensors", err, err_size);
}

/* A tensor's size and index: sorted largest first, so that the last tensors a thread picks up are
 * small (load balance). */
typedef struct {
  int64_t n;
  int i;
} sized;
static int by_size_desc(const void *a, const void *b) {
  const sized *x = a, *y = b;
  return x->n < y->n ? 1 : x->n > y->n ? -1 : x->i - y->i;
}

synthmodel *synthmodel_build(const model_config *c, const synthmodel_options *o, char *err, size_t err_size) {
  if (o->dtype != SAFETENSORS_BF16 && o->dtype != SAFETENSORS_F32) {
    snprintf(err, err_size, "synthetic model: dtype must be bf16 or f32");
    return NULL;
  }
  if (model_config_validate(c, "synthetic model", err, err_size)) return NULL;
  model_tensor_list l;
  if (model_tensor_list_build(&l, c, err, err_size)) return NULL;
  synthmodel *m = calloc(1, sizeof *m);
  safetensors_write_spec *specs = calloc((size_t)l.n, sizeof *specs);
  sized *order = malloc((size_t)l.n * sizeof *order);
  uint64_t *offset = malloc((size_t)l.n * sizeof *offset);
  uint8_t *hdr = NULL;
  if (!m || !specs || !order || !offset) {
    snprintf(err, err_size, "synthetic model: out of memory");
    goto fail;
  }
  const size_t dsize = safetensors_dtype_size(o->dtype);
  uint64_t off = 0;
  for (int i = 0; i < l.n; i++) {
    specs[i].name = l.items[i].name;
    specs[i].dtype = o->dtype;
    specs[i].n_dims = l.items[i].n_dims;
    for (int d = 0; d < l.items[i].n_dims; d++) specs[i].shape[d] = l.items[i].shape[d];
    offset[i] = off;
    off += (uint64_t)l.items[i].n_elements * dsize;
    order[i] = (sized){l.items[i].n_elements, i};
  }
  /* the same metadata fewshot-mkmodel writes, so the image equals its single-file output */
  char meta_val[128];
  snprintf(meta_val, sizeof meta_val, "seed=%llu dtype=%s lm_head_scale=%g", (unsigned long long)o->seed,
           o->dtype == SAFETENSORS_BF16 ? "bf16" : "f32", o->head_scale);
  const char *meta[] = {"format", "pt", "fewshot_mkmodel", meta_val, NULL};
  size_t hdr_len = 0;
  uint64_t data_bytes = 0;
  if (!(hdr = safetensors_header_build(l.n, specs, meta, &hdr_len, &data_bytes, err, err_size))) goto fail;
  m->n_bytes = hdr_len + (size_t)data_bytes;
  if (!(m->bytes = malloc(m->n_bytes))) {
    snprintf(err, err_size, "synthetic model: out of memory for the %.2f GB checkpoint image", m->n_bytes / 1e9);
    goto fail;
  }
  memcpy(m->bytes, hdr, hdr_len);
  uint8_t *data = m->bytes + hdr_len;
  qsort(order, (size_t)l.n, sizeof *order, by_size_desc);
  int oom = 0;
  const int nt = o->n_threads > 0 ? o->n_threads : omp_get_max_threads();
#pragma omp parallel num_threads(nt) reduction(| : oom)
  {
    enum { CHUNK = 1 << 16 };
    float *buf = malloc(CHUNK * sizeof *buf);
    if (!buf) oom = 1;
#pragma omp for schedule(dynamic, 1)
    for (int k = 0; k < l.n; k++) {
      if (!buf) continue;
      const model_tensor_spec *sp = &l.items[order[k].i];
      synthmodel_stream s;
      synthmodel_stream_init(&s, c, sp, o->seed, o->head_scale);
      uint8_t *dst = data + offset[order[k].i];
      for (int64_t e0 = 0; e0 < sp->n_elements; e0 += CHUNK) {
        size_t n = (size_t)(sp->n_elements - e0 < CHUNK ? sp->n_elements - e0 : CHUNK);
        synthmodel_stream_fill(&s, buf, n);
        for (size_t e = 0; e < n; e++, dst += dsize) { /* little-endian, as the writer */
          if (o->dtype == SAFETENSORS_F32) {
            uint32_t u;
            memcpy(&u, &buf[e], 4);
            for (int b = 0; b < 4; b++) dst[b] = (uint8_t)(u >> (8 * b));
          } else {
            uint16_t h = safetensors_f32_to_bf16(buf[e]);
            dst[0] = (uint8_t)h;
            dst[1] = (uint8_t)(h >> 8);
          }
        }
      }
    }
    free(buf);
  }
  if (oom) {
    snprintf(err, err_size, "synthetic model: out of memory");
    goto fail;
  }
  free(hdr);
  free(specs);
  free(order);
  free(offset);
  model_tensor_list_free(&l);
  return m;
fail:
  free(hdr);
  free(specs);
  free(order);
  free(offset);
  model_tensor_list_free(&l);
  synthmodel_free(m);
  return NULL;
}
