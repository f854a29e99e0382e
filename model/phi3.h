/* phi3.h - the Phi-3 language model with xGen-MM's decoupled embedding and head (model.md §2.4-2.5),
 * over a KV cache built for few-shot beam search:
 *   - the prompt's keys/values (the "prefix") are computed once per sample and shared by all of its
 *     beams; prompts of a batch are left-padded to one length P (pads are never attended to);
 *   - each decoding row (sample × beam) owns only the keys/values of its generated tokens (the
 *     "suffix"), reordered by phi3_reorder when beams are re-ranked.
 *
 * Per layer: a = RMSNorm_in(x); [q|k|v] = a·W_qkvᵀ; RoPE(q, k) at each row's position;
 * x += attn(q, cache)·W_oᵀ; b = RMSNorm_post(x); [g|u] = b·W_gate_upᵀ; x += (silu(g)⊙u)·W_downᵀ.
 * Logits: h = RMSNorm(x); [h·W_lm[0:n_base]ᵀ + b_lm[0:n_base] | h·W_addᵀ + b_add] -> n_logits.
 *
 * Attention sees key j from query i when i - j <= window (transformers 4.41.1's eager Phi-3 mask with
 * sliding_window = window, the reference version of the checkpoint; later versions use i - j <
 * window). The state takes its window from the config; phi3_state.window may be changed. */
#ifndef FEWSHOT_PHI3_H
#define FEWSHOT_PHI3_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "model_config.h"
#include "safetensors.h"
#include "trace.h"

/* One decoder layer; names under vlm.lang_model.model.layers.N. (d = hidden, kv = n_kv_heads·head_dim,
 * f = intermediate). */
typedef struct {
  bk_weight *ln_in;   /* input_layernorm.weight [d] */
  bk_weight *qkv;     /* self_attn.qkv_proj.weight [d + 2kv, d]: rows q, then k, then v */
  bk_weight *o;       /* self_attn.o_proj.weight [d, d] */
  bk_weight *ln_post; /* post_attention_layernorm.weight [d] */
  bk_weight *gate_up; /* mlp.gate_up_proj.weight [2f, d]: rows 0..f-1 gate, f..2f-1 up */
  bk_weight *down;    /* mlp.down_proj.weight [d, f] */
} phi3_layer;

typedef struct {
  bk_weight *embed;       /* vlm.lang_model.model.embed_tokens.weight [vocab, d] */
  bk_weight *embed_extra; /* ...embed_tokens.additional_embedding.weight [n_additional, d] */
  phi3_layer *layers;     /* n_layers entries */
  int n_layers;
  bk_weight *norm;        /* vlm.lang_model.model.norm.weight [d] */
  bk_weight *head_w;      /* vlm.lang_model.lm_head.weight [vocab, d] (first n_base rows used) */
  bk_weight *head_b;      /* vlm.lang_model.lm_head.bias [vocab] */
  bk_weight *head_extra_w;/* vlm.lang_model.lm_head.additional_fc.weight [n_additional, d] */
  bk_weight *head_extra_b;/* vlm.lang_model.lm_head.additional_fc.bias [n_additional] */
} phi3_weights;

/* Maxima the state is sized for (allocated once; a call beyond them is refused). */
typedef struct {
  int max_rows;       /* rows per phi3_forward call (prefill chunk × samples, or decoding rows) */
  int max_prefixes;   /* samples per batch (prompts) */
  int max_prefix_len; /* prompt tokens, after left padding */
  int max_seqs;       /* decoding rows: samples × beams */
  int max_suffix;     /* generated tokens per row */
} phi3_limits;

typedef struct {
  phi3_limits lim;
  int window;          /* attention sees i - j <= window; < 0: unlimited. From sliding_window. */
  /* geometry of the current batch (phi3_begin) */
  int n_prefixes, n_prefix;
  int32_t *n_pad;      /* [max_prefixes] */
  int cur;             /* which suffix buffer pair is current (0/1) */
  size_t kv_dim;       /* n_kv_heads·head_dim */
  bk_buf *x, *h, *qkv, *attn, *mlp, *act; /* scratch [max_rows, ...] */
  bk_buf *k_pre, *v_pre;       /* [n_layers][max_prefixes][max_prefix_len][kv_dim] */
  bk_buf *k_suf[2], *v_suf[2]; /* [n_layers][max_seqs][max_suffix][kv_dim], double-buffered */
  bk_buf *last, *last_n;       /* [max_seqs, d]: rows picked for logits, normalised */
  bk_buf *logits;              /* [max_seqs, n_logits] */
  const model_trace *trace;    /* optional: "phi3.input", "phi3.layer" (per layer), over each forward call's rows */
} phi3_state;

/* Loads the LM tensors by checkpoint name with shape checks. Returns 0, or non-zero with err naming
 * the tensor (nothing left allocated). st must outlive the weights (weights.h). */
int phi3_weights_load(phi3_weights *w, const model_lm_config *cfg, const safetensors_model *st,
                      bk_backend *be, char *err, size_t err_size);
void phi3_weights_free(phi3_weights *w, bk_backend *be);

/* Allocates the scratch and caches for `lim`. Returns 0, or non-zero with err naming the buffer
 * size that did not fit. */
int phi3_state_init(phi3_state *s, const model_lm_config *cfg, bk_backend *be, const phi3_limits *lim,
                    char *err, size_t err_size);
void phi3_state_free(phi3_state *s, bk_backend *be);

/* Starts a batch: n_prefixes prompts, each left-padded to n_prefix rows, n_pad[p] of them pads.
 * Returns 0, or non-zero with err when over the maxima. */
int phi3_begin(phi3_state *s, int n_prefixes, int n_prefix, const int32_t *n_pad, char *err,
               size_t err_size);

/* Embeds n token ids into rows 0..n-1 of the input buffer (s->x). Ids must be < cfg->n_logits
 * (checked: non-zero with err otherwise). */
int phi3_embed(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
               const int32_t *ids, int n, char *err, size_t err_size);

/* Row r of the input buffer, for writing image embeddings over placeholder rows. */
bk_ptr phi3_input_row(const model_lm_config *cfg, phi3_state *s, int r);

/* Runs the decoder over the n_seq·n_q embedded rows in s->x (sequence-major), in place.
 * Prefill: q_start + n_q <= n_prefix, n_seq = n_prefixes, group = 1: rows are prompt positions
 * [q_start, q_start + n_q) of each prompt; their keys/values go to the prefix cache.
 * Decode: q_start = n_prefix + t, n_q = 1, n_seq = n_prefixes·group: row s is the t-th generated
 * token of decoding row s (beam s mod group of prompt s / group); its keys/values go to suffix row t.
 * pos[r] is each row's RoPE position. Returns 0, or non-zero with err (maxima, backend failure). */
int phi3_forward(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
                 int n_seq, int n_q, int q_start, int group, const int32_t *pos, char *err, size_t err_size);

/* Logits of rows[0..n) of the last phi3_forward output: writes n × cfg->n_logits floats to host
 * memory `out`. n <= max_seqs. Returns 0, or non-zero with err. */
int phi3_logits(const model_lm_config *cfg, const phi3_weights *w, phi3_state *s, bk_backend *be,
                const int32_t *rows, int n, float *out, char *err, size_t err_size);

/* Beam re-ranking: decoding row r continues from old row parent[r]; the first n_tokens suffix rows of
 * every layer are gathered accordingly (the shared prefix is untouched). */
void phi3_reorder(const model_lm_config *cfg, phi3_state *s, bk_backend *be, const int32_t *parent,
                  int n_seq, int n_tokens);

#endif
