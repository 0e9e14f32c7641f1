"""healthCheckGracePeriodSeconds on a real API server: accepted, honoured (no longer reported
as unsupported), and in the pods as a startup probe that outlasts the grace period."""

from __future__ import annotations

from .cluster import apply, kubectl_json, wait_for
from .manifests import service, task_definition
from .test_services import condition, steady


def test_the_grace_period_becomes_a_startup_probe(operator, namespace: str) -> None:
    apply([task_definition(), service(desired=2, healthCheckGracePeriodSeconds=120)], namespace)
    status = wait_for("web steady", steady(namespace, task_definition_ref="web:1"))
    assert "healthCheckGracePeriodSeconds" not in status["status"]["unsupportedFields"]
    assert condition(status, "Supported")["status"] == "True"
    pod = kubectl_json("get", "pods", "-n", namespace,
                       "-l", "ecs.operator.dev/service=web")["items"][0]
    # app gates proxy (dependsOn HEALTHY), so it runs as a sidecar init container.
    app = next(c for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]
               if c["name"] == "app")
    # The health check runs every 10 s with 3 retries: ceil(120 / 10) + 3 failures tolerated.
    assert app["startupProbe"]["failureThreshold"] == 15
    assert app["startupProbe"]["periodSeconds"] == 10
    assert app["livenessProbe"]["failureThreshold"] == 3
