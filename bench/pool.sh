#!/bin/bash
# VM pool benchmark: the same campaign with one fresh VM per cell (--reuse-vm 1, the baseline),
# with kept guests rebooted when unfit (--reuse-vm N --no-snapshot-reset) and with kept guests
# in snapshot mode (--snapshot-reset, the default: an unfit guest is restored), in one run.
# Per-cell overhead is a cell's wall time minus its configured racing time; cells/hour and race
# iterations/hour are over the campaign's wall time. Ratios are against the first mode (the
# baseline, fresh by default); MODES="pool snapshot" compares the two reset modes alone.
# Usage: bench/pool.sh [CAMPAIGN (default campaigns/quick.yaml)] [N (default 8)] [JOBS (default 1)] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
campaign=${1:-campaigns/quick.yaml}
n=${2:-8}
jobs=${3:-1}
out=${4:-$(mktemp -d /tmp/dt-pool-bench-XXXXXX)}
DT=${DT:-build/daxtorture}
mkdir -p "$out"
modes=(${MODES:-fresh pool snapshot})
declare -A wall overhead cph iph boot
for mode in "${modes[@]}"; do
  args=(--reuse-vm 1)
  [[ $mode == pool ]] && args=(--reuse-vm "$n" --no-snapshot-reset)
  [[ $mode == snapshot ]] && args=(--reuse-vm "$n" --snapshot-reset)
  o=$out/$mode
  start=$(date +%s.%N)
  "$DT" run "$campaign" --out "$o" --jobs "$jobs" "${args[@]}" --accel "${ACCEL:-tcg}" \
    --no-canary --baseline none >/dev/null 2>"$o.err" || true
  end=$(date +%s.%N)
  w=$(echo "$end - $start" | bc -l)
  # Per run: total_s minus the racing time it was configured for (cell.duration_s).
  read -r cells iters ovh boots reused restored <<<"$(python3 - "$o" <<'PY'
import json, os, sys
d = os.path.join(sys.argv[1], "runs")
runs = [json.load(open(os.path.join(d, f))) for f in os.listdir(d) if f.endswith(".json")]
dur = [r["cell"].get("duration_s", 0) for r in runs]
ovh = sorted(r["total_s"] - t for r, t in zip(runs, dur))
med = ovh[len(ovh) // 2] if ovh else 0
print(len(runs), sum(r.get("iterations", 0) for r in runs), "%.1f" % med,
      sum(1 for r in runs if r.get("guest_cell", 1) == 1), sum(1 for r in runs if r.get("guest_cell", 1) > 1),
      sum(1 for r in runs if r.get("guest_restored")))
PY
)"
  wall[$mode]=$w
  overhead[$mode]=$ovh
  cph[$mode]=$(echo "$cells * 3600 / $w" | bc -l)
  iph[$mode]=$(echo "$iters * 3600 / $w" | bc -l)
  boot[$mode]="$boots boots, $reused cells on a kept guest, $restored restores"
done
printf '%-9s %-8s %-22s %-10s %-14s %s\n' mode wall_s median_overhead_s cells/h iterations/h guests
for mode in "${modes[@]}"; do
  printf '%-9s %-8.0f %-22s %-10.0f %-14.0f %s\n' "$mode" "${wall[$mode]}" "${overhead[$mode]}" \
    "${cph[$mode]}" "${iph[$mode]}" "${boot[$mode]}"
done
# Ratios against the first mode run (fresh unless MODES says otherwise).
b=${modes[0]}
for mode in "${modes[@]:1}"; do
  printf 'ratio %s/%s: wall %.2f, cells/h %.2f, iterations/h %.2f, overhead %.2f\n' "$mode" "$b" \
    "$(echo "${wall[$mode]} / ${wall[$b]}" | bc -l)" "$(echo "${cph[$mode]} / ${cph[$b]}" | bc -l)" \
    "$(echo "${iph[$mode]} / ${iph[$b]}" | bc -l)" "$(echo "${overhead[$mode]} / ${overhead[$b]}" | bc -l)"
done
echo "results in $out"
