/* costmodel.h - the cost model of performance.md §1.3-1.5 as code: FLOPs and the fewest HBM bytes
 * of each unit of work (a crop through the vision tower and the resampler, a prompt's prefill, a
 * decoding step), and the time bound they imply on a device (the larger of FLOPs at the peak rate
 * and bytes at the memory bandwidth). `fewshot bench` reports each measurement as a fraction of its
 * bound. Everything is computed from the model configuration, so reduced models get their own
 * bound; for the real model the numbers are those of performance.md (tests/bench/ checks them).
 *
 * Conventions (performance.md §1.3): one multiply-add = 2 FLOP; weights and KV cache in bf16
 * (2 bytes); norms, activations and softmax are not counted; attention is 4·width·(query, key)
 * pairs per layer (QKᵀ and PV). Pure functions; no state. */
#ifndef FEWSHOT_COSTMODEL_H
#define FEWSHOT_COSTMODEL_H

#include "model_config.h"

/* Work of one measured unit: FLOPs and the fewest bytes it must move through device memory. */
typedef struct {
  double flops;
  double bytes;
} costmodel_work;

/* The ceilings a bound is computed with. */
typedef struct {
  char name[64];     /* "H100", "H200", "GPU" (unrecognised card), "cpu" */
  double peak_flops; /* FLOP/s: 790e12 for bf16 on H100 and H200 (measured, performance.md §1.1) */
  double bandwidth;  /* bytes/s: 3.0e12 (H100), 4.3e12 (H200) measured; 0 = unknown (no byte term) */
} costmodel_device;

/* The measured peaks of performance.md §1.1. */
#define COSTMODEL_PEAK_BF16 790e12
#define COSTMODEL_BW_H100 3.0e12
#define COSTMODEL_BW_H200 4.3e12

/* Ceilings for a card, recognised by its name as the driver reports it ("NVIDIA H100 80GB HBM3",
 * "NVIDIA H200"): H200 -> 790 TFLOP/s and 4.3 TB/s; H100 -> 790 and 3.0; any other non-empty name
 * -> 790 and no byte term, named "GPU"; NULL or "cpu" -> no ceilings (peak 0: only achieved FLOP/s
 * are reported). Returns 1 when the card was recognised (H100 or H200), else 0. */
int costmodel_device_from_name(const char *card, costmodel_device *d);

/* FLOPs of one crop through the vision tower: linear layers 2·N·(4d² + 2·d·ff) and attention
 * 4·N²·d per layer, plus the patch embedding 2·N·(c·p²)·d (N = patches per crop). 666 GFLOP for
 * SigLIP so400m at 384 px. */
double costmodel_vision_flops(const model_config *c);

/* FLOPs of one crop through the resampler and its projection: per layer to_kv over media + latents
 * (2·(N + n_lat)·d·2·inner), to_q and to_out on the latents, the feed-forward, and attention
 * 4·n_lat·(N + n_lat)·inner; then 2·n_lat·d·out_dim. 63 GFLOP for the real model. */
double costmodel_resampler_flops(const model_config *c);

/* LM linear-layer FLOPs per token (qkv, o, gate_up, down over all layers): 7.25 GFLOP. */
double costmodel_lm_linear_flops(const model_config *c);

/* FLOPs of one row of logits (the decoupled head: n_logits × hidden): 0.197 GFLOP. */
double costmodel_lm_head_flops(const model_config *c);

/* Attention FLOPs per (query, key) pair summed over layers: 4·(heads·head_dim)·layers = 393,216. */
double costmodel_lm_attn_flops_per_pair(const model_config *c);

/* (query, key) pairs of causal attention over an n-token prompt with a sliding window w (a query
 * at i sees keys j with i − j <= w; w <= 0: no window): Σ_i min(i + 1, w + 1). */
double costmodel_causal_pairs(long n, int window);

/* Bytes of the KV cache per token in bf16: 2·layers·kv_heads·head_dim·2 = 393,216 (384 KiB). */
double costmodel_kv_bytes_per_token(const model_config *c);

/* Parameter counts in bf16 bytes: the vision tower without the unused MAP head (0.83 GB), the
 * resampler with its projection, the whole LM (7.64 GB: what a decoding step reads). */
double costmodel_vision_weight_bytes(const model_config *c);
double costmodel_resampler_weight_bytes(const model_config *c);
double costmodel_lm_weight_bytes(const model_config *c);

/* n crops through the vision tower (and the resampler when with_resampler): FLOPs per crop × n;
 * bytes = the weights, read once per batch. */
costmodel_work costmodel_vision(const model_config *c, long n_crops, int with_resampler);

/* The prefill of n_prompts prompts of n_tokens each (performance.md §1.3(c)): linear FLOPs per
 * token, causal attention with the model's sliding window, one row of logits per prompt; bytes =
 * the LM weights once plus the KV cache written. */
costmodel_work costmodel_prefill(const model_config *c, long n_prompts, long n_tokens);

/* One decoding step of n_samples samples × beams rows after a prompt of n_prompt tokens and
 * `generated` tokens so far (§1.3(d)): FLOPs rows × (linear + head + attention over the visible
 * context); bytes = the LM weights + the KV read: the prompt's once per sample when shared_prefix
 * (beams share it, as our engine does), else once per row (HF), plus each row's own generated
 * tokens. */
costmodel_work costmodel_decode_step(const model_config *c, long n_samples, int beams, long n_prompt, long generated,
                                     int shared_prefix);

/* The time bound of w on d: max(flops / peak, bytes / bandwidth), either term dropped when its
 * ceiling is 0. Returns 0 when d has no ceilings. */
double costmodel_bound_s(const costmodel_work *w, const costmodel_device *d);

/* The lower bound of performance.md §1.5 for an evaluation of n_samples samples with prompts of
 * n_prompt tokens, n_images distinct images to encode (with an image cache: the query images and
 * the distinct demonstrations; without: every image of every prompt), new_tokens generated with
 * `beams` beams in batches of `batch` samples, prefix shared by the beams (shared = 1) or
 * replicated with the prefill repeated per beam (shared = 0, HF-style). Vision and prefill at the
 * peak rate, each decoding step at max(FLOPs, bytes) with its batch. Writes the three terms (may
 * be NULL) and returns their sum in seconds. */
double costmodel_eval_bound_s(const model_config *c, const costmodel_device *d, long n_samples, long n_prompt,
                              long n_images, int new_tokens, int beams, long batch, int shared, double *vision_s,
                              double *prefill_s, double *decode_s);

/* The largest batch (<= cap) whose KV cache fits in mem_bytes after the LM, vision and resampler
 * weights and `workspace` bytes (§1.5: 6 GB), with prompts of n_prompt + new_tokens tokens in
 * bf16, shared by the beams (shared = 1) or replicated per beam. 0 when none fits. */
long costmodel_max_batch(const model_config *c, double mem_bytes, double workspace, long n_prompt, int new_tokens,
                         int beams, int shared, long cap);

#endif
