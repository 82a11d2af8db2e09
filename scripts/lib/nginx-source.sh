# The NGINX source both the nginx:1.28-bookworm stand-in (base-images.sh) and the host's nginx for the
# artifact tests (host-nginx.sh) are built from. Source it after defining `log`, `die`, `quietly`
# (lib/progress.sh), CACHE (where the crate is kept), LOG (the full output) and the array TMPDIRS
# (removed on exit by the caller).
# NGINX 1.28.3: crates.io's nginx-src 1.28.5+1.28.3 (its nginx/ directory is NGINX's source tree).
NGINX_VERSION=1.28.3
NGINX_SRC_CRATE=nginx-src-1.28.5+1.28.3
NGINX_SRC_CRATE_SHA256=60c9192630560c017a18e1da5b4c5de9d78450923f17325752c6f0f7f3911c86

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# $CACHE/$NGINX_SRC_CRATE.crate, fetched once with cargo (a throwaway project depending on exactly that
# version; cargo checks the crate against crates.io's index checksum, and we against the pinned one).
fetch_nginx_source() {
    local crate="$CACHE/$NGINX_SRC_CRATE.crate" version proj cargo found
    [ -s "$crate" ] && [ "$(sha256_of "$crate")" = "$NGINX_SRC_CRATE_SHA256" ] && return 0
    cargo=$(command -v cargo || true)
    [ -n "$cargo" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || cargo=$HOME/.cargo/bin/cargo
    if [ -z "$cargo" ]; then
        log "no cargo on the host; installing Debian's cargo to fetch the NGINX source from crates.io ..."
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cargo >/dev/null; } || die "apt-get install cargo failed"
        cargo=$(command -v cargo)
    fi
    version=${NGINX_SRC_CRATE#nginx-src-}
    version=${version%%+*}
    proj=$(mktemp -d "$CACHE/cargo.XXXXXX")
    TMPDIRS+=("$proj")
    mkdir -p "$proj/src"
    : >"$proj/src/lib.rs"
    printf '[package]\nname = "fetch-nginx-src"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nnginx-src = "=%s"\n' "$version" >"$proj/Cargo.toml"
    quietly "$LOG" "cargo fetch $NGINX_SRC_CRATE from crates.io" "seconds" \
        bash -c 'cd "$1" && "$2" fetch' _ "$proj" "$cargo" || die "cargo fetch of $NGINX_SRC_CRATE failed (full log: $LOG)"
    found=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$NGINX_SRC_CRATE.crate" 2>/dev/null | head -n1)
    [ -n "$found" ] || die "cargo fetch left no $NGINX_SRC_CRATE.crate in ${CARGO_HOME:-$HOME/.cargo}/registry/cache"
    [ "$(sha256_of "$found")" = "$NGINX_SRC_CRATE_SHA256" ] || die "$found: sha256 is not the pinned $NGINX_SRC_CRATE_SHA256"
    cp "$found" "$crate.tmp"
    mv "$crate.tmp" "$crate"
    log "NGINX $NGINX_VERSION source cached in $crate"
}

