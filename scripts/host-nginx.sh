#!/usr/bin/env bash
# The host's nginx for the artifact tests: the same NGINX version as the package's default proxy image
# (nginx:1.28-bookworm, built from the same source by base-images.sh), so the tests run the rendered
# configurations in the nginx they are written for (Debian bookworm's nginx is 1.22). Built once from
# crates.io's nginx-src crate into $CLOUDENGINE_TEST_CACHE (default /var/cache/cloudengine-test) and kept
# there by version; installs Debian's compiler and libraries when missing (root). Prints nothing but
# the binary's path on stdout, so callers can `NGINX=$(scripts/host-nginx.sh)`.
#
# Usage: scripts/host-nginx.sh    (FORCE=1 rebuilds)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CLOUDENGINE_TEST_CACHE:-/var/cache/cloudengine-test}
T0=$SECONDS
log() { printf '[host-nginx +%3ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
source "$HERE/lib/progress.sh"
source "$HERE/lib/nginx-source.sh"
source "$HERE/lib/cache.sh"
mkdir -p "$CACHE/logs"
LOG=$CACHE/logs/host-nginx.log
TMPDIRS=()
trap 'for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done' EXIT

PREFIX=$CACHE/host-nginx-$NGINX_VERSION
BIN=$PREFIX/sbin/nginx
MARKER=$PREFIX/.complete
# Bump when the configure flags change.
RECIPE="recipe 3"

REBUILD=${FORCE:-0}
cache_build_lock "$CACHE/host-nginx.lock" REBUILD "$MARKER"
if cache_complete "$MARKER" "$RECIPE" "$BIN"; then echo "$BIN"; exit 0; fi

missing=()
for pkg in gcc make libc6-dev libpcre2-dev zlib1g-dev libssl-dev libgeoip-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    [ "$(id -u)" = 0 ] || die "building nginx needs ${missing[*]}: apt-get install -y ${missing[*]} (as root)"
    log "installing ${missing[*]} to build NGINX $NGINX_VERSION ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
        die "apt-get install ${missing[*]} failed"
fi

steps_total 2
step "NGINX $NGINX_VERSION source" "seconds; cached after"
fetch_nginx_source
step "NGINX $NGINX_VERSION for the host in $PREFIX" "about 2 min cold"
src=$(mktemp -d "$CACHE/host-nginx-src.XXXXXX")
TMPDIRS+=("$src")
tar -xzf "$CACHE/$NGINX_SRC_CRATE.crate" -C "$src" --strip-components=2 "$NGINX_SRC_CRATE/nginx"
grep -qx "#define NGINX_VERSION      \"$NGINX_VERSION\"" "$src/src/core/nginx.h" || die "the crate does not hold NGINX $NGINX_VERSION"
rm -rf "$PREFIX"
# What the rendered configurations use, compiled in, and the geoip module as the official image has it:
# dynamic, in $PREFIX/modules (loaded only by configurations with a country database); errors before the
# configuration is read go to stderr (workers run as nobody, who cannot write under the prefix).
quietly "$LOG" "building NGINX $NGINX_VERSION" "about 2 min cold" bash -c '
    cd "$1" &&
    ./auto/configure --prefix="$2" --error-log-path=stderr --with-threads --with-http_ssl_module --with-http_v2_module \
        --with-http_realip_module --with-http_gunzip_module --with-http_gzip_static_module \
        --with-http_stub_status_module --with-stream --with-stream_ssl_module --with-stream_realip_module \
        --with-stream_ssl_preread_module --with-http_geoip_module=dynamic &&
    make -j"$(nproc)" && make install' _ "$src" "$PREFIX" || die "building NGINX failed (full log: $LOG)"
"$BIN" -v 2>&1 | grep -qx "nginx version: nginx/$NGINX_VERSION" || die "$BIN does not report nginx/$NGINX_VERSION"
echo "$RECIPE" >"$MARKER"
log "NGINX $NGINX_VERSION built: $BIN"
echo "$BIN"
