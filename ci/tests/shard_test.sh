#!/bin/bash
# --shard K/N slices, taken together, are exactly the unsharded matrix: no cell lost, none run
# twice. Uses the list mode (no image, no VM). Args: DAXTORTURE_BIN [CAMPAIGN...]
set -euo pipefail
cd "$(dirname "$0")/../.."
DT=$1
shift
campaigns=("$@")
[[ ${#campaigns[@]} -gt 0 ]] || campaigns=(campaigns/nightly.yaml campaigns/quick.yaml)
tmp=$(mktemp -d /tmp/dt-shard-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0 checks=0
check() {  # name, condition result
  checks=$((checks + 1))
  if [[ $2 -ne 0 ]]; then echo "FAIL: $1"; fail=$((fail + 1)); else echo "ok: $1"; fi
}
for c in "${campaigns[@]}"; do
  bash ci/list-cells.sh --daxtorture "$DT" "$c" >"$tmp/all"
  n=$(wc -l <"$tmp/all")
  check "$c: the matrix is not empty ($n cells)" "$([[ $n -gt 0 ]]; echo $?)"
  check "$c: cell ids are unique" "$([[ $(sort "$tmp/all" | uniq -d | wc -l) -eq 0 ]]; echo $?)"
  for N in 2 3; do
    : >"$tmp/union"
    for ((K = 1; K <= N; K++)); do
      bash ci/list-cells.sh --daxtorture "$DT" --shard "$K/$N" "$c" >"$tmp/s$K"
      cat "$tmp/s$K" >>"$tmp/union"
    done
    check "$c: shards 1..$N/$N hold each cell once" "$([[ $(sort "$tmp/union" | uniq -d | wc -l) -eq 0 ]]; echo $?)"
    check "$c: shards 1..$N/$N together = the unsharded matrix" "$(cmp -s <(sort "$tmp/all") <(sort "$tmp/union"); echo $?)"
  done
  # The nightly entry point lists through the same path.
  bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign "$c" --list --shard 1/2 >"$tmp/n1"
  bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign "$c" --list --shard 2/2 >"$tmp/n2"
  check "$c: ci/nightly.sh --list --shard 1/2 + 2/2 = the matrix" "$(cmp -s <(sort "$tmp/all") <(sort "$tmp/n1" "$tmp/n2"); echo $?)"
done
# A filesystem slice (the CI matrix axis) is a subset with only that filesystem.
bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign campaigns/nightly.yaml --fs ext2 --list >"$tmp/ext2"
check "--fs ext2 lists only ext2 cells" "$([[ -s $tmp/ext2 ]] && ! grep -qv '^ext2/' "$tmp/ext2"; echo $?)"
# --kernel NAME replaces the kernel axis with one kernel name; an unknown name is a usage error.
bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign campaigns/quick.yaml --kernel 6.12 --list >"$tmp/k612"
check "--kernel 6.12 lists only 6.12 cells" "$([[ -s $tmp/k612 ]] && ! grep -qv '/6.12/r[0-9]*$' "$tmp/k612"; echo $?)"
set +e
bash ci/nightly.sh --no-build --build-dir "$(dirname "$DT")" --campaign campaigns/quick.yaml --kernel 9.9 --list >/dev/null 2>"$tmp/k99"
rc=$?
set -e
check "--kernel 9.9 is a usage error naming the kernel (exit $rc)" "$([[ $rc -eq 2 ]] && grep -q "unknown kernel '9.9'" "$tmp/k99"; echo $?)"
echo "$((checks - fail)) passed, $fail failed"
[[ $fail -eq 0 ]]
