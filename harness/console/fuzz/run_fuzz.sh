#!/bin/bash
# Runs the console parser fuzzer for a bounded time over a seed corpus made from testdata/.
# Usage: run_fuzz.sh FUZZER TESTDATA_DIR WORK_DIR SECONDS. Fails on any crash, leak or timeout.
set -euo pipefail
fuzzer=$1 testdata=$2 work=$3 secs=${4:-20}
if [[ ! -x $fuzzer ]]; then
  echo "console_fuzz: $fuzzer not built (cmake --build . --target console_parser_fuzz); skipping"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
# Seeds: every corpus file with a chunk-size byte in front (the target's input format).
i=0
for f in "$testdata"/reports/*.txt "$testdata"/clean/*.txt; do
  { printf '\x07'; cat "$f"; } > "$work/seeds/$(printf '%03d' $i)"
  i=$((i + 1))
done
echo "console_fuzz: $i seeds, ${secs}s"
set +e
"$fuzzer" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" \
  > "$work/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$work/fuzz.log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
echo "console_fuzz: executions=${execs:-?} exit=$rc"
if [[ $rc -ne 0 ]]; then
  tail -n 60 "$work/fuzz.log"
  exit 1
fi
