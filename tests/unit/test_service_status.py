"""Service status from observed objects, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.conditions import Condition, merge_conditions
from ecs_operator.translate.service_status import Observed, Problem, deployment_id, \
    refresh_at_once, service_status, task_state

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
SPEC = {"taskDefinition": "web", "desiredCount": 2}


def replica_set(uid: str, revision: str, template_hash: str, replicas: int, td: str) -> dict:
    return {"metadata": {"uid": uid, "name": f"web-{template_hash}",
                         "labels": {"pod-template-hash": template_hash},
                         "annotations": {"deployment.kubernetes.io/revision": revision},
                         "ownerReferences": [{"uid": "dep"}],
                         "creationTimestamp": "2026-11-25T11:00:00Z"},
            "spec": {"replicas": replicas, "template": {"metadata": {"annotations": {
                "ecs.operator.dev/task-definition": td}}}},
            "status": {"replicas": replicas}}


def pod(name: str, template_hash: str, phase: str = "Running", ready: bool = True,
        deleting: bool = False) -> dict:
    meta = {"name": name, "labels": {"pod-template-hash": template_hash}}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-25T12:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


DEPLOYMENT = {"metadata": {"uid": "dep", "annotations": {"deployment.kubernetes.io/revision": "2"}},
              "spec": {"template": {"metadata": {"annotations": {
                  "ecs.operator.dev/task-definition": "web:2"}}}},
              "status": {}}
OLD_RS = replica_set("rs-1", "1", "aaa", 0, "web:1")
NEW_RS = replica_set("rs-2", "2", "bbb", 2, "web:2")


def compute(observed: Observed, previous: dict | None = None, now: datetime = T0,
            problem: Problem | None = None, unsupported: list[str] | None = None):
    return service_status(name="web", generation=3, spec=SPEC, previous=previous or {},
                          observed=observed, task_definition="web:2", problem=problem,
                          unsupported=unsupported or [], now=now)


@pytest.mark.parametrize("pod_body,expected", [
    (pod("a", "x", "Running"), "RUNNING"),
    (pod("a", "x", "Pending"), "PENDING"),
    (pod("a", "x", "Failed"), "STOPPED"),
    (pod("a", "x", "Succeeded"), "STOPPED"),
    (pod("a", "x", "Running", deleting=True), "STOPPED"),
], ids=["running", "pending", "failed", "succeeded", "terminating"])
def test_task_state(pod_body, expected) -> None:
    assert task_state(pod_body) == expected


@pytest.mark.parametrize("pods,counts,rollout,steady", [
    ([pod("p1", "bbb"), pod("p2", "bbb")], (2, 0), "COMPLETED", "True"),
    ([pod("p1", "bbb"), pod("p2", "bbb", "Pending", ready=False)], (1, 1), "IN_PROGRESS",
     "False"),
    ([pod("p1", "bbb"), pod("p2", "bbb", ready=False)], (2, 0), "IN_PROGRESS", "False"),
    ([pod("p1", "bbb"), pod("p2", "bbb"), pod("p3", "bbb", "Failed")], (2, 0), "COMPLETED",
     "True"),
], ids=["all-running", "one-pending", "one-unready", "failed-ignored"])
def test_counts_rollout_and_steady_state(pods, counts, rollout, steady) -> None:
    result = compute(Observed(DEPLOYMENT, [OLD_RS, NEW_RS], pods))
    status = result.status
    assert (status["runningCount"], status["pendingCount"]) == counts
    assert status["rolloutState"] == rollout
    steady_condition = next(c for c in status["conditions"] if c["type"] == "SteadyState")
    assert steady_condition["status"] == steady


def test_old_deployment_stays_active_while_it_has_tasks() -> None:
    old = replica_set("rs-1", "1", "aaa", 1, "web:1")
    result = compute(Observed(DEPLOYMENT, [old, NEW_RS],
                              [pod("o1", "aaa"), pod("n1", "bbb"), pod("n2", "bbb")]))
    deployments = result.status["deployments"]
    assert [(d["status"], d["taskDefinition"], d["runningCount"]) for d in deployments] == [
        ("PRIMARY", "web:2", 2), ("ACTIVE", "web:1", 1)]
    assert deployments[0]["rolloutState"] == "IN_PROGRESS"
    assert deployments[0]["id"] == deployment_id("rs-2")


def test_steady_state_and_completion_are_announced_once() -> None:
    observed = Observed(DEPLOYMENT, [OLD_RS, NEW_RS], [pod("p1", "bbb"), pod("p2", "bbb")])
    first = compute(observed)
    assert [e.reason for e in first.events] == ["TasksStarted", "DeploymentCompleted",
                                                "SteadyState"]
    assert first.status["events"][0]["message"] == "(service web) has reached a steady state."
    assert first.status["events"][-1]["message"] == \
        "(service web) has started 2 tasks: (task p1) (task p2)."

    later = compute(observed, previous=first.status, now=T0 + timedelta(minutes=5))
    assert later.events == []
    assert later.status == first.status, "an unchanged observation must not change the status"


def test_stopped_tasks_are_announced() -> None:
    before = compute(Observed(DEPLOYMENT, [NEW_RS], [pod("p1", "bbb"), pod("p2", "bbb")]))
    after = compute(Observed(DEPLOYMENT, [NEW_RS], [pod("p1", "bbb")]), previous=before.status,
                    now=T0 + timedelta(seconds=30))
    assert [e.message for e in after.events] == [
        "(service web) has stopped 1 running tasks: (task p2)."]
    steady = next(c for c in after.status["conditions"] if c["type"] == "SteadyState")
    assert steady == {**steady, "status": "False",
                      "lastTransitionTime": "2026-11-25T12:00:30Z"}


def test_problem_is_a_false_valid_condition_and_a_warning() -> None:
    result = compute(Observed(None, [], []),
                     problem=Problem("TaskDefinitionNotFound", "unable to find task definition web"))
    valid = next(c for c in result.status["conditions"] if c["type"] == "Valid")
    assert (valid["status"], valid["reason"]) == ("False", "TaskDefinitionNotFound")
    assert valid["observedGeneration"] == 3
    [event] = result.events
    assert event.warning and event.message == "(service web) unable to find task definition web"


def test_unsupported_fields_are_named_in_a_condition() -> None:
    result = compute(Observed(DEPLOYMENT, [NEW_RS], []), unsupported=["loadBalancers"])
    supported = next(c for c in result.status["conditions"] if c["type"] == "Supported")
    assert supported["status"] == "False"
    assert supported["message"] == "not honoured: loadBalancers"
    assert result.status["unsupportedFields"] == ["loadBalancers"]


def test_events_are_bounded_newest_first() -> None:
    status: dict = {}
    for minute in range(60):
        pods = [pod(f"p{minute}", "bbb")]
        status = compute(Observed(DEPLOYMENT, [NEW_RS], pods), previous=status,
                         now=T0 + timedelta(minutes=minute)).status
    assert len(status["events"]) == 50
    assert status["events"][0]["createdAt"] == "2026-11-25T12:59:00Z"


@pytest.mark.parametrize("before,after,expected_time", [
    ("True", True, "2026-11-25T11:00:00Z"),
    ("True", False, "2026-11-25T12:00:00Z"),
    (None, True, "2026-11-25T12:00:00Z"),
], ids=["unchanged-keeps-time", "flipped-moves-time", "new-gets-time"])
def test_conditions_keep_transition_time_while_status_holds(before, after, expected_time) -> None:
    previous = [] if before is None else [
        {"type": "Available", "status": before, "lastTransitionTime": "2026-11-25T11:00:00Z"}]
    [merged] = merge_conditions(previous, [Condition("Available", after, "R")], generation=1,
                                now=T0)
    assert merged["lastTransitionTime"] == expected_time


def unschedulable(name: str, message: str) -> dict:
    body = pod(name, "bbb", "Pending", ready=False)
    body["status"]["conditions"].append({"type": "PodScheduled", "status": "False",
                                         "reason": "Unschedulable", "message": message})
    return body


def test_unplaceable_task_is_reported_with_the_schedulers_reason() -> None:
    reason = "0/3 nodes are available: 3 Insufficient cpu."
    observed = Observed(DEPLOYMENT, [NEW_RS], [pod("p1", "bbb"), unschedulable("p2", reason)])
    first = compute(observed)
    placed = next(c for c in first.status["conditions"] if c["type"] == "TasksPlaced")
    assert (placed["status"], placed["reason"], placed["message"]) == (
        "False", "Unschedulable", reason)
    [event] = [e for e in first.events if e.reason == "UnableToPlaceTask"]
    assert event.warning
    assert event.message == ("(service web) was unable to place a task because no container "
                             "instance met all of its requirements. Reason: " + reason)
    again = compute(observed, previous=first.status, now=T0 + timedelta(seconds=10))
    assert not [e for e in again.events if e.reason == "UnableToPlaceTask"]


def test_new_replica_set_is_primary_before_the_deployment_revision_catches_up() -> None:
    """The controller bumps the Deployment's revision annotation after the new ReplicaSet
    exists; the new deployment must not be taken for an old, completed one meanwhile."""
    lagging = {**DEPLOYMENT, "metadata": {"uid": "dep", "annotations": {
        "deployment.kubernetes.io/revision": "1"}}}
    old = replica_set("rs-1", "1", "aaa", 2, "web:1")
    result = compute(Observed(lagging, [old, NEW_RS], [pod("o1", "aaa"), pod("o2", "aaa")]))
    primary = result.status["deployments"][0]
    assert (primary["taskDefinition"], primary["status"], primary["rolloutState"]) == (
        "web:2", "PRIMARY", "IN_PROGRESS")


def test_a_revision_just_applied_is_in_progress_until_its_replica_set_is_seen() -> None:
    old_only = replica_set("rs-1", "1", "aaa", 2, "web:1")
    status = compute(Observed(DEPLOYMENT, [old_only], [pod("p1", "aaa"), pod("p2", "aaa")]),
                     previous={"taskDefinition": "web:1"}).status
    assert status["taskDefinition"] == "web:2"
    assert status["rolloutState"] == "IN_PROGRESS"
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["SteadyState"]["status"] == "False"
    assert conditions["Progressing"]["reason"] == "RolloutInProgress"
    assert "web:2" in conditions["Progressing"]["message"]


def _restarted(obj: dict) -> dict:
    obj["status"]["containerStatuses"] = [{"name": "app", "restartCount": 1}]
    return obj


@pytest.mark.parametrize("obj,at_once", [
    ({**pod("a", "bbb", phase="Pending", ready=False), "kind": "Pod"}, False),
    ({**pod("a", "bbb"), "kind": "Pod"}, False),                    # started: may wait
    ({**pod("a", "bbb", phase="Failed", ready=False), "kind": "Pod"}, True),
    ({**pod("a", "bbb", deleting=True), "kind": "Pod"}, True),     # stopping
    (_restarted({**pod("a", "bbb"), "kind": "Pod"}), True),       # a container restarted
    ({**NEW_RS, "kind": "ReplicaSet"}, False),
], ids=["pending", "running", "failed", "stopping", "restarted", "replica-set"])
def test_a_stopped_or_failed_task_is_counted_at_once(obj, at_once) -> None:
    assert refresh_at_once(obj) is at_once
