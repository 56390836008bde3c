#!/bin/bash
# Scale and overhead benchmark: the same 6 runs (bench/campaigns/scale.yaml) with 1..N VMs at
# a time. Reports wall time, VMs/hour, total guest iterations/s, peak QEMU RSS per VM and the
# harness's own CPU time per VM-hour (daxtorture records getrusage(RUSAGE_SELF) in the store).
# Usage: bench/scale.sh [MAX_JOBS (default 3)] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-3}
out=${2:-$(mktemp -d /tmp/dt-scale-XXXXXX)}
DT=${DT:-build/daxtorture}
printf '%-5s %-8s %-9s %-10s %-14s %-13s %s\n' jobs wall_s VMs/hour it/s_total peak_rss_MiB harness_cpu_s cpu_s/VM-hour
for j in $(seq 1 "$max"); do
  o=$out/jobs$j
  rss_log=$o.rss
  mkdir -p "$(dirname "$o")"
  # Peak RSS of our QEMU processes (the out dir is in their NVDIMM paths), sampled each second.
  ( while :; do ps -eo rss=,args= | awk -v d="$o" 'index($0, d) && /qemu-system/ {print $1}'; sleep 1; done ) > "$rss_log" 2>/dev/null &
  sampler=$!
  start=$(date +%s.%N)
  "$DT" run bench/campaigns/scale.yaml --out "$o" --jobs "$j" --accel "${ACCEL:-tcg}" --no-canary >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  kill "$sampler" 2>/dev/null || true
  wall=$(echo "$end - $start" | bc -l)
  read -r runs iters <<<"$(sqlite3 -separator ' ' "$o/results.sqlite" "SELECT count(*), sum(iterations) FROM runs;")"
  cpu=$(sqlite3 "$o/results.sqlite" "SELECT value FROM meta WHERE key='harness_cpu_s';")
  vms=$(sqlite3 "$o/results.sqlite" "SELECT value FROM meta WHERE key='vm_seconds';")
  peak=$(sort -n "$rss_log" | tail -1)
  printf '%-5s %-8.0f %-9.0f %-10.0f %-14.0f %-13s %.0f\n' "$j" "$wall" "$(echo "$runs * 3600 / $wall" | bc -l)" \
    "$(echo "$iters / $wall" | bc -l)" "$(echo "${peak:-0} / 1024" | bc -l)" "$cpu" \
    "$(echo "$cpu / ($vms / 3600)" | bc -l)"
done
