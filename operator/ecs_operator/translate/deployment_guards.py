"""The circuit breaker and the deployment alarms of BLUE_GREEN, CANARY and LINEAR deployments.

While a service deployment is IN_PROGRESS (its bake times included), each evaluation brings
its `deploymentCircuitBreaker` and `alarms` entries (ECS's ServiceDeployment fields) up to
date and says whether the deployment fails now, and whether what failed it asks for a
rollback. The breaker counts the target revision's failed tasks exactly as the ROLLING path
does (circuit_breaker.py: threshold, resetOnHealthyTask); an alarm fails the deployment as
soon as one of `alarmNames` fires for the service. Pure: the caller observes the failed
tasks and asks Prometheus.

Besides ECS's fields, the breaker's entry keeps what the next count needs: the target's
failed tasks in all (`failedTasks`) and its ready tasks (`healthyCount`) when last counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .circuit_breaker import breaker_config, breaker_count, failure_threshold
from .deployment_alarms import alarm_config

MONITORING, TRIGGERED, COMPLETE, DISABLED = ("MONITORING", "TRIGGERED", "MONITORING_COMPLETE",
                                             "DISABLED")


@dataclass(frozen=True)
class Verdict:
    record: dict  # the record with its guard entries brought up to date
    failure: str | None = None  # why the deployment fails now
    rollback: bool = False  # what failed it asks for a rollback


def watch(record: dict, config: dict, desired: int, ready: dict[str, int],
          failed: dict[str, int], firing: tuple[str, ...]) -> Verdict:
    """Judge a deployment IN_PROGRESS. `config`: deploymentConfiguration; `ready` and
    `failed`: ready tasks and failed tasks (all seen so far) per revision; `firing`: the
    alerts firing for the service."""
    spec = {"deploymentConfiguration": config}
    breaker, alarms = breaker_config(spec), alarm_config(spec)
    target = record["targetServiceRevision"]["arn"]
    earlier = record.get("deploymentCircuitBreaker") or {}
    # Failed pods are deleted in time: the count never goes down.
    failures = max(int(failed.get(target, 0)), int(earlier.get("failedTasks", 0)))
    healthy = int(ready.get(target, 0))
    last = {"failedTasks": earlier["failedTasks"], "healthyCount": earlier["healthyCount"],
            "circuitBreaker": {"failureCount": earlier["failureCount"]}} \
        if "failedTasks" in earlier else {}
    counted = breaker_count(breaker, last, failures, healthy)
    threshold = failure_threshold(desired, breaker)
    tripped = breaker.enabled and counted >= threshold
    triggered = [name for name in alarms.names if name in firing] if alarms.enabled else []
    record = {**record, "deploymentCircuitBreaker": {
        "status": TRIGGERED if tripped else (MONITORING if breaker.enabled else DISABLED),
        "failureCount": counted, "threshold": threshold,
        "failedTasks": failures, "healthyCount": healthy}}
    if config.get("alarms"):  # as describe-services, shown only when the spec has the block
        record["alarms"] = {
            "status": TRIGGERED if triggered else (MONITORING if alarms.enabled else DISABLED),
            "alarmNames": list(alarms.names), "triggeredAlarmNames": triggered}
    if tripped:
        return Verdict(record, f"circuit breaker triggered: {counted} tasks of {target} failed "
                               f"(threshold {threshold})", breaker.rollback)
    if triggered:
        return Verdict(record, f"alarms triggered: {', '.join(triggered)}", alarms.rollback)
    return Verdict(record)


def outcome(before: list[dict], after: list[dict]) -> tuple[bool, bool]:
    """(failed, rolling back): did this evaluation fail the latest deployment by its breaker
    or an alarm, and did that start a rollback? (A user's stop is no failure.)"""
    if not before or not after or before[0]["serviceDeploymentArn"] != \
            after[0]["serviceDeploymentArn"] or before[0]["status"] != "IN_PROGRESS":
        return False, False
    latest = after[0]
    failed = any((latest.get(key) or {}).get("status") == TRIGGERED
                 for key in ("deploymentCircuitBreaker", "alarms"))
    return failed, failed and latest["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")


def settle(record: dict) -> dict:
    """A deployment no longer IN_PROGRESS is no longer watched: what was MONITORING is
    MONITORING_COMPLETE; TRIGGERED and DISABLED stay."""
    settled = dict(record)
    for key in ("deploymentCircuitBreaker", "alarms"):
        entry = record.get(key)
        if entry and entry.get("status") == MONITORING:
            settled[key] = {**entry, "status": COMPLETE}
    return settled
