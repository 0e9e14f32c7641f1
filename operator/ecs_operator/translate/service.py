"""ECS Service -> Deployment (the PodDisruptionBudget is in disruption_budget.py), as plain
dicts for server-side apply."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import TranslationError
from .gateway_routes import unhonoured_listener_rules
from .lifecycle_hooks import honoured
from .names import ANNOTATION_TASK_DEFINITION, LABEL_FAMILY, LABEL_MANAGED_BY, LABEL_REVISION, \
    LABEL_SERVICE, MANAGED_BY, family_slug, owner_reference
from .placement import LABEL_GROUP, group_label_value
from .pod import PodTranslation

DEFAULT_MINIMUM_HEALTHY_PERCENT = 100
DEFAULT_MAXIMUM_PERCENT = 200


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


def service_group(service_name: str) -> str:
    """ECS puts a service's tasks in the task group `service:<name>`."""
    return f"service:{service_name}"


def pod_template(*, name: str, family: str, revision: int, pod: PodTranslation,
                 scheduling: dict | None = None) -> dict:
    """The pod template of a service's tasks; `scheduling` holds the placement fields."""
    task_definition = f"{family}:{revision}"
    labels = {**service_labels(name), LABEL_FAMILY: family_slug(family),
              LABEL_REVISION: str(revision)}
    try:
        labels[LABEL_GROUP] = group_label_value(service_group(name))
    except TranslationError:
        pass  # a name too long for a label value: task:group constraints cannot select it
    return {
        "metadata": {
            "labels": labels,
            "annotations": {**pod.annotations, ANNOTATION_TASK_DEFINITION: task_definition},
        },
        "spec": {**pod.spec, **(scheduling or {}), "restartPolicy": "Always"},
    }


def owned_metadata(name: str, namespace: str, uid: str, annotations: dict | None = None) -> dict:
    metadata = {"name": name, "namespace": namespace, "labels": service_labels(name),
                "ownerReferences": [owner_reference("Service", name, uid)]}
    if annotations:
        metadata["annotations"] = annotations
    return metadata


def deployment(*, name: str, namespace: str, uid: str, spec: dict, family: str, revision: int,
               pod: PodTranslation, scheduling: dict | None = None,
               autoscaled: bool = False) -> dict:
    """The Deployment of a REPLICA service.

    When autoscaled, replicas are left to the HorizontalPodAutoscaler and the rollout bounds
    are percentages, so they follow whatever replica count it sets.
    """
    config = spec.get("deploymentConfiguration") or {}
    low = config.get("minimumHealthyPercent")
    high = config.get("maximumPercent")
    if autoscaled:
        low = DEFAULT_MINIMUM_HEALTHY_PERCENT if low is None else low
        high = DEFAULT_MAXIMUM_PERCENT if high is None else high
        rolling = {"maxUnavailable": f"{100 - low}%", "maxSurge": f"{high - 100}%"}
        if low == 100 and high == 100:
            rolling["maxSurge"] = 1
    else:
        bounds = deployment_bounds(int(spec.get("desiredCount", 1)), low, high)
        rolling = {"maxUnavailable": bounds.max_unavailable, "maxSurge": bounds.max_surge}
    body: dict = {
        "selector": {"matchLabels": {LABEL_SERVICE: name}},
        "revisionHistoryLimit": 10,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": rolling},
        "template": pod_template(name=name, family=family, revision=revision, pod=pod,
                                 scheduling=scheduling),
    }
    if not autoscaled:
        body = {"replicas": int(spec.get("desiredCount", 1)), **body}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": owned_metadata(name, namespace, uid,
                                    {ANNOTATION_TASK_DEFINITION: f"{family}:{revision}"}),
        "spec": body,
    }


UNSUPPORTED_SERVICE_FIELDS = (
    "availabilityZoneRebalancing", "volumeConfigurations",
)


def is_daemon(spec: dict) -> bool:
    return spec.get("schedulingStrategy") == "DAEMON"


def unsupported_service_fields(spec: dict) -> list[str]:
    """Fields set on the Service that this version of the operator does not act on."""
    found = []
    for path in UNSUPPORTED_SERVICE_FIELDS:
        value: object = spec
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value not in (None, [], {}):
            found.append(path)
    config = spec.get("deploymentConfiguration") or {}
    strategy = config.get("strategy")
    if strategy not in (None, "ROLLING") and (is_daemon(spec) or spec.get("autoScaling")):
        # The strategies run a Deployment per revision at desiredCount; a DaemonSet or an
        # autoscaler's replica count keeps the ROLLING path.
        found.append(f"deploymentConfiguration.strategy: {strategy}")
    strategy_runs = strategy not in (None, "ROLLING") and not (
        is_daemon(spec) or spec.get("autoScaling"))
    found.extend(unhonoured_listener_rules(spec, strategy_runs))
    for index, hook in enumerate(config.get("lifecycleHooks") or []):
        if not honoured(hook):
            # A Lambda function cannot be invoked from here; an http(s) URL can.
            found.append(f"deploymentConfiguration.lifecycleHooks[{index}]: "
                         f"{hook.get('targetType', 'AWS_LAMBDA')}")
    controller = (spec.get("deploymentController") or {}).get("type")
    if controller not in (None, "ECS"):
        found.append(f"deploymentController.type: {controller}")
    return sorted(found)
