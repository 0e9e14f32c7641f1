"""healthCheckGracePeriodSeconds: failing health checks inside the grace period neither
restart a task nor count for the circuit breaker; a passing check still makes it healthy."""

from __future__ import annotations

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.service_objects import service_objects


def _task_definition(start_period: int | None = None) -> TaskDefinitionSpec:
    check = {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 10,
             "timeout": 5, "retries": 3}
    if start_period is not None:
        check["startPeriod"] = start_period
    return TaskDefinitionSpec.model_validate({"containerDefinitions": [
        {"name": "app", "image": "nginx", "healthCheck": check},
        {"name": "log", "image": "fluent-bit", "essential": False}]})


def _containers(grace: int | None, start_period: int | None = None) -> dict[str, dict]:
    model = _task_definition(start_period)
    spec = {"taskDefinition": "web", "desiredCount": 2}
    if grace is not None:
        spec["healthCheckGracePeriodSeconds"] = grace
    result = service_objects(name="web", namespace="shop", uid="u-1", spec=spec, family="web",
                             revision=1, task_definition=model, pod=pod_spec(model))
    deployment = next(o for o in result.objects if o["kind"] == "Deployment")
    assert "healthCheckGracePeriodSeconds" not in result.unsupported
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


@pytest.mark.parametrize("grace,start_period,startup_failures", [
    (None, None, None),   # no grace, no start period: no startup probe
    (0, None, None),
    (60, None, 9),        # ceil(60 / 10) + 3 retries
    (65, None, 10),       # a grace not a multiple of the interval is rounded up
    (60, 120, 15),        # the start period is longer: ceil(120 / 10) + 3 holds
    (300, 30, 33),        # the grace is longer
], ids=["none", "zero", "grace-60", "grace-65", "start-period-longer", "grace-longer"])
def test_the_startup_probe_outlasts_the_grace_period(grace, start_period,
                                                     startup_failures) -> None:
    app = _containers(grace, start_period)["app"]
    if startup_failures is None:
        assert "startupProbe" not in app
        return
    startup = app["startupProbe"]
    assert startup["failureThreshold"] == startup_failures
    assert startup["periodSeconds"] * startup["failureThreshold"] >= (grace or 0)
    # Same check as the liveness probe, which only starts once this one passed.
    assert startup["exec"] == app["livenessProbe"]["exec"]
    assert app["livenessProbe"]["failureThreshold"] == 3


def test_a_container_without_a_health_check_gets_no_probe() -> None:
    log = _containers(120)["log"]
    assert not {"startupProbe", "livenessProbe", "readinessProbe"} & set(log)
