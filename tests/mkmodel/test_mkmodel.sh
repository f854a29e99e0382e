#!/usr/bin/env bash
# fewshot-mkmodel end to end: the committed tiny model is reproducible from its recorded command
# (byte for byte), seeds change values, sharding does not (each tensor has its own random stream and
# shards are consecutive runs of the layout), bad sizes are refused with exit 2.
# Usage: test_mkmodel.sh FEWSHOT_BINARY TESTS_DIR SCRATCH_DIR
set -u
bin=$1 tests=$2 scratch=$3
mk=$(dirname "$bin")/fewshot-mkmodel
fails=0
fail() { echo "FAIL mkmodel: $*" >&2; fails=$((fails + 1)); }
rm -rf "$scratch" && mkdir -p "$scratch"
tiny=$tests/fixtures/models/tiny

"$mk" --help | grep -q "usage: fewshot-mkmodel" || fail "--help"
# the fixture's command (tests/fixtures/models/README.md)
"$mk" "$scratch/tiny" --seed 1 --lm-head-scale 8 --tokenizer-link ../../xgenmm 2>/dev/null || fail "regenerate tiny"
for f in model.safetensors config.json generation_config.json preprocessor_config.json; do
  cmp -s "$tiny/$f" "$scratch/tiny/$f" || fail "regenerated tiny/$f differs from the committed fixture"
done
[ "$(readlink "$scratch/tiny/tokenizer.json")" = "../../xgenmm/tokenizer.json" ] || fail "tokenizer symlink"
# copies by default, and the copies equal the real tokenizer files
"$mk" "$scratch/copy" --seed 1 2>/dev/null || fail "mkmodel copy"
for f in tokenizer.json tokenizer_config.json special_tokens_map.json added_tokens.json; do
  [ -f "$scratch/copy/$f" ] && [ ! -L "$scratch/copy/$f" ] && cmp -s "$scratch/copy/$f" "$tests/fixtures/xgenmm/$f" ||
    fail "copied $f"
done
# a different seed gives different values, the same layout
"$mk" "$scratch/seed2" --seed 2 --lm-head-scale 8 --no-tokenizer 2>/dev/null || fail "seed 2"
cmp -s "$tiny/model.safetensors" "$scratch/seed2/model.safetensors" && fail "seed 2 wrote the same weights as seed 1"
[ "$(stat -c %s "$tiny/model.safetensors")" = "$(stat -c %s "$scratch/seed2/model.safetensors")" ] || fail "seed 2 size"
# data section of a file: everything after the 8-byte length and the header
data() { local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' '); tail -c +$((8 + n + 1)) "$1"; }
"$mk" "$scratch/one" --seed 5 --dtype f32 --no-tokenizer 2>/dev/null || fail "one file"
"$mk" "$scratch/four" --seed 5 --dtype f32 --shards 4 --no-tokenizer 2>/dev/null || fail "four shards"
[ "$(ls "$scratch/four"/model-0000?-of-00004.safetensors | wc -l)" = 4 ] || fail "four shard files"
cmp -s <(data "$scratch/one/model.safetensors") \
       <(for k in 1 2 3 4; do data "$scratch/four/model-0000$k-of-00004.safetensors"; done) ||
  fail "sharding changed the tensor values"
cmp -s "$scratch/one/config.json" "$scratch/four/config.json" || fail "sharding changed config.json"
# refused sizes
bad() { "$mk" "$scratch/bad" "$@" --no-tokenizer >/dev/null 2>"$scratch/err"; local rc=$?
        [ "$rc" = 2 ] || fail "'$*': exit $rc, want 2"; }
bad --lm-width 30 --lm-heads 4
bad --vision-width 33
bad --lm-kv-heads 3
bad --dtype f64
bad --patch-size 500
bad --shards 0
bad --lm-width
bad --frobnicate
grep -q "unknown or incomplete option" "$scratch/err" || fail "unknown option message"
echo "mkmodel: $fails failures"
[ "$fails" = 0 ]
