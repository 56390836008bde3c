#!/bin/bash
# The same tiny campaign with the same seed through the QEMU and the libvirt backends: every
# cell must get the same verdict (status and finding titles), and `run` the same exit code.
# With several URIs (one `--connect` each) the VMs must have landed on every one of them, and
# on a URI that names a host the files must have been staged in its storage pool.
# Args: DAXTORTURE_BIN [URI|@FILE ...]   (@FILE: the URI is in that file, e.g. start-sshd.sh's)
# Env: DT_COMPARE_CAMPAIGN (default tiny.yaml next to this script)
set -euo pipefail
DT=$1
shift
uris=()
for u in "$@"; do
  if [[ $u == @* ]]; then
    [[ -s ${u#@} ]] || { echo "FAIL: no URI in ${u#@} (fixture not started?)"; exit 1; }
    u=$(cat "${u#@}")
  fi
  uris+=("$u")
done
[[ ${#uris[@]} -gt 0 ]] || uris=("${DT_LIBVIRT_URI:-qemu:///system}")
connect=()
for u in "${uris[@]}"; do connect+=(--connect "$u"); done
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/dt-lv-cmp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! "$DT" run --help 2>&1 | grep -q -- --backend; then
  echo "SKIP: this daxtorture's run has no --backend"
  exit 0
fi
campaign=${DT_COMPARE_CAMPAIGN:-$here/tiny.yaml}
common=(run "$campaign" --accel tcg --jobs 1 --no-canary --json)
set +e
"$DT" "${common[@]}" --out "$tmp/qemu" --backend qemu >"$tmp/qemu.jsonl" 2>"$tmp/qemu.err"
rc_q=$?
"$DT" "${common[@]}" --out "$tmp/libvirt" --backend libvirt "${connect[@]}" >"$tmp/libvirt.jsonl" 2>"$tmp/libvirt.err"
rc_l=$?
set -e
tail -n 5 "$tmp/qemu.err" "$tmp/libvirt.err" >&2
# The verdict of a cell is its latest run, as `run` counts it: a VM that never came up is
# retried once by `run` itself, and the failed attempt stays in runs/ for the record.
verdicts() {  # cell -> status + sorted finding titles, one line per cell
  python3 - "$1" <<'PY'
import json, os, sys
d = os.path.join(sys.argv[1], "runs")
runs = [json.load(open(os.path.join(d, n))) for n in sorted(os.listdir(d)) if n.endswith(".json")] if os.path.isdir(d) else []
runs.sort(key=lambda r: (r.get("started_at", ""), r.get("run_id", "")))
rows = {}
for r in runs:
    titles = sorted(f.get("title", "") for f in r.get("findings", []))
    rows[r["cell_id"]] = "%s %s backend=%s" % (r.get("status"), "|".join(titles), r.get("backend", "?"))
for k in sorted(rows):
    print(k, rows[k])
PY
}
retried() {  # NAME: say which boots `run` retried, and whether each was an early-boot stall
  python3 - "$tmp/$1" <<'PY' | while IFS=$'\t' read -r cell title console; do
import json, os, sys
d = os.path.join(sys.argv[1], "runs")
runs = [json.load(open(os.path.join(d, n))) for n in sorted(os.listdir(d)) if n.endswith(".json")] if os.path.isdir(d) else []
runs.sort(key=lambda r: (r.get("started_at", ""), r.get("run_id", "")))
for i, r in enumerate(runs):
    if any(q["cell_id"] == r["cell_id"] for q in runs[i + 1:]):
        t = "|".join(f.get("title", "") for f in r.get("findings", [])) or r.get("error", "")
        print("%s\t%s\t%s" % (r["cell_id"], t, r.get("console_path", "")))
PY
    why=$(bash "$here/early-stall.sh" "$console") || why="not an early-boot stall"
    kept=$(mktemp -d /tmp/dt-it-kept-compare-retried-XXXXXX)
    cp "$(dirname "$console")"/*.log "$kept/" 2>/dev/null || true
    echo "note: $1 run retried $cell after \"$title\": $why (console kept in $kept)"
  done
  return 0
}
verdicts "$tmp/qemu" >"$tmp/q.txt"
verdicts "$tmp/libvirt" >"$tmp/l.txt"
retried qemu
retried libvirt
echo "--- qemu (exit $rc_q)"; cat "$tmp/q.txt"
echo "--- libvirt (exit $rc_l)"; cat "$tmp/l.txt"
fail=0
[[ $rc_q -eq $rc_l ]] || { echo "FAIL: exit codes differ: qemu $rc_q, libvirt $rc_l"; fail=1; }
# Infrastructure (3) or configuration (2) failures make the comparison meaningless.
[[ $rc_q -ne 2 && $rc_q -ne 3 ]] || { echo "FAIL: qemu run failed (exit $rc_q)"; fail=1; }
[[ $rc_q -le 1 ]] || echo "warning: run exited $rc_q (expected 0 or 1) on both backends"
[[ -s $tmp/q.txt ]] || { echo "FAIL: no runs recorded"; fail=1; }
if ! diff <(sed 's/ backend=.*//' "$tmp/q.txt") <(sed 's/ backend=.*//' "$tmp/l.txt"); then
  echo "FAIL: verdicts differ"
  fail=1
fi
grep -q "backend=libvirt" "$tmp/l.txt" || { echo "FAIL: the libvirt runs do not say backend=libvirt"; fail=1; }
# Where each VM ran: libvirt.log in every run directory starts with "uri <URI>".
for u in "${uris[@]}"; do
  n=$(grep -lxF "uri $u" "$tmp"/libvirt/runs/*/libvirt.log 2>/dev/null | wc -l)
  echo "VMs on $u: $n"
  [[ $n -gt 0 ]] || { echo "FAIL: no VM ran on $u"; fail=1; }
  if [[ ! $u =~ ^[a-z+]+:/// ]]; then
    staged=$(grep -lxF "uri $u" "$tmp"/libvirt/runs/*/libvirt.log 2>/dev/null | xargs -r grep -l "^staged in pool daxtorture" | wc -l)
    [[ $staged -eq $n ]] || { echo "FAIL: $((n - staged)) of $n VMs on $u did not stage their files in the pool"; fail=1; }
  fi
done
[[ $fail -eq 0 ]] && echo "same verdicts on both backends (libvirt on ${#uris[@]} URI(s))"
exit $fail
