#!/usr/bin/env python3
"""gen_caption_extra_cases.py - our own caption stress cases ("caption-cases/1" format): tokenizer
edge cases as candidates and references, 1 to 7 references per image, empty and one-word
candidates, exact copies, abbreviations at line ends followed by capitalised captions, a carriage
return inside a caption (pycocoevalcap's line misalignment hazard) and non-ASCII text.

  python3 tools/reference/gen_caption_extra_cases.py > tests/fixtures/metrics/caption_extra_cases.json

Then tools/reference/caption_reference.py on it. Deterministic (seed 5).
"""
import json
import random

rng = random.Random(5)
BASE = ["A man riding a wave on top of a surfboard.", "Two dogs play in the snow.",
        "A plate of food with broccoli and rice.", "a red double-decker bus on a city street",
        "The giraffe is standing next to a tree.", "A group of people flying kites in the park.",
        "An elephant walking across a dirt field.", "A clock tower in Washington, D.C.",
        "A cat sleeping on a laptop keyboard.", "A train pulling into the U.S. station."]
ODD = ["He can't believe it's 5 p.m.", "Mrs. Smith's dog (left) and 3 1/2 cats", "\u201cStop\u201d sign at St. Louis",
       "caf\u00e9 with na\u00efve d\u00e9cor \u2014 \u00bd price", "AT&amp;T store, 10:30 a.m.", "etc.", "A.", "U.S.",
       "e-mail www.example.com now!!", "$5.50 pizza & 50% off", "gonna wanna cannot", "",
       "   ", ".", "word", "ALL CAPS CAPTION HERE", "the the the the the", "a a a a", "Mo.",
       "emoji \U0001F600 dog", "\u65e5\u672c\u306e\u732b", "tab\tseparated\u00a0words", "x-ray of a 10-year-old",
       "line\rbreak inside", "soft\u00adhyphen"]


def mix():
    return rng.choice(BASE) if rng.random() < 0.6 else rng.choice(ODD)


cases = []
for i in range(60):
    n_refs = rng.choice([1, 2, 3, 5, 5, 5, 7])
    refs = [mix() for _ in range(n_refs)]
    r = rng.random()
    if r < 0.15:
        cand = rng.choice(refs)
    elif r < 0.25:
        cand = ""
    elif r < 0.3:
        cand = rng.choice(["dog", "a", "."])
    else:
        cand = mix()
    cases.append({"image_id": 500000 + 7 * i, "references": refs, "candidate": cand})
print(json.dumps({"format": "caption-cases/1", "seed": 5,
                  "layout": "our own stress cases; same fields as the shared caption_cases.json",
                  "cases": cases}, ensure_ascii=False, indent=0))
