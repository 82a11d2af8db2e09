#!/usr/bin/env bash
# Deploys examples/quickstart (stack dev; its stack config, e.g. the gateway's address and ports, is in
# examples/quickstart/Pulumi.dev.yaml). `--destroy` removes it.
#
# With the Pulumi CLI and its Docker provider plugin: `pulumi up` on a local file backend
# (examples/quickstart/.pulumi, never Pulumi Cloud). Without them (as on machines that cannot download
# the plugin): through the e2e harness, which creates the same Docker resources on the local engine; it
# first makes sure there is one (scripts/docker-up.sh: installs docker.io and starts dockerd if needed,
# which keeps running afterwards: `npm run docker-down` stops it) and that the default images exist
# (scripts/base-images.sh: built locally, ~12 minutes the first time).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
destroy=0
for a in "$@"; do
  case "$a" in
    --destroy) destroy=1 ;;
    *) echo "usage: npm run example [-- --destroy]" >&2; exit 2 ;;
  esac
done
cd "$root" && npm run build --silent
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
