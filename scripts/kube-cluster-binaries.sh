#!/usr/bin/env bash
# Build (once) and cache the commands of a single-node cluster: kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kube-proxy of one release (below), built from
# the Go module proxy in a wrapper module (scripts/lib/kubernetes-module.sh), static (CGO off, as
# upstream builds them); and its add-ons from scripts/kube-cluster/ (their go.mod and go.sum pin them):
# coredns (cluster DNS), registry (distribution, the image registry), pause (the pod sandbox's
# process) and metrics-server (the resource metrics API). etcd is scripts/kube-apiserver.sh's (3.5, which these releases support).
#
#   bash scripts/kube-cluster-binaries.sh                 # builds if needed, prints versions
#   eval "$(bash scripts/kube-cluster-binaries.sh --print-env)"
#       # -> KUBE_BIN_DIR=... KUBE_VERSION=...
#
# Cache: ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}/kube-cluster-v<k8sver>/
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy, and .complete;
#   coredns registry pause metrics-server, and .addons-complete (holding a hash of their sources: a change rebuilds them)
# KUBE_CLUSTER_REBUILD=1 rebuilds them all.
set -euo pipefail

log()  { printf '[kube-cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[kube-cluster %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# The cluster's release: the Go module proxy refuses kube-scheduler, kube-proxy, kube-controller-manager
# and endpointslice v0.31.14 (403, "This module version is not available"), so not the validator's
# 1.31.14; it serves every staging module of 1.34.3, 1.35.4 and 1.36.3 (not of 1.37.2). 1.34 is the last
# release whose kubelet runs on cgroup v1 by default (this machine's hierarchy) and supports
# containerd 1.6 (Debian bookworm's). Overridable with CLOUDENGINE_KUBE_CLUSTER_VERSION.
KUBE_VERSION="${CLOUDENGINE_KUBE_CLUSTER_VERSION:-1.34.3}"
source "$(dirname "${BASH_SOURCE[0]}")/lib/kubernetes-module.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"

COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
ADDONS=(coredns registry pause metrics-server)
ADDON_SOURCES="$(cd "$(dirname "${BASH_SOURCE[0]}")/kube-cluster" && pwd)"
LOG="$CACHE_ROOT/logs/kube-cluster.log"
BIN_DIR="$CACHE_ROOT/kube-cluster-v$KUBE_VERSION"
# Bump when the way the binaries are built changes, so caches are rebuilt.
BUILD_REVISION=1

print_env_flag "$@"

built() { cache_complete "$BIN_DIR/.complete" "build $BUILD_REVISION" "${COMMANDS[@]/#/$BIN_DIR/}"; }
addons_hash() { (cd "$ADDON_SOURCES" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }
ADDONS_LINE="sources $(addons_hash)"
addons_built() { cache_complete "$BIN_DIR/.addons-complete" "$ADDONS_LINE" "${ADDONS[@]/#/$BIN_DIR/}"; }

report() {
  if [[ "$PRINT_ENV" == 1 ]]; then
    echo "KUBE_BIN_DIR=$BIN_DIR"
    echo "KUBE_VERSION=$KUBE_VERSION"
  else
    echo "== Kubernetes cluster commands"
    local c
    for c in "${COMMANDS[@]}"; do echo "$c: $("$BIN_DIR/$c" --version) ($BIN_DIR/$c)"; done
    echo "coredns: $("$BIN_DIR/coredns" -version | head -1); registry: $("$BIN_DIR/registry" --version | cut -d' ' -f2-3); metrics-server: $("$BIN_DIR/metrics-server" --version 2>&1 | head -1); pause ($BIN_DIR)"
  fi
}

if [[ "${KUBE_CLUSTER_REBUILD:-}" != 1 ]] && built && addons_built; then
  report
  exit 0
fi

command -v go >/dev/null || die "go is required (to build the Kubernetes commands from the Go module proxy)"
command -v node >/dev/null || die "node is required"
mkdir -p "$BIN_DIR" "$(dirname "$LOG")"
cache_build_lock "$CACHE_ROOT/.kube-cluster.lock" KUBE_CLUSTER_REBUILD "$BIN_DIR/.complete" "$BIN_DIR/.addons-complete"
# (another run may have built them while this one waited for the lock)
if built && addons_built; then
  report
  exit 0
fi

WORK="$(mktemp -d /tmp/cloudengine-kube-cluster.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-mod=mod ${GOFLAGS:-}"
export CGO_ENABLED=0

steps_total $(( $(built && echo 0 || echo 1) + $(addons_built && echo 0 || echo 1) ))
if ! built; then
  start=$SECONDS
  step "${COMMANDS[*]} $KUBE_VERSION: download k8s.io/kubernetes and build them" "about 10-15 min cold on 2 cores, 2-4 min after kube-apiserver's build"
  rm -f "$BIN_DIR/.complete"
  kubernetes_module "$WORK/module" cloudengine.local/kube-cluster
  ldflags="$(kube_ldflags)"
  mkdir -p "$WORK/out"
  packages=()
  for c in "${COMMANDS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$c"); done
  build() ( cd "$WORK/module" && go build -trimpath -ldflags "$ldflags" -o "$WORK/out/" "${packages[@]}" )
  quietly "$LOG" "building ${COMMANDS[*]} $KUBE_VERSION (go $(go env GOVERSION))" "about 10-15 min cold on 2 cores" build \
    || die "building the Kubernetes commands failed (full log: $LOG)"
  for c in "${COMMANDS[@]}"; do
    got="$("$WORK/out/$c" --version)"
    [[ "$got" == "Kubernetes v$KUBE_VERSION" ]] || die "$c --version printed '$got', expected Kubernetes v$KUBE_VERSION"
    mv "$WORK/out/$c" "$BIN_DIR/$c"
  done
  {
    echo "k8s.io/kubernetes@v$KUBE_VERSION $KUBERNETES_MODULE_SUM ${COMMANDS[*]}, staging modules $STAGING_VERSION, built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build $BUILD_REVISION"
  } > "$BIN_DIR/.complete"
  log "${COMMANDS[*]} $KUBE_VERSION built in $((SECONDS - start))s"
fi
if ! addons_built; then
  start=$SECONDS
  step "${ADDONS[*]}: download their modules and build them" "about 7 min cold on 2 cores"
  rm -f "$BIN_DIR/.addons-complete"
  build_addons() {
    local a
    for a in "${ADDONS[@]}"; do
      ( cd "$ADDON_SOURCES/$a" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$WORK/out/$a" . ) || return 1
    done
  }
  mkdir -p "$WORK/out"
  quietly "$LOG" "building ${ADDONS[*]} (go $(go env GOVERSION))" "about 7 min cold on 2 cores" build_addons \
    || die "building the cluster add-ons failed (full log: $LOG)"
  for a in "${ADDONS[@]}"; do mv "$WORK/out/$a" "$BIN_DIR/$a"; done
  echo "$ADDONS_LINE" > "$BIN_DIR/.addons-complete"
  log "${ADDONS[*]} built in $((SECONDS - start))s"
fi
report
