#!/usr/bin/env bash
# Starts the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler from pinned builds) with KWOK faking three zoned nodes (with addresses and
# GPUs) and a pool of volumes (storage.sh), then proves it works: a plain 3-replica
# Deployment must become available.
# Writes the kubeconfig to .cluster/kubeconfig (or $ECS_CLUSTER_KUBECONFIG).
set -euo pipefail
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print (b - a) / 1e9 }'; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/hack/versions.env"
source "$ROOT/hack/cluster/env.sh"

started=$(date +%s%N)
BIN_DIR="$("$ROOT/hack/install-tools.sh")"
export PATH="$BIN_DIR:$PATH"

# kwokctl copies kwok.yaml's stages into the cluster when it creates it: a cluster made from
# an older kwok.yaml would keep the old node and pod lifecycle, so it is made again.
CONFIG_SUM_FILE="$(dirname "$KUBECONFIG_PATH")/kwok-config.sha256"
config_sum="$(sha256sum "$ROOT/hack/cluster/kwok.yaml" | cut -d' ' -f1)"
if kwokctl get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME" \
    && [[ "$(cat "$CONFIG_SUM_FILE" 2>/dev/null)" != "$config_sum" ]]; then
  echo "cluster $CLUSTER_NAME was made from another hack/cluster/kwok.yaml; recreating it" >&2
  kwokctl delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KUBECONFIG_PATH" >&2
  rm -f "$KUBECONFIG_PATH"
fi

if [[ -f "$KUBECONFIG_PATH" ]] && kubectl --kubeconfig "$KUBECONFIG_PATH" get --raw /readyz >/dev/null 2>&1; then
  echo "cluster $CLUSTER_NAME is already running" >&2
elif kwokctl get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  echo "cluster $CLUSTER_NAME exists; restarting it" >&2
  kwokctl start cluster --name "$CLUSTER_NAME" >&2
else
  mkdir -p "$(dirname "$KUBECONFIG_PATH")"
  profiling=()
  if [[ "${ECS_CLUSTER_PROFILING:-}" == 1 ]]; then
    # The controller manager and scheduler serve /debug/pprof only to authorized clients;
    # the local cluster has none set up for them, so the path is opened as kwokctl opens
    # /metrics (hack/profile.sh fetches the profiles).
    allowed="/healthz,/readyz,/livez,/metrics,/debug/pprof/*"
    profiling=(--extra-args "kube-controller-manager=authorization-always-allow-paths=$allowed"
               --extra-args "kube-scheduler=authorization-always-allow-paths=$allowed")
  fi
  kwokctl create cluster \
    --name "$CLUSTER_NAME" \
    --runtime binary \
    --kube-apiserver-binary "$BIN_DIR/kube-apiserver" \
    --kube-controller-manager-binary "$BIN_DIR/kube-controller-manager" \
    --kube-scheduler-binary "$BIN_DIR/kube-scheduler" \
    --kwok-controller-binary "$BIN_DIR/kwok" \
    --etcd-binary "$BIN_DIR/etcd" \
    --kubeconfig "$KUBECONFIG_PATH" \
    --config "$ROOT/hack/cluster/kwok.yaml" \
    "${profiling[@]}" \
    --wait 3m >&2
  echo "$config_sum" > "$CONFIG_SUM_FILE"
fi
export KUBECONFIG="$KUBECONFIG_PATH"

kubectl apply --server-side -f "$ROOT/hack/cluster/nodes.yaml" >&2
kubectl wait --for=condition=Ready node --all --timeout=120s >&2
kubectl wait --for=jsonpath='{.status.addresses[0].address}' node --all --timeout=60s >&2
"$ROOT/hack/cluster/storage.sh" >&2
ready=$(date +%s%N)

"$ROOT/hack/cluster/smoke.sh"
printf 'control plane ready in %.1fs (smoke test included: %.1fs)\n' \
  "$(elapsed "$started" "$ready")" "$(elapsed "$started" "$(date +%s%N)")"
echo "export KUBECONFIG=$KUBECONFIG_PATH"
