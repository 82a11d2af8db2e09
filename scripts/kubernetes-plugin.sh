#!/usr/bin/env bash
# Build (once) and cache the Pulumi Kubernetes provider plugin (pulumi-resource-kubernetes) of the
# @pulumi/kubernetes version package.json pins, then install it with the toolchain's Pulumi CLI.
# scripts/toolchain.sh runs it (after the CLI is built, and on every warm run: it only checks then).
#
#   bash scripts/kubernetes-plugin.sh <pulumi CLI> <PULUMI_HOME>
#       builds the plugin if its cache is incomplete, installs it into <PULUMI_HOME>/plugins
#       (pulumi plugin install resource kubernetes <version> --file ...) unless it is there already,
#       checks that the installed plugin starts and serves its schema, prints one version line
#   bash scripts/kubernetes-plugin.sh --print-path      # the cached binary
#
# Cache: ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}/pulumi-resource-kubernetes-v<version>/
#   pulumi-resource-kubernetes   the plugin (-trimpath, -s -w, pkg/version.Version=<version>)
#   .complete                    module@pseudo-version, its hash, Go version, build revision
# Full log: <cache>/logs/kubernetes-plugin.log.  KUBERNETES_PLUGIN_REBUILD=1 rebuilds.
#
# Source: every tagged version of github.com/pulumi/pulumi-kubernetes/provider/v4 is refused by the
# Go module proxy here; it serves the pseudo-version of the release tag's commit (MODULE_VERSIONS
# below: v4.25.0 = commit f47bc2d6f199).  From a writable copy of that module: the replace of
# github.com/pulumi/pulumi-kubernetes/sdk/v4 => ../sdk is dropped (the require line names the
# published sdk), `VERSION=<version> go run generate.go` writes the embedded schema-embed.json and
# terraform-mapping-embed.json next to main.go, and cmd/pulumi-resource-kubernetes is built.
# About 10-30 min cold on 2 cores (about 1.1 GB of modules; 10 min measured when the Go build cache
# already held what the toolchain's CLI build compiled).
set -euo pipefail

log()  { printf '[toolchain %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[toolchain %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ---------------------------------------------------------------- versions ---
# The version package.json pins (exactly: the engine asks for the plugin of @pulumi/kubernetes's
# pulumi.version, which is its own version).
K8S_VERSION="${PULUMI_KUBERNETES_VERSION:-$(node -e '
  const p = require(process.argv[1]);
  process.stdout.write(((p.dependencies || {})["@pulumi/kubernetes"] || "").replace(/^[=v]/, ""));' "$REPO_ROOT/package.json")}"
[[ "$K8S_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "@pulumi/kubernetes must be pinned to an exact version in package.json (got '$K8S_VERSION'); or set PULUMI_KUBERNETES_VERSION"
# The module version the Go module proxy serves for each release (the pseudo-version of the tag's commit).
declare -A MODULE_VERSIONS=( [4.25.0]="v4.0.0-20260115033456-f47bc2d6f199" )
# go.sum hash of that module as the proxy served it when this was written
declare -A MODULE_SUMS=( [4.25.0]="h1:j2bphCf7c2YhnBrhwht2f3TNRRgcMImltUlAgzxr9H4=" )
MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
MODULE_VERSION="${PULUMI_KUBERNETES_MODULE_VERSION:-${MODULE_VERSIONS[$K8S_VERSION]:-}}"
[[ -n "$MODULE_VERSION" ]] || die "no module version of $MODULE is known for @pulumi/kubernetes $K8S_VERSION (the proxy refuses the tags): add the pseudo-version of the v$K8S_VERSION tag's commit to MODULE_VERSIONS in $0, or set PULUMI_KUBERNETES_MODULE_VERSION"
# Bump when the way the binary is built changes, so caches are rebuilt.
BUILD_REVISION=1

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"
DIR="$CACHE_ROOT/pulumi-resource-kubernetes-v$K8S_VERSION"
PLUGIN="$DIR/pulumi-resource-kubernetes"
MARKER="$DIR/.complete"
LOG="$CACHE_ROOT/logs/kubernetes-plugin.log"
STAMP="$MODULE@$MODULE_VERSION build $BUILD_REVISION"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$PLUGIN"
  exit 0
fi
[[ $# == 2 ]] || die "usage: $0 <pulumi CLI> <PULUMI_HOME> | --print-path"
CLI="$1"
HOME_DIR="$2"

built_ok() { cache_complete "$MARKER" "$STAMP" "$PLUGIN"; }

mkdir -p "$DIR" "$(dirname "$LOG")" "$HOME_DIR"
if ! built_ok || [[ "${KUBERNETES_PLUGIN_REBUILD:-}" == 1 ]]; then
  # One build at a time (test processes may start the toolchain concurrently).
  cache_lock "$DIR/.lock"
  if [[ "${KUBERNETES_PLUGIN_REBUILD:-}" == 1 ]]; then
    rm -f "$MARKER"
    export KUBERNETES_PLUGIN_REBUILD=0
  fi
fi
if ! built_ok; then
  command -v go >/dev/null || die "go is required (to build the Kubernetes provider plugin from the Go module proxy)"
  rm -f "$MARKER"
  start=$SECONDS
  steps_total 3
  log "building the Kubernetes provider plugin $K8S_VERSION ($MODULE@$MODULE_VERSION), once: 3 steps, about 10-30 min cold on 2 cores; cached in $DIR; full log: $LOG"
  export GOTOOLCHAIN=local
  export GOFLAGS="-mod=mod ${GOFLAGS:-}"
  export CGO_ENABLED=0
  # The checksum database is not reachable for some pulumi module versions here.
  export GONOSUMDB="github.com/pulumi${GONOSUMDB:+,$GONOSUMDB}"
  WORK="$(mktemp -d /tmp/cloudengine-kubernetes-plugin.XXXXXX)"
  trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

  step "downloading $MODULE@$MODULE_VERSION from $(goproxy_url)" "seconds"
  mkdir -p "$WORK/probe"
  printf 'module cloudengine.local/kubernetes-plugin-probe\n\ngo 1.24\n' > "$WORK/probe/go.mod"
  (cd "$WORK/probe" && go mod download -json "$MODULE@$MODULE_VERSION") > "$WORK/download.json" 2>&1 \
    || { cat "$WORK/download.json" >&2; die "$MODULE@$MODULE_VERSION could not be downloaded from the Go module proxy"; }
  read -r m_dir m_sum m_hash < <(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (j.Error) { console.error(j.Error); process.exit(1); }
    console.log([j.Dir, j.Sum, (j.Origin && j.Origin.Hash) || "?"].join(" "));' "$WORK/download.json") \
    || die "unexpected go mod download output: $(cat "$WORK/download.json")"
  pinned="${MODULE_SUMS[$K8S_VERSION]:-}"
  if [[ -n "$pinned" && -z "${PULUMI_KUBERNETES_MODULE_VERSION:-}" ]]; then
    [[ "$m_sum" == "$pinned" ]] || die "$MODULE@$MODULE_VERSION has hash $m_sum, expected $pinned"
  fi
  log "$MODULE@$MODULE_VERSION: commit $m_hash, $m_sum"

  step "preparing a writable copy: drop the sdk/v4 replace, go run generate.go (schema-embed.json, terraform-mapping-embed.json)" "1-3 min: downloads the modules it needs"
  SRC="$WORK/provider"
  cp -r "$m_dir" "$SRC"
  chmod -R u+w "$SRC"
  prepare() (
    cd "$SRC" &&
    go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 &&
    grep -q '^[[:space:]]*github.com/pulumi/pulumi-kubernetes/sdk/v4 v' go.mod &&
    cd cmd/pulumi-resource-kubernetes &&
    VERSION="$K8S_VERSION" go run generate.go &&
    test -s schema-embed.json && test -s terraform-mapping-embed.json
  )
  quietly "$LOG" "preparing $MODULE@$MODULE_VERSION (go run generate.go)" "1-3 min" prepare \
    || die "preparing $MODULE@$MODULE_VERSION failed (full log: $LOG)"
  got="$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version || "")' \
    "$SRC/cmd/pulumi-resource-kubernetes/schema-embed.json")"
  [[ "$got" == "$K8S_VERSION" ]] || die "schema-embed.json has version '$got', expected $K8S_VERSION"

  step "building pulumi-resource-kubernetes $K8S_VERSION (go $(go env GOVERSION))" "about 10-30 min cold on 2 cores"
  rm -f "$PLUGIN"
  build() (
    cd "$SRC" &&
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
      -o "$PLUGIN.tmp" ./cmd/pulumi-resource-kubernetes
  )
  quietly "$LOG" "building pulumi-resource-kubernetes $K8S_VERSION" "about 10-30 min cold on 2 cores" build \
    || die "building pulumi-resource-kubernetes $K8S_VERSION failed (full log: $LOG)"
  mv "$PLUGIN.tmp" "$PLUGIN"
  {
    echo "$STAMP"
    echo "@pulumi/kubernetes $K8S_VERSION: $MODULE@$MODULE_VERSION (commit $m_hash) $m_sum, sdk/v4 replace dropped, built with $(go env GOVERSION) $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } > "$MARKER"
  log "pulumi-resource-kubernetes $K8S_VERSION built in $(progress_fmt $((SECONDS - start))) ($(du -h "$PLUGIN" | cut -f1))"
fi

# ----------------------------------------------------------------- install ---
export PULUMI_HOME="$HOME_DIR" PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
INSTALLED="$HOME_DIR/plugins/resource-kubernetes-v$K8S_VERSION/pulumi-resource-kubernetes"
if ! cmp -s "$PLUGIN" "$INSTALLED"; then
  log "installing the Kubernetes provider plugin $K8S_VERSION into $HOME_DIR/plugins"
  "$CLI" plugin install resource kubernetes "$K8S_VERSION" --file "$PLUGIN" --reinstall --non-interactive >> "$LOG" 2>&1 \
    || { tail -20 "$LOG" >&2; die "pulumi plugin install resource kubernetes $K8S_VERSION --file $PLUGIN failed (full log: $LOG)"; }
  cmp -s "$PLUGIN" "$INSTALLED" || die "pulumi plugin install did not put the plugin at $INSTALLED"
  # Checked once per install: the CLI starts the installed plugin and gets its schema.
  schema_version="$(cd "$HOME_DIR" && "$CLI" package get-schema "kubernetes@$K8S_VERSION" --non-interactive 2>> "$LOG" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const j = JSON.parse(s); process.stdout.write(`${j.name}@${j.version} ${Object.keys(j.resources || {}).length}`); });')" \
    || { tail -20 "$LOG" >&2; die "pulumi package get-schema kubernetes@$K8S_VERSION failed (full log: $LOG)"; }
  [[ "$schema_version" == "kubernetes@$K8S_VERSION "* ]] \
    || die "the installed plugin's schema is '$schema_version', expected kubernetes@$K8S_VERSION"
  log "the installed plugin starts and serves its schema: ${schema_version% *} (${schema_version##* } resources)"
fi
echo "pulumi-resource-kubernetes: $K8S_VERSION ($MODULE@$MODULE_VERSION, $(sed -n 's/.*built with \(go[^ ]*\).*/built with \1/p' "$MARKER")) installed in $HOME_DIR/plugins"
