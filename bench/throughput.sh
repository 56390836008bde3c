#!/bin/bash
# Throughput benchmark: iterations/s and faults/s per workload x filesystem in the guest
# (TCG, 2 vCPUs), from a real campaign's store. Usage: bench/throughput.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d /tmp/dt-bench-XXXXXX)}
build/daxtorture run bench/campaigns/throughput.yaml --out "$out" --jobs 1 --accel "${ACCEL:-tcg}" --no-canary >&2 || true
sqlite3 -header -column "$out/results.sqlite" "
  SELECT fs, workload, status,
         printf('%.0f', iterations / json_extract(record, '$.workload_s')) AS it_per_s,
         printf('%.0f', faults / json_extract(record, '$.workload_s')) AS faults_per_s,
         printf('%.1f', boot_to_ready_s) AS boot_s
  FROM runs ORDER BY workload, fs;"
