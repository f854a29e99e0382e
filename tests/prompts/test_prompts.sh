#!/usr/bin/env bash
# `fewshot prompts` on the mini datasets: every task prints its prompts; the demos of a known case are
# OpenFlamingo's (fixtures/datasets/goldens/openflamingo_sampling.json: vqav2, seed 42, 1 rank, batch 8,
# 4 shots, query set 16 -> sample 74000 gets 25001 78001 64000 71000); --limit, --json, --expand;
# bad input exits 2 with one line. Args: <fewshot> <tests dir> <scratch dir>.
set -u
bin=$1
tests=$2
scratch=$3
mkdir -p "$scratch"
cd "$tests" || exit 1
cfg=fixtures/datasets/mini.json
fails=0
fail() { echo "FAIL prompts_cli: $*" >&2; fails=$((fails + 1)); }

for task in vqav2 okvqa textvqa coco nocaps textcaps; do
  for shots in 0 4; do
    out=$("$bin" prompts --config $cfg --task $task --shots $shots --seed 42 2>"$scratch/err")
    rc=$?
    [ $rc = 0 ] || fail "$task $shots shots: exit $rc: $(head -c 300 "$scratch/err")"
    n=$(grep -c '^== sample ' <<<"$out")
    [ "$n" = 12 ] || fail "$task $shots shots: $n samples, want 12"
    # every prompt ends with the query turn
    last=$(tail -1 <<<"$out")
    case $task in
      vqav2|okvqa|textvqa) [[ $last == "<image>Question:"*" Short answer:" ]] || fail "$task: query line '$last'" ;;
      *) [ "$last" = "<image>Output:" ] || fail "$task: query line '$last'" ;;
    esac
  done
done

# The mini config with absolute paths, for variants written to the scratch folder.
sed "s#\": \"\(vqav2\|okvqa\|textvqa\|coco\|nocaps\|textcaps\|images\)/#\": \"$tests/fixtures/datasets/\1/#g" $cfg > "$scratch/abs.json"
# The golden case: a query set of 16.
sed 's/"query_set_size": 24/"query_set_size": 16/' "$scratch/abs.json" > "$scratch/q16.json"
out=$("$bin" prompts --config "$scratch/q16.json" --task vqav2 --shots 4 --seed 42 --limit 1)
grep -q '^== sample 74000 ' <<<"$out" || fail "golden case: first sample is not 74000: $out"
grep -q '^demos: 25001 78001 64000 71000$' <<<"$out" || fail "golden case: demos differ from OpenFlamingo's: $out"
[ "$(grep -c '^== sample ' <<<"$out")" = 1 ] || fail "--limit 1"
# 4 demos with images + the query: 5 <image> markers, 5 image files
[ "$(grep -o '<image>' <<<"$out" | wc -l)" = 5 ] || fail "golden case: 5 <image> markers"

out=$("$bin" prompts --config $cfg --task textcaps --shots 2 --seed 7 --limit 3 --json)
[[ $out == '{"task":"textcaps","shots":2,"seed":7,'* ]] || fail "--json prefix: ${out:0:80}"
[ "$(grep -o '"prompt":' <<<"$out" | wc -l)" = 3 ] || fail "--json: 3 samples"
[ "$(wc -l <<<"$out")" = 1 ] || fail "--json: one line"

out=$("$bin" prompts --config $cfg --task coco --shots 1 --seed 1 --limit 1 --expand)
[ "$(grep -o '<image placeholder>' <<<"$out" | wc -l)" = 254 ] || fail "--expand: 2 images x 127 placeholders"

# zero-shot: text-only demos, one image
out=$("$bin" prompts --config $cfg --task vqav2 --shots 0 --seed 42 --limit 1)
[ "$(grep -o '<image>' <<<"$out" | wc -l)" = 1 ] || fail "zero-shot: one <image>"
grep -q '^Question:.* Short answer:.*<|endofchunk|>$' <<<"$out" || fail "zero-shot: text-only demo lines"

check_bad() { # check_bad <want in stderr> <args...>
  local want=$1; shift
  "$bin" prompts "$@" >/dev/null 2>"$scratch/err"
  local rc=$?
  [ $rc = 2 ] || fail "$*: exit $rc, want 2"
  [ "$(wc -l <"$scratch/err")" -ge 1 ] && grep -q -- "$want" "$scratch/err" || fail "$*: stderr lacks '$want': $(head -c 300 "$scratch/err")"
}
check_bad "required" --config $cfg --task vqav2
check_bad "not one of" --config $cfg --task flickr --shots 0 --seed 1
check_bad "No such file" --config fixtures/datasets/none.json --task vqav2 --shots 0 --seed 1
check_bad "expected an integer" --config $cfg --task vqav2 --shots x --seed 1
# missing images are found up front and counted
mkdir -p "$scratch/val2014"
sed "s#\"$tests/fixtures/datasets/images/coco/val2014\"#\"$scratch/val2014\"#" "$scratch/abs.json" > "$scratch/missing.json"
check_bad "12 of 12 image files are missing" --config "$scratch/missing.json" --task vqav2 --shots 4 --seed 1
"$bin" prompts --config "$scratch/missing.json" --task vqav2 --shots 4 --seed 1 --no-check-images >/dev/null 2>&1 || fail "--no-check-images"

echo "prompts_cli: $fails failures"
[ $fails = 0 ]
