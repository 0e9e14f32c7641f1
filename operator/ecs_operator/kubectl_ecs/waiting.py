"""`--wait`: poll until a service is steady or tasks reach a status, printing progress."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..translate.conditions import condition_status
from .app import progress
from ..k8s.ecs_resources import get_service, get_task
from ..translate.ecs_shapes import task_from_pod, task_from_resource
from ..translate.service_deployment import ended_in_failure

POLL_SECONDS = 1.0


class WaitFailed(Exception):
    """The wait ended without the wanted state: a timeout or a failed rollout."""


def primary_deployment(service: dict) -> dict | None:
    return next((d for d in (service.get("status") or {}).get("deployments", [])
                 if d.get("status") == "PRIMARY"), None)


def service_line(service: dict) -> str:
    status = service.get("status") or {}
    desired = (service.get("spec") or {}).get("desiredCount", 1)
    deployments = ", ".join(
        f"{d.get('status')} {d.get('id')} {d.get('taskDefinition')} "
        f"{d.get('runningCount', 0)}/{d.get('desiredCount', 0)} {d.get('rolloutState')}"
        for d in status.get("deployments", []))
    return (f"running {status.get('runningCount', 0)}/{desired}, pending "
            f"{status.get('pendingCount', 0)}, rollout {status.get('rolloutState', '-')}"
            f"; deployments: {deployments or '-'}")


def is_steady(service: dict, not_primary: str | None = None) -> bool:
    """SteadyState for the current generation (and, when given, a primary deployment other
    than `not_primary`: the one a forced deployment replaces)."""
    status = service.get("status") or {}
    generation = service["metadata"].get("generation", 1)
    if status.get("observedGeneration", 0) < generation:
        return False
    primary = primary_deployment(service)
    if not_primary is not None and (primary is None or primary.get("id") == not_primary):
        return False
    return condition_status(status.get("conditions"), "SteadyState") == "True"


def failed_service_deployment(service: dict) -> str | None:
    """Why the service deployment of the revision the spec asks for failed (rolled back, or
    stopped by a guard without rollback), once the status has seen the spec; None otherwise.
    Such a service is steady on its previous revision, which is not what the update asked
    for. (A ROLLING rollout's FAILED primary deployment ends the wait sooner, above.)"""
    status = service.get("status") or {}
    records = status.get("serviceDeployments") or []
    if not records or \
            status.get("observedGeneration", 0) < service["metadata"].get("generation", 1):
        return None
    latest = records[0]
    wanted = (service.get("spec") or {}).get("taskDefinition", "")
    if ":" in wanted and latest["targetServiceRevision"]["arn"] != wanted:
        return None
    if not ended_in_failure(latest):
        return None
    reason = latest.get("statusReason") or (latest.get("rollback") or {}).get("reason", "")
    return f"deployment {latest['serviceDeploymentArn']} {latest['status']}: {reason}"


def wait_for_service(namespace: str, name: str, timeout: float,
                     not_primary: str | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> dict:
    started = time.monotonic()
    last_line = None
    while True:
        service = get_service(namespace, name)
        if service is None:
            raise WaitFailed(f"service {name} is gone")
        line = service_line(service)
        elapsed = time.monotonic() - started
        if line != last_line:
            progress(f"[{elapsed:5.0f}s] {name}: {line}")
            last_line = line
        primary = primary_deployment(service) or {}
        if primary.get("rolloutState") == "FAILED" and primary.get("id") != not_primary:
            raise WaitFailed(f"service {name}: deployment {primary.get('id')} failed: "
                             f"{primary.get('rolloutStateReason', '')}")
        if failure := failed_service_deployment(service):
            raise WaitFailed(f"service {name}: {failure}")
        if is_steady(service, not_primary):
            progress(f"[{elapsed:5.0f}s] (service {name}) has reached a steady state.")
            return service
        if elapsed > timeout:
            raise WaitFailed(f"service {name} did not reach a steady state within "
                             f"{timeout:.0f}s")
        sleep(POLL_SECONDS)


def describe(found: tuple[str, dict]) -> dict:
    kind, obj = found
    return task_from_resource(obj) if kind == "task" else task_from_pod(obj)


def wait_for_tasks(namespace: str, arns: list[str], wanted: tuple[str, ...], timeout: float,
                   sleep: Callable[[float], None] = time.sleep) -> list[dict]:
    """Until every task's lastStatus is in `wanted` (STOPPED always ends the wait)."""
    started = time.monotonic()
    seen: dict[str, str] = {}
    last: dict[str, dict] = {}
    while True:
        tasks = []
        for reference in arns:
            found = get_task(namespace, reference)
            if found is None:
                if "STOPPED" not in wanted or reference not in last:
                    raise WaitFailed(f"task {reference} is gone")
                # A service's task (a pod) is gone once it has stopped.
                tasks.append({**last[reference], "lastStatus": "STOPPED",
                              "desiredStatus": "STOPPED"})
                continue
            last[reference] = describe(found)
            tasks.append(last[reference])
        elapsed = time.monotonic() - started
        for task in tasks:
            if seen.get(task["taskArn"]) != task["lastStatus"]:
                progress(f"[{elapsed:5.0f}s] task {task['taskArn']}: {task['lastStatus']}")
                seen[task["taskArn"]] = task["lastStatus"]
        if all(t["lastStatus"] in wanted or t["lastStatus"] == "STOPPED" for t in tasks):
            return tasks
        if elapsed > timeout:
            raise WaitFailed(f"tasks did not reach {'/'.join(wanted)} within {timeout:.0f}s")
        sleep(POLL_SECONDS)
