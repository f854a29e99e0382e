#!/usr/bin/env python3
"""check_model_layout.py - loads a checkpoint written by fewshot-mkmodel into the transformers classes
the reference uses, strictly, to show that config.json and the tensor names/shapes are what
transformers expects:

  SiglipVisionModel(SiglipVisionConfig(**config["vision_encoder_config"]["vision_config"]))
      <- every vlm.vision_encoder.* tensor (as vision_model.*)
  Phi3ForCausalLM(Phi3Config(**config["text_config"]))
      <- every vlm.lang_model.* tensor except xGen-MM's additions (lm_head.bias,
         embed_tokens.additional_embedding.weight, lm_head.additional_fc.*), which are checked by shape
  the resampler tensors are checked against PerceiverResampler's shapes (model.md §2.3).

Usage (developers only; not run by the build or the tests):
  /opt/ref/venv/bin/python tools/reference/check_model_layout.py MODEL_DIR
Prints per-part parameter counts and a few activation statistics (std of the vision output and of the
LM's last hidden state on random inputs) to show the weight scales keep activations of order one.
"""
import json, os, sys

import torch
from safetensors.torch import load_file
from transformers import Phi3Config, Phi3ForCausalLM, SiglipVisionConfig, SiglipVisionModel


def main(model_dir):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    idx = os.path.join(model_dir, "model.safetensors.index.json")
    files = sorted(set(json.load(open(idx))["weight_map"].values())) if os.path.exists(idx) else ["model.safetensors"]
    sd = {}
    for f in files:
        sd.update({k: v.float() for k, v in load_file(os.path.join(model_dir, f)).items()})

    vcfg = SiglipVisionConfig(**cfg["vision_encoder_config"]["vision_config"])
    vis = SiglipVisionModel(vcfg).eval()
    vsd = {k[len("vlm.vision_encoder."):]: v for k, v in sd.items() if k.startswith("vlm.vision_encoder.")}
    # the SigLIP vision transformer's own names (xGen-MM stores SiglipModel.vision_model's state dict);
    # transformers 4.x nests it as vision_model.*, 5.x exposes the same names at the top
    prefix = "vision_model." if any(k.startswith("vision_model.") for k in vis.state_dict()) else ""
    vis.load_state_dict({prefix + k: v for k, v in vsd.items()}, strict=True)

    tc = dict(cfg["text_config"])
    lm = Phi3ForCausalLM(Phi3Config(**tc)).eval()
    extras = {"vlm.lang_model.lm_head.bias", "vlm.lang_model.model.embed_tokens.additional_embedding.weight",
              "vlm.lang_model.lm_head.additional_fc.weight", "vlm.lang_model.lm_head.additional_fc.bias"}
    lsd = {k[len("vlm.lang_model."):]: v for k, v in sd.items() if k.startswith("vlm.lang_model.") and k not in extras}
    lm.load_state_dict(lsd, strict=True)
    H, V = lm.config.hidden_size, lm.config.vocab_size
    assert sd["vlm.lang_model.lm_head.bias"].shape == (V,)
    assert sd["vlm.lang_model.model.embed_tokens.additional_embedding.weight"].shape == (3, H)
    assert sd["vlm.lang_model.lm_head.additional_fc.weight"].shape == (3, H)
    assert sd["vlm.lang_model.lm_head.additional_fc.bias"].shape == (3,)

    vt = cfg["vision_tokenizer_config"]
    D, L, dep, h, dh, ff = vt["vis_feature_dim"], vt["num_vis_tokens"], vt["depth"], vt["heads"], vt["dim_head"], vt["ff_mult"]
    want = {"vlm.vision_tokenizer.latents": (L, D), "vlm.vision_tokenizer.norm.weight": (D,),
            "vlm.vision_tokenizer.norm.bias": (D,), "vlm.vision_tokenizer.projection.weight": (vt["lang_embedding_dim"], D),
            "vlm.vision_tokenizer.projection.bias": (vt["lang_embedding_dim"],)}
    for i in range(dep):
        p = f"vlm.vision_tokenizer.layers.{i}."
        for n in ("0.norm_media", "0.norm_latents", "1.0"):
            want[p + n + ".weight"] = (D,)
            want[p + n + ".bias"] = (D,)
        want[p + "0.to_q.weight"] = (h * dh, D)
        want[p + "0.to_kv.weight"] = (2 * h * dh, D)
        want[p + "0.to_out.weight"] = (D, h * dh)
        want[p + "1.1.weight"] = (D * ff, D)
        want[p + "1.3.weight"] = (D, D * ff)
    got = {k: tuple(v.shape) for k, v in sd.items() if k.startswith("vlm.vision_tokenizer.")}
    assert got == want, f"resampler layout differs: {set(got.items()) ^ set(want.items())}"
    assert all(k.startswith(("vlm.vision_encoder.", "vlm.vision_tokenizer.", "vlm.lang_model.")) for k in sd)

    count = lambda pre: sum(v.numel() for k, v in sd.items() if k.startswith(pre))
    print(f"ok: {len(sd)} tensors; vision {count('vlm.vision_encoder.')}, resampler {count('vlm.vision_tokenizer.')}, "
          f"LM {count('vlm.lang_model.')} parameters")
    torch.manual_seed(0)
    with torch.no_grad():
        px = torch.rand(1, 3, vcfg.image_size, vcfg.image_size) * 2 - 1
        vo = vis(pixel_values=px).last_hidden_state
        ids = torch.randint(0, 32000, (1, 64))
        out = lm(input_ids=ids, output_hidden_states=True)
        hs = [h.std().item() for h in out.hidden_states]
        logits = out.logits[0, :, :32012] + sd["vlm.lang_model.lm_head.bias"][:32012]
        top2 = logits.topk(2, dim=-1).values
    print(f"vision output std {vo.std().item():.3f}; LM hidden std per layer {[round(x, 3) for x in hs]}")
    print(f"logits std {logits.std().item():.3f}; top-1 minus top-2 gap: min {(top2[:, 0] - top2[:, 1]).min().item():.3f}, "
          f"median {(top2[:, 0] - top2[:, 1]).median().item():.3f}; top-1 prob median "
          f"{logits.softmax(-1).max(-1).values.median().item():.3f}")
    print(f"versions: torch {torch.__version__}, transformers {__import__('transformers').__version__}")


if __name__ == "__main__":
    main(sys.argv[1])
