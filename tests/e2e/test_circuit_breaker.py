"""ECS's deployment circuit breaker on a real control plane: a revision whose tasks fail is
marked FAILED after exactly the ECS threshold of failed tasks, and the service rolls back."""

from __future__ import annotations

import pytest

from .cluster import apply, kubectl_json, wait_for
from .manifests import failing_revision, service, task_definition
from .test_services import HealthySampler, esvc, steady, task_counts


def breaker_service(desired: int, maximum_percent: int, enable: bool) -> dict:
    # maximumPercent is chosen so that one new task starts at a time: failures then arrive one
    # by one and the breaker's count at the trip is exact, whatever the machine's speed.
    return service(desired=desired, deploymentConfiguration={
        "minimumHealthyPercent": 100, "maximumPercent": maximum_percent,
        "deploymentCircuitBreaker": {"enable": enable, "rollback": enable}})


def deployment_for(status: dict, task_definition_ref: str) -> dict | None:
    return next((d for d in status.get("deployments", [])
                 if d["taskDefinition"] == task_definition_ref), None)


@pytest.mark.parametrize("desired,maximum_percent,threshold", [
    (1, 200, 3), (4, 125, 3), (10, 110, 5),
], ids=["1-task", "4-tasks", "10-tasks"])
def test_breaker_fails_the_deployment_at_the_threshold_and_rolls_back(
        operator, namespace: str, desired: int, maximum_percent: int, threshold: int) -> None:
    apply([task_definition(), breaker_service(desired, maximum_percent, enable=True)], namespace)
    wait_for("web:1 steady", steady(namespace, task_definition_ref="web:1"), timeout=90)

    with HealthySampler(namespace) as sampler:
        apply(failing_revision(), namespace)
        try:
            rolled_back = wait_for("the rollback to web:1", lambda: (
                s if (s := steady(namespace, task_definition_ref="web:1")())
                and s["status"].get("rollback") else None), timeout=120)
        except AssertionError as timeout:
            raise AssertionError(f"{timeout}\nservice status: {esvc(namespace).get('status')}")
    status = rolled_back["status"]

    failed = deployment_for(status, "web:2")
    assert failed is not None, status["deployments"]
    assert failed["rolloutState"] == "FAILED"
    assert "circuit breaker" in failed["rolloutStateReason"]
    assert failed["failedTasks"] == threshold
    assert failed["circuitBreaker"] == {"status": "TRIGGERED", "failureCount": threshold,
                                        "threshold": threshold}
    assert status["rollback"]["from"] == "web:2" and status["rollback"]["to"] == "web:1"
    primary = status["deployments"][0]
    assert (primary["status"], primary["taskDefinition"], primary["rolloutState"]) == (
        "PRIMARY", "web:1", "COMPLETED")
    assert task_counts(namespace) == (desired, desired)
    assert min(ready for ready, _ in sampler.samples) >= desired
    messages = [e["message"] for e in status["events"]]
    assert any("deployment failed: ECS deployment circuit breaker" in m for m in messages)
    assert any("rolling back to deployment" in m for m in messages)
    # The service deployments (ListServiceDeployments) tell the same story.
    records = status["serviceDeployments"]
    assert [(r["status"], r["targetServiceRevision"]["arn"]) for r in records] == [
        ("ROLLBACK_SUCCESSFUL", "web:2"), ("SUCCESSFUL", "web:1")], records
    assert records[0]["rollback"]["serviceRevisionArn"] == "web:1"
    assert "circuit breaker" in records[0]["statusReason"]
    assert records[0]["deploymentCircuitBreaker"]["status"] == "TRIGGERED"


def test_without_the_breaker_a_failing_rollout_keeps_trying(operator, namespace: str) -> None:
    apply([task_definition(), breaker_service(4, 125, enable=False)], namespace)
    wait_for("web:1 steady", steady(namespace, task_definition_ref="web:1"))

    with HealthySampler(namespace) as sampler:
        apply(failing_revision(), namespace)
        status = wait_for("more failures than a breaker would allow", lambda: (
            s if (d := deployment_for(s := esvc(namespace)["status"], "web:2"))
            and d["failedTasks"] >= 5 else None), timeout=90)

    failing = deployment_for(status, "web:2")
    assert (failing["status"], failing["rolloutState"]) == ("PRIMARY", "IN_PROGRESS")
    assert failing["circuitBreaker"]["status"] == "DISABLED"
    serving = deployment_for(status, "web:1")
    assert (serving["status"], serving["runningCount"]) == ("ACTIVE", 4)
    assert "rollback" not in status
    assert [(r["status"], r["targetServiceRevision"]["arn"])
            for r in status["serviceDeployments"]] == [("IN_PROGRESS", "web:2"),
                                                       ("SUCCESSFUL", "web:1")]
    assert min(ready for ready, _ in sampler.samples) >= 4
    pods = kubectl_json("get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")
    assert any(p["status"].get("phase") == "Failed" for p in pods["items"])
