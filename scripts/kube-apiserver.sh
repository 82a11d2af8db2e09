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
# kube-apiserver is built in a throwaway wrapper module that requires k8s.io/kubernetes and repeats
# its replace directives, pointing them at the published staging modules (k8s.io/api,
# k8s.io/apiserver, ... at v0.<minor>.<patch>) instead of the ./staging/src paths of the source
# tree.  Its go.sum is seeded with k8s.io/kubernetes's own go.sum and the pinned hashes below, so
# everything is checked without the checksum database.
#
# etcd: the version k8s.io/kubernetes@v<k8sver> itself runs and tests with (hack/lib/etcd.sh,
# kubeadm's SupportedEtcdVersion); 3.5.24 for 1.31.14.
set -euo pipefail

log()  { printf '[kube-apiserver %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[kube-apiserver %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- versions ---
# Overridable with CLOUDENGINE_KUBE_VERSION (shared with scripts/kube-validator.sh) and
# CLOUDENGINE_ETCD_VERSION; only the defaults have pinned hashes.
KUBE_VERSION="${CLOUDENGINE_KUBE_VERSION:-1.31.14}"
KUBE_VERSION="${KUBE_VERSION#v}"
ETCD_VERSION="${CLOUDENGINE_ETCD_VERSION:-3.5.24}"
ETCD_VERSION="${ETCD_VERSION#v}"
[[ "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "CLOUDENGINE_KUBE_VERSION must look like 1.31.14 (got '$KUBE_VERSION')"
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
[[ "$ETCD_VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "CLOUDENGINE_ETCD_VERSION must look like 3.5.24 (got '$ETCD_VERSION')"

# go.sum lines (sum.golang.org) of the default versions
declare -A ETCD_SUMS=( [3.5.24]="h1:lq0hv5ksUdvyqUmEtSMkV5ay99+P1ocdL1S0/adRbDY=" )
declare -A KUBERNETES_SUMS=( [1.31.14]="h1:UtjLfqvXLuSVDdJ4+NpQCIfFkKkLnAAVmxAEMsnkhjk=" )
# go.sum lines of the staging modules kube-apiserver needs, by Kubernetes version.  The checksum
# database has no record of k8s.io/cluster-bootstrap, dynamic-resource-allocation, kube-aggregator
# and pod-security-admission v0.31.14 (the module proxy serves them; these hashes are the ones it
# served when this was written); the others are the database's.
declare -A STAGING_SUMS=( [1.31.14]="
k8s.io/api v0.31.14 h1:xYn/S/WFJsksI7dk/5uBRd3Umm/D8W5g7sRnd4csotA=
k8s.io/api v0.31.14/go.mod h1:K8fvRey4z73RAuxBZCma7WtY8WFvkViYhfFLCMT4xgA=
k8s.io/apiextensions-apiserver v0.31.14 h1:1KupD0PyU7CgiT/PiZPSgZhTCL2KGwvXd1ejGcxjEfg=
k8s.io/apiextensions-apiserver v0.31.14/go.mod h1:Odk14fSl/zaciI8DRUSPMSH74UXtz4gfinw7zY7YHvE=
k8s.io/apimachinery v0.31.14 h1:/eMIwjv+GFm6A/sSGlB1NupBU6wTDPhEWsju0Fj69kY=
k8s.io/apimachinery v0.31.14/go.mod h1:rsPdaZJfTfLsNJSQzNHQvYoTmxhoOEofxtOsF3rtsMo=
k8s.io/apiserver v0.31.14 h1:DORopWIu2qg7gmVyA9UUGGGmO1Rmnq5Oe+GmsKen3yo=
k8s.io/apiserver v0.31.14/go.mod h1:q81QJuh85u/HN74pdw5Ci4EnrRmCOonZj9FvLwf8DWc=
k8s.io/client-go v0.31.14 h1:d4/G0xfksNIbMWH7ghjzOwC5bTAwQ20gABTjZw7fLlQ=
k8s.io/client-go v0.31.14/go.mod h1:0uRpRB7r5QwtsbxEngZPkbcIVoNdAQAPIcopgiXjhQc=
k8s.io/cloud-provider v0.31.14 h1:GJPSJOzn46TEHUjzi3Bbk9wSu68b5rWwhbPEYNTqg4Q=
k8s.io/cloud-provider v0.31.14/go.mod h1:5wSFqc12WxhqZJe2urHuHD8oUNiHRvMD/+8pWJzcqFM=
k8s.io/cluster-bootstrap v0.31.14 h1:nRW3IzBCtp5x8tEQeLxPeF3A4hhPRkBF1aPxFlHas3Y=
k8s.io/cluster-bootstrap v0.31.14/go.mod h1:mJZNir33W5VB+KXSrejn9zGgU/l2ewtFGlV3AivMfqM=
k8s.io/component-base v0.31.14 h1:VNjBuEMmvlwL4twRlMmlaVmsodIRaNivXcZoAx1/x7Q=
k8s.io/component-base v0.31.14/go.mod h1:9ogYcJBUdB4VQ/OMgInYVRScC9bguXxSEEZPsInY+uM=
k8s.io/component-helpers v0.31.14 h1:oiGkPsCVh96lmzHxhEo3+FZ3amAP95I9AUL7OCn5ckY=
k8s.io/component-helpers v0.31.14/go.mod h1:/TsMm2QE800y2EWb6A37un2P5oIvy7BfgHi0AaM9Pwo=
k8s.io/controller-manager v0.31.14 h1:lfF6mCGLS4utmUNDCx9c2i8o6UPfSzL1z36I1OTDdfc=
k8s.io/controller-manager v0.31.14/go.mod h1:tAbqEL9l/jsR18UIvNbysojLfZ8wcN7N72niRfkERvU=
k8s.io/dynamic-resource-allocation v0.31.14 h1:/ZOE6e3IH7yzkeLyzA16r2/oV4bSUCEQfFOq+hpKH/M=
k8s.io/dynamic-resource-allocation v0.31.14/go.mod h1:sTsLtbrSAZw9tzv+aJz9SapfD/Rb+zRs5LOTKSDuuAM=
k8s.io/kms v0.31.14 h1:zubJwtxper4unVQnStnc7qlljqekNjKQx3P8ROUWNck=
k8s.io/kms v0.31.14/go.mod h1:OZKwl1fan3n3N5FFxnW5C4V3ygrah/3YXeJWS3O6+94=
k8s.io/kube-aggregator v0.31.14 h1:n0KI0zLT5WiL/zfk2sT315oGgGXrJ51DTdnUS+XQe4A=
k8s.io/kube-aggregator v0.31.14/go.mod h1:eXiOI6Lk/SaTUnDOF97+5A6iUAPujPOHyJ4gdvzd4KE=
k8s.io/kubelet v0.31.14 h1:AcApQlJdfbXlkQyf4iGJIzUitCOKTR9HsV5pNAngcM4=
k8s.io/kubelet v0.31.14/go.mod h1:GqceIurKRpDSLuk1YgC2ANoF4qFagRBWoM2kzboMBt4=
k8s.io/mount-utils v0.31.14 h1:MpwZkt82P6xXUZn0UJp2b1MePddtKxZxcXqtCSNc2ME=
k8s.io/mount-utils v0.31.14/go.mod h1:HV/VYBUGqYUj4vt82YltzpWvgv8FPg0G9ItyInT3NPU=
k8s.io/pod-security-admission v0.31.14 h1:1/w+sAsG1aJKd9zoX0Z74aqx9qFz3tXZ3zT4rECwjfE=
k8s.io/pod-security-admission v0.31.14/go.mod h1:ZooOcyKuqUHzFH6T1bZN99lqL4WwEaZw6Non/VB26Ps=
" )
# Staging modules the checksum database does not know (for a version without pinned hashes, these
# are then trusted as the proxy serves them).
UNRECORDED_STAGING="k8s.io/cluster-bootstrap,k8s.io/dynamic-resource-allocation,k8s.io/kube-aggregator,k8s.io/pod-security-admission"

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

PRINT_ENV=0
case "${1:-}" in
  --print-env) PRINT_ENV=1 ;;
  "") ;;
  *) die "usage: $0 [--print-env]" ;;
esac

etcd_ok() { [[ -f "$ETCD_DIR/.complete" && -x "$ETCD" ]] && grep -qx "build $BUILD_REVISION" "$ETCD_DIR/.complete"; }
kas_ok()  { [[ -f "$KAS_DIR/.complete" && -x "$KUBE_APISERVER" ]] && grep -qx "build $BUILD_REVISION" "$KAS_DIR/.complete"; }

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
cache_lock "$CACHE_ROOT/.kube-apiserver.lock"
if [[ "${KUBE_APISERVER_REBUILD:-}" == 1 ]]; then
  rm -f "$ETCD_DIR/.complete" "$KAS_DIR/.complete"
  export KUBE_APISERVER_REBUILD=0   # another waiter on the lock should not rebuild again
fi
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
GOPROXY_URL="$(goproxy_url)"

# go mod download -json <module@version> in a scratch module; prints "Dir Sum GoModSum GoMod".
download() {
  local what="$1" out="$WORK/download-${1//[^A-Za-z0-9.]/_}.json"
  mkdir -p "$WORK/probe"
  [[ -f "$WORK/probe/go.mod" ]] || printf 'module cloudengine.local/kube-apiserver-probe\n\ngo 1.22\n' > "$WORK/probe/go.mod"
  log "downloading $what from $GOPROXY_URL"
  (cd "$WORK/probe" && go mod download -json "$what") > "$out" 2>&1 \
    || { cat "$out" >&2; die "$what could not be downloaded from the Go module proxy"; }
  node -e '
    const fs = require("fs"); const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    if (j.Error) { console.error(j.Error); process.exit(1); }
    console.log([j.Dir, j.Sum, j.GoModSum, j.GoMod].join(" "));' "$out" \
    || die "unexpected go mod download output: $(cat "$out")"
}

check_sum() { # <what> <got> <pinned or empty>
  if [[ -n "$3" ]]; then
    [[ "$2" == "$3" ]] || die "$1 has hash $2, expected $3"
  else
    log "no pinned hash for $1 (got $2)"
  fi
}

go_directive() { sed -n 's/^go[[:space:]]\+\([0-9.]\+\).*/\1/p' "$1" | head -1; }

ldflag_version() { # <package> <git version>: -X flags for k8s.io/component-base/version-style packages
  local pkg="$1" v="$2" major minor
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
    "$pkg" "$v" "$pkg" "$major" "$pkg" "$minor" "$pkg" "$pkg" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

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
  read -r k_dir k_sum k_gomodsum k_gomod < <(download "k8s.io/kubernetes@v$KUBE_VERSION")
  check_sum "k8s.io/kubernetes@v$KUBE_VERSION" "$k_sum" "${KUBERNETES_SUMS[$KUBE_VERSION]:-}"
  mkdir -p "$WORK/kas"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
  # ./staging/src/k8s.io/<name>; here they are the published modules of the same release.
  replaces="$(sed -n '/^replace[[:space:]]*(/,/^)/p; /^replace[[:space:]]\+[^(]/p' "$k_gomod" \
    | sed -n 's#^[[:space:]]*\(replace[[:space:]]\+\)\?\(k8s\.io/[A-Za-z0-9._/-]\+\)[[:space:]]\+=>[[:space:]]\+\./staging/src/\2[[:space:]]*$#\2#p')"
  grep -qx 'k8s.io/apiserver' <<<"$replaces" \
    || die "k8s.io/kubernetes@v$KUBE_VERSION's go.mod has no replace directives for its staging modules"
  {
    printf 'module cloudengine.local/kube-apiserver\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
      "$(go_directive "$k_gomod")" "$KUBE_VERSION"
    while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done <<<"$replaces"
    printf ')\n'
  } > "$WORK/kas/go.mod"
  pinned="${STAGING_SUMS[$KUBE_VERSION]:-}"
  {
    echo "k8s.io/kubernetes v$KUBE_VERSION $k_sum"
    echo "k8s.io/kubernetes v$KUBE_VERSION/go.mod $k_gomodsum"
    [[ -z "$pinned" ]] || grep -v '^$' <<<"$pinned"
    cat "$k_dir/go.sum"
  } > "$WORK/kas/go.sum"
  if [[ -z "$pinned" ]]; then
    log "no pinned hashes for the staging modules of Kubernetes $KUBE_VERSION: $UNRECORDED_STAGING are taken as the proxy serves them"
    GONOSUMDB="$(go env GONOSUMDB)"
    export GONOSUMDB="$UNRECORDED_STAGING${GONOSUMDB:+,$GONOSUMDB}"
  fi
  rm -f "$KUBE_APISERVER"
  ldflags="-s -w $(ldflag_version k8s.io/component-base/version "v$KUBE_VERSION")$(ldflag_version k8s.io/client-go/pkg/version "v$KUBE_VERSION")"
  build_kas() ( cd "$WORK/kas" && go build -trimpath -ldflags "$ldflags" -o "$KUBE_APISERVER.tmp" "k8s.io/kubernetes/cmd/kube-apiserver" )
  quietly "$LOG" "building kube-apiserver $KUBE_VERSION (go $(go env GOVERSION))" "about 5-8 min cold on 2 cores" build_kas \
    || die "building kube-apiserver $KUBE_VERSION failed (full log: $LOG)"
  mv "$KUBE_APISERVER.tmp" "$KUBE_APISERVER"
  got="$("$KUBE_APISERVER" --version)"
  [[ "$got" == "Kubernetes v$KUBE_VERSION" ]] || die "$KUBE_APISERVER --version printed '$got', expected Kubernetes v$KUBE_VERSION"
  {
    echo "k8s.io/kubernetes@v$KUBE_VERSION $k_sum cmd/kube-apiserver, staging modules $STAGING_VERSION, built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build $BUILD_REVISION"
  } > "$KAS_DIR/.complete"
  log "kube-apiserver $KUBE_VERSION built in $((SECONDS - start))s"
fi

report
