#!/usr/bin/env bash
# A CPU profile of one local control-plane component, and its top functions.
#   hack/profile.sh kube-apiserver|kube-controller-manager|kube-scheduler SECONDS OUTPUT.pb.gz
# The controller manager and scheduler need a cluster started with ECS_CLUSTER_PROFILING=1
# (make cluster-down; ECS_CLUSTER_PROFILING=1 make cluster-up). Read it further with
# `go tool pprof -top -cum OUTPUT.pb.gz` or `-focus=FUNCTION`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/hack/versions.env"
source "$ROOT/hack/cluster/env.sh"
component="${1:?component}" seconds="${2:?seconds}" output="${3:?output file}"
path="/debug/pprof/profile?seconds=$seconds"
case "$component" in
  kube-apiserver)
    kubectl --kubeconfig "$KUBECONFIG_PATH" get --raw "$path" > "$output" ;;
  kube-controller-manager|kube-scheduler)
    command_line="$(pgrep -a -f "bin/$component " | grep -- "--kubeconfig=$KWOK_WORKDIR" | head -1 || true)"
    port="$(tr ' ' '\n' <<< "$command_line" | sed -n 's/^--secure-port=//p')"
    [[ -n "$port" ]] || { echo "$component of this cluster is not running" >&2; exit 1; }
    if ! curl -sfk "https://127.0.0.1:$port$path" -o "$output"; then
      echo "$component refused the profile: start the cluster with ECS_CLUSTER_PROFILING=1" >&2
      exit 1
    fi ;;
  *) echo "unknown component: $component" >&2; exit 2 ;;
esac
go tool pprof -top -cum -nodecount=30 "$output" 2>/dev/null
