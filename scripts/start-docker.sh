#!/usr/bin/env bash
# Starts a Docker engine in the background when none answers (needs root and Debian's docker.io).
# Its log goes to ${DOCKERD_LOG:-/var/log/berth-dockerd.log}. Waits for the socket and `docker info`.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  echo "[docker] engine answers"
  exit 0
fi
log="${DOCKERD_LOG:-/var/log/berth-dockerd.log}"
echo "[docker] starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then
    echo "[docker] engine answers"
    exit 0
  fi
  sleep 1
done
echo "[docker] dockerd did not answer within 60 s; its log:" >&2
tail -n 50 "$log" >&2
exit 1
