#!/bin/bash
# A private sshd on 127.0.0.1 for the libvirt backend's remote-URI tests, so that
# qemu+ssh://root@localhost:PORT/system exercises the remote code path (console and agent over
# libvirt streams, files staged in a storage pool) against the local libvirtd. Nothing of the
# host's ssh setup is touched: own host key, own client key, own authorized_keys and config,
# all in $DT_SSHD_STATE (default /var/tmp/daxtorture-sshd); the client runs through a wrapper
# that keeps known_hosts out of ~/.ssh. Writes the URI to $DT_SSHD_STATE/uri. Idempotent.
set -euo pipefail
STATE=${DT_SSHD_STATE:-/var/tmp/daxtorture-sshd}
die() { echo "start-sshd: $*" >&2; exit 3; }

[[ $(id -u) -eq 0 ]] || die "needs root (qemu:///system over ssh as root): sudo $0"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[[ -x $SSHD ]] || die "sshd missing: bash scripts/install-deps.sh (openssh-server in scripts/deps/libvirt.txt)"
command -v ssh >/dev/null || die "ssh missing: apt-get install openssh-client"
command -v virt-ssh-helper >/dev/null || die "virt-ssh-helper missing (libvirt-daemon)"

mkdir -p "$STATE" /run/sshd
chmod 700 "$STATE"
uri_ok() {
  [[ -f $STATE/uri ]] && timeout 20 virsh -q -c "$(cat "$STATE/uri")" version >/dev/null 2>&1
}
if [[ -f $STATE/sshd.pid ]] && kill -0 "$(cat "$STATE/sshd.pid")" 2>/dev/null && uri_ok; then
  echo "start-sshd: already running: $(cat "$STATE/uri")"
  exit 0
fi
[[ -f $STATE/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/host_ed25519"
[[ -f $STATE/client_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/client_ed25519"
cp "$STATE/client_ed25519.pub" "$STATE/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$STATE/sshd_config" <<CONF
# written by daxtorture tests/integration/libvirt/start-sshd.sh
ListenAddress 127.0.0.1:$port
HostKey $STATE/host_ed25519
PidFile $STATE/sshd.pid
AuthorizedKeysFile $STATE/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers root
LogLevel ERROR
CONF
cat >"$STATE/ssh" <<CONF
#!/bin/sh
# libvirt's ssh client for the test URIs: no known_hosts in ~/.ssh, quiet.
exec ssh -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR "\$@"
CONF
chmod 755 "$STATE/ssh"
"$SSHD" -t -f "$STATE/sshd_config" || die "sshd rejected $STATE/sshd_config"
"$SSHD" -f "$STATE/sshd_config" -E "$STATE/sshd.log"
echo "qemu+ssh://root@127.0.0.1:$port/system?keyfile=$STATE/client_ed25519&no_verify=1&command=$STATE/ssh" >"$STATE/uri"
for ((i = 0; i < 40; i++)); do
  if uri_ok; then
    echo "start-sshd: up on 127.0.0.1:$port (pid $(cat "$STATE/sshd.pid")): $(cat "$STATE/uri")"
    exit 0
  fi
  sleep 0.5
done
echo "start-sshd: libvirt does not answer at $(cat "$STATE/uri"); sshd log:" >&2
tail -n 20 "$STATE/sshd.log" >&2 || true
exit 3
