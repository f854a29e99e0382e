#!/usr/bin/env bash
# test_device_cli.sh - `fewshot generate --device ...` from the command line, on any machine:
#   - an unknown device is a usage error (exit 2) naming the accepted ones;
#   - --device cuda and cuda-f32 either run (a GPU is present: exit 0, a continuation on stdout) or
#     fail cleanly (no GPU, or a build without CUDA: exit 3, one line on stderr mentioning CUDA),
#     never a crash.
# Arguments (fewshot_script_test): $1 the fewshot binary, $2 the tests folder, $3 a scratch folder.
set -u
bin="$1"
cd "$2"
scratch="$3"
mkdir -p "$scratch"
fail=0
args=(generate --model fixtures/models/tiny --image fixtures/images/photos/coins.png --prompt "<image>A photo of"
  --max-new-tokens 3)
"$bin" "${args[@]}" --device tpu >/dev/null 2>"$scratch/stderr"
rc=$?
if [ "$rc" != 2 ] || ! grep -q "cuda-f32" "$scratch/stderr"; then
  echo "FAIL: --device tpu: exit $rc, stderr: $(cat "$scratch/stderr")"
  fail=1
fi
for dev in cuda cuda-f32; do
  "$bin" "${args[@]}" --device "$dev" >"$scratch/stdout" 2>"$scratch/stderr"
  rc=$?
  if [ "$rc" = 0 ]; then
    echo "--device $dev: ran on a GPU: $(cat "$scratch/stdout")"
  elif [ "$rc" = 3 ] && [ "$(wc -l <"$scratch/stderr")" = 1 ] && grep -q "CUDA" "$scratch/stderr"; then
    echo "--device $dev: refused cleanly: $(cat "$scratch/stderr")"
  else
    echo "FAIL: --device $dev: exit $rc, stderr: $(cat "$scratch/stderr")"
    fail=1
  fi
done
rm -f "$scratch/stderr" "$scratch/stdout"
[ "$fail" = 0 ] && echo "device_cli: 3 checks passed"
exit "$fail"
