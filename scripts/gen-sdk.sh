#!/usr/bin/env bash
# Generates the Python and Go SDKs from schema.json with the Pulumi CLI (`pulumi package gen-sdk`).
#
#   npm run gen-sdk                      # -> bash scripts/gen-sdk.sh: rewrites sdk/python and sdk/go
#   bash scripts/gen-sdk.sh --out DIR    # writes DIR/python and DIR/go instead (the drift test)
#
# gen-sdk asks a language host to generate code. The real pulumi-language-python and -go cannot be
# built here (the Go module proxy does not serve their modules), so this builds, once per Pulumi
# version, scripts/codegen-host: a host that answers only GeneratePackage, with the same codegen
# packages of github.com/pulumi/pulumi/pkg/v3 at the CLI's version. It lives in its own directory
# (<toolchain>/codegen-bin), on PATH only while gen-sdk runs.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO_ROOT/sdk"
if [[ "${1:-}" == "--out" ]]; then OUT="$2"; fi

log() { printf '[gen-sdk] %s\n' "$*" >&2; }

bash "$REPO_ROOT/scripts/toolchain.sh" > /dev/null
eval "$(bash "$REPO_ROOT/scripts/toolchain.sh" --print-path)"
BIN="$(dirname "$(command -v pulumi)")"
CODEGEN_BIN="$(dirname "$BIN")/codegen-bin"
V="$(PULUMI_SKIP_UPDATE_CHECK=1 pulumi version)"

source_hash="$(sha256sum "$REPO_ROOT/scripts/codegen-host/main.go" | cut -c1-16)"
if [[ ! -x "$CODEGEN_BIN/pulumi-language-go" || "$(cat "$CODEGEN_BIN/.source" 2>/dev/null)" != "$source_hash" ]]; then
  log "building the code generation host against github.com/pulumi/pulumi/pkg/v3@$V (once)"
  export GOTOOLCHAIN=local GOFLAGS="-mod=mod" GONOSUMDB="github.com/pulumi${GONOSUMDB:+,$GONOSUMDB}"
  work="$(mktemp -d /tmp/cloudengine-codegen.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  # pkg/v3's own non-local replace directives apply to any module that builds it.
  pkg_gomod="$(cd "$work" && printf 'module probe\n\ngo 1.25\n' > go.mod && go mod download -json "github.com/pulumi/pulumi/pkg/v3@$V" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).GoMod))')"
  replaces="$(awk '
    /^replace[ \t]*\(/ { inblk = 1; next }
    inblk && /^\)/     { inblk = 0; next }
    inblk              { line = $0 }
    !inblk && /^replace[ \t]/ { line = $0; sub(/^replace[ \t]+/, "", line) }
    line != "" { split(line, p, "=>"); t = p[2]; gsub(/^[ \t]+/, "", t); if (t !~ /^(\.|\/)/) print "replace " line; line = "" }' "$pkg_gomod")"
  mkdir -p "$work/host"
  cp "$REPO_ROOT/scripts/codegen-host/main.go" "$work/host/"
  printf 'module cloudengine.local/codegen-host\n\ngo 1.25\n\nrequire (\n\tgithub.com/pulumi/pulumi/pkg/v3 %s\n\tgithub.com/pulumi/pulumi/sdk/v3 %s\n)\n\n%s\n' "$V" "$V" "$replaces" > "$work/host/go.mod"
  (cd "$work/host" && go mod tidy && go build -trimpath -ldflags "-X main.version=$V" -o "$work/codegen-host" .) >&2
  mkdir -p "$CODEGEN_BIN"
  install -m 0755 "$work/codegen-host" "$CODEGEN_BIN/pulumi-language-python"
  install -m 0755 "$work/codegen-host" "$CODEGEN_BIN/pulumi-language-go"
  echo "$source_hash" > "$CODEGEN_BIN/.source"
fi

export PATH="$CODEGEN_BIN:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# A private PULUMI_HOME: gen-sdk needs no plugins and must not touch the user's.
PULUMI_HOME="$(mktemp -d /tmp/cloudengine-gensdk-home.XXXXXX)"
export PULUMI_HOME
trap 'rm -rf "$PULUMI_HOME" ${work:+"$work"}' EXIT

mkdir -p "$OUT"
for language in python go; do
  rm -rf "${OUT:?}/$language"
  (cd "$REPO_ROOT" && pulumi package gen-sdk schema.json --language "$language" --out "$OUT") >&2
  log "wrote $OUT/$language"
done
