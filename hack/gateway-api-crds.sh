#!/usr/bin/env bash
# Fetches the Gateway API's standard CRDs (HTTPRoute and what routes refer to) at the pinned
# version through the Go module proxy, into the cache install-tools.sh uses, and prints the
# folder holding them. Upstream files stay out of the repo; a second run only prints.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/hack/versions.env"

CACHE_DIR="${ECS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-operator}"
CRD_DIR="$CACHE_DIR/gateway-api-$GATEWAY_API_VERSION/crds"

if ! ls "$CRD_DIR"/*.yaml >/dev/null 2>&1; then
  echo "gateway-api-crds: fetching sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" >&2
  outside_any_module="$(mktemp -d)"
  trap 'rm -rf "$outside_any_module"' EXIT
  module_dir="$(cd "$outside_any_module" && GOFLAGS=-mod=mod go mod download -json \
    "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  mkdir -p "$CRD_DIR.partial"
  cp "$module_dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$CRD_DIR.partial/"
  chmod u+w "$CRD_DIR.partial"/*.yaml  # the module cache is read-only
  mv "$CRD_DIR.partial" "$CRD_DIR"
fi

echo "$CRD_DIR"
