# Shared by the scripts that build tools once and cache them outside the repository
# (toolchain.sh, kube-validator.sh, kube-apiserver.sh, kube-cluster-binaries.sh). Source it; it defines:
#   CACHE_ROOT           ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}, or
#                        ~/.cache/cloudengine-toolchain where that cannot be written
#   cache_lock FILE      hold an exclusive lock on FILE (fd 9) until the script exits: one build
#                        at a time, though test processes may start the same script concurrently
#                        (says so through `log` when it has to wait)
#   goproxy_url          the first http(s) entry of GOPROXY (default https://proxy.golang.org)

CACHE_ROOT="${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}"
if ! mkdir -p "$CACHE_ROOT" 2>/dev/null || [[ ! -w "$CACHE_ROOT" ]]; then
  CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cloudengine-toolchain"
  mkdir -p "$CACHE_ROOT"
fi

cache_lock() {
  if command -v flock >/dev/null; then
    exec 9>"$1"
    if ! flock -n 9; then
      # silent minutes otherwise: another run (e.g. a concurrent test process) is building
      if declare -F log >/dev/null; then log "waiting for another run that holds $1 (it is building the same cache) ..."; fi
      flock 9
    fi
  fi
}

goproxy_url() {
  local url
  url="$(go env GOPROXY | tr ',|' '\n\n' | grep -E '^https?://' | head -1 || true)"
  echo "${url:-https://proxy.golang.org}"
}
