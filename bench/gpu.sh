#!/usr/bin/env bash
# bench/gpu.sh - the whole GPU check of issue #8 in one go, for a borrowed GPU machine (performance.md
# §4.5): build (Release, CUDA) and the gpu tests (tests/gpu/run.sh), the correctness gate (§4.3), then
# fewshot's benchmark and the PyTorch baseline interleaved A/B/A/B (M1-M3 ours, M1-M3 theirs, M4-M5
# ours, M4-M5 theirs), a markdown summary (ours, theirs, ratio, fraction of the bound). Every step is
# time-boxed against one deadline (default 480 s from the start), so the summary is always written.
#
#   bash bench/gpu.sh [--budget SECONDS] [--out DIR] [--build-dir DIR] [--device cuda|cuda-f32]
#   bash bench/gpu.sh --cpu-smoke      # the same steps on this CPU with tiny shapes (a few minutes)
#
# Output (DIR = $OUT on a device machine, else bench-out/; 7 files, within the device tool's 8):
# summary.md (also printed last), log.txt (every step's output, nvidia-smi before and after),
# ours.jsonl and theirs.jsonl (both runs of each, JSON lines of bench/README.md), gate.jsonl,
# gpu-summary.txt and gpu-tests.log (tests/gpu/run.sh's). Exit status: 0 when every step ran (the
# gate may still have failed: see the summary), 1 when a step failed or was cut by the deadline, 2
# when nothing could be built.
#
# The device machine reaches no package registry. Before the call, on a developer machine:
#   bash tests/gpu/fetch-debs.sh       (the build dependencies, carried as tests/gpu/debs)
# The PyTorch baseline needs torch and transformers importable by $PYTHON (default python3; the
# workplace's GPU image has torch 2.11 and transformers 5.17); without them the baseline steps are
# skipped and the summary says so.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
T0=$(date +%s)
BUDGET=""
SMOKE=0
DEVICE=cuda
BUILD=""
OUTDIR="${OUT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-smoke) SMOKE=1 ;;
    --budget) BUDGET="$2"; shift ;;
    --out) OUTDIR="$2"; shift ;;
    --build-dir) BUILD="$2"; shift ;;
    --device) DEVICE="$2"; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "gpu.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$OUTDIR" ] || OUTDIR="$ROOT/bench-out"
[ -n "$BUDGET" ] || BUDGET=$([ "$SMOKE" = 1 ] && echo 1800 || echo 480) # the smoke run may build CUDA on 2 cores
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
WORK="${TMPDIR:-/tmp}/fewshot-gpu-bench.$$"
mkdir -p "$WORK"
LOG="$OUTDIR/log.txt"
: >"$LOG"
FAILED=0
STEPS=()

say() { printf '[%4ds] %s\n' "$(($(date +%s) - T0))" "$*" | tee -a "$LOG" >&2; }
left() { echo $((T0 + BUDGET - $(date +%s))); }
# step NAME SECONDS CMD...: runs CMD with its output in the log, killed after min(SECONDS, time left - 15)
step() {
  local name="$1" want="$2"
  shift 2
  local avail=$(($(left) - 15))
  [ "$want" -lt "$avail" ] || want=$avail
  if [ "$want" -lt 5 ]; then
    say "$name: skipped (deadline)"
    STEPS+=("$name: skipped (deadline)")
    FAILED=1
    return 124
  fi
  say "$name: start (at most ${want} s)"
  local t=$(date +%s)
  timeout -s INT -k 10 "$want" "$@" >>"$LOG" 2>&1
  local rc=$?
  say "$name: exit $rc after $(($(date +%s) - t)) s"
  STEPS+=("$name: exit $rc, $(($(date +%s) - t)) s")
  return $rc
}
smi() {
  if command -v nvidia-smi >/dev/null 2>&1; then
    { echo "== nvidia-smi $1"; nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,power.draw,memory.used,memory.total,temperature.gpu --format=csv; } \
      >>"$LOG" 2>&1
  fi
}

# ---------------------------------------------------------------- shapes
if [ "$SMOKE" = 1 ]; then
  DEVICE=cpu
  [ -n "$BUILD" ] || BUILD="$ROOT/build-smoke"
  PYTHON="${PYTHON:-$([ -x /opt/ref/venv/bin/python ] && echo /opt/ref/venv/bin/python || echo python3)}"
  PYDEV=cpu
  SHAPE=(--preset tiny --threads 2)
  OURS_M123=(--m1-batches 2,4 --m2-shapes 2x149,1x300 --m3-batches 2 --m3-prompts 149 --m3-steps 4
             --warmup 1 --reps 3 --case-budget 20)
  THEIRS_M123=(--m1-batches 2,4 --m2-shapes 2x149,1x300 --m3-batches 2 --m3-prompts 149 --m3-diff 2
               --warmup 1 --reps 3 --case-budget 20 --threads 2)
  OURS_M45=(--m4-shots 0,4,8 --m4-samples 8 --m4-batch 4 --m4-pool 16 --warmup 1 --case-budget 20)
  THEIRS_M45=(--m4-shots 0,4,8 --m4-samples 4 --m4-batch 2 --case-budget 20 --threads 2)
  GATE_SIZE=(--preset tiny)
  export OMP_WAIT_POLICY=passive
else
  [ -n "$BUILD" ] || BUILD="$ROOT/build-gpu"
  PYTHON="${PYTHON:-python3}"
  PYDEV=cuda
  SHAPE=(--preset full)
  # performance.md §4.4 shapes; M3 times 8 steps per case (2 more are warm-up); M4 runs as many of 256
  # samples as 15 s allow per configuration and pass, then extrapolates
  OURS_M123=(--m1-batches 9,45,64,256 --m2-shapes 64x149,16x761,16x1373,4x3321 --m3-batches 8,32,64,128
             --m3-prompts 149,1373 --m3-steps 8 --warmup 2 --reps 5 --case-budget 12)
  THEIRS_M123=(--m1-batches 9,45,64,256 --m2-shapes 64x149,16x761,16x1373,4x3321 --m3-batches 8,32,64,128
               --m3-prompts 149,1373 --m3-diff 4 --warmup 1 --reps 3 --case-budget 12)
  OURS_M45=(--m4-shots 0,4,8 --m4-samples 256 --m4-batch 32 --m4-pool 2048 --case-budget 15)
  THEIRS_M45=(--m4-shots 0,4,8 --m4-samples 128 --m4-batch 8 --case-budget 15)
  GATE_SIZE=(--preset full --vision-layers 2 --resampler-depth 1 --lm-layers 2)
fi
say "gpu.sh: $([ "$SMOKE" = 1 ] && echo 'CPU smoke run' || echo "device $DEVICE"), budget ${BUDGET} s, output $OUTDIR"
smi before

# ---------------------------------------------------------------- 1. build + gpu tests
mkdir -p "$BUILD"
export FEWSHOT_GPU_OUT="$OUTDIR" PYTHONUNBUFFERED=1
step "build + gpu tests (tests/gpu/run.sh)" $([ "$SMOKE" = 1 ] && echo 1500 || echo 300) bash "$ROOT/tests/gpu/run.sh" "$BUILD"
RUN_RC=$?
unset FEWSHOT_GPU_OUT
case $RUN_RC in
  0) say "gpu tests: all passed" ;;
  3) say "gpu tests: no usable CUDA device (built; tests skipped)$([ "$SMOKE" = 1 ] && echo ': expected in a CPU smoke run')" ;;
  2) say "build failed: see $LOG"; FAILED=1 ;;
  *) say "gpu tests: exit $RUN_RC (failures or cut short): see $OUTDIR/gpu-summary.txt and $LOG"; FAILED=1 ;;
esac
[ "$SMOKE" = 1 ] && [ "$RUN_RC" = 3 ] && RUN_RC=0
BIN="$BUILD/fewshot"
MK="$BUILD/fewshot-mkmodel"
if [ ! -x "$BIN" ] || [ ! -x "$MK" ]; then
  say "no fewshot binary in $BUILD: nothing to benchmark"
  { echo "# fewshot GPU benchmark: not run"; echo; echo "The build failed (tests/gpu/run.sh exit $RUN_RC); log: $LOG"; } >"$OUTDIR/summary.md"
  cat "$OUTDIR/summary.md"
  exit 2
fi

# ---------------------------------------------------------------- torch?
HAVE_TORCH=0
TORCH_WHY=""
if TORCH_WHY=$("$PYTHON" -c 'import torch, transformers; print(f"torch {torch.__version__}, transformers {transformers.__version__}, cuda available: {torch.cuda.is_available()}")' 2>&1); then
  HAVE_TORCH=1
  say "baseline: $PYTHON has $TORCH_WHY"
  if [ "$PYDEV" = cuda ] && ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    HAVE_TORCH=0
    TORCH_WHY="torch sees no CUDA device"
  fi
else
  TORCH_WHY="$(echo "$TORCH_WHY" | tail -1)"
fi
[ "$HAVE_TORCH" = 1 ] || say "PyTorch baseline SKIPPED: $PYTHON cannot run it ($TORCH_WHY)"

# ---------------------------------------------------------------- 2. correctness gate (reduced depth, full width)
GATE_NOTE=""
if step "gate: checkpoint" 60 "$MK" "$WORK/gate-model" "${GATE_SIZE[@]}" --no-vision-head --no-tokenizer --lm-head-scale 8 &&
   step "gate: fewshot" 60 "$BIN" bench --device "$DEVICE" --gate-model "$WORK/gate-model" --gate-out "$WORK/gate-ours.safetensors"; then
  if [ "$HAVE_TORCH" = 1 ]; then
    step "gate: transformers float32" 90 "$PYTHON" "$ROOT/bench/pytorch_baseline.py" gate --model "$WORK/gate-model" \
      --ours "$WORK/gate-ours.safetensors" --device "$PYDEV" --context-bf16 --out "$OUTDIR/gate.jsonl"
    case $? in 0) ;; 1) GATE_NOTE="the correctness gate FAILED: see the gate table" ;; *) GATE_NOTE="the gate did not finish"; FAILED=1 ;; esac
  else
    GATE_NOTE="gate not compared: no PyTorch ($TORCH_WHY)"
  fi
else
  GATE_NOTE="gate: fewshot's side did not run (see $LOG)"
  FAILED=1
fi
rm -rf "$WORK/gate-model"

# ---------------------------------------------------------------- 3-6. A/B/A/B
"$BIN" bench "${SHAPE[@]}" --write-config "$WORK/config.json" >>"$LOG" 2>&1
: >"$OUTDIR/ours.jsonl"
: >"$OUTDIR/theirs.jsonl"
# budget NAME SECONDS: sets TB, the measurement time a run gets (its --time-budget); fails (and records
# the skip) when too little is left
budget() {
  TB=$(($(left) - 40))
  [ "$TB" -lt "$2" ] || TB=$2
  if [ "$TB" -lt 5 ]; then
    say "$1: skipped (deadline)"
    STEPS+=("$1: skipped (deadline)")
    FAILED=1
    return 1
  fi
}
ours() { # ours NAME SECONDS ARGS...: fewshot bench, its lines appended to ours.jsonl
  local name="$1" tb
  budget "$1" "$2" || return
  tb=$TB
  shift 2
  step "$name" $((tb + 30)) "$BIN" bench --device "$DEVICE" "${SHAPE[@]}" --time-budget "$tb" --out "$WORK/part.jsonl" "$@" || FAILED=1
  cat "$WORK/part.jsonl" >>"$OUTDIR/ours.jsonl" 2>/dev/null
  rm -f "$WORK/part.jsonl"
}
theirs() { # theirs NAME SECONDS ARGS...: the PyTorch baseline, appended to theirs.jsonl
  local name="$1" tb
  if [ "$HAVE_TORCH" != 1 ]; then
    STEPS+=("$name: skipped (no PyTorch: $TORCH_WHY)")
    return
  fi
  budget "$1" "$2" || return
  tb=$TB
  shift 2
  step "$name" $((tb + 30)) "$PYTHON" "$ROOT/bench/pytorch_baseline.py" --device "$PYDEV" \
    --config "$WORK/config.json" --time-budget "$tb" --out "$WORK/part.jsonl" "$@" || FAILED=1
  cat "$WORK/part.jsonl" >>"$OUTDIR/theirs.jsonl" 2>/dev/null
  rm -f "$WORK/part.jsonl"
}
ours "ours M1-M3" 75 --metrics M1,M2,M3 "${OURS_M123[@]}"
theirs "theirs M1-M3" 75 --metrics M1,M2,M3 "${THEIRS_M123[@]}"
ours "ours M4-M5" 70 --metrics M4,M5 "${OURS_M45[@]}"
theirs "theirs M4-M5" 60 --metrics M4,M5 "${THEIRS_M45[@]}"
smi after

# ---------------------------------------------------------------- summary
CARD="$(command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
[ -n "$CARD" ] || CARD="no GPU ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), $(nproc) cores)"
{
  python3 "$ROOT/bench/summarize.py" --title "fewshot vs PyTorch: ${CARD}, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    --ours "$OUTDIR/ours.jsonl" --theirs "$OUTDIR/theirs.jsonl" --gate "$OUTDIR/gate.jsonl" \
    $([ "$SMOKE" = 1 ] && echo --no-targets) 2>>"$LOG"
  echo
  [ -n "$GATE_NOTE" ] && echo "Note: $GATE_NOTE."
  [ "$HAVE_TORCH" = 1 ] || echo "**PyTorch baseline not run**: $PYTHON could not import torch and transformers or use the device ($TORCH_WHY)."
  echo
  echo "Steps (total $(($(date +%s) - T0)) s of a ${BUDGET} s budget):"
  for s in "${STEPS[@]}"; do echo "- $s"; done
  [ -f "$OUTDIR/gpu-summary.txt" ] && { echo; echo '```'; cat "$OUTDIR/gpu-summary.txt"; echo '```'; }
} >"$OUTDIR/summary.md"
cat "$OUTDIR/summary.md"
rm -rf "$WORK"
exit $FAILED
