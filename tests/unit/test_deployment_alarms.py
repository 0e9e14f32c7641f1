"""Deployment alarms: which Prometheus alerts count for a service, the bake time, and what a
firing alert does to a rolling deployment (FAILED, rollback), with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.deployment_alarms import NOT_CONFIGURED, AlarmConfig, \
    AlarmReading, alert_counts_for, bake_seconds, firing_alarms, seconds_until_next_check
from ecs_operator.translate.service_status import Observed, deployment_id, service_status

from .test_service_status import pod, replica_set

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
NAMES = ("TasksFailing", "High5xx")


def alert(name: str, state: str = "firing", **labels: str) -> dict:
    return {"labels": {"alertname": name, **labels}, "state": state}


@pytest.mark.parametrize("found,counts", [
    (alert("TasksFailing", namespace="shop", service="web"), True),
    (alert("TasksFailing"), True),  # no service labels: a cluster-wide alert
    (alert("TasksFailing", namespace="shop"), True),
    (alert("TasksFailing", namespace="shop", service="cart"), False),
    (alert("TasksFailing", namespace="other", service="web"), False),
    (alert("TasksFailing", state="pending", namespace="shop", service="web"), False),
    (alert("DiskFull", namespace="shop", service="web"), False),
    # Scraped through a ServiceMonitor, the metric's own labels are renamed exported_*.
    (alert("TasksFailing", namespace="monitoring", service="ecs-operator",
           exported_namespace="shop", exported_service="web"), True),
    (alert("TasksFailing", namespace="shop", service="web", exported_service="cart"), False),
], ids=["labelled", "unlabelled", "namespace-only", "other-service", "other-namespace",
        "pending", "not-named", "exported-labels", "exported-other"])
def test_which_alerts_count_for_a_service(found, counts) -> None:
    assert alert_counts_for(found, NAMES, "shop", "web") is counts


def test_firing_alarms_are_named_once_sorted() -> None:
    alerts = [alert("TasksFailing", namespace="shop", service="web", pod="a"),
              alert("TasksFailing", namespace="shop", service="web", pod="b"),
              alert("High5xx"), alert("TasksFailing", namespace="shop", service="cart")]
    assert firing_alarms(alerts, NAMES, "shop", "web") == ("High5xx", "TasksFailing")


def group(interval: float, *rules: dict) -> dict:
    return {"name": "g", "interval": interval, "rules": list(rules)}


def rule(name: str, duration: float, kind: str = "alerting") -> dict:
    return {"name": name, "duration": duration, "type": kind}


@pytest.mark.parametrize("groups,expected", [
    ([group(30, rule("TasksFailing", 60))], (120.0, ("High5xx",))),
    ([group(30, rule("TasksFailing", 60)), group(15, rule("High5xx", 300))], (330.0, ())),
    ([group(1, rule("TasksFailing", 0))], (2.0, ("High5xx",))),
    ([group(30, rule("TasksFailing", 60, kind="recording"))],
     (60.0, ("High5xx", "TasksFailing"))),
    ([], (60.0, ("High5xx", "TasksFailing"))),
], ids=["for-plus-two-intervals", "longest-wins", "fast-rule", "recording-rules-ignored",
        "no-rules-default"])
def test_bake_time_follows_the_alerting_rules(groups, expected) -> None:
    assert bake_seconds(groups, NAMES) == expected


DEP = {"metadata": {"uid": "dep", "annotations": {"deployment.kubernetes.io/revision": "2"}},
       "spec": {"template": {"metadata": {"annotations": {
           "ecs.operator.dev/task-definition": "web:2"}}}}}


def spec(enable: bool = True, rollback: bool = True, **config: object) -> dict:
    return {"taskDefinition": "web", "desiredCount": 2, "deploymentConfiguration": {
        "minimumHealthyPercent": 100, "maximumPercent": 150,
        "alarms": {"alarmNames": ["TasksFailing"], "enable": enable, "rollback": rollback},
        **config}}


def rolling(new_ready: int, old_left: int) -> Observed:
    old = replica_set("rs-1", "1", "aaa", old_left, "web:1")
    new = replica_set("rs-2", "2", "bbb", 2, "web:2")
    pods = [pod(f"old-{i}", "aaa") for i in range(old_left)] + \
        [pod(f"new-{i}", "bbb", ready=i < new_ready) for i in range(2)]
    return Observed(DEP, [old, new], pods)


PREVIOUS = {"taskDefinition": "web:1", "deployments": [
    {"id": deployment_id("rs-1"), "taskDefinition": "web:1", "rolloutState": "COMPLETED"}]}


def run(the_spec: dict, steps: list[tuple[int, Observed, AlarmReading | None]],
        previous: dict | None = None) -> list:
    """(seconds after T0, what runs, what Prometheus says) -> each status result."""
    previous = previous or PREVIOUS
    results = []
    for seconds, observed, alarms in steps:
        result = service_status(name="web", generation=2, spec=the_spec, previous=previous,
                                observed=observed, task_definition="web:2", problem=None,
                                unsupported=[], now=T0 + timedelta(seconds=seconds),
                                alarms=alarms)
        previous = result.status
        results.append(result)
    return results


QUIET = AlarmReading(bake_seconds=30)
FIRING = AlarmReading(firing=("TasksFailing",), bake_seconds=30)


def primary(result) -> dict:
    return result.status["deployments"][0]


def test_the_deployment_bakes_then_completes() -> None:
    results = run(spec(), [(0, rolling(1, 2), QUIET), (5, rolling(2, 0), QUIET),
                           (20, rolling(2, 0), QUIET), (35, rolling(2, 0), QUIET)])
    states = [(primary(r)["rolloutState"], primary(r)["alarms"]["status"]) for r in results]
    assert states == [("IN_PROGRESS", "MONITORING"), ("IN_PROGRESS", "MONITORING"),
                      ("IN_PROGRESS", "MONITORING"), ("COMPLETED", "MONITORING_COMPLETE")]
    baking = primary(results[1])
    assert baking["alarms"]["bakeEndsAt"] == "2026-11-25T12:00:35Z"
    assert baking["rolloutStateReason"] == ("ECS deployment baking: watching alarms "
                                            "TasksFailing until 2026-11-25T12:00:35Z.")
    assert results[1].status["conditions"][3]["type"] == "SteadyState"
    assert results[1].status["conditions"][3]["status"] == "False", "not steady while baking"
    assert [e.reason for e in results[3].events] == ["DeploymentCompleted", "SteadyState"]


@pytest.mark.parametrize("firing_at,old_left", [(0, 2), (20, 0)],
                         ids=["during-rollout", "during-bake"])
def test_a_firing_alarm_fails_the_deployment_and_rolls_back(firing_at, old_left) -> None:
    steps = [(0, rolling(1, 2), QUIET), (5, rolling(2, 0), QUIET)] if firing_at else []
    steps.append((firing_at + 1, rolling(2 if old_left == 0 else 1, old_left), FIRING))
    failed = run(spec(), steps)[-1]
    deployment = primary(failed)
    assert deployment["rolloutState"] == "FAILED"
    assert deployment["rolloutStateReason"] == \
        "ECS deployment failed: alarms triggered: TasksFailing."
    assert deployment["alarms"]["status"] == "TRIGGERED"
    assert deployment["alarms"]["triggeredAlarmNames"] == ["TasksFailing"]
    assert deployment["circuitBreaker"]["status"] == "DISABLED"
    assert failed.status["rollback"] == {"from": "web:2", "to": "web:1",
                                         "failedDeploymentId": deployment_id("rs-2"),
                                         "deploymentId": deployment_id("rs-1")}
    assert [e.reason for e in failed.events if e.reason != "TasksStarted"] == \
        ["DeploymentFailed", "RollingBack"]


def test_without_rollback_the_deployment_fails_and_stays() -> None:
    failed = run(spec(rollback=False), [(0, rolling(1, 2), FIRING)])[-1]
    assert primary(failed)["rolloutState"] == "FAILED"
    assert "rollback" not in failed.status


def test_disabled_alarms_are_shown_and_do_nothing() -> None:
    results = run(spec(enable=False), [(0, rolling(1, 2), None), (5, rolling(2, 0), None)])
    assert primary(results[-1])["rolloutState"] == "COMPLETED"
    assert primary(results[-1])["alarms"] == {"status": "DISABLED",
                                              "alarmNames": ["TasksFailing"],
                                              "triggeredAlarmNames": []}
    assert not any(c["type"] == "AlarmsChecked" for c in results[-1].status["conditions"])


def test_the_deployment_rolled_back_to_is_not_failed_by_the_same_alarm() -> None:
    failed = run(spec(), [(0, rolling(1, 2), FIRING)])[-1].status
    back = {**DEP, "spec": {"template": {"metadata": {"annotations": {
        "ecs.operator.dev/task-definition": "web:1"}}}}}
    old = replica_set("rs-1", "3", "aaa", 2, "web:1")
    new = replica_set("rs-2", "2", "bbb", 0, "web:2")
    result = service_status(
        name="web", generation=2, spec=spec(), previous=failed,
        observed=Observed(back, [old, new], [pod(f"old-{i}", "aaa") for i in range(2)]),
        task_definition="web:1", problem=None, unsupported=[], now=T0 + timedelta(seconds=9),
        alarms=FIRING)
    assert primary(result)["taskDefinition"] == "web:1"
    assert primary(result)["rolloutState"] == "COMPLETED"
    assert result.status["rollback"] == failed["rollback"]


@pytest.mark.parametrize("alarms,reason", [
    (None, "AlarmsUnchecked"),
    (AlarmReading(error="Prometheus at http://p:9090 did not answer: refused"),
     "AlarmsUnchecked"),
    (AlarmReading(unknown=("TasksFailing",)), "UnknownAlarms"),
], ids=["no-prometheus", "unreachable", "no-such-rule"])
def test_alarms_that_cannot_be_checked_are_said_so(alarms, reason) -> None:
    results = run(spec(), [(0, rolling(1, 2), alarms), (5, rolling(1, 2), alarms)])
    checked = next(c for c in results[0].status["conditions"] if c["type"] == "AlarmsChecked")
    assert (checked["status"], checked["reason"]) == ("False", reason)
    if alarms is None:
        assert NOT_CONFIGURED in checked["message"]
    warnings = [e for e in results[0].events if e.reason == reason]
    assert len(warnings) == 1 and warnings[0].warning
    assert not any(e.reason == reason for e in results[1].events), "told once"
    assert primary(results[1])["rolloutState"] == "IN_PROGRESS"


def test_alarms_checked_is_true_when_prometheus_answers() -> None:
    result = run(spec(), [(0, rolling(1, 2), QUIET)])[0]
    checked = next(c for c in result.status["conditions"] if c["type"] == "AlarmsChecked")
    assert (checked["status"], checked["reason"]) == ("True", "AlarmsChecked")


def test_bake_time_in_minutes_from_the_spec_wins() -> None:
    results = run(spec(bakeTimeInMinutes=2), [(0, rolling(2, 0), QUIET)])
    assert primary(results[0])["alarms"]["bakeEndsAt"] == "2026-11-25T12:02:00Z"


@pytest.mark.parametrize("status,enabled,expected", [
    ({"rolloutState": "IN_PROGRESS", "deployments": [{}]}, True, 10.0),
    ({"rolloutState": "IN_PROGRESS", "deployments": [
        {"alarms": {"bakeEndsAt": "2026-11-25T12:00:03Z"}}]}, True, 3.5),
    ({"rolloutState": "IN_PROGRESS", "deployments": [
        {"alarms": {"bakeEndsAt": "2026-11-25T11:00:00Z"}}]}, True, 0.5),
    ({"rolloutState": "COMPLETED", "deployments": [{}]}, True, None),
    ({"rolloutState": "IN_PROGRESS", "deployments": [{}]}, False, None),
], ids=["in-progress", "bake-ends-sooner", "bake-over", "completed", "disabled"])
def test_when_the_alarms_are_asked_again(status, enabled, expected) -> None:
    assert seconds_until_next_check(status, spec(enable=enabled), 10.0, T0) == expected


def test_alarm_config_reads_ecs_fields() -> None:
    from ecs_operator.translate.deployment_alarms import alarm_config
    assert alarm_config(spec()) == AlarmConfig(True, True, ("TasksFailing",))
    assert alarm_config({}) == AlarmConfig(False, False, ())
