"""Gauges come from the statuses the operator computed; labels stay bounded."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from ecs_operator.metrics import ObjectStates


def exported(states: ObjectStates) -> str:
    registry = CollectorRegistry()
    registry.register(states)
    return generate_latest(registry).decode()


def test_service_and_task_gauges_follow_status() -> None:
    states = ObjectStates()
    states.service("shop", "web", {"desiredCount": 3, "runningCount": 2, "pendingCount": 1,
                                   "deployments": [
                                       {"rolloutState": "IN_PROGRESS", "failedTasks": 2},
                                       {"rolloutState": "COMPLETED", "failedTasks": 0}]})
    states.task("shop", "a", {"lastStatus": "RUNNING", "healthStatus": "HEALTHY"})
    states.task("shop", "b", {"lastStatus": "RUNNING", "healthStatus": "HEALTHY"})
    states.task_definition("shop", "web", 4)
    text = exported(states)
    assert 'ecs_service_running_tasks{namespace="shop",service="web"} 2.0' in text
    assert 'ecs_service_failed_tasks{namespace="shop",service="web"} 2.0' in text
    assert 'ecs_service_deployments{namespace="shop",service="web",state="FAILED"} 0.0' in text
    assert 'ecs_tasks{health="HEALTHY",namespace="shop",state="RUNNING"} 2.0' in text
    assert 'ecs_task_definition_revision{family="web",namespace="shop"} 4.0' in text
    assert '"a"' not in text and '"b"' not in text, "no task names in labels"


def test_breaker_and_alarm_state_are_exported() -> None:
    states = ObjectStates()
    states.service("shop", "web", {"deployments": [
        {"status": "PRIMARY", "rolloutState": "COMPLETED",
         "circuitBreaker": {"status": "MONITORING_COMPLETE", "failureCount": 1, "threshold": 3}},
        {"status": "INACTIVE", "rolloutState": "FAILED",
         "circuitBreaker": {"status": "DISABLED", "failureCount": 0, "threshold": 3},
         "alarms": {"status": "TRIGGERED", "triggeredAlarmNames": ["High5xx", "TasksFailing"]}}]})
    states.service("shop", "cart", {"deployments": [
        {"status": "PRIMARY", "rolloutState": "IN_PROGRESS",
         "circuitBreaker": {"status": "MONITORING", "failureCount": 2, "threshold": 5}}]})
    text = exported(states)
    assert 'ecs_service_circuit_breaker_failures{namespace="shop",service="web"} 1.0' in text
    assert 'ecs_service_circuit_breaker_threshold{namespace="shop",service="cart"} 5.0' in text
    assert 'ecs_service_circuit_breaker_failures{namespace="shop",service="cart"} 2.0' in text
    assert 'ecs_service_alarms_triggered{alarm="TasksFailing",namespace="shop",service="web"} ' \
        '1.0' in text
    assert 'ecs_service_alarms_triggered{alarm="High5xx",namespace="shop",service="web"} 1.0' \
        in text
    assert 'ecs_service_alarms_triggered{alarm="High5xx",namespace="shop",service="cart"}' \
        not in text


def _revision(arn: str, weight: float) -> dict:
    return {"arn": arn, "requestedProductionTrafficWeight": weight}


def test_service_deployments_are_exported_by_status_stage_and_traffic() -> None:
    states = ObjectStates()
    states.service("shop", "web", {"serviceDeployments": [
        {"status": "IN_PROGRESS", "lifecycleStage": "POST_PRODUCTION_TRAFFIC_SHIFT",
         "targetServiceRevision": _revision("web:3", 10.0),
         "sourceServiceRevisions": [_revision("web:2", 90.0)]},
        {"status": "SUCCESSFUL", "lifecycleStage": "CLEAN_UP",
         "targetServiceRevision": _revision("web:2", 100.0), "sourceServiceRevisions": []},
        {"status": "ROLLBACK_SUCCESSFUL", "lifecycleStage": "BAKE_TIME",
         "targetServiceRevision": _revision("web:2", 0.0),
         "sourceServiceRevisions": [_revision("web:1", 100.0)]}]})
    states.service("shop", "done", {"serviceDeployments": [
        {"status": "SUCCESSFUL", "lifecycleStage": "CLEAN_UP",
         "targetServiceRevision": _revision("done:1", 100.0), "sourceServiceRevisions": []}]})
    states.service("shop", "rolling", {"desiredCount": 1, "serviceDeployments": [
        {"status": "IN_PROGRESS", "strategy": "ROLLING",
         "targetServiceRevision": {"arn": "rolling:2", "requestedTaskCount": 1},
         "sourceServiceRevisions": [{"arn": "rolling:1"}]}]})
    text = exported(states)
    by_status = 'ecs_service_deployments_by_status{namespace="shop",service="web",status="%s"}'
    assert by_status % "IN_PROGRESS" + " 1.0" in text
    assert by_status % "ROLLBACK_SUCCESSFUL" + " 1.0" in text
    assert by_status % "ROLLBACK_FAILED" + " 0.0" in text
    assert 'ecs_service_deployment_stage{namespace="shop",service="web",' \
        'stage="POST_PRODUCTION_TRAFFIC_SHIFT"} 1.0' in text
    assert 'ecs_service_deployment_production_traffic_percent{namespace="shop",role="target",' \
        'service="web"} 10.0' in text
    assert 'ecs_service_deployment_production_traffic_percent{namespace="shop",role="source",' \
        'service="web"} 90.0' in text
    assert 'ecs_service_deployment_stage{namespace="shop",service="done"' not in text, \
        "a finished deployment is at no stage"
    assert 'ecs_service_deployments_by_status{namespace="shop",service="rolling",' \
        'status="IN_PROGRESS"} 1.0' in text
    assert 'service="rolling",stage=' not in text, "a ROLLING rollout has no stages"
    assert 'role="target",service="rolling"' not in text, "nor a traffic shift"


def test_deleted_objects_leave_the_gauges() -> None:
    states = ObjectStates()
    states.service("shop", "web", {"desiredCount": 1})
    states.service("shop", "web", None)
    states.task("shop", "a", {"lastStatus": "STOPPED"})
    states.task("shop", "a", None)
    text = exported(states)
    assert 'service="web"' not in text and 'state="STOPPED"' not in text


class _Response:
    def __init__(self, status: int, data: bytes) -> None:
        self.status, self.data, self.reason, self.headers = status, data, "x", {}

    def read(self) -> None:
        pass


class _FakeApiClient:
    """Answers every request with 200 {} (404 for GETs of pods), as the API server would."""

    def param_serialize(self, method, path, **_):
        return method, path, {}, None, None

    def call_api(self, method, url, **_):
        if method == "GET" and "/pods/" in url:
            return _Response(404, b"")
        return _Response(200, b"{}")


def test_api_requests_are_counted_by_verb(monkeypatch) -> None:
    from prometheus_client import REGISTRY

    from ecs_operator import k8s

    def count(verb: str) -> float:
        return REGISTRY.get_sample_value("ecs_operator_api_requests_total",
                                         {"verb": verb}) or 0.0

    monkeypatch.setattr(k8s, "_api_client", _FakeApiClient)
    before = {verb: count(verb) for verb in ("GET", "PATCH", "DELETE", "POST")}
    k8s.apply({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}})
    k8s.patch_status("ecsservices", "shop", "web", {"runningCount": 1}, None)
    assert k8s.get_pod("shop", "web-1") is None
    k8s.delete_pod("shop", "web-1")
    assert {verb: count(verb) - before[verb] for verb in before} == {
        "GET": 1, "PATCH": 2, "DELETE": 1, "POST": 0}
