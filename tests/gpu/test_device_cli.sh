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
fail=0
args=(generate --model fixtures/models/tiny --image fixtures/images/photos/coins.png --prompt "<image>A photo of"
  --max-new-tokens 3)
"$bin" "${args[@]}" --device tpu >/dev/null 2>"$3.err"
rc=$?
if [ "$rc" != 2 ] || ! grep -q "cuda-f32" "$3.err"; then
  echo "FAIL: --device tpu: exit $rc, stderr: $(cat "$3.err")"
  fail=1
fi
for dev in cuda cuda-f32; do
  "$bin" "${args[@]}" --device "$dev" >"$3.out" 2>"$3.err"
  rc=$?
  if [ "$rc" = 0 ]; then
    echo "--device $dev: ran on a GPU: $(cat "$3.out")"
  elif [ "$rc" = 3 ] && [ "$(wc -l <"$3.err")" = 1 ] && grep -q "CUDA" "$3.err"; then
    echo "--device $dev: refused cleanly: $(cat "$3.err")"
  else
    echo "FAIL: --device $dev: exit $rc, stderr: $(cat "$3.err")"
    fail=1
  fi
done
rm -f "$3.err" "$3.out"
[ "$fail" = 0 ] && echo "device_cli: 3 checks passed"
exit "$fail"
