"""ListServiceDeployments / DescribeServiceDeployments shapes and the commands' parsing."""

from __future__ import annotations

import pytest

from ecs_operator.translate import deployment_shapes as shapes
from ecs_operator.translate.ecs_shapes import Arns
from ecs_operator.translate.ecs_shapes import service as ecs_service

RECORD = {
    "serviceDeploymentArn": "web/2", "status": "IN_PROGRESS", "lifecycleStage": "POST_SCALE_UP",
    "pausedAt": "POST_SCALE_UP", "createdAt": "2026-01-01T00:00:00Z",
    "lifecycleHookDetails": [{"hookId": "0", "lifecycleStage": "POST_SCALE_UP",
                              "targetType": "PAUSE", "status": "AWAITING_ACTION",
                              "expiresAt": "2026-01-02T00:00:00Z", "timeoutAction": "ROLLBACK"}],
    "startedAt": "2026-01-01T00:00:00Z", "trafficStep": 0, "strategy": "BLUE_GREEN",
    "sourceServiceRevisions": [{"arn": "web:1", "requestedTaskCount": 3, "runningTaskCount": 3,
                                "requestedProductionTrafficWeight": 100.0,
                                "requestedTestTrafficWeight": 0.0}],
    "targetServiceRevision": {"arn": "web:2", "requestedTaskCount": 3, "runningTaskCount": 3,
                              "requestedProductionTrafficWeight": 0.0,
                              "requestedTestTrafficWeight": 100.0}}
RESOURCE = {"metadata": {"name": "web", "namespace": "shop"},
            "spec": {"deploymentConfiguration": {"strategy": "BLUE_GREEN"}},
            "status": {"serviceDeployments": [RECORD]}}


def test_a_record_is_shaped_as_describe_service_deployments_shows_it() -> None:
    shaped = shapes.service_deployment(RESOURCE, RECORD)
    assert shaped["serviceDeploymentArn"] == "shop/web/2"
    assert (shaped["serviceArn"], shaped["clusterArn"]) == ("shop/web", "shop")
    assert shaped["status"] == "IN_PROGRESS"
    assert shaped["lifecycleStage"] == "POST_SCALE_UP"
    assert shaped["targetServiceRevision"]["requestedTestTrafficWeight"] == 100.0
    assert shaped["deploymentConfiguration"] == {"strategy": "BLUE_GREEN"}
    assert shaped["lifecycleHookDetails"] == [{
        "hookId": "0", "targetType": "PAUSE", "status": "AWAITING_ACTION",
        "expiresAt": "2026-01-02T00:00:00Z", "timeoutAction": "ROLLBACK"}]
    assert "trafficStep" not in shaped and "pausedAt" not in shaped  # operator bookkeeping


def test_the_guards_are_shown_as_ecs_shows_them() -> None:
    breaker = {"status": "TRIGGERED", "failureCount": 4, "threshold": 3}
    alarms = {"status": "MONITORING", "alarmNames": ["HighErrors"], "triggeredAlarmNames": []}
    record = {**RECORD, "deploymentCircuitBreaker": {**breaker, "failedTasks": 4,
                                                     "healthyCount": 0},
              "alarms": alarms, "productionRevisionArn": "web:1"}
    shaped = shapes.service_deployment(RESOURCE, record)
    assert (shaped["deploymentCircuitBreaker"], shaped["alarms"]) == (breaker, alarms)
    assert "productionRevisionArn" not in shaped


def test_a_brief_is_shaped_as_list_service_deployments_shows_it() -> None:
    assert shapes.brief(RESOURCE, RECORD) == {
        "serviceDeploymentArn": "shop/web/2", "serviceArn": "shop/web", "clusterArn": "shop",
        "startedAt": "2026-01-01T00:00:00Z", "createdAt": "2026-01-01T00:00:00Z",
        "status": "IN_PROGRESS", "targetServiceRevisionArn": "web:2"}


@pytest.mark.parametrize("reference, expected", [
    ("shop/web/2", ("shop", "web", "web/2")),
    ("web/2", ("prod", "web", "web/2")),
])
def test_deployment_arns_name_a_namespace_a_service_and_a_number(reference, expected) -> None:
    assert shapes.parse_deployment_arn(reference, "prod") == expected


@pytest.mark.parametrize("reference", ["web", "shop/web/x", "a/b/c/d"])
def test_other_references_are_refused(reference: str) -> None:
    with pytest.raises(ValueError):
        shapes.parse_deployment_arn(reference, "prod")


ECS_ARNS = Arns(prefix="arn:aws:ecs:eu-west-1:123456789012:")
PREFIX = ECS_ARNS.prefix


def test_with_ecs_arns_every_identifier_is_an_ecs_arn() -> None:
    record = {**RECORD, "status": "ROLLBACK_IN_PROGRESS",
              "rollback": {"reason": "alarm", "startedAt": "2026-01-01T00:01:00Z",
                           "serviceRevisionArn": "web:1"}}
    shaped = shapes.service_deployment(RESOURCE, record, ECS_ARNS)
    assert shaped["serviceDeploymentArn"] == f"{PREFIX}service-deployment/shop/web/2"
    assert (shaped["serviceArn"], shaped["clusterArn"]) == (f"{PREFIX}service/shop/web",
                                                            f"{PREFIX}cluster/shop")
    assert shaped["targetServiceRevision"]["arn"] == f"{PREFIX}service-revision/shop/web/web:2"
    assert [s["arn"] for s in shaped["sourceServiceRevisions"]] == \
        [f"{PREFIX}service-revision/shop/web/web:1"]
    assert shaped["rollback"]["serviceRevisionArn"] == \
        f"{PREFIX}service-revision/shop/web/web:1"
    assert shapes.brief(RESOURCE, record, ECS_ARNS)["targetServiceRevisionArn"] == \
        f"{PREFIX}service-revision/shop/web/web:2"


@pytest.mark.parametrize("reference, expected", [
    (f"{PREFIX}service-deployment/shop/web/2", ("shop", "web", "web/2")),
])
def test_ecs_deployment_arns_are_parsed(reference: str, expected: tuple) -> None:
    assert shapes.parse_deployment_arn(reference, "prod") == expected


def test_a_task_arn_is_not_a_deployment_arn() -> None:
    with pytest.raises(ValueError, match="service-deployment"):
        shapes.parse_deployment_arn(f"{PREFIX}task/shop/web/2", "prod")


@pytest.mark.parametrize("reference, expected", [
    (f"{PREFIX}service-revision/shop/web/web:2", ("shop", "web", "web:2")),
    ("shop/web/my-app:10", ("shop", "web", "my-app:10")),
])
def test_revision_arns_name_a_cluster_a_service_and_a_task_definition_revision(
        reference: str, expected: tuple) -> None:
    assert shapes.parse_revision_arn(reference) == expected


@pytest.mark.parametrize("reference", [f"{PREFIX}service-revision/shop/web/12345",
                                       "shop/web", f"{PREFIX}service/shop/web"])
def test_other_revision_references_are_refused(reference: str) -> None:
    with pytest.raises(ValueError):
        shapes.parse_revision_arn(reference)


def test_a_revision_is_described_only_when_a_deployment_names_it() -> None:
    resource = {**RESOURCE, "spec": {**RESOURCE["spec"], "launchType": "FARGATE",
                                     "networkConfiguration": {"awsvpcConfiguration": {
                                         "subnets": ["a"]}}}}
    source = shapes.service_revision(resource, "web:1", ECS_ARNS)
    assert source == {
        "serviceRevisionArn": f"{PREFIX}service-revision/shop/web/web:1",
        "serviceArn": f"{PREFIX}service/shop/web", "clusterArn": f"{PREFIX}cluster/shop",
        "taskDefinition": f"{PREFIX}task-definition/web:1", "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["a"]}},
        "createdAt": "2026-01-01T00:00:00Z"}
    assert shapes.service_revision(resource, "web:3", ECS_ARNS) is None


def test_a_revisions_container_images_are_its_task_definitions() -> None:
    recorded = {"family": "web", "containerDefinitions": [
        {"name": "app", "image": "registry.example/web:1"},
        {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit"}]}
    assert shapes.container_images(recorded) == [
        {"containerName": "app", "image": "registry.example/web:1"},
        {"containerName": "log-router",
         "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit"}]
    # The Service's record alone says nothing of images: they come from the recorded revision.
    assert "containerImages" not in shapes.service_revision(RESOURCE, "web:1", ECS_ARNS)


@pytest.mark.parametrize("record, hook_id, refusal", [
    (RECORD, "0", None),
    (RECORD, None, None),
    (RECORD, "7", "hook 7 is not awaiting action at POST_SCALE_UP (awaiting: 0)"),
    ({**RECORD, "pausedAt": None}, "0", "not paused"),
    ({**RECORD, "status": "SUCCESSFUL"}, "0", "not paused"),
])
def test_only_a_hook_awaiting_action_where_the_deployment_is_paused_can_be_answered(
        record: dict, hook_id: str | None, refusal: str | None) -> None:
    answer = shapes.paused_hook(record, hook_id)
    assert (answer is None) if refusal is None else (refusal in answer)


@pytest.mark.parametrize("status, extra, running", [
    ("IN_PROGRESS", {}, ["web:1", "web:2"]),
    ("SUCCESSFUL", {}, ["web:2"]),
    ("ROLLBACK_SUCCESSFUL", {"rollback": {"reason": "stopped", "serviceRevisionArn": "web:1"}},
     ["web:1"]),
    ("STOPPED", {"productionRevisionArn": "web:1"}, ["web:1"]),
])
def test_describe_services_names_the_current_deployment_and_what_runs(
        status: str, extra: dict, running: list[str]) -> None:
    record = {**RECORD, "status": status, **extra}
    shaped = ecs_service({**RESOURCE, "status": {"serviceDeployments": [record]}}, ECS_ARNS)
    assert shaped["currentServiceDeployment"] == f"{PREFIX}service-deployment/shop/web/2"
    assert [r["arn"] for r in shaped["currentServiceRevisions"]] == \
        [f"{PREFIX}service-revision/shop/web/{name}" for name in running]


@pytest.mark.parametrize("strategy, refused", [
    ("ROLLING", True), ("BLUE_GREEN", False), ("CANARY", False), ("LINEAR", False)])
def test_only_a_strategys_deployment_can_be_stopped(strategy: str, refused: bool) -> None:
    record = {"serviceDeploymentArn": "web/2", "status": "IN_PROGRESS", "strategy": strategy,
              "targetServiceRevision": {"arn": "web:2"}}
    answer = shapes.unstoppable(record)
    assert (answer is not None) is refused
    if refused:
        assert "update the service" in answer
