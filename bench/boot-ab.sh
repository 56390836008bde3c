#!/bin/bash
# Boot-to-agent-ready of two guest setups, interleaved run by run on one host (the host's load
# drifts more between two separate runs than the difference we look for). Each setup is a
# kernel, an initramfs and an NVDIMM shape; the QEMU command line is the harness's (q35, the
# NVDIMM, virtio-serial, pvpanic, the harness's kernel command line), on a zeroed NVDIMM file,
# timed from QEMU's start until the agent prints "ready on" on the console.
# Usage: bench/boot-ab.sh N "KERNEL_A INITRD_A SIZE_MIB_A LABEL_KIB_A" "KERNEL_B INITRD_B ..."
#   LABEL_KIB 0: a label-less NVDIMM (what the harness runs since session 13); 128: the old one.
set -euo pipefail
n=$1
read -r -a A <<<"$2"
read -r -a B <<<"$3"
work=$(mktemp -d /tmp/dt-boot-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
cmdline="console=ttyS0,115200 panic=-1 loglevel=7 printk.devkmsg=on no_hash_pointers \
rcupdate.rcu_cpu_stall_suppress_at_boot=1 hung_task_panic=0 softlockup_panic=0 no_timer_check \
trace_event=fs_dax:dax_writeback_one kasan_multi_shot"

boot() {  # KERNEL INITRD SIZE_MIB LABEL_KIB: seconds until the agent is ready
  local nv=$work/nvdimm.img sock=$work/agent dev="nvdimm,id=nvdimm0,memdev=mem0" start end=""
  rm -f "$nv" "$sock"
  truncate -s "$3M" "$nv"
  [[ $4 != 0 ]] && dev+=",label-size=$4K"
  start=$(date +%s.%N)
  coproc Q { exec timeout 120 qemu-system-x86_64 -nodefaults -no-user-config -display none \
    -machine q35,nvdimm=on -accel tcg,thread=multi -cpu max -smp 2 \
    -m "1024M,slots=2,maxmem=$((2048 + $3))M" -device pvpanic -no-reboot \
    -object "memory-backend-file,id=mem0,share=on,mem-path=$nv,size=$3M,align=2M" -device "$dev" \
    -kernel "$1" -initrd "$2" -append "$cmdline" -serial stdio \
    -device virtio-serial-pci,id=vser0 -chardev "socket,id=agent,path=$sock,server=on,wait=off" \
    -device virtserialport,bus=vser0.0,chardev=agent,name=org.daxtorture.agent 2>&1; }
  while IFS= read -r line <&"${Q[0]}"; do
    if [[ $line == *"ready on"* ]]; then end=$(date +%s.%N); break; fi
  done
  kill "$Q_PID" 2>/dev/null || true
  wait "$Q_PID" 2>/dev/null || true
  [[ -n $end ]] || { echo "no agent on the console" >&2; exit 1; }
  echo "$end - $start" | bc -l
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

ra=() rb=()
for _ in $(seq "$n"); do
  ra+=("$(boot "${A[@]}")")
  rb+=("$(boot "${B[@]}")")
done
ma=$(median "${ra[@]}") mb=$(median "${rb[@]}")
printf 'A: %s\nB: %s\nboot-to-agent-ready, median of %s: A %.2f s, B %.2f s, B/A %.2f\n' \
  "${ra[*]}" "${rb[*]}" "$n" "$ma" "$mb" "$(echo "$mb / $ma" | bc -l)"
