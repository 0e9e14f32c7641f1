"""Standalone ECS tasks: one Task is one Pod, with ECS's lifecycle and essential-container rule.

The task definition is resolved once, when the task starts (as RunTask does): a later
revision never changes a running task. A stopped task never runs again; it stays visible for
the retention period (ECS keeps stopped tasks about an hour), then the operator deletes it.
"""

from __future__ import annotations

import collections
import copy
import logging
import os
import threading
from datetime import datetime, timedelta, timezone

import kopf
from kubernetes.client.rest import ApiException
from pydantic import ValidationError

from .. import k8s, metrics
from ..models.task_definition import TaskDefinitionSpec
from ..translate.conditions import Condition, merge_conditions, parse_timestamp
from ..translate.errors import TaskDefinitionNotFound, TranslationError
from ..translate.names import GROUP
from ..translate.pod import pod_spec
from ..translate.task import LABEL_TASK, STOPPED, apply_overrides, stop_cause, \
    stopped_task_expired, task_pod, task_status, unsupported_task_fields
from ..translate.volume_claims import claim_objects
from .services import resolve_task_definition
from .validation import describe_validation_error

PLURAL = "ecstasks"
ANNOTATION_NON_ESSENTIAL = f"{GROUP}/non-essential-containers"
RETENTION_ENV = "ECS_OPERATOR_STOPPED_TASK_RETENTION_SECONDS"
DEFAULT_RETENTION_SECONDS = 3600
TASK_DEFINITION_WAIT = timedelta(seconds=60)
log = logging.getLogger(__name__)
_locks: dict[tuple[str, str], threading.Lock] = collections.defaultdict(threading.Lock)


def retention() -> timedelta:
    return timedelta(seconds=int(os.environ.get(RETENTION_ENV, DEFAULT_RETENTION_SECONDS)))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _age(obj: dict) -> timedelta:
    return _now() - parse_timestamp(obj["metadata"]["creationTimestamp"])


def _pod_facts(pod: dict | None, previous: dict) -> tuple[set[str], set[str]]:
    """Non-essential and health-checked container names, from the pod or the last status."""
    if pod is None:
        containers = previous.get("containers", [])
        return ({c["name"] for c in containers if not c.get("essential", True)},
                {c["name"] for c in containers if c.get("healthStatus") != "UNKNOWN"})
    listed = pod["metadata"].get("annotations", {}).get(ANNOTATION_NON_ESSENTIAL, "")
    spec = pod.get("spec", {})
    checked = {c["name"] for c in spec.get("containers", []) + spec.get("initContainers", [])
               if c.get("readinessProbe")}
    return {n for n in listed.split(",") if n}, checked


def _build_pod(task: dict) -> tuple[dict, str, list[str], list[dict]]:
    """The task's pod, its task definition, what is not honoured, and the volumes ECS would
    create when the task starts (autoprovisioned shared Docker volumes)."""
    meta, spec = task["metadata"], task["spec"]
    family, revision, td_spec = resolve_task_definition(meta["namespace"], spec["taskDefinition"])
    try:
        model = TaskDefinitionSpec.model_validate(apply_overrides(td_spec, spec.get("overrides")))
    except ValidationError as error:
        raise TranslationError(describe_validation_error(error)) from error
    translation = pod_spec(model)
    pod = task_pod(name=meta["name"], namespace=meta["namespace"], uid=meta["uid"],
                   family=family, revision=revision, pod=translation, spec=spec)
    unsupported = sorted(unsupported_task_fields(spec)
                         + [f"taskDefinition.{u}" for u in translation.unsupported])
    volumes = claim_objects(translation.claims, meta["namespace"], provision_efs=False)
    return pod, f"{family}:{revision}", unsupported, volumes


def reconcile_task(namespace: str, name: str) -> str | None:
    """Start the task's pod if it has none yet; returns a problem message, if any."""
    with _locks[(namespace, name)]:
        task = k8s.get_custom(PLURAL, namespace, name)
        if task is None:
            return None
        previous = copy.deepcopy(task.get("status") or {})
        generation = int(task["metadata"].get("generation", 1))
        started = previous.get("lastStatus") == STOPPED or previous.get("podName")
        if not started and task["spec"].get("desiredStatus") != STOPPED:
            try:
                pod, resolved, unsupported, volumes = _build_pod(task)
            except TranslationError as error:
                reason = "TaskDefinitionNotFound" \
                    if isinstance(error, TaskDefinitionNotFound) else "InvalidTask"
                if reason == "TaskDefinitionNotFound" and _age(task) < TASK_DEFINITION_WAIT:
                    # Applied together with its TaskDefinition, the task may come first:
                    # give the revision a moment to be recorded before failing the task.
                    raise kopf.TemporaryError(str(error), delay=2) from error
                status = {**previous, "lastStatus": STOPPED, "desiredStatus": STOPPED,
                          "stopCode": "TaskFailedToStart", "stoppedReason": str(error),
                          "observedGeneration": generation,
                          "conditions": merge_conditions(previous.get("conditions", []), [
                              Condition("Valid", False, reason, str(error))],
                              generation=generation, now=_now())}
                k8s.patch_status(PLURAL, namespace, name, status, previous)
                kopf.warn(task, reason=reason, message=str(error))
                return str(error)
            try:
                k8s.create_missing_volumes(volumes)
            except ApiException as error:
                # The pod waits (Pending) for its claim; the task still starts.
                kopf.warn(task, reason="VolumeNotCreated",
                          message=f"could not create the volumes the task needs: "
                                  f"{error.status} {error.reason}")
            try:
                k8s.create_pod(pod, namespace)
            except ApiException as error:
                if error.status != 409:
                    raise
            status = {**previous, "taskDefinition": resolved, "podName": name,
                      "unsupportedFields": unsupported, "observedGeneration": generation,
                      "conditions": merge_conditions(previous.get("conditions", []), [
                          Condition("Valid", True, "Started", "")], generation=generation,
                          now=_now())}
            k8s.patch_status(PLURAL, namespace, name, status, previous)
            kopf.info(task, reason="TaskStarted", message=f"started task {name} ({resolved})")
    refresh_task(namespace, name)
    return None


def refresh_task(namespace: str, name: str, deleting: bool = False) -> dict | None:
    """Recompute the task's status from its pod; stop the pod when the task must stop."""
    with _locks[(namespace, name)]:
        task = k8s.get_custom(PLURAL, namespace, name)
        if task is None:
            metrics.STATES.task(namespace, name, None)
            return None
        previous = copy.deepcopy(task.get("status") or {})
        pod = k8s.get_pod(namespace, name) if previous.get("podName") else None
        non_essential, health_checked = _pod_facts(pod, previous)
        desired = task["spec"].get("desiredStatus", "RUNNING")
        cause = stop_cause(pod, desired, deleting, non_essential)
        if cause and cause[0] == "UserInitiated" and task["spec"].get("stoppedReason"):
            cause = (cause[0], task["spec"]["stoppedReason"])
        if cause and pod is not None and not pod["metadata"].get("deletionTimestamp") \
                and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            # ECS stops every other container once the task must stop; stopTimeout is the
            # pod's grace period.
            k8s.delete_pod(namespace, name)
            pod = k8s.get_pod(namespace, name)
        status = task_status(
            previous=previous, pod=pod, task_definition=previous.get("taskDefinition", ""),
            desired=STOPPED if cause else desired, stop_code=cause[0] if cause else None,
            stopped_reason=cause[1] if cause else None, non_essential=non_essential,
            health_checked=health_checked, now=_now())
        metrics.STATES.task(namespace, name, status)
        if status != previous:
            k8s.patch_status(PLURAL, namespace, name, status, previous)
            if status["lastStatus"] == STOPPED and previous.get("lastStatus") != STOPPED:
                metrics.TASK_STOPS.labels(namespace, status.get("stopCode", "")).inc()
                kopf.info(task, reason="TaskStopped",
                          message=f"task {name} stopped: {status.get('stopCode', '')}: "
                                  f"{status.get('stoppedReason', '')}")
        return status


@kopf.on.resume(GROUP, "v1alpha1", PLURAL)
@kopf.on.create(GROUP, "v1alpha1", PLURAL)
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="spec")
def task_changed(namespace: str, name: str, **_: object) -> None:
    with metrics.reconciling("ecstask"):
        problem = reconcile_task(namespace, name)
    if problem:
        raise kopf.PermanentError(problem)


@kopf.on.event("", "v1", "pods", labels={LABEL_TASK: kopf.PRESENT})
def task_pod_changed(namespace: str, labels: kopf.Labels, **_: object) -> None:
    with metrics.reconciling("ecstask-status"):
        refresh_task(namespace, labels[LABEL_TASK])


@kopf.on.delete(GROUP, "v1alpha1", PLURAL)
def task_deleted(namespace: str, name: str, **_: object) -> None:
    """Deleting a task stops it first (UserInitiated), like StopTask, then lets it go."""
    status = refresh_task(namespace, name, deleting=True)
    if status and status.get("lastStatus") != STOPPED:
        raise kopf.TemporaryError("waiting for the task's pod to stop", delay=1)
    metrics.STATES.task(namespace, name, None)


# Expiry runs in one background loop rather than a Kopf timer per task: a timer that deletes
# its own object keeps Kopf waiting for the timer to stop before it drops the finalizer. The
# loop reads the stopped tasks from an index of Kopf's own watch: it used to LIST every task
# every 10 s, a read that grows with the tasks kept for the retention period.
REAP_INTERVAL_SECONDS = 10


def _not_being_deleted(meta: kopf.Meta, **_: object) -> bool:
    return not meta.get("deletionTimestamp")


@kopf.index(GROUP, "v1alpha1", PLURAL, field="status.lastStatus", value=STOPPED,
            when=_not_being_deleted)
async def stopped_tasks(namespace: str, name: str, status: kopf.Status,
                        **_: object) -> dict:
    return {None: (namespace, name, status.get("stoppedAt"))}


def reap_expired_tasks(stopped: list[tuple[str, str, str | None]]) -> int:
    """Deletes the stopped tasks (namespace, name, stoppedAt) whose retention is over."""
    reaped, now, kept_for = 0, _now(), retention()
    for namespace, name, stopped_at in stopped:
        if stopped_task_expired(stopped_at, now, kept_for):
            log.info("deleting task %s/%s: stopped at %s", namespace, name, stopped_at)
            k8s.delete_custom(PLURAL, namespace, name)
            reaped += 1
    return reaped


def _reap_until(stop: threading.Event, stopped: kopf.Index) -> None:
    while not stop.wait(REAP_INTERVAL_SECONDS):
        try:
            reap_expired_tasks(list(stopped.get(None, ())))
        except Exception:  # the loop must outlive a failed API call
            log.exception("expiring stopped tasks failed; retrying")


@kopf.on.startup()
def start_expiring_stopped_tasks(memo: kopf.Memo, stopped_tasks: kopf.Index,
                                 **_: object) -> None:
    memo.stop_expiring = threading.Event()
    threading.Thread(target=_reap_until, args=(memo.stop_expiring, stopped_tasks),
                     daemon=True, name="stopped-task-expiry").start()


@kopf.on.cleanup()
def stop_expiring_stopped_tasks(memo: kopf.Memo, **_: object) -> None:
    memo.stop_expiring.set()
