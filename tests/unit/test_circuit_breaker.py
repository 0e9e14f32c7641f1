"""ECS's deployment circuit breaker: thresholds, failure counting, trip and rollback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.circuit_breaker import BreakerConfig, breaker_config, breaker_count, \
    breaker_state, failure_threshold, task_failures
from ecs_operator.translate.service_status import Observed, deployment_id, service_status

from .test_service_status import replica_set

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
DEFAULT = BreakerConfig(enabled=True, rollback=True)


@pytest.mark.parametrize("desired,config,expected", [
    (1, DEFAULT, 3), (4, DEFAULT, 3), (6, DEFAULT, 3), (7, DEFAULT, 4), (10, DEFAULT, 5),
    (1000, DEFAULT, 200),
    (10, BreakerConfig(True, True, "BOUNDED_PERCENT", 20), 3),
    (10, BreakerConfig(True, True, "UNBOUNDED_PERCENT", 20), 2),
    (1000, BreakerConfig(True, True, "UNBOUNDED_PERCENT", 50), 500),
    (1, BreakerConfig(True, True, "UNBOUNDED_PERCENT", 10), 1),
    (10, BreakerConfig(True, True, "COUNT", 7), 7),
], ids=["1-task-min-3", "4-tasks-min-3", "6-tasks", "7-tasks-ceil", "10-tasks", "max-200",
        "bounded-20", "unbounded-20", "unbounded-above-200", "unbounded-at-least-1", "count"])
def test_failure_threshold(desired, config, expected) -> None:
    assert failure_threshold(desired, config) == expected


def test_breaker_config_reads_ecs_fields_with_defaults() -> None:
    spec = {"deploymentConfiguration": {"deploymentCircuitBreaker": {
        "enable": True, "rollback": False,
        "thresholdConfiguration": {"type": "COUNT", "value": 4}}}}
    assert breaker_config(spec) == BreakerConfig(True, False, "COUNT", 4)
    assert breaker_config({}) == BreakerConfig(False, False, "BOUNDED_PERCENT", 50)


def failed(name: str = "f") -> dict:
    return {"metadata": {"name": name}, "status": {"phase": "Failed"}}


def crashing(restarts: int) -> dict:
    return {"metadata": {"name": "c"}, "status": {"phase": "Running", "containerStatuses": [
        {"name": "app", "restartCount": restarts}, {"name": "proxy", "restartCount": 0}]}}


@pytest.mark.parametrize("pods,expected", [
    ([], 0), ([failed(), failed()], 2), ([crashing(3)], 3), ([failed(), crashing(1)], 2),
    ([{"metadata": {"name": "ok"}, "status": {"phase": "Running"}}], 0),
], ids=["none", "stopped", "restarts", "both", "healthy"])
def test_task_failures(pods, expected) -> None:
    assert task_failures(pods) == expected


@pytest.mark.parametrize("config,state,expected", [
    (BreakerConfig(False, False), "IN_PROGRESS", "DISABLED"),
    (DEFAULT, "IN_PROGRESS", "MONITORING"),
    (DEFAULT, "FAILED", "TRIGGERED"),
    (DEFAULT, "COMPLETED", "MONITORING_COMPLETE"),
])
def test_breaker_state(config, state, expected) -> None:
    assert breaker_state(config, state, 1, 3) == {"status": expected, "failureCount": 1,
                                                   "threshold": 3}


def pod(name: str, template_hash: str, phase: str = "Running") -> dict:
    return {"metadata": {"name": name, "labels": {"pod-template-hash": template_hash}},
            "status": {"phase": phase, "conditions": [
                {"type": "Ready", "status": "True" if phase == "Running" else "False"}]}}


def rollout(breaker: dict | None, steps: list[list[str]]) -> list:
    """web:1 serving 4 tasks while web:2's tasks go through `steps` (the phases of its pods
    at each status computation, one a second)."""
    spec = {"taskDefinition": "web", "desiredCount": 4, "deploymentConfiguration": {
        "minimumHealthyPercent": 100, "maximumPercent": 125}}
    if breaker:
        spec["deploymentConfiguration"]["deploymentCircuitBreaker"] = breaker
    dep = {"metadata": {"uid": "dep", "annotations": {"deployment.kubernetes.io/revision": "2"}},
           "spec": {"template": {"metadata": {"annotations": {
               "ecs.operator.dev/task-definition": "web:2"}}}}}
    old = replica_set("rs-1", "1", "aaa", 4, "web:1")
    new = replica_set("rs-2", "2", "bbb", 1, "web:2")
    serving = [pod(f"old-{i}", "aaa") for i in range(4)]
    previous = {"deployments": [{"id": deployment_id("rs-1"), "rolloutState": "COMPLETED"}]}
    history = []
    for second, phases in enumerate(steps, start=1):
        pods = serving + [pod(f"new-{i}", "bbb", phase) for i, phase in enumerate(phases)]
        result = service_status(name="web", generation=2, spec=spec, previous=previous,
                                observed=Observed(dep, [old, new], pods), task_definition="web:2",
                                problem=None, unsupported=[],
                                now=T0 + timedelta(seconds=second))
        previous = result.status
        history.append(result)
    return history


def rollout_with_failures(failures: int, breaker: dict | None) -> list:
    """One status computation per failure of web:2's tasks."""
    return rollout(breaker, [["Failed"] * count for count in range(1, failures + 1)])


def test_breaker_trips_at_the_threshold_and_rolls_back() -> None:
    history = rollout_with_failures(4, {"enable": True, "rollback": True})
    states = [h.status["deployments"][0]["rolloutState"] for h in history]
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "FAILED", "FAILED"]
    tripped = history[2].status
    primary = tripped["deployments"][0]
    assert primary["failedTasks"] == 3
    assert primary["circuitBreaker"] == {"status": "TRIGGERED", "failureCount": 3, "threshold": 3}
    assert tripped["rollback"] == {"from": "web:2", "to": "web:1",
                                   "failedDeploymentId": deployment_id("rs-2"),
                                   "deploymentId": deployment_id("rs-1")}
    reasons = [e.reason for e in history[2].events]
    assert reasons == ["DeploymentFailed", "RollingBack"]
    assert history[3].events == []
    assert history[3].status["deployments"][0]["failedTasks"] == 3, "frozen once FAILED"


def test_without_the_breaker_a_failing_rollout_keeps_trying() -> None:
    history = rollout_with_failures(8, None)
    last = history[-1].status
    assert last["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert last["deployments"][0]["circuitBreaker"]["status"] == "DISABLED"
    assert last["runningCount"] == 4
    assert "rollback" not in last


def test_breaker_without_rollback_fails_but_stays() -> None:
    history = rollout_with_failures(3, {"enable": True, "rollback": False})
    assert history[-1].status["deployments"][0]["rolloutState"] == "FAILED"
    assert "rollback" not in history[-1].status


@pytest.mark.parametrize("reset,earlier,failures,healthy,expected", [
    (True, {}, 2, 0, 2),  # first record: every failure so far
    (True, {"failedTasks": 2, "healthyCount": 0,
            "circuitBreaker": {"failureCount": 2}}, 3, 0, 3),
    (True, {"failedTasks": 2, "healthyCount": 0,
            "circuitBreaker": {"failureCount": 2}}, 2, 1, 0),  # a task turned healthy
    (True, {"failedTasks": 2, "healthyCount": 0,
            "circuitBreaker": {"failureCount": 2}}, 3, 1, 1),  # and one more failed meanwhile
    (True, {"failedTasks": 5, "healthyCount": 2,
            "circuitBreaker": {"failureCount": 1}}, 6, 2, 2),  # counting on from the reset
    (True, {"failedTasks": 5, "healthyCount": 2,
            "circuitBreaker": {"failureCount": 1}}, 6, 1, 2),  # one fewer healthy: no reset
    (False, {"failedTasks": 2, "healthyCount": 0,
             "circuitBreaker": {"failureCount": 2}}, 3, 1, 3),
], ids=["first", "one-more", "reset", "reset-and-fail", "after-reset", "fewer-healthy",
        "no-reset"])
def test_breaker_count_resets_when_a_task_turns_healthy(reset, earlier, failures, healthy,
                                                        expected) -> None:
    config = BreakerConfig(True, True, reset_on_healthy_task=reset)
    assert breaker_count(config, earlier, failures, healthy) == expected


def test_reset_on_healthy_task_defaults_to_true_as_in_ecs() -> None:
    assert breaker_config({}).reset_on_healthy_task is True
    assert breaker_config({"deploymentConfiguration": {"deploymentCircuitBreaker": {
        "enable": True, "rollback": True, "resetOnHealthyTask": False}}}) \
        == BreakerConfig(True, True, reset_on_healthy_task=False)


def flaky_rollout(reset: bool | None) -> list:
    """web:2's tasks: two fail, one becomes healthy, then two more fail (threshold 3)."""
    breaker = {"enable": True, "rollback": True}
    if reset is not None:
        breaker["resetOnHealthyTask"] = reset
    steps = [["Failed"], ["Failed", "Failed"], ["Failed", "Failed", "Running"],
             ["Failed", "Failed", "Running", "Failed"],
             ["Failed", "Failed", "Running", "Failed", "Failed"]]
    return [(d["rolloutState"], d["failedTasks"], d["circuitBreaker"]["failureCount"])
            for d in (h.status["deployments"][0] for h in rollout(breaker, steps))]


@pytest.mark.parametrize("reset,expected", [
    (None, [("IN_PROGRESS", 1, 1), ("IN_PROGRESS", 2, 2), ("IN_PROGRESS", 2, 0),
            ("IN_PROGRESS", 3, 1), ("IN_PROGRESS", 4, 2)]),
    (False, [("IN_PROGRESS", 1, 1), ("IN_PROGRESS", 2, 2), ("IN_PROGRESS", 2, 2),
             ("FAILED", 3, 3), ("FAILED", 3, 3)]),
], ids=["default-resets", "reset-off-trips"])
def test_a_task_turning_healthy_resets_the_breaker(reset, expected) -> None:
    assert flaky_rollout(reset) == expected
