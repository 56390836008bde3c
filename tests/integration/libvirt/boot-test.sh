#!/bin/bash
# Boot the real guest image through the libvirt backend and check the DAX proof, then that the
# transient domain is gone and its console was kept. With a URI that names a host (qemu+ssh),
# also that the files were staged in the host's storage pool and the NVDIMM volume deleted.
# Args: DAXTORTURE_BIN [FS [URI|@FILE]]   (@FILE: read the URI from FILE)
set -euo pipefail
DT=$1
FS=${2:-xfs}
URI=${3:-${DT_LIBVIRT_URI:-qemu:///system}}
if [[ $URI == @* ]]; then
  [[ -s ${URI#@} ]] || { echo "FAIL: no URI in ${URI#@} (fixture not started?)"; exit 1; }
  URI=$(cat "${URI#@}")
fi
remote=0
[[ $URI =~ ^[a-z+]+:/// ]] || remote=1
tmp=$(mktemp -d /tmp/dt-lv-boot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

here=$(cd "$(dirname "$0")" && pwd)
cache=${DAXTORTURE_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/daxtorture}}
cache=${cache:-$HOME/.cache/daxtorture}
# One retry, only for a boot that stalled in early kernel init with no kernel report (see
# early-stall.sh: seen under TCG on an overloaded host with both backends). The stalled
# console is printed here and kept in /tmp/dt-it-kept-*; a second stall fails the test.
for attempt in 1 2; do
  touch "$tmp/started"
  set +e
  "$DT" boot --backend libvirt --connect "$URI" --fs "$FS" --accel tcg --json --keep-artifacts >"$tmp/out.json" 2>"$tmp/err"
  rc=$?
  set -e
  cat "$tmp/err" >&2
  [[ $rc -ne 0 && ! -s $tmp/out.json && $attempt -eq 1 ]] || break
  grep -Eq "error: boot (failed: lost connection|failed: no output|timed out)" "$tmp/err" || break
  dir=$(find "$cache/tmp" -maxdepth 1 -name "boot-$FS-*" -newer "$tmp/started" 2>/dev/null | head -n1)
  [[ -n $dir && -s $dir/console.log ]] || break
  why=$(bash "$here/early-stall.sh" "$dir/console.log") || break
  kept=$(mktemp -d /tmp/dt-it-kept-libvirt-boot-XXXXXX)
  cp "$dir"/*.log "$dir"/*.xml "$kept/" 2>/dev/null || true  # not the NVDIMM image
  rm -rf "$dir"
  echo "RETRY: attempt 1 was an $why; console kept in $kept; retrying once"
done
cat "$tmp/out.json"
fail=0
check() {
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
j() { python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); v=d
for k in sys.argv[2].split("."): v=v[k]
print(json.dumps(v) if not isinstance(v,str) else v)' "$tmp/out.json" "$1"; }
check "daxtorture boot exited 0 (got $rc)" '[[ $rc -eq 0 ]]'
check "one JSON result" '[[ -s $tmp/out.json ]]'
if [[ -s $tmp/out.json ]]; then
  check "fs is $FS" '[[ $(j fs) == "$FS" ]]'
  check "DAX proven on" '[[ $(j dax) == true ]]'
  check "TCG as asked" '[[ $(j accel) == tcg ]]'
  console=$(j console)
  work=$(dirname "$console")
  check "console log kept with the boot in it" 'grep -q "Linux version" "$console"'
  check "domain XML kept" '[[ -s $work/domain.xml ]] && grep -q "model=.nvdimm." "$work/domain.xml"'
  name=$(sed -n 's/^domain //p' "$work/libvirt.log" | head -n1)
  check "domain name recorded ($name)" '[[ -n $name ]]'
  check "the transient domain is gone" '! virsh -q -c "$URI" domstate "$name" >/dev/null 2>&1'
  check "the VM ran at $URI" 'grep -qxF "uri $URI" "$work/libvirt.log"'
  check "console and agent are streams (pty serial, no host paths)" 'grep -q "<serial type=.pty.>" "$work/domain.xml"'
  if [[ $remote -eq 1 ]]; then
    check "kernel and initramfs staged in the pool" 'grep -q "^staged in pool daxtorture" "$work/libvirt.log"'
    pool=$(virsh -q -c "$URI" pool-dumpxml daxtorture 2>/dev/null | sed -n 's:.*<path>\(.*\)</path>.*:\1:p' | head -n1)
    check "the domain booted from the pool ($pool)" '[[ -n $pool ]] && grep -q "<kernel>$pool/" "$work/domain.xml"'
    check "its NVDIMM volume is deleted" '! virsh -q -c "$URI" vol-list daxtorture 2>/dev/null | grep -q "$name-nvdimm"'
    check "no NVDIMM file was made locally" '! ls "$work"/nvdimm*.img >/dev/null 2>&1'
  fi
  rm -rf "$work"
fi
if [[ $fail -eq 0 ]]; then echo "libvirt boot: all checks passed"; else echo "libvirt boot: $fail checks failed"; fi
[[ $fail -eq 0 ]]
