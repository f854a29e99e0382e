/* phi3.c - the Phi-3 decoder over the backend ops, with a prefix/suffix KV cache (phi3.h). */
#include "phi3.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights.h"

#define PFX "vlm.lang_model."

int phi3_weights_load(phi3_weights *w, const model_lm_config *cfg, const safetensors_model *st,
                      bk_backend *be, char *err, size_t err_size) {
  memset(w, 0, sizeof *w);
  const int64_t d = cfg->hidden_size, f = cfg->intermediate_size, V = cfg->vocab_size;
  const int64_t kv = (int64_t)cfg->n_kv_heads * cfg->head_dim, X = cfg->n_additional_tokens;
  w->layers = calloc((size_t)cfg->n_layers, sizeof *w->layers);
  if (!w->layers) {
    snprintf(err, err_size, "language model: out of memory");
    return 1;
  }
  w->n_layers = cfg->n_layers;
#define REQ(x) \
  if (!(x)) goto fail
  REQ(w->embed = weights_load_2d(be, st, V, d, err, err_size, PFX "model.embed_tokens.weight"));
  REQ(w->embed_extra = weights_load_2d(be, st, X, d, err, err_size,
                                       PFX "model.embed_tokens.additional_embedding.weight"));
  for (int l = 0; l < cfg->n_layers; l++) {
    phi3_layer *L = &w->layers[l];
#define LP PFX "model.layers.%d."
    REQ(L->ln_in = weights_load_1d(be, st, d, err, err_size, LP "input_layernorm.weight", l));
    REQ(L->qkv = weights_load_2d(be, st, d + 2 * kv, d, err, err_size, LP "self_attn.qkv_proj.weight", l));
    REQ(L->o = weights_load_2d(be, st, d, d, err, err_size, LP "self_attn.o_proj.weight", l));
    REQ(L->ln_post = weights_load_1d(be, st, d, err, err_size, LP "post_attention_layernorm.weight", l));
    REQ(L->gate_up = weights_load_2d(be, st, 2 * f, d, err, err_size, LP "mlp.gate_up_proj.weight", l));
    REQ(L->down = weights_load_2d(be, st, d, f, err, err_size, LP "mlp.down_proj.weight", l));
#undef LP
  }
  REQ(w->norm = weights_load_1d(be, st, d, err, err_size, PFX "model.norm.weight"));
  REQ(w->head_w = weights_load_2d(be, st, V, d, err, err_size, PFX "lm_head.weight"));
  REQ(w->head_b = weights_load_1d(be, st, V, err, err_size, PFX "lm_head.bias"));
  REQ(w->head_extra_w = weights_load_2d(be, st, X, d, err, err_size, PFX "lm_head.additional_fc.weight"));
  REQ(w->head_extra_b = weights_load_1d(be, st, X, err, err_size, PFX "lm_head.additional_fc.bias"));
#undef REQ
  return 0;
fail:
  phi3_weights_free(w, be);
  return 1;
}

void phi3_weights_free(phi3_weights *w, bk_backend *be) {
  if (w->layers)
    for (int l = 0; l < w->n_layers; l++)
      weights_free_array(be, (bk_weight **)&w->layers[l], sizeof(phi3_layer) / sizeof(bk_weight *));
  free(w->layers);
  w->layers = NULL;
  weights_free_array(be, &w->embed, 2);
  weights_free_array(be, &w->norm, 5);
}

int phi3_state_init(phi3_state *s, const model_lm_config *cfg, bk_backend *be, const phi3_limits *lim,
                    char *err, size_t err_size) {
  memset(s, 0, sizeof *s);
  if (lim->max_rows < 1 || lim->max_prefixes < 1 || lim->max_prefix_len < 1 || lim->max_seqs < 1 ||
      lim->max_suffix < 1) {
    snprintf(err, err_size, "language model: every limit must be at least 1");
    return 1;
  }
  s->lim = *lim;
  s->window = cfg->sliding_window > 0 ? cfg->sliding_window : -1;
  s->kv_dim = (size_t)cfg->n_kv_heads * cfg->head_dim;
  const size_t R = (size_t)lim->max_rows, d = cfg->hidden_size, f = cfg->intermediate_size;
  const size_t L = cfg->n_layers, kvd = s->kv_dim;
  const size_t pre = L * lim->max_prefixes * (size_t)lim->max_prefix_len * kvd;
  const size_t suf = L * lim->max_seqs * (size_t)lim->max_suffix * kvd;
  s->n_pad = calloc((size_t)lim->max_prefixes, sizeof *s->n_pad);
  if (!s->n_pad) {
    snprintf(err, err_size, "language model: out of memory");
    return 1;
  }
  struct {
    bk_buf **b;
    size_t n;
  } plan[] = {{&s->x, R * d},          {&s->h, R * d},          {&s->qkv, R * (d + 2 * kvd)},
              {&s->attn, R * d},       {&s->mlp, R * 2 * f},    {&s->act, R * f},
              {&s->k_pre, pre},        {&s->v_pre, pre},        {&s->k_suf[0], suf},
              {&s->v_suf[0], suf},     {&s->k_suf[1], suf},     {&s->v_suf[1], suf},
              {&s->last, (size_t)lim->max_seqs * d}, {&s->last_n, (size_t)lim->max_seqs * d},
              {&s->logits, (size_t)lim->max_seqs * cfg->n_logits}};
  for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
    if (!(*plan[i].b = bk_buf_alloc(be, plan[i].n, err, err_size))) {
      phi3_state_free(s, be);
      return 1;
    }
  return 0;
}

void phi3_state_free(phi3_state *s, bk_backend *be) {
  bk_buf **all[] = {&s->x,        &s->h,        &s->qkv,      &s->attn,     &s->mlp,
                    &s->act,      &s->k_pre,    &s->v_pre,    &s->k_suf[0], &s->v_suf[0],
                    &s->k_suf[1], &s->v_suf[1], &s->last,     &s->last_n,   &s->logits};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    bk_buf_free(be, *all[i]);
    *all[i] = NULL;
  }
  free(s->n_pad);
  s->n_pad = NULL;
}

int phi3_begin(phi3_state *s, int n_prefixes, int n_prefix, const int32_t *n_pad, char *err,
               size_t err_size) {
  if (n_prefixes < 1 || n_prefixes > s->lim.max_prefixes) {
    snprintf(err, err_size, "language model: %d prompts in one batch, the engine was sized for at most %d",
             n_prefixes, s->lim.max_prefixes);
    return 1;
  }
  if (n_prefix < 1 || n_prefix > s->lim.max_prefix_len) {
    snprintf(err, err_size, "language model: a prompt of %d tokens, the engine was sized for at most %d",
             n_prefix, s->lim.max_prefix_len);
    return 1;
  }
  for (int p = 0; p < n_prefixes; p++) {
    if (n_pad[p] < 0 || n_pad[p] >= n_prefix) {
      snprintf(err, err_size, "language model: prompt %d: %d pad rows out of %d", p, n_pad[p], n_prefix);
      return 1;
    }
    s->n_pad[p] = n_pad[p];
  }
  s->n_prefixes = n_prefixes;
  s->n_prefix = n_prefix;
  s->cur = 0;
  return 0;
}

int phi3_embed(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
               const int32_t *ids, int n, char *err, size_t err_size) {
  if (n > s->lim.max_rows) {
    snprintf(err, err_size, "language model: %d rows in one call, the engine was sized for at most %d", n,
             s->lim.max_rows);
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= cfg->n_logits) {
      snprintf(err, err_size, "language model: token %d: id %d is outside the vocabulary [0, %d)", i, ids[i],
               cfg->n_logits);
      return 1;
    }
  bk_embed(be, bk_at(s->x, 0), cfg->hidden_size, ids, n, w->embed, w->embed_extra,
           cfg->initial_tokenizer_len);
  return 0;
}

bk_ptr phi3_input_row(const model_lm_config *cfg, phi3_state *s, int r) {
  return bk_at(s->x, (size_t)r * cfg->hidden_size);
}

/* The layer offset of a cache buffer: each layer holds `per_layer` elements. */
static bk_ptr layer_at(bk_buf *b, int l, size_t per_layer) { return bk_at(b, (size_t)l * per_layer); }

int phi3_forward(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
                 int n_seq, int n_q, int q_start, int group, const int32_t *pos, char *err, size_t err_size) {
  const int n = n_seq * n_q, P = s->n_prefix;
  const int decode = q_start >= P;
  if (n < 1 || n > s->lim.max_rows || (decode && (n_q != 1 || n_seq > s->lim.max_seqs ||
                                                  q_start - P >= s->lim.max_suffix ||
                                                  n_seq != s->n_prefixes * group)) ||
      (!decode && (q_start + n_q > P || n_seq != s->n_prefixes || group != 1))) {
    snprintf(err, err_size,
             "language model: call of %d sequences x %d rows at %d (prompt %d, group %d) is outside the "
             "engine's limits (%d rows, %d decoding rows, %d new tokens)",
             n_seq, n_q, q_start, P, group, s->lim.max_rows, s->lim.max_seqs, s->lim.max_suffix);
    return 1;
  }
  const int d = cfg->hidden_size, f = cfg->intermediate_size, kvd = (int)s->kv_dim;
  const int ldqkv = d + 2 * kvd;
  const size_t pre_layer = (size_t)s->lim.max_prefixes * s->lim.max_prefix_len * kvd;
  const size_t pre_stride = (size_t)s->lim.max_prefix_len * kvd;
  const size_t suf_layer = (size_t)s->lim.max_seqs * s->lim.max_suffix * kvd;
  const size_t suf_stride = (size_t)s->lim.max_suffix * kvd;
  const float eps = (float)cfg->rms_norm_eps;
  bk_ptr x = bk_at(s->x, 0), h = bk_at(s->h, 0), qkv = bk_at(s->qkv, 0), attn = bk_at(s->attn, 0);
  bk_ptr mlp = bk_at(s->mlp, 0), act = bk_at(s->act, 0);

  model_trace_emit(s->trace, "phi3.input", -1, x, n, d, d);
  for (int l = 0; l < w->n_layers; l++) {
    const phi3_layer *L = &w->layers[l];
    bk_ptr kp = layer_at(s->k_pre, l, pre_layer), vp = layer_at(s->v_pre, l, pre_layer);
    bk_ptr ks = layer_at(s->k_suf[s->cur], l, suf_layer), vs = layer_at(s->v_suf[s->cur], l, suf_layer);
    bk_rmsnorm(be, h, d, x, d, n, d, L->ln_in, eps);
    bk_matmul(be, qkv, ldqkv, h, d, n, L->qkv, ldqkv, NULL, 0);
    /* q heads then k heads are contiguous: one RoPE call rotates both */
    bk_rope(be, qkv, ldqkv, n, cfg->n_heads + cfg->n_kv_heads, cfg->head_dim, pos, (float)cfg->rope_theta);
    if (!decode) {
      for (int p = 0; p < n_seq; p++) {
        bk_ptr src = bk_offset(qkv, (size_t)p * n_q * ldqkv);
        size_t dst = p * pre_stride + (size_t)q_start * kvd;
        bk_copy_rows(be, bk_offset(kp, dst), kvd, bk_offset(src, d), ldqkv, n_q, kvd);
        bk_copy_rows(be, bk_offset(vp, dst), kvd, bk_offset(src, d + kvd), ldqkv, n_q, kvd);
      }
    } else {
      size_t dst = (size_t)(q_start - P) * kvd;
      bk_copy_rows(be, bk_offset(ks, dst), (int)suf_stride, bk_offset(qkv, d), ldqkv, n_seq, kvd);
      bk_copy_rows(be, bk_offset(vs, dst), (int)suf_stride, bk_offset(qkv, d + kvd), ldqkv, n_seq, kvd);
    }
    bk_attn_causal_args a = {.n_heads = cfg->n_heads, .n_kv_heads = cfg->n_kv_heads,
                             .head_dim = cfg->head_dim, .scale = 1.0f / sqrtf((float)cfg->head_dim),
                             .window = s->window, .n_seq = n_seq, .n_q = n_q, .q_start = q_start,
                             .group = group, .n_prefix = P, .n_pad = s->n_pad, .q = qkv, .out = attn,
                             .ldq = ldqkv, .ldo = d, .k_prefix = kp, .v_prefix = vp,
                             .prefix_stride = pre_stride, .k_suffix = ks, .v_suffix = vs,
                             .suffix_stride = suf_stride, .ldkv = kvd};
    bk_attn_causal(be, &a);
    bk_matmul(be, x, d, attn, d, n, L->o, d, NULL, 1);
    bk_rmsnorm(be, h, d, x, d, n, d, L->ln_post, eps);
    bk_matmul(be, mlp, 2 * f, h, d, n, L->gate_up, 2 * f, NULL, 0);
    bk_silu_mul(be, act, f, mlp, 2 * f, n, f);
    bk_matmul(be, x, d, act, f, n, L->down, d, NULL, 1);
    model_trace_emit(s->trace, "phi3.layer", l, x, n, d, d);
  }
  return bk_check(be, err, err_size);
}

int phi3_logits(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
                const int32_t *rows, int n, float *out, char *err, size_t err_size) {
  if (n < 1 || n > s->lim.max_seqs) {
    snprintf(err, err_size, "language model: logits of %d rows, the engine was sized for at most %d", n,
             s->lim.max_seqs);
    return 1;
  }
  const int d = cfg->hidden_size, nl = cfg->n_logits, nb = cfg->initial_tokenizer_len;
  bk_gather_rows(be, bk_at(s->last, 0), (size_t)d, bk_at(s->x, 0), (size_t)d, rows, n, (size_t)d);
  bk_rmsnorm(be, bk_at(s->last_n, 0), d, bk_at(s->last, 0), d, n, d, w->norm, (float)cfg->rms_norm_eps);
  bk_matmul(be, bk_at(s->logits, 0), nl, bk_at(s->last_n, 0), d, n, w->head_w, nb, w->head_b, 0);
  bk_matmul(be, bk_at(s->logits, nb), nl, bk_at(s->last_n, 0), d, n, w->head_extra_w,
            cfg->n_additional_tokens, w->head_extra_b, 0);
  bk_read(be, out, bk_at(s->logits, 0), (size_t)n * nl);
  return bk_check(be, err, err_size);
}

void phi3_reorder(const model_lm_config *cfg, phi3_state *s, bk_backend *be, const int32_t *parent,
                  int n_seq, int n_tokens) {
  if (n_tokens <= 0) return;
  const size_t suf_stride = (size_t)s->lim.max_suffix * s->kv_dim;
  const size_t suf_layer = (size_t)s->lim.max_seqs * suf_stride;
  const int from = s->cur, to = 1 - s->cur;
  for (int l = 0; l < cfg->n_layers; l++) {
    bk_gather_rows(be, layer_at(s->k_suf[to], l, suf_layer), suf_stride, layer_at(s->k_suf[from], l, suf_layer),
                   suf_stride, parent, n_seq, (size_t)n_tokens * s->kv_dim);
    bk_gather_rows(be, layer_at(s->v_suf[to], l, suf_layer), suf_stride, layer_at(s->v_suf[from], l, suf_layer),
                   suf_stride, parent, n_seq, (size_t)n_tokens * s->kv_dim);
  }
  s->cur = to;
}
