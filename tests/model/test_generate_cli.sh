#!/bin/bash
# test_generate_cli.sh - `fewshot generate` end to end on the tiny model with real images, against
# the real pipeline (tools/reference/generate_reference.py: Pillow, the HF tokenizer, transformers
# 4.41.1 generate): the printed text and the generated ids (--ids, on stderr) must be identical.
# Also checks usage errors (exit 2, one line naming the problem).
# Arguments: $1 the fewshot binary, $2 the tests folder, $3 a scratch folder.
set -u
bin=$1 tests=$2 scratch=$3
mkdir -p "$scratch"
cd "$tests" || exit 1
fail=0
check() { # name golden.json args...
  local name=$1 golden=$2
  shift 2
  local want_text want_ids got_text got_ids
  want_text=$(sed -n 's/^ "text": "\(.*\)"$/\1/p' "$golden")
  want_ids=$(sed -n 's/^ "ids_line": "\(.*\)",$/\1/p' "$golden")
  got_text=$(OMP_WAIT_POLICY=passive "$bin" generate --model fixtures/models/tiny "$@" --ids 2>"$scratch/$name.err")
  local rc=$?
  got_ids=$(tail -n 1 "$scratch/$name.err")
  if [ $rc -ne 0 ] || [ "$got_text" != "$want_text" ] || [ "$got_ids" != "$want_ids" ]; then
    echo "FAIL $name: rc $rc"
    echo "  text: got  '$got_text'"; echo "        want '$want_text'"
    echo "  ids:  got  '$got_ids'"; echo "        want '$want_ids'"
    fail=$((fail + 1))
  else
    echo "ok $name: $got_text"
  fi
}
check beam3 fixtures/model_golden/generate_cli.json \
  --image fixtures/images/photos/rocket.jpg --image fixtures/images/photos/chelsea.png \
  --prompt "<image>A short description of this image in one sentence:A rocket.<|endofchunk|><image>A short description of this image in one sentence:" \
  --max-new-tokens 8 --beams 3
check greedy fixtures/model_golden/generate_cli_greedy.json \
  --image fixtures/images/photos/coins.png --prompt "<image>Question:What is in the image? Short answer:" \
  --max-new-tokens 10

usage() { # name expected-stderr-substring args...
  local name=$1 want=$2
  shift 2
  "$bin" generate "$@" >/dev/null 2>"$scratch/$name.err"
  local rc=$?
  if [ $rc -ne 2 ] || ! grep -q -- "$want" "$scratch/$name.err"; then
    echo "FAIL usage $name: rc $rc, stderr: $(head -c 300 "$scratch/$name.err")"
    fail=$((fail + 1))
  else
    echo "ok usage $name"
  fi
}
usage count "the prompt has 2 <image> but 1 --image" --model fixtures/models/tiny \
  --image fixtures/images/photos/coins.png --prompt "<image>a<image>b"
usage no_model "--model and --prompt are required" --prompt "x"
usage bad_image "nonexistent.jpg" --model fixtures/models/tiny --image nonexistent.jpg --prompt "<image>x"
usage bad_device "--device" --model fixtures/models/tiny --prompt "x" --device tpu
usage bad_stop "--stop" --model fixtures/models/tiny --prompt "x" --stop 99999999

echo "$((7 - fail)) passed, $fail failed"
[ $fail -eq 0 ]
