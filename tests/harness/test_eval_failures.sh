#!/usr/bin/env bash
# Samples that cannot run are recorded as failed, with the reason, counted, and the run goes on:
# one unreadable (truncated) query image, and prompts over --max-prompt-tokens. The tiny bundled
# model on a copy of the mini VQAv2 set whose image folder holds one truncated file.
set -u
bin=$1 tests=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch/val2014"
fails=0
fail() { echo "FAIL eval_failures: $*" >&2; fails=$((fails + 1)); }
export OMP_WAIT_POLICY=passive
cp -L "$tests"/fixtures/datasets/images/coco/val2014/* "$scratch/val2014/"
bad=$scratch/val2014/COCO_val2014_000000000042.jpg
head -c 2000 "$bad" > "$bad.part" && mv "$bad.part" "$bad"      # truncated: decoding fails
# The demo config with absolute paths, VQAv2's test images taken from the copy.
sed -e "s|\.\./tests/|$tests/|g" \
    -e "s|\"test_image_dir\": \"$tests/fixtures/datasets/images/coco/val2014\"|\"test_image_dir\": \"$scratch/val2014\"|" \
    "$tests/../configs/demo.json" > "$scratch/config.json"
grep -q "\"test_image_dir\": \"$scratch/val2014\"" "$scratch/config.json" || fail "could not point the config at the copy"
"$bin" eval --config "$scratch/config.json" --tasks vqav2 --shots 0,4 --seeds 42 --max-prompt-tokens 400 \
  --quiet --no-progress --reference none --out "$scratch/run" > "$scratch/out" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "the run must go on and succeed, exit $rc: $(tail -3 "$scratch/out")"
r0=$scratch/run/records/vqav2-0shot-seed42.jsonl r4=$scratch/run/records/vqav2-4shot-seed42.jsonl
n0=$(grep -c '"status":"failed"' "$r0") ; ok0=$(grep -c '"status":"ok"' "$r0")
[ "$n0" = 2 ] && [ "$ok0" = 10 ] || fail "0-shot: $n0 failed / $ok0 ok, want 2 / 10 (the two questions on the truncated image)"
grep '"status":"failed"' "$r0" | grep -q 'COCO_val2014_000000000042.jpg' || fail "0-shot: the reason names the file: $(grep failed "$r0" | head -1)"
n4=$(grep -c '"status":"failed"' "$r4")
[ "$n4" = 12 ] || fail "4-shot: $n4 failed, want 12 (every prompt is over 400 tokens, or has the bad image)"
grep -q 'max_prompt_tokens\|tokens' "$r4" || fail "4-shot: the reason names the limit: $(head -c 400 "$r4")"
grep -Eq '"n_failed":[[:space:]]+\[2\]' "$scratch/run/summary.json" || fail "summary counts the 0-shot failures: $(grep -A1 n_failed "$scratch/run/summary.json" | head -4)"
grep -q '+2' "$scratch/out" || fail "the table flags the failed samples: $(grep ours "$scratch/out")"
echo "eval_failures: $fails failures"
[ "$fails" = 0 ]
