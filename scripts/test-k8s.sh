#!/usr/bin/env bash
# npm run test:k8s (after its preflight, build and toolchain): the Kubernetes platform on a real local
# cluster. The first test file starts the cluster (scripts/kube-cluster.sh, proving a stop leaves the
# host as it was and a second start works); the others reuse it. Whatever happens, the cluster is
# stopped at the end (KEEP_KUBE_CLUSTER=1 leaves it running for a look).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/docker-up.sh
bash scripts/base-images.sh
stop_cluster() { [[ "${KEEP_KUBE_CLUSTER:-}" == 1 ]] || bash scripts/kube-cluster.sh stop; }
trap stop_cluster EXIT
node --test --test-concurrency=1 bin/test/k8s/
