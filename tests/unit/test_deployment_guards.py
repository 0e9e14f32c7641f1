"""The circuit breaker and deployment alarms on BLUE_GREEN / CANARY / LINEAR deployments, on
the simulated cluster of test_service_deployment: what the user sees in the record, and which
revision production selects throughout."""

from __future__ import annotations

import pytest

from ecs_operator.translate.deployment_guards import outcome, watch

from .test_service_deployment import BLUE, GREEN, Cluster, config, deployed

BREAKER = {"enable": True, "rollback": True}
ALARMS = {"alarmNames": ["HighErrors", "Latency"], "enable": True, "rollback": True}


# desired 4: the default threshold is 3. BLUE_GREEN asks for 4 green tasks at once, so 4 fail
# in the same pass; CANARY's and LINEAR's first share is 1 task, failing one a pass.
@pytest.mark.parametrize("strategy, counted", [
    ("BLUE_GREEN", 4), ("CANARY", 3), ("LINEAR", 3)])
def test_the_breaker_rolls_back_a_revision_whose_tasks_fail(strategy: str, counted: int) -> None:
    cluster = deployed(strategy, deploymentCircuitBreaker=BREAKER)
    cluster.broken = {GREEN}
    cluster.run(GREEN, passes=6)
    record = cluster.record()
    assert record["status"] == "ROLLBACK_SUCCESSFUL"
    assert record["rollback"]["serviceRevisionArn"] == BLUE
    assert record["rollback"]["reason"] == (
        f"circuit breaker triggered: {counted} tasks of {GREEN} failed (threshold 3)")
    assert record["deploymentCircuitBreaker"] == {
        "status": "TRIGGERED", "failureCount": counted, "threshold": 3,
        "failedTasks": counted, "healthyCount": 0}
    assert "alarms" not in record
    assert all(production == (BLUE,) for _, production, _ in cluster.passes)
    assert min(cluster.serving()) >= 4
    assert cluster.wanted.replicas == {BLUE: 4}
    cluster.run(GREEN, passes=2)  # the spec still names green: nothing restarts it
    assert cluster.record()["status"] == "ROLLBACK_SUCCESSFUL"


@pytest.mark.parametrize("threshold_configuration, threshold, passes_to_trip", [
    (None, 3, 1),
    ({"type": "COUNT", "value": 6}, 6, 2),
    ({"type": "UNBOUNDED_PERCENT", "value": 25}, 1, 1),
    ({"type": "BOUNDED_PERCENT", "value": 100}, 4, 1),
])
def test_the_breaker_uses_the_rolling_threshold(threshold_configuration: dict | None,
                                                threshold: int, passes_to_trip: int) -> None:
    breaker = {**BREAKER, **({"thresholdConfiguration": threshold_configuration}
                             if threshold_configuration else {})}
    cluster = deployed("BLUE_GREEN", deploymentCircuitBreaker=breaker)
    cluster.broken = {GREEN}
    # Pass 1 starts the deployment and asks for the green tasks; each pass after sees 4 fail.
    cluster.run(GREEN, passes=1 + passes_to_trip)
    assert cluster.record()["deploymentCircuitBreaker"]["threshold"] == threshold
    assert cluster.record()["status"] == "ROLLBACK_SUCCESSFUL"
    if passes_to_trip > 1:
        assert cluster.passes[-2][2]["deploymentCircuitBreaker"]["status"] == "MONITORING"


def test_without_rollback_the_breaker_stops_the_deployment_on_the_source() -> None:
    cluster = deployed("BLUE_GREEN", deploymentCircuitBreaker={"enable": True, "rollback": False})
    cluster.broken = {GREEN}
    cluster.run(GREEN, passes=4)
    record = cluster.record()
    assert (record["status"], record["productionRevisionArn"]) == ("STOPPED", BLUE)
    assert record["statusReason"].startswith("circuit breaker triggered: 4 tasks")
    assert "stoppedAt" in record and "rollback" not in record
    assert record["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert cluster.wanted.replicas == {BLUE: 4}
    assert all(production == (BLUE,) for _, production, _ in cluster.passes)
    cluster.broken = set()
    cluster.run("web:3", passes=1)  # a newer revision deploys from what production kept
    assert cluster.record()["sourceServiceRevisions"][0]["arn"] == BLUE


@pytest.mark.parametrize("breaker, alarms, statuses", [
    ({"enable": False, "rollback": False}, None, ("DISABLED", None)),
    (BREAKER, None, ("MONITORING_COMPLETE", None)),
    (BREAKER, {**ALARMS, "enable": False}, ("MONITORING_COMPLETE", "DISABLED")),
    (BREAKER, ALARMS, ("MONITORING_COMPLETE", "MONITORING_COMPLETE")),
])
def test_a_healthy_deployment_completes_with_its_monitors_complete(
        breaker: dict, alarms: dict | None, statuses: tuple[str, str | None]) -> None:
    extra = {"alarms": alarms} if alarms else {}
    cluster = deployed("BLUE_GREEN", deploymentCircuitBreaker=breaker, **extra)
    cluster.run(GREEN, passes=1)
    in_flight = cluster.record()
    cluster.run(GREEN, passes=8)
    record = cluster.record()
    assert record["status"] == "SUCCESSFUL"
    assert record["deploymentCircuitBreaker"]["status"] == statuses[0]
    assert (record.get("alarms") or {}).get("status") == statuses[1]
    if alarms and alarms["enable"]:
        assert in_flight["alarms"] == {"status": "MONITORING", "alarmNames": alarms["alarmNames"],
                                       "triggeredAlarmNames": []}


# During the bake green has all of production: an alarm with rollback returns it to blue,
# without rollback it stays on green (the deployment stops, blue's tasks go).
@pytest.mark.parametrize("strategy, rollback, status, production", [
    ("BLUE_GREEN", True, "ROLLBACK_SUCCESSFUL", BLUE),
    ("CANARY", True, "ROLLBACK_SUCCESSFUL", BLUE),
    ("BLUE_GREEN", False, "STOPPED", GREEN),
    ("LINEAR", False, "STOPPED", GREEN),
])
def test_an_alarm_firing_in_the_bake_fails_the_deployment(strategy: str, rollback: bool,
                                                          status: str, production: str) -> None:
    cluster = deployed(strategy, alarms={**ALARMS, "rollback": rollback},
                       linearConfiguration={"stepPercent": 50.0, "stepBakeTimeInMinutes": 0},
                       canaryConfiguration={"canaryPercent": 50.0,
                                            "canaryBakeTimeInMinutes": 0})
    for _ in range(12):
        cluster.run(GREEN)
        if cluster.record()["lifecycleStage"] == "BAKE_TIME":
            break
    assert cluster.record()["lifecycleStage"] == "BAKE_TIME"
    cluster.firing = ("Latency", "SomeoneElses")
    cluster.run(GREEN, passes=3)
    record = cluster.record()
    assert record["status"] == status
    assert record["alarms"] == {"status": "TRIGGERED", "alarmNames": ["HighErrors", "Latency"],
                                "triggeredAlarmNames": ["Latency"]}
    assert record["statusReason"] == "alarms triggered: Latency"
    assert cluster.wanted.production == (production,)
    assert min(cluster.serving()) >= 4
    if rollback:
        assert record["rollback"]["reason"] == "alarms triggered: Latency"


def test_an_alarm_not_named_or_disabled_changes_nothing() -> None:
    cluster = deployed("BLUE_GREEN", alarms={**ALARMS, "enable": False})
    cluster.firing = ("HighErrors",)
    cluster.run(GREEN, passes=8)
    assert cluster.record()["status"] == "SUCCESSFUL"
    assert cluster.record()["alarms"]["triggeredAlarmNames"] == []


def _in_flight() -> dict:
    return {"serviceDeploymentArn": "web/2", "status": "IN_PROGRESS",
            "targetServiceRevision": {"arn": GREEN}, "sourceServiceRevisions": [{"arn": BLUE}],
            "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 2,
                                         "threshold": 3, "failedTasks": 2, "healthyCount": 0}}


# Two failures counted, one more now, and a green task turned ready meanwhile.
@pytest.mark.parametrize("reset_on_healthy_task, counted, failure", [
    (None, 1, None), (True, 1, None), (False, 3, "circuit breaker triggered")])
def test_a_task_turning_healthy_resets_the_count(reset_on_healthy_task: bool | None,
                                                 counted: int, failure: str | None) -> None:
    breaker = {**BREAKER} if reset_on_healthy_task is None \
        else {**BREAKER, "resetOnHealthyTask": reset_on_healthy_task}
    verdict = watch(_in_flight(), {"deploymentCircuitBreaker": breaker}, 4,
                    ready={GREEN: 1, BLUE: 4}, failed={GREEN: 3}, firing=())
    assert verdict.record["deploymentCircuitBreaker"]["failureCount"] == counted
    assert verdict.record["deploymentCircuitBreaker"]["failedTasks"] == 3
    assert (verdict.failure or "").startswith(failure or "")
    assert bool(verdict.failure) == bool(failure)


def _latest(status: str, **guards: str) -> list[dict]:
    return [{"serviceDeploymentArn": "web/2", "status": status,
             **{key: {"status": value} for key, value in guards.items()}}]


@pytest.mark.parametrize("before, after, expected", [
    (_latest("IN_PROGRESS", deploymentCircuitBreaker="MONITORING"),
     _latest("ROLLBACK_SUCCESSFUL", deploymentCircuitBreaker="TRIGGERED"), (True, True)),
    (_latest("IN_PROGRESS", alarms="MONITORING"),
     _latest("STOPPED", alarms="TRIGGERED"), (True, False)),
    (_latest("IN_PROGRESS", deploymentCircuitBreaker="MONITORING"),  # a user's stop
     _latest("ROLLBACK_SUCCESSFUL", deploymentCircuitBreaker="MONITORING_COMPLETE"),
     (False, False)),
    (_latest("ROLLBACK_IN_PROGRESS", deploymentCircuitBreaker="TRIGGERED"),  # told already
     _latest("ROLLBACK_SUCCESSFUL", deploymentCircuitBreaker="TRIGGERED"), (False, False)),
    ([], _latest("IN_PROGRESS"), (False, False)),
])
def test_the_outcome_of_an_evaluation_is_told_once(before: list[dict], after: list[dict],
                                                   expected: tuple[bool, bool]) -> None:
    assert outcome(before, after) == expected


@pytest.mark.parametrize("rollback", [True, False])
def test_a_failing_first_deployment_stops_with_nothing_to_return_to(rollback: bool) -> None:
    cluster = Cluster(4, config("BLUE_GREEN", deploymentCircuitBreaker={
        "enable": True, "rollback": rollback}))
    cluster.broken = {BLUE}
    cluster.run(BLUE, passes=4)
    record = cluster.record()
    assert (record["status"], record["deploymentCircuitBreaker"]["status"]) == (
        "STOPPED", "TRIGGERED")
    assert record["statusReason"].startswith("circuit breaker triggered")
    assert cluster.wanted.replicas == {BLUE: 4}  # the only revision there is keeps its tasks
    assert len(cluster.records) == 1
