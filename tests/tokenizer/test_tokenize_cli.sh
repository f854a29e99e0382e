#!/usr/bin/env bash
# test_tokenize_cli.sh - `fewshot tokenize` end to end: the output formats of every mode (README
# "tokenize"), JSON lines in order across batches, and exit codes / messages on bad input.
# Expected ids come from Hugging Face tokenizers (tests/fixtures/tokenizer/hf_goldens.json, model.md §10).
# Arguments: the fewshot binary, the tests folder, a scratch folder.
set -u
bin=$1 tests=$2 scratch=$3
model=$tests/fixtures/xgenmm
mkdir -p "$scratch"
fails=0
fail() { echo "FAIL tokenize_cli: $*" >&2; fails=$((fails + 1)); }
expect() { # expect <description> <wanted stdout> <command...>
  local what=$1 want=$2; shift 2
  local got
  got=$("$@" 2>"$scratch/err")
  local rc=$?
  [ $rc = 0 ] || fail "$what: exit $rc: $(head -c 300 "$scratch/err")"
  [ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
}
expect_error() { # expect_error <description> <exit code> <stderr substring> <command...>
  local what=$1 code=$2 needle=$3; shift 3
  "$@" >"$scratch/out" 2>"$scratch/err" </dev/null
  local rc=$?
  [ $rc = "$code" ] || fail "$what: exit $rc, want $code"
  grep -qF -- "$needle" "$scratch/err" || fail "$what: stderr '$(head -c 300 "$scratch/err")' lacks '$needle'"
  [ "$(wc -l <"$scratch/err")" -ge 1 ] || fail "$what: nothing on stderr"
}

# encode: plain, JSON, pieces, stdin
expect "plain" "15043 445 338 263 1243" "$bin" tokenize --model "$model" "Hello this is a test"
expect "space after <image>" "32012 29871 894 29901 921" "$bin" tokenize --model "$model" "<image> Question: x"
expect "json" '{"ids": [32010, 22172, 2, 3186]}' "$bin" tokenize --model "$model" --json "<|user|>  hello</s>  world"
expect "empty text" "" "$bin" tokenize --model "$model" ""
expect "pieces" "$(printf '15043\t"\xe2\x96\x81Hello"\n13\t"<0x0A>"')" "$bin" tokenize --model "$model" --pieces "Hello
"
expect "stdin as one text" "29871 13 10994 13" sh -c "printf '\nHello\n' | '$bin' tokenize --model '$model' -"
expect "no xgenmm tokens" "529 3027 29958" "$bin" tokenize --model "$model" --no-xgenmm-tokens "<image>"
expect "-- then a text that looks like a flag" "1192 3126" "$bin" tokenize --model "$model" -- "--json"

# decode
expect "decode" "$(printf '\nThe Red <|endofchunk|><|endoftext|>')" "$bin" tokenize --model "$model" --decode "13 1576 4367 29871 32014 32000"
expect "decode skip special" "$(printf '\nThe Red ')" "$bin" tokenize --model "$model" --decode --skip-special "[13, 1576, 4367, 29871, 32014, 32000]"
expect "decode json" '{"text": "\n猫"}' "$bin" tokenize --model "$model" --decode --json "13 234 143 174"
expect "decode stdin" "Hello world" sh -c "echo '15043 3186' | '$bin' tokenize --model '$model' --decode -"

# JSON lines, in order
printf '%s\n' '{"text": "Hello world"}' '{"text": "<image>Question:What is it? Short answer:"}' '{"text": "caf\u00e9 \ud83d\ude42", "id": 7}' \
  >"$scratch/in.jsonl"
want=$(printf '%s\n' '{"ids": [15043, 3186]}' '{"ids": [32012, 894, 29901, 5618, 338, 372, 29973, 13899, 1234, 29901]}' \
  '{"ids": [274, 28059, 29871, 243, 162, 156, 133]}')
expect "json lines" "$want" sh -c "'$bin' tokenize --model '$model' --json - <'$scratch/in.jsonl'"
printf '%s\n' '{"ids": [15043, 3186]}' '{"ids": [32012, 894]}' >"$scratch/ids.jsonl"
expect "json lines decode" "$(printf '%s\n' '{"text": "Hello world"}' '{"text": "<image> Question"}')" \
  sh -c "'$bin' tokenize --model '$model' --json --decode - <'$scratch/ids.jsonl'"
expect "json lines decode skip" "$(printf '%s\n' '{"text": "Hello world"}' '{"text": "Question"}')" \
  sh -c "'$bin' tokenize --model '$model' --json --decode --skip-special - <'$scratch/ids.jsonl'"
# 10000 lines (more than one batch) on 2 threads: encode, decode back, same texts in the same order
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"text\": \"line %d: a photo of %d cats\\tand\\n%d dogs\"}\n", i, i % 7, i }' \
  >"$scratch/many.jsonl"
"$bin" tokenize --model "$model" --json --threads 2 - <"$scratch/many.jsonl" >"$scratch/many.ids" || fail "many lines: encode"
"$bin" tokenize --model "$model" --json --decode --threads 2 - <"$scratch/many.ids" >"$scratch/many.back" || fail "many lines: decode"
[ "$(wc -l <"$scratch/many.ids")" = 10000 ] || fail "many lines: $(wc -l <"$scratch/many.ids") output lines"
sed 's/^{"text": /{"text": /' "$scratch/many.jsonl" | cmp -s - "$scratch/many.back" || fail "many lines: decode(encode) differs or is out of order"

# errors: exit 2 and a line naming what is wrong
expect_error "no --model" 2 "--model DIR is required" "$bin" tokenize "x"
expect_error "no text" 2 "give TEXT or '-'" "$bin" tokenize --model "$model"
expect_error "unknown flag" 2 "unknown option '--frob'" "$bin" tokenize --model "$model" --frob x
expect_error "missing model folder" 2 "/nonexistent/tokenizer.json: cannot open" "$bin" tokenize --model /nonexistent x
expect_error "bad id" 2 "ids[1]: 40000 is not a token id" "$bin" tokenize --model "$model" --decode "1 40000"
expect_error "not ids" 2 "expected token ids" "$bin" tokenize --model "$model" --decode "1 two"
printf '%s\n' '{"text": "ok"}' 'not json' >"$scratch/bad.jsonl"
"$bin" tokenize --model "$model" --json - <"$scratch/bad.jsonl" >"$scratch/out" 2>"$scratch/err"
[ $? = 2 ] || fail "bad JSON line: exit code"
grep -qF "stdin:2: expected a JSON object" "$scratch/err" || fail "bad JSON line: '$(cat "$scratch/err")'"
[ "$(cat "$scratch/out")" = '{"ids": [3431]}' ] || fail "bad JSON line: lines before it are still written"
printf '%s\n' '{"txt": "x"}' >"$scratch/bad2.jsonl"
expect_error "missing text field" 2 "stdin:1: missing string field 'text'" sh -c "'$bin' tokenize --model '$model' --json - <'$scratch/bad2.jsonl'"
printf '%s\n' '{"text": "a\u0000b"}' >"$scratch/bad3.jsonl"
expect_error "NUL in JSON" 2 "stdin:1: 'text' holds a NUL" sh -c "'$bin' tokenize --model '$model' --json - <'$scratch/bad3.jsonl'"
printf '{"text": "a\xffb"}\n' >"$scratch/bad4.jsonl"
expect_error "invalid UTF-8" 2 "stdin:1: text: invalid UTF-8 at byte 1" sh -c "'$bin' tokenize --model '$model' --json - <'$scratch/bad4.jsonl'"

echo "tokenize_cli: $fails failures"
[ "$fails" = 0 ]
