#!/bin/bash
# Start a local libvirtd serving qemu:///system, for the libvirt backend's integration tests
# and for hosts without systemd (containers, CI runners). Idempotent: when a daemon already
# answers at qemu:///system (systemd's, or one this script started) it does nothing.
#
# The daemon gets a private /etc/libvirt (bind-mounted in its own mount namespace, so the
# host's configuration is never touched) with:
#   qemu.conf:     user/group root, security_driver "none" (no AppArmor/SELinux here),
#                  stdio_handler "file" (no virtlogd), no per-domain namespaces or cgroups
#   libvirtd.conf: unix socket auth "none" (no polkit), log to /var/log/libvirt/libvirtd.log
# State (config, pid file) lives in $DT_LIBVIRTD_STATE (default /var/tmp/daxtorture-libvirtd);
# stop-libvirtd.sh stops only a daemon this script started.
set -euo pipefail

URI=qemu:///system
STATE=${DT_LIBVIRTD_STATE:-/var/tmp/daxtorture-libvirtd}
WAIT_S=${DT_LIBVIRTD_WAIT:-30}

die() { echo "start-libvirtd: $*" >&2; exit 3; }
answers() { timeout 10 virsh -q -c "$URI" version >/dev/null 2>&1; }

command -v virsh >/dev/null || die "virsh missing: bash scripts/install-deps.sh (scripts/deps/libvirt.txt)"
if answers; then
  echo "start-libvirtd: a daemon already answers at $URI"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || die "qemu:///system is root's daemon: run as root (sudo $0)"
LIBVIRTD=$(command -v libvirtd || true)
[[ -n $LIBVIRTD ]] || die "libvirtd missing: bash scripts/install-deps.sh (libvirt-daemon, libvirt-daemon-driver-qemu)"
[[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]] ||
  die "libvirt's QEMU driver missing: apt-get install libvirt-daemon-driver-qemu"

# libvirt resolves its built-in QEMU user (Debian: libvirt-qemu, group kvm) before it reads
# qemu.conf, so the account must exist even though the VMs run as root. Debian's
# libvirt-daemon-system creates it; without that package, create it here.
if ! getent passwd libvirt-qemu >/dev/null; then
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin -g kvm libvirt-qemu
  echo "start-libvirtd: created system user libvirt-qemu (as libvirt-daemon-system would)"
fi
mkdir -p "$STATE/etc/qemu" /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
cat >"$STATE/etc/qemu.conf" <<'CONF'
# written by daxtorture tests/integration/libvirt/start-libvirtd.sh
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
namespaces = [ ]
cgroup_controllers = [ ]
CONF
cat >"$STATE/etc/libvirtd.conf" <<'CONF'
# written by daxtorture tests/integration/libvirt/start-libvirtd.sh
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
cat >"$STATE/etc/libvirt.conf" <<'CONF'
uri_default = "qemu:///system"
CONF
[[ -f /etc/libvirt/libvirt-admin.conf ]] && cp /etc/libvirt/libvirt-admin.conf "$STATE/etc/"

# A pid file left by a daemon that died: the socket it leaves is stale, libvirtd replaces it.
if [[ -f $STATE/libvirtd.pid ]] && ! kill -0 "$(cat "$STATE/libvirtd.pid")" 2>/dev/null; then
  rm -f "$STATE/libvirtd.pid"
fi

command -v unshare >/dev/null || die "unshare missing (util-linux)"
if ! unshare -m --propagation private true 2>/dev/null; then
  die "cannot create a mount namespace for a private /etc/libvirt (needs CAP_SYS_ADMIN); on a host with
systemd use its daemon instead: systemctl start libvirtd (or virtqemud)"
fi
echo "start-libvirtd: starting $LIBVIRTD (config $STATE/etc, log /var/log/libvirt/libvirtd.log)"
# shellcheck disable=SC2016
unshare -m --propagation private sh -c 'mount --bind "$1/etc" /etc/libvirt && exec "$2" -d --pid-file "$1/libvirtd.pid"' \
  sh "$STATE" "$LIBVIRTD"

for ((i = 0; i < WAIT_S * 4; i++)); do
  if answers; then
    echo "start-libvirtd: up at $URI (pid $(cat "$STATE/libvirtd.pid" 2>/dev/null || echo '?'))"
    exit 0
  fi
  sleep 0.25
done
echo "start-libvirtd: no answer at $URI after ${WAIT_S}s; last lines of /var/log/libvirt/libvirtd.log:" >&2
tail -n 20 /var/log/libvirt/libvirtd.log >&2 || true
exit 3
