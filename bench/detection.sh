#!/bin/bash
# Detection benchmark: campaign time until each mutant kernel is killed, median over seeds.
# Mutant images are built (incrementally) on first use. Usage:
#   bench/detection.sh [SEEDS (default "1 2 3")] [BUDGET (default 3m)] [MUTANT...]
# CAMPAIGN=campaigns/hunt.yaml runs every mutant under that one campaign instead of its own
# (a catalogue outside the tree is written for it: the hunt preset's time to kill).
# CLEAN=1 judges differentially (the clean kernel first, same budget and seed).
set -euo pipefail
cd "$(dirname "$0")/.."
DT=${DT:-build/daxtorture}
seeds=${1:-1 2 3}
budget=${2:-3m}
shift $(( $# > 2 ? 2 : $# )) || true
mutants=("$@")
[[ ${#mutants[@]} -gt 0 ]] || mapfile -t mutants < <("$DT" selftest --list | awk 'NR % 2 == 1 {print $1}')
out=$(mktemp -d /tmp/dt-detect-XXXXXX)
cat_args=()
if [[ -n ${CAMPAIGN:-} ]]; then
  # Same patches, one campaign: a catalogue of our own, outside the source tree.
  camp=$(realpath "$CAMPAIGN") dir=$PWD/guest-images/mutants
  {
    echo "version: 1"
    echo "mutants:"
    "$DT" selftest --list | awk -v dir="$dir" -v camp="$camp" 'NR % 2 == 1 {
      id = $1; $1 = ""; sub(/^ +/, ""); gsub(/\x27/, "\x27\x27")
      printf "  - id: %s\n    breaks: \x27%s\x27\n    patch: %s/%s.patch\n    campaign: %s\n", id, $0, dir, id, camp
    }'
  } >"$out/cat.yaml"
  cat_args=(--catalogue "$out/cat.yaml")
fi
clean_args=(--no-clean)
[[ ${CLEAN:-0} == 1 ]] && clean_args=()
printf '%-32s %-22s %-9s %s\n' mutant "detection_s per seed" median "first finding"
for m in "${mutants[@]}"; do
  times=() title=""
  for s in $seeds; do
    j=$("$DT" selftest "${cat_args[@]}" --mutant "$m" "${clean_args[@]}" --seed "$s" --budget "$budget" --accel "${ACCEL:-tcg}" \
          --out "$out/$m-$s" --json 2>/dev/null || true)
    t=$(python3 -c 'import json,sys; m=json.loads(sys.argv[1])["mutants"][0]; print(round(m["kill"]["detection_s"]) if m["killed"] else "-")' "$j" 2>/dev/null || echo err)
    [[ -z $title ]] && title=$(python3 -c 'import json,sys; m=json.loads(sys.argv[1])["mutants"][0]; print(m["kill"]["title"] if m["killed"] else "")' "$j" 2>/dev/null || true)
    times+=("$t")
  done
  median=$(printf '%s\n' "${times[@]}" | { grep -E '^[0-9]+$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}')
  printf '%-32s %-22s %-9s %s\n' "$m" "${times[*]}" "$median" "$title"
done
