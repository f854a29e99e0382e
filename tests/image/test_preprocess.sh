#!/usr/bin/env bash
# `fewshot preprocess` end to end: output names, sizes and bytes (sha256 from the Pillow goldens:
# tests/fixtures/images/manifest.json for the legacy default, goldens/pillow-13.0.0.json for
# --pillow 13), the f32 layout, a failing file among good ones, usage errors.
set -u
bin=$1 tests=$2 scratch=$3
img=$tests/fixtures/images
fails=0
fail() { echo "FAIL preprocess: $*" >&2; fails=$((fails + 1)); }
rm -rf "$scratch" && mkdir -p "$scratch/u8" "$scratch/f32" "$scratch/p13"

"$bin" preprocess "$img/photos/rocket.jpg" "$img/edge/chelsea_palette.png" "$img/edge/tall_24x1536.png" \
  --out-dir "$scratch/u8" >"$scratch/out.txt" 2>"$scratch/err.txt" || fail "u8 run exited $?: $(cat "$scratch/err.txt")"
grep -qx "$scratch/u8/rocket.jpg.u8 640x427 RGB" "$scratch/out.txt" || fail "stdout: $(cat "$scratch/out.txt")"
grep -qx "$scratch/u8/chelsea_palette.png.u8 451x300 P" "$scratch/out.txt" || fail "stdout: no palette line"
[ "$(stat -c %s "$scratch/u8/rocket.jpg.u8")" = 442368 ] || fail "rocket.jpg.u8 is not 384*384*3 bytes"
check_sha() { # check_sha <file> <want>
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || fail "$1: sha256 $got, want $2"
}
check_sha "$scratch/u8/rocket.jpg.u8" 51a5e315b8c59636a8caab31a3fb58205201b15ac9569c9d620f6fda54158c48
check_sha "$scratch/u8/chelsea_palette.png.u8" 0b34e20f8f53db093c2a03c17deaddf0b87298cb8dd066049fbb8bd304e64095
check_sha "$scratch/u8/tall_24x1536.png.u8" 910db936b147d5426ffb7fcb2b95aeb59a6510a2d29a19549cd631c584ff8e80

# --out-dir with trailing slashes: the paths are joined with one slash ("u8//x.u8" before)
"$bin" preprocess "$img/photos/rocket.jpg" --out-dir "$scratch/u8//" >"$scratch/out.txt" 2>&1 || fail "--out-dir u8//: $(cat "$scratch/out.txt")"
grep -qx "$scratch/u8/rocket.jpg.u8 640x427 RGB" "$scratch/out.txt" || fail "--out-dir u8//: stdout: $(cat "$scratch/out.txt")"

# Pillow 13 resizes this tall image vertically first: another result
"$bin" preprocess --pillow 13 --jobs 1 "$img/edge/tall_24x1536.png" --out-dir "$scratch/p13" >/dev/null ||
  fail "--pillow 13 run failed"
check_sha "$scratch/p13/tall_24x1536.png.u8" e89fbc9d9f3d16a7d293aff73800fadb5a4ee0fd502ccdb10757b48c7bcf9081

# f32: 3*384*384 floats, CHW; the first value is (R(0,0)/255 - 0.5)/0.5 of the u8 output
"$bin" preprocess "$img/photos/rocket.jpg" --out-dir "$scratch/f32" --format f32 >/dev/null || fail "f32 run failed"
[ "$(stat -c %s "$scratch/f32/rocket.jpg.f32")" = 1769472 ] || fail "rocket.jpg.f32 is not 3*384*384*4 bytes"
r0=$(od -An -tu1 -N1 "$scratch/u8/rocket.jpg.u8" | tr -d ' ')
g0=$(od -An -tu1 -j1 -N1 "$scratch/u8/rocket.jpg.u8" | tr -d ' ')
f_r0=$(od -An -tf4 -N4 "$scratch/f32/rocket.jpg.f32" | tr -d ' ')
f_g0=$(od -An -tf4 -j$((384 * 384 * 4)) -N4 "$scratch/f32/rocket.jpg.f32" | tr -d ' ')
awk -v p="$r0" -v f="$f_r0" 'BEGIN { d = (p / 255 - 0.5) / 0.5 - f; exit !(d < 1e-6 && d > -1e-6) }' ||
  fail "f32[0] = $f_r0, u8 R = $r0"
awk -v p="$g0" -v f="$f_g0" 'BEGIN { d = (p / 255 - 0.5) / 0.5 - f; exit !(d < 1e-6 && d > -1e-6) }' ||
  fail "f32 plane 1 [0] = $f_g0, u8 G = $g0"

# a corrupt file among good ones: exit 2, one error line naming it, the others still written
rm -f "$scratch/u8"/*
"$bin" preprocess "$img/photos/rocket.jpg" "$img/edge/truncated.jpg" "$img/pngsuite/basn0g16.png" \
  --out-dir "$scratch/u8" >"$scratch/out.txt" 2>"$scratch/err.txt"
rc=$?
[ "$rc" = 2 ] || fail "corrupt input: exit $rc, want 2"
[ "$(wc -l <"$scratch/err.txt")" = 1 ] || fail "corrupt input: stderr has $(wc -l <"$scratch/err.txt") lines"
grep -q "truncated.jpg: JPEG: image file is truncated" "$scratch/err.txt" || fail "stderr: $(cat "$scratch/err.txt")"
[ -f "$scratch/u8/rocket.jpg.u8" ] && [ -f "$scratch/u8/basn0g16.png.u8" ] || fail "good files not written"
[ ! -e "$scratch/u8/truncated.jpg.u8" ] || fail "output written for the corrupt file"

# usage errors
"$bin" preprocess "$img/photos/rocket.jpg" 2>/dev/null; [ $? = 2 ] || fail "no --out-dir: want exit 2"
"$bin" preprocess "$img/photos/rocket.jpg" --out-dir "$scratch/u8" --format png 2>/dev/null
[ $? = 2 ] || fail "--format png: want exit 2"
"$bin" preprocess --out-dir "$scratch/u8" 2>/dev/null; [ $? = 2 ] || fail "no images: want exit 2"
"$bin" preprocess "$img/photos/rocket.jpg" --out-dir "$scratch/nonexistent" 2>/dev/null
[ $? = 2 ] || fail "missing out dir: want exit 2"

echo "preprocess: $fails failures"
[ "$fails" = 0 ]
