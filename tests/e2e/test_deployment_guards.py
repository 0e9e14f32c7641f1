"""The circuit breaker and deployment alarms on BLUE_GREEN deployments, on the local cluster: a
green revision whose tasks fail is rolled back by the breaker, and an alert firing in a real
Prometheus during the bake rolls green back; production never serves from a green task the
rollback did not leave, and no blue task stops."""

from __future__ import annotations

import pytest

from .cluster import apply, kubectl_json, wait_for
from .conftest import free_port
from .manifests import failing_revision, task_definition
from .prometheus import PrometheusProcess, scraping_operator
from .test_kubectl_ecs import ecs
from .test_deployments import BAKE_TIME_SCALE, REVISION, Sampler, blue_deployed, blue_green, \
    finished, green_baking, pods_of, ready_endpoints, scaled_operator  # noqa: F401 (a fixture)

# An alert of the test's own, fired on cue: registering a TaskDefinition of the family
# `bake-fault` moves the operator's ecs_task_definition_revision gauge for the namespace.
FAULT = "GreenBakeFault"
FAULT_RULE = {"alert": FAULT, "expr": 'ecs_task_definition_revision{family="bake-fault"} > 0'}


@pytest.fixture(scope="module")
def prometheus(scaled_operator, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """Prometheus scraping the operator every second with the test's rule; the operator,
    with short bake times, asking it every second."""
    with scraping_operator(scaled_operator, tmp_path_factory.mktemp("prometheus"), free_port(),
                           ["--bake-time-scale", BAKE_TIME_SCALE, "--prometheus-url",
                            "{prometheus_url}", "--alarm-check-interval", "1"],
                           [FAULT_RULE]) as server:
        yield server


def production_revision(namespace: str) -> str:
    return kubectl_json("get", "service", "web", "-n", namespace)["spec"]["selector"][REVISION]


def test_the_breaker_rolls_back_a_failing_green_before_production_moves(
        scaled_operator, namespace: str) -> None:  # noqa: F811
    blue = blue_deployed(namespace, blue_green(deploymentCircuitBreaker={
        "enable": True, "rollback": True}))

    sampler = Sampler(namespace)
    sampler.start()
    apply(failing_revision(), namespace)
    rolled = wait_for("the breaker's rollback", finished(namespace, "web:2",
                                                         "ROLLBACK_SUCCESSFUL"), timeout=120)
    wait_for("green gone", lambda: not pods_of(namespace, "web-2"), timeout=60)
    samples = sampler.stop()

    assert rolled["rollback"]["serviceRevisionArn"] == "web:1"
    assert rolled["rollback"]["reason"].startswith("circuit breaker triggered: ")
    assert rolled["rollback"]["reason"].endswith("tasks of web:2 failed (threshold 3)")
    breaker = rolled["deploymentCircuitBreaker"]
    assert (breaker["status"], breaker["threshold"]) == ("TRIGGERED", 3)
    assert breaker["failureCount"] >= 3
    assert rolled["lifecycleStage"] in ("SCALE_UP", "POST_SCALE_UP"), "production never moved"
    assert len(samples) > 10
    assert all(selected == "1" for _, selected in samples), "production left blue"
    assert all(len(ready) == 3 and all(n.startswith("web-1-") for n in ready)
               for ready, _ in samples), "production lost a blue task or served a green one"
    assert pods_of(namespace, "web-1") == blue, "a blue task was stopped"
    # Steady, on blue: waiting for the service fails, as it does after ROLLING's rollback.
    waited = ecs("update-service", "-n", namespace, "--service", "web", "--desired-count",
                 "3", "--wait", "--timeout", "60", check=False)
    assert waited.returncode == 2, waited.stderr
    assert "deployment web/2 ROLLBACK_SUCCESSFUL: circuit breaker triggered" in waited.stderr
    wait_for("a Warning event saying why", lambda: any(
        e["type"] == "Warning" and e["reason"] == "ServiceDeploymentFailed"
        and "circuit breaker triggered" in e["message"]
        for e in kubectl_json("get", "events", "-n", namespace,
                              "--field-selector", "involvedObject.name=web")["items"]),
             timeout=30)
    unsupported = kubectl_json("get", "ecsservice", "web", "-n", namespace)["status"].get(
        "unsupportedFields") or []
    assert not any("deploymentCircuitBreaker" in field for field in unsupported)


def test_an_alert_firing_in_the_bake_rolls_green_back(prometheus: PrometheusProcess,
                                                      namespace: str) -> None:
    blue = blue_deployed(namespace, blue_green(bake=20, alarms={
        "alarmNames": [FAULT], "enable": True, "rollback": True}))
    baking = green_baking(namespace)
    assert baking["alarms"] == {"status": "MONITORING", "alarmNames": [FAULT],
                                "triggeredAlarmNames": []}
    assert production_revision(namespace) == "2"
    apply(task_definition(name="bake-fault"), namespace)  # the fault starts
    rolled = wait_for("the alarm's rollback", finished(namespace, "web:2",
                                                       "ROLLBACK_SUCCESSFUL"), timeout=60)

    assert rolled["alarms"] == {"status": "TRIGGERED", "alarmNames": [FAULT],
                                "triggeredAlarmNames": [FAULT]}
    assert rolled["rollback"] == {**rolled["rollback"], "reason": f"alarms triggered: {FAULT}",
                                  "serviceRevisionArn": "web:1"}
    assert rolled["lifecycleStage"] == "BAKE_TIME"
    assert production_revision(namespace) == "1"
    wait_for("3 blue endpoints again", ready_endpoints(namespace, "web", "web-1-", 3),
             timeout=60)
    wait_for("green gone", lambda: not pods_of(namespace, "web-2"), timeout=60)
    assert pods_of(namespace, "web-1") == blue, "a blue task was stopped"
    assert any(a["labels"].get("alertname") == FAULT and a["state"] == "firing"
               and a["labels"].get("namespace") == namespace for a in prometheus.alerts())
