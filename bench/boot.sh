#!/bin/bash
# Boot benchmark: raw `qemu -kernel` boot-to-init vs the harness's boot-to-agent-ready (and
# boot-to-DAX-proof) on the same cached image. Usage: bench/boot.sh [N] [tcg|kvm]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
accel=${2:-tcg}
bin=build/daxtorture
dir=$($bin image path)
kernel=$(jq -r .kernel "$dir/manifest.json")
initrd=$(jq -r .initramfs "$dir/manifest.json")
accel_args=(-accel tcg,thread=multi -cpu max)
[[ $accel == kvm ]] && accel_args=(-accel kvm -cpu host)

raw_boot() {  # seconds until the kernel hands over to /init
  local start end
  start=$(date +%s.%N)
  timeout 120 qemu-system-x86_64 -nodefaults -no-user-config -display none -machine q35 "${accel_args[@]}" \
    -smp 2 -m 1G -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1" -serial stdio -no-reboot \
    | while IFS= read -r line; do
        if [[ $line == *"Run /init as init process"* ]]; then date +%s.%N; break; fi
      done > /tmp/dt-bench-raw.$$ || true
  pkill -f "$initrd" 2>/dev/null || true
  end=$(cat /tmp/dt-bench-raw.$$)
  rm -f /tmp/dt-bench-raw.$$
  echo "$end - $start" | bc -l
}

raw=() ready=() proof=()
for _ in $(seq "$n"); do raw+=("$(raw_boot)"); done
for _ in $(seq "$n"); do
  j=$($bin boot --fs xfs --json --accel "$accel" 2>/dev/null)
  ready+=("$(jq -r .boot_to_ready_s <<<"$j")")
  proof+=("$(jq -r .boot_to_dax_proof_s <<<"$j")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
r=$(median "${raw[@]}"); h=$(median "${ready[@]}"); p=$(median "${proof[@]}")
printf 'accel=%s runs=%s\n' "$accel" "$n"
printf '%-38s %8.2f s\n' "raw qemu -kernel boot-to-init (median)" "$r"
printf '%-38s %8.2f s\n' "harness boot-to-agent-ready (median)" "$h"
printf '%-38s %8.2f s\n' "harness boot-to-DAX-proof, xfs (median)" "$p"
printf '%-38s %8.2f\n' "ratio ready/raw" "$(echo "$h / $r" | bc -l)"
