#!/usr/bin/env bash
# Stops the local cluster and deletes its data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/hack/versions.env"
source "$ROOT/hack/cluster/env.sh"
BIN_DIR="$("$ROOT/hack/install-tools.sh")"
"$BIN_DIR/kwokctl" delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG_PATH"
rm -f "$KUBECONFIG_PATH"
