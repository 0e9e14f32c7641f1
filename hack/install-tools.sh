#!/usr/bin/env bash
# Builds the local cluster's binaries from pinned Go modules into a cache that
# outlives clones of the repo, so a second run (or a fresh clone on the same
# machine) finds them in seconds. Prints the bin directory on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/hack/versions.env"

CACHE_DIR="${ECS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-operator}"
BIN_DIR="$CACHE_DIR/bin/k8s-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helm-$HELM_VERSION"
mkdir -p "$BIN_DIR"

log() { echo "install-tools: $*" >&2; }

need() {
  local missing=0
  for b in "$@"; do [[ -x "$BIN_DIR/$b" ]] || missing=1; done
  return $((1 - missing))
}

build_in_module() {
  local module_dir="$1"; shift
  (cd "$ROOT/hack/tools/$module_dir" && go build -trimpath -o "$BIN_DIR/" "$@")
}

if need kube-apiserver kube-controller-manager kube-scheduler kubectl; then
  log "building Kubernetes $KUBERNETES_VERSION (cold: ~15 min on 2 cores)"
  build_in_module kubernetes \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
fi

if need etcd; then
  log "building etcd $ETCD_VERSION"
  build_in_module etcd go.etcd.io/etcd/server/v3
  mv "$BIN_DIR/server" "$BIN_DIR/etcd"
fi

if need kwok kwokctl; then
  log "building KWOK $KWOK_VERSION"
  GOBIN="$BIN_DIR" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
fi

if need helm; then
  log "building helm $HELM_VERSION"
  GOBIN="$BIN_DIR" go install -trimpath "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

echo "$BIN_DIR"
