#!/usr/bin/env python3
"""xoshiro_goldens.py - draws from independent implementations of the generator of model/xoshiro.c
and writes tests/fixtures/rng/xoshiro.json for tests/model/test_xoshiro.c:

  seeding   splitmix64 = java.util.SplittableRandom(seed).nextLong() (same golden gamma and mix64
            constants), run with the JDK found on PATH (java 17 here, single-file source launch);
  stream    randomgen's Xoshiro256 (xoshiro256**) with its state set to the four splitmix64 words,
            random_raw();
  below     numpy's Generator(Xoshiro256).integers(0, bound, dtype=uint64) for bounds above 2^32,
            where numpy uses the same 64-bit Lemire multiply-shift with rejection (below 2^32 it
            switches to 32-bit draws, which ours never does, so only large bounds are compared).

    /opt/ref/venv/bin/pip install randomgen    # 2.5.1 was used
    /opt/ref/venv/bin/python tools/reference/xoshiro_goldens.py

Numbers are written as 16-digit hex strings (JSON numbers read as doubles would lose bits)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import randomgen

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SEEDS = [0, 1, 7, 42, 0x9E3779B97F4A7C15, 2**64 - 1]
N_WORDS = 4
N_STREAM = 8
BELOW_BOUNDS = [2**32 + 1, 3 * 2**40 + 7, 2**63 + 12345, 2**64 - 1]

JAVA = """
import java.util.SplittableRandom;
public class SplitMix {
  public static void main(String[] a) {
    for (String s : a) {
      SplittableRandom r = new SplittableRandom(Long.parseUnsignedLong(s));
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < %d; i++) b.append(i > 0 ? " " : "").append(Long.toUnsignedString(r.nextLong()));
      System.out.println(b);
    }
  }
}
""" % N_WORDS


def splitmix_words(seeds):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "SplitMix.java")
        with open(src, "w") as f:
            f.write(JAVA)
        out = subprocess.run(["java", src] + [str(s) for s in seeds], check=True, capture_output=True, text=True)
        version = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return [[int(w) for w in line.split()] for line in out.stdout.split("\n") if line], version


def state_of(words):
    return {"bit_generator": "Xoshiro256", "s": np.array(words, dtype=np.uint64), "has_uint32": 0, "uinteger": 0}


def hexs(values):
    return ["%016x" % v for v in values]


def main():
    words, java_version = splitmix_words(SEEDS)
    out = {"format": "xoshiro/1", "generator": "tools/reference/xoshiro_goldens.py",
           "versions": {"python": sys.version.split()[0], "java": java_version, "randomgen": randomgen.__version__,
                        "numpy": np.__version__},
           "seeds": []}
    for seed, w in zip(SEEDS, words):
        g = randomgen.Xoshiro256(0)
        g.state = state_of(w)
        stream = [int(v) for v in g.random_raw(N_STREAM)]
        # below: one stream (a fresh generator from the same state), bounds in turn, three rounds
        g.state = state_of(w)
        gen = np.random.Generator(g)
        below = [{"bound": "%016x" % b, "value": "%016x" % int(gen.integers(0, b, dtype=np.uint64))}
                 for b in BELOW_BOUNDS * 3]
        out["seeds"].append({"seed": "%016x" % seed, "state": hexs(w), "next": hexs(stream), "below": below})
    path = os.path.join(ROOT, "tests/fixtures/rng/xoshiro.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
