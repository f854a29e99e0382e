#!/usr/bin/env python3
"""model_reference.py - goldens for the C engine from the real implementations.

Builds transformers' SiglipVisionModel and Phi3ForCausalLM from an xGen-MM checkpoint directory
(our config.json carries every size under its Hugging Face name), plus the xGen-MM pieces that are
not in transformers, written here from ../../shared/docs/model.md: the Perceiver resampler (§2.3)
and the decoupled embedding / LM head (§2.5). Loads the checkpoint's weights, runs in float32 on the
CPU (eager attention, as the reference run), and writes:

  OUT.json   index: versions, model config summary, inputs (token ids, pixel recipe), integer
             outputs (generated ids) and, for each float array, its offset/shape in OUT.bin
  OUT.bin    float32 little-endian arrays

Dumps: SigLIP last_hidden_state, resampler output, logits of a multi-image few-shot prompt at
chosen positions, and generations (greedy; beam search with 3 beams, length_penalty 1 and 0, two
eos ids and min_new_tokens; a left-padded batch of two prompts). Pixels are not stored: both sides
compute them from the formula in pixels() (exactly representable in float32).

Run with transformers 4.41.1 (the version the checkpoint was made with; its beam search differs
from later rewrites):
  /opt/ref/venv441/bin/python tools/reference/model_reference.py MODEL_DIR OUT_PREFIX [--full-layer]
--full-layer: the model is the full-width one-layer checkpoint (tests/model/README); dumps a
subset of rows/positions only (sizes).
"""
import argparse
import json
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import safetensors.torch
import tokenizers
import transformers
from transformers import Phi3Config, Phi3ForCausalLM, SiglipVisionConfig, SiglipVisionModel

IMAGE, PLACEHOLDER, EOC = 32012, 32013, 32014


def pixels(n_img, channels, size):
    """Deterministic test pixels in [-1, 1]: p = ((31i + 7c + 13y + 17x) mod 255)/127.5 - 1, computed
    in float64 and rounded to float32 (the C test uses the same formula)."""
    i = np.arange(n_img).reshape(-1, 1, 1, 1)
    c = np.arange(channels).reshape(1, -1, 1, 1)
    y = np.arange(size).reshape(1, 1, -1, 1)
    x = np.arange(size).reshape(1, 1, 1, -1)
    v = ((31 * i + 7 * c + 13 * y + 17 * x) % 255) / 127.5 - 1.0
    return torch.from_numpy(v.astype(np.float32))


class Resampler(nn.Module):
    """PerceiverResampler as model.md §2.3 describes it (HF modeling_xgenmm.py / LAVIS helpers.py)."""

    def __init__(self, dim, out_dim, n_latents, depth, heads, dim_head, ff_mult, eps):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.dim_head = heads, dim_head
        self.latents = nn.Parameter(torch.zeros(n_latents, dim))
        self.layers = nn.ModuleList()
        for _ in range(depth):
            attn = nn.Module()
            attn.norm_media = nn.LayerNorm(dim, eps=eps)
            attn.norm_latents = nn.LayerNorm(dim, eps=eps)
            attn.to_q = nn.Linear(dim, inner, bias=False)
            attn.to_kv = nn.Linear(dim, 2 * inner, bias=False)
            attn.to_out = nn.Linear(inner, dim, bias=False)
            ff = nn.Sequential(nn.LayerNorm(dim, eps=eps), nn.Linear(dim, dim * ff_mult, bias=False), nn.GELU(),
                               nn.Linear(dim * ff_mult, dim, bias=False))
            self.layers.append(nn.ModuleList([attn, ff]))
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.projection = nn.Linear(dim, out_dim, bias=True)

    def forward(self, x):  # x [n_img, n_media, dim]
        b = x.shape[0]
        lat = self.latents.unsqueeze(0).expand(b, -1, -1)
        h, dh = self.heads, self.dim_head
        for attn, ff in self.layers:
            xn = attn.norm_media(x)
            ln = attn.norm_latents(lat)
            q = attn.to_q(ln)
            k, v = attn.to_kv(torch.cat([xn, ln], dim=-2)).chunk(2, dim=-1)
            q, k, v = (t.reshape(b, t.shape[1], h, dh).transpose(1, 2) for t in (q, k, v))
            q = q * dh ** -0.5
            sim = q @ k.transpose(-1, -2)
            sim = sim - sim.amax(dim=-1, keepdim=True).detach()
            out = sim.softmax(dim=-1) @ v
            out = out.transpose(1, 2).reshape(b, -1, h * dh)
            lat = attn.to_out(out) + lat
            lat = ff(lat) + lat
        return self.projection(self.norm(lat))


class DecoupledEmbedding(nn.Module):
    """ids <= n_base-1 -> base rows; ids >= n_base -> additional rows (model.md §2.5)."""

    def __init__(self, base, extra, n_base):
        super().__init__()
        self.base, self.extra, self.n_base = base, extra, n_base

    def forward(self, ids):
        out = torch.empty(*ids.shape, self.base.shape[1], dtype=self.base.dtype)
        m = ids < self.n_base
        out[m] = self.base[ids[m]]
        out[~m] = self.extra[ids[~m] - self.n_base]
        return out


class DecoupledLinear(nn.Module):
    """logits = [h·W[:n_base]ᵀ + b[:n_base] | h·W_addᵀ + b_add] (model.md §2.5)."""

    def __init__(self, w, b, w_add, b_add, n_base):
        super().__init__()
        self.w, self.b, self.w_add, self.b_add, self.n_base = w, b, w_add, b_add, n_base

    def forward(self, h):
        main = nn.functional.linear(h, self.w[: self.n_base], self.b[: self.n_base])
        return torch.cat([main, nn.functional.linear(h, self.w_add, self.b_add)], dim=-1)


def load(model_dir):
    cfg = json.load(open(f"{model_dir}/config.json"))
    from safetensors import safe_open
    import glob, os
    sd = {}
    files = sorted(glob.glob(os.path.join(model_dir, "*.safetensors")))
    for f in files:
        with safe_open(f, "pt") as fh:
            for k in fh.keys():
                sd[k] = fh.get_tensor(k).to(torch.float32)
    vc = cfg["vision_encoder_config"]["vision_config"]
    vis = SiglipVisionModel(SiglipVisionConfig(**vc)).eval()
    vsd = {"vision_model." + k[len("vlm.vision_encoder."):]: v for k, v in sd.items()
           if k.startswith("vlm.vision_encoder.")}
    missing, unexpected = vis.load_state_dict(vsd, strict=False)
    assert not unexpected, unexpected
    assert all(".head." in m for m in missing), missing  # the MAP head may be absent (--no-vision-head)
    rc = cfg["vision_tokenizer_config"]
    tc = cfg["text_config"]
    res = Resampler(rc["vis_feature_dim"], rc["lang_embedding_dim"], rc["num_vis_tokens"], rc["depth"],
                    rc["heads"], rc["dim_head"], rc["ff_mult"], rc["layer_norm_eps"]).eval()
    res.load_state_dict({k[len("vlm.vision_tokenizer."):]: v for k, v in sd.items()
                         if k.startswith("vlm.vision_tokenizer.")}, strict=True)
    pc = Phi3Config(**{k: v for k, v in tc.items() if k not in ("initial_tokenizer_len", "model_type", "torch_dtype")})
    pc._attn_implementation = "eager"
    lm = Phi3ForCausalLM(pc).eval()
    lsd = {k[len("vlm.lang_model."):]: v for k, v in sd.items() if k.startswith("vlm.lang_model.model.")}
    lsd["lm_head.weight"] = sd["vlm.lang_model.lm_head.weight"]
    lsd = {k: v for k, v in lsd.items() if "additional" not in k}
    lm.load_state_dict(lsd, strict=True)
    n_base = tc.get("initial_tokenizer_len", 32012)
    lm.model.embed_tokens = DecoupledEmbedding(sd["vlm.lang_model.model.embed_tokens.weight"],
                                               sd["vlm.lang_model.model.embed_tokens.additional_embedding.weight"], n_base)
    lm.lm_head = DecoupledLinear(sd["vlm.lang_model.lm_head.weight"], sd["vlm.lang_model.lm_head.bias"],
                                 sd["vlm.lang_model.lm_head.additional_fc.weight"],
                                 sd["vlm.lang_model.lm_head.additional_fc.bias"], n_base)
    lm.config.vocab_size = n_base + 3
    return cfg, vis, res, lm


class Writer:
    def __init__(self):
        self.index, self.blobs, self.off = {}, [], 0

    def add(self, name, t):
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        self.index[name] = {"offset": self.off, "shape": list(a.shape)}
        self.blobs.append(a.tobytes())
        self.off += a.nbytes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("out_prefix")
    ap.add_argument("--full-layer", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(0)
    cfg, vis, res, lm = load(args.model_dir)
    vc = cfg["vision_encoder_config"]["vision_config"]
    tok = tokenizers.Tokenizer.from_file(f"{args.model_dir}/tokenizer.json")
    enc = lambda s: tok.encode(s, add_special_tokens=False).ids
    n_lat = cfg["vision_tokenizer_config"]["num_vis_tokens"]
    block = [IMAGE] + [PLACEHOLDER] * (n_lat - 1)
    w = Writer()
    out = {"versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                        "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                        "numpy": np.__version__},
           "model_dir": args.model_dir, "pixel_formula": "((31*i + 7*c + 13*y + 17*x) mod 255)/127.5 - 1"}

    if args.full_layer:
        n_img = 1
        prompts = [block + enc("Question:What is in the image? Short answer:")]
    else:
        n_img = 3
        prompts = [block + enc("A short description of this image in one sentence:A cat on a mat.") + [EOC]
                   + block + enc("A short description of this image in one sentence:Two dogs running.") + [EOC]
                   + block + enc("A short description of this image in one sentence:"),
                   block + enc("Question:What color is the bus? Short answer:")]
    out["n_images"] = n_img
    out["prompts"] = prompts
    out["prompt_images"] = [list(range(n_img)), [n_img - 1]] if not args.full_layer else [[0]]
    px = pixels(n_img, vc.get("num_channels", 3), vc["image_size"])
    with torch.no_grad():
        v = vis(pixel_values=px).last_hidden_state  # [n_img, n_patches, d]
        r = res(v)                                    # [n_img, n_latents, out_dim]
        if args.full_layer:
            rows = list(range(0, v.shape[1], 37))
            out["siglip_rows"] = rows
            w.add("siglip", v[:, rows])
            out["resampler_rows"] = list(range(0, r.shape[1], 8))
            w.add("resampler", r[:, out["resampler_rows"]])
        else:
            w.add("siglip", v)
            w.add("resampler", r)

        def embeds(ids, imgs):
            e = lm.model.embed_tokens(torch.tensor(ids))
            k = 0
            for p, t in enumerate(ids):
                if t == IMAGE:
                    e[p:p + n_lat] = r[imgs[k]]
                    k += 1
            return e

        # logits of prompt 0 at chosen positions
        ids0 = prompts[0]
        e0 = embeds(ids0, out["prompt_images"][0]).unsqueeze(0)
        logits = lm(inputs_embeds=e0).logits[0]
        L = len(ids0)
        pos = sorted(set([0, 1, n_lat - 1, n_lat, n_lat + 1, L // 2, L - 3, L - 2, L - 1]))
        out["logit_positions"] = pos
        w.add("logits", logits[pos])
        top2 = torch.topk(logits[pos], 2, dim=-1).values
        out["logit_top2_gap_min"] = float((top2[:, 0] - top2[:, 1]).min())

        # generations
        def gen(prompt_idx, **kw):
            es = [embeds(prompts[i], out["prompt_images"][i]) for i in prompt_idx]
            P = max(e.shape[0] for e in es)
            batch = torch.zeros(len(es), P, es[0].shape[1])
            mask = torch.zeros(len(es), P, dtype=torch.long)
            for b, e in enumerate(es):  # left padding
                batch[b, P - e.shape[0]:] = e
                mask[b, P - e.shape[0]:] = 1
            o = lm.generate(inputs_embeds=batch, attention_mask=mask, do_sample=False, **kw)
            return o.tolist()

        runs = []
        if args.full_layer:
            runs.append(dict(name="greedy", prompts=[0], num_beams=1, max_new_tokens=4, eos=[32000]))
        else:
            runs.append(dict(name="greedy", prompts=[0], num_beams=1, max_new_tokens=12, eos=[32000]))
            runs.append(dict(name="beam3", prompts=[0], num_beams=3, max_new_tokens=12, eos=[32000]))
            runs.append(dict(name="beam3_lp0", prompts=[0], num_beams=3, max_new_tokens=12, eos=[32000],
                             length_penalty=0.0))
            runs.append(dict(name="batch_greedy", prompts=[0, 1], num_beams=1, max_new_tokens=12, eos=[32000]))
            runs.append(dict(name="batch_beam3", prompts=[0, 1], num_beams=3, max_new_tokens=12, eos=[32000]))
        for run in runs:
            run["ids"] = gen(run["prompts"], num_beams=run["num_beams"], max_new_tokens=run["max_new_tokens"],
                             eos_token_id=run["eos"], pad_token_id=32000,
                             length_penalty=run.get("length_penalty", 1.0),
                             min_new_tokens=run.get("min_new_tokens", 0))
        if not args.full_layer:
            # eos handling: make a token the greedy path produces at step 4 a second stop id, listed
            # after 32000, so hypotheses finish early (two eos ids -> 3 * num_beams candidates per
            # step in 4.41.1) and the returned eos is eos[0] = 32000, not the generated one
            stops = [32000, runs[0]["ids"][0][4]]
            for name, nb, lp, mn in (("greedy_eos", 1, 1.0, 0), ("greedy_eos_min", 1, 1.0, 6),
                                     ("beam3_eos", 3, 1.0, 0), ("beam3_eos_lp0", 3, 0.0, 0),
                                     ("beam3_eos_min", 3, -1.5, 6), ("beam2_eos_lp2", 2, 2.0, 0)):
                run = dict(name=name, prompts=[0, 1], num_beams=nb, max_new_tokens=12, eos=stops,
                           length_penalty=lp, min_new_tokens=mn)
                run["ids"] = gen(run["prompts"], num_beams=nb, max_new_tokens=12, eos_token_id=stops,
                                 pad_token_id=32000, length_penalty=lp, min_new_tokens=mn)
                runs.append(run)
        out["generations"] = runs
    out["arrays"] = w.index
    with open(args.out_prefix + ".bin", "wb") as f:
        for b in w.blobs:
            f.write(b)
    with open(args.out_prefix + ".json", "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {args.out_prefix}.json/.bin ({w.off} bytes); logits top-2 gap min {out['logit_top2_gap_min']:.3f}")
    for run in runs:
        print(run["name"], run["ids"])


if __name__ == "__main__":
    main()
