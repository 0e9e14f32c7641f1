#!/usr/bin/env bash
# The demo: local cluster up, CRDs installed, the operator running against it, the sample
# web service applied; waits for its steady state and shows what an ECS user would look at.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
eval "$(hack/cluster/up.sh | grep '^export KUBECONFIG=')"
export PATH="$(hack/install-tools.sh):$PATH"
# The package lives in the project's virtual environment (make deps creates it), never in the
# system Python.
[[ -x "$ROOT/.venv/bin/ecs-operator" ]] || make -C "$ROOT" deps >&2
export PATH="$ROOT/.venv/bin:$PATH"

kubectl apply --server-side -f crds/ >/dev/null
kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null

log="$ROOT/.cluster/operator.log"
ecs-operator run --metrics-port 8080 >"$log" 2>&1 &
operator=$!
trap 'kill $operator 2>/dev/null || true; echo "operator log: $log"' EXIT
until grep -q "configured, watching\|Traceback" "$log"; do sleep 0.2; done

kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -n demo -f samples/web.yaml
echo "waiting for the service to reach a steady state..."
kubectl wait -n demo esvc/web --for=condition=SteadyState --timeout=120s >/dev/null

kubectl get -n demo taskdefinitions,ecsservices
echo
kubectl get -n demo deployments,pods -o wide
echo
echo "Service events (newest first):"
kubectl get -n demo esvc/web -o jsonpath='{range .status.events[*]}{.createdAt}  {.message}{"\n"}{end}'
echo
echo "Try: kubectl scale -n demo esvc/web --replicas=5; kubectl get -n demo esvc -w"
if [[ "${DEMO_FOLLOW:-}" == 1 ]]; then
  echo "operator running (Ctrl-C to stop)"; wait $operator
fi
