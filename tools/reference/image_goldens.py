#!/usr/bin/env python3
"""image_goldens.py - Pillow's results for every test image, for tests/image/.

For each JPEG/PNG under tests/fixtures/images/{photos,edge,pngsuite,generated,fuzz} it records what
Pillow's Image.open gives (mode, size, sha256 of the pixels as numpy sees them; mode "1" as 0/255
bytes, mode "I" as uint16) or the error it raises, and for each target size in TARGETS the sha256
and channel means of img.resize(size, BICUBIC).convert("RGB") -- the reference preprocessing of
model.md §4.2 when size is (384, 384). Run it with each Pillow whose behaviour the C code offers
(model/image.h, image_compat); the output file is named after the Pillow version:

    /opt/ref/venv/bin/python tools/reference/image_goldens.py        # Pillow 13.0.0
    python -m venv /tmp/pil94 && /tmp/pil94/bin/pip install pillow==9.4.0 numpy
    /tmp/pil94/bin/python tools/reference/image_goldens.py           # Pillow 9.4.0 (legacy)

With torch importable it also writes normalize-torch.json: the float32 bit patterns of
ToTensor + Normalize(0.5, 0.5) (x.float().div(255).sub(0.5).div(0.5), what torchvision runs)
for every uint8 value.
"""
import glob
import hashlib
import io
import json
import os
import platform
import re
import struct
import sys

import numpy as np
import PIL
from PIL import Image, features

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "tests", "fixtures", "images")
OUT = os.path.join(FIX, "goldens")
FOLDERS = ["photos", "edge", "pngsuite", "generated", "fuzz"]
# (width, height): the model's size, then up/down scales, 1x1, odd and extreme shapes
TARGETS = [(384, 384), (1, 1), (5, 7), (97, 61), (383, 385), (600, 400), (2, 900)]


def decoded_bytes(im):
    a = np.asarray(im)
    if im.mode == "1":
        a = a.astype(np.uint8) * 255
    elif im.mode in ("I", "I;16"):
        a = a.astype(np.uint16)  # 16-bit PNG samples: 0..65535 in either mode
    return np.ascontiguousarray(a).tobytes()


def case(path):
    rel = os.path.relpath(path, FIX)
    try:
        im = Image.open(path)
        im.load()
    except Exception as e:  # noqa: BLE001 - record whatever Pillow raises
        return {"file": rel, "error": f"{type(e).__name__}: {e}".replace(path, rel)}
    c = {"file": rel, "mode": im.mode, "width": im.size[0], "height": im.size[1],
         "decoded_sha256": hashlib.sha256(decoded_bytes(im)).hexdigest(), "resized": []}
    for w, h in TARGETS:
        r = im.resize((w, h), Image.BICUBIC).convert("RGB")
        a = np.asarray(r)
        c["resized"].append({"width": w, "height": h, "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
                             "mean": [round(float(m), 4) for m in a.reshape(-1, 3).mean(0)]})
    return c


def cut_points(n):
    """Where to cut a file of n bytes: inside the trailer, the last chunk/segment, the middle."""
    cuts = {n - k for k in (1, 2, 3, 4, 8, 12, 13, 16, 17, 20, 30, 40, 60, 100)}
    cuts |= {n * 7 // 8, n * 3 // 4, n // 2, max(n // 8, 1), 20, 40, 60, 80}
    return sorted(c for c in cuts if 0 < c < n)


def truncations(path):
    """Pillow's outcome for the file cut at each of cut_points(): the sha256 of the 384x384 RGB
    preprocessing, or "error"."""
    data = open(path, "rb").read()
    out = []
    for cut in cut_points(len(data)):
        try:
            im = Image.open(io.BytesIO(data[:cut]))
            r = im.resize((384, 384), Image.BICUBIC).convert("RGB")
            out.append([cut, hashlib.sha256(np.asarray(r).tobytes()).hexdigest()])
        except Exception:  # noqa: BLE001 - any failure to open or load is the outcome
            out.append([cut, "error"])
    return out


def main():
    files = sorted(p for f in FOLDERS for p in glob.glob(os.path.join(FIX, f, "*"))
                   if p.endswith((".png", ".jpg")))
    out = {
        "generated_by": "tools/reference/image_goldens.py",
        "versions": {"pillow": PIL.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
                     "zlib": features.version("zlib"), "numpy": np.__version__,
                     "python": platform.python_version()},
        "reference": "Image.open(f); im.resize((w, h), Image.BICUBIC).convert('RGB')",
        "targets": TARGETS,
        "cases": [case(p) for p in files],
        "truncation_note": "each file cut at several lengths; Pillow's 384x384 result or 'error' "
                           "(Image.open + resize + convert, LOAD_TRUNCATED_IMAGES off)",
        "truncations": [{"file": os.path.relpath(p, FIX), "cuts": truncations(p)} for p in files
                        if not os.path.basename(p).startswith(("x", "truncated"))],
    }
    os.makedirs(OUT, exist_ok=True)
    name = os.path.join(OUT, f"pillow-{PIL.__version__}.json")
    with open(name, "w") as f:
        text = json.dumps(out, indent=1)
        # one line per [cut, outcome] pair keeps the file readable
        text = re.sub(r"\[\n\s+(\d+),\n\s+(\"[^\"]*\")\n\s+\]", r"[\1, \2]", text)
        f.write(text + "\n")
    print(f"{name}: {len(out['cases'])} files", file=sys.stderr)
    try:
        import torch
    except ImportError:
        return
    x = torch.arange(256, dtype=torch.uint8)
    y = x.to(torch.float32).div(255).sub(torch.tensor(0.5)).div(torch.tensor(0.5))
    bits = [struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in y.tolist()]
    norm = {"generated_by": "tools/reference/image_goldens.py",
            "versions": {"torch": torch.__version__},
            "reference": "torch.arange(256, dtype=uint8).float().div(255).sub(0.5).div(0.5) (torchvision ToTensor + Normalize)",
            "float32_bits": bits}
    with open(os.path.join(OUT, "normalize-torch.json"), "w") as f:
        json.dump(norm, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
