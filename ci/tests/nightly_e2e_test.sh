#!/bin/bash
# ci/nightly.sh end to end with real VMs on a two-cell campaign: shard 1/2 and shard 2/2 run
# separately and together ran exactly the cells of the unsharded matrix, each once; each
# shard leaves report.txt, junit.xml and artifacts.tar.gz; the exit code follows the report.
# The baseline state carries last_seen across "nights": an entry last seen long ago is
# reported possibly fixed, one seen yesterday is not, and the baseline itself is not touched.
# Args: DAXTORTURE_BIN
set -euo pipefail
cd "$(dirname "$0")/../.."
DT=$1
campaign=ci/tests/tiny.yaml
tmp=$(mktemp -d /tmp/dt-nightly-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0 checks=0
check() {
  checks=$((checks + 1))
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

today=$(date -u +%F)
yesterday=$(date -u -d yesterday +%F)
cat >"$tmp/baseline.yaml" <<YAML
version: 1
entries:
  - title: "WARNING in dt_e2e_gone_for_weeks"
    kind: warning
    fs: xfs
    kernel: "6.1"
    note: "never happens: not seen since 2000, so possibly fixed"
  - title: "WARNING in dt_e2e_seen_yesterday"
    kind: warning
    fs: ext4
    kernel: "6.1"
    note: "never happens, but the state says it was seen yesterday"
YAML
cp "$tmp/baseline.yaml" "$tmp/baseline.orig"
cat >"$tmp/state.yaml" <<YAML
version: 1
entries:
  - {title: "WARNING in dt_e2e_gone_for_weeks", kind: warning, fs: xfs, kernel: "6.1", last_seen: "2000-01-01"}
  - {title: "WARNING in dt_e2e_seen_yesterday", kind: warning, fs: ext4, kernel: "6.1", last_seen: "$yesterday"}
YAML

bash ci/list-cells.sh --daxtorture "$DT" "$campaign" | sort >"$tmp/all"
check "the matrix has 2 cells" '[[ $(wc -l <"$tmp/all") -eq 2 ]]'
for k in 1 2; do
  set +e
  bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign "$campaign" --accel tcg \
    --jobs 1 --shard "$k/2" --out "$tmp/s$k" --baseline "$tmp/baseline.yaml" \
    --baseline-state "$tmp/state.yaml" --fixed-after 7 >"$tmp/s$k.stdout" 2>"$tmp/s$k.stderr"
  rc=$?
  set -e
  echo "--- shard $k/2 exited $rc"
  tail -n 15 "$tmp/s$k.stderr"
  o=$tmp/s$k
  check "shard $k/2: exit 0 or 1 (got $rc)" '[[ $rc -eq 0 || $rc -eq 1 ]]'
  has_new=0
  grep -q "^new findings:" "$o/report.txt" 2>/dev/null && has_new=1
  check "shard $k/2: exit 1 exactly when the report lists new findings" \
    '[[ $rc -eq $has_new ]]'
  check "shard $k/2: report.txt, junit.xml, artifacts.tar.gz" '[[ -s $o/report.txt && -s $o/junit.xml && -s $o/artifacts.tar.gz ]]'
  check "shard $k/2: junit.xml is XML with one testcase" \
    'python3 -c "import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); sys.exit(len(r.findall(\".//testcase\"))!=1)" "$o/junit.xml"'
  tar -tzf "$o/artifacts.tar.gz" >"$tmp/tar$k" 2>/dev/null || true
  check "shard $k/2: the tarball holds the store, the report and the JUnit file" \
    'grep -qx "results/results.sqlite" "$tmp/tar$k" && grep -qx "report.txt" "$tmp/tar$k" && grep -qx "junit.xml" "$tmp/tar$k"'
  check "shard $k/2: no NVDIMM images in the tarball" '! grep -q "\.img$" "$tmp/tar$k"'
  python3 - "$o/results/runs" >"$tmp/ran$k" <<'PY'
import json, os, sys
for n in sorted(os.listdir(sys.argv[1])):
    if n.endswith(".json"):
        print(json.load(open(os.path.join(sys.argv[1], n)))["cell_id"])
PY
done
sort "$tmp/ran1" "$tmp/ran2" >"$tmp/union"
check "shards 1/2 + 2/2 ran exactly the unsharded matrix" 'cmp -s "$tmp/all" "$tmp/union"'
check "no cell ran in both shards" '[[ -z $(sort "$tmp/ran1" | comm -12 - <(sort "$tmp/ran2")) ]]'

# Possibly fixed: shard 1 ran xfs (entry 1 covered), shard 2 ran ext4 (entry 2 covered).
all_fixed=$(cat "$tmp/s1/possibly-fixed.txt" "$tmp/s2/possibly-fixed.txt" 2>/dev/null || true)
echo "possibly fixed: $all_fixed"
check "an entry unseen since 2000 is possibly fixed" 'grep -q "dt_e2e_gone_for_weeks" <<<"$all_fixed"'
check "an entry seen yesterday is not" '! grep -q "dt_e2e_seen_yesterday" <<<"$all_fixed"'
check "the report lists the recent entry as unseen, last seen yesterday" \
  'cat "$tmp"/s*/report.txt | grep -q "dt_e2e_seen_yesterday.*last seen $yesterday$"'
check "the baseline file itself is unchanged" 'cmp -s "$tmp/baseline.yaml" "$tmp/baseline.orig"'
check "the state keeps both entries with their dates" \
  'grep -q "2000-01-01" "$tmp/state.yaml" && grep -q "$yesterday" "$tmp/state.yaml"'
check "the state is a baseline daxtorture accepts" '"$DT" report --out "$tmp/s1/results" --baseline "$tmp/state.yaml" >/dev/null || [[ $? -le 1 ]]'
echo "$((checks - fail)) passed, $fail failed (today $today)"
[[ $fail -eq 0 ]]
