#!/usr/bin/env python3
"""image_inputs.py - writes the generated test images of tests/fixtures/images/generated/.

Covers every PNG colour type and bit depth Pillow maps to a mode (1/2/4/8/16-bit gray, gray+alpha,
RGB, RGBA, 1/2/4/8-bit palette), tRNS, Adam7 interlacing, and JPEGs Pillow can write (gray, RGB
4:4:4 / 4:2:2 / 4:2:0, progressive, optimised, restart markers, RGB without YCbCr, CMYK), at odd
sizes and extreme aspect ratios. Pixel content is cut from the chelsea/rocket photos of the
fixtures plus deterministic patterns, so resampling errors show.

PNGs are written by the small encoder below (so exotic bit depths and Adam7 are exact, whatever
Pillow can save); JPEGs by Pillow. The files are committed; rerun only to change the set:

    /opt/ref/venv/bin/python tools/reference/image_inputs.py     # from the repository root

Then regenerate the goldens (tools/reference/image_goldens.py).
"""
import os
import struct
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "tests", "fixtures", "images")
OUT = os.path.join(FIX, "generated")

CHELSEA = Image.open(os.path.join(FIX, "photos", "chelsea.png")).convert("RGB")
ROCKET = Image.open(os.path.join(FIX, "photos", "rocket.jpg")).convert("RGB")


def photo(w, h, src=CHELSEA):
    """An RGB uint8 array (h, w, 3): the photo squashed to w x h."""
    return np.asarray(src.resize((w, h), Image.BICUBIC), dtype=np.uint8)


def pattern(w, h, seed):
    """A float array (h, w) in [0, 1): smooth waves plus hard-edged blocks plus a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    v = 0.5 + 0.25 * np.sin(x / (3.0 + w / 9.0)) * np.cos(y / (2.0 + h / 7.0))
    v += 0.2 * (((x // 5) + (y // 3)) % 2)
    v += 0.05 * rng.random((h, w))
    return np.clip(v, 0.0, 0.999)


# ---- a minimal PNG writer: any colour type and bit depth, filter 0, optional Adam7 ----

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, bit_depth):
    """samples: (h, w, c) unsigned ints -> list of packed row bytes (big-endian for 16 bit)."""
    h, w, c = samples.shape
    rows = []
    for r in range(h):
        flat = samples[r].reshape(-1)
        if bit_depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per = 8 // bit_depth
            n = (len(flat) + per - 1) // per
            out = bytearray(n)
            for i, v in enumerate(flat):
                out[i // per] |= int(v) << (8 - bit_depth * (i % per + 1))
            rows.append(bytes(out))
    return rows


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(name, samples, bit_depth, color_type, interlace=False, plte=None, trns=None):
    if samples.ndim == 2:
        samples = samples[:, :, None]
    h, w, _ = samples.shape
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            raw += b"".join(b"\0" + r for r in pack_rows(sub, bit_depth))
    else:
        raw = b"".join(b"\0" + r for r in pack_rows(samples, bit_depth))
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if plte is not None:
        data += chunk(b"PLTE", bytes(np.asarray(plte, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def gray(w, h, seed, levels):
    """Gray samples in [0, levels): half photo luminance, half pattern."""
    lum = photo(w, h).astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 256.0
    v = 0.6 * lum + 0.4 * pattern(w, h, seed)
    return np.minimum((v * levels).astype(np.int64), levels - 1)


def smooth_gray(w, h):
    """8-bit gray that compresses well: waves and blocks, no noise, no photo."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    v = 0.5 + 0.3 * np.sin(x / 7.0) * np.cos(y / 11.0) + 0.15 * (((x // 16) + (y // 12)) % 2)
    return np.clip(v * 256, 0, 255).astype(np.int64)


def alpha(w, h):
    """An alpha plane with transparent, opaque and graded regions."""
    y, x = np.mgrid[0:h, 0:w]
    a = (255 * x / max(w - 1, 1)).astype(np.int64)
    a[(y * 3) // max(h, 1) == 1] = 0  # a fully transparent band
    a[(y * 5) // max(h, 1) == 4] = 255  # an opaque band
    return a


def make_pngs():
    # gray, every bit depth
    for bits, (w, h) in [(1, (37, 23)), (2, (41, 29)), (4, (43, 31)), (8, (53, 35))]:
        write_png(f"gray{bits}_{w}x{h}.png", gray(w, h, bits, 1 << bits), bits, 0)
    # 16-bit gray: the full range, and small values around 0..600 where clipping to 255 and the
    # negative lobes of the kernel matter
    g = gray(47, 33, 16, 65536)
    write_png("gray16_47x33.png", g, 16, 0)
    write_png("gray16low_45x37.png", gray(45, 37, 17, 600), 16, 0)
    write_png("gray16_interlaced_29x19.png", gray(29, 19, 18, 65536), 16, 0, interlace=True)
    # gray + alpha
    write_png("graya8_39x27.png", np.dstack([gray(39, 27, 20, 256), alpha(39, 27)]), 8, 4)
    ga16 = np.dstack([gray(33, 41, 21, 65536), alpha(33, 41) * 257 + 100 * (alpha(33, 41) < 255)])
    write_png("graya16_33x41.png", ga16, 16, 4)
    # RGB
    rgb = photo(61, 43)
    write_png("rgb8_61x43.png", rgb, 8, 2)
    rgb16 = photo(35, 27).astype(np.int64) * 257 + (np.arange(35)[None, :, None] * 7) % 256
    write_png("rgb16_35x27.png", rgb16, 16, 2)
    write_png("rgb8_interlaced_31x23.png", photo(31, 23), 8, 2, interlace=True)
    # RGBA
    write_png("rgba8_57x39.png", np.dstack([photo(57, 39), alpha(57, 39)]), 8, 6)
    rgba16 = np.dstack([photo(29, 37).astype(np.int64) * 257, alpha(29, 37) * 257])
    write_png("rgba16_29x37.png", rgba16, 16, 6)
    write_png("rgba16_interlaced_27x25.png", rgba16[:25, :27], 16, 6, interlace=True)
    # palette, every bit depth; a short palette, and indices past its end (Pillow shows black)
    rng = np.random.default_rng(7)
    for bits, (w, h) in [(1, (35, 21)), (2, (37, 23)), (4, (39, 25)), (8, (41, 27))]:
        n = 1 << bits
        plte = rng.integers(0, 256, (n, 3))
        idx = gray(w, h, 30 + bits, n)
        write_png(f"pal{bits}_{w}x{h}.png", idx, bits, 3, plte=plte)
    write_png("pal4_interlaced_33x17.png", gray(33, 17, 40, 16), 4, 3, interlace=True,
              plte=rng.integers(0, 256, (16, 3)))
    write_png("pal8_shortplte_23x19.png", gray(23, 19, 41, 256), 8, 3, plte=rng.integers(0, 256, (200, 3)))
    # tRNS on each kind that can have it: pixel values must be unaffected
    write_png("gray8_trns_31x17.png", gray(31, 17, 50, 256), 8, 0, trns=struct.pack(">H", 128))
    write_png("rgb8_trns_29x21.png", photo(29, 21), 8, 2, trns=struct.pack(">HHH", 10, 20, 30))
    write_png("pal8_trns_27x23.png", gray(27, 23, 51, 64), 8, 3, plte=rng.integers(0, 256, (64, 3)),
              trns=bytes(rng.integers(0, 256, 40).astype(np.uint8)))
    write_png("gray1_interlaced_trns_21x13.png", gray(21, 13, 52, 2), 1, 0, interlace=True,
              trns=struct.pack(">H", 1))
    # sizes: 1x1 of several types, lines, extreme aspect ratios, exact 384, +-1 around it, 2x
    write_png("gray8_1x1.png", np.array([[77]]), 8, 0)
    write_png("rgba8_1x1.png", np.array([[[200, 100, 50, 128]]]), 8, 6)
    write_png("gray16_1x1.png", np.array([[40000]]), 16, 0)
    write_png("rgb8_1x97.png", photo(1, 97), 8, 2)
    write_png("rgb8_97x1.png", photo(97, 1), 8, 2)
    write_png("rgb8_3x700.png", photo(3, 700), 8, 2)
    write_png("rgb8_700x3.png", photo(700, 3), 8, 2)
    write_png("gray8_2x1000.png", gray(2, 1000, 60, 256), 8, 0)
    write_png("gray8_384x384.png", smooth_gray(384, 384), 8, 0)
    write_png("gray8_385x383.png", smooth_gray(385, 383), 8, 0)
    write_png("gray8_383x385.png", smooth_gray(383, 385), 8, 0)
    write_png("gray8_192x192.png", gray(192, 192, 64, 256), 8, 0)
    write_png("rgba8_300x50.png", np.dstack([photo(300, 50), alpha(300, 50)]), 8, 6)
    write_png("rgba8_50x300.png", np.dstack([photo(50, 300), alpha(50, 300)]), 8, 6)


def make_jpegs():
    def save(name, im, **kw):
        im.save(os.path.join(OUT, name), "JPEG", **kw)

    rgb = Image.fromarray(photo(640, 480, ROCKET))
    save("rocket_640x480_q90_420.jpg", rgb, quality=90, subsampling=2)
    big = Image.fromarray(photo(301, 217))
    save("chelsea_301x217_444.jpg", big, quality=85, subsampling=0)
    save("chelsea_301x217_422.jpg", big, quality=85, subsampling=1)
    save("chelsea_301x217_420_progressive.jpg", big, quality=80, subsampling=2, progressive=True)
    save("chelsea_301x217_optimized.jpg", big, quality=75, optimize=True)
    save("chelsea_301x217_restart.jpg", big, quality=85, restart_marker_blocks=3)
    save("chelsea_301x217_keeprgb.jpg", big, quality=90, keep_rgb=True)
    save("chelsea_301x217_gray.jpg", big.convert("L"), quality=85)
    save("chelsea_301x217_cmyk.jpg", big.convert("CMYK"), quality=90)
    save("chelsea_17x9_420.jpg", Image.fromarray(photo(17, 9)), quality=95)
    save("rocket_1x700.jpg", Image.fromarray(photo(1, 700, ROCKET)), quality=90)
    save("rocket_700x1.jpg", Image.fromarray(photo(700, 1, ROCKET)), quality=90)
    save("rocket_1023x7.jpg", Image.fromarray(photo(1023, 7, ROCKET)), quality=90)
    save("rocket_9x700_cmyk.jpg", Image.fromarray(photo(9, 700, ROCKET)).convert("CMYK"), quality=90)
    save("rocket_1000x700_420.jpg", Image.fromarray(photo(1000, 700, ROCKET)), quality=80)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_pngs()
    make_jpegs()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")
