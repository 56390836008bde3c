#!/bin/bash
# Build a guest bzImage out of tree: x86_64_defconfig + one merged daxtorture fragment.
# Called by `daxtorture image build`; the harness owns cache keys, directories and patches
# (it applies them to the source tree before calling this and reverts them afterwards).
# The object directory is kept between builds so that a changed fragment or a mutant
# patch costs an incremental rebuild, not a cold one.
set -euo pipefail

usage() {
  echo "usage: $0 --src DIR [--tarball T.tar.xz] --obj DIR --config FRAG --out DIR [--jobs N]" \
    "[--module SRCDIR]" >&2
  exit 2
}
src="" tarball="" obj="" frag="" out="" jobs=3 module=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --src) src=$2; shift 2 ;;
    --tarball) tarball=$2; shift 2 ;;
    --obj) obj=$2; shift 2 ;;
    --config) frag=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ -n $src && -n $obj && -n $frag && -n $out ]] || usage

log() { echo "[build-kernel] $*" >&2; }

# 1. Source: unpack the tarball once (a marker records completion, so a killed unpack is redone).
if [[ -n $tarball && ! -e $src/.daxtorture-unpacked ]]; then
  log "unpacking $tarball"
  rm -rf "$src" && mkdir -p "$src"
  tar -xf "$tarball" -C "$src" --strip-components=1
  touch "$src/.daxtorture-unpacked"
fi
[[ -f $src/Makefile && -d $src/arch/x86 ]] || { echo "error: $src is not a Linux source tree" >&2; exit 1; }

# 2. Config: defconfig, merge our fragment, let Kconfig resolve dependencies.
mkdir -p "$obj" "$out"
log "configuring in $obj"
make -s -C "$src" O="$obj" x86_64_defconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >/dev/null
make -s -C "$src" O="$obj" olddefconfig >/dev/null

# 3. Build. Only bzImage: the guest needs no in-tree modules.
log "make -j$jobs bzImage"
start=$(date +%s)
make -C "$src" O="$obj" -j"$jobs" bzImage
log "built in $(( $(date +%s) - start ))s"

# 4. Out-of-tree modules (the canary) against exactly this build. Nothing is built as =m, so
# vmlinux's symbol versions are all there is to resolve against.
if [[ -n $module ]]; then
  log "module $module"
  [[ -e $obj/Module.symvers ]] || cp "$obj/vmlinux.symvers" "$obj/Module.symvers"
  make -s -C "$src" O="$obj" -j"$jobs" modules_prepare
  rm -rf "$out/module" && cp -r "$module" "$out/module"
  make -C "$src" O="$obj" M="$out/module" modules
  cp "$out/module/"*.ko "$out/"
  rm -rf "$out/module"
fi

cp "$obj/arch/x86/boot/bzImage" "$out/bzImage.tmp" && mv "$out/bzImage.tmp" "$out/bzImage"
# The vmlinux of exactly this build, for symbols and file:line in reports; the object
# directory's copy is overwritten by the next build. Compressed DWARF: addr2line reads it.
objcopy --compress-debug-sections=zlib "$obj/vmlinux" "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"
cp "$obj/.config" "$out/config"
make -s -C "$src" O="$obj" kernelrelease > "$out/release"
