"""What an entry of a Service's `status.deployments` is made of, whichever way its revisions
run: the ECS state of a task (a pod), its health, the entry's id and its updatedAt.

Shared by the ROLLING path (service_status.py, a Deployment's ReplicaSets) and the
BLUE_GREEN / CANARY / LINEAR path (strategy_status.py, one Deployment per revision).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from .conditions import condition_status, timestamp
from .names import ANNOTATION_TASK_DEFINITION


def pods_by_revision(pods: list[dict]) -> dict[str, list[dict]]:
    """The service's pods grouped by the task definition revision they run ("web:2")."""
    grouped: dict[str, list[dict]] = {}
    for pod in pods:
        revision = (pod["metadata"].get("annotations") or {}).get(ANNOTATION_TASK_DEFINITION)
        if revision:
            grouped.setdefault(revision, []).append(pod)
    return grouped


def task_state(pod: dict) -> str:
    """The ECS lastStatus a Service counts a pod as: RUNNING, PENDING or STOPPED."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return "STOPPED"
    phase = pod.get("status", {}).get("phase")
    if phase == "Running":
        return "RUNNING"
    if phase in (None, "Pending"):
        return "PENDING"
    return "STOPPED"


def is_healthy(pod: dict) -> bool:
    if task_state(pod) != "RUNNING":
        return False
    return condition_status(pod.get("status", {}).get("conditions"), "Ready") == "True"


def deployment_id(unique: str) -> str:
    """ECS deployment ids are `ecs-svc/` and 19 digits; derived from something unique to the
    deployment (a ReplicaSet's uid, a service deployment's arn and creation time), so it is
    stable for the deployment's life and across operator restarts."""
    digits = int(hashlib.sha256(unique.encode()).hexdigest(), 16) % 10**19
    return f"ecs-svc/{digits:019d}"


def with_updated_at(entry: dict, earlier: dict, now: datetime) -> dict:
    """`entry` with its updatedAt: kept from `earlier` (the same deployment as last written)
    while nothing else changed, so an unchanged observation writes nothing."""
    unchanged = all(earlier.get(key) == value for key, value in entry.items())
    kept = earlier.get("updatedAt") if unchanged else None
    return {**entry, "updatedAt": kept or timestamp(now)}
