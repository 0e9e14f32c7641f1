#!/usr/bin/env bash
# A plain Deployment of 3 replicas must become available on the fake nodes.
# Prints how long it took.
set -euo pipefail
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print (b - a) / 1e9 }'; }
ns="smoke-$$"
kubectl create namespace "$ns" >/dev/null
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
start=$(date +%s%N)
kubectl -n "$ns" create deployment smoke --image=registry.example/smoke:1 --replicas=3 >/dev/null
kubectl -n "$ns" rollout status deployment/smoke --timeout=120s >/dev/null
printf 'smoke: Deployment smoke 3/3 available in %.1fs\n' "$(elapsed "$start" "$(date +%s%N)")"
kubectl -n "$ns" get pods -o wide >&2
