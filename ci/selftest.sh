#!/bin/bash
# The nightly selftest: can the suite still see? Builds every mutant kernel of
# guest-images/mutants/ (incremental rebuilds of the cached default kernel, about 1-2 min
# each), runs each one's campaign under a time budget until a new finding kills it, then the
# clean kernel over the same budget. Too long for per-commit CI; run it nightly.
#
#   ci/selftest.sh [--out DIR] [--budget 5m] [--accel auto|kvm|tcg] [--jobs N]
#                  [--build-dir DIR] [--no-build] [--pushgateway URL]
#
# Writes OUT/selftest.txt (the kill table), OUT/selftest.json, OUT/selftest.prom (textfile
# metrics, pushed with --pushgateway) and OUT/artifacts.tar.gz (every campaign's store and the
# console logs of runs with findings). Exit: 0 every mutant killed and the clean kernel clean,
# 1 a mutant survived or the clean kernel had a new finding, 2 usage, 3 infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."

out="out/selftest-$(date -u +%Y%m%d)"
budget=5m
accel=auto
jobs=""
build_dir=${DT_BUILD_DIR:-build}
do_build=1
pushgateway=""
die() {
  echo "selftest: $*" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=${2:?}; shift 2 ;;
    --budget) budget=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --jobs | -j) jobs=${2:?}; shift 2 ;;
    --build-dir) build_dir=${2:?}; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --pushgateway) pushgateway=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

DT=$build_dir/daxtorture
if [[ $do_build -eq 1 ]]; then
  bash scripts/install-deps.sh >&2
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target daxtorture >&2
fi
[[ -x $DT ]] || { echo "selftest: $DT missing: drop --no-build or build it first" >&2; exit 3; }
[[ -e $out && -n "$(ls -A "$out" 2>/dev/null)" ]] && die "$out exists and is not empty"
mkdir -p "$out"

args=(selftest --all --budget "$budget" --accel "$accel" --out "$out/runs"
      --metrics-textfile "$out/selftest.prom")
[[ -n $jobs ]] && args+=(--jobs "$jobs")
set +e
"$DT" "${args[@]}" | tee "$out/selftest.txt"
rc=${PIPESTATUS[0]}
set -e
[[ -f $out/runs/selftest.json ]] && cp "$out/runs/selftest.json" "$out/selftest.json"

if [[ -n $pushgateway && -f $out/selftest.prom ]]; then
  curl -fsS --data-binary "@$out/selftest.prom" \
    "${pushgateway%/}/metrics/job/daxtorture_selftest" >&2 || echo "selftest: push failed" >&2
fi

# Artifacts: stores and run records always; console logs only of runs with findings.
python3 - "$out" <<'PY'
import glob, json, os, sys, tarfile
out = sys.argv[1]
root = os.path.join(out, "runs")
with tarfile.open(os.path.join(out, "artifacts.tar.gz"), "w:gz") as tar:
    for path in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
        rel = os.path.relpath(path, out)
        if path.endswith("results.sqlite") or path.endswith("selftest.json"):
            tar.add(path, rel)
        elif path.endswith(".json") and os.sep + "runs" + os.sep in rel[5:]:
            tar.add(path, rel)
            try:
                findings = json.load(open(path)).get("findings") or []
            except ValueError:
                findings = []
            log = os.path.join(path[:-5], "console.log")
            if findings and os.path.isfile(log):
                tar.add(log, os.path.relpath(log, out))
PY
echo "selftest: exit $rc; table in $out/selftest.txt" >&2
exit "$rc"
