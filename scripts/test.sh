#!/bin/bash
# Every test: unit tests, the parser fuzzer, and integration tests that boot real VMs on the
# real kernel (and start real Prometheus/Pushgateway and libvirtd where the tests need them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure --timeout 1200 "$@"
