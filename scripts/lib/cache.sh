# Shared by the scripts that build tools once and cache them outside the repository
# (toolchain.sh, kube-validator.sh, kube-apiserver.sh, kube-cluster-binaries.sh). Source it; it defines:
#   CACHE_ROOT           ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}, or
#                        ~/.cache/cloudengine-toolchain where that cannot be written
#   cache_lock FILE      hold an exclusive lock on FILE (fd 9) until the script exits: one build
#                        at a time, though test processes may start the same script concurrently
#                        (says so through `log` when it has to wait)
#   cache_build_lock FILE REBUILD_VAR MARKER...
#                        cache_lock FILE; then, when $REBUILD_VAR is 1 (a forced rebuild), removes the
#                        cache entries' markers and sets it to 0 for the tools this run starts
#   goproxy_url          the first http(s) entry of GOPROXY (default https://proxy.golang.org)
#   cache_complete MARKER LINE [FILE...]
#                        whether the marker file holds LINE (e.g. "build 2") and every FILE is
#                        executable; a cache entry's marker is written last, so a cut-short build is redone
#   print_env_flag ARGS  PRINT_ENV=1 for --print-env, 0 for no argument; any other argument is a usage error

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

cache_build_lock() {
  local lock=$1 var=$2
  shift 2
  cache_lock "$lock"
  if [[ "${!var:-}" == 1 ]]; then
    rm -f "$@"
    export "$var=0"
  fi
}

goproxy_url() {
  local url
  url="$(go env GOPROXY | tr ',|' '\n\n' | grep -E '^https?://' | head -1 || true)"
  echo "${url:-https://proxy.golang.org}"
}

cache_complete() {
  local marker=$1 line=$2 f
  shift 2
  [[ -f "$marker" ]] && grep -qxF "$line" "$marker" || return 1
  for f in "$@"; do [[ -x "$f" ]] || return 1; done
}

print_env_flag() {
  case "${1:-}" in
    --print-env) PRINT_ENV=1 ;;
    "") PRINT_ENV=0 ;;
    *) die "usage: $0 [--print-env]" ;;
  esac
}
