#!/usr/bin/env bash
# Deploys examples/quickstart with the Pulumi CLI on a local file backend (never Pulumi Cloud).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v pulumi >/dev/null || { echo "run-quickstart: the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)"; exit 1; }
docker info >/dev/null 2>&1 || { echo "run-quickstart: no Docker engine answers (docker info failed)"; exit 1; }
cd "$root" && npm run build
cd "$root/examples/quickstart"
npm install --no-audit --no-fund
mkdir -p .pulumi
export PULUMI_BACKEND_URL="file://$PWD/.pulumi" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-quickstart}" PULUMI_SKIP_UPDATE_CHECK=1
pulumi stack select --create dev
pulumi up --yes
