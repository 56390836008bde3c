#!/bin/bash
# A mutant catalogue outside the source tree works like the shipped one: patches and campaigns
# resolve against the catalogue file, `run --catalogue` resolves mutant:<id> through it, and a
# broken catalogue is a one-line usage error. No image, no VM (list modes).
# Args: DAXTORTURE_BIN
set -uo pipefail
cd "$(dirname "$0")/../../.."
DT=$1
src=$PWD
tmp=$(mktemp -d /tmp/dt-foreign-cat-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0 checks=0
check() {  # name, 0 = pass
  checks=$((checks + 1))
  if [[ $2 -ne 0 ]]; then echo "FAIL: $1"; fail=$((fail + 1)); else echo "ok: $1"; fi
}
mkdir -p "$tmp/cat/patches" "$tmp/cat/campaigns"
cp guest-images/mutants/dax-pte-no-isize-recheck.patch "$tmp/cat/patches/0001-mine.patch"
cat >"$tmp/cat/campaigns/c.yaml" <<'YAML'
name: mine
duration: 10s
filesystems: [ext4]
workloads: [fault-vs-truncate]
YAML
cat >"$tmp/cat/mutants.yaml" <<'YAML'
version: 1
mutants:
  - id: my-mutant
    breaks: a mutant of my own
    patch: patches/0001-mine.patch
    campaign: campaigns/c.yaml
    expect: [missing-sigbus]
YAML
cd /  # nothing may depend on the working directory

out=$("$DT" selftest --catalogue "$tmp/cat/mutants.yaml" --list 2>&1)
check "selftest --list shows the foreign mutant" "$(grep -q '^my-mutant' <<<"$out"; echo $?)"
check "its campaign path is relative to the catalogue" "$(grep -q 'campaign campaigns/c.yaml' <<<"$out"; echo $?)"

out=$("$DT" run "$tmp/cat/campaigns/c.yaml" --catalogue "$tmp/cat/mutants.yaml" --kernel mutant:my-mutant --list 2>&1)
rc=$?
check "run --catalogue resolves mutant:my-mutant (rc $rc)" "$rc"
check "the cells run on it" "$(grep -qx 'ext4/fault-vs-truncate/none/mutant:my-mutant/r0' <<<"$out"; echo $?)"

out=$("$DT" run "$tmp/cat/campaigns/c.yaml" --kernel mutant:my-mutant --list 2>&1)
rc=$?
check "without --catalogue the shipped catalogue is used: usage error (rc $rc)" "$([[ $rc -eq 2 ]]; echo $?)"
check "  naming the unknown mutant" "$(grep -q "unknown mutant 'my-mutant'" <<<"$out"; echo $?)"

sed -i 's|patches/0001-mine.patch|patches/missing.patch|' "$tmp/cat/mutants.yaml"
out=$("$DT" selftest --catalogue "$tmp/cat/mutants.yaml" --list 2>&1)
rc=$?
check "a missing patch is a usage error (rc $rc)" "$([[ $rc -eq 2 ]]; echo $?)"
check "  with file:line:column" "$(grep -q "mutants.yaml:[0-9]*:[0-9]*: no patch .*missing.patch" <<<"$out"; echo $?)"
check "  on one line" "$([[ $(wc -l <<<"$out") -eq 1 ]]; echo $?)"

echo "$((checks - fail))/$checks checks passed"
[[ $fail -eq 0 ]]
