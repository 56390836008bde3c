#!/bin/bash
# selftest is differential: a finding the clean kernel also shows in the same cell does not
# kill a mutant. The noop-marker mutant (a comment in fs/dax.c) and the clean kernel both show
# the canary's deliberate WARN; judged by the baseline alone (--no-clean) that WARN "kills" it,
# judged against the clean kernel it must survive, with the WARN listed as not counted.
# Real parts: an incremental mutant kernel build, real VMs, the real canary module.
# Args: DAXTORTURE_BIN
set -uo pipefail
cd "$(dirname "$0")/../../.."
DT=$1
here=tests/integration/selftest
tmp=$(mktemp -d /tmp/dt-selftest-diff-XXXXXX)
fail=0 checks=0
check() {  # name, 0 = pass
  checks=$((checks + 1))
  if [[ $2 -ne 0 ]]; then echo "FAIL: $1"; fail=$((fail + 1)); else echo "ok: $1"; fi
}
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

"$DT" selftest --catalogue "$here/mutants.yaml" --mutant noop-marker --budget 150s \
  --jobs 1 --accel tcg --out "$tmp/diff" >"$tmp/diff.txt" 2>"$tmp/diff.err"
rc=$?
cat "$tmp/diff.txt"
check "differential: the mutant survives, so selftest exits 1 (rc $rc)" "$([[ $rc -eq 1 ]]; echo $?)"
check "  the clean kernel ran first and saw the WARN" \
  "$([[ $(jq_ "$tmp/diff/selftest.json" "d['clean']['kill']['title']") == 'WARNING in dt_canary_warn' ]]; echo $?)"
check "  the mutant is not killed" \
  "$([[ $(jq_ "$tmp/diff/selftest.json" "d['mutants'][0]['killed']") == False ]]; echo $?)"
check "  its WARN is listed as shown by the clean kernel too" \
  "$(jq_ "$tmp/diff/selftest.json" "d['mutants'][0]['also_on_clean']" | grep -q 'WARNING in dt_canary_warn'; echo $?)"
check "  the table says why" "$(grep -q 'not counted, the clean kernel shows it too: WARNING in dt_canary_warn' "$tmp/diff.txt"; echo $?)"

"$DT" selftest --catalogue "$here/mutants.yaml" --mutant noop-marker --budget 150s \
  --jobs 1 --accel tcg --no-clean --out "$tmp/baseline-only" >"$tmp/bo.txt" 2>"$tmp/bo.err"
rc=$?
cat "$tmp/bo.txt"
check "baseline only (--no-clean): the same WARN counts as a kill (rc $rc)" "$([[ $rc -eq 0 ]]; echo $?)"
check "  killed by the canary WARN" \
  "$([[ $(jq_ "$tmp/baseline-only/selftest.json" "d['mutants'][0]['kill']['title']") == 'WARNING in dt_canary_warn' ]]; echo $?)"
check "  and the table says there was no clean comparison" "$(grep -q 'clean kernel: not compared' "$tmp/bo.txt"; echo $?)"

echo "$((checks - fail))/$checks checks passed"
if [[ $fail -eq 0 ]]; then rm -rf "$tmp"; else echo "kept: $tmp"; tail -30 "$tmp"/*.err; fi
[[ $fail -eq 0 ]]
