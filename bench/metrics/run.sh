#!/usr/bin/env bash
# run.sh - the `fewshot score` benchmark: ours (C) and the Python references on the same data, same
# machine. Usage: bash bench/metrics/run.sh [DATA_DIR]   (needs a built build/ and /opt/ref/venv;
# the official VQA code is run from a checkout given by VQA_REPO, OpenFlamingo's vqa_metric.py by
# OF_VQA_METRIC). Prints one line per measurement; results are copied into bench/metrics/RESULTS.md by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-/tmp/fewshot-bench-data}
[ -f "$data/vqa_annotations.json" ] || python3 "$root/bench/metrics/gen_bench_data.py" "$data"
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$root/metrics" -I"$root/harness" "$root/bench/metrics/bench_score.c" \
    "$root/build/harness/libfewshot_harness.a" "$root/build/metrics/libfewshot_metrics.a" -lm -o "$data/bench_score"
echo "== ours"
"$data/bench_score" "$data"
for v in official openflamingo; do
  /usr/bin/time -f "fewshot score vqa --variant $v (CLI) %e s wall, %U s user + %S s sys, max RSS %M KB" "$root/build/fewshot" score vqa \
    --questions "$data/vqa_questions.json" --annotations "$data/vqa_annotations.json" --results "$data/vqa_results.json" --variant $v >/dev/null
done
/usr/bin/time -f "fewshot score caption (CLI) %e s wall, %U s user + %S s sys, max RSS %M KB" "$root/build/fewshot" score caption \
  --annotations "$data/cap_annotations.json" --results "$data/cap_results.json" >/dev/null
echo "== Python references"
/opt/ref/venv/bin/python "$root/bench/metrics/run_python_refs.py" "$data" "${VQA_REPO:-/tmp/ref/VQA}" "${OF_VQA_METRIC:-/tmp/ref/of_vqa_metric.py}"
