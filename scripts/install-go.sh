#!/usr/bin/env bash
# Installs the Go toolchain the tests need into /usr/local/go, unless a new enough `go` is on PATH.
# Debian bookworm's golang-go (1.19) is too old (etcd 3.5.24 asks for 1.24, scripts/toolchain.sh for
# 1.25), so this fetches the official toolchain as the Go module proxy publishes it: the module
# golang.org/toolchain@v0.0.1-go<version>.linux-<arch> (the same files as go.dev/dl's tarball, which
# `go` itself downloads when it switches toolchains), checked against a pinned sha256.
#
#   bash scripts/install-go.sh             then: export PATH=/usr/local/go/bin:$PATH
#
# Environment: GO_VERSION (default 1.26.8), GO_MIN (an existing go at least this new is kept,
# default 1.25), GO_INSTALL_DIR (default /usr/local/go), GO_ZIP_SHA256 (the zip's sha256; pinned for
# the default version on amd64 and arm64, required otherwise unless GO_ZIP_SHA256=skip), GOPROXY
# (its first http(s) entry; default https://proxy.golang.org). Needs curl and unzip (or python3).
set -euo pipefail

GO_VERSION=${GO_VERSION:-1.26.8}
GO_MIN=${GO_MIN:-1.25}
GO_INSTALL_DIR=${GO_INSTALL_DIR:-/usr/local/go}

log() { printf '[install-go] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }
go_version_of() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9][0-9.]*\).*/\1/p'; }

if have=$(command -v go 2>/dev/null); then
  v=$(go_version_of "$have")
  if [[ -n "$v" ]] && version_ge "$v" "$GO_MIN"; then
    log "go$v at $have is new enough (>= $GO_MIN); nothing to install"
    exit 0
  fi
  log "go${v:-?} at $have is older than $GO_MIN; installing go$GO_VERSION into $GO_INSTALL_DIR"
fi
if [[ -x "$GO_INSTALL_DIR/bin/go" && "$(go_version_of "$GO_INSTALL_DIR/bin/go")" == "$GO_VERSION" ]]; then
  log "go$GO_VERSION is already in $GO_INSTALL_DIR; put it on PATH: export PATH=$GO_INSTALL_DIR/bin:\$PATH"
  exit 0
fi

case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac
# sha256 of the module zips as the proxy serves them; these zips' go.sum hashes were checked against
# sum.golang.org (go mod download) when they were pinned.
declare -A PINNED=(
  [1.26.8-amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [1.26.8-arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)
want=${GO_ZIP_SHA256:-${PINNED[$GO_VERSION-$arch]:-}}
[[ -n "$want" ]] || die "no pinned sha256 for go$GO_VERSION linux-$arch: set GO_ZIP_SHA256 (or GO_ZIP_SHA256=skip)"

proxy=$(printf '%s\n' "${GOPROXY:-https://proxy.golang.org}" | tr ',|' '\n\n' | grep -E '^https?://' | head -n1 || true)
proxy=${proxy:-https://proxy.golang.org}
module="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch"
url="${proxy%/}/golang.org/toolchain/@v/v0.0.1-go$GO_VERSION.linux-$arch.zip"
command -v curl >/dev/null || die "curl is needed (apt-get install curl)"

work=$(mktemp -d "${TMPDIR:-/tmp}/install-go.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "downloading $url (~70 MB)"
curl -fsSL --retry 3 -o "$work/go.zip" "$url" || die "could not download $url"
got=$(sha256sum "$work/go.zip" | cut -d' ' -f1)
if [[ "$want" != skip && "$got" != "$want" ]]; then
  die "$url has sha256 $got, expected $want"
fi
log "unpacking into $GO_INSTALL_DIR"
if command -v unzip >/dev/null; then
  unzip -q "$work/go.zip" -d "$work/x" || die "unzip failed"
elif command -v python3 >/dev/null; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$work/go.zip" "$work/x" || die "unpacking failed"
else
  die "unzip or python3 is needed (apt-get install unzip)"
fi
src="$work/x/$module"
[[ -d "$src/bin" ]] || die "$module has no bin directory"
# Module zips keep no file modes: make them what `go` makes them when it unpacks a toolchain.
find "$src" -type d -exec chmod 755 {} +
find "$src" -type f -exec chmod 644 {} +
chmod 755 "$src"/bin/*
[[ -d "$src/pkg/tool" ]] && find "$src/pkg/tool" -mindepth 2 -maxdepth 2 -type f -exec chmod 755 {} +
find "$src" -type f \( -name '*.bash' -o -name '*.sh' -o -name '*.rc' -o -name 'go_*_exec' \) -exec chmod 755 {} +
v=$(go_version_of "$src/bin/go")
[[ "$v" == "$GO_VERSION" ]] || die "the unpacked toolchain reports go${v:-?}, expected go$GO_VERSION"

mkdir -p "$(dirname "$GO_INSTALL_DIR")"
if [[ -e "$GO_INSTALL_DIR" ]]; then
  log "replacing the existing $GO_INSTALL_DIR ($(go_version_of "$GO_INSTALL_DIR/bin/go" 2>/dev/null || echo '?'))"
  mv "$GO_INSTALL_DIR" "$work/old-go"
fi
mv "$src" "$GO_INSTALL_DIR"
log "go$GO_VERSION installed in $GO_INSTALL_DIR; put it on PATH: export PATH=$GO_INSTALL_DIR/bin:\$PATH"
