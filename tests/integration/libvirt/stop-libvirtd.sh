#!/bin/bash
# Stop the libvirtd that start-libvirtd.sh started (and nothing else: a systemd-managed or
# other daemon is left alone). Idempotent.
set -euo pipefail
STATE=${DT_LIBVIRTD_STATE:-/var/tmp/daxtorture-libvirtd}
pidfile=$STATE/libvirtd.pid
if [[ ! -f $pidfile ]]; then
  echo "stop-libvirtd: none started by start-libvirtd.sh"
  exit 0
fi
pid=$(cat "$pidfile")
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == libvirtd ]]; then
  kill -TERM "$pid"
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop-libvirtd: $pid ignored SIGTERM for 15s, killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "stop-libvirtd: stopped $pid"
else
  echo "stop-libvirtd: $pid is not running"
fi
rm -f "$pidfile"
