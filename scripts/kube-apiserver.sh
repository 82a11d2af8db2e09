#!/usr/bin/env bash
# Build (once) and cache a real Kubernetes API server for offline manifest validation: etcd and
# kube-apiserver of one pinned Kubernetes version (the same one scripts/kube-validator.sh takes its
# schemas from), built from the Go module proxy.  test/support/kubeApiServer.ts runs them.
#
#   npm run kube-apiserver                              # -> bash scripts/kube-apiserver.sh
#   eval "$(bash scripts/kube-apiserver.sh --print-env)"
#       # -> KUBE_APISERVER=... ETCD=... KUBE_VERSION=... ETCD_VERSION=...
#
# Cache: ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}/ (falls back to
# ~/.cache/cloudengine-toolchain when that is not writable)
#   etcd-v<etcdver>/etcd                       go.etcd.io/etcd/server/v3@v<etcdver> (its main package,
#                                              the etcd binary), built with the module's own go.mod
#   etcd-v<etcdver>/.complete
#   kube-apiserver-v<k8sver>/kube-apiserver    k8s.io/kubernetes@v<k8sver> cmd/kube-apiserver
#   kube-apiserver-v<k8sver>/.complete
# A re-run with complete caches only prints versions.  KUBE_APISERVER_REBUILD=1 rebuilds both.
#
# kube-apiserver is built in a throwaway wrapper module around k8s.io/kubernetes
# (scripts/lib/kubernetes-module.sh, which also pins the release and its hashes).
#
# etcd: the version k8s.io/kubernetes@v<k8sver> itself runs and tests with (hack/lib/etcd.sh,
# kubeadm's SupportedEtcdVersion); 3.5.24 for 1.31.14.
set -euo pipefail

log()  { printf '[kube-apiserver %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[kube-apiserver %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- versions ---
# Kubernetes: scripts/lib/kubernetes-module.sh. etcd: overridable with CLOUDENGINE_ETCD_VERSION; only
# the default has a pinned hash.
ETCD_VERSION="${CLOUDENGINE_ETCD_VERSION:-3.5.24}"
ETCD_VERSION="${ETCD_VERSION#v}"
[[ "$ETCD_VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "CLOUDENGINE_ETCD_VERSION must look like 3.5.24 (got '$ETCD_VERSION')"
# go.sum line (sum.golang.org) of the default version
declare -A ETCD_SUMS=( [3.5.24]="h1:lq0hv5ksUdvyqUmEtSMkV5ay99+P1ocdL1S0/adRbDY=" )

source "$(dirname "${BASH_SOURCE[0]}")/lib/kubernetes-module.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"
# The go builds' full output (stderr shows only progress lines).
LOG="$CACHE_ROOT/logs/kube-apiserver.log"
ETCD_DIR="$CACHE_ROOT/etcd-v$ETCD_VERSION"
ETCD="$ETCD_DIR/etcd"
KAS_DIR="$CACHE_ROOT/kube-apiserver-v$KUBE_VERSION"
KUBE_APISERVER="$KAS_DIR/kube-apiserver"
# Bump when the way the binaries are built changes, so caches are rebuilt.
BUILD_REVISION=1

print_env_flag "$@"

etcd_ok() { cache_complete "$ETCD_DIR/.complete" "build $BUILD_REVISION" "$ETCD"; }
kas_ok()  { cache_complete "$KAS_DIR/.complete" "build $BUILD_REVISION" "$KUBE_APISERVER"; }

report() {
  if [[ "$PRINT_ENV" == 1 ]]; then
    echo "KUBE_APISERVER=$KUBE_APISERVER"
    echo "ETCD=$ETCD"
    echo "KUBE_VERSION=$KUBE_VERSION"
    echo "ETCD_VERSION=$ETCD_VERSION"
  else
    echo "== Kubernetes API server (offline validation)"
    echo "kube-apiserver: $("$KUBE_APISERVER" --version) ($KUBE_APISERVER)"
    echo "etcd: $("$ETCD" --version | head -1 | sed 's/^etcd Version: //') ($ETCD)"
  fi
}

if [[ "${KUBE_APISERVER_REBUILD:-}" != 1 ]] && etcd_ok && kas_ok; then
  report
  exit 0
fi

command -v go >/dev/null || die "go is required (to build etcd and kube-apiserver from the Go module proxy)"
command -v node >/dev/null || die "node is required"
mkdir -p "$ETCD_DIR" "$KAS_DIR" "$(dirname "$LOG")"
# One build at a time (test processes may start this concurrently).
cache_build_lock "$CACHE_ROOT/.kube-apiserver.lock" KUBE_APISERVER_REBUILD "$ETCD_DIR/.complete" "$KAS_DIR/.complete"
# (another run may have built them while this one waited for the lock)
if etcd_ok && kas_ok; then
  report
  exit 0
fi
steps_for_missing etcd_ok kas_ok
log "building the Kubernetes API server for the manifest dry run, once: $_PROGRESS_TOTAL step(s), about 6-10 min cold on 2 cores; cached in $CACHE_ROOT; full log: $LOG"

WORK="$(mktemp -d /tmp/cloudengine-kube-apiserver.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

export GOFLAGS="-mod=mod ${GOFLAGS:-}"
export CGO_ENABLED=0

# ------------------------------------------------------------------ etcd ---
if ! etcd_ok || [[ "${KUBE_APISERVER_REBUILD:-}" == 1 ]]; then
  start=$SECONDS
  step "etcd $ETCD_VERSION: download go.etcd.io/etcd/server/v3 and build it" "about 1-2 min cold"
  rm -f "$ETCD_DIR/.complete"
  read -r e_dir e_sum e_gomodsum e_gomod < <(download "go.etcd.io/etcd/server/v3@v$ETCD_VERSION")
  check_sum "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "$e_sum" "${ETCD_SUMS[$ETCD_VERSION]:-}"
  [[ -f "$e_dir/main.go" ]] || die "go.etcd.io/etcd/server/v3@v$ETCD_VERSION has no main package (main.go) to build etcd from"
  # A wrapper module with the server module's own go.sum: every dependency is checked against it,
  # and minimal version selection picks what etcd's own build picks (its release binaries are built
  # from the server directory, with this go.mod as the main module).
  mkdir -p "$WORK/etcd"
  printf 'module cloudengine.local/etcd\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' \
    "$(go_directive "$e_gomod")" "$ETCD_VERSION" > "$WORK/etcd/go.mod"
  {
    echo "go.etcd.io/etcd/server/v3 v$ETCD_VERSION $e_sum"
    echo "go.etcd.io/etcd/server/v3 v$ETCD_VERSION/go.mod $e_gomodsum"
    cat "$e_dir/go.sum"
  } > "$WORK/etcd/go.sum"
  rm -f "$ETCD"
  build_etcd() ( cd "$WORK/etcd" && go build -trimpath -ldflags "-s -w" -o "$ETCD.tmp" "go.etcd.io/etcd/server/v3" )
  quietly "$LOG" "building etcd $ETCD_VERSION (go $(go env GOVERSION))" "about 1-2 min cold" build_etcd \
    || die "building etcd $ETCD_VERSION failed (full log: $LOG)"
  mv "$ETCD.tmp" "$ETCD"
  got="$("$ETCD" --version | sed -n 's/^etcd Version: //p')"
  [[ "$got" == "$ETCD_VERSION" ]] || die "$ETCD --version printed '$got', expected $ETCD_VERSION"
  {
    echo "go.etcd.io/etcd/server/v3@v$ETCD_VERSION $e_sum built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build $BUILD_REVISION"
  } > "$ETCD_DIR/.complete"
  log "etcd $ETCD_VERSION built in $((SECONDS - start))s"
fi

# -------------------------------------------------------- kube-apiserver ---
if ! kas_ok || [[ "${KUBE_APISERVER_REBUILD:-}" == 1 ]]; then
  start=$SECONDS
  step "kube-apiserver $KUBE_VERSION: download k8s.io/kubernetes and build cmd/kube-apiserver" "about 5-8 min cold"
  rm -f "$KAS_DIR/.complete"
  kubernetes_module "$WORK/kas" cloudengine.local/kube-apiserver
  rm -f "$KUBE_APISERVER"
  ldflags="$(kube_ldflags)"
  build_kas() ( cd "$WORK/kas" && go build -trimpath -ldflags "$ldflags" -o "$KUBE_APISERVER.tmp" "k8s.io/kubernetes/cmd/kube-apiserver" )
  quietly "$LOG" "building kube-apiserver $KUBE_VERSION (go $(go env GOVERSION))" "about 5-8 min cold on 2 cores" build_kas \
    || die "building kube-apiserver $KUBE_VERSION failed (full log: $LOG)"
  mv "$KUBE_APISERVER.tmp" "$KUBE_APISERVER"
  got="$("$KUBE_APISERVER" --version)"
  [[ "$got" == "Kubernetes v$KUBE_VERSION" ]] || die "$KUBE_APISERVER --version printed '$got', expected Kubernetes v$KUBE_VERSION"
  {
    echo "k8s.io/kubernetes@v$KUBE_VERSION $KUBERNETES_MODULE_SUM cmd/kube-apiserver, staging modules $STAGING_VERSION, built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build $BUILD_REVISION"
  } > "$KAS_DIR/.complete"
  log "kube-apiserver $KUBE_VERSION built in $((SECONDS - start))s"
fi

report
