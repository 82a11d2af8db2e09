#!/usr/bin/env bash
# Checks, before anything is built or started, that this machine has what a test command needs, and
# fails once with the fix: the missing pieces, the exact Debian packages and the commands that install
# them. Run first by `npm test` (mode test), `npm run test:e2e` (e2e) and `npm run test:engine` (engine).
#
#   bash scripts/preflight.sh [test|e2e|example|engine|k8s|example-k8s]
#
# test    redis-server, openssl, Go >= 1.24 (/cloudengine/init tests; etcd 3.5.24's go.mod asks for 1.24),
#         node_modules (npm ci), and NGINX 1.28 for the artifact tests: built already by scripts/host-nginx.sh
#         (in $CLOUDENGINE_TEST_CACHE), or buildable (root installs the compiler; else gcc and make on the path)
# e2e     root (dockerd, iptables, debootstrap, /var/cache), node_modules
# example the same, for `npm run example` without the Pulumi CLI (examples/run-quickstart.sh)
# engine  Go >= 1.25 (scripts/toolchain.sh builds the Pulumi CLI with it), python3, node_modules
# k8s     the engine's, and root (the local cluster: kubelet, containerd, iptables, mounts)
# example-k8s  the same, for `npm run example -- --platform kubernetes`
#
# Commands are looked up on $PATH plus /usr/local/sbin, /usr/sbin and /sbin (where Debian puts some,
# also for users whose PATH lacks them). For tests of this script: PREFLIGHT_PATH replaces that search
# path, PREFLIGHT_UID the user id.
set -uo pipefail

MODE=${1:-test}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SEARCH=${PREFLIGHT_PATH:-$PATH:/usr/local/sbin:/usr/sbin:/sbin}
UID_NOW=${PREFLIGHT_UID:-$(id -u)}
APT_PACKAGES="redis-server openssl"
NGINX_BUILD_PACKAGES="gcc make libc6-dev libpcre2-dev zlib1g-dev libssl-dev libgeoip-dev"
HOST_NGINX="${CLOUDENGINE_TEST_CACHE:-/var/cache/cloudengine-test}/host-nginx-$(sed -n 's/^NGINX_VERSION=//p' "$ROOT/scripts/lib/nginx-source.sh")/sbin/nginx"

problems=()
fixes=()
found=()

find_cmd() { PATH="$SEARCH" command -v "$1" 2>/dev/null; }
add_fix() { local f; for f in "${fixes[@]:-}"; do [[ "$f" == "$1" ]] && return; done; fixes+=("$1"); }
apt_fix() { add_fix "apt-get install $APT_PACKAGES     # Debian/Ubuntu, as root"; }

# version_ge A B: A >= B for dotted numeric versions (1.26.8 >= 1.24)
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

check_go() { # minimum version, what needs it
  local min=$1 why=$2 go v
  go=$(find_cmd go)
  if [[ -z "$go" ]]; then
    problems+=("go: not found ($why; Go $min or newer)")
  else
    v=$("$go" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9][0-9.]*\).*/\1/p')
    if [[ -z "$v" ]] || ! version_ge "$v" "$min"; then
      problems+=("go: $go is ${v:+go}${v:-of an unknown version}, too old ($why; Go $min or newer)")
    else
      found+=("go$v"); return
    fi
  fi
  add_fix "bash scripts/install-go.sh && export PATH=/usr/local/go/bin:\$PATH     # Go from the Go module proxy into /usr/local/go (Debian bookworm's golang-go is 1.19, too old)"
}

check_country_database() { # the X-AppEngine-Country tests: a real country database, and MaxMind's geoiplookup as their oracle
  local db=${CLOUDENGINE_TEST_COUNTRY_DATABASE:-/usr/share/GeoIP/GeoIP.dat} p
  if [[ -s "$db" ]]; then found+=("$db"); else problems+=("$db: not found (the country database of the X-AppEngine-Country tests)"); add_fix "apt-get install geoip-database geoip-bin     # Debian/Ubuntu, as root"; fi
  if p=$(find_cmd geoiplookup); then found+=("$p"); else problems+=("geoiplookup: not found (what the country database holds, for the X-AppEngine-Country tests)"); add_fix "apt-get install geoip-database geoip-bin     # Debian/Ubuntu, as root"; fi
}

check_node_modules() {
  if [[ -x "$ROOT/node_modules/.bin/tsc" && -d "$ROOT/node_modules/@pulumi/pulumi" ]]; then
    found+=("node_modules")
  else
    problems+=("node_modules: missing or incomplete (the package's dependencies are not installed)")
    add_fix "npm ci     # in $ROOT"
  fi
}

case "$MODE" in
  test)
    what="npm test"
    check_node_modules
    if [[ -x "$HOST_NGINX" ]]; then found+=("$HOST_NGINX")
    elif [[ "$UID_NOW" == 0 ]] || { find_cmd gcc >/dev/null && find_cmd make >/dev/null; }; then found+=("nginx: scripts/host-nginx.sh builds it")
    else
      problems+=("nginx 1.28 for the artifact tests: not built yet, and no C compiler to build it (scripts/host-nginx.sh)")
      add_fix "apt-get install $NGINX_BUILD_PACKAGES     # Debian/Ubuntu, as root"
    fi
    if r=$(find_cmd redis-server); then found+=("$r"); else problems+=("redis-server: not found (the redis.conf tests run it)"); apt_fix; fi
    if o=$(find_cmd openssl); then found+=("$o"); else problems+=("openssl: not found (test certificates)"); apt_fix; fi
    check_go 1.24 "the /cloudengine/init tests, and building etcd and kube-apiserver for the Kubernetes dry run"
    check_country_database
    ;;
  e2e|example)
    what="npm run test:e2e"
    [[ "$MODE" == example ]] && what="npm run example (through the e2e harness)"
    check_node_modules
    [[ "$MODE" == e2e ]] && check_country_database
    if [[ "$UID_NOW" != 0 ]]; then
      problems+=("not root: installing docker.io, starting dockerd (iptables, /var/lib/docker) and building the base images (debootstrap) need root")
      add_fix "sudo ${what%% (*}     # or as root"
    else
      found+=("root")
    fi
    ;;
  engine|k8s|example-k8s)
    what="npm run test:$MODE"
    [[ "$MODE" == example-k8s ]] && what="npm run example -- --platform kubernetes"
    check_node_modules
    if [[ "$MODE" != engine ]]; then
      if [[ "$UID_NOW" == 0 ]]; then found+=("root"); else problems+=("not root: the local Kubernetes cluster (kubelet, containerd, iptables, mounts) needs root"); add_fix "sudo $what     # or as root"; fi
    fi
    check_go 1.25 "scripts/toolchain.sh builds the Pulumi CLI and language hosts with it"
    if [[ "$MODE" == k8s ]]; then
      check_country_database
      if p=$(find_cmd kubectl); then found+=("$p"); else problems+=("kubectl: not found (cloudengine cache proxy/shell on Kubernetes run it; the tests prove them)"); add_fix "apt-get install kubernetes-client     # Debian, as root (or any kubectl)"; fi
    fi
    if p=$(find_cmd python3); then found+=("$p"); else problems+=("python3: not found (the Python programs' venv)"); add_fix "apt-get install python3 python3-venv     # Debian/Ubuntu, as root"; fi
    ;;
  *)
    echo "usage: $0 [test|e2e|example|engine|k8s|example-k8s]" >&2
    exit 2
    ;;
esac

if ((${#problems[@]})); then
  {
    echo "preflight: $what cannot run on this machine yet:"
    for p in "${problems[@]}"; do echo "  - $p"; done
    echo "Fix:"
    for f in "${fixes[@]}"; do echo "  $f"; done
    [[ "$MODE" == test || "$MODE" == engine || "$MODE" == k8s || "$MODE" == example-k8s ]] && echo "(.ci/run installs the packages and Go on a fresh Debian machine.)"
  } >&2
  exit 1
fi
echo "preflight: ok for $what — ${found[*]:-nothing to check}" >&2
