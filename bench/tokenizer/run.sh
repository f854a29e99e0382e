#!/usr/bin/env bash
# bench/tokenizer/run.sh - tokenizer throughput on English text (issue #5: >= 5 MB/s per core).
#
#   bash bench/tokenizer/run.sh [BUILD_DIR] [MODEL_DIR]
#
# Builds a ~1 MB English corpus from the licence texts every Debian system ships
# (/usr/share/common-licenses: GPL-3, GFDL-1.3, Apache-2.0, MPL-2.0, LGPL-2.1, Artistic, 8 times),
# runs `fewshot tokenize --bench` on 1 thread and on all cores, and, when the reference Python env
# exists (/opt/ref/venv), Hugging Face tokenizers on the same text for comparison. Results go to
# stdout; bench/tokenizer/README.md records them with the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
model=${2:-$root/tests/fixtures/xgenmm}
corpus=$(mktemp /tmp/fewshot_tok_corpus.XXXXXX)
trap 'rm -f "$corpus"' EXIT
lic=/usr/share/common-licenses
for _ in 1 2 3 4 5 6 7 8; do cat "$lic/GPL-3" "$lic/GFDL-1.3" "$lic/Apache-2.0" "$lic/MPL-2.0" "$lic/LGPL-2.1" "$lic/Artistic"; done >"$corpus"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $(wc -c <"$corpus") bytes, sha256 $(sha256sum "$corpus" | cut -c1-16)"
echo "--- fewshot, 1 thread"
"$build/fewshot" tokenize --model "$model" --bench "$corpus" --threads 1
echo "--- fewshot, $(nproc) threads"
"$build/fewshot" tokenize --model "$model" --bench "$corpus" --threads "$(nproc)"
if [ -x /opt/ref/venv/bin/python ]; then
  echo "--- Hugging Face tokenizers (encode of the whole text, then encode_batch of the lines)"
  /opt/ref/venv/bin/python - "$model/tokenizer.json" "$corpus" <<'PY'
import sys, time, tokenizers
from tokenizers import Tokenizer
tk = Tokenizer.from_file(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
n = len(text.encode())
t0 = time.perf_counter(); reps = 0
while time.perf_counter() - t0 < 1.0:
    tk.encode(text); reps += 1
whole = n * reps / (time.perf_counter() - t0) / 1e6
lines = text.split("\n")
t0 = time.perf_counter(); reps = 0
while time.perf_counter() - t0 < 1.0:
    tk.encode_batch(lines); reps += 1
batch = n * reps / (time.perf_counter() - t0) / 1e6
print("tokenizers %s: whole text %.2f MB/s (1 thread), lines with encode_batch %.2f MB/s (its own thread pool)"
      % (tokenizers.__version__, whole, batch))
PY
fi
