"""DescribeServices' `deployments` of a BLUE_GREEN, CANARY or LINEAR service.

These services run one Deployment per revision (strategy_objects.py), never the ROLLING
Deployment `<service>` that service_status.py reads, and their progress is the service
deployment records (`status.serviceDeployments`, service_deployment.py). So here an ECS
deployment is a revision: the one the latest service deployment puts in production is
PRIMARY (its target, or the source it rolls back to), and any other revision that still runs
tasks, or is asked to, is ACTIVE. Its counts come from the pods carrying its task
definition; its rolloutState from the record's status.

A pure function of the records, the pods, the deployments last written and the clock.
"""

from __future__ import annotations

from datetime import datetime

from .circuit_breaker import task_failures
from .conditions import timestamp
from .deployment_entries import deployment_id, is_healthy, pods_by_revision, task_state, \
    with_updated_at
from .service import is_daemon
from .service_deployment import IN_FLIGHT, STRATEGIES, production_revision

SUPERSEDED = "ECS deployment superseded by a newer deployment."
TRIGGERED = "TRIGGERED"
# What a deployments[] entry shows of its service deployment's guards, as ROLLING's entries do.
GUARD_FIELDS = {"deploymentCircuitBreaker": ("circuitBreaker", ("status", "failureCount",
                                                                 "threshold")),
                "alarms": ("alarms", ("status", "alarmNames", "triggeredAlarmNames"))}


def failed_by_guard(record: dict) -> bool:
    """The circuit breaker or an alarm failed this service deployment."""
    return any((record.get(key) or {}).get("status") == TRIGGERED for key in GUARD_FIELDS)


def _guards(record: dict) -> dict:
    shown = {}
    for key, (name, fields) in GUARD_FIELDS.items():
        if record.get(key):
            shown[name] = {f: record[key][f] for f in fields if f in record[key]}
    return shown


# A forced deployment restarts the ROLLING Deployment's tasks; these services have none, and a
# service deployment of the revision already in production is not made yet.
FORCE_NEW_WITH_STRATEGY = ("forceNewDeployment is not served for BLUE_GREEN, CANARY or LINEAR "
                           "services yet: register a new task definition revision to deploy")


def uses_strategy(spec: dict) -> bool:
    """A service that deploys with BLUE_GREEN, CANARY or LINEAR (a DAEMON or autoscaled one
    keeps ROLLING, and reports the strategy as unsupported)."""
    strategy = (spec.get("deploymentConfiguration") or {}).get("strategy")
    return strategy in STRATEGIES and not is_daemon(spec) and not spec.get("autoScaling")


def primary_revision(records: list[dict]) -> str:
    """The revision the latest service deployment puts in production: its target while it
    runs, the source while it rolls back, and once it is over whatever it left there."""
    record = records[0]
    if record["status"] == "ROLLBACK_IN_PROGRESS":
        return record["rollback"]["serviceRevisionArn"]
    if record["status"] in IN_FLIGHT:
        return record["targetServiceRevision"]["arn"]
    return production_revision(records) or record["targetServiceRevision"]["arn"]


def _primary_rollout(record: dict, primary: str) -> tuple[str, str]:
    status, why = record["status"], record.get("statusReason", "")
    if status == "ROLLBACK_IN_PROGRESS":
        return "IN_PROGRESS", (f"ECS deployment rolling back to {primary}: "
                               f"{record['rollback']['reason']}.")
    if status in IN_FLIGHT:
        if record.get("pausedAt"):
            return "IN_PROGRESS", (f"ECS deployment paused at {record['pausedAt']} until "
                                   f"continue-service-deployment.")
        return "IN_PROGRESS", f"ECS deployment in progress: {record['lifecycleStage']}."
    if status == "SUCCESSFUL":
        return "COMPLETED", "ECS deployment completed."
    if status == "ROLLBACK_SUCCESSFUL":
        return "COMPLETED", f"ECS deployment rolled back to {primary}: {why}."
    if status == "ROLLBACK_FAILED":
        return "FAILED", f"ECS deployment failed to roll back: {why}."
    if failed_by_guard(record):
        # Stopped by the breaker or an alarm without rollback: ECS calls that FAILED.
        return "FAILED", f"ECS deployment failed: {why}."
    # STOPPED with nothing to roll back to (a first deployment): its target stays.
    return "COMPLETED", f"ECS deployment stopped: {why}."


def _other_rollout(revision: str, record: dict, earlier: dict) -> tuple[str, str]:
    """An ACTIVE revision: the target a rollback left, or one a newer deployment replaced."""
    rolled_back = record.get("rollback") and record["targetServiceRevision"]["arn"] == revision
    if rolled_back:
        return "FAILED", f"ECS deployment rolled back: {record['rollback']['reason']}."
    if earlier.get("rolloutState") in ("COMPLETED", "FAILED"):
        return earlier["rolloutState"], earlier.get("rolloutStateReason", "")
    return "COMPLETED", SUPERSEDED


def _origins(name: str, records: list[dict]) -> dict[str, tuple[str, str]]:
    """Each revision's id and createdAt: those of the newest service deployment that made it
    its target, so the id lasts as long as that deployment's revision runs."""
    found: dict[str, tuple[str, str]] = {}
    for record in records:
        revision = record["targetServiceRevision"]["arn"]
        if revision not in found:
            unique = f"{name}/{record['serviceDeploymentArn']}@{record.get('createdAt', '')}"
            found[revision] = (deployment_id(unique), record.get("createdAt", ""))
    return found


def _requested(record: dict) -> dict[str, int]:
    """Tasks the service deployment in flight asks of each of its revisions."""
    if record["status"] not in IN_FLIGHT:
        return {}
    summaries = [record["targetServiceRevision"], *record.get("sourceServiceRevisions", [])]
    return {s["arn"]: int(s.get("requestedTaskCount", 0)) for s in summaries}


def strategy_deployments(*, name: str, records: list[dict], pods: list[dict], desired: int,
                         previous: list[dict], now: datetime) -> list[dict]:
    """The deployments, PRIMARY first. `records`: the service deployments, latest first;
    `pods`: the service's; `previous`: the deployments last written."""
    if not records:
        return []
    record = records[0]
    primary = primary_revision(records)
    requested = _requested(record)
    by_revision = pods_by_revision(pods)
    others = [r for r in dict.fromkeys([*requested, *sorted(by_revision)]) if r != primary]
    origins = _origins(name, records)
    earlier_by_revision = {d.get("taskDefinition"): d for d in previous}
    result = []
    for revision in [primary, *others]:
        mine = by_revision.get(revision, [])
        running = sum(task_state(p) == "RUNNING" for p in mine)
        pending = sum(task_state(p) == "PENDING" for p in mine)
        if revision != primary and running + pending == 0 and not requested.get(revision):
            continue
        fallback = earlier_by_revision.get(revision) or {}
        ident, created = origins.get(revision) or (
            fallback.get("id") or deployment_id(f"{name}@{revision}"),
            fallback.get("createdAt") or timestamp(now))
        earlier = fallback if fallback.get("id") == ident else {}
        state, reason = _primary_rollout(record, primary) if revision == primary \
            else _other_rollout(revision, record, earlier)
        entry = {
            "id": ident,
            "status": "PRIMARY" if revision == primary else "ACTIVE",
            "taskDefinition": revision,
            "desiredCount": requested.get(revision, desired if revision == primary else 0),
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": max(task_failures(mine), int(earlier.get("failedTasks", 0))),
            "healthyCount": sum(is_healthy(p) for p in mine),
            "rolloutState": state,
            "rolloutStateReason": reason,
            "createdAt": created or timestamp(now),
        }
        if revision == record["targetServiceRevision"]["arn"]:
            entry.update(_guards(record))
        result.append(with_updated_at(entry, earlier, now))
    return result
