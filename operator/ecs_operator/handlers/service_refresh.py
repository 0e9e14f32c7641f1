"""A Service's status: computed from what runs, written only when it changed, and the
PodDisruptionBudget a Service earns once its healthy tasks reach the budget's floor.

The reconcile side (services.py) writes the status after it applies a spec; refreshes,
triggered by the Service's pods and ReplicaSets, compute it from the Service as last
reconciled (service_state.known), so they read nothing from the API server.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import kopf
from kubernetes.client.rest import ApiException

from .. import k8s, metrics
from ..translate.autoscaling import is_autoscaled
from ..translate.conditions import condition_status
from ..translate.daemon import daemon_desired_count, daemon_observation
from ..translate.deployment_alarms import seconds_until_next_check
from ..translate.disruption_budget import pod_disruption_budget
from ..translate.service_objects import ServiceObjects, desired_count_set_by, initial_replicas, \
    is_daemon, with_earned_budget
from ..translate.service_status import Observed, Problem, is_healthy, service_status
from ..translate.status_pacing import seconds_to_wait
from . import service_state as state
from .alarm_watch import alarm_reading, check_interval
from .observed import VIEWS

PLURAL = "ecsservices"
# How often a Service's status may be written for progress alone (`ecs-operator run
# --status-progress-interval`); 0 writes every change.
PROGRESS_INTERVAL_ENV = "ECS_OPERATOR_STATUS_PROGRESS_INTERVAL_SECONDS"
DEFAULT_PROGRESS_INTERVAL_SECONDS = 10.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resolution:
    task_definition: str | None
    unsupported: list[str]
    problem: Problem | None
    # BLUE_GREEN/CANARY/LINEAR records just advanced; None keeps the status's.
    service_deployments: list[dict] | None = None


def _clock() -> datetime:
    return datetime.now(timezone.utc)


def observe(namespace: str, name: str, spec: dict) -> tuple[Observed, dict]:
    """What runs, and the spec with the desiredCount in force (a daemon's node count, an
    autoscaler's choice)."""
    if is_daemon(spec):
        daemon, revisions, pods = VIEWS.daemon_service(namespace, name)
        return (daemon_observation(daemon, revisions, pods),
                {**spec, "desiredCount": daemon_desired_count(daemon)})
    dep, replica_sets, pods = VIEWS.replica_service(namespace, name)
    if is_autoscaled(spec):
        replicas = (dep or {}).get("spec", {}).get("replicas")
        spec = {**spec, "desiredCount": initial_replicas(spec) if replicas is None
                else int(replicas)}
    return Observed(dep, replica_sets, pods), spec


def progress_interval() -> float:
    return float(os.environ.get(PROGRESS_INTERVAL_ENV, DEFAULT_PROGRESS_INTERVAL_SECONDS))


def write_status(service: dict, resolution: Resolution,
                 defer: Callable[[float], None] | None = None) -> dict | None:
    """The status as it is now; patched, with its Events posted, only when it changed.

    `defer(seconds)`: given by the refreshes, which may leave a change that is only progress
    for later (status_pacing); the status returned is then the one the API server has."""
    meta = service["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    previous = copy.deepcopy(service.get("status") or {})
    spec = service.get("spec", {})
    observed, effective = observe(namespace, name, spec)
    now = _clock()
    result = service_status(
        name=name, generation=int(meta.get("generation", 1)), spec=effective,
        previous=previous, observed=observed, task_definition=resolution.task_definition,
        problem=resolution.problem, unsupported=resolution.unsupported, now=now,
        desired_count_set_by=desired_count_set_by(name, spec),
        alarms=alarm_reading(namespace, name, effective, previous, resolution.task_definition),
        service_deployments=resolution.service_deployments)
    metrics.STATES.service(namespace, name, result.status)
    if defer is not None and (again := seconds_until_next_check(
            result.status, effective, check_interval(), now)) is not None:
        defer(again)  # a deployment with alarms: ask Prometheus again, pod events or not
    if result.status == previous:
        state.remember(service, previous)
        return previous
    if defer is not None:
        written_at = state.written_at.get((namespace, name))
        wait = seconds_to_wait(
            previous, result, interval=progress_interval(),
            since_last_write=None if written_at is None else time.monotonic() - written_at)
        if wait > 0:
            state.remember(service, previous)
            defer(wait)
            return previous
    # Timestamps move only with content, so an unchanged observation writes nothing.
    try:
        k8s.patch_status(PLURAL, namespace, name, result.status, previous)
    except ApiException as error:
        if error.status != 404:
            raise
        state.forget(namespace, name)  # deleted since it was last read
        return None
    state.remember(service, result.status)
    state.written_at[(namespace, name)] = time.monotonic()
    for event in result.events:
        if event.reason == "RollingBack":
            metrics.ROLLBACKS.labels(namespace, name).inc()
        emit = kopf.warn if event.warning else kopf.info
        emit(service, reason=event.reason, message=event.message)
    return result.status


def refresh_known(namespace: str, name: str,
                  defer: Callable[[float], None] | None = None) -> dict | None:
    """The status recomputed from what runs, keeping the last resolution; None when there is
    nothing to describe (the Service is gone, or not reconciled since it last changed).
    `defer`: as write_status's."""
    with state.locks[(namespace, name)]:
        if state.is_gone(namespace, name):
            return None
        service = state.known.get((namespace, name))
        if service is None:  # first refresh after a restart
            service = k8s.get_custom(PLURAL, namespace, name)
            if service is None or service["metadata"].get("deletionTimestamp"):
                state.forget(namespace, name)
                return None
            if (service.get("status") or {}).get("observedGeneration") \
                    != service["metadata"].get("generation"):
                # Changed (or created) while the operator was down, and not reconciled yet:
                # a status computed now would claim a generation nothing has acted on. Its
                # update handler reconciles it and writes the status.
                return None
        status = service.get("status") or {}
        problem = None
        if condition_status(status.get("conditions"), "Valid") == "False":
            valid = next(c for c in status["conditions"] if c["type"] == "Valid")
            problem = Problem(valid.get("reason", "Invalid"), valid.get("message", ""))
        return write_status(service, Resolution(status.get("taskDefinition"),
                                                status.get("unsupportedFields", []), problem),
                            defer)


def has_budget(namespace: str, name: str) -> bool:
    return ("PodDisruptionBudget", name) in state.applied.get((namespace, name), ()) \
        or VIEWS.has_disruption_budget(namespace, name)


def earned(namespace: str, name: str, spec: dict, wanted: ServiceObjects,
           budget_exists: bool) -> ServiceObjects:
    """The objects, with the PodDisruptionBudget only once the service has earned it."""
    if not any(o["kind"] == "PodDisruptionBudget" for o in wanted.objects):
        return wanted  # a DAEMON service: nothing to decide, nothing to observe
    observed, effective = observe(namespace, name, spec)
    healthy = sum(1 for pod in observed.pods
                  if is_healthy(pod) and not pod["metadata"].get("deletionTimestamp"))
    return with_earned_budget(wanted, budget_exists=budget_exists, healthy_tasks=healthy,
                              replicas=int(effective.get("desiredCount", 1)))


def add_earned_budget(namespace: str, name: str) -> None:
    """A running service's PodDisruptionBudget, once its healthy tasks first reach its floor."""
    with state.locks[(namespace, name)]:
        service = state.known.get((namespace, name))
        status = (service or {}).get("status") or {}
        if service is None or not status.get("taskDefinition") \
                or condition_status(status.get("conditions"), "Valid") == "False":
            return
        spec = service.get("spec", {})
        if is_daemon(spec) or has_budget(namespace, name):
            return
        budget = pod_disruption_budget(name=name, namespace=namespace,
                                       uid=service["metadata"]["uid"], spec=spec,
                                       autoscaled=is_autoscaled(spec))
        if not earned(namespace, name, spec, ServiceObjects([budget], []),
                      budget_exists=False).objects:
            return
        k8s.apply(budget)
        log.info("service %s/%s: its healthy tasks reached the minimum; PodDisruptionBudget "
                 "created (%s)", namespace, name,
                 {k: v for k, v in budget["spec"].items() if k != "selector"})
        if (namespace, name) in state.applied:  # unknown after a restart: the resume prunes
            state.applied[(namespace, name)] = state.applied[(namespace, name)] | {
                ("PodDisruptionBudget", name)}
