"""`spec.autoScaling` (ECS service auto scaling, target tracking) -> HorizontalPodAutoscaler v2.

ECS scales a service through Application Auto Scaling: a scalable target (minCapacity,
maxCapacity) and target-tracking policies on a predefined metric. The HPA does the same with
resource utilization; while it exists, it owns the Deployment's replicas and the Service's
desiredCount is not applied.
"""

from __future__ import annotations

from .errors import TranslationError
from .names import LABEL_MANAGED_BY, LABEL_SERVICE, MANAGED_BY, owner_reference

METRIC_RESOURCES = {
    "ECSServiceAverageCPUUtilization": "cpu",
    "ECSServiceAverageMemoryUtilization": "memory",
}


def is_autoscaled(spec: dict) -> bool:
    return bool(spec.get("autoScaling"))


def _policy_metric(policy: dict, where: str) -> dict:
    metric = (policy.get("predefinedMetricSpecification") or {}).get("predefinedMetricType")
    if metric not in METRIC_RESOURCES:
        raise TranslationError(f"{where}.predefinedMetricSpecification.predefinedMetricType: "
                               f"{metric!r} is not one of {sorted(METRIC_RESOURCES)}")
    target = policy.get("targetValue")
    if not isinstance(target, (int, float)) or not 0 < target <= 100:
        raise TranslationError(f"{where}.targetValue: a utilization percent above 0 and at "
                               f"most 100, not {target!r}")
    return {"type": "Resource", "resource": {
        "name": METRIC_RESOURCES[metric],
        "target": {"type": "Utilization", "averageUtilization": max(round(target), 1)}}}


def horizontal_pod_autoscaler(*, name: str, namespace: str, uid: str,
                              spec: dict) -> tuple[dict, list[str]]:
    """The HPA for an autoscaled Service, and the parts it cannot honour."""
    scaling = spec["autoScaling"]
    if spec.get("schedulingStrategy") == "DAEMON":
        raise TranslationError("autoScaling: a DAEMON service runs one task per node and "
                               "cannot be scaled")
    minimum = int(scaling.get("minCapacity", 1))
    maximum = int(scaling.get("maxCapacity", minimum))
    if maximum < max(minimum, 1):
        raise TranslationError(f"autoScaling.maxCapacity: {maximum} is below minCapacity "
                               f"{minimum}")
    policies = scaling.get("targetTrackingScalingPolicies") or []
    if not policies:
        raise TranslationError("autoScaling.targetTrackingScalingPolicies: at least one "
                               "target-tracking policy is needed")
    unsupported = []
    if minimum < 1:
        unsupported.append("autoScaling.minCapacity: 0 (the HorizontalPodAutoscaler keeps at "
                           "least 1 task)")
    metrics = [_policy_metric(p, f"autoScaling.targetTrackingScalingPolicies[{i}]")
               for i, p in enumerate(policies)]
    # One HPA has one behaviour: the longest cooldown of any policy wins, and scale-in stays
    # off if any policy turns it off, so no policy scales in sooner than it allows.
    scale_out = max(int(p.get("scaleOutCooldown", 0)) for p in policies)
    scale_in = max(int(p.get("scaleInCooldown", 300)) for p in policies)
    scale_down: dict = {"stabilizationWindowSeconds": min(scale_in, 3600)}
    if any(p.get("disableScaleIn") for p in policies):
        scale_down["selectPolicy"] = "Disabled"
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {LABEL_SERVICE: name, LABEL_MANAGED_BY: MANAGED_BY},
                     "ownerReferences": [owner_reference("Service", name, uid)]},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": max(minimum, 1),
            "maxReplicas": maximum,
            "metrics": metrics,
            "behavior": {"scaleUp": {"stabilizationWindowSeconds": min(scale_out, 3600)},
                         "scaleDown": scale_down},
        },
    }, unsupported
