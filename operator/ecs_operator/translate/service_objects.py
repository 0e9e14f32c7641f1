"""Everything one ECS Service becomes, as a list of objects to apply.

REPLICA: Deployment + PodDisruptionBudget (+ HorizontalPodAutoscaler with autoScaling);
DAEMON: DaemonSet; either: the core Services of its load balancers, registries and Service
Connect. Objects the Service owned before but are not in this list are deleted by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..models.task_definition import TaskDefinitionSpec
from .autoscaling import horizontal_pod_autoscaler, is_autoscaled
from .daemon import daemon_set
from .disruption_budget import budget_floor, pod_disruption_budget
from .errors import TranslationError
from .grace_period import with_grace_period
from .names import LABEL_SERVICE
from .placement import placement
from .pod import PodTranslation
from .service import deployment, is_daemon, unsupported_service_fields
from .service_network import network_services


@dataclass(frozen=True)
class ServiceObjects:
    objects: list[dict]
    unsupported: list[str]

    def keys(self) -> set[tuple[str, str]]:
        return {(o["kind"], o["metadata"]["name"]) for o in self.objects}


def with_earned_budget(wanted: ServiceObjects, *, budget_exists: bool, healthy_tasks: int,
                       replicas: int) -> ServiceObjects:
    """The objects, keeping the PodDisruptionBudget only once the service has earned it: its
    healthy tasks have reached the budget's floor, now or before (the budget exists).

    A service still starting has no floor to keep. Its budget would only block drains (for
    good, if the service never gets there), and the disruption controller matches every pod
    event in the namespace against every budget there and recounts a budget's pods on each of
    its pods' events. With 1,000 services starting in one namespace, waiting took about a
    third off the controller-manager's extra CPU (77-86 s -> 52-65 s, docs/performance.md).
    """
    if budget_exists:
        return wanted
    kept = [o for o in wanted.objects if o["kind"] != "PodDisruptionBudget"
            or healthy_tasks >= budget_floor(o, replicas)]
    return wanted if len(kept) == len(wanted.objects) else replace(wanted, objects=kept)


def desired_count_set_by(name: str, spec: dict) -> str:
    """Who decides how many tasks run, as the status reports it."""
    if is_daemon(spec):
        return f"DaemonSet/{name} (one task per node)"
    if is_autoscaled(spec):
        return f"HorizontalPodAutoscaler/{name}"
    return "spec.desiredCount"


def initial_replicas(spec: dict) -> int:
    """An autoscaled service's first replica count: desiredCount kept within its capacity."""
    scaling = spec.get("autoScaling") or {}
    low = max(int(scaling.get("minCapacity", 1)), 1)
    high = int(scaling.get("maxCapacity", low))
    return min(max(int(spec.get("desiredCount", low)), low), high)


def service_objects(*, name: str, namespace: str, uid: str, spec: dict, family: str,
                    revision: int, task_definition: TaskDefinitionSpec, pod: PodTranslation,
                    deployment_exists: bool = True) -> ServiceObjects:
    """Raises TranslationError when the service's own fields cannot be honoured; `pod` is
    the task definition's translation."""
    selector = {LABEL_SERVICE: name}
    pod = with_grace_period(pod, spec.get("healthCheckGracePeriodSeconds"))
    if is_daemon(spec) and spec.get("placementStrategy"):
        raise TranslationError("placementStrategy: a DAEMON service places one task per node; "
                               "ECS rejects placement strategies for it too")
    scheduling = placement(spec, selector=selector,
                           task_definition_constraints=pod.placement_constraints)
    network = network_services(name=name, namespace=namespace, uid=uid, spec=spec,
                               task_definition=task_definition, selector=selector)
    unsupported = unsupported_service_fields(spec) + scheduling.unsupported + network.unsupported
    objects: list[dict]
    if is_daemon(spec):
        if is_autoscaled(spec):
            raise TranslationError("autoScaling: a DAEMON service runs one task per node and "
                                   "cannot be scaled")
        objects = [daemon_set(name=name, namespace=namespace, uid=uid, spec=spec, family=family,
                              revision=revision, pod=pod, scheduling=scheduling.pod_fields())]
    else:
        autoscaled = is_autoscaled(spec)
        workload = deployment(name=name, namespace=namespace, uid=uid, spec=spec, family=family,
                              revision=revision, pod=pod, scheduling=scheduling.pod_fields(),
                              autoscaled=autoscaled)
        objects = [workload, pod_disruption_budget(name=name, namespace=namespace, uid=uid,
                                                   spec=spec, autoscaled=autoscaled)]
        if autoscaled:
            if not deployment_exists:
                workload["spec"] = {"replicas": initial_replicas(spec), **workload["spec"]}
            hpa, hpa_unsupported = horizontal_pod_autoscaler(name=name, namespace=namespace,
                                                             uid=uid, spec=spec)
            objects.append(hpa)
            unsupported += hpa_unsupported
    objects += network.services
    return ServiceObjects(objects, sorted(set(unsupported + [f"taskDefinition.{u}"
                                                             for u in pod.unsupported])))
