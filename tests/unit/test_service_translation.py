"""ECS deployment configuration -> RollingUpdate bounds and PodDisruptionBudget."""

from __future__ import annotations

import pytest

from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.names import family_slug, parse_reference, revision_name
from ecs_operator.translate.pod import PodTranslation
from ecs_operator.translate.disruption_budget import pod_disruption_budget
from ecs_operator.translate.service import deployment, deployment_bounds, \
    unsupported_service_fields


@pytest.mark.parametrize("desired,low,high,expected", [
    (3, None, None, (3, 6, 0, 3)),          # ECS defaults 100/200
    (4, 50, 200, (2, 8, 2, 4)),
    (3, 50, 100, (2, 3, 1, 0)),             # ceil(1.5) = 2 healthy, no surge
    (5, 100, 150, (5, 7, 0, 2)),            # floor(7.5) = 7
    (1, 0, 100, (0, 1, 1, 0)),
    (10, 90, 110, (9, 11, 1, 1)),
    (0, 100, 200, (0, 0, 0, 1)),            # nothing to run: a surge of one is harmless
], ids=["defaults", "half-healthy", "ceil-min", "floor-max", "stop-then-start", "tight",
        "zero-desired"])
def test_deployment_bounds(desired, low, high, expected) -> None:
    bounds = deployment_bounds(desired, low, high)
    assert (bounds.minimum_healthy, bounds.maximum_running, bounds.max_unavailable,
            bounds.max_surge) == expected


POD = PodTranslation(spec={"containers": [{"name": "app", "image": "nginx"}]},
                     annotations={"ecs.operator.dev/non-essential-containers": "sidecar"},
                     unsupported=())


def test_deployment_carries_desired_count_bounds_owner_and_revision() -> None:
    spec = {"taskDefinition": "web", "desiredCount": 4,
            "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 150}}
    dep = deployment(name="web", namespace="shop", uid="u-1", spec=spec, family="web",
                     revision=3, pod=POD)
    assert dep["spec"]["replicas"] == 4
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 2, "maxSurge": 2}
    assert dep["metadata"]["ownerReferences"][0] == {
        "apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Service", "name": "web",
        "uid": "u-1", "controller": True, "blockOwnerDeletion": True}
    template = dep["spec"]["template"]
    assert template["metadata"]["labels"]["ecs.operator.dev/revision"] == "3"
    assert template["metadata"]["annotations"]["ecs.operator.dev/task-definition"] == "web:3"
    assert template["metadata"]["annotations"]["ecs.operator.dev/non-essential-containers"] \
        == "sidecar"
    assert template["spec"]["restartPolicy"] == "Always"
    assert dep["spec"]["selector"] == {"matchLabels": {"ecs.operator.dev/service": "web"}}


@pytest.mark.parametrize("spec,expected", [
    ({"taskDefinition": "web"}, []),
    ({"taskDefinition": "web", "loadBalancers": [{"containerName": "app"}],
      "schedulingStrategy": "DAEMON", "placementStrategy": [{"type": "random"}]}, []),
    ({"taskDefinition": "web", "healthCheckGracePeriodSeconds": 30}, []),
    ({"taskDefinition": "web", "deploymentConfiguration": {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["high-5xx"], "enable": True}}}, []),
    ({"taskDefinition": "web", "deploymentConfiguration": {
        "strategy": "BLUE_GREEN", "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["high-5xx"], "enable": True}}}, []),
    ({"taskDefinition": "web", "deploymentController": {"type": "CODE_DEPLOY"}},
     ["deploymentController.type: CODE_DEPLOY"]),
], ids=["none", "honoured-since-placement-and-networking", "honoured-grace-period",
        "honoured-alarms", "honoured-guards-with-blue-green", "code-deploy"])
def test_unsupported_service_fields_are_named(spec, expected) -> None:
    assert unsupported_service_fields(spec) == expected


@pytest.mark.parametrize("reference,expected", [
    ("web", ("web", None)), ("web:3", ("web", 3)), ("my_app-2:10", ("my_app-2", 10)),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", ("web", 1)),
    ("arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/my_app-2:10",
     ("my_app-2", 10)),
])
def test_parse_reference(reference, expected) -> None:
    assert parse_reference(reference) == expected


@pytest.mark.parametrize("reference,message", [
    ("web:0", "is not `family` or `family:revision`"),
    ("web:x", "is not `family` or `family:revision`"),
    ("arn:aws:ecs:us-east-1:123:service/prod/web", "is not a task definition ARN"),
    ("arn:aws:ecs:us-east-1:123:task-definition/a/web:1", "is not a task definition ARN"),
    ("arn:aws:ecs:us-east-1:123:task-definition/web:0", "is not `family` or `family:revision`"),
])
def test_parse_reference_rejects(reference, message) -> None:
    with pytest.raises(TranslationError, match=message):
        parse_reference(reference)


def test_family_names_become_kubernetes_names() -> None:
    assert family_slug("My_App") == "my-app"
    assert revision_name("My_App", 4) == "my-app-4"
    with pytest.raises(TranslationError):
        family_slug("x" * 60)
