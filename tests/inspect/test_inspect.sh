#!/usr/bin/env bash
# fewshot inspect end to end: the committed tiny model, a generated sharded one, the full-size real
# layout (4 f32 shards with the real weight map, written sparse: ~200 KB on disk for 17.4 GB of
# tensors), layouts that do not match their config (exit 1 with the lists), malformed input (exit 2).
# Usage: test_inspect.sh FEWSHOT_BINARY TESTS_DIR SCRATCH_DIR
set -u
bin=$1 tests=$2 scratch=$3
mk=$(dirname "$bin")/fewshot-mkmodel
fails=0
fail() { echo "FAIL inspect: $*" >&2; fails=$((fails + 1)); }
rm -rf "$scratch" && mkdir -p "$scratch"
# run <want-exit> <what> <args...>: runs fewshot inspect, output in $scratch/out and $scratch/err
run() {
  local want=$1 what=$2; shift 2
  "$bin" inspect "$@" >"$scratch/out" 2>"$scratch/err"
  local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, want $want; stderr: $(head -c 400 "$scratch/err")"
}
has() { grep -qF -- "$2" "$scratch/out" || fail "$1: output lacks '$2'; got: $(head -c 600 "$scratch/out")"; }
err_has() { grep -qF -- "$2" "$scratch/err" || fail "$1: stderr lacks '$2'; got: $(head -c 400 "$scratch/err")"; }

# 1. the committed tiny model (bf16, tokenizer files are symlinks)
tiny=$tests/fixtures/models/tiny
run 0 "tiny" "$tiny"
has tiny "tensors     94 (BF16 94), 4406022 bytes of tensor data"
has tiny "parameters  vision tower 67840, resampler 30176, language model 2104995, total 2203011"
has tiny "layout      ok: the 94 expected tensors"
run 0 "tiny --json" "$tiny" --json
has "tiny json" '"n_tensors":94,"dtypes":{"BF16":94}'
has "tiny json" '"missing":[],"unexpected":[],"mis_shaped":[],"ok":true}'
[ "$(wc -l <"$scratch/out")" = 1 ] || fail "tiny --json: not one line"

# 2. a generated sharded tiny model
"$mk" "$scratch/sharded" --shards 3 --dtype f32 --seed 7 --lm-layers 3 --vision-layers 1 2>"$scratch/err" ||
  fail "mkmodel --shards 3: $(cat "$scratch/err")"
run 0 "sharded" "$scratch/sharded" --json
has sharded '"files":[{"name":"model-00001-of-00003.safetensors"'
has sharded '{"name":"model-00003-of-00003.safetensors"'
has sharded '"n_tensors":84,"dtypes":{"F32":84}'
has sharded '"ok":true}'
bytes=$(grep -o '"tensor_bytes":[0-9]*' "$scratch/out" | cut -d: -f2)
total=$(grep -o '"index_total_size":[0-9]*' "$scratch/out" | cut -d: -f2)
[ -n "$bytes" ] && [ "$bytes" = "$total" ] || fail "sharded: tensor_bytes '$bytes' != index_total_size '$total'"

# 3. the full-size layout: the real config.json and the real weight map, f32, sparse shards
full=$scratch/full
"$mk" "$full" --preset full --dtype f32 --sparse --no-tokenizer \
  --shard-map "$tests/fixtures/xgenmm/model.safetensors.index.json" 2>"$scratch/err" ||
  fail "mkmodel full: $(cat "$scratch/err")"
cp "$tests/fixtures/xgenmm/config.json" "$tests/fixtures/xgenmm/model.safetensors.index.json" "$full/"
run 0 "full" "$full"
has full "tensors     718 (F32 718), 17437028876 bytes of tensor data, index total_size 17437028876"
has full "parameters  vision tower 428225600, resampler 109901568, language model 3821130051, total 4359257219"
has full "model-00001-of-00004.safetensors (553 tensors"
has full "model-00002-of-00004.safetensors (66 tensors"
has full "model-00003-of-00004.safetensors (66 tensors"
has full "model-00004-of-00004.safetensors (33 tensors"
has full "layout      ok: the 718 expected tensors"
has full "LM          32 layers x 3072 wide, 32 heads (32 kv) x 96, MLP 8192, vocab 32064 rows (32012 used) + 3, rope 10000, window 2047"
used=$(du -sk "$full" | cut -f1)
[ "$used" -lt 10000 ] || fail "full: sparse shards use ${used} KB on disk"

# 4. layouts that do not match their config: exit 1 and every difference listed
"$mk" "$scratch/w3" --lm-layers 3 --vision-mlp 48 --no-tokenizer 2>/dev/null || fail "mkmodel w3"
"$mk" "$scratch/c2" --lm-layers 2 --no-tokenizer 2>/dev/null || fail "mkmodel c2"
cp "$scratch/c2/config.json" "$scratch/w3/config.json"  # config: 2 LM layers, MLP 64; weights: 3, 48
run 1 "extra layer + mis-shaped MLP" "$scratch/w3"
has mismatch "unexpected  vlm.lang_model.model.layers.2.mlp.down_proj.weight [32, 64] BF16"
has mismatch "mis-shaped  vlm.vision_encoder.encoder.layers.0.mlp.fc1.weight: expected [64, 32], got [48, 32]"
has mismatch "mis-shaped  vlm.vision_encoder.head.mlp.fc2.weight: expected [32, 64], got [32, 48]"
has mismatch "layout      MISMATCH against 94 expected tensors: 0 missing, 6 unexpected, 9 mis-shaped"
"$mk" "$scratch/c4" --lm-layers 4 --vision-mlp 48 --no-tokenizer 2>/dev/null || fail "mkmodel c4"
cp "$scratch/c4/config.json" "$scratch/w3/config.json"  # config: 4 LM layers -> layer 3 missing
run 1 "missing layer" "$scratch/w3" --json
has missing '"missing":[{"name":"vlm.lang_model.model.layers.3.input_layernorm.weight","shape":[32]}'
has missing '"unexpected":[],"mis_shaped":[],"ok":false}'

# 5. bad input: exit 2 with one line naming the file
run 2 "no config" "$tests/fixtures/images"
err_has "no config" "config.json: cannot open"
mkdir -p "$scratch/trunc" && cp "$tiny/config.json" "$scratch/trunc/"
head -c 1000 "$tiny/model.safetensors" >"$scratch/trunc/model.safetensors"
run 2 "truncated weights" "$scratch/trunc"
err_has "truncated weights" "model.safetensors: header length"
[ "$(wc -l <"$scratch/err")" = 1 ] || fail "truncated weights: error is not one line"
run 2 "bad option" "$tiny" --frobnicate
run 2 "no argument"
echo "inspect: $fails failures"
[ "$fails" = 0 ]
