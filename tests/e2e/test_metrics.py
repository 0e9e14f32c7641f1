"""/metrics agrees with what kubectl shows, through a rollout, a circuit-breaker failure and
stopped tasks."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from .cluster import apply, kubectl_json, wait_for
from .manifests import failing_revision, service, task_definition
from .test_services import steady
from .test_tasks import batch_definition, container, task, until_status


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_service_metrics_follow_status_through_a_failed_rollout(operator, namespace: str) -> None:
    apply([task_definition(), service(desired=2, deploymentConfiguration={
        "minimumHealthyPercent": 100, "maximumPercent": 150,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True}})], namespace)
    status = wait_for("web:1 steady", steady(namespace, task_definition_ref="web:1"))["status"]
    key = {"namespace": namespace, "service": "web"}

    def agree() -> dict | None:
        samples = scrape(operator.metrics_url)
        current = kubectl_json("get", "esvc", "web", "-n", namespace)["status"]
        figures = {"ecs_service_desired_tasks": current["desiredCount"],
                   "ecs_service_running_tasks": current["runningCount"],
                   "ecs_service_pending_tasks": current["pendingCount"],
                   "ecs_service_failed_tasks": sum(d["failedTasks"]
                                                   for d in current["deployments"])}
        same = all(value(samples, name, **key) == wanted for name, wanted in figures.items())
        return samples if same else None

    samples = wait_for("metrics to agree with the steady service", agree)
    assert value(samples, "ecs_service_running_tasks", **key) == status["runningCount"] == 2
    assert value(samples, "ecs_service_deployments", **key, state="COMPLETED") == 1
    assert value(samples, "ecs_task_definition_revision", namespace=namespace,
                 family="web") == 1

    apply(failing_revision(), namespace)
    wait_for("the rollback", lambda: (s if (s := steady(namespace, task_definition_ref="web:1")())
                                      and s["status"].get("rollback") else None), timeout=120)
    samples = wait_for("metrics to agree after the rollback", agree)
    assert value(samples, "ecs_service_rollbacks_total", **key) == 1
    assert value(samples, "ecs_service_deployments", **key, state="FAILED") == 1
    assert value(samples, "ecs_service_failed_tasks", **key) == 3
    assert value(samples, "ecs_task_definition_revision", namespace=namespace,
                 family="web") == 2
    assert value(samples, "controller_runtime_reconcile_total", controller="ecsservice",
                 result="success") >= 1


def test_task_metrics_count_states_and_stop_codes(operator, namespace: str) -> None:
    before = scrape(operator.metrics_url)
    stops_before = value(before, "ecs_task_stops_total", namespace=namespace,
                         stop_code="EssentialContainerExited") or 0
    apply([batch_definition("job", [container("app", dockerLabels={"sim-exit-code": "0"})]),
           batch_definition("svc", [container("app")]),
           task("done-1", "job"), task("done-2", "job"), task("busy", "svc")], namespace)
    for name in ("done-1", "done-2"):
        wait_for(f"{name} to stop", until_status(namespace, name, "STOPPED"))
    wait_for("busy to run", until_status(namespace, "busy", "RUNNING"))

    samples = scrape(operator.metrics_url)
    tasks = kubectl_json("get", "etask", "-n", namespace)["items"]
    stopped = sum(t["status"]["lastStatus"] == "STOPPED" for t in tasks)
    assert value(samples, "ecs_tasks", namespace=namespace, state="STOPPED",
                 health="UNKNOWN") == stopped == 2
    assert value(samples, "ecs_tasks", namespace=namespace, state="RUNNING",
                 health="UNKNOWN") == 1
    assert value(samples, "ecs_task_stops_total", namespace=namespace,
                 stop_code="EssentialContainerExited") - stops_before == 2
