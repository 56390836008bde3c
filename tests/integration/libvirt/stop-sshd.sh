#!/bin/bash
# Stop the sshd that start-sshd.sh started (only that one). Idempotent.
set -euo pipefail
STATE=${DT_SSHD_STATE:-/var/tmp/daxtorture-sshd}
pidfile=$STATE/sshd.pid
if [[ ! -f $pidfile ]]; then
  echo "stop-sshd: none started by start-sshd.sh"
  exit 0
fi
pid=$(cat "$pidfile")
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sshd ]]; then
  kill -TERM "$pid"
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "stop-sshd: stopped $pid"
else
  echo "stop-sshd: $pid is not running"
fi
rm -f "$pidfile" "$STATE/uri"
