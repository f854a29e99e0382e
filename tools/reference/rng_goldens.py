#!/usr/bin/env python3
"""rng_goldens.py - draws from the real numpy, CPython random and torch generators and writes
tests/fixtures/datasets/goldens/rng.json for tests/datasets/test_rng.c (datasets/rng.c must agree).

    /opt/ref/venv/bin/python tools/reference/rng_goldens.py
"""
import json
import os
import random
import sys

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    out = {"format": "rng/1", "generator": "tools/reference/rng_goldens.py",
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "torch": torch.__version__}}
    # CPython: random.seed(int) then getrandbits(32) (the raw MT output).
    out["py_words"] = []
    for seed in (0, 1, 42, 43, 2**32 - 1, 2**32 + 5, 2**40 + 12345):
        r = random.Random(seed)
        out["py_words"].append({"seed": seed, "words": [r.getrandbits(32) for _ in range(8)]})
    # CPython _randbelow on mixed bounds, one stream.
    r = random.Random(7)
    bounds = [1, 2, 3, 5, 7, 16, 17, 100, 1000, 2047, 2048, 2049, 65537, 2**31 + 11, 2**32 - 1]
    out["py_randbelow"] = {"seed": 7, "bounds": bounds, "values": [r._randbelow(n) for n in bounds * 3]}
    # CPython random.sample(range(n), k): both algorithms and their boundary.
    out["py_sample"] = []
    for seed, n, k in [(42, 16, 8), (42, 24, 4), (42, 24, 8), (7, 21, 5), (7, 22, 5), (7, 85, 6), (7, 86, 6),
                       (3, 2048, 2), (3, 2048, 8), (3, 2048, 32), (3, 2048, 200), (9, 1, 1), (9, 5, 0), (9, 5, 5),
                       (11, 100000, 16), (11, 100, 100)]:
        r = random.Random(seed)
        draws = [r.sample(range(n), k) for _ in range(3)]
        out["py_sample"].append({"seed": seed, "n": n, "k": k, "draws": draws})
    # numpy legacy: np.random.seed(s); choice(n, k, replace=False), twice in a row (one stream).
    out["np_choice"] = []
    for seed, n1, k1, n2, k2 in [(42, 12, 12, 24, 16), (42, 12, 7, 24, 24), (7, 5000, 5000, 10000, 2048),
                                 (0, 1, 1, 3, 2), (2**32 - 1, 100, 10, 70000, 5), (5, 214354, 50, 443757, 30)]:
        np.random.seed(seed)
        a = np.random.choice(n1, k1, replace=False).tolist()
        b = np.random.choice(n2, k2, replace=False).tolist()
        keep = lambda v: v if len(v) <= 64 else v[:32] + v[-32:]
        out["np_choice"].append({"seed": seed, "n1": n1, "k1": k1, "n2": n2, "k2": k2,
                                 "first": keep(a), "second": keep(b), "head_tail": len(a) > 64 or len(b) > 64})
    # torch: Generator().manual_seed(s); randperm(n).
    out["torch_randperm"] = []
    for seed, n in [(0, 1), (0, 2), (0, 12), (0, 11), (0, 1000), (1, 50), (123456789, 33)]:
        g = torch.Generator()
        g.manual_seed(seed)
        v = torch.randperm(n, generator=g).tolist()
        out["torch_randperm"].append({"seed": seed, "n": n, "perm": v if n <= 64 else v[:32] + v[-32:],
                                      "head_tail": n > 64})
    # Python's str.isspace() over all code points, for py_strip.
    out["py_isspace"] = [c for c in range(0x110000) if chr(c).isspace()]
    path = os.path.join(ROOT, "tests/fixtures/datasets/goldens/rng.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
