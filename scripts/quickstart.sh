#!/bin/bash
# The main job: set up, then run the short default campaign on the default image.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="daxtorture-out/quick-$(date -u +%Y%m%dT%H%M%SZ)"
exec ./build/daxtorture run campaigns/quick.yaml --out "$out" "$@"
