#!/bin/bash
# Print the cells of a campaign (one id per line), optionally only shard K/N, without booting
# anything. Uses `daxtorture run --list --json`; a build whose `run` has no --list falls back
# to `daxtorture validate` (cell count only) and prints "#<index>" placeholders, sharded by the
# same rule as `run --shard` (index % N == K-1).
#   ci/list-cells.sh [--daxtorture BIN] [--shard K/N] [--json] CAMPAIGN
set -euo pipefail
cd "$(dirname "$0")/.."
DT=${DT_BIN:-build/daxtorture}
shard=""
json=0
campaign=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --daxtorture) DT=$2; shift 2 ;;
    --shard) shard=$2; shift 2 ;;
    --json) json=1; shift ;;
    -*) echo "list-cells: unknown option $1" >&2; exit 2 ;;
    *) campaign=$1; shift ;;
  esac
done
[[ -n $campaign ]] || { echo "usage: ci/list-cells.sh [--shard K/N] [--json] CAMPAIGN" >&2; exit 2; }
[[ -x $DT ]] || { echo "list-cells: $DT missing (build first, or --daxtorture BIN)" >&2; exit 3; }

if "$DT" run --help 2>&1 | grep -q -- --list; then
  args=(run "$campaign" --list --json)
  [[ -n $shard ]] && args+=(--shard "$shard")
  if [[ $json -eq 1 ]]; then
    exec "$DT" "${args[@]}"
  fi
  "$DT" "${args[@]}" | python3 -c 'import json,sys
for l in sys.stdin:
    l = l.strip()
    if l: print(json.loads(l)["id"])'
  exit "${PIPESTATUS[0]}"
fi

# Fallback: count from validate ("<file>: N cells (...)").
line=$("$DT" validate "$campaign" 2>/dev/null | grep -E ': [0-9]+ cells' | tail -n1)
[[ -n $line ]] || { echo "list-cells: daxtorture validate did not report a cell count for $campaign" >&2; exit 2; }
n_cells=$(sed -E 's/.*: ([0-9]+) cells.*/\1/' <<<"$line")
k=1 n=1
if [[ -n $shard ]]; then
  [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] || { echo "list-cells: --shard K/N, not $shard" >&2; exit 2; }
  k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
fi
for ((i = 0; i < n_cells; i++)); do
  if ((i % n == k - 1)); then
    if [[ $json -eq 1 ]]; then echo "{\"index\":$i,\"id\":\"#$i\"}"; else echo "#$i"; fi
  fi
done
