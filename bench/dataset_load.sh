#!/usr/bin/env bash
# dataset_load.sh - loads a synthetic VQAv2 train split of the real size with our streaming adapter and
# with cJSON, and prints wall time and peak resident memory of each (bench/dataset_load.md).
#
#   bash bench/dataset_load.sh [SCRATCH_DIR]     # after cmake --build build; needs ~400 MB of disk
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-$root/build/bench-dataset-load}
mkdir -p "$scratch"
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/datasets" $(pkg-config --cflags libcjson) \
  "$root/bench/dataset_load.c" "$root/build/datasets/libfewshot_datasets.a" "$root/build/metrics/libfewshot_metrics.a" \
  $(pkg-config --libs libcjson) -lm -o "$scratch/dataset_load"
[ -s "$scratch/data/annotations.json" ] || "$scratch/dataset_load" gen "$scratch/data"
ls -l "$scratch/data"/*.json | awk '{printf "%s: %.1f MB\n", $NF, $5 / 1e6}'
cat "$scratch/data"/*.json > /dev/null # page cache warm for both runs
for mode in ours cjson; do
  /usr/bin/time -v "$scratch/dataset_load" $mode "$scratch/data" 2> "$scratch/time_$mode.txt"
  grep -E "User time|System time|Elapsed \(wall|Maximum resident" "$scratch/time_$mode.txt" | sed "s/^\s*/  $mode: /"
done
echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM"
