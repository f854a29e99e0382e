#!/usr/bin/env bash
# CLI conventions of design.md §6: --help and --version exit 0, every subcommand answers --help
# with exit 0 and a usage line, unknown subcommands and flags exit 2 with one line on stderr.
# And the OpenMP wait policy (cli_prefer_passive_wait): the subcommands that run the model restart
# themselves with passive waiting unless OMP_WAIT_POLICY is set; the others do not (libgomp's
# OMP_DISPLAY_ENV=verbose shows the spin count each process started with: 0 when passive).
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
spincounts() { # the GOMP_SPINCOUNT of each process started, in order
  env -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=verbose "$@" 2>&1 >/dev/null | sed -n "s/^ *GOMP_SPINCOUNT = '\(.*\)'/\1/p" | tr '\n' ' '
}
for cmd in eval generate demo bench; do
  got=$(spincounts "$bin" "$cmd" --no-such-flag)
  [ "$(echo $got | wc -w)" = 2 ] && [ "$(echo $got | awk '{print $NF}')" = 0 ] ||
    { echo "FAIL cli: $cmd does not run with passive OpenMP waiting (spin counts: $got)" >&2; fails=$((fails+1)); }
done
got=$(spincounts "$bin" tokenize --no-such-flag)
[ "$(echo $got | wc -w)" = 1 ] || { echo "FAIL cli: tokenize restarted itself (spin counts: $got)" >&2; fails=$((fails+1)); }
got=$(OMP_WAIT_POLICY=active OMP_DISPLAY_ENV=verbose "$bin" eval --no-such-flag 2>&1 | grep -c "GOMP_SPINCOUNT")
[ "$got" = 1 ] || { echo "FAIL cli: eval restarted itself although OMP_WAIT_POLICY was set" >&2; fails=$((fails+1)); }
rm -f /tmp/fewshot_cli_out.$$ /tmp/fewshot_cli_err.$$
echo "cli: $fails failures"
[ "$fails" = 0 ]
