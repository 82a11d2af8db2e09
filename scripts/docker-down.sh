#!/usr/bin/env bash
# Stops the dockerd that scripts/docker-up.sh started (npm test:e2e, npm run example, the benches start
# one when no Docker engine answers, and it keeps running afterwards). A Docker engine this project did
# not start (a system service, Docker Desktop, ...) is left alone.
#
#   npm run docker-down            # -> bash scripts/docker-down.sh
#
# Reads the pid docker-up.sh recorded in $DOCKER_UP_PIDFILE (default /var/run/cloudengine-dockerd.pid),
# sends SIGTERM (dockerd stops its containers first: their stop timeouts apply) and waits up to
# $DOCKER_DOWN_TIMEOUT seconds (default 60), then SIGKILL. Containers, images and volumes stay on disk
# (/var/lib/docker); `npm run example -- --destroy` removes the example's before.
set -euo pipefail

DOCKER_UP_PIDFILE=${DOCKER_UP_PIDFILE:-/var/run/cloudengine-dockerd.pid}
DOCKER_DOWN_TIMEOUT=${DOCKER_DOWN_TIMEOUT:-60}
log() { printf '[docker-down] %s\n' "$*" >&2; }

if [[ ! -s "$DOCKER_UP_PIDFILE" ]]; then
  log "no dockerd started by scripts/docker-up.sh ($DOCKER_UP_PIDFILE does not exist): nothing to stop"
  exit 0
fi
pid=$(cat "$DOCKER_UP_PIDFILE")
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "the dockerd docker-up.sh started (pid $pid) is not running any more"
  rm -f "$DOCKER_UP_PIDFILE"
  exit 0
fi
comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
if [[ "$comm" != dockerd ]]; then
  log "pid $pid is '$comm', not dockerd (a stale $DOCKER_UP_PIDFILE): leaving it alone"
  rm -f "$DOCKER_UP_PIDFILE"
  exit 0
fi
log "stopping dockerd (pid $pid; running containers are stopped with it) ..."
kill -TERM "$pid"
deadline=$((SECONDS + DOCKER_DOWN_TIMEOUT))
while kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/stat" 2>/dev/null | awk '{print $3}')" != Z ]]; do
  if ((SECONDS >= deadline)); then
    log "dockerd did not stop within ${DOCKER_DOWN_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.5
done
rm -f "$DOCKER_UP_PIDFILE"
log "dockerd stopped"
