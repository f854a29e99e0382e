#!/usr/bin/env python3
"""check_tokenizer_goldens.py - re-checks tests/fixtures/tokenizer/hf_goldens.json with transformers'
AutoTokenizer, the way xGen-MM's demo builds it (use_fast=True, legacy=False, then
add_special_tokens of the three xGen-MM tokens). Meant for an environment with the transformers the
model pins (4.41.1), to show the goldens hold there too:

    python -m venv /tmp/venv441 && /tmp/venv441/bin/pip install transformers==4.41.1
    /tmp/venv441/bin/python tools/reference/check_tokenizer_goldens.py GOLDENS MODEL_DIR

MODEL_DIR holds the four tokenizer files (not config.json, whose auto_map asks for remote code).
gen_tokenizer_goldens.py --tf441-python runs this and records its last line. Exit 1 on any mismatch.
"""
import json
import struct
import sys

import tokenizers
import transformers
from transformers import AutoTokenizer

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gen_tokenizer_goldens import fnv1a64, recipe_text  # noqa: E402  (pure functions, no import side effects)


def main():
    goldens, model_dir = sys.argv[1], sys.argv[2]
    g = json.load(open(goldens, encoding="utf-8"))
    tok = AutoTokenizer.from_pretrained(model_dir, use_fast=True, legacy=False)
    tok.add_special_tokens({"additional_special_tokens": ["<image>", "<image placeholder>", "<|endofchunk|>"]})
    bad = []
    for c in g["cases"]:
        ids = tok(c["text"])["input_ids"]
        if ids != c["ids"] or tok.decode(ids) != c["decoded"] or tok.decode(ids, skip_special_tokens=True) != c["decoded_skip"]:
            bad.append(c["id"])
    for c in g["decode_cases"]:
        if tok.decode(c["ids"]) != c["decoded"] or tok.decode(c["ids"], skip_special_tokens=True) != c["decoded_skip"]:
            bad.append(c["id"])
    for c in g["long_cases"]:
        ids = tok(recipe_text(c["recipe"]))["input_ids"]
        if len(ids) != c["n_ids"] or fnv1a64(ids) != c["fnv1a64"]:
            bad.append(c["id"])
    n = len(g["cases"]) + len(g["decode_cases"]) + len(g["long_cases"])
    print("transformers %s (tokenizers %s) %s AutoTokenizer(use_fast=True, legacy=False) + add_special_tokens: "
          "%d/%d cases identical (ids, decode, decode with skip_special_tokens)%s"
          % (transformers.__version__, tokenizers.__version__, type(tok).__name__, n - len(bad), n,
             "; differ: %s" % bad[:20] if bad else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
