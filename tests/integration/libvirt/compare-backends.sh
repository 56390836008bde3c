#!/bin/bash
# The same tiny campaign with the same seed through the QEMU and the libvirt backends: every
# cell must get the same verdict (status and finding titles), and `run` the same exit code.
# Args: DAXTORTURE_BIN
set -euo pipefail
DT=$1
URI=${DT_LIBVIRT_URI:-qemu:///system}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/dt-lv-cmp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! "$DT" run --help 2>&1 | grep -q -- --backend; then
  echo "SKIP: this daxtorture's run has no --backend"
  exit 0
fi
common=(run "$here/tiny.yaml" --accel tcg --jobs 1 --no-canary --json)
set +e
"$DT" "${common[@]}" --out "$tmp/qemu" --backend qemu >"$tmp/qemu.jsonl" 2>"$tmp/qemu.err"
rc_q=$?
"$DT" "${common[@]}" --out "$tmp/libvirt" --backend libvirt --connect "$URI" >"$tmp/libvirt.jsonl" 2>"$tmp/libvirt.err"
rc_l=$?
set -e
tail -n 5 "$tmp/qemu.err" "$tmp/libvirt.err" >&2
verdicts() {  # cell -> status + sorted finding titles, one line per cell
  python3 - "$1" <<'PY'
import json, os, sys
d = os.path.join(sys.argv[1], "runs")
rows = {}
for n in sorted(f for f in os.listdir(d) if f.endswith(".json")) if os.path.isdir(d) else []:
    r = json.load(open(os.path.join(d, n)))
    titles = sorted(f.get("title", "") for f in r.get("findings", []))
    rows[r["cell_id"]] = "%s %s backend=%s" % (r.get("status"), "|".join(titles), r.get("backend", "?"))
for k in sorted(rows):
    print(k, rows[k])
PY
}
verdicts "$tmp/qemu" >"$tmp/q.txt"
verdicts "$tmp/libvirt" >"$tmp/l.txt"
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
[[ $fail -eq 0 ]] && echo "same verdicts on both backends"
exit $fail
