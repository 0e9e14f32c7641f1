"""The PodDisruptionBudget's limit: ECS's floor of healthy tasks, loosened only as far as a
node drain needs to make progress.

A rollout never consults the budget (the Deployment's maxUnavailable keeps ECS's floor
there), so the budget only ever governs evictions: `kubectl drain`, the cluster autoscaler
scaling a node in, node upgrades. At minimumHealthyPercent 100 the floor is every task, and a
budget of minAvailable = desiredCount allows no eviction at all: a drain waits forever. ECS
never stops there: on a DRAINING container instance it starts the replacement tasks first
(within maximumPercent) and then stops the old ones. An eviction cannot start anything first,
so the budget lets one task at a time go (minAvailable = desiredCount - 1): the drain moves
task by task, each replacement starting on another node before the next eviction is allowed
(the budget counts only healthy tasks). Floors that already leave a task to spare are kept as
ECS computes them.

Tasks that are not healthy (Ready) may always be evicted (unhealthyPodEvictionPolicy
AlwaysAllow): they do not count towards ECS's floor, and a crash-looping service would
otherwise hold a drain up as surely as a floor of every task.

An autoscaled service's budget is a percentage (it follows the replicas the autoscaler sets);
at 100 % it becomes maxUnavailable 1, the same one-at-a-time rule.
"""

from __future__ import annotations

import math

from .names import GROUP, LABEL_SERVICE
from .service import DEFAULT_MINIMUM_HEALTHY_PERCENT, deployment_bounds, owned_metadata


# ECS's own floor, on the budget: what `kubectl get pdb -o yaml` cannot otherwise tell.
ANNOTATION_MINIMUM_HEALTHY = f"{GROUP}/minimum-healthy-tasks"


def budget_limit(desired: int, minimum_healthy_percent: int | None,
                 maximum_percent: int | None, *, autoscaled: bool = False) -> dict:
    """The budget's `minAvailable` or `maxUnavailable`, for its spec."""
    low = DEFAULT_MINIMUM_HEALTHY_PERCENT if minimum_healthy_percent is None \
        else minimum_healthy_percent
    if autoscaled:
        # Kubernetes rounds a percentage up, as ECS rounds the minimum healthy count.
        return {"maxUnavailable": 1} if low >= 100 else {"minAvailable": f"{low}%"}
    floor = deployment_bounds(desired, low, maximum_percent).minimum_healthy
    return {"minAvailable": max(min(floor, desired - 1), 0)}


def _healthy_count(minimum: int | str, replicas: int) -> int:
    if isinstance(minimum, str):  # a percentage of the replicas, rounded up as Kubernetes does
        return math.ceil(replicas * int(minimum.rstrip("%")) / 100)
    return int(minimum)


def budget_floor(budget: dict, replicas: int) -> int:
    """ECS's minimum healthy count for the budget's service with `replicas` tasks wanted: what
    its healthy tasks must reach before the service has earned the budget (the budget itself
    may allow one task more to go, for drains)."""
    minimum = (budget["metadata"].get("annotations") or {}).get(ANNOTATION_MINIMUM_HEALTHY)
    if minimum is not None:
        return _healthy_count(minimum if minimum.endswith("%") else int(minimum), replicas)
    spec = budget["spec"]
    if "maxUnavailable" in spec:
        return max(replicas - int(spec["maxUnavailable"]), 0)
    return _healthy_count(spec["minAvailable"], replicas)


def pod_disruption_budget(*, name: str, namespace: str, uid: str, spec: dict,
                          autoscaled: bool = False) -> dict:
    """Annotated with ECS's minimum healthy count, which the budget may be one task below."""
    config = spec.get("deploymentConfiguration") or {}
    desired, low = int(spec.get("desiredCount", 1)), config.get("minimumHealthyPercent")
    limit = budget_limit(desired, low, config.get("maximumPercent"), autoscaled=autoscaled)
    low = DEFAULT_MINIMUM_HEALTHY_PERCENT if low is None else low
    minimum = f"{low}%" if autoscaled else \
        str(deployment_bounds(desired, low, config.get("maximumPercent")).minimum_healthy)
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": owned_metadata(name, namespace, uid, {ANNOTATION_MINIMUM_HEALTHY: minimum}),
        "spec": {**limit, "selector": {"matchLabels": {LABEL_SERVICE: name}},
                 # ECS counts only healthy tasks towards the floor: an unhealthy one protects
                 # nothing, and a service whose tasks all fail must not hold a drain up.
                 "unhealthyPodEvictionPolicy": "AlwaysAllow"},
    }
