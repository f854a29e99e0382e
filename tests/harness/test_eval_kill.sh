#!/usr/bin/env bash
# The run loop end to end with the real binary and the tiny bundled model (configs/demo.json):
#   - an uninterrupted run A;
#   - run B killed with SIGKILL mid-run, then `eval --resume`: every records file and the summary
#     byte-identical to A's (no sample lost, none duplicated, same scores);
#   - shards 0/2 and 1/2 joined by `fewshot merge`: records and summary identical to A's;
#   - `eval` into a used folder without --resume refuses (exit 2).
set -u
bin=$1 tests=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
fails=0
fail() { echo "FAIL eval_kill: $*" >&2; fails=$((fails + 1)); }
common=(--config "$tests/../configs/demo.json" --tasks vqav2,coco --shots 0,4 --seeds 42 --num-samples 8
        --quiet --no-progress --reference none --fsync every)
export OMP_WAIT_POLICY=passive

"$bin" eval "${common[@]}" --out "$scratch/a" > "$scratch/a.out" 2>&1 || fail "run A failed: $(tail -3 "$scratch/a.out")"

"$bin" eval "${common[@]}" --out "$scratch/b" > "$scratch/b1.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do   # wait until some records exist, then kill
  n=$(cat "$scratch"/b/records/*.jsonl 2>/dev/null | wc -l)
  [ "$n" -ge 5 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
before=$(cat "$scratch"/b/records/*.jsonl 2>/dev/null | wc -l)
[ "$before" -ge 5 ] && [ "$before" -lt 32 ] || fail "the kill did not land mid-run ($before of 32 records written)"
"$bin" eval "${common[@]}" --out "$scratch/b" > "$scratch/b2.out" 2>&1 && fail "eval into a used folder without --resume must refuse"
[ -n "$(grep -- '--resume' "$scratch/b2.out")" ] || fail "the refusal names --resume: $(cat "$scratch/b2.out")"
"$bin" eval "${common[@]}" --out "$scratch/b" --resume > "$scratch/b3.out" 2>&1 || fail "resume failed: $(tail -3 "$scratch/b3.out")"

"$bin" eval "${common[@]}" --out "$scratch/b" --resume --shots 0 > "$scratch/b4.out" 2>&1
[ $? = 2 ] || fail "resume with another config must refuse with exit 2"
grep -q 'differs' "$scratch/b4.out" || fail "the refusal says what differs: $(cat "$scratch/b4.out")"
for f in summary.json summary.csv summary.svg openflamingo_results.json run.json; do
  [ -s "$scratch/a/$f" ] || fail "run A has no $f"
done

# run.json's device: the engine's own description of where it ran (on a GPU: the card's name and
# memory), here the CPU, next to the CPU's model and the thread count
tr -d '\n' < "$scratch/a/run.json" | grep -Eq '"device":[[:space:]]*\{[^}]*"kind":[[:space:]]*"cpu"' || fail "run.json: device.kind is not cpu"
grep -Eq '^[[:space:]]*"description":[[:space:]]*"cpu \(float32 reference\), ' "$scratch/a/run.json" ||
  fail "run.json: no device.description from the engine: $(grep -A6 '"device"' "$scratch/a/run.json")"
grep -Eq '^[[:space:]]*"cpu":[[:space:]]*"[^"]+"' "$scratch/a/run.json" || fail "run.json: no device.cpu"

for s in 0 1; do
  "$bin" eval "${common[@]}" --shard "$s/2" --out "$scratch/shard$s" > "$scratch/s$s.out" 2>&1 || fail "shard $s failed: $(tail -3 "$scratch/s$s.out")"
done
"$bin" merge --reference none --out "$scratch/m" "$scratch/shard0" "$scratch/shard1" > "$scratch/m.out" 2>&1 || fail "merge failed: $(tail -3 "$scratch/m.out")"

for run in b m; do
  for f in "$scratch"/a/records/*.jsonl "$scratch"/a/records/*.cell.json "$scratch/a/summary.json"; do
    g=${f/"$scratch/a/"/"$scratch/$run/"}
    cmp -s "$f" "$g" || fail "$run: $(basename "$g") differs from the uninterrupted run's"
  done
done
n=$(cat "$scratch"/a/records/*.jsonl | wc -l)
[ "$n" = 32 ] || fail "run A holds $n records, want 32"
echo "eval_kill: killed after $before records; $fails failures"
[ "$fails" = 0 ]
