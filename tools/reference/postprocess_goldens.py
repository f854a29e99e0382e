#!/usr/bin/env python3
"""postprocess_goldens.py - runs OpenFlamingo's own post-processing functions on a list of generations
and writes tests/fixtures/datasets/goldens/postprocess.json for tests/datasets/test_postprocess.c.

Functions run (imported from the checkouts, not copied):
  main (655f693)               vqa_metric.postprocess_vqa_generation, coco_metric.postprocess_captioning_generation
                               followed by .replace('"', "") as evaluate_captioning does
  reduce-scope-mllm (c7a5ae5)  vqa_metric.postprocess_vqa_generation (adds the ". " cut)

Setup:
    git clone https://github.com/mlfoundations/open_flamingo /tmp/open_flamingo
    git -C /tmp/open_flamingo worktree add /tmp/of 655f693
    mkdir -p /tmp/of_rsm && git -C /tmp/open_flamingo show c7a5ae5:open_flamingo/eval/vqa_metric.py > /tmp/of_rsm/vqa_metric.py
Run:
    /opt/ref/venv/bin/python tools/reference/postprocess_goldens.py --of /tmp/of --of-rsm /tmp/of_rsm
"""
import argparse
import importlib.util
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

GENERATIONS = [
    "", "yes", " yes", "yes ", "no<|endofchunk|>", "2", "two",
    "yes\nQuestion: Is it red? Short answer: no",
    "red\nblue", "red, blue", "red,blue", "red , blue", "red,  blue",
    "a cat. a dog", "a cat.a dog", "Mr. Smith", "3.5", "e.g. this, that",
    "Short answer: no", "blue Short", "Answering machine", "QuestionAnswerShort", "the Answer is 4",
    "question: lower case", "answers", "shorts", "a. b, c", "a, b. c", ". , ", ", . ",
    "café, naïve", "日本, 東京", "emoji 😀, more", "tab\there, x", "\n\nyes", "yes.\n",
    "\"quoted\"", "it says \"stop\", then", "Output: a caption", "A rocket on a pad.Output:x",
    "A rocket on a pad. Output: A cat", "\"A\" \"B\"", "no Output here", "OutputOutput", "output lower",
    "A man riding a horse\nOutput:", "A dog, a cat. Short answer: x",
    "Is this question answered? Question", "skate board, skateboard. Answer: skateboard",
]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--of", required=True, help="OpenFlamingo checkout at 655f693")
    ap.add_argument("--of-rsm", required=True, help="folder with reduce-scope-mllm's vqa_metric.py (c7a5ae5)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/fixtures/datasets/goldens/postprocess.json"))
    a = ap.parse_args()
    main_vqa = load(os.path.join(a.of, "open_flamingo/eval/vqa_metric.py"), "of_main_vqa_metric")
    main_coco = load(os.path.join(a.of, "open_flamingo/eval/coco_metric.py"), "of_main_coco_metric")
    rsm_vqa = load(os.path.join(a.of_rsm, "vqa_metric.py"), "of_rsm_vqa_metric")
    cases = []
    for g in GENERATIONS:
        cases.append({"generation": g,
                      "vqa_of_main": main_vqa.postprocess_vqa_generation(g),
                      "vqa_of_rsm": rsm_vqa.postprocess_vqa_generation(g),
                      "caption": main_coco.postprocess_captioning_generation(g).replace('"', "")})
    out = {"format": "postprocess/1", "generator": "tools/reference/postprocess_goldens.py",
           "openflamingo": {"main": "655f693", "reduce-scope-mllm": "c7a5ae5"},
           "versions": {"python": sys.version.split()[0]}, "cases": cases}
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", a.out, len(cases), "cases")


if __name__ == "__main__":
    main()
