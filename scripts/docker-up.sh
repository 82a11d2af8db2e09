#!/usr/bin/env bash
# Make a Docker engine available on this machine (idempotent, fast when already up).
#
#   scripts/docker-up.sh                      start dockerd if needed, wait until `docker info` works
#   DOCKER_UP_BUILDX=1 scripts/docker-up.sh   ... and install the buildx CLI plugin (see step 5)
#
# What it does, only as far as needed:
#   1. `docker info` works already  -> nothing (0.1 s).
#   2. dockerd or docker missing    -> apt-get update (only if the lists are missing/older than 6 h)
#                                      + apt-get install -y docker.io
#   3. dockerd not running          -> start it in the background in its own session (it outlives this
#                                      shell), logging to $DOCKERD_LOG (default /var/log/dockerd.log);
#                                      its pid goes to $DOCKER_UP_PIDFILE (default
#                                      /var/run/cloudengine-dockerd.pid), which `npm run docker-down`
#                                      (scripts/docker-down.sh) reads to stop it again
#   4. wait up to $DOCKER_UP_TIMEOUT s (default 60) for `docker info`; on failure print the log tail, exit 1.
#   5. only with DOCKER_UP_BUILDX=1: install the buildx CLI plugin, compiled from the Go module
#      github.com/docker/buildx (no binary download is possible here; ~3 min once, then cached in
#      /var/cache/cloudengine-test/), so the docker CLI's own `docker build` uses BuildKit.
#
# dockerd flags: none are needed on this kind of machine (Firecracker VM, kernel 6.x, ext4 root,
# cgroup v1, iptables-nft): plain `dockerd` picks overlay2 on extfs, creates docker0 + MASQUERADE, and
# both `docker run` and build RUN steps reach the Debian mirror and the Go module proxy (MTU 1500 on
# docker0 works although eth0 has 1400). Extra flags can be given with DOCKERD_FLAGS="...". If the
# default start dies with a storage-driver error (e.g. /var/lib/docker on overlayfs inside another
# container), it is retried once with --storage-driver=vfs.
#
# BuildKit is in the daemon (20.10, Debian's docker.io) and needs nothing: API clients such as the
# Pulumi docker provider use it directly, and so does `DOCKER_BUILDKIT=1 /usr/bin/docker build`
# (Debian's 20.10 client). The docker 28 CLI in /usr/local/bin has no buildx plugin, so its plain
# `docker build` uses the classic builder (with a deprecation notice) and `DOCKER_BUILDKIT=1 docker
# build` fails until step 5 has run.
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
DOCKER_UP_TIMEOUT=${DOCKER_UP_TIMEOUT:-60}
DOCKERD_FLAGS=${DOCKERD_FLAGS:-}
BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
BUILDX_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-buildx
CACHE=${CLOUDENGINE_TEST_CACHE:-/var/cache/cloudengine-test}
DOCKER_UP_PIDFILE=${DOCKER_UP_PIDFILE:-/var/run/cloudengine-dockerd.pid}
# apt-get's and go install's full output
LOG=${DOCKER_UP_LOG:-$CACHE/logs/docker-up.log}

log() { printf '[docker-up] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"

docker_ok() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

apt_lists_fresh() { # lists exist and were refreshed within the last 6 hours
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -360 2>/dev/null | head -n1)" ]
}

install_docker() {
    export DEBIAN_FRONTEND=noninteractive
    log "no Docker engine installed: installing Debian's docker.io (about 1 min; full log: $LOG)"
    if ! apt_lists_fresh; then
        quietly "$LOG" "apt-get update" "seconds" apt-get update || die "apt-get update failed (full log: $LOG)"
    fi
    # No init system runs services here; the package's attempt to start the service is harmless.
    quietly "$LOG" "apt-get install docker.io iptables ca-certificates" "about 1 min" \
        apt-get install -y --no-install-recommends docker.io iptables ca-certificates \
        || die "apt-get install docker.io failed (full log: $LOG)"
    command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after installing docker.io"
}

start_dockerd() { # extra flags...
    # A stale pid file from a killed daemon would block the start.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null; then
        rm -f /var/run/docker.pid
    fi
    log "starting: dockerd $* (log: $DOCKERD_LOG)"
    printf '\n=== %s docker-up.sh: dockerd %s\n' "$(date -Is)" "$*" >>"$DOCKERD_LOG"
    setsid nohup dockerd "$@" >>"$DOCKERD_LOG" 2>&1 </dev/null &
}

wait_docker() { # 0 up, 1 timeout, 2 daemon died
    local deadline=$((SECONDS + DOCKER_UP_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
        docker_ok && return 0
        if ! pidof dockerd >/dev/null 2>&1; then
            sleep 1
            pidof dockerd >/dev/null 2>&1 || docker_ok || return 2
        fi
        sleep 1
    done
    return 1
}

ensure_engine() {
    [ "$(id -u)" = 0 ] || die "must run as root (needs apt-get and dockerd)"
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        install_docker
    fi
    mkdir -p "$(dirname "$DOCKERD_LOG")" 2>/dev/null || true
    touch "$DOCKERD_LOG" 2>/dev/null || DOCKERD_LOG=/tmp/dockerd.log

    local started=0
    if pidof dockerd >/dev/null 2>&1; then
        log "dockerd is already running (pid $(pidof dockerd)); waiting for it ..."
    else
        # shellcheck disable=SC2086
        start_dockerd $DOCKERD_FLAGS
        started=1
    fi
    local rc=0
    wait_docker || rc=$?
    if [ $rc = 2 ] && [ -z "$DOCKERD_FLAGS" ] &&
        tail -n 40 "$DOCKERD_LOG" | grep -qiE 'overlay|storage.driver|graphdriver'; then
        log "dockerd exited with a storage-driver error; retrying with --storage-driver=vfs"
        start_dockerd --storage-driver=vfs
        rc=0
        wait_docker || rc=$?
    fi
    if [ $rc != 0 ]; then
        log "Docker engine did not come up within ${DOCKER_UP_TIMEOUT}s. Last lines of $DOCKERD_LOG:"
        tail -n 40 "$DOCKERD_LOG" >&2 || true
        exit 1
    fi
    # the daemon this script started (dockerd writes its own pid to /var/run/docker.pid)
    if [ "$started" = 1 ] && [ -s /var/run/docker.pid ]; then
        cp /var/run/docker.pid "$DOCKER_UP_PIDFILE" 2>/dev/null || true
    fi
    log "Docker engine is up: server $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}')."
    if [ "$started" = 1 ]; then
        log "dockerd keeps running after this command (log: $DOCKERD_LOG); stop it with: npm run docker-down"
    fi
}

ensure_buildx() {
    docker buildx version >/dev/null 2>&1 && return 0
    local cached="$CACHE/docker-buildx-$BUILDX_VERSION" gobin
    if [ ! -x "$cached" ]; then
        command -v go >/dev/null 2>&1 || die "DOCKER_UP_BUILDX=1 needs a Go toolchain on the host to compile buildx"
        mkdir -p "$CACHE"
        gobin=$(mktemp -d)
        quietly "$LOG" "compiling docker-buildx $BUILDX_VERSION from the Go module proxy" "about 3 min on 2 cores" \
            env GOBIN="$gobin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install \
            -ldflags "-s -w -X github.com/docker/buildx/version.Version=$BUILDX_VERSION" \
            "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION" || die "building buildx failed (full log: $LOG)"
        mv "$gobin/buildx" "$cached"
        rmdir "$gobin"
    fi
    install -D -m 755 "$cached" "$BUILDX_PLUGIN"
    log "buildx plugin installed: $BUILDX_PLUGIN ($(docker buildx version 2>/dev/null | head -n1))"
}

if docker_ok; then
    log "Docker engine already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))."
    if [ -s "$DOCKER_UP_PIDFILE" ] && kill -0 "$(cat "$DOCKER_UP_PIDFILE")" 2>/dev/null; then
        log "(started by an earlier scripts/docker-up.sh, pid $(cat "$DOCKER_UP_PIDFILE"); npm run docker-down stops it)"
    fi
else
    ensure_engine
fi
if [ "${DOCKER_UP_BUILDX:-0}" = 1 ]; then ensure_buildx; fi
