/* test_costmodel.c - the cost model (harness/costmodel.h) against the numbers of performance.md,
 * computed there by hand: §1.3 (a)-(d) per-unit FLOPs and bytes, the ceilings of §0, the decode
 * step table of §1.3(d), and the §1.5 lower bounds for 5,000 VQAv2 samples.
 *
 * Tolerances: the document rounds to 2-3 significant digits, so each check allows the rounding of
 * the printed value (e.g. ±0.05 ms for "2.6"), or 1 % where the document states "≈". One row
 * differs by more: §1.3(c) prints 1.13 TFLOP for the 149-token prefill, while its own formulas
 * (7.25 GFLOP × 149 + 0.197 GFLOP + 1.97e5 × 149²) give 1.085; the code follows the formulas and
 * the test checks 1.085 (the other rows agree within 0.6 %). */
#include <math.h>
#include <stdio.h>

#include "costmodel.h"
#include "model_config.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("costmodel");
  model_config c;
  model_config_default(&c);

  /* ceilings by card name */
  costmodel_device h100, h200, other, cpu;
  TEST_CHECK(&t, costmodel_device_from_name("NVIDIA H100 80GB HBM3", &h100) == 1, "H100 not recognised");
  test_near(&t, h100.bandwidth, 3.0e12, 0, 0, "H100 bandwidth");
  test_near(&t, h100.peak_flops, 790e12, 0, 0, "H100 peak");
  TEST_CHECK(&t, costmodel_device_from_name("NVIDIA H200", &h200) == 1, "H200 not recognised");
  test_near(&t, h200.bandwidth, 4.3e12, 0, 0, "H200 bandwidth");
  TEST_CHECK(&t, costmodel_device_from_name("NVIDIA A100-SXM4-80GB", &other) == 0 && other.bandwidth == 0 &&
                     other.peak_flops == 790e12, "an unknown card gets the peak only");
  TEST_CHECK(&t, costmodel_device_from_name("cpu", &cpu) == 0 && cpu.peak_flops == 0 && cpu.bandwidth == 0,
             "cpu has no ceilings");
  costmodel_work none = {1e12, 1e9};
  TEST_CHECK(&t, costmodel_bound_s(&none, &cpu) == 0, "a bound without ceilings");

  /* §1.3(a): SigLIP per crop: 22.2 GFLOP of linear layers per layer, 599 over 27, attention 2.45 per
   * layer / 66, patch embedding 1; total ≈ 666 (timm: 333.5 GMACs). Exact: 666.448 */
  test_near(&t, costmodel_vision_flops(&c) / 1e9, 666, 0, 0.001, "SigLIP GFLOP per crop");
  test_near(&t, costmodel_vision_flops(&c), 2.0 * 729 * (4.0 * 1152 * 1152 + 2.0 * 1152 * 4304) * 27 +
                                                4.0 * 729 * 729 * 1152 * 27 + 2.0 * 729 * 588 * 1152,
            0, 1e-12, "SigLIP FLOPs, exact");
  /* §1.3(b): resampler 6.1 (K/V) + 4.3 per layer, 62 over 6, projection 0.9, total ≈ 63 */
  test_near(&t, costmodel_resampler_flops(&c) / 1e9, 63, 0, 0.005, "resampler GFLOP per crop");
  /* §1.3(c): 7.25 GFLOP per token of linear layers; lm_head 0.197 GFLOP */
  test_near(&t, costmodel_lm_linear_flops(&c) / 1e9, 7.25, 0, 0.001, "LM linear GFLOP per token");
  test_near(&t, costmodel_lm_head_flops(&c) / 1e9, 0.197, 0.0005, 0, "lm_head GFLOP");
  test_near(&t, costmodel_lm_attn_flops_per_pair(&c), 4.0 * 3072 * 32, 0, 0, "attention FLOP per pair");
  /* §1.3(d): KV 393,216 B per token; weights 7.64 GB; §1.2: SigLIP 413 M parameters without head */
  test_near(&t, costmodel_kv_bytes_per_token(&c), 393216, 0, 0, "KV bytes per token");
  test_near(&t, costmodel_lm_weight_bytes(&c) / 1e9, 7.64, 0.005, 0, "LM weight GB");
  test_near(&t, costmodel_vision_weight_bytes(&c) / 2 / 1e6, 413, 1, 0, "SigLIP M parameters");
  test_near(&t, costmodel_resampler_weight_bytes(&c) / 2 / 1e6, 110, 2, 0, "resampler M parameters (§1.2: 110 M)");

  /* causal pairs: 1 + 2 + ... + n without window; with window w a query sees at most w + 1 keys */
  test_near(&t, costmodel_causal_pairs(10, 0), 55, 0, 0, "pairs n=10");
  test_near(&t, costmodel_causal_pairs(10, 3), 1 + 2 + 3 + 4 * 7, 0, 0, "pairs n=10 w=3");
  test_near(&t, costmodel_causal_pairs(4, 3), 10, 0, 0, "pairs n=4 w=3 (window not reached)");

  /* §1.3(c) table: prefill TFLOP (with the 2,047 window), attention share */
  const struct { long n; double tflop, tol, share; } pre[] = {
      {149, 1.085, 0.001, 0.004}, /* the document prints 1.13: see the top of this file */
      {761, 5.66, 0.04, 0.02},   {1373, 10.35, 0.04, 0.036}, {3321, 26.0, 0.1, 0.07}, {5981, 47.4, 0.1, 0.084}};
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
    costmodel_work w = costmodel_prefill(&c, 1, pre[i].n);
    test_near(&t, w.flops / 1e12, pre[i].tflop, pre[i].tol, 0, "prefill TFLOP at N = %ld", pre[i].n);
    double attn = costmodel_lm_attn_flops_per_pair(&c) * costmodel_causal_pairs(pre[i].n, 2047);
    test_near(&t, attn / w.flops, pre[i].share, 0.0015, 0, "attention share at N = %ld", pre[i].n);
  }
  /* without the window, 26.3 and 50.4 */
  model_config nowin = c;
  nowin.lm.sliding_window = 0;
  test_near(&t, costmodel_prefill(&nowin, 1, 3321).flops / 1e12, 26.3, 0.1, 0, "prefill 3321 without window");
  test_near(&t, costmodel_prefill(&nowin, 1, 5981).flops / 1e12, 50.4, 0.06, 0, "prefill 5981 without window");

  /* §0 ceilings: 1,185 crops/s; ≈1,080 with the resampler; ≈105k prefill tokens/s (at N = 1,373);
   * greedy batch-1 decode ≈393 tok/s (H100) and ≈563 (H200): weights only */
  costmodel_work v = costmodel_vision(&c, 1, 0), vr = costmodel_vision(&c, 1, 1);
  test_near(&t, 1.0 / (v.flops / 790e12), 1185, 0, 0.002, "SigLIP crops/s bound");
  test_near(&t, 1.0 / (vr.flops / 790e12), 1080, 0, 0.005, "SigLIP+resampler crops/s bound");
  test_near(&t, 1373 / costmodel_bound_s(&(costmodel_work){costmodel_prefill(&c, 1, 1373).flops, 0}, &h100), 105e3, 0,
            0.01, "prefill tok/s bound");
  costmodel_work g0 = costmodel_decode_step(&c, 1, 1, 0, 0, 1);
  test_near(&t, 1.0 / costmodel_bound_s(&g0, &h100), 393, 0.5, 0, "greedy tok/s H100");
  test_near(&t, 1.0 / costmodel_bound_s(&g0, &h200), 563, 0.5, 0, "greedy tok/s H200");

  /* §1.3(d) table: decode step ms, prompt KV shared / replicated across 3 beams */
  const struct { const costmodel_device *d; long n, b; double shared, repl; } dec[] = {
      {&h100, 149, 1, 2.6, 2.6},    {&h100, 149, 8, 2.7, 3.0},    {&h100, 149, 128, 5.1, 10.1},
      {&h100, 1373, 1, 2.7, 3.1},   {&h100, 1373, 8, 4.0, 6.9},   {&h100, 1373, 32, 8.3, 19.8},
      {&h100, 1373, 64, 14.1, 37.1}, {&h100, 1373, 128, 25.6, 71.7}, {&h200, 149, 128, 3.5, 7.0},
      {&h200, 1373, 8, 2.8, 4.8},   {&h200, 1373, 64, 9.8, 25.9}, {&h200, 1373, 128, 17.8, 50.0}};
  /* The table is (7.64 GB + KV bytes) / BW, the byte term alone; rounded to 0.1 ms (±0.06 allowed) */
  for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++) {
    costmodel_work s = costmodel_decode_step(&c, dec[i].b, 3, dec[i].n, 0, 1);
    costmodel_work r = costmodel_decode_step(&c, dec[i].b, 3, dec[i].n, 0, 0);
    test_near(&t, 1e3 * s.bytes / dec[i].d->bandwidth, dec[i].shared, 0.06, 0, "%s N=%ld B=%ld shared ms",
              dec[i].d->name, dec[i].n, dec[i].b);
    test_near(&t, 1e3 * r.bytes / dec[i].d->bandwidth, dec[i].repl, 0.06, 0, "%s N=%ld B=%ld replicated ms",
              dec[i].d->name, dec[i].n, dec[i].b);
  }
  /* The bound is the larger term: the FLOPs of 384 rows (128 × 3 beams, above the H200's ridge of
   * ~184 rows, §1.1) take 384 × (7.25 + 0.197 + 3.9e-4 × 150) GFLOP / 790 TFLOP/s = 3.65 ms, more
   * than the table's byte time of 3.5 ms; on the H100 the bytes still dominate (5.0 ms). */
  costmodel_work big = costmodel_decode_step(&c, 128, 3, 149, 0, 1);
  test_near(&t, 1e3 * costmodel_bound_s(&big, &h200), 384 * (7.2478 + 0.1967 + 393216e-9 * 150) / 790, 0.005, 0,
            "H200 N=149 B=128 bound (FLOP term)");
  test_near(&t, 1e3 * costmodel_bound_s(&big, &h100), 1e3 * big.bytes / 3e12, 0, 1e-12, "H100 N=149 B=128 bound (byte term)");
  /* decoding is memory-bound: bytes dominate FLOPs at B = 64 on H100 */
  costmodel_work d64 = costmodel_decode_step(&c, 64, 3, 1373, 0, 1);
  TEST_CHECK(&t, d64.bytes / 3.0e12 > d64.flops / 790e12, "decode at B=64 should be memory-bound");

  /* §1.3(d): KV per sample: 59 MB (149), 299 MB (761), 540 MB (1,373) */
  test_near(&t, 149 * costmodel_kv_bytes_per_token(&c) / 1e6, 59, 0.5, 0, "KV MB at 149");
  test_near(&t, 1373 * costmodel_kv_bytes_per_token(&c) / 1e6, 540, 0.5, 0, "KV MB at 1373");
  /* §1.3(d): an 8-shot batch holds ≈120 samples on H100 (80 GB, 6 GB workspace), ≈230 on H200 */
  long b100 = costmodel_max_batch(&c, 80e9, 6e9, 1373, 5, 3, 1, 256), b200 = costmodel_max_batch(&c, 141e9, 6e9, 1373, 5, 3, 1, 256);
  TEST_CHECK(&t, b100 >= 115 && b100 <= 122, "H100 8-shot batch %ld, expected ≈120", b100);
  TEST_CHECK(&t, b200 >= 225 && b200 <= 235, "H200 8-shot batch %ld, expected ≈230", b200);
  TEST_CHECK(&t, costmodel_max_batch(&c, 80e9, 6e9, 149, 5, 3, 1, 256) == 256, "0-shot batch capped at 256");
  TEST_CHECK(&t, costmodel_max_batch(&c, 5e9, 6e9, 149, 5, 3, 1, 256) == 0, "nothing fits in 5 GB");

  /* §1.5: VQAv2, 1 crop, 5,000 samples, 5 new tokens, 3 beams. "+ image cache": 5,000 query images
   * plus the 2,048-image demonstration pool; HF-style: every image of every prompt, prefill ×3. */
  const struct { const costmodel_device *d; double mem; long n, images; int shared; double total, vs, ps, ds; } ev[] = {
      {&h100, 80e9, 149, 5000, 1, 12, 5, 7, 1},          {&h100, 80e9, 761, 7048, 1, 45, 7, 36, 3},
      {&h100, 80e9, 1373, 7048, 1, 77, 7, 65, 5},        {&h200, 141e9, 1373, 7048, 1, 75, 7, 65, 3},
      {&h100, 80e9, 1373, 45000, 0, 253, 42, 196, 15},   {&h100, 80e9, 761, 25000, 0, 138, 23, 107, 8}};
  for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
    long batch = costmodel_max_batch(&c, ev[i].mem, 6e9, ev[i].n, 5, 3, ev[i].shared, 256);
    double vs, ps, ds;
    double total = costmodel_eval_bound_s(&c, ev[i].d, 5000, ev[i].n, ev[i].images, 5, 3, batch, ev[i].shared, &vs,
                                          &ps, &ds);
    /* the document prints whole seconds: ±0.5 on each term, ±1.5 on the total (terms rounded separately) */
    test_near(&t, vs, ev[i].vs, 0.51, 0, "%s N=%ld %s: vision s", ev[i].d->name, ev[i].n, ev[i].shared ? "cache" : "HF");
    test_near(&t, ps, ev[i].ps, 0.51, 0, "%s N=%ld %s: prefill s", ev[i].d->name, ev[i].n, ev[i].shared ? "cache" : "HF");
    test_near(&t, ds, ev[i].ds, 0.51, 0, "%s N=%ld %s: decode s (batch %ld)", ev[i].d->name, ev[i].n,
              ev[i].shared ? "cache" : "HF", batch);
    test_near(&t, total, ev[i].total, 1.5, 0, "%s N=%ld %s: total s", ev[i].d->name, ev[i].n, ev[i].shared ? "cache" : "HF");
  }
  return test_report(&t);
}
