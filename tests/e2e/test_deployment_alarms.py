"""Deployment alarms against a real Prometheus: the chart's own alerting rule on the operator's
metrics fires while a bad revision's tasks fail, and the rolling deployment fails and rolls
back as ECS's alarm-based rollback does; an unreachable Prometheus is said so."""

from __future__ import annotations

from datetime import datetime

import pytest

from .cluster import apply, kubectl_json, wait_for
from .conftest import free_port
from .manifests import failing_revision, service, task_definition
from .prometheus import PrometheusProcess, scraping_operator
from .test_circuit_breaker import deployment_for
from .test_services import HealthySampler, condition, esvc, steady, task_counts

# In the chart's rules (charts/ecs-operator/alerts): more than 3 failed tasks in 15 minutes.
ALARM = "ECSTasksCrashLooping"


@pytest.fixture(scope="module")
def prometheus(operator, tmp_path_factory: pytest.TempPathFactory):
    """Prometheus scraping the operator every second, and the operator asking it every
    second; the session's operator is restarted with the flags, and without them after."""
    with scraping_operator(operator, tmp_path_factory.mktemp("prometheus"), free_port(),
                           ["--prometheus-url", "{prometheus_url}", "--alarm-check-interval",
                            "1"]) as server:
        yield server


def alarmed_service(rollback: bool = True) -> dict:
    # One new task at a time (maximumPercent 150 of 2), no circuit breaker: only the alarm can
    # fail the deployment.
    return service(desired=2, deploymentConfiguration={
        "minimumHealthyPercent": 100, "maximumPercent": 150,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": rollback}})


def test_a_firing_alarm_fails_the_rolling_deployment_and_rolls_back(
        prometheus: PrometheusProcess, namespace: str) -> None:
    apply([task_definition(), alarmed_service()], namespace)
    first = wait_for("web:1 steady after its bake time",
                     steady(namespace, task_definition_ref="web:1"), timeout=90)["status"]
    baked = deployment_for(first, "web:1")
    assert baked["alarms"]["status"] == "MONITORING_COMPLETE"
    assert baked["alarms"]["bakeEndsAt"] <= condition(
        {"status": first}, "SteadyState")["lastTransitionTime"]
    assert condition({"status": first}, "AlarmsChecked")["status"] == "True"

    with HealthySampler(namespace) as sampler:
        apply(failing_revision(), namespace)
        try:
            rolled_back = wait_for("the alarm's rollback to web:1", lambda: (
                s if (s := steady(namespace, task_definition_ref="web:1")())
                and s["status"].get("rollback") else None), timeout=150)
        except AssertionError as timeout:
            raise AssertionError(f"{timeout}\nservice status: {esvc(namespace).get('status')}")
    status = rolled_back["status"]

    failed = deployment_for(status, "web:2")
    assert failed["rolloutState"] == "FAILED"
    assert failed["rolloutStateReason"] == f"ECS deployment failed: alarms triggered: {ALARM}."
    assert failed["alarms"]["status"] == "TRIGGERED"
    assert failed["alarms"]["triggeredAlarmNames"] == [ALARM]
    assert failed["circuitBreaker"]["status"] == "DISABLED"
    assert failed["failedTasks"] >= 4, "the rule fires above 3 failed tasks"
    assert status["rollback"]["from"] == "web:2" and status["rollback"]["to"] == "web:1"
    assert task_counts(namespace) == (2, 2)
    assert min(ready for ready, _ in sampler.samples) >= 2
    messages = [e["message"] for e in status["events"]]
    assert any(f"deployment failed: ECS deployment failed: alarms triggered: {ALARM}" in m
               for m in messages)
    assert any("rolling back to deployment" in m for m in messages)
    # The alert really fired in Prometheus, for this service.
    fired = [a for a in prometheus.alerts() if a["labels"].get("alertname") == ALARM
             and a["state"] == "firing" and a["labels"].get("namespace") == namespace]
    assert fired
    active_at = datetime.fromisoformat(fired[0]["activeAt"].replace("Z", "+00:00"))
    failed_event = next(e for e in status["events"] if "deployment failed" in e["message"])
    failed_at = datetime.fromisoformat(failed_event["createdAt"].replace("Z", "+00:00"))
    print(f"{ALARM} active at {active_at:%H:%M:%S.%f}, web:2 failed at {failed_at:%H:%M:%S} "
          f"(event times are whole seconds): {(failed_at - active_at).total_seconds():+.1f} s; "
          f"{failed['failedTasks']} failed tasks")


def test_an_unreachable_prometheus_is_reported_not_taken_as_healthy(
        prometheus: PrometheusProcess, namespace: str) -> None:
    prometheus.stop()
    try:
        apply([task_definition(), alarmed_service()], namespace)
        service_now = wait_for("AlarmsChecked to turn False", lambda: (
            s if condition(s := esvc(namespace), "AlarmsChecked").get("status") == "False"
            else None), timeout=60)
        checked = condition(service_now, "AlarmsChecked")
        assert checked["reason"] == "AlarmsUnchecked"
        assert f"{ALARM} cannot be checked: Prometheus at {prometheus.url} did not answer" \
            in checked["message"]
        events = kubectl_json("get", "events", "-n", namespace,
                              "--field-selector", "involvedObject.name=web")["items"]
        assert any(e["reason"] == "AlarmsUnchecked" and e["type"] == "Warning" for e in events)
    finally:
        prometheus.start()
