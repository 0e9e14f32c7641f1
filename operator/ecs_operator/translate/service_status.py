"""Service status as DescribeServices shows it, computed from the objects the operator observes.

A pure function of its inputs and an injected clock, so the same observation always gives the
same status, and the handler can skip the write when nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from .circuit_breaker import BreakerConfig, breaker_config, breaker_count, breaker_state, \
    failure_threshold, task_failures
from .deployment_alarms import AlarmChecks, AlarmReading, alarm_checks, alarm_conditions, \
    alarm_events, keeps_rollback_target, rollback_wanted
from .conditions import Condition, condition_status, merge_conditions, timestamp
from .deployment_entries import deployment_id, is_healthy, task_state, with_updated_at
from .service import ANNOTATION_TASK_DEFINITION, deployment_bounds, selector
from .rolling_records import rolling_records
from .strategy_status import strategy_deployments, uses_strategy

MAX_EVENTS = 50
POD_TEMPLATE_HASH = "pod-template-hash"
DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision"


@dataclass(frozen=True)
class Problem:
    """Why the operator cannot act on the Service as written."""
    reason: str
    message: str


@dataclass(frozen=True)
class ServiceEvent:
    """Something to tell the user, in ECS wording, also sent as a Kubernetes Event."""
    reason: str
    message: str
    warning: bool = False


@dataclass(frozen=True)
class Observed:
    deployment: dict | None = None
    replica_sets: list[dict] = field(default_factory=list)
    pods: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class StatusResult:
    status: dict
    events: list[ServiceEvent]


def refresh_at_once(obj: dict) -> bool:
    """A pod whose task stopped or failed: its service's status is refreshed without waiting
    for a burst of events to end, so the circuit breaker counts failures as they happen."""
    return obj.get("kind") == "Pod" and (task_state(obj) == "STOPPED"
                                         or task_failures([obj]) > 0)


def placement_failure(pods: list[dict]) -> str | None:
    """The scheduler's reason for the first task it could not place, if any."""
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if task_state(pod) != "PENDING":
            continue
        for condition in pod.get("status", {}).get("conditions") or []:
            if condition.get("type") == "PodScheduled" and condition.get("status") == "False" \
                    and condition.get("reason") == "Unschedulable":
                return condition.get("message") or "no node matched the task's requirements"
    return None


def _event_id(name: str, moment: str, message: str) -> str:
    digest = hashlib.sha256(f"{name}|{moment}|{message}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _owned_by(obj: dict, uid: str | None) -> bool:
    return any(ref.get("uid") == uid for ref in obj.get("metadata", {}).get("ownerReferences", []))


def _pods_of(replica_set: dict, pods: list[dict]) -> list[dict]:
    template_hash = replica_set["metadata"].get("labels", {}).get(POD_TEMPLATE_HASH)
    return [p for p in pods
            if p.get("metadata", {}).get("labels", {}).get(POD_TEMPLATE_HASH) == template_hash]


def _deployments(spec: dict, observed: Observed, previous: list[dict], now: datetime,
                 alarms: AlarmReading | None = None, rolled_back_to: str | None = None
                 ) -> list[dict]:
    dep = observed.deployment
    if dep is None:
        return []
    owned = sorted((rs for rs in observed.replica_sets
                    if _owned_by(rs, dep["metadata"].get("uid"))),
                   key=lambda r: int(r["metadata"].get("annotations", {})
                                     .get(DEPLOYMENT_REVISION, "0")), reverse=True)
    primary_uid = _primary_replica_set_uid(dep, owned)
    before = {d.get("id"): d for d in previous}
    breaker = breaker_config(spec)
    result = []
    kept: set[str] = set()  # listed only as where an alarm's rollback would return to
    for rs in owned:
        ident = deployment_id(rs["metadata"]["uid"])
        earlier = before.get(ident, {})
        is_primary = rs["metadata"]["uid"] == primary_uid
        pods = _pods_of(rs, observed.pods)
        running = sum(task_state(p) == "RUNNING" for p in pods)
        pending = sum(task_state(p) == "PENDING" for p in pods)
        replicas = int(rs.get("spec", {}).get("replicas") or 0)
        failed_before = earlier.get("rolloutState") == "FAILED"
        kept_for_rollback = False
        if not is_primary and replicas == 0 and running + pending == 0 and not failed_before:
            if not keeps_rollback_target(spec, earlier):
                continue
            kept_for_rollback = True
        desired = int(spec.get("desiredCount", 1)) if is_primary else replicas
        threshold = failure_threshold(int(spec.get("desiredCount", 1)), breaker)
        failures = earlier.get("failedTasks", 0) if failed_before \
            else max(task_failures(pods), earlier.get("failedTasks", 0))
        healthy = sum(is_healthy(p) for p in pods)
        counted = (earlier.get("circuitBreaker") or {}).get("failureCount", failures) \
            if failed_before else breaker_count(breaker, earlier, failures, healthy)
        task_definition = _task_definition_of(rs) or ""
        watch = alarm_checks(spec, alarms, earlier.get("alarms") or {}, now,
                             watched=is_primary and task_definition != rolled_back_to)
        state, reason = _rollout_state(is_primary, desired, pods, owned, rs, earlier,
                                       breaker, counted, threshold, watch)
        entry = {
            "id": ident,
            "status": "PRIMARY" if is_primary else ("INACTIVE" if failed_before and
                                                    running + pending == 0 else "ACTIVE"),
            "taskDefinition": task_definition,
            "desiredCount": desired,
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": failures,
            "healthyCount": healthy,
            "rolloutState": state,
            "rolloutStateReason": reason,
            "circuitBreaker": breaker_state(breaker, state, counted, threshold),
            "createdAt": rs["metadata"].get("creationTimestamp", timestamp(now)),
        }
        if watch is not None:
            entry["alarms"] = watch.state(state)
        if kept_for_rollback:
            kept.add(ident)
        result.append(with_updated_at(entry, earlier, now))
    if result and result[0]["rolloutState"] != "IN_PROGRESS":
        result = [d for d in result if d["id"] not in kept]
    return result


def _task_definition_of(template_owner: dict) -> str | None:
    return (template_owner.get("spec", {}).get("template", {}).get("metadata", {})
            .get("annotations", {}).get(ANNOTATION_TASK_DEFINITION))


def _primary_replica_set_uid(dep: dict, newest_first: list[dict]) -> str | None:
    """The ReplicaSet running the Deployment's current template.

    Matched on the template's task definition rather than the Deployment's revision
    annotation, which the controller updates a moment after the template changes.
    """
    wanted = _task_definition_of(dep)
    for rs in newest_first:
        if _task_definition_of(rs) == wanted:
            return rs["metadata"]["uid"]
    return None


def _rollout_state(is_primary: bool, desired: int, pods: list[dict], owned: list[dict],
                   rs: dict, earlier: dict, breaker: BreakerConfig, failures: int,
                   threshold: int, watch: AlarmChecks | None) -> tuple[str, str]:
    """`failures`: those the circuit breaker counts."""
    if earlier.get("rolloutState") in ("COMPLETED", "FAILED"):
        return earlier["rolloutState"], earlier.get("rolloutStateReason", "")
    if not is_primary:
        return "COMPLETED", "ECS deployment superseded by a newer deployment."
    if breaker.enabled and failures >= threshold:
        return "FAILED", (f"ECS deployment circuit breaker: {failures} tasks failed to start "
                          f"(threshold {threshold}).")
    healthy = sum(is_healthy(p) for p in pods)
    others_running = any(
        other is not rs and (int(other.get("status", {}).get("replicas") or 0) > 0)
        for other in owned)
    done = healthy >= desired and not others_running
    verdict = watch.judge(tasks_done=done) if watch is not None else None
    if verdict is not None and verdict.failed_reason:
        return "FAILED", verdict.failed_reason
    if verdict is not None and verdict.baking_reason:
        return "IN_PROGRESS", verdict.baking_reason
    if done:
        return "COMPLETED", "ECS deployment completed."
    return "IN_PROGRESS", "ECS deployment in progress."


def _rollback(spec: dict, deployments: list[dict], previous: dict) -> dict | None:
    """Where a tripped circuit breaker or a triggered alarm sends the service: the last
    COMPLETED deployment."""
    if not deployments:
        return None
    primary = deployments[0]
    earlier = previous.get("rollback")
    if earlier and primary["taskDefinition"] in (earlier["from"], earlier["to"]):
        return earlier
    if primary["rolloutState"] != "FAILED" \
            or not rollback_wanted(spec, primary, breaker_config(spec).rollback):
        return None
    candidates = [d for d in deployments[1:] + previous.get("deployments", [])
                  if d.get("rolloutState") == "COMPLETED"
                  and d.get("taskDefinition") != primary["taskDefinition"]]
    if not candidates:
        return None
    target = candidates[0]
    return {"from": primary["taskDefinition"], "to": target["taskDefinition"],
            "failedDeploymentId": primary["id"], "deploymentId": target["id"]}


def service_status(*, name: str, generation: int, spec: dict, previous: dict,
                   observed: Observed, task_definition: str | None, problem: Problem | None,
                   unsupported: list[str], now: datetime,
                   desired_count_set_by: str = "spec.desiredCount",
                   alarms: AlarmReading | None = None,
                   service_deployments: list[dict] | None = None) -> StatusResult:
    """`alarms`: what Prometheus said of the alarms the spec names (deployment_alarms);
    `service_deployments`: the service's deployment records, latest first, when an evaluation
    of a strategy just advanced them; otherwise the previous status's are carried (and a
    ROLLING service's kept up here, rolling_records.py)."""
    previous = previous or {}
    if service_deployments is None:
        service_deployments = previous.get("serviceDeployments")
    desired = int(spec.get("desiredCount", 1))
    config = spec.get("deploymentConfiguration") or {}
    bounds = deployment_bounds(desired, config.get("minimumHealthyPercent"),
                               config.get("maximumPercent"))
    live_pods = [p for p in observed.pods if task_state(p) != "STOPPED"]
    running_tasks = sorted(p["metadata"]["name"] for p in live_pods
                           if task_state(p) == "RUNNING")
    healthy = sum(is_healthy(p) for p in live_pods)
    strategy = uses_strategy(spec)
    deployments = strategy_deployments(
        name=name, records=service_deployments or [], pods=observed.pods, desired=desired,
        previous=previous.get("deployments", []), now=now) if strategy else _deployments(
        spec, observed, previous.get("deployments", []), now, alarms,
        (previous.get("rollback") or {}).get("to"))
    primary = deployments[0] if deployments else None
    # Just after a new revision is applied, the newest ReplicaSet seen may still run the old
    # one: that deployment is not the one the Service wants, whatever its own state. (The
    # strategies' records are advanced before every status of a new revision.)
    behind = bool(not strategy and task_definition and primary and primary["taskDefinition"]
                  and primary["taskDefinition"] != task_definition)
    if strategy and primary:  # after a rollback, the source, as ECS shows it
        task_definition = primary["taskDefinition"]
    rollout = "IN_PROGRESS" if behind else primary["rolloutState"] if primary else None
    serving = [d for d in deployments if d["status"] != "INACTIVE"]
    steady = (problem is None and primary is not None and not behind and len(serving) == 1
              and rollout == "COMPLETED" and len(running_tasks) == desired and healthy == desired)
    rollback = None if strategy else _rollback(spec, deployments, previous)
    if not strategy:
        service_deployments = rolling_records(service=name, records=service_deployments or [],
                                              deployments=deployments, rollback=rollback,
                                              now=now)
    unplaced = placement_failure(live_pods)

    events = _events(name, previous, deployments, running_tasks, steady, problem, rollback)
    events += [ServiceEvent(*event) for event in alarm_events(name, spec, alarms, previous)]
    if unplaced and _condition_message(previous, "TasksPlaced") != unplaced:
        events.append(ServiceEvent(
            "UnableToPlaceTask", f"(service {name}) was unable to place a task because no "
            f"container instance met all of its requirements. Reason: {unplaced}", warning=True))
    wanted = [
        Condition("Valid", problem is None, problem.reason if problem else "SpecAccepted",
                  problem.message if problem else ""),
        Condition("Available", healthy >= bounds.minimum_healthy and problem is None,
                  "MinimumHealthyTasks" if healthy >= bounds.minimum_healthy
                  else "BelowMinimumHealthy",
                  f"{healthy} healthy tasks; at least {bounds.minimum_healthy} required"),
        _progressing(rollout, primary, task_definition if behind else None),
        Condition("SteadyState", steady, "SteadyState" if steady else "NotSteady",
                  f"{len(running_tasks)}/{desired} tasks running"),
        Condition("TasksPlaced", unplaced is None,
                  "Unschedulable" if unplaced else "AllTasksPlaced", unplaced or ""),
        Condition("Supported", not unsupported,
                  "AllFieldsSupported" if not unsupported else "UnsupportedFields",
                  "not honoured: " + ", ".join(unsupported) if unsupported else ""),
        *alarm_conditions(spec, alarms),
    ]
    status = {
        "serviceName": spec.get("serviceName") or name,
        "status": "ACTIVE",
        "desiredCount": desired,
        "desiredCountSetBy": desired_count_set_by,
        "runningCount": len(running_tasks),
        "pendingCount": sum(task_state(p) == "PENDING" for p in live_pods),
        "taskDefinition": task_definition or previous.get("taskDefinition") or "",
        "selector": selector(name),
        "deployments": deployments,
        "runningTasks": running_tasks,
        "events": _append_events(name, previous.get("events", []), events, now),
        "unsupportedFields": unsupported,
        "observedGeneration": generation,
        "conditions": merge_conditions(previous.get("conditions", []), wanted,
                                       generation=generation, now=now),
    }
    if rollout:
        status["rolloutState"] = rollout
    if rollback:
        status["rollback"] = rollback
    if service_deployments:
        status["serviceDeployments"] = service_deployments
    return StatusResult(status=status, events=events)


def _condition_message(status: dict, type_: str) -> str | None:
    for condition in status.get("conditions") or []:
        if condition.get("type") == type_ and condition.get("status") == "False":
            return condition.get("message")
    return None


def _progressing(rollout: str | None, primary: dict | None,
                 starting: str | None = None) -> Condition:
    """`starting`: the task definition just applied, when no ReplicaSet runs it yet."""
    if starting:
        return Condition("Progressing", True, "RolloutInProgress",
                         f"ECS deployment of {starting} starting.")
    if rollout == "FAILED":
        return Condition("Progressing", False, "RolloutFailed", primary["rolloutStateReason"])
    if rollout == "COMPLETED":
        return Condition("Progressing", True, "RolloutCompleted", primary["rolloutStateReason"])
    if rollout == "IN_PROGRESS":
        return Condition("Progressing", True, "RolloutInProgress", primary["rolloutStateReason"])
    return Condition("Progressing", None, "NoDeployment", "no Deployment observed yet")


def _events(name: str, previous: dict, deployments: list[dict], running_tasks: list[str],
            steady: bool, problem: Problem | None, rollback: dict | None) -> list[ServiceEvent]:
    events: list[ServiceEvent] = []
    service = f"(service {name})"
    before_running = set(previous.get("runningTasks", []))
    now_running = set(running_tasks)
    stopped = sorted(before_running - now_running)
    started = sorted(now_running - before_running)
    if stopped:
        tasks = " ".join(f"(task {t})" for t in stopped)
        events.append(ServiceEvent("TasksStopped",
                                   f"{service} has stopped {len(stopped)} running tasks: {tasks}."))
    if started:
        tasks = " ".join(f"(task {t})" for t in started)
        events.append(ServiceEvent("TasksStarted",
                                   f"{service} has started {len(started)} tasks: {tasks}."))
    previous_states = {d.get("id"): d.get("rolloutState") for d in previous.get("deployments", [])}
    for deployment in deployments:
        if deployment["status"] != "PRIMARY":
            continue
        was = previous_states.get(deployment["id"])
        if deployment["rolloutState"] == "COMPLETED" and was != "COMPLETED":
            events.append(ServiceEvent(
                "DeploymentCompleted",
                f"{service} (deployment {deployment['id']}) deployment completed."))
        if deployment["rolloutState"] == "FAILED" and was != "FAILED":
            events.append(ServiceEvent(
                "DeploymentFailed",
                f"{service} (deployment {deployment['id']}) deployment failed: "
                f"{deployment['rolloutStateReason']}", warning=True))
    if rollback and rollback != previous.get("rollback"):
        events.append(ServiceEvent(
            "RollingBack", f"{service} (deployment {rollback['failedDeploymentId']}) rolling "
            f"back to deployment {rollback['deploymentId']} ({rollback['to']}).", warning=True))
    if problem and condition_status(previous.get("conditions"), "Valid") != "False":
        events.append(ServiceEvent(problem.reason, f"{service} {problem.message}", warning=True))
    if steady and condition_status(previous.get("conditions"), "SteadyState") != "True":
        events.append(ServiceEvent("SteadyState", f"{service} has reached a steady state."))
    return events


def _append_events(name: str, history: list[dict], new: list[ServiceEvent],
                   now: datetime) -> list[dict]:
    moment = timestamp(now)
    fresh = [{"id": _event_id(name, moment, e.message), "createdAt": moment, "message": e.message}
             for e in reversed(new)]
    return (fresh + list(history))[:MAX_EVENTS]
