#!/usr/bin/env bash
# Deploys examples/quickstart (stack dev; its stack config, e.g. the gateway's address and ports, is in
# examples/quickstart/Pulumi.dev.yaml). `--destroy` removes it.
#
# Docker (default): with the Pulumi CLI and its Docker provider plugin: `pulumi up` on a local file
# backend (examples/quickstart/.pulumi, never Pulumi Cloud). Without them (as on machines that cannot
# download the plugin): through the e2e harness, which creates the same Docker resources on the local
# engine; it first makes sure there is one (scripts/docker-up.sh: installs docker.io and starts dockerd
# if needed, which keeps running afterwards: `npm run docker-down` stops it) and that the default images
# exist (scripts/base-images.sh: built locally, ~12 minutes the first time).
#
# `--platform kubernetes`: the real `pulumi up` with the real Kubernetes provider onto the local
# single-node cluster (scripts/kube-cluster.sh; started if it is not running, and left running): the
# toolchain, the Docker engine and the default images first (built once, cached), then
# test/k8s/deployExample.ts, which keeps the stack in examples/quickstart/.kubernetes/ and prints how to
# reach each load balancer (NodePort Services on 127.0.0.1). Needs root (kubelet, containerd, iptables).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
destroy=0
platform=docker
usage() { echo "usage: npm run example [-- [--platform docker|kubernetes] [--destroy]]" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --destroy) destroy=1 ;;
    --platform) [[ $# -ge 2 ]] || usage; platform="$2"; shift ;;
    --platform=*) platform="${1#*=}" ;;
    *) usage ;;
  esac
  shift
done
[[ "$platform" == docker || "$platform" == kubernetes ]] || { echo "run-quickstart: --platform $platform: allowed are docker and kubernetes" >&2; exit 2; }
cd "$root" && npm run build --silent
if [[ "$platform" == kubernetes ]]; then
  bash scripts/preflight.sh example-k8s
  if [[ $destroy == 1 ]]; then
    bash scripts/kube-cluster.sh status >/dev/null 2>&1 || { echo "run-quickstart: the local cluster is not running: nothing deployed on it to remove" >&2; exit 0; }
    exec node bin/test/k8s/deployExample.js --destroy
  fi
  echo "run-quickstart: 1/4 Pulumi toolchain and the Kubernetes provider plugin (scripts/toolchain.sh; built once, ~30-60 min cold)"
  bash scripts/toolchain.sh >/dev/null
  echo "run-quickstart: 2/4 Docker engine and the default images (the app is built there; ~12 min the first time)"
  bash scripts/docker-up.sh
  bash scripts/base-images.sh
  echo "run-quickstart: 3/4 the local cluster (scripts/kube-cluster.sh; its commands built once, ~10 min cold)"
  bash scripts/kube-cluster.sh status >/dev/null 2>&1 || bash scripts/kube-cluster.sh start
  echo "run-quickstart: 4/4 deploying"
  exec node bin/test/k8s/deployExample.js
fi
if command -v pulumi >/dev/null && pulumi plugin ls 2>/dev/null | grep -q '^docker '; then
  cd "$root/examples/quickstart"
  npm install --no-audit --no-fund
  mkdir -p .pulumi
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}" PULUMI_SKIP_UPDATE_CHECK=1
  pulumi stack select --create dev
  if [[ $destroy == 1 ]]; then
    pulumi destroy --yes
  else
    pulumi up --yes
  fi
elif [[ $destroy == 1 ]]; then
  node bin/test/e2e/deployExample.js --destroy
else
  echo "run-quickstart: no Pulumi CLI with the docker plugin here: deploying examples/quickstart through the e2e harness on the local Docker engine"
  bash scripts/preflight.sh example
  echo "run-quickstart: 1/3 Docker engine (scripts/docker-up.sh)"
  bash scripts/docker-up.sh
  echo "run-quickstart: 2/3 default images (scripts/base-images.sh; ~12 min the first time, then seconds)"
  bash scripts/base-images.sh
  echo "run-quickstart: 3/3 deploying (the app's image is built from examples/quickstart/app)"
  node bin/test/e2e/deployExample.js
fi
