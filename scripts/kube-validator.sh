#!/usr/bin/env bash
# Build (once) and cache an offline Kubernetes manifest validator: kubeconform, plus the
# JSON schemas of one pinned Kubernetes version, generated from that version's OpenAPI v2
# document (api/openapi-spec/swagger.json of the k8s.io/kubernetes module).
#
#   npm run kube-validator                             # -> bash scripts/kube-validator.sh
#   eval "$(bash scripts/kube-validator.sh --print-env)"
#       # -> KUBECONFORM=... KUBE_SCHEMAS=... KUBE_VERSION=... KUBECONFORM_VERSION=...
#   "$KUBECONFORM" -strict -kubernetes-version "$KUBE_VERSION" \
#       -schema-location "$KUBE_SCHEMAS/{{.ResourceKind}}{{.KindSuffix}}.json" manifest.yaml
#
# Cache: ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}/ (falls back to
# ~/.cache/cloudengine-toolchain when that is not writable)
#   kubeconform-<ver>/kubeconform       built from github.com/yannh/kubeconform/cmd/kubeconform
#   kubeconform-<ver>/.complete
#   k8s-schemas-v<k8sver>/*.json        one schema per kind, {kind}[-{group}]-{version}.json,
#                                       made by scripts/kube-schemas.js (standalone-strict)
#   k8s-schemas-v<k8sver>/source/swagger.json  the source document
#   k8s-schemas-v<k8sver>/.complete
# A re-run with complete caches only prints versions.  KUBE_VALIDATOR_REBUILD=1 rebuilds both.
#
# Sources: the Go module proxy only (kubeconform and its dependencies, the k8s.io/kubernetes
# module zip).  Both are checked against pinned hashes for the default versions.
set -euo pipefail

log()  { printf '[kube-validator %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[kube-validator %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ---------------------------------------------------------------- versions ---
# Overridable with CLOUDENGINE_KUBECONFORM_VERSION / CLOUDENGINE_KUBE_VERSION (the latter: any
# k8s.io/kubernetes version the Go module proxy serves; only the defaults have pinned hashes).
KUBECONFORM_VERSION="${CLOUDENGINE_KUBECONFORM_VERSION:-v0.8.0}"
KUBE_VERSION="${CLOUDENGINE_KUBE_VERSION:-1.31.14}"
KUBE_VERSION="${KUBE_VERSION#v}"
# go.sum line of github.com/yannh/kubeconform v0.8.0 (sum.golang.org)
declare -A KUBECONFORM_SUMS=( [v0.8.0]="h1:loDYd3a3spjIFrauqW67CDKF55Oo9R6uvC8AvpVd4ug=" )
# sha256 of api/openapi-spec/swagger.json in k8s.io/kubernetes@v<version>
declare -A SWAGGER_SHA256=( [1.31.14]="ddcb3d5c3d85849f1fadb56387d3a7bf44712da291e5bd08b34df4e8a4247f8d" )
[[ "$KUBECONFORM_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "CLOUDENGINE_KUBECONFORM_VERSION must look like v0.8.0 (got '$KUBECONFORM_VERSION')"
[[ "$KUBE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "CLOUDENGINE_KUBE_VERSION must look like 1.31.14 (got '$KUBE_VERSION')"

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"
# The build's and the converter's full output (stderr shows only progress lines).
LOG="$CACHE_ROOT/logs/kube-validator.log"
KC_DIR="$CACHE_ROOT/kubeconform-$KUBECONFORM_VERSION"
KUBECONFORM="$KC_DIR/kubeconform"
SCHEMAS="$CACHE_ROOT/k8s-schemas-v$KUBE_VERSION"
SWAGGER="$SCHEMAS/source/swagger.json"
# Bump when scripts/kube-schemas.js changes its output, so caches are regenerated.
CONVERTER_REVISION=2

print_env_flag "$@"

kc_ok()      { [[ -f "$KC_DIR/.complete" && -x "$KUBECONFORM" ]]; }
schemas_ok() { cache_complete "$SCHEMAS/.complete" "converter $CONVERTER_REVISION"; }

report() {
  if [[ "$PRINT_ENV" == 1 ]]; then
    echo "KUBECONFORM=$KUBECONFORM"
    echo "KUBE_SCHEMAS=$SCHEMAS"
    echo "KUBE_VERSION=$KUBE_VERSION"
    echo "KUBECONFORM_VERSION=$KUBECONFORM_VERSION"
  else
    echo "== Kubernetes manifest validator"
    echo "kubeconform: $("$KUBECONFORM" -v) ($KUBECONFORM)"
    echo "kubernetes: $KUBE_VERSION ($(find "$SCHEMAS" -maxdepth 1 -name '*.json' | wc -l) schemas)"
    echo "schemas: $SCHEMAS"
  fi
}

if [[ "${KUBE_VALIDATOR_REBUILD:-}" != 1 ]] && kc_ok && schemas_ok; then
  report
  exit 0
fi

command -v go >/dev/null || die "go is required (to build kubeconform from the Go module proxy)"
command -v node >/dev/null || die "node is required"
mkdir -p "$KC_DIR" "$SCHEMAS/source" "$(dirname "$LOG")"
# One run at a time (test processes may start this concurrently).
cache_build_lock "$CACHE_ROOT/.kube-validator.lock" KUBE_VALIDATOR_REBUILD "$KC_DIR/.complete" "$SCHEMAS/.complete"
# (another run may have built them while this one waited for the lock)
if kc_ok && schemas_ok; then
  report
  exit 0
fi
steps_for_missing kc_ok schemas_ok
log "building the Kubernetes manifest validator, once: $_PROGRESS_TOTAL step(s), about 1-2 min cold; cached in $CACHE_ROOT; full log: $LOG"

WORK="$(mktemp -d /tmp/cloudengine-kube-validator.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

export GOFLAGS="-mod=mod ${GOFLAGS:-}"
GOPROXY_URL="$(goproxy_url)"

# ----------------------------------------------------------- kubeconform ---
if ! kc_ok; then
  start=$SECONDS
  step "kubeconform $KUBECONFORM_VERSION: download and build from the Go module proxy" "about 1 min cold"
  # The checksum database is used as usual when go reaches it (directly, or through the
  # proxy: proxy.golang.org serves /sumdb/sum.golang.org/).  When it does not, it is skipped
  # for kubeconform alone, which is checked against the pinned hash below instead; its
  # dependencies are checked against its go.sum (see the build module).
  log "downloading github.com/yannh/kubeconform@$KUBECONFORM_VERSION from $GOPROXY_URL"
  mkdir -p "$WORK/probe" "$WORK/build"
  printf 'module cloudengine.local/kube-validator-probe\n\ngo 1.22\n' > "$WORK/probe/go.mod"
  kc_download() { (cd "$WORK/probe" && go mod download -json "github.com/yannh/kubeconform@$KUBECONFORM_VERSION") > "$WORK/download.json" 2>&1; }
  if ! kc_download; then
    if grep -q 'verifying module\|sumdb\|sum.golang.org' "$WORK/download.json" && [[ -n "${KUBECONFORM_SUMS[$KUBECONFORM_VERSION]:-}" ]]; then
      log "the checksum database is unreachable: checking kubeconform against its pinned hash only"
      GONOSUMDB="$(go env GONOSUMDB)"
      export GONOSUMDB="github.com/yannh/kubeconform${GONOSUMDB:+,$GONOSUMDB}"
      kc_download || { cat "$WORK/download.json" >&2; die "github.com/yannh/kubeconform@$KUBECONFORM_VERSION could not be downloaded"; }
    else
      cat "$WORK/download.json" >&2
      die "github.com/yannh/kubeconform@$KUBECONFORM_VERSION could not be downloaded from the Go module proxy"
    fi
  fi
  read -r kc_dir kc_sum kc_gomodsum kc_go < <(node -e '
    const fs = require("fs"); const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    if (j.Error) { console.error(j.Error); process.exit(1); }
    const m = /^go\s+(\S+)/m.exec(fs.readFileSync(j.GoMod, "utf8"));
    console.log([j.Dir, j.Sum, j.GoModSum, m ? m[1] : "1.22"].join(" "));' "$WORK/download.json") \
    || die "unexpected go mod download output: $(cat "$WORK/download.json")"
  want="${KUBECONFORM_SUMS[$KUBECONFORM_VERSION]:-}"
  if [[ -n "$want" ]]; then
    [[ "$kc_sum" == "$want" ]] || die "github.com/yannh/kubeconform@$KUBECONFORM_VERSION has hash $kc_sum, expected $want"
  else
    log "no pinned hash for kubeconform $KUBECONFORM_VERSION (got $kc_sum)"
  fi
  # A throwaway module requiring kubeconform, with kubeconform's own go.sum: every
  # dependency is checked against it, so the checksum database is not needed here.
  printf 'module cloudengine.local/kube-validator\n\ngo %s\n\nrequire github.com/yannh/kubeconform %s\n' \
    "$kc_go" "$KUBECONFORM_VERSION" > "$WORK/build/go.mod"
  {
    echo "github.com/yannh/kubeconform $KUBECONFORM_VERSION $kc_sum"
    echo "github.com/yannh/kubeconform $KUBECONFORM_VERSION/go.mod $kc_gomodsum"
    cat "$kc_dir/go.sum"
  } > "$WORK/build/go.sum"
  rm -f "$KUBECONFORM"
  build_kubeconform() ( cd "$WORK/build" && go build -trimpath -ldflags "-X main.version=$KUBECONFORM_VERSION" \
      -o "$KUBECONFORM.tmp" github.com/yannh/kubeconform/cmd/kubeconform )
  quietly "$LOG" "building kubeconform $KUBECONFORM_VERSION (go $(go env GOVERSION))" "about 1 min cold" build_kubeconform \
    || die "building kubeconform $KUBECONFORM_VERSION failed (full log: $LOG)"
  mv "$KUBECONFORM.tmp" "$KUBECONFORM"
  got="$("$KUBECONFORM" -v)"
  [[ "$got" == "$KUBECONFORM_VERSION" ]] || die "$KUBECONFORM -v printed '$got', expected $KUBECONFORM_VERSION"
  echo "github.com/yannh/kubeconform@$KUBECONFORM_VERSION $kc_sum built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$KC_DIR/.complete"
  log "kubeconform $KUBECONFORM_VERSION built in $((SECONDS - start))s"
fi

# ----------------------------------------------------- Kubernetes schemas ---
if ! schemas_ok; then
  start=$SECONDS
  step "JSON schemas of Kubernetes $KUBE_VERSION from its OpenAPI document" "about 30 s cold"
  rm -f "$SCHEMAS/.complete"
  want="${SWAGGER_SHA256[$KUBE_VERSION]:-}"
  if [[ -s "$SWAGGER" ]] && { [[ -z "$want" ]] || sha256sum "$SWAGGER" | grep -q "^$want "; }; then
    log "reusing $SWAGGER"
  else
    url="$GOPROXY_URL/k8s.io/kubernetes/@v/v$KUBE_VERSION.zip"
    log "downloading $url"
    curl -fsSL --retry 3 -m 600 -o "$WORK/k8s.zip" "$url" \
      || die "could not download k8s.io/kubernetes@v$KUBE_VERSION (versions served: $GOPROXY_URL/k8s.io/kubernetes/@v/list)"
    entry="k8s.io/kubernetes@v$KUBE_VERSION/api/openapi-spec/swagger.json"
    if command -v unzip >/dev/null; then
      unzip -p "$WORK/k8s.zip" "$entry" > "$WORK/swagger.json" || die "$entry not found in the module zip"
    elif command -v python3 >/dev/null; then
      python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
        "$WORK/k8s.zip" "$entry" > "$WORK/swagger.json" || die "$entry not found in the module zip"
    else
      die "unzip or python3 is needed to extract swagger.json"
    fi
    got="$(sha256sum "$WORK/swagger.json" | cut -d' ' -f1)"
    if [[ -n "$want" ]]; then
      [[ "$got" == "$want" ]] || die "swagger.json of Kubernetes $KUBE_VERSION has sha256 $got, expected $want"
    else
      log "no pinned sha256 for Kubernetes $KUBE_VERSION's swagger.json (got $got)"
    fi
    mv "$WORK/swagger.json" "$SWAGGER"
  fi
  quietly "$LOG" "converting the OpenAPI document into kubeconform schemas" "seconds" \
      node "$REPO_ROOT/scripts/kube-schemas.js" "$SWAGGER" "$SCHEMAS" \
    || die "scripts/kube-schemas.js failed (full log: $LOG)"
  [[ -f "$SCHEMAS/deployment-apps-v1.json" ]] || die "no deployment-apps-v1.json was generated"
  {
    echo "kubernetes $KUBE_VERSION from k8s.io/kubernetes@v$KUBE_VERSION api/openapi-spec/swagger.json"
    echo "converter $CONVERTER_REVISION"
  } > "$SCHEMAS/.complete"
  log "schemas for Kubernetes $KUBE_VERSION ready in $((SECONDS - start))s"
fi

report
