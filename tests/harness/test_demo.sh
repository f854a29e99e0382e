#!/usr/bin/env bash
# `fewshot demo` as the README's first command runs it: from another folder, finding its bundled
# files itself; every cell of the six tasks x shots 0, 4 x two seeds complete, the table printed,
# the run directory's files written; a second demo replaces the first; a wrong --source-dir is
# refused with exit 2.
set -u
bin=$1 tests=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
fails=0
fail() { echo "FAIL demo: $*" >&2; fails=$((fails + 1)); }
cd "$scratch" || exit 1
start=$(date +%s)
"$bin" demo --no-progress > out.txt 2> err.txt || fail "demo failed: $(tail -3 err.txt)"
took=$(( $(date +%s) - start ))
grep -q '^| ours: demo | 0 |' out.txt || fail "no table row for the demo: $(head -20 out.txt)"
grep -q '^| xGen-MM-base | 0 | 43.1 |' out.txt || fail "no card rows"
[ "$(ls results/demo/records/*.jsonl | wc -l)" = 24 ] || fail "want 24 records files, got $(ls results/demo/records/*.jsonl | wc -l)"
[ "$(cat results/demo/records/*.jsonl | wc -l)" = 288 ] || fail "want 288 records"
grep -q '"complete":[[:space:]]*false' results/demo/summary.json && fail "an incomplete cell in the summary"
for f in run.json summary.json summary.csv summary.svg openflamingo_results.json; do
  [ -s "results/demo/$f" ] || fail "no results/demo/$f"
done
"$bin" demo --quiet > out2.txt 2>&1 || fail "a second demo failed: $(tail -3 out2.txt)"
[ "$(cat results/demo/records/*.jsonl | wc -l)" = 288 ] || fail "the second demo did not replace the first"
"$bin" demo --source-dir "$scratch/nowhere" > out3.txt 2>&1
[ $? = 2 ] || fail "a wrong --source-dir must exit 2"
echo "demo: ${took}s; $fails failures"
[ "$fails" = 0 ]
