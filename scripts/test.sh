#!/bin/bash
# Every test: unit tests, the parser fuzzer, and integration tests that boot real VMs on the
# real kernel (and start real Prometheus/Pushgateway and libvirtd where the tests need them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The tests of the second built-in kernel (6.12) build it first when it is not cached (about
# 15 min on 2 cores, linux-source-6.12 installed on demand); DT_TEST_612=0 leaves them out.
select=()
[[ ${DT_TEST_612:-1} == 0 ]] && select=(-LE kernel612)
ctest --test-dir build --output-on-failure --timeout 1200 "${select[@]}" "$@"
