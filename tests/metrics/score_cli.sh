#!/usr/bin/env bash
# score_cli.sh - `fewshot score` end to end: the fixture reports and every bad-input rule of
# docs/metrics-score.md (missing files, wrong shapes, unknown/duplicate ids, empty strings).
# Args: $1 the fewshot binary, $2 the tests folder, $3 a scratch folder.
set -u
bin=$1 tests=$2 tmp=$3
rm -rf "$tmp" && mkdir -p "$tmp"
fail=0 checks=0
# expect CODE PATTERN CMD...: runs CMD, checks the exit code and that stdout+stderr matches PATTERN.
expect() {
  local code=$1 pat=$2; shift 2
  checks=$((checks + 1))
  local out; out=$("$@" 2>&1); local rc=$?
  if [ "$rc" != "$code" ] || ! grep -qE -- "$pat" <<<"$out"; then
    echo "FAIL score_cli: '$*' exited $rc (want $code), output: $out (want /$pat/)" >&2
    fail=$((fail + 1))
  fi
}
v=$tests/fixtures/metrics/vqa_official
Q=$v/questions.json A=$v/annotations.json R=$v/results.json

# the fixture set: official 45.5, OpenFlamingo 50.5 (vqa_expected.json)
expect 0 '^\{"overall": 45\.5, "per_answer_type": \{"other": 48\.46, ' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$R" --json
expect 0 '"overall": 50\.5,' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$R" --json --variant openflamingo
expect 0 '"211752425": 100\.0' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$R" --json
expect 0 'Overall Accuracy is: 45\.50' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$R"

# usage errors
expect 2 'unknown variant' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$R" --variant nope
expect 2 'needs --questions' "$bin" score vqa --annotations "$A" --results "$R"
expect 2 'unknown metric' "$bin" score bleu
expect 0 'usage: fewshot score' "$bin" score --help

# files
expect 2 "$tmp/none.json: cannot open" "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/none.json"
printf '[{"question_id": 1,' > "$tmp/trunc.json"
expect 2 'trunc.json: not valid JSON' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/trunc.json"
printf '[] []' > "$tmp/two.json"
expect 2 'two.json: not valid JSON' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/two.json"
printf '{"question_id": 1}' > "$tmp/obj.json"
expect 2 'obj.json: expected an array' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/obj.json"
printf '[{"question_id": "211752425", "answer": "x"}]' > "$tmp/strid.json"
expect 2 "strid.json: \[0\]: missing or non-integer 'question_id'" "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/strid.json" --variant openflamingo
printf '[{"question_id": 211752425, "answer": 3}]' > "$tmp/numans.json"
expect 2 "missing string 'answer'" "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/numans.json" --variant openflamingo
printf '[{"question_id": 5, "answer": "x"}]' > "$tmp/unknown.json"
expect 2 'question_id 5 is not in' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/unknown.json" --variant openflamingo
printf '[{"question_id": 211752425, "answer": "x"}, {"question_id": 211752425, "answer": "y"}]' > "$tmp/dup.json"
expect 2 '\[1\]: duplicate result for question_id 211752425' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/dup.json" --variant openflamingo
printf '[{"question_id": 211752425, "answer": "a\\u0000b"}]' > "$tmp/nul.json"
expect 2 "missing string 'answer' \\(a JSON string without" "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/nul.json" --variant openflamingo
printf '{"questions": 3}' > "$tmp/q.json"
expect 2 "q.json: expected an object with a 'questions' array" "$bin" score vqa --questions "$tmp/q.json" --annotations "$A" --results "$R"
printf '\xff' > "$tmp/bin.json"
expect 2 'bin.json: not valid JSON' "$bin" score vqa --questions "$tmp/bin.json" --annotations "$A" --results "$R"
printf '["caf\xe9"]' > "$tmp/latin1.json"
expect 2 'latin1.json: not valid JSON: a string is not valid UTF-8' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/latin1.json"

# a subset of results: official refuses, OpenFlamingo scores only those; an empty answer scores 0
printf '[{"question_id": 211752425, "answer": ""}]' > "$tmp/one.json"
expect 2 'no result for question_id' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/one.json"
expect 0 '^\{"overall": 0\.0, .*"per_question": \{"211752425": 0\.0\}\}$' "$bin" score vqa --questions "$Q" --annotations "$A" --results "$tmp/one.json" --json --variant openflamingo

# annotation rules
cat > "$tmp/ann.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "what", "answers": [{"answer": "", "answer_id": 1}, {"answer": "", "answer_id": 2}]}]}
J
printf '{"questions": [{"question_id": 1, "question": "?"}]}' > "$tmp/q1.json"
printf '[{"question_id": 1, "answer": ""}]' > "$tmp/r1.json"
expect 2 "missing 'answer_type'" "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann.json" --results "$tmp/r1.json"
expect 0 '"per_answer_type": \{"other": 33\.33\}' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann.json" --results "$tmp/r1.json" --json --variant openflamingo
cat > "$tmp/ann2.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "w", "answer_type": "other", "answers": [{"answer": "a", "answer_id": 1}, {"answer": "b", "answer_id": 1}]}]}
J
expect 2 'answers\[1\]: duplicate answer_id 1' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann2.json" --results "$tmp/r1.json"
cat > "$tmp/ann3.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "w", "answer_type": "other", "answers": [{"answer": "a"}]}, {"question_id": 1, "question_type": "w", "answer_type": "other", "answers": [{"answer": "a"}]}]}
J
expect 2 'annotations\[1\]: duplicate question_id 1' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann3.json" --results "$tmp/r1.json"
cat > "$tmp/ann4.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "w", "answer_type": "other", "answers": []}]}
J
expect 2 "'answers' must be a non-empty array" "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann4.json" --results "$tmp/r1.json"
# all-empty human answers and an empty prediction: unanimous and equal, 100
cat > "$tmp/ann5.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "w", "answer_type": "other", "answers": [{"answer": "", "answer_id": 1}, {"answer": " ", "answer_id": 2}, {"answer": "", "answer_id": 3}, {"answer": "", "answer_id": 4}]}]}
J
expect 0 '"per_question": \{"1": 100\.0\}' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/ann5.json" --results "$tmp/r1.json" --json

# --okvqa-stem: the prediction "Riding horses" is stemmed to "ride horse" before scoring
cat > "$tmp/okann.json" <<'J'
{"annotations": [{"question_id": 1, "question_type": "what", "answer_type": "other", "answers": [{"answer": "ride horse", "answer_id": 1}, {"answer": "ride horse", "answer_id": 2}, {"answer": "ride horse", "answer_id": 3}, {"answer": "horse", "answer_id": 4}]}]}
J
printf '[{"question_id": 1, "answer": "Riding horses"}]' > "$tmp/okres.json"
expect 0 '"per_question": \{"1": 0\.0\}' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/okann.json" --results "$tmp/okres.json" --json --variant openflamingo
printf '[{"question_id": 1, "answer": "riding horses"}]' > "$tmp/okres2.json"
expect 0 '"per_question": \{"1": 75\.0\}' "$bin" score vqa --questions "$tmp/q1.json" --annotations "$tmp/okann.json" --results "$tmp/okres2.json" --json --variant openflamingo --okvqa-stem

# captions
c=$tests/fixtures/metrics/caption_official
CA=$c/annotations.json CR=$c/results.json
expect 0 '^\{"CIDEr": 1\.9720214052449598, "Bleu_1": 0\.9098360655712846, ' "$bin" score caption --annotations "$CA" --results "$CR" --json
expect 0 'CIDEr: 1\.972' "$bin" score caption --annotations "$CA" --results "$CR"
expect 2 'caption needs --annotations and --results' "$bin" score caption --results "$CR"
expect 2 "none.json: cannot open" "$bin" score caption --annotations "$tmp/none.json" --results "$CR"
printf '{"images": []}' > "$tmp/capann.json"
expect 2 "capann.json: expected an object with 'images' and 'annotations' arrays" "$bin" score caption --annotations "$tmp/capann.json" --results "$CR"
cat > "$tmp/cap1.json" <<'J'
{"images": [{"id": 1}, {"id": 2}, {"id": 3}], "annotations": [{"image_id": 1, "caption": "a dog on a bench"}, {"image_id": 1, "caption": "a dog"}, {"image_id": 2, "caption": "a cat"}]}
J
printf '[{"image_id": 9, "caption": "x"}]' > "$tmp/capr_unknown.json"
expect 2 'image_id 9 is not in' "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_unknown.json"
printf '[{"image_id": 1, "caption": "x"}, {"image_id": 1, "caption": "y"}]' > "$tmp/capr_dup.json"
expect 2 '\[1\]: duplicate result for image_id 1' "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_dup.json"
printf '[{"image_id": 3, "caption": "x"}]' > "$tmp/capr_noref.json"
expect 2 'image_id 3 has no reference captions' "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_noref.json"
printf '[{"image_id": 1, "caption": null}]' > "$tmp/capr_null.json"
expect 2 "missing string 'caption'" "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_null.json"
printf '[]' > "$tmp/capr_empty.json"
expect 2 'no results to score' "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_empty.json"
# an empty candidate is valid and scores 0; a subset of images is scored (OpenFlamingo's rule)
printf '[{"image_id": 1, "caption": ""}, {"image_id": 2, "caption": "a cat"}]' > "$tmp/capr_ok.json"
expect 0 '"per_image": \{"1": \{"CIDEr": 0\.0, "Bleu_1": ' "$bin" score caption --annotations "$tmp/cap1.json" --results "$tmp/capr_ok.json" --json

echo "score_cli: $checks checks, $fail failed"
[ "$fail" = 0 ]
