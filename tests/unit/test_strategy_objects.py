"""What a BLUE_GREEN / CANARY / LINEAR service becomes for a given plan."""

from __future__ import annotations

import pytest

from ecs_operator.handlers.service_deployments import requests
from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.service import pod_template
from ecs_operator.translate.service_deployment import Requests, Wanted
from ecs_operator.translate.service_objects import service_objects
from ecs_operator.translate.strategy_objects import strategy_objects

TASK_DEFINITION = TaskDefinitionSpec.model_validate({"containerDefinitions": [
    {"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80, "name": "http"}]}]})
SPEC = {"taskDefinition": "web", "desiredCount": 2,
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1},
        "loadBalancers": [{"containerName": "app", "containerPort": 80}]}


def _objects(plan: Wanted) -> dict[tuple[str, str], dict]:
    rolling = service_objects(name="web", namespace="shop", uid="u-1", spec=SPEC, family="web",
                              revision=2, task_definition=TASK_DEFINITION,
                              pod=pod_spec(TASK_DEFINITION))
    templates = {f"web:{n}": pod_template(name="web", family="web", revision=n,
                                          pod=pod_spec(TASK_DEFINITION)) for n in (1, 2)}
    made = strategy_objects(rolling, service="web", plan=plan, templates=templates)
    return {(o["kind"], o["metadata"]["name"]): o for o in made.objects}


REV = "ecs.operator.dev/revision"


@pytest.mark.parametrize("plan, deployments, production, test", [
    (Wanted({"web:1": 2, "web:2": 2}, ("web:1",), None), {"web-1": 2, "web-2": 2}, "1", None),
    (Wanted({"web:1": 2, "web:2": 2}, ("web:1",), "web:2"), {"web-1": 2, "web-2": 2}, "1", "2"),
    (Wanted({"web:1": 2, "web:2": 2}, ("web:2",), "web:2"), {"web-1": 2, "web-2": 2}, "2", "2"),
    (Wanted({"web:1": 1, "web:2": 1}, ("web:1", "web:2"), "web:2"), {"web-1": 1, "web-2": 1},
     None, "2"),
    (Wanted({"web:2": 2}, ("web:2",)), {"web-2": 2}, "2", None),
])
def test_each_revision_has_its_deployment_and_services_select_the_plan(
        plan: Wanted, deployments: dict, production: str | None, test: str | None) -> None:
    objects = _objects(plan)
    made = {name: o["spec"]["replicas"] for (kind, name), o in objects.items()
            if kind == "Deployment"}
    assert made == deployments
    for name in deployments:
        dep = objects[("Deployment", name)]
        revision = name.rsplit("-", 1)[1]
        assert dep["spec"]["selector"]["matchLabels"][REV] == revision
        assert dep["spec"]["template"]["metadata"]["labels"][REV] == revision
    assert objects[("Service", "web")]["spec"]["selector"].get(REV) == production
    if test is None:
        assert ("Service", "web-test") not in objects
    else:
        assert objects[("Service", "web-test")]["spec"]["selector"][REV] == test
    assert ("PodDisruptionBudget", "web") in objects


@pytest.mark.parametrize("annotations, expected", [
    ({}, Requests()),
    ({"ecs.operator.dev/continue-service-deployment": "web/2 CONTINUE"},
     Requests({"web/2": ("CONTINUE", None)})),
    ({"ecs.operator.dev/continue-service-deployment": "web/2 rollback POST_SCALE_UP"},
     Requests({"web/2": ("ROLLBACK", "POST_SCALE_UP")})),
    ({"ecs.operator.dev/continue-service-deployment": "web/2 MAYBE"}, Requests()),
    ({"ecs.operator.dev/stop-service-deployment": "web/2, web/3"},
     Requests(stopped=frozenset({"web/2", "web/3"}))),
])
def test_requests_are_read_from_the_annotations(annotations: dict, expected: Requests) -> None:
    assert requests(annotations) == expected
