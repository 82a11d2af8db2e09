#!/usr/bin/env bash
# Build (once) and cache a Pulumi CLI matched to the @pulumi/pulumi version the
# project pins, plus the language hosts it can get, then print their versions.
#
#   npm run toolchain            # -> bash scripts/toolchain.sh
#   eval "$(bash scripts/toolchain.sh --print-path)"   # put the bin dir on PATH
#
# Cache: ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}/pulumi-v<version>/
#   bin/        pulumi, pulumi-language-yaml, [pulumi-language-nodejs, pulumi-language-python],
#               pulumi-language-python-exec, pulumi-resource-pulumi-{nodejs,python}, ...
#   VERSIONS    what was built, from which module versions
#   .complete   written only after everything required was built and verified
#   home/       a PULUMI_HOME holding the provider plugins installed with this CLI
#               (plugins/resource-kubernetes-v<version>/: scripts/kubernetes-plugin.sh builds the
#               Kubernetes provider of the pinned @pulumi/kubernetes once, into its own cache
#               pulumi-resource-kubernetes-v<version>/, and installs it here; test/engine/support.ts
#               gives each engine test's PULUMI_HOME these plugins)
# A re-run with a complete cache (of this script's host recipe, see RECIPE) only checks that the
# Kubernetes plugin is installed, and prints versions.  TOOLCHAIN_REBUILD=1 wipes the marker (not the binaries) and retries what is missing.
# The Node.js and Python hosts come from older sdk/v3 releases (see NODEJS_HOST_SDK_VERSION).
#
# Everything comes from the Go module proxy (Go modules) and the npm registry.
set -euo pipefail

log()  { printf '[toolchain %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
warn() { printf '[toolchain %s] WARNING: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die()  { printf '[toolchain %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ---------------------------------------------------------------- versions ---
if [[ -z "${PULUMI_VERSION:-}" ]]; then
  PULUMI_VERSION="$(node -e '
    const p = require(process.argv[1]);
    const v = (p.dependencies || {})["@pulumi/pulumi"] || (p.devDependencies || {})["@pulumi/pulumi"] || "";
    process.stdout.write(v.replace(/^[~^=v]/, ""));' "$REPO_ROOT/package.json")"
fi
[[ "$PULUMI_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "@pulumi/pulumi must be pinned to an exact version in package.json (got '$PULUMI_VERSION'); or set PULUMI_VERSION"
V="v$PULUMI_VERSION"
# pulumi-yaml release from before @pulumi/pulumi 3.248.0 (2026-06-24) that the
# Go module proxy here serves: v1.30.0 (2026-03-04, built against pulumi v3.224.0).
YAML_VERSION="${PULUMI_YAML_VERSION:-v1.30.0}"
# The Node.js and Python hosts are separate Go modules today
# (github.com/pulumi/pulumi/sdk/{nodejs,python}/cmd/pulumi-language-*/v3) that the Go module proxy
# here refuses at every version.  Older github.com/pulumi/pulumi/sdk/v3 releases, which it serves,
# still had them as packages; these are the newest such releases (nodejs/cmd/pulumi-language-nodejs
# is gone from sdk/v3 v3.69.0, python/cmd/pulumi-language-python from v3.80.0).  Far older than the
# CLI, but they speak the same LanguageRuntime gRPC protocol: preview/up/destroy of Node.js
# (JavaScript and TypeScript) and Python programs work with this CLI and the $PULUMI_VERSION SDKs.
# Caveat: the CLI no longer passes Pulumi.yaml `runtime.options` (typescript, nodeargs, virtualenv,
# toolchain, ...) as the flags these hosts read, so they are ignored: the Python host runs
# $PULUMI_PYTHON_CMD (else python3 on PATH), e.g. PULUMI_PYTHON_CMD=<venv>/bin/python.
NODEJS_HOST_SDK_VERSION="${PULUMI_NODEJS_HOST_SDK_VERSION:-v3.68.0}"
PYTHON_HOST_SDK_VERSION="${PULUMI_PYTHON_HOST_SDK_VERSION:-v3.79.0}"
# Written into .complete: a cache completed with another recipe is rebuilt (what is missing only).
RECIPE="hosts: nodejs sdk/v3@$NODEJS_HOST_SDK_VERSION, python sdk/v3@$PYTHON_HOST_SDK_VERSION"

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/progress.sh"
DIR="$CACHE_ROOT/pulumi-$V"
BIN="$DIR/bin"
MARKER="$DIR/.complete"
PLUGINS_HOME="$DIR/home"
mkdir -p "$BIN" "$DIR/logs"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "export PATH=\"$BIN:\$PATH\""
  exit 0
fi

print_versions() {
  echo "== Pulumi toolchain for @pulumi/pulumi $PULUMI_VERSION: $BIN"
  echo "pulumi: $(PULUMI_SKIP_UPDATE_CHECK=1 "$BIN/pulumi" version)"
  local f
  for f in pulumi-language-yaml pulumi-language-nodejs pulumi-language-python; do
    if [[ -x "$BIN/$f" ]]; then
      local line
      line="$(grep "^$f " "$DIR/VERSIONS" 2>/dev/null | cut -d' ' -f2- || echo '?')"
      if [[ "$line" == *" (legacy: "* ]]; then
        echo "$f: ${line%% (legacy: *}"
        line="${line#* (legacy: }"
        echo "  NOTE: ${line%)}"
      else
        echo "$f: $line"
      fi
    else
      echo "$f: NOT AVAILABLE"
    fi
  done
  for f in pulumi-language-python-exec pulumi-resource-pulumi-nodejs pulumi-resource-pulumi-python pulumi-analyzer-policy; do
    [[ -e "$BIN/$f" ]] && echo "$f: present"
  done
  echo "${K8S_PLUGIN_LINE:-pulumi-resource-kubernetes: NOT INSTALLED}"
  echo "node: $(node --version)  go: $(go env GOVERSION)"
  return 0
}

# Builds (once) and installs the Kubernetes provider plugin into $PLUGINS_HOME (with the CLI in $BIN).
kubernetes_plugin() {
  K8S_PLUGIN_LINE="$(bash "$REPO_ROOT/scripts/kubernetes-plugin.sh" "$BIN/pulumi" "$PLUGINS_HOME")" \
    || die "the Kubernetes provider plugin could not be built or installed (see the lines above)"
}

if [[ -f "$MARKER" && -x "$BIN/pulumi" && -x "$BIN/pulumi-language-yaml" && "${TOOLCHAIN_REBUILD:-}" != 1 ]] \
   && grep -qxF "$RECIPE" "$MARKER"; then
  kubernetes_plugin
  print_versions
  exit 0
fi
rm -f "$MARKER"

command -v go >/dev/null || die "go is required"
# One run at a time per version.
cache_lock "$DIR/.lock"
steps_total 6
log "building the Pulumi toolchain for @pulumi/pulumi $PULUMI_VERSION, once: 6 steps, about 20-30 min cold on 2 cores (the CLI is most of it); cached in $DIR; full logs: $DIR/logs/"

# ------------------------------------------------------------ go settings ---
export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod ${GOFLAGS:-}"
# The checksum database is not reachable for some pulumi module versions here.
export GONOSUMDB="github.com/pulumi${GONOSUMDB:+,$GONOSUMDB}"

WORK="$(mktemp -d /tmp/cloudengine-toolchain.XXXXXX)"
BG_PIDS=()
cleanup() {
  local p
  for p in "${BG_PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

GOMODCACHE="$(go env GOMODCACHE)"
: > "$DIR/VERSIONS.new"
[[ -f "$DIR/VERSIONS" ]] && cp "$DIR/VERSIONS" "$DIR/VERSIONS.new"
record() { # record NAME VERSION...
  grep -v "^$1 " "$DIR/VERSIONS.new" > "$DIR/VERSIONS.tmp" || true
  echo "$*" >> "$DIR/VERSIONS.tmp"
  mv "$DIR/VERSIONS.tmp" "$DIR/VERSIONS.new"
}

# nonlocal_replaces GOMOD_FILE -> the replace directives whose target is a module (not a path)
nonlocal_replaces() {
  awk '
    /^replace[ \t]*\(/ { inblk = 1; next }
    inblk && /^\)/     { inblk = 0; next }
    inblk              { line = $0 }
    !inblk && /^replace[ \t]/ { line = $0; sub(/^replace[ \t]+/, "", line) }
    line != "" {
      split(line, parts, "=>"); tgt = parts[2]; gsub(/^[ \t]+/, "", tgt)
      if (tgt !~ /^(\.|\/)/) print "replace " line
      line = ""
    }' "$1"
}

# make_wrapper DIR NAME "require lines" "extra replace lines" IMPORT...
make_wrapper() {
  local wdir="$1" name="$2" reqs="$3" reps="$4"; shift 4
  mkdir -p "$wdir"
  {
    echo "module cloudengine.local/toolchain/$name"
    echo
    echo "go 1.25"
    echo
    echo "require ("
    printf '%s\n' "$reqs"
    echo ")"
    echo
    printf '%s\n' "$reps"
  } > "$wdir/go.mod"
  {
    echo "//go:build tools"
    echo
    echo "package tools"
    echo
    local imp
    for imp in "$@"; do echo "import _ \"$imp\""; done
  } > "$wdir/tools.go"
}

# ----------------------------------------------------- 1. the pulumi CLI ---
step "the pulumi CLI $V" "built in the background while steps 2-4 run: 10-20 min cold"
mkdir -p "$WORK/probe" && (cd "$WORK/probe" && printf 'module probe\n\ngo 1.25\n' > go.mod)
log "resolving github.com/pulumi/pulumi/{pkg,sdk}/v3@$V from the Go module proxy"
PKG_GOMOD="$(cd "$WORK/probe" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@$V" | node -e '
  let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.GoMod)})')"
SDK_DIR="$(cd "$WORK/probe" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$V" | node -e '
  let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.Dir)})')"
[[ -f "$PKG_GOMOD" && -d "$SDK_DIR" ]] || die "could not download pulumi pkg/sdk $V"
PKG_REPLACES="$(nonlocal_replaces "$PKG_GOMOD")"
log "non-local replaces from pkg/v3 go.mod: ${PKG_REPLACES:-none}"
PULUMI_REQS=$'\tgithub.com/pulumi/pulumi/pkg/v3 '"$V"$'\n\tgithub.com/pulumi/pulumi/sdk/v3 '"$V"
LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$V"

cli_ok() { [[ -x "$BIN/pulumi" ]] && PULUMI_SKIP_UPDATE_CHECK=1 "$BIN/pulumi" version 2>/dev/null | grep -qx "$V"; }

CLI_PID=""
if cli_ok; then
  log "pulumi CLI $V already built"
else
  make_wrapper "$WORK/cli" cli "$PULUMI_REQS" "$PKG_REPLACES" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  log "building the pulumi CLI in the background (10-20 min on 2 cores); log: $DIR/logs/cli.log"
  (
    cd "$WORK/cli"
    start=$SECONDS
    go mod tidy
    go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
    echo "built in $((SECONDS - start))s"
  ) > "$DIR/logs/cli.log" 2>&1 &
  CLI_PID=$!
  BG_PIDS+=("$CLI_PID")
fi

# ------------------------------------- 2. Node.js / Python language hosts ---
step "resolving the Node.js and Python language hosts" "about 1 min"
# Untagged modules: pin them to the pseudo-version of the commit of the $V tag.
TAG_HASH="$(node -e '
  try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        process.stdout.write((j.Origin && j.Origin.Hash) || ""); } catch (e) {}' \
  "$GOMODCACHE/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/$V.info")"
if [[ -z "$TAG_HASH" ]]; then
  TAG_HASH="$(cd "$WORK/probe" && go list -m -json "github.com/pulumi/pulumi/sdk/v3@$V" | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); process.stdout.write((j.Origin&&j.Origin.Hash)||"")})')"
fi
log "commit of the $V tag: ${TAG_HASH:-unknown}"

LANGHOST_WRAPPERS=()   # "name|package|wrapperdir|version|VERSIONS note"
# legacy_host LANG: the host as a package of an older sdk/v3 (see NODEJS_HOST_SDK_VERSION above)
legacy_host() {
  local lang=$1 name="pulumi-language-$1" sv pkg label extra=""
  pkg="github.com/pulumi/pulumi/sdk/v3/$lang/cmd/$name"
  if [[ "$lang" == nodejs ]]; then
    sv="$NODEJS_HOST_SDK_VERSION" label=Node.js
  else
    sv="$PYTHON_HOST_SDK_VERSION" label=Python extra="; it runs \$PULUMI_PYTHON_CMD, else python3 on PATH"
  fi
  log "$name: falling back to $pkg@$sv, the newest $label host the Go module proxy serves (older than the CLI $V)"
  make_wrapper "$WORK/$name" "$name" $'\t'"github.com/pulumi/pulumi/sdk/v3 $sv" "" "$pkg"
  if ! (cd "$WORK/$name" && go mod tidy > "$DIR/logs/$name.log" 2>&1); then
    warn "$name: go mod tidy for sdk/v3@$sv failed (see $DIR/logs/$name.log)"
    return 0
  fi
  LANGHOST_WRAPPERS+=("$name|$pkg|$WORK/$name|$sv|$pkg@$sv (legacy: the newest $label host the Go module proxy serves, from sdk/v3@$sv, older than the CLI $V; it ignores Pulumi.yaml runtime options$extra)")
}
for lang in nodejs python; do
  name="pulumi-language-$lang"
  mod="github.com/pulumi/pulumi/sdk/$lang/cmd/$name/v3"
  if [[ -x "$BIN/$name" ]]; then log "$name already built"; continue; fi
  if [[ -z "$TAG_HASH" ]]; then warn "$name: no tag commit known"; legacy_host "$lang"; continue; fi
  if ! pv_json="$(cd "$WORK/probe" && go list -m -json "$mod@$TAG_HASH" 2>"$DIR/logs/$name-resolve.log")"; then
    log "$name: the Go module proxy does not serve $mod@$TAG_HASH ($(head -c 300 "$DIR/logs/$name-resolve.log" | tr '\n' ' '))"
    legacy_host "$lang"
    continue
  fi
  pv="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).Version||"")' "$pv_json")"
  log "$name: $mod@$pv"
  gomod="$(cd "$WORK/probe" && go mod download -json "$mod@$pv" | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.GoMod)})')" \
    || { warn "$name: download failed"; legacy_host "$lang"; continue; }
  # its local replaces of pulumi sdk/pkg become the published $V; keep the non-local ones
  reps="$(printf '%s\n%s\n' "$PKG_REPLACES" "$(nonlocal_replaces "$gomod")" | grep -v '^$' | sort -u)"
  make_wrapper "$WORK/$name" "$name" "$PULUMI_REQS"$'\n\t'"$mod $pv" "$reps" "$mod"
  LANGHOST_WRAPPERS+=("$name|$mod|$WORK/$name|$V|$mod@$pv (sdk $V)")
  (cd "$WORK/$name" && go mod tidy > "$DIR/logs/$name.log" 2>&1) || warn "$name: go mod tidy failed (see $DIR/logs/$name.log)"
done

# ------------------------------------------------- 3. YAML language host ---
step "resolving the YAML language host" "about 1 min"
# pulumi-yaml is built with its own pulumi pkg/sdk requirements: its code follows
# pkg's Go API at the version it was released against, which is not stable across
# releases (lifting it to $V does not compile).  The hosts talk to the CLI over gRPC.
YAML_NEEDED=0
if [[ ! -x "$BIN/pulumi-language-yaml" ]]; then
  YAML_NEEDED=1
  log "resolving github.com/pulumi/pulumi-yaml@$YAML_VERSION"
  yaml_gomod="$(cd "$WORK/probe" && go mod download -json "github.com/pulumi/pulumi-yaml@$YAML_VERSION" | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.GoMod)})')" \
    || die "pulumi-yaml $YAML_VERSION is not available from the Go module proxy"
  yaml_pkg_v="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2; exit }' "$yaml_gomod")"
  yaml_reps="$(nonlocal_replaces "$yaml_gomod")"
  if [[ -n "$yaml_pkg_v" ]]; then
    yaml_pkg_gomod="$(cd "$WORK/probe" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@$yaml_pkg_v" | node -e '
      let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} process.stdout.write(j.GoMod)})')" \
      || die "pulumi pkg $yaml_pkg_v (needed by pulumi-yaml) is not available"
    yaml_reps="$(printf '%s\n%s\n' "$yaml_reps" "$(nonlocal_replaces "$yaml_pkg_gomod")" | grep -v '^$' | sort -u || true)"
  fi
  make_wrapper "$WORK/yaml" yaml $'\t'"github.com/pulumi/pulumi-yaml $YAML_VERSION" \
    "$yaml_reps" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  (cd "$WORK/yaml" && go mod tidy > "$DIR/logs/yaml.log" 2>&1) || die "pulumi-yaml $YAML_VERSION: go mod tidy failed (see $DIR/logs/yaml.log)"
  YAML_SDK_V="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { print $2; exit }' "$WORK/yaml/go.mod")"
fi

# ----------------------------------------------- 4. scripts shipped by SDKs ---
step "the SDKs' provider scripts" "seconds"
if [[ -f "$SDK_DIR/python/cmd/pulumi-language-python-exec" ]]; then
  install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
else
  warn "pulumi-language-python-exec not found in $SDK_DIR"
fi
NODE_PULUMI="$REPO_ROOT/node_modules/@pulumi/pulumi"
if [[ ! -f "$NODE_PULUMI/pulumi-resource-pulumi-nodejs" ]]; then
  log "installing npm dependencies (for @pulumi/pulumi's provider scripts)"
  (cd "$REPO_ROOT" && npm ci --no-audit --no-fund >/dev/null) || warn "npm ci failed"
fi
# Python dynamic providers (pulumi.dynamic) run as this plugin; it runs ${PULUMI_PYTHON_CMD:-python3} -m pulumi.dynamic
if [[ -f "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" ]]; then
  install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
else
  warn "pulumi-resource-pulumi-python not found in $SDK_DIR"
fi
for f in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
  src="$NODE_PULUMI/$f"
  [[ -f "$src" ]] || src="$SDK_DIR/nodejs/dist/$f"
  if [[ -f "$src" ]]; then
    install -m 0755 "$src" "$BIN/$f"
  elif [[ "$f" == pulumi-resource-pulumi-nodejs ]]; then
    warn "$f not found in @pulumi/pulumi"
  fi
done

# --------------------------------------------------------- 5. go builds ---
step "waiting for the CLI, then building the language hosts" "the CLI's remaining minutes, then 1-3 min per host"
if [[ -n "$CLI_PID" ]]; then
  log "waiting for the pulumi CLI build (tail -f $DIR/logs/cli.log)"
  heartbeat_start "building the pulumi CLI $V" "10-20 min cold on 2 cores" "$DIR/logs/cli.log"
  cli_rc=0
  wait "$CLI_PID" || cli_rc=$?
  heartbeat_stop
  if ((cli_rc)); then
    tail -30 "$DIR/logs/cli.log" >&2
    die "pulumi CLI build failed (see $DIR/logs/cli.log)"
  fi
  log "pulumi CLI: $(tail -1 "$DIR/logs/cli.log")"
fi
cli_ok || die "$BIN/pulumi does not report version $V"
record pulumi "$V (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)"

# the rest is built one after the other: they share most packages with the CLI's build cache
if [[ "$YAML_NEEDED" == 1 ]]; then
  start=$SECONDS
  build_yaml() ( cd "$WORK/yaml" && go build -trimpath -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
      -o "$BIN/pulumi-language-yaml.tmp" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml )
  log "building pulumi-language-yaml $YAML_VERSION (log: $DIR/logs/yaml.log)"
  quietly "$DIR/logs/yaml.log" "building pulumi-language-yaml $YAML_VERSION" "1-3 min cold" build_yaml \
    || die "pulumi-language-yaml build failed (see $DIR/logs/yaml.log)"
  mv "$BIN/pulumi-language-yaml.tmp" "$BIN/pulumi-language-yaml"
  log "pulumi-language-yaml built in $((SECONDS - start))s"
  record pulumi-language-yaml "github.com/pulumi/pulumi-yaml@$YAML_VERSION (built with pulumi sdk ${YAML_SDK_V:-?})"
fi
for w in "${LANGHOST_WRAPPERS[@]:-}"; do
  [[ -n "$w" ]] || continue
  IFS='|' read -r name pkg wdir hv note <<< "$w"
  log "building $name from $pkg@$hv (log: $DIR/logs/$name.log)"
  start=$SECONDS
  build_host() ( cd "$wdir" && go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$hv" \
        -o "$BIN/$name.tmp" "$pkg" )
  if quietly "$DIR/logs/$name.log" "building $name" "1-3 min cold" build_host; then
    mv "$BIN/$name.tmp" "$BIN/$name"
    record "$name" "$note"
    log "$name built in $((SECONDS - start))s"
  else
    warn "$name build failed (see $DIR/logs/$name.log)"
  fi
done
mv "$DIR/VERSIONS.new" "$DIR/VERSIONS"

# ------------------------------------------------------------ 6. verify ---
step "checking the CLI with YAML, Node.js and Python programs" "about 1-2 min; log: $DIR/logs/verify.log"
log "verifying the CLI offline with a YAML program"
export PATH="$BIN:$PATH"
VERIFY="$WORK/verify"
mkdir -p "$VERIFY/backend" "$VERIFY/home" "$VERIFY/yaml"
export PULUMI_HOME="$VERIFY/home"
export PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="file://$VERIFY/backend" PULUMI_CONFIG_PASSPHRASE=toolchain-check
export PULUMI_SKIP_CONFIRMATIONS=true
# Runs `pulumi up` on the program in $1 (stack dev), checks its greeting output is hello-dev, then
# `pulumi preview --expect-no-changes` and `pulumi destroy`.  Returns non-zero (and says why) on failure.
verify_program() {
  local dir=$1 label=$2 got
  # (&&: errexit does not apply in a function called from an || list)
  (
    cd "$dir" &&
    pulumi stack init dev --non-interactive &&
    pulumi up --yes --non-interactive --skip-preview
  ) >> "$DIR/logs/verify.log" 2>&1 || { tail -40 "$DIR/logs/verify.log" >&2; warn "pulumi up of a $label program failed"; return 1; }
  got="$(cd "$dir" && pulumi stack output greeting --non-interactive)"
  [[ "$got" == "hello-dev" ]] || { warn "$label program output was '$got', expected 'hello-dev'"; return 1; }
  (
    cd "$dir" &&
    pulumi preview --non-interactive --expect-no-changes &&
    pulumi destroy --yes --non-interactive --skip-preview
  ) >> "$DIR/logs/verify.log" 2>&1 || { tail -40 "$DIR/logs/verify.log" >&2; warn "pulumi preview/destroy of a $label program failed"; return 1; }
  log "$label program: pulumi up ok (greeting=$got), preview: no changes, destroy ok"
}
forget_version() {
  grep -v "^$1 " "$DIR/VERSIONS" > "$DIR/VERSIONS.tmp" || true
  mv "$DIR/VERSIONS.tmp" "$DIR/VERSIONS"
}
# drop_host NAME: a language host that does not pass its check is not kept
drop_host() {
  rm -f "$BIN/$1"
  forget_version "$1"
  warn "$1 removed: it failed its check (see $DIR/logs/verify.log)"
}

pulumi login --non-interactive > "$DIR/logs/verify.log" 2>&1 || { cat "$DIR/logs/verify.log" >&2; die "pulumi login failed"; }
cat > "$VERIFY/yaml/Pulumi.yaml" <<'EOF'
name: toolchain-yaml-check
runtime: yaml
outputs:
  greeting: hello-${pulumi.stack}
EOF
verify_program "$VERIFY/yaml" YAML || die "the CLI with pulumi-language-yaml does not work"

# The Node.js and Python checks include a dynamic provider (pulumi-resource-pulumi-{nodejs,python}).
if [[ -x "$BIN/pulumi-language-nodejs" ]]; then
  log "verifying a Node.js program (npm install @pulumi/pulumi@$PULUMI_VERSION)"
  mkdir -p "$VERIFY/node"
  cat > "$VERIFY/node/Pulumi.yaml" <<'EOF'
name: toolchain-node-check
runtime: nodejs
EOF
  cat > "$VERIFY/node/package.json" <<EOF
{ "name": "toolchain-node-check", "private": true, "main": "index.js",
  "dependencies": { "@pulumi/pulumi": "$PULUMI_VERSION" } }
EOF
  cat > "$VERIFY/node/index.js" <<'EOF'
const pulumi = require("@pulumi/pulumi");
const provider = { async create(inputs) { return { id: "greeting", outs: { text: `hello-${inputs.stack}` } }; } };
class Greeting extends pulumi.dynamic.Resource {
  constructor(name, args) { super(provider, name, { text: undefined, ...args }); }
}
exports.greeting = new Greeting("greeting", { stack: pulumi.getStack() }).text;
EOF
  if (cd "$VERIFY/node" && npm install --no-audit --no-fund --prefer-offline) >> "$DIR/logs/verify.log" 2>&1; then
    verify_program "$VERIFY/node" Node.js || drop_host pulumi-language-nodejs
  else
    tail -40 "$DIR/logs/verify.log" >&2
    warn "npm install for the Node.js check failed"
    drop_host pulumi-language-nodejs
  fi
else
  warn "pulumi-language-nodejs is not available: 'runtime: nodejs' programs cannot be run by this CLI"
fi

if [[ -x "$BIN/pulumi-language-python" ]]; then
  log "verifying a Python program (a venv with pip install pulumi==$PULUMI_VERSION)"
  mkdir -p "$VERIFY/python"
  cat > "$VERIFY/python/Pulumi.yaml" <<'EOF'
name: toolchain-python-check
runtime: python
EOF
  cat > "$VERIFY/python/__main__.py" <<'EOF'
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

class Provider(ResourceProvider):
    def create(self, props):
        return CreateResult(id_="greeting", outs={"text": "hello-" + props["stack"]})

class Greeting(Resource):
    def __init__(self, name, stack):
        super().__init__(Provider(), name, {"stack": stack, "text": None})

pulumi.export("greeting", Greeting("greeting", pulumi.get_stack()).text)
EOF
  if (python3 -m venv "$VERIFY/venv" && "$VERIFY/venv/bin/pip" install -q "pulumi==$PULUMI_VERSION") >> "$DIR/logs/verify.log" 2>&1; then
    (export PULUMI_PYTHON_CMD="$VERIFY/venv/bin/python"; verify_program "$VERIFY/python" Python) || drop_host pulumi-language-python
  else
    tail -40 "$DIR/logs/verify.log" >&2
    warn "creating a venv with pulumi==$PULUMI_VERSION for the Python check failed"
    drop_host pulumi-language-python
  fi
else
  warn "pulumi-language-python is not available: 'runtime: python' programs cannot be run by this CLI"
fi

missing=()
for f in pulumi-language-nodejs pulumi-language-python; do [[ -x "$BIN/$f" ]] || { missing+=("$f"); forget_version "$f"; }; done
{
  echo "pulumi $V built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "missing: ${missing[*]:-none}"
  echo "$RECIPE"
} > "$MARKER"
kubernetes_plugin
print_versions
if ((${#missing[@]})); then
  warn "not available (see the warnings above): ${missing[*]}; TOOLCHAIN_REBUILD=1 retries"
fi
