"""Service deployment records of a ROLLING service, as ECS keeps them for every deployment.

A ROLLING service's progress is its Deployment's ReplicaSets (service_status.py turns them
into DescribeServices' `deployments`); ECS also keeps a service deployment per rollout, which
ListServiceDeployments and DescribeServiceDeployments return. This module keeps those records
in the same status list as the strategies' (`serviceDeployments`, latest first, bounded), so
a service that changes strategy keeps one history and one numbering.

A record follows one ECS deployment (`deploymentId`, a ReplicaSet's): made IN_PROGRESS when a
new one becomes PRIMARY, SUCCESSFUL when it completes. A newer deployment replacing it stops
it. A failed rollout with the breaker's or an alarm's rollback is ROLLBACK_IN_PROGRESS until
the deployment it returns to completes, then ROLLBACK_SUCCESSFUL; without rollback it is
STOPPED where it is, and its revision stays in production.

A pure function of the previous records, the deployments just computed, the rollback and the
clock.
"""

from __future__ import annotations

from datetime import datetime

from .deployment_guards import settle
from .service_deployment import HISTORY_LIMIT, IN_FLIGHT, REPLACED, finish, iso, \
    production_revision, stopped

ROLLING = "ROLLING"
STRATEGY_CHANGED = "the service's deployment strategy changed"
# DescribeServices' deployments[] guard blocks -> the record's (ECS's ServiceDeployment names),
# with the fields both have.
GUARDS = {"circuitBreaker": ("deploymentCircuitBreaker", ("status", "failureCount", "threshold")),
          "alarms": ("alarms", ("status", "alarmNames", "triggeredAlarmNames"))}


def _number(record: dict) -> int:
    return int(record["serviceDeploymentArn"].rsplit("/", 1)[1])


def hand_over(records: list[dict], now: datetime) -> list[dict]:
    """The records a strategy's deployment starts from: a ROLLING rollout still in flight
    when the service switched to BLUE_GREEN, CANARY or LINEAR stops there."""
    if records and records[0].get("strategy") == ROLLING and records[0]["status"] in IN_FLIGHT:
        return [stopped(records[0], STRATEGY_CHANGED, now), *records[1:]]
    return list(records)


def _revision(entry: dict, finished: bool = False) -> dict:
    """ECS's count of running tasks is the one at the deployment's end: while it runs, the
    record moves only when something a user acts on does (counts alone would be a status
    write per task started)."""
    return {"arn": entry["taskDefinition"], "requestedTaskCount": int(entry["desiredCount"]),
            "runningTaskCount": int(entry["runningCount"]) if finished else 0}


def _guards(entry: dict) -> dict:
    return {key: {f: entry[shown][f] for f in fields if f in entry[shown]}
            for shown, (key, fields) in GUARDS.items() if entry.get(shown)}


def _started(number: int, service: str, entry: dict, production: str | None) -> dict:
    return {"serviceDeploymentArn": f"{service}/{number}", "status": "IN_PROGRESS",
            "strategy": ROLLING, "deploymentId": entry["id"],
            "createdAt": entry["createdAt"], "startedAt": entry["createdAt"],
            "sourceServiceRevisions": [{"arn": production}] if production else [],
            "targetServiceRevision": _revision(entry)}


def _followed(record: dict, entry: dict, rollback: dict | None, now: datetime) -> dict:
    """The record of `entry`'s deployment, brought up to what the entry says."""
    if record["status"] not in ("IN_PROGRESS", "ROLLBACK_IN_PROGRESS"):
        return record
    state, reason = entry["rolloutState"], entry.get("rolloutStateReason", "")
    finishing = record["status"] == "IN_PROGRESS" and (
        state == "FAILED" or (state == "COMPLETED" and entry["status"] == "PRIMARY"))
    record = {**record, "targetServiceRevision": _revision(entry, finishing), **_guards(entry)}
    if record["status"] == "ROLLBACK_IN_PROGRESS":
        return record
    if state == "FAILED":
        if rollback and rollback.get("failedDeploymentId") == entry["id"]:
            return {**record, "status": "ROLLBACK_IN_PROGRESS",
                    "rollback": {"reason": reason, "startedAt": iso(now),
                                 "serviceRevisionArn": rollback["to"]},
                    "rollbackDeploymentId": rollback["deploymentId"]}
        # Without rollback ECS launches no more tasks and the failed revision stays.
        return {**stopped(record, reason, now),
                "productionRevisionArn": entry["taskDefinition"]}
    if state == "COMPLETED" and entry["status"] == "PRIMARY":
        return settle(finish(record, "SUCCESSFUL", now))
    return record


def _rolled_back(record: dict, primary: dict, now: datetime) -> dict:
    """A rollback is over when the deployment it returns to is PRIMARY and completed again."""
    if record["status"] == "ROLLBACK_IN_PROGRESS" and record.get("strategy") == ROLLING \
            and record.get("rollbackDeploymentId") == primary["id"] \
            and primary["rolloutState"] == "COMPLETED":
        return settle(finish(record, "ROLLBACK_SUCCESSFUL", now, record["rollback"]["reason"]))
    return record


def rolling_records(*, service: str, records: list[dict], deployments: list[dict],
                    rollback: dict | None, now: datetime) -> list[dict]:
    """The records after this status: `records` the status's (latest first, any strategy's),
    `deployments` DescribeServices' entries just computed (PRIMARY first), `rollback` the
    status's rollback (service_status._rollback), if any."""
    history = list(records)
    if not deployments or deployments[0]["status"] != "PRIMARY":
        return history
    primary = deployments[0]
    followed = {r["deploymentId"] for r in history if r.get("deploymentId")}
    returning = rollback is not None and primary["id"] == rollback.get("deploymentId")
    if primary["id"] not in followed and not returning:
        if history and history[0]["status"] in IN_FLIGHT:
            reason = REPLACED if history[0].get("strategy") == ROLLING else STRATEGY_CHANGED
            history[0] = {**stopped(history[0], reason, now), "updatedAt": iso(now)}
        number = max((_number(r) for r in history), default=0) + 1
        history.insert(0, _started(number, service, primary, production_revision(history)))
    entries = {d["id"]: d for d in deployments}
    for index, record in enumerate(history):
        updated = record
        if record.get("strategy") == ROLLING and record.get("deploymentId") in entries:
            updated = _followed(record, entries[record["deploymentId"]], rollback, now)
        updated = _rolled_back(updated, primary, now)
        if updated != record:
            history[index] = {**updated, "updatedAt": iso(now)}
    return history[:HISTORY_LIMIT]
