#!/bin/bash
# Boot benchmark: raw `qemu -kernel` boot-to-init vs the harness's boot-to-agent-ready (and
# boot-to-DAX-proof) on the same cached image, per kernel; and a fresh guest's namespace step
# made by ndctl (the image's namespace template removed first, as on an image's first boot)
# against the same step from the template. With two kernels (KERNELS="default 6.12") the
# second is also given as a ratio to the first, measured in the same run. Last, a fresh guest
# as the VM pool starts it in snapshot mode: loaded from the image's saved ready state
# (`boot --ready-state`), its start-to-agent-ready against the same raw boot.
# Usage: [KERNELS="default 6.12"] bench/boot.sh [N] [tcg|kvm]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
accel=${2:-tcg}
read -r -a kernels <<<"${KERNELS:-default}"
bin=${DT:-build/daxtorture}
accel_args=(-accel tcg,thread=multi -cpu max)
[[ $accel == kvm ]] && accel_args=(-accel kvm -cpu host)

raw_boot() {  # KERNEL INITRD: seconds until the kernel hands over to /init
  local start end
  start=$(date +%s.%N)
  timeout 120 qemu-system-x86_64 -nodefaults -no-user-config -display none -machine q35 "${accel_args[@]}" \
    -smp 2 -m 1G -kernel "$1" -initrd "$2" -append "console=ttyS0 panic=-1" -serial stdio -no-reboot \
    | while IFS= read -r line; do
        if [[ $line == *"Run /init as init process"* ]]; then date +%s.%N; break; fi
      done > /tmp/dt-bench-raw.$$ || true
  pkill -f "$2" 2>/dev/null || true
  end=$(cat /tmp/dt-bench-raw.$$)
  rm -f /tmp/dt-bench-raw.$$
  echo "$end - $start" | bc -l
}
# shellcheck source=bench/lib.sh
source bench/lib.sh  # the working directory is the repository root (above)

printf 'accel=%s runs=%s kernels=%s\n' "$accel" "$n" "${kernels[*]}"
declare -A R H P S
for k in "${kernels[@]}"; do
  dir=$($bin image path --kernel "$k")
  kernel=$(jq -r .kernel "$dir/manifest.json")
  initrd=$(jq -r .initramfs "$dir/manifest.json")
  raw=() ready=() proof=() ns_ndctl=() ns_tmpl=() proof_ndctl=()
  for _ in $(seq "$n"); do raw+=("$(raw_boot "$kernel" "$initrd")"); done
  for _ in $(seq "$n"); do  # the image's first boot: ndctl makes the namespace
    rm -f "$dir"/fsdax-nvdimm0-*.img
    j=$($bin boot --kernel "$k" --fs xfs --json --accel "$accel" 2>/dev/null)
    [[ $(jq -r .namespaces <<<"$j") == ndctl ]] || { echo "expected ndctl: $j" >&2; exit 1; }
    ns_ndctl+=("$(jq -r .namespace_s <<<"$j")")
    proof_ndctl+=("$(jq -r .boot_to_dax_proof_s <<<"$j")")
  done
  for _ in $(seq "$n"); do  # every later boot: the namespace comes up from the template
    j=$($bin boot --kernel "$k" --fs xfs --json --accel "$accel" 2>/dev/null)
    [[ $(jq -r .namespaces <<<"$j") == template ]] || { echo "expected template: $j" >&2; exit 1; }
    ready+=("$(jq -r .boot_to_ready_s <<<"$j")")
    proof+=("$(jq -r .boot_to_dax_proof_s <<<"$j")")
    ns_tmpl+=("$(jq -r .namespace_s <<<"$j")")
  done
  $bin boot --kernel "$k" --fs xfs --json --accel "$accel" --ready-state >/dev/null 2>&1  # saves it
  rs_ready=() rs_proof=()
  for _ in $(seq "$n"); do  # a fresh guest as the VM pool starts it: from the saved ready state
    j=$($bin boot --kernel "$k" --fs xfs --json --accel "$accel" --ready-state 2>/dev/null)
    [[ $(jq -r .start <<<"$j") == "ready state" ]] || { echo "expected a ready state: $j" >&2; exit 1; }
    rs_ready+=("$(jq -r .boot_to_ready_s <<<"$j")")
    rs_proof+=("$(jq -r .boot_to_dax_proof_s <<<"$j")")
  done
  R[$k]=$(median "${raw[@]}"); H[$k]=$(median "${ready[@]}"); P[$k]=$(median "${proof[@]}")
  S[$k]=$(median "${rs_ready[@]}")
  printf '%s (%s)\n' "$k" "$(jq -r .kernel_release "$dir/manifest.json")"
  printf '  %-44s %8.2f s\n' "raw qemu -kernel boot-to-init (median)" "${R[$k]}"
  printf '  %-44s %8.2f s\n' "harness boot-to-agent-ready (median)" "${H[$k]}"
  printf '  %-44s %8.2f\n' "ratio ready/raw" "$(echo "${H[$k]} / ${R[$k]}" | bc -l)"
  printf '  %-44s %8.2f s\n' "namespace step, ndctl (median)" "$(median "${ns_ndctl[@]}")"
  printf '  %-44s %8.2f s\n' "namespace step, from the template (median)" "$(median "${ns_tmpl[@]}")"
  printf '  %-44s %8.2f s\n' "boot-to-DAX-proof xfs, ndctl (median)" "$(median "${proof_ndctl[@]}")"
  printf '  %-44s %8.2f s\n' "boot-to-DAX-proof xfs, template (median)" "${P[$k]}"
  printf '  %-44s %8.2f s\n' "ready state: start-to-agent-ready (median)" "${S[$k]}"
  printf '  %-44s %8.2f\n' "ratio ready-state start / raw boot" "$(echo "${S[$k]} / ${R[$k]}" | bc -l)"
  printf '  %-44s %8.2f s\n' "ready state: start-to-DAX-proof xfs (median)" "$(median "${rs_proof[@]}")"
done
if [[ ${#kernels[@]} -ge 2 ]]; then
  a=${kernels[0]} b=${kernels[1]}
  printf '%s vs %s: boot-to-init %.2f x, boot-to-agent-ready %.2f x, boot-to-DAX-proof %.2f x\n' "$b" "$a" \
    "$(echo "${R[$b]} / ${R[$a]}" | bc -l)" "$(echo "${H[$b]} / ${H[$a]}" | bc -l)" \
    "$(echo "${P[$b]} / ${P[$a]}" | bc -l)"
fi
