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
# Both backends run on the VM pool (the default); with several hosts, a guest runs two cells
# at most, so that the campaign boots enough VMs for every host to get one.
[[ ${#uris[@]} -gt 1 ]] && common+=(--reuse-vm 2)
# The verdict of a cell is its latest run, as `run` counts it: a VM that never came up is
# retried once by `run` itself, and the failed attempt stays in runs/ for the record.
runs() {  # DIR: every run record as one JSON array, oldest first
  local f=("$1"/runs/*.json)
  if [[ -e ${f[0]} ]]; then jq -s 'sort_by(.started_at // "", .run_id // "")' "${f[@]}"; else echo '[]'; fi
}
verdicts() {  # cell -> status + sorted finding titles, one line per cell (its latest run)
  runs "$1" | jq -r 'map({key: .cell_id, value: "\(.status) \([.findings[]?.title // ""] | sort | join("|")) backend=\(.backend // "?")"})
    | from_entries | to_entries | sort_by(.key)[] | "\(.key) \(.value)"'
}
retried() {  # DIR: say which boots `run` retried, and whether each was an early-boot stall
  runs "$1" | jq -r 'to_entries as $e | $e[] | .key as $i | .value as $r
    | select(any($e[]; .key > $i and .value.cell_id == $r.cell_id)) | $r
    | ([.findings[]?.title // ""] | join("|")) as $t
    | "\(.cell_id)\t\(if $t == "" then (.error // "") else $t end)\t\(.console_path // "")"' |
    while IFS=$'\t' read -r cell title console; do
      why=$(bash "$here/early-stall.sh" "$console") || why="not an early-boot stall"
      kept=$(mktemp -d /tmp/dt-it-kept-compare-retried-XXXXXX)
      cp "$(dirname "$console")"/*.log "$kept/" 2>/dev/null || true
      echo "note: $(basename "$1") run retried $cell after \"$title\": $why (console kept in $kept)"
    done
  return 0
}
show_cell() {  # DIR CELL: the console of the cell's runs
  runs "$1" | jq -r --arg c "$2" '.[] | select(.cell_id == $c) | .console_path // ""'
}
attempt() {  # N: the campaign on both backends into $tmp/aN; verdict lines in $tmp/aN/{q,l}.txt
  local a=$tmp/a$1
  mkdir -p "$a"
  set +e
  "$DT" "${common[@]}" --out "$a/qemu" --backend qemu >"$a/qemu.jsonl" 2>"$a/qemu.err"
  echo $? >"$a/rc_q"
  "$DT" "${common[@]}" --out "$a/libvirt" --backend libvirt "${connect[@]}" >"$a/libvirt.jsonl" 2>"$a/libvirt.err"
  echo $? >"$a/rc_l"
  set -e
  tail -n 5 "$a/qemu.err" "$a/libvirt.err" >&2
  verdicts "$a/qemu" >"$a/q.txt"
  verdicts "$a/libvirt" >"$a/l.txt"
  retried "$a/qemu"
  retried "$a/libvirt"
  echo "--- attempt $1: qemu (exit $(cat "$a/rc_q"))"; cat "$a/q.txt"
  echo "--- attempt $1: libvirt (exit $(cat "$a/rc_l"))"; cat "$a/l.txt"
  # Cells whose verdicts differ, one per line.
  comm -3 <(sed 's/ backend=.*//' "$a/q.txt" | sort) <(sed 's/ backend=.*//' "$a/l.txt" | sort) |
    awk '{print $1}' | sort -u >"$a/differ.txt"
}
# A backend difference is systematic; a race workload is not deterministic, and a one-off hang of
# a guest (CI once saw a TCG vCPU never answer an IPI: soft lockups, then a lost VM) would flip one
# cell on one backend. So a cell that differs is run again on both backends: it fails only if it
# differs again; a one-off is reported with its consoles kept.
attempt 1
a=$tmp/a1
if [[ -s $a/differ.txt || $(cat "$a/rc_q") != "$(cat "$a/rc_l")" ]]; then
  while read -r cell; do
    for b in qemu libvirt; do
      c=$(show_cell "$a/$b" "$cell" | tail -n 1)
      [[ -n $c && -f $c ]] || continue
      kept=$(mktemp -d /tmp/dt-it-kept-compare-differ-XXXXXX)
      cp "$(dirname "$c")"/* "$kept/" 2>/dev/null || true
      echo "note: attempt 1, $cell on $b differs; its run directory is kept in $kept; report head:"
      grep -m1 -A25 -E 'BUG:|WARNING:|INFO:|Oops|general protection|Kernel panic|watchdog:' "$c" | sed 's/^/    /' || true
    done
  done <"$a/differ.txt"
  echo "attempt 1 differs; running the campaign again on both backends"
  attempt 2
  a=$tmp/a2
  if [[ -s $tmp/a2/differ.txt ]]; then
    comm -12 "$tmp/a1/differ.txt" "$tmp/a2/differ.txt" >"$tmp/both.txt"
  else
    : >"$tmp/both.txt"
  fi
else
  : >"$tmp/both.txt"
fi
rc_q=$(cat "$a/rc_q")
rc_l=$(cat "$a/rc_l")
fail=0
[[ $rc_q -eq $rc_l ]] || { echo "FAIL: exit codes differ: qemu $rc_q, libvirt $rc_l (in every attempt)"; fail=1; }
# Infrastructure (3) or configuration (2) failures make the comparison meaningless.
[[ $rc_q -ne 2 && $rc_q -ne 3 ]] || { echo "FAIL: qemu run failed (exit $rc_q)"; fail=1; }
[[ $rc_q -le 1 ]] || echo "warning: run exited $rc_q (expected 0 or 1) on both backends"
[[ -s $a/q.txt ]] || { echo "FAIL: no runs recorded"; fail=1; }
if [[ -s $tmp/both.txt ]]; then
  echo "FAIL: verdicts differ in both attempts for: $(tr '\n' ' ' <"$tmp/both.txt")"
  fail=1
elif [[ -s $a/differ.txt ]]; then
  echo "note: attempt 2 differs in other cells than attempt 1 ($(tr '\n' ' ' <"$a/differ.txt")): not systematic"
fi
grep -q "backend=libvirt" "$a/l.txt" || { echo "FAIL: the libvirt runs do not say backend=libvirt"; fail=1; }
# Where each VM ran: every VM's libvirt.log (in its run directory, or under vms/ when the
# pool kept it for several cells) starts with "uri <URI>".
vm_logs() { find "$a/libvirt" -name libvirt.log -print0 | xargs -0r grep -lxF "uri $1"; }
for u in "${uris[@]}"; do
  n=$(vm_logs "$u" | wc -l)
  echo "VMs on $u: $n"
  [[ $n -gt 0 ]] || { echo "FAIL: no VM ran on $u"; fail=1; }
  if [[ ! $u =~ ^[a-z+]+:/// ]]; then
    staged=$(vm_logs "$u" | xargs -r grep -l "^staged in pool daxtorture" | wc -l)
    [[ $staged -eq $n ]] || { echo "FAIL: $((n - staged)) of $n VMs on $u did not stage their files in the pool"; fail=1; }
  fi
done
[[ $fail -eq 0 ]] && echo "same verdicts on both backends (libvirt on ${#uris[@]} URI(s))"
exit $fail
