"""Standalone tasks (RunTask): overrides, the task's Pod, and its ECS lifecycle status.

ECS lastStatus from what the pod lets us observe:

| pod | lastStatus |
|---|---|
| none yet (just created) | PROVISIONING |
| Pending, not scheduled | PROVISIONING |
| Pending, on a node | PENDING |
| Running, some container not yet started/ready | ACTIVATING |
| Running, containers started | RUNNING |
| being deleted, containers still running | STOPPING (DEACTIVATING first, when the stop was asked for) |
| being deleted, containers stopped | DEPROVISIONING |
| Succeeded / Failed, or gone after a stop | STOPPED |
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from .conditions import condition_status, parse_timestamp, timestamp
from .errors import TranslationError
from .names import ANNOTATION_TASK_DEFINITION, GROUP, LABEL_FAMILY, LABEL_MANAGED_BY, \
    LABEL_REVISION, MANAGED_BY, family_slug, owner_reference
from .placement import LABEL_GROUP, group_label_value, placement
from .pod import PodTranslation

LABEL_TASK = f"{GROUP}/task"
STOPPED = "STOPPED"


def apply_overrides(task_definition: dict, overrides: dict | None) -> dict:
    """The task definition with RunTask's overrides applied (a new dict)."""
    spec = copy.deepcopy(task_definition)
    overrides = overrides or {}
    by_name = {c["name"]: c for c in spec.get("containerDefinitions", [])}
    for index, override in enumerate(overrides.get("containerOverrides") or []):
        container = by_name.get(override.get("name"))
        if container is None:
            raise TranslationError(
                f"overrides.containerOverrides[{index}].name: no container named "
                f"\"{override.get('name')}\" in the task definition")
        if "command" in override:
            container["command"] = list(override["command"])
        for field in ("cpu", "memory", "memoryReservation"):
            if field in override:
                container[field] = override[field]
        if override.get("environment"):
            env = {e["name"]: e.get("value", "") for e in container.get("environment") or []}
            for position, variable in enumerate(override["environment"]):
                if not variable.get("name"):
                    raise TranslationError(
                        f"overrides.containerOverrides[{index}].environment[{position}].name: "
                        f"required")
                env[variable["name"]] = variable.get("value", "")
            container["environment"] = [{"name": k, "value": v} for k, v in env.items()]
    for field in ("cpu", "memory"):
        if overrides.get(field):
            spec[field] = overrides[field]
    return spec


def unsupported_task_fields(spec: dict) -> list[str]:
    found = [f"overrides.{f}" for f in ("taskRoleArn", "ephemeralStorage")
             if (spec.get("overrides") or {}).get(f)]
    for index, override in enumerate((spec.get("overrides") or {}).get("containerOverrides")
                                     or []):
        found += [f"overrides.containerOverrides[{index}].{f}"
                  for f in ("environmentFiles", "resourceRequirements") if override.get(f)]
    try:
        found += placement(spec, selector={}).unsupported
    except TranslationError:
        pass  # an invalid placement stops the task with its own message
    return sorted(found)


def task_pod(*, name: str, namespace: str, uid: str, family: str, revision: int,
             pod: PodTranslation, spec: dict) -> dict:
    labels = {LABEL_TASK: name, LABEL_FAMILY: family_slug(family),
              LABEL_REVISION: str(revision), LABEL_MANAGED_BY: MANAGED_BY}
    annotations = {**pod.annotations, ANNOTATION_TASK_DEFINITION: f"{family}:{revision}"}
    if spec.get("startedBy"):
        annotations[f"{GROUP}/started-by"] = spec["startedBy"]
    # ECS puts a standalone task in group `family:<family>` unless told otherwise; the group
    # is what distinctInstance and task:group constraints select on.
    group = spec.get("group") or f"family:{family}"
    annotations[f"{GROUP}/group"] = group
    scheduling: dict = {}
    try:
        labels[LABEL_GROUP] = group_label_value(group)
    except TranslationError:
        if spec.get("placementConstraints") or spec.get("placementStrategy") \
                or pod.placement_constraints:
            raise
    else:
        scheduling = placement(spec, selector={LABEL_GROUP: labels[LABEL_GROUP]},
                               task_definition_constraints=pod.placement_constraints,
                               ).pod_fields()
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels,
                     "annotations": annotations,
                     "ownerReferences": [owner_reference("Task", name, uid)]},
        # A task runs once: ECS never restarts a stopped task, and neither does this pod.
        "spec": {**pod.spec, **scheduling, "restartPolicy": "Never"},
    }


def task_container_statuses(pod: dict) -> list[dict]:
    """The statuses of the task's ECS containers: a container others depend on runs as a
    native sidecar (an init container that keeps running), so its status is listed there."""
    sidecars = {c["name"] for c in pod.get("spec", {}).get("initContainers") or []
                if c.get("restartPolicy") == "Always"}
    status = pod.get("status", {})
    return [c for c in status.get("initContainerStatuses") or [] if c["name"] in sidecars] \
        + list(status.get("containerStatuses") or [])


def essential_container_exit(pod: dict, non_essential: set[str]) -> tuple[str, int] | None:
    """(name, exit code) of an essential container that has exited, if any."""
    for status in pod.get("status", {}).get("containerStatuses") or []:
        terminated = (status.get("state") or {}).get("terminated")
        if terminated and status["name"] not in non_essential:
            return status["name"], int(terminated.get("exitCode", 0))
    return None


def _container_status(status: dict, essential: bool, health_checked: bool) -> dict:
    state = status.get("state") or {}
    entry: dict = {"name": status["name"], "essential": essential}
    if "terminated" in state:
        entry["lastStatus"] = STOPPED
        entry["exitCode"] = int(state["terminated"].get("exitCode", 0))
        entry["reason"] = state["terminated"].get("reason", "")
    elif "running" in state:
        entry["lastStatus"] = "RUNNING"
    else:
        entry["lastStatus"] = "PENDING"
        entry["reason"] = (state.get("waiting") or {}).get("reason", "")
    if not health_checked:
        entry["healthStatus"] = "UNKNOWN"
    elif entry["lastStatus"] == "RUNNING":
        entry["healthStatus"] = "HEALTHY" if status.get("ready") else "UNHEALTHY"
    else:
        entry["healthStatus"] = "UNKNOWN" if entry["lastStatus"] == "PENDING" else "UNHEALTHY"
    return entry


def _last_status(pod: dict | None, previous: dict, stop_requested: bool) -> str:
    if pod is None:
        return STOPPED if previous.get("startedAt") or stop_requested else "PROVISIONING"
    status = pod.get("status", {})
    phase = status.get("phase")
    if phase in ("Succeeded", "Failed"):
        return STOPPED
    containers = status.get("containerStatuses") or []
    if pod["metadata"].get("deletionTimestamp"):
        if any("running" in (c.get("state") or {}) for c in containers):
            return "STOPPING"
        return "DEPROVISIONING"
    if stop_requested:
        return "DEACTIVATING"
    if phase == "Running":
        started = all("running" in (c.get("state") or {}) or "terminated" in (c.get("state") or {})
                      for c in containers)
        return "RUNNING" if started else "ACTIVATING"
    scheduled = condition_status(status.get("conditions"), "PodScheduled") == "True" \
        or bool(pod.get("spec", {}).get("nodeName"))
    return "PENDING" if scheduled else "PROVISIONING"


def task_status(*, previous: dict, pod: dict | None, task_definition: str, desired: str,
                stop_code: str | None, stopped_reason: str | None, non_essential: set[str],
                health_checked: set[str], now: datetime) -> dict:
    """The Task's status from its pod (None once the pod is gone) and what the user asked."""
    previous = previous or {}
    stop_requested = desired == STOPPED
    last = _last_status(pod, previous, stop_requested)
    if previous.get("lastStatus") == STOPPED:
        last = STOPPED  # a stopped task never runs again
    status = {key: value for key, value in previous.items()
              if key in ("createdAt", "startedAt", "stoppingAt", "stoppedAt", "stopCode",
                         "stoppedReason", "containers", "podName", "conditions",
                         "unsupportedFields", "observedGeneration", "taskArn")}
    status.update({"taskDefinition": task_definition, "lastStatus": last,
                   "desiredStatus": STOPPED if last == STOPPED else desired})
    status.setdefault("createdAt", timestamp(now))
    if pod is not None:
        meta = pod["metadata"]
        status["podName"] = meta["name"]
        status["taskArn"] = f"{meta.get('namespace', '')}/{meta['name']}"
        observed = task_container_statuses(pod)
        if observed:
            status["containers"] = [
                _container_status(c, c["name"] not in non_essential, c["name"] in health_checked)
                for c in observed]
    if last in ("RUNNING", "ACTIVATING") or (last not in ("PROVISIONING", "PENDING")
                                              and pod is not None
                                              and pod.get("status", {}).get("startTime")):
        status.setdefault("startedAt", timestamp(now))
    if last in ("DEACTIVATING", "STOPPING", "DEPROVISIONING", STOPPED):
        status.setdefault("stoppingAt", timestamp(now))
    if last == STOPPED:
        status.setdefault("stoppedAt", timestamp(now))
        for container in status.get("containers", []):
            if container["lastStatus"] != STOPPED:
                container["lastStatus"] = STOPPED
    if stop_code and "stopCode" not in status:
        status["stopCode"] = stop_code
        status["stoppedReason"] = stopped_reason or ""
    status["healthStatus"] = _task_health(status.get("containers", []), last)
    return status


def _task_health(containers: list[dict], last: str) -> str:
    if last == STOPPED:
        return "UNKNOWN"
    essential = [c for c in containers if c.get("essential")]
    if any(c.get("healthStatus") == "UNHEALTHY" for c in essential):
        return "UNHEALTHY"
    checked = [c for c in essential if c.get("healthStatus") != "UNKNOWN"]
    if checked and all(c["healthStatus"] == "HEALTHY" for c in checked):
        return "HEALTHY"
    return "UNKNOWN"


def stop_cause(pod: dict | None, desired: str, deleting: bool,
               non_essential: set[str]) -> tuple[str, str] | None:
    """(stopCode, stoppedReason) once the task has a reason to stop, else None."""
    if deleting or desired == STOPPED:
        return "UserInitiated", "Task stopped by user"
    if pod is None:
        return None
    exited = essential_container_exit(pod, non_essential)
    if exited:
        name, code = exited
        return "EssentialContainerExited", \
            f"Essential container in task exited (container {name}, exit code {code})"
    status = pod.get("status", {})
    if status.get("phase") == "Failed":
        return "TaskFailedToStart", status.get("message") or status.get("reason") or \
            "Task failed to start"
    return None


def stopped_task_expired(stopped_at: str | None, now: datetime, retention: timedelta) -> bool:
    """Stopped tasks stay visible for the retention (ECS: about an hour), then go."""
    if not stopped_at:
        return False
    return now - parse_timestamp(stopped_at) >= retention
