#!/usr/bin/env bash
# Deploys examples/quickstart. With the Pulumi CLI and its Docker provider plugin: `pulumi up` on a
# local file backend (never Pulumi Cloud). Without them (as on machines that cannot download the
# plugin): through the e2e harness, which creates the same Docker resources on the local engine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" && npm run build --silent
if command -v pulumi >/dev/null && pulumi plugin ls 2>/dev/null | grep -q '^docker '; then
  cd "$root/examples/quickstart"
  npm install --no-audit --no-fund
  mkdir -p .pulumi
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}" PULUMI_SKIP_UPDATE_CHECK=1
  pulumi stack select --create dev
  pulumi up --yes
else
  echo "run-quickstart: no Pulumi CLI with the docker plugin here; deploying through the e2e harness on the local Docker engine"
  node bin/test/e2e/deployExample.js "$@"
fi
