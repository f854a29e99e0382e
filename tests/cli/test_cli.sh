#!/usr/bin/env bash
# CLI conventions of design.md §6: --help and --version exit 0, every subcommand answers --help
# with exit 0 and a usage line, unknown subcommands and flags exit 2 with one line on stderr.
set -u
bin=$1
fails=0
check() { # check <expected-exit> <description> <command...>
  local want=$1 what=$2; shift 2
  "$@" >/tmp/fewshot_cli_out.$$ 2>/tmp/fewshot_cli_err.$$
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL cli: $what: exit $got, want $want; stderr: $(head -c 300 /tmp/fewshot_cli_err.$$)" >&2
    fails=$((fails + 1))
  fi
}
check 0 "--help" "$bin" --help
check 0 "--version" "$bin" --version
grep -q "^fewshot [0-9]" /tmp/fewshot_cli_out.$$ || { echo "FAIL cli: --version output" >&2; fails=$((fails+1)); }
check 2 "no arguments" "$bin"
check 2 "unknown subcommand" "$bin" frobnicate
for cmd in eval merge table compare score prompts generate tokenize preprocess inspect demo bench; do
  check 0 "$cmd --help" "$bin" "$cmd" --help
  grep -q "usage: fewshot $cmd" /tmp/fewshot_cli_out.$$ || { echo "FAIL cli: $cmd --help has no usage line" >&2; fails=$((fails+1)); }
done
rm -f /tmp/fewshot_cli_out.$$ /tmp/fewshot_cli_err.$$
echo "cli: $fails failures"
[ "$fails" = 0 ]
