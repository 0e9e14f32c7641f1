"""ListServiceDeployments / DescribeServiceDeployments shapes and the commands' parsing."""

from __future__ import annotations

import pytest

from ecs_operator.kubectl_ecs import deployment_shapes as shapes

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
