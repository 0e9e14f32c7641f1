"""ECS Service -> Deployment and PodDisruptionBudget, as plain dicts for server-side apply."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .names import LABEL_FAMILY, LABEL_MANAGED_BY, LABEL_REVISION, LABEL_SERVICE, MANAGED_BY, \
    family_slug, owner_reference
from .pod import PodTranslation

DEFAULT_MINIMUM_HEALTHY_PERCENT = 100
DEFAULT_MAXIMUM_PERCENT = 200
ANNOTATION_TASK_DEFINITION = "ecs.operator.dev/task-definition"


@dataclass(frozen=True)
class DeploymentBounds:
    """How many tasks a rollout keeps healthy and how many it may run at most."""
    minimum_healthy: int
    maximum_running: int
    max_unavailable: int
    max_surge: int


def deployment_bounds(desired: int, minimum_healthy_percent: int | None,
                      maximum_percent: int | None) -> DeploymentBounds:
    low = DEFAULT_MINIMUM_HEALTHY_PERCENT if minimum_healthy_percent is None \
        else minimum_healthy_percent
    high = DEFAULT_MAXIMUM_PERCENT if maximum_percent is None else maximum_percent
    minimum_healthy = math.ceil(desired * low / 100)
    maximum_running = math.floor(desired * high / 100)
    max_unavailable = max(desired - minimum_healthy, 0)
    max_surge = max(maximum_running - desired, 0)
    if max_unavailable == 0 and max_surge == 0:
        # Only reachable with desiredCount 0 (admission rejects the rest); Kubernetes refuses
        # both bounds at zero, and with no tasks a surge of one harms nothing.
        max_surge = 1
    return DeploymentBounds(minimum_healthy, maximum_running, max_unavailable, max_surge)


def service_labels(service_name: str) -> dict[str, str]:
    return {LABEL_SERVICE: service_name, LABEL_MANAGED_BY: MANAGED_BY}


def selector(service_name: str) -> str:
    return f"{LABEL_SERVICE}={service_name}"


def deployment(*, name: str, namespace: str, uid: str, spec: dict, family: str, revision: int,
               pod: PodTranslation) -> dict:
    config = spec.get("deploymentConfiguration") or {}
    desired = int(spec.get("desiredCount", 1))
    bounds = deployment_bounds(desired, config.get("minimumHealthyPercent"),
                               config.get("maximumPercent"))
    task_definition = f"{family}:{revision}"
    pod_labels = {**service_labels(name), LABEL_FAMILY: family_slug(family),
                  LABEL_REVISION: str(revision)}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": service_labels(name),
            "annotations": {ANNOTATION_TASK_DEFINITION: task_definition},
            "ownerReferences": [owner_reference("Service", name, uid)],
        },
        "spec": {
            "replicas": desired,
            "selector": {"matchLabels": {LABEL_SERVICE: name}},
            "revisionHistoryLimit": 10,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                "maxUnavailable": bounds.max_unavailable, "maxSurge": bounds.max_surge}},
            "template": {
                "metadata": {
                    "labels": pod_labels,
                    "annotations": {**pod.annotations,
                                    ANNOTATION_TASK_DEFINITION: task_definition},
                },
                "spec": {**pod.spec, "restartPolicy": "Always"},
            },
        },
    }


def pod_disruption_budget(*, name: str, namespace: str, uid: str, spec: dict) -> dict:
    """Voluntary evictions (node drains) keep the same floor a rollout keeps."""
    config = spec.get("deploymentConfiguration") or {}
    bounds = deployment_bounds(int(spec.get("desiredCount", 1)),
                               config.get("minimumHealthyPercent"), config.get("maximumPercent"))
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": service_labels(name),
            "ownerReferences": [owner_reference("Service", name, uid)],
        },
        "spec": {
            "minAvailable": bounds.minimum_healthy,
            "selector": {"matchLabels": {LABEL_SERVICE: name}},
        },
    }


UNSUPPORTED_SERVICE_FIELDS = (
    "capacityProviderStrategy", "placementConstraints", "placementStrategy", "loadBalancers",
    "serviceRegistries", "serviceConnectConfiguration", "healthCheckGracePeriodSeconds",
    "availabilityZoneRebalancing", "volumeConfigurations", "deploymentConfiguration.alarms",
)


def unsupported_service_fields(spec: dict) -> list[str]:
    """Fields set on the Service that this version of the operator does not act on."""
    found = []
    for path in UNSUPPORTED_SERVICE_FIELDS:
        value: object = spec
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value not in (None, [], {}):
            found.append(path)
    if spec.get("schedulingStrategy") == "DAEMON":
        found.append("schedulingStrategy: DAEMON")
    strategy = (spec.get("deploymentConfiguration") or {}).get("strategy")
    if strategy not in (None, "ROLLING"):
        found.append(f"deploymentConfiguration.strategy: {strategy}")
    controller = (spec.get("deploymentController") or {}).get("type")
    if controller not in (None, "ECS"):
        found.append(f"deploymentController.type: {controller}")
    return sorted(found)
