#!/usr/bin/env python3
"""pytorch_baseline.py - the PyTorch baseline of performance.md §4.2, and the correctness gate of §4.3.

What a user runs instead of fewshot: transformers' SiglipVisionModel and Phi3ForCausalLM (sdpa
attention, bf16 on a GPU), the Perceiver resampler in PyTorch (tools/reference/model_reference.py,
written from model.md §2.3), random weights with the real shapes. It writes the same JSON lines as
`fewshot bench` (bench/README.md), so bench/summarize.py can pair the two.

  B1 user loop (M4): batch 8, every image of every prompt (demonstrations included) encoded again
     in every batch, image rows spliced into inputs_embeds, then
     lm.generate(inputs_embeds, attention_mask, num_beams=3, do_sample=False, max_new_tokens=S,
     min_new_tokens=S): the OpenFlamingo / xGen-MM remote-code loop. EOS never ends a beam
     (min_new_tokens = max_new_tokens), as on our side.
  components: SigLIP (and + resampler) forward over batches of crops (M1); Phi3ForCausalLM.forward
     over a batch of prompts with logits_to_keep=1, use_cache=False (M2: prefill); one generate step
     by differencing max_new_tokens = S + k against S (M3).
  M5: torch.cuda.max_memory_allocated during each M4 configuration.

Usage:
  python3 bench/pytorch_baseline.py [--device cuda|cpu] [--config CONFIG.json] [--out FILE.jsonl] ...
  python3 bench/pytorch_baseline.py gate --model DIR --ours OURS.safetensors [--device cuda] [--dtype bf16]

--config takes a config.json with Hugging Face field names (`fewshot bench --write-config FILE`
writes the one of the shapes fewshot benchmarks; without it the real model's sizes are used).
Checked with torch 2.15 / transformers 5.24 on the CPU (this repository's /opt/ref/venv); written for
torch 2.11 / transformers 5.17 on the GPU machines (KINDS.md). Timing: wall clock around work
followed by torch.cuda.synchronize(), like fewshot's wall clock around synchronous engine calls.

The gate: the same checkpoint (a reduced-depth, full-width model written by fewshot-mkmodel) through
transformers in float32 (no TF32) and through `fewshot bench --gate-model` (which wrote OURS: its
inputs, SigLIP features, image embeddings and the logits of the last prompt position and of two
teacher-forced positions). Passes when SigLIP features and image embeddings have cosine >= 0.999 per
image, every logit row differs by at most 2 % of its standard deviation, and the top-2R (R = 3)
candidate sets agree up to ties (a candidate on one side only must be within that tolerance of the
other side's 2R-th logit). The reference is float32 rather than PyTorch's bf16 because bf16 PyTorch
is itself 2-3 % of the logit std away from the exact function (measured with torch 2.15 on the CPU,
head in float32: max |d| / std 0.019-0.023 on the tiny model, 0.026-0.027 on the full-width 2/1/2-layer
gate model), so a bf16-vs-bf16 comparison would gate on PyTorch's rounding; --context-bf16 prints that
distance beside ours.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

THIS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(THIS, "..", "tools", "reference"))

IMAGE, PLACEHOLDER, BOS = 32012, 32013, 1
DEMO_TEXT, QUERY_TEXT = 25, 20  # performance.md §1.4, as fewshot bench


def import_torch():
    """Imports torch and transformers, or explains why not (the GPU machine reaches no registry)."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except Exception as e:  # ImportError, or a broken install
        print(f"pytorch_baseline: cannot import torch and transformers: {e!r}", file=sys.stderr)
        sys.exit(4)


# ---------------------------------------------------------------- configuration and models

def full_config():
    """The real model's sizes, in the config.json layout fewshot writes (Hugging Face names)."""
    return {
        "text_config": {"hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 32,
                        "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32064,
                        "max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
                        "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "sliding_window": 2047, "bos_token_id": 1,
                        "eos_token_id": 32000, "pad_token_id": 32000, "hidden_act": "silu",
                        "tie_word_embeddings": False, "initial_tokenizer_len": 32012},
        "vision_encoder_config": {"vision_config": {
            "hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27, "num_attention_heads": 16,
            "num_channels": 3, "image_size": 384, "patch_size": 14, "layer_norm_eps": 1e-6,
            "hidden_act": "gelu_pytorch_tanh", "vision_use_head": False}},
        "vision_tokenizer_config": {"vis_feature_dim": 1152, "lang_embedding_dim": 3072, "num_vis_tokens": 128,
                                    "depth": 6, "heads": 16, "dim_head": 96, "ff_mult": 4, "layer_norm_eps": 1e-5},
    }


def build_models(cfg, device, dtype, seed):
    """SigLIP, resampler and Phi-3 with random weights, made directly on `device` in `dtype`, sdpa."""
    import torch
    from transformers import Phi3Config, Phi3ForCausalLM, SiglipVisionConfig, SiglipVisionModel
    from model_reference import Resampler

    torch.manual_seed(seed)
    vc = dict(cfg["vision_encoder_config"]["vision_config"])
    vc["vision_use_head"] = False  # xGen-MM uses last_hidden_state; the MAP head never runs
    vcfg = SiglipVisionConfig(**vc)
    vcfg._attn_implementation = "sdpa"
    tc = {k: v for k, v in cfg["text_config"].items() if k not in ("initial_tokenizer_len", "model_type", "torch_dtype")}
    pcfg = Phi3Config(**tc)
    pcfg._attn_implementation = "sdpa"
    rc = cfg["vision_tokenizer_config"]
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            vis = SiglipVisionModel(vcfg).eval()
            res = Resampler(rc["vis_feature_dim"], rc["lang_embedding_dim"], rc["num_vis_tokens"], rc["depth"],
                            rc["heads"], rc["dim_head"], rc["ff_mult"], rc["layer_norm_eps"]).eval()
            torch.nn.init.normal_(res.latents, std=1.0)
            lm = Phi3ForCausalLM(pcfg).eval()
    finally:
        torch.set_default_dtype(old)
    return vis.to(dtype), res.to(dtype), lm.to(dtype)


def prompt_len(n_latents, shots):
    return 1 + (shots + 1) * n_latents + shots * DEMO_TEXT + QUERY_TEXT


# ---------------------------------------------------------------- timing and records

class Bench:
    def __init__(self, args, gpu, device):
        self.args, self.gpu, self.device = args, gpu, device
        self.out = open(args.out, "w") if args.out else None
        self.t0 = time.monotonic()

    def sync(self):
        import torch
        if self.device == "cuda":
            torch.cuda.synchronize()

    def now(self):
        self.sync()
        return time.monotonic()

    def budget_left(self):
        return self.args.time_budget <= 0 or time.monotonic() - self.t0 < self.args.time_budget

    def record(self, impl, metric, config, unit, values=None, value=None, pair=None, skipped=None, **extra):
        r = {"gpu": self.gpu, "impl": impl, "device": self.device, "metric": metric, "config": config,
             "pair": pair or f"{metric}|{config}", "value": None, "unit": unit, "n": 0, "p10": None, "p50": None,
             "p90": None}
        if values:
            v = sorted(values)
            r.update(n=len(v), p10=pct(v, 10), p50=pct(v, 50), p90=pct(v, 90))
            r["value"] = r["p50"] if value is None else value
        for k, x in extra.items():
            r[k] = x if x is None or isinstance(x, str) or math.isfinite(x) else None
        if skipped:
            r["skipped"] = skipped
        if self.out:
            self.out.write(json.dumps(r) + "\n")
            self.out.flush()
        shown = "skipped: " + skipped if skipped else (
            f"{r['value']:12.4g} {unit:<10} p10..p90 {r['p10']:.4g} .. {r['p90']:.4g}  n={r['n']}  "
            + " ".join(f"{k}={v:.4g}" for k, v in extra.items() if isinstance(v, (int, float))))
        print(f"{impl:<14} {metric:<11} {config:<40} {shown}", flush=True)

    def reps(self, fn):
        """Warm-ups then repetitions (fewer when the case budget runs out); fn() returns a value."""
        a = self.args
        t0 = time.monotonic()
        warm, reps = a.warmup, a.reps
        for i in range(warm):
            ti = time.monotonic()
            fn()
            dt = time.monotonic() - ti
            if i == 0 and dt * (warm + reps) > a.case_budget:
                warm, reps = 1, max(1, min(reps, int((a.case_budget - dt) / max(dt, 1e-9))))
        vals = []
        while len(vals) < reps:
            vals.append(fn())
            if time.monotonic() - t0 > a.case_budget:
                break
        return vals


def pct(v, q):
    """numpy's linear percentile of a sorted list."""
    if len(v) == 1:
        return v[0]
    x = (len(v) - 1) * q / 100.0
    lo = int(math.floor(x))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (x - lo)


def is_oom(e):
    import torch
    return isinstance(e, torch.cuda.OutOfMemoryError) or "out of memory" in str(e).lower()


# ---------------------------------------------------------------- M1-M3: components

def run_m1(b, vis, res, cfg, dtype):
    import torch
    vc = cfg["vision_encoder_config"]["vision_config"]
    S = vc["image_size"]
    for n in b.args.m1_batches:
        cs, cf = f"siglip,batch={n}", f"siglip+resampler,batch={n}"
        if not b.budget_left():
            b.record("pytorch-sdpa", "M1.vision", cf, "crops/s", skipped="time budget spent")
            continue
        try:
            x = torch.rand(n, 3, S, S, device=b.device, dtype=dtype) * 2 - 1

            def one():
                t0 = b.now()
                f = vis(pixel_values=x).last_hidden_state
                t1 = b.now()
                res(f)
                t2 = b.now()
                return (n / (t1 - t0), n / (t2 - t0))

            with torch.inference_mode():
                vals = b.reps(one)
            b.record("pytorch-sdpa", "M1.vision", cs, "crops/s", [v[0] for v in vals])
            b.record("pytorch-sdpa", "M1.vision", cf, "crops/s", [v[1] for v in vals])
        except Exception as e:
            if not is_oom(e):
                raise
            b.record("pytorch-sdpa", "M1.vision", cf, "crops/s", skipped="out of memory")
        finally:
            x = None
            if b.device == "cuda":
                torch.cuda.empty_cache()


def text_ids(g, n, length, device):
    import torch
    ids = torch.randint(3, 32000, (n, length), generator=g)
    ids[:, 0] = BOS
    return ids.to(device)


def run_m2(b, lm):
    import torch
    g = torch.Generator().manual_seed(b.args.seed)
    for n, length in b.args.m2_shapes:
        cfg = f"prompts={n},tokens={length}"
        if not b.budget_left():
            b.record("pytorch-sdpa", "M2.prefill", cfg, "tok/s", skipped="time budget spent")
            continue
        try:
            ids = text_ids(g, n, length, b.device)

            def one():
                t0 = b.now()
                lm(input_ids=ids, use_cache=False, logits_to_keep=1)
                return n * length / (b.now() - t0)

            with torch.inference_mode():
                b.record("pytorch-sdpa", "M2.prefill", cfg, "tok/s", b.reps(one))
        except Exception as e:
            if not is_oom(e):
                raise
            b.record("pytorch-sdpa", "M2.prefill", cfg, "tok/s", skipped="out of memory")
        finally:
            ids = None
            if b.device == "cuda":
                torch.cuda.empty_cache()


def gen_kwargs(beams, new_tokens):
    return dict(num_beams=beams, do_sample=False, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                eos_token_id=[32000, 32014], pad_token_id=32000, length_penalty=1.0, early_stopping=False)


def run_m3(b, lm):
    import torch
    g = torch.Generator().manual_seed(b.args.seed + 1)
    k = b.args.m3_diff
    for length in b.args.m3_prompts:
        for n, beams in [(1, 1)] + [(m, b.args.beams) for m in b.args.m3_batches]:
            cfg = (f"greedy,samples={n},prompt={length}" if beams == 1 else
                   f"beams={beams},samples={n},prompt={length}")
            if not b.budget_left():
                b.record("pytorch-sdpa", "M3.decode", cfg, "ms/step", skipped="time budget spent")
                continue
            try:
                ids = text_ids(g, n, length, b.device)
                mask = torch.ones_like(ids)

                def one():
                    t0 = b.now()
                    lm.generate(input_ids=ids, attention_mask=mask, **gen_kwargs(beams, 2))
                    t1 = b.now()
                    lm.generate(input_ids=ids, attention_mask=mask, **gen_kwargs(beams, 2 + k))
                    t2 = b.now()
                    return 1e3 * ((t2 - t1) - (t1 - t0)) / k

                with torch.inference_mode():
                    vals = b.reps(one)
                med = sorted(vals)[len(vals) // 2]
                b.record("pytorch-sdpa", "M3.decode", cfg, "ms/step", vals,
                         tok_per_s=n * beams / (med / 1e3) if med > 0 else None)
            except Exception as e:
                if not is_oom(e):
                    raise
                b.record("pytorch-sdpa", "M3.decode", cfg, "ms/step", skipped="out of memory")
            finally:
                ids = mask = None
                if b.device == "cuda":
                    torch.cuda.empty_cache()


# ---------------------------------------------------------------- M4/M5: the B1 loop

def run_m4(b, vis, res, lm, cfg, dtype):
    import torch
    a = b.args
    vc = cfg["vision_encoder_config"]["vision_config"]
    S = vc["image_size"]
    n_lat = cfg["vision_tokenizer_config"]["num_vis_tokens"]
    emb = lm.get_input_embeddings()
    weights = sum(p.numel() * p.element_size() for m in (vis, res, lm) for p in m.parameters())
    for shots in a.m4_shots:
        base = f"vqa,shots={shots},crops=1"
        cfg_s = f"{base},cache=none,batch={a.m4_batch}"
        if not b.budget_left():
            b.record("pytorch-b1", "M4.e2e", cfg_s, "samples/s", skipped="time budget spent")
            continue
        L = prompt_len(n_lat, shots)
        g = torch.Generator().manual_seed(a.seed + 100 + shots)
        n_img = shots + 1

        def batch(nb):
            """One B1 batch: encode every image, splice, generate. Returns (seconds, vision seconds)."""
            pix = torch.rand(nb * n_img, 3, S, S, generator=g).to(b.device, dtype) * 2 - 1  # preprocessing: untimed
            ids = torch.randint(3, 32000, (nb, L), generator=g)
            ids[:, 0] = BOS
            starts = []
            k = 1
            for m in range(n_img):
                starts.append(k)
                ids[:, k] = IMAGE
                ids[:, k + 1:k + n_lat] = PLACEHOLDER
                k += n_lat + (DEMO_TEXT if m < shots else QUERY_TEXT)
            ids = ids.to(b.device)
            mask = torch.ones_like(ids)  # equal lengths: no left padding needed
            t0 = b.now()
            feats = res(vis(pixel_values=pix).last_hidden_state)  # [nb * n_img, n_lat, d]
            t1 = b.now()
            x = emb(ids.clamp(max=31999))  # image rows are overwritten below
            feats = feats.view(nb, n_img, n_lat, -1)
            for m, st in enumerate(starts):
                x[:, st:st + n_lat] = feats[:, m]
            lm.generate(inputs_embeds=x, attention_mask=mask, **gen_kwargs(a.beams, a.m4_new_tokens))
            t2 = b.now()
            return t2 - t0, t1 - t0

        try:
            if b.device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            with torch.inference_mode():
                batch(min(a.m4_batch, a.m4_samples))  # warm-up
                t_start = time.monotonic()
                done, wall, vis_s, rates = 0, 0.0, 0.0, []
                while done < a.m4_samples:
                    nb = min(a.m4_batch, a.m4_samples - done)
                    dt, dv = batch(nb)
                    done += nb
                    wall += dt
                    vis_s += dv
                    rates.append(nb / dt)
                    if time.monotonic() - t_start > a.case_budget:
                        break
            value = done / wall
            b.record("pytorch-b1", "M4.e2e", cfg_s, "samples/s", rates, value=value, pair=f"M4.e2e|{base}",
                     samples=done, hit_rate=0.0, s_per_5000=5000 / value, share_v=vis_s / wall,
                     share_generate=1 - vis_s / wall)
            if 5 in a.metrics:
                if b.device == "cuda":
                    peak = torch.cuda.max_memory_allocated()
                    total = torch.cuda.get_device_properties(0).total_memory
                    cap = math.floor(a.m4_batch * (0.95 * total - weights) / (peak - weights)) if peak > weights else None
                    b.record("pytorch-b1", "M5.memory", f"{base},batch={a.m4_batch}", "GB", [peak / 1e9],
                             pair=f"M5.memory|{base}", max_in_flight=cap, device_gb=total / 1e9, batch=a.m4_batch)
                else:
                    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
                    b.record("pytorch-b1", "M5.memory", f"{base},batch={a.m4_batch}", "GB", [rss],
                             pair=f"M5.memory|{base}", peak_rss=1, batch=a.m4_batch)
        except Exception as e:
            if not is_oom(e):
                raise
            b.record("pytorch-b1", "M4.e2e", cfg_s, "samples/s", skipped="out of memory", pair=f"M4.e2e|{base}")
        finally:
            if b.device == "cuda":
                torch.cuda.empty_cache()


# ---------------------------------------------------------------- the correctness gate (§4.3)

def reference(cfg, sd, pixels, ids, n_pos, device, dtype):
    """transformers' SigLIP, our PyTorch resampler and transformers' Phi-3 with the checkpoint's weights in
    `dtype` on `device` (sdpa): SigLIP features, image embeddings, and float32 logits of the last n_pos
    positions (the head in float32 from the hidden state: fewshot's logits are float32)."""
    import torch
    from transformers import Phi3Config, Phi3ForCausalLM, SiglipVisionConfig, SiglipVisionModel
    from model_reference import Resampler

    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            vc = dict(cfg["vision_encoder_config"]["vision_config"])
            vc["vision_use_head"] = False
            vcfg = SiglipVisionConfig(**vc)
            vcfg._attn_implementation = "sdpa"
            vis = SiglipVisionModel(vcfg).eval()
            rc = cfg["vision_tokenizer_config"]
            res = Resampler(rc["vis_feature_dim"], rc["lang_embedding_dim"], rc["num_vis_tokens"], rc["depth"],
                            rc["heads"], rc["dim_head"], rc["ff_mult"], rc["layer_norm_eps"]).eval()
            tc = {k: v for k, v in cfg["text_config"].items()
                  if k not in ("initial_tokenizer_len", "model_type", "torch_dtype")}
            pcfg = Phi3Config(**tc)
            pcfg._attn_implementation = "sdpa"
            lm = Phi3ForCausalLM(pcfg).eval()
    finally:
        torch.set_default_dtype(old)
    # the checkpoint's names: vlm.vision_encoder.* is SigLIP's vision transformer (SiglipVisionModel nests it
    # as vision_model.*), vlm.vision_tokenizer.* the resampler, vlm.lang_model.* Phi-3 plus xGen-MM's
    # decoupled rows (model.md §2.5), which are applied by hand below
    prefix = "vision_model." if any(k.startswith("vision_model.") for k in vis.state_dict()) else ""
    vis.load_state_dict({prefix + k[len("vlm.vision_encoder."):]: v for k, v in sd.items()
                         if k.startswith("vlm.vision_encoder.") and ".head." not in k}, strict=True)
    res.load_state_dict({k[len("vlm.vision_tokenizer."):]: v for k, v in sd.items()
                         if k.startswith("vlm.vision_tokenizer.")}, strict=True)
    lm.load_state_dict({k[len("vlm.lang_model."):]: v for k, v in sd.items()
                        if k.startswith("vlm.lang_model.") and "additional" not in k
                        and k != "vlm.lang_model.lm_head.bias"}, strict=True)
    vis, res, lm = vis.to(device, dtype), res.to(device, dtype), lm.to(device, dtype)
    n_base = cfg["text_config"].get("initial_tokenizer_len", 32012)
    n_lat = cfg["vision_tokenizer_config"]["num_vis_tokens"]
    f32 = {k: sd[f"vlm.lang_model.{k}"].to(device, torch.float32) for k in
           ("lm_head.weight", "lm_head.bias", "lm_head.additional_fc.weight", "lm_head.additional_fc.bias")}
    E = sd["vlm.lang_model.model.embed_tokens.weight"].to(device, dtype)
    E_add = sd["vlm.lang_model.model.embed_tokens.additional_embedding.weight"].to(device, dtype)
    with torch.inference_mode():
        feats = vis(pixel_values=pixels.to(device, dtype)).last_hidden_state
        embeds = res(feats)
        x = torch.where((ids < n_base)[:, None], E[ids.clamp(max=n_base - 1)], E_add[(ids - n_base).clamp(min=0, max=2)])
        starts = (ids == IMAGE).nonzero().flatten().tolist()
        assert len(starts) == pixels.shape[0], (starts, pixels.shape)
        for m, st in enumerate(starts):
            x[st:st + n_lat] = embeds[m]
        h = lm.model(inputs_embeds=x[None]).last_hidden_state[0]
        hp = h[-n_pos:].float()
        logits = torch.cat([hp @ f32["lm_head.weight"][:n_base].T + f32["lm_head.bias"][:n_base],
                            hp @ f32["lm_head.additional_fc.weight"].T + f32["lm_head.additional_fc.bias"]], dim=-1)
    return feats.double(), embeds.double(), logits.double()


def compare(name_prefix, got, ref, check, informative=False):
    """The gate's checks of `got` (feats, embeds, logits) against `ref`."""
    import torch

    def cos(a, b):
        a, b = a.flatten(), b.flatten()
        return float(a @ b / (a.norm() * b.norm()))

    for part, (g, r) in (("siglip", (got[0], ref[0])), ("resampler", (got[1], ref[1]))):
        for m in range(r.shape[0]):
            c = cos(g[m], r[m])
            check(f"{name_prefix}{part}.image{m}", c, "cosine", c >= 0.999, informative,
                  max_rel=float((g[m] - r[m]).abs().max() / r[m].abs().max()))
    R = 3
    for p in range(ref[2].shape[0]):
        t, o = got[2][p], ref[2][p]
        std = float(o.std())
        d = float((t - o).abs().max())
        what = "prefill.last" if p == 0 else f"teacher_forced.{p}"
        tol = 0.02 * std
        check(f"{name_prefix}logits.{what}", d / std, "max|d|/std", d <= tol, informative, std=round(std, 4))
        # top-2R candidates: the same set, or each difference a tie within tol of the 2R-th logit
        ti, oi = torch.topk(t, 2 * R), torch.topk(o, 2 * R)
        ts, os_ = set(ti.indices.tolist()), set(oi.indices.tolist())
        ties = all(abs(float(o[i]) - float(oi.values[-1])) <= tol for i in ts - os_) and \
            all(abs(float(t[i]) - float(ti.values[-1])) <= tol for i in os_ - ts)
        check(f"{name_prefix}top{2 * R}.{what}", len(ts & os_), "common", ts == os_ or ties, informative,
              ties_allowed=int(ts != os_))


def gate(args):
    import torch
    import transformers
    from safetensors.torch import load_file

    device = args.device
    if device == "cuda":  # a float32 reference: no TF32 anywhere
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    sd = load_file(os.path.join(args.model, "model.safetensors"))
    ours_file = load_file(args.ours)
    pixels, ids = ours_file["pixels"], ours_file["ids"].round().long().to(device)
    ours = tuple(ours_file[k].to(device).double() for k in ("siglip", "embeds", "logits"))
    n_pos = ours[2].shape[0]
    results, ok_all = [], True

    def check(name, value, unit, ok, informative=False, **extra):
        nonlocal ok_all
        if not informative:
            ok_all &= ok
        results.append({"metric": "gate", "config": name, "value": value, "unit": unit,
                        "pass": None if informative else bool(ok), **extra})
        verdict = ("(within)" if ok else "(beyond)") if informative else ("ok" if ok else "FAIL")
        print(f"gate {name:<34} {value:.6g} {unit:<12} {verdict} " + " ".join(f"{k}={v}" for k, v in extra.items()),
              flush=True)

    ref = reference(cfg, sd, pixels, ids, n_pos, device, torch.float32)
    compare("", ours, ref, check)
    if args.context_bf16:  # how far PyTorch's own bf16 run is from the same reference (not part of the verdict)
        compare("torch_bf16.", reference(cfg, sd, pixels, ids, n_pos, device, torch.bfloat16), ref, check,
                informative=True)
    meta = {"torch": torch.__version__, "transformers": transformers.__version__, "device": device,
            "gpu": torch.cuda.get_device_name(0) if device == "cuda" else "cpu"}
    if args.out:
        with open(args.out, "w") as f:
            for r in results:
                f.write(json.dumps({**meta, "impl": "gate", **r}) + "\n")
    n_gate = sum(r["pass"] is not None for r in results)
    print(f"gate: {'PASS' if ok_all else 'FAIL'} ({sum(bool(r['pass']) for r in results)}/{n_gate} checks against "
          f"transformers in float32; torch {torch.__version__}, transformers {transformers.__version__}, "
          f"on {meta['gpu']})")
    return 0 if ok_all else 1


# ---------------------------------------------------------------- main

def int_list(s):
    return [int(x) for x in s.split(",") if x]


def shape_list(s):
    return [tuple(int(y) for y in x.split("x")) for x in s.split(",") if x]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "gate":
        ap = argparse.ArgumentParser(prog="pytorch_baseline.py gate")
        ap.add_argument("gate")
        ap.add_argument("--model", required=True, help="checkpoint folder (fewshot-mkmodel output)")
        ap.add_argument("--ours", required=True, help="fewshot bench --gate-out file")
        ap.add_argument("--device", default="cuda")
        ap.add_argument("--context-bf16", action="store_true",
                        help="also report PyTorch's bf16 run against the same float32 reference (not gated)")
        ap.add_argument("--out", help="JSON lines of the checks")
        args = ap.parse_args()
        import_torch()
        sys.exit(gate(args))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--dtype", default=None, choices=["bf16", "f32"], help="default: bf16 on cuda, f32 on cpu")
    ap.add_argument("--config", help="config.json (fewshot bench --write-config); default: the real model")
    ap.add_argument("--metrics", default="M1,M2,M3,M4,M5")
    ap.add_argument("--m1-batches", type=int_list, default=[9, 45, 64, 256])
    ap.add_argument("--m2-shapes", type=shape_list, default=[(64, 149), (16, 761), (16, 1373), (4, 3321)])
    ap.add_argument("--m3-batches", type=int_list, default=[8, 32, 64, 128])
    ap.add_argument("--m3-prompts", type=int_list, default=[149, 1373])
    ap.add_argument("--m3-diff", type=int, default=4, help="decode steps: max_new_tokens 2 + K against 2")
    ap.add_argument("--m4-shots", type=int_list, default=[0, 4, 8])
    ap.add_argument("--m4-samples", type=int, default=128)
    ap.add_argument("--m4-batch", type=int, default=8)
    ap.add_argument("--m4-new-tokens", type=int, default=5)
    ap.add_argument("--beams", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--case-budget", type=float, default=60)
    ap.add_argument("--time-budget", type=float, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out")
    args = ap.parse_args()
    args.metrics = {int(m.strip().lstrip("Mm")) for m in args.metrics.split(",") if m.strip()}
    import_torch()
    import torch
    import transformers
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("pytorch_baseline: --device cuda but torch sees no CUDA device", file=sys.stderr)
        sys.exit(3)
    dtype = {"bf16": torch.bfloat16, "f32": torch.float32}[args.dtype or ("bf16" if args.device == "cuda" else "f32")]
    cfg = json.load(open(args.config)) if args.config else full_config()
    gpu = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    b = Bench(args, gpu, args.device)
    t0 = time.monotonic()
    vis, res, lm = build_models(cfg, args.device, dtype, args.seed)
    b.sync()
    b.record("pytorch-sdpa", "init", "weights", "s", [time.monotonic() - t0])
    print(f"pytorch_baseline: torch {torch.__version__}, transformers {transformers.__version__}, {dtype} on {gpu}",
          file=sys.stderr)
    if 1 in args.metrics:
        run_m1(b, vis, res, cfg, dtype)
    if 2 in args.metrics:
        run_m2(b, lm)
    if 3 in args.metrics:
        run_m3(b, lm)
    if 4 in args.metrics or 5 in args.metrics:
        run_m4(b, vis, res, lm, cfg, dtype)
    print(f"pytorch_baseline: done in {time.monotonic() - b.t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
