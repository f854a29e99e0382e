#!/usr/bin/env python3
"""generate_reference.py - what `fewshot generate` must print, from the real pipeline: Pillow
(resize to the config's image size with BICUBIC, convert RGB, /255, normalise 0.5/0.5), the HF fast
tokenizer with xGen-MM's three added special tokens, the SigLIP / resampler / Phi-3 reference of
model_reference.py, transformers' generate (4.41.1) and decode(skip_special_tokens=True).

  /opt/ref/venv441/bin/python tools/reference/generate_reference.py MODEL_DIR OUT.json \
      --image A.jpg [--image B.jpg] --prompt "<image>..." [--max-new-tokens N] [--beams K]
Each <image> in the prompt is expanded to <image> + (n_latents - 1) x <image placeholder>, as the
CLI does; the default stop ids are the config's eos and <|endofchunk|>.
"""
import argparse
import json
import os
import sys

import numpy as np
import PIL
import torch
import transformers
from PIL import Image
from transformers import AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_reference import load  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("out")
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--max-new-tokens", type=int, default=20)
    ap.add_argument("--beams", type=int, default=1)
    a = ap.parse_args()
    cfg, vis, res, lm = load(a.model_dir)
    size = cfg["vision_encoder_config"]["vision_config"]["image_size"]
    n_lat = cfg["vision_tokenizer_config"]["num_vis_tokens"]
    tok = AutoTokenizer.from_pretrained(a.model_dir, use_fast=True, legacy=False)
    tok.add_special_tokens({"additional_special_tokens": ["<image>", "<image placeholder>", "<|endofchunk|>"]})
    text = a.prompt.replace("<image>", "<image>" + "<image placeholder>" * (n_lat - 1))
    ids = tok(text, add_special_tokens=False).input_ids
    px = []
    for path in a.image:
        im = Image.open(path).resize((size, size), Image.BICUBIC).convert("RGB")
        t = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1).float().div(255)
        px.append((t - 0.5) / 0.5)
    with torch.no_grad():
        e = lm.model.embed_tokens(torch.tensor(ids))
        if px:
            r = res(vis(pixel_values=torch.stack(px)).last_hidden_state)
            k = 0
            for p, t in enumerate(ids):
                if t == 32012:
                    e[p:p + n_lat] = r[k]
                    k += 1
        eos = [cfg["text_config"].get("eos_token_id", 32000), 32014]
        out = lm.generate(inputs_embeds=e.unsqueeze(0), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                          do_sample=False, num_beams=a.beams, max_new_tokens=a.max_new_tokens, eos_token_id=eos,
                          pad_token_id=32000)[0].tolist()
    if a.beams == 1:  # greedy pads finished rows; the CLI prints up to the stop token
        while len(out) > 1 and out[-1] == 32000 and out[-2] in eos:
            out.pop()
    result = {"versions": {"transformers": transformers.__version__, "torch": torch.__version__,
                           "pillow": PIL.__version__, "numpy": np.__version__},
              "args": {"image": [os.path.relpath(p) for p in a.image], "prompt": a.prompt,
                       "max_new_tokens": a.max_new_tokens, "beams": a.beams},
              "prompt_ids": len(ids), "ids": out, "ids_line": " ".join(map(str, out)),
              "text": tok.decode(out, skip_special_tokens=True)}
    json.dump(result, open(a.out, "w", encoding="utf-8"), indent=1, ensure_ascii=False)
    print(result["ids"], repr(result["text"]))


if __name__ == "__main__":
    main()
