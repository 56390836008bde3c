#!/bin/bash
# The nightly torture run, the same on a laptop, in GitHub Actions and in GitLab CI:
#   build (cached) -> guest image (cached by content hash) -> daxtorture run -> report
#   -> artifacts tarball -> exit by the new-findings rule.
#
# Exit code (that of `daxtorture run`, with the baseline applied by `daxtorture report`):
#   0 clean, 1 new findings, 2 bad configuration, 3 infrastructure failure.
#
# Options:
#   --campaign FILE      campaign YAML (default campaigns/nightly.yaml)
#   --out DIR            results + artifacts (default out/nightly-<UTC date>)
#   --shard K/N          this host's slice of the matrix (1-based); see ci/README.md
#   --fs NAME[,NAME]     only these filesystems (CI matrices split by filesystem)
#   --kernel NAME        replace the campaign's kernel axis by one kernel name, as `run
#                        --kernel` takes it: 6.1 (default), 6.12, 6.1-kasan, 6.12-kasan, ...
#   --kernel-src DIR     test a developer's kernel tree: the image is built from it and
#                        cached by its commit; the campaign's kernel axis is replaced by it
#   --baseline FILE      known findings (default: that kernel's baselines/<version>-clean.yaml,
#                        6.1 when the kernel is not a built-in one)
#   --baseline-state F   last_seen of each baseline entry, carried from night to night (CI
#                        caches it): merged into this night's copy of the baseline, updated
#                        with tonight's sightings, written back. Without it the dates in
#                        --baseline are used as they are.
#   --fixed-after N      nights an entry may go unseen before it is reported as possibly
#                        fixed (default 7); listed in OUT/possibly-fixed.txt
#   --pushgateway URL    push run metrics to a Prometheus Pushgateway
#   --backend NAME       qemu (default) or libvirt
#   --connect URI        libvirt URI (repeatable; implies --backend libvirt)
#   --accel auto|kvm|tcg (default auto)
#   --jobs N             VMs at once (default: daxtorture's choice from cores and memory)
#   --build-dir DIR      CMake build directory (default build)
#   --no-build           use the existing build (do not run install-deps/cmake)
#   --list               print this shard's cell ids and exit (no build of images, no VMs)
set -euo pipefail
cd "$(dirname "$0")/.."

campaign=campaigns/nightly.yaml
out=""
shard=""
fs_filter=""
kernel_src=""
kernel_name=""
baseline=baselines/6.1-clean.yaml
baseline_given=0
baseline_state=""
fixed_after=7
pushgateway=""
backend=""
connect=()
accel=auto
jobs=""
build_dir=${DT_BUILD_DIR:-build}
do_build=1
list_only=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() {
  echo "nightly: $*" >&2
  exit 2
}
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --campaign) need_arg "$@"; campaign=$2; shift 2 ;;
    --out) need_arg "$@"; out=$2; shift 2 ;;
    --shard) need_arg "$@"; shard=$2; shift 2 ;;
    --fs) need_arg "$@"; fs_filter=$2; shift 2 ;;
    --kernel) need_arg "$@"; kernel_name=$2; shift 2 ;;
    --kernel-src) need_arg "$@"; kernel_src=$2; shift 2 ;;
    --baseline) need_arg "$@"; baseline=$2; baseline_given=1; shift 2 ;;
    --baseline-state) need_arg "$@"; baseline_state=$2; shift 2 ;;
    --fixed-after) need_arg "$@"; fixed_after=$2; shift 2 ;;
    --pushgateway) need_arg "$@"; pushgateway=$2; shift 2 ;;
    --backend) need_arg "$@"; backend=$2; shift 2 ;;
    --connect) need_arg "$@"; connect+=("$2"); shift 2 ;;
    --accel) need_arg "$@"; accel=$2; shift 2 ;;
    --jobs | -j) need_arg "$@"; jobs=$2; shift 2 ;;
    --build-dir) need_arg "$@"; build_dir=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --list) list_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

if [[ -n $shard ]]; then
  [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] || die "--shard must look like K/N (e.g. 2/4), not '$shard'"
  ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= BASH_REMATCH[2])) || die "--shard $shard: K must be in 1..N"
fi
[[ -f $campaign ]] || die "campaign file not found: $campaign"
[[ -n $kernel_name && -n $kernel_src ]] && die "--kernel and --kernel-src both replace the kernel axis: give one"
if [[ -n $kernel_name && $baseline_given -eq 0 ]]; then
  # 6.12-kasan -> 6.12; default/kasan are 6.1's historic names
  version=${kernel_name%-kasan}
  [[ $version == default || $version == kasan ]] && version=6.1
  [[ -f baselines/$version-clean.yaml ]] && baseline=baselines/$version-clean.yaml
fi
[[ $fixed_after =~ ^[1-9][0-9]*$ ]] || die "--fixed-after must be a positive number of nights, not '$fixed_after'"
[[ ${#connect[@]} -gt 0 && -z $backend ]] && backend=libvirt
if [[ $list_only -eq 1 ]]; then
  out=$(mktemp -d /tmp/dt-nightly-list-XXXXXX)  # only a derived campaign goes here
  trap 'rm -rf "$out"' EXIT
fi
[[ -z $out ]] && out=out/nightly-$(date -u +%Y%m%d)${shard:+-shard${shard/\//of}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { echo "nightly: $*" >&2; }

# ---- build (incremental; the guest image is cached by content hash in ~/.cache/daxtorture)
DT=$build_dir/daxtorture
if [[ $do_build -eq 1 ]]; then
  bash scripts/install-deps.sh >&2
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target daxtorture >&2
fi
[[ -x $DT ]] || { echo "nightly: $DT missing: drop --no-build or build it first" >&2; exit 3; }
DT=$(cd "$(dirname "$DT")" && pwd)/$(basename "$DT")

# ---- the campaign actually run: a derived copy when --fs or --kernel-src narrow/replace an axis
effective=$campaign
derive_campaign() {  # $1 = kernel name or path, or "", $2 = comma list of filesystems or ""
  python3 - "$campaign" "$out/campaign.yaml" "$1" "$2" <<'PY' || exit 2
import sys, yaml
src, dst, kernel, fs = sys.argv[1:5]
with open(src) as f:
    c = yaml.safe_load(f)
if kernel:
    c["kernel"] = kernel
if fs:
    want = [x for x in fs.split(",") if x]
    def name(e):
        return e if isinstance(e, str) else (e or {}).get("name", "")
    kept = [e for e in c.get("filesystems", []) if name(e) in want]
    missing = sorted(set(want) - {name(e) for e in kept})
    if missing:
        sys.exit("nightly: --fs %s: not in %s (has: %s)" % (",".join(missing), src,
                 ", ".join(name(e) for e in c.get("filesystems", []))))
    c["filesystems"] = kept
with open(dst, "w") as f:
    f.write("# derived by ci/nightly.sh from %s\n" % src)
    yaml.safe_dump(c, f, sort_keys=False)
PY
  effective=$out/campaign.yaml
}

kernel_path=""
if [[ -n $kernel_src && $list_only -eq 0 ]]; then
  [[ -d $kernel_src ]] || die "--kernel-src: not a directory: $kernel_src"
  log "building the guest image from $kernel_src (cached by its commit)"
  "$DT" image build --kernel-src "$kernel_src" >&2 || exit 3
  imgdir=$("$DT" image path --kernel-src "$kernel_src") || exit 3
  kernel_path=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/manifest.json")); k=m.get("kernel",""); print(k if k.startswith("/") else sys.argv[1]+"/"+k)' "$imgdir")
  [[ -f $kernel_path ]] || { echo "nightly: image $imgdir has no kernel ($kernel_path)" >&2; exit 3; }
elif [[ -n $kernel_src ]]; then
  kernel_path=$kernel_src/arch/x86/boot/bzImage  # --list only needs a name for the axis
elif [[ -n $kernel_name ]]; then
  kernel_path=$kernel_name  # a name: run validates it (unknown names are a usage error)
fi
if [[ -n $kernel_path || -n $fs_filter ]]; then derive_campaign "$kernel_path" "$fs_filter"; fi

run_help=$("$DT" run --help 2>&1 || true)
supports() { grep -q -- "$1" <<<"$run_help"; }

common=()
[[ -n $shard ]] && common+=(--shard "$shard")
[[ -n $backend ]] && common+=(--backend "$backend")
for u in "${connect[@]}"; do common+=(--connect "$u"); done

# ---- list mode: the cell ids of this shard (the shard test and CI planning use it)
if [[ $list_only -eq 1 ]]; then
  bash ci/list-cells.sh --daxtorture "$DT" ${shard:+--shard "$shard"} "$effective"
  exit $?
fi

# ---- run
args=(run "$effective" --out "$out/results" --accel "$accel" "${common[@]}")
[[ -n $jobs ]] && args+=(--jobs "$jobs")
if [[ ! -f $baseline ]]; then
  [[ $baseline_given -eq 1 ]] && die "--baseline: file not found: $baseline"
  log "no baseline at $baseline: every finding counts as new"
  baseline=""
fi
# ---- baseline state: tonight's copy of the baseline with the last_seen dates of past nights
if [[ -n $baseline && -n $baseline_state ]]; then
  python3 - "$baseline" "$baseline_state" "$out/baseline.yaml" <<'PY' || exit 2
import os, sys, yaml
src, state, dst = sys.argv[1:4]
with open(src) as f:
    b = yaml.safe_load(f) or {}
seen = {}
if os.path.isfile(state):
    with open(state) as f:
        s = yaml.safe_load(f) or {}
    for e in s.get("entries") or []:
        k = (e.get("title"), e.get("kind") or "", str(e.get("fs", "*")), str(e.get("workload", "*")), str(e.get("kernel", "*")))
        seen[k] = str(e.get("last_seen") or "")
for e in b.get("entries") or []:
    k = (e.get("title"), e.get("kind") or "", str(e.get("fs", "*")), str(e.get("workload", "*")), str(e.get("kernel", "*")))
    last = max(str(e.get("last_seen") or ""), seen.get(k, ""))
    if last:
        e["last_seen"] = last
with open(dst, "w") as f:
    f.write("# ci/nightly.sh: %s with last_seen carried in %s\n" % (src, state))
    yaml.safe_dump(b, f, sort_keys=False)
PY
  log "baseline: $baseline, last_seen from $baseline_state"
  baseline=$out/baseline.yaml
fi
# Flags `run` grew later are passed when this build has them; the report step covers the rest.
if [[ -n $pushgateway ]]; then
  if supports --pushgateway; then args+=(--pushgateway "$pushgateway"); else log "this build's run has no --pushgateway: metrics not pushed"; fi
fi
run_has_junit=0
if supports --junit; then args+=(--junit "$out/junit.xml"); run_has_junit=1; fi
if [[ -n $baseline ]] && supports --baseline; then args+=(--baseline "$baseline"); fi
if supports --json; then args+=(--json); fi

log "$DT ${args[*]}"
set +e
"$DT" "${args[@]}" >"$out/run.jsonl" 2> >(tee "$out/run.log" >&2)
rc_run=$?
set -e
log "run exited $rc_run"

# ---- report: text for humans, JUnit for CI, the baseline applied (new findings only)
rc_report=$rc_run
if [[ -d $out/results ]]; then
  rep=(report --out "$out/results" --fixed-after "$fixed_after")
  [[ -n $baseline ]] && rep+=(--baseline "$baseline")
  [[ -n $baseline && -n $baseline_state ]] && rep+=(--update-baseline)
  [[ $run_has_junit -eq 0 ]] && rep+=(--junit "$out/junit.xml")
  set +e
  "$DT" "${rep[@]}" >"$out/report.txt" 2>>"$out/run.log"
  rc_report=$?
  set -e
  cat "$out/report.txt"
  grep -- '-> possibly fixed' "$out/report.txt" | sed 's/  -> possibly fixed$//; s/^ *//' >"$out/possibly-fixed.txt" || true
  if [[ -s $out/possibly-fixed.txt ]]; then
    log "baseline entries not seen for $fixed_after nights or more (possibly fixed):"
    sed 's/^/nightly:   /' "$out/possibly-fixed.txt" >&2
  fi
  if [[ -n $baseline && -n $baseline_state ]]; then
    mkdir -p "$(dirname "$baseline_state")"
    cp "$baseline" "$baseline_state.tmp.$$" && mv -f "$baseline_state.tmp.$$" "$baseline_state"
    log "baseline state: $baseline_state"
  fi
fi

# ---- artifacts: the results store, the report, and the console logs of runs with findings
python3 - "$out" <<'PY' >"$out/artifact-files.txt"
import json, os, sys
out = sys.argv[1]
runs = os.path.join(out, "results", "runs")
for name in sorted(f for f in os.listdir(runs) if f.endswith(".json")) if os.path.isdir(runs) else []:
    try:
        r = json.load(open(os.path.join(runs, name)))
    except (OSError, ValueError):
        continue
    if r.get("findings") or r.get("status") in ("findings", "error"):
        p = r.get("console_path", "")
        if p and os.path.isfile(p):
            print(p)
PY
tar_list=()
for f in results report.txt junit.xml run.log run.jsonl campaign.yaml baseline.yaml possibly-fixed.txt; do
  [[ -e $out/$f ]] && tar_list+=("$f")
done
consoles=$out/consoles
mkdir -p "$consoles"
while IFS= read -r p; do
  [[ -n $p ]] || continue
  # runs/<run_id> layout keeps the console next to the run it belongs to
  dest=$consoles/$(basename "$(dirname "$p")")-$(basename "$p")
  cp -f "$p" "$dest" 2>/dev/null || true
done <"$out/artifact-files.txt"
tar_list+=(consoles)
tar -C "$out" --exclude='*.img' -czf "$out/artifacts.tar.gz" "${tar_list[@]}"
log "artifacts: $out/artifacts.tar.gz ($(wc -l <"$out/artifact-files.txt") console logs of runs with findings)"

# ---- exit: configuration and infrastructure failures of the run win; otherwise the
# report's verdict with the baseline applied (0 clean, 1 new findings, 3 failed runs).
case $rc_run in
  2 | 3) exit "$rc_run" ;;
esac
case $rc_report in
  0 | 1 | 2 | 3) exit "$rc_report" ;;
  *) exit 3 ;;
esac
