"""What a Service becomes: Deployment or DaemonSet, PDB, HPA and core Services."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.autoscaling import horizontal_pod_autoscaler
from ecs_operator.translate.daemon import daemon_observation, daemon_update_strategy
from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.service_objects import budget_floor, desired_count_set_by, \
    service_objects, with_earned_budget
from ecs_operator.translate.service_status import service_status

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
TASK_DEFINITION = TaskDefinitionSpec.model_validate({"containerDefinitions": [
    {"name": "app", "image": "nginx", "portMappings": [
        {"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "protocol": "udp"}]},
    {"name": "envoy", "image": "envoy", "essential": False,
     "portMappings": [{"containerPort": 15000, "name": "admin"}]}]})


def _objects(spec: dict, *, exists: bool = True):
    return service_objects(name="web", namespace="shop", uid="u-1",
                           spec={"taskDefinition": "web", **spec}, family="web", revision=2,
                           task_definition=TASK_DEFINITION, pod=pod_spec(TASK_DEFINITION),
                           deployment_exists=exists)


def _by_kind(result) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for obj in result.objects:
        kinds.setdefault(obj["kind"], []).append(obj)
    return kinds


def test_a_plain_service_is_a_deployment_and_a_budget() -> None:
    result = _objects({"desiredCount": 3})
    assert result.keys() == {("Deployment", "web"), ("PodDisruptionBudget", "web")}
    template = _by_kind(result)["Deployment"][0]["spec"]["template"]
    assert template["metadata"]["labels"]["ecs.operator.dev/group"] == "service.web"
    assert "affinity" not in template["spec"]


@pytest.mark.parametrize("spec,replicas,floor", [
    ({"desiredCount": 3}, 3, 3),  # minimumHealthyPercent 100 by default
    ({"desiredCount": 3, "deploymentConfiguration": {"minimumHealthyPercent": 50}}, 3, 2),
    ({"desiredCount": 3, "deploymentConfiguration": {"minimumHealthyPercent": 0,
                                                     "maximumPercent": 200}}, 3, 0),
    # An autoscaled service's budget is a percentage of whatever replicas the autoscaler set.
    ({"desiredCount": 4, "deploymentConfiguration": {"minimumHealthyPercent": 50},
      "autoScaling": {"minCapacity": 2, "maxCapacity": 9, "targetTrackingScalingPolicies": [
          {"predefinedMetricSpecification": {
              "predefinedMetricType": "ECSServiceAverageCPUUtilization"},
           "targetValue": 60}]}}, 5, 3),
])
def test_budget_floor_is_the_minimum_healthy_count(spec, replicas, floor) -> None:
    budget = _by_kind(_objects(spec))["PodDisruptionBudget"][0]
    assert budget_floor(budget, replicas) == floor


@pytest.mark.parametrize("exists,healthy,kept", [
    (False, 0, False),  # just created: nothing to protect, nothing to block a drain with
    (False, 2, False),
    (False, 3, True),   # the floor reached: the budget keeps it from now on
    (False, 4, True),
    (True, 0, True),    # earned before: tasks failing now is when it matters most
    (True, 3, True),
])
def test_the_budget_is_kept_once_the_healthy_tasks_reach_its_floor(exists, healthy,
                                                                  kept) -> None:
    wanted = _objects({"desiredCount": 3})
    earned = with_earned_budget(wanted, budget_exists=exists, healthy_tasks=healthy,
                                replicas=3)
    assert (("PodDisruptionBudget", "web") in earned.keys()) is kept
    assert ("Deployment", "web") in earned.keys()
    assert earned.unsupported == wanted.unsupported


def test_a_service_without_a_budget_is_left_as_it_is() -> None:
    wanted = _objects({"desiredCount": 3, "schedulingStrategy": "DAEMON",
                       "deploymentConfiguration": {}})
    earned = with_earned_budget(wanted, budget_exists=False, healthy_tasks=0, replicas=3)
    assert earned.keys() == wanted.keys()


def test_load_balancer_and_registry_share_one_service_of_ready_tasks() -> None:
    result = _objects({"loadBalancers": [{"containerName": "app", "containerPort": 8080,
                                          "targetGroupArn": "arn:aws:elasticloadbalancing:x"}],
                       "serviceRegistries": [{"registryArn": "arn:aws:servicediscovery:x",
                                              "containerName": "app", "containerPort": 9090}]})
    [service] = _by_kind(result)["Service"]
    assert service["metadata"]["name"] == "web"
    assert service["spec"] == {"type": "ClusterIP",
                               "selector": {"ecs.operator.dev/service": "web"},
                               "ports": [
                                   {"name": "http", "port": 8080, "targetPort": 8080,
                                    "protocol": "TCP"},
                                   {"name": "udp-9090", "port": 9090, "targetPort": 9090,
                                    "protocol": "UDP"}]}
    assert service["metadata"]["ownerReferences"][0]["uid"] == "u-1"


def test_service_connect_names_a_service_per_discovery_name() -> None:
    result = _objects({"serviceConnectConfiguration": {"enabled": True, "namespace": "shop",
                                                       "services": [
        {"portName": "http", "discoveryName": "catalog",
         "clientAliases": [{"port": 80, "dnsName": "catalog-api"}]},
        {"portName": "admin", "clientAliases": [{"port": 15000, "dnsName": "admin.internal"}],
         "tls": {"issuerCertificateAuthority": {}}}]}})
    services = {s["metadata"]["name"]: s["spec"]["ports"] for s in _by_kind(result)["Service"]}
    assert services == {
        "catalog": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        "catalog-api": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
        "admin": [{"name": "admin", "port": 15000, "targetPort": 15000, "protocol": "TCP"}]}
    assert result.unsupported == [
        "serviceConnectConfiguration.services[1].clientAliases[0].dnsName",
        "serviceConnectConfiguration.services[1].tls"]


@pytest.mark.parametrize("spec,message", [
    ({"loadBalancers": [{"containerName": "app", "containerPort": 80}]},
     r"loadBalancers\[0\]: container 'app' does not map port 80; its port mappings are "
     r"\[8080, 9090\]"),
    ({"loadBalancers": [{"containerName": "db", "containerPort": 5432}]},
     "no container 'db' with port mappings"),
    ({"serviceConnectConfiguration": {"enabled": True, "services": [{"portName": "grpc"}]}},
     r"services\[0\].portName: no port mapping is named 'grpc' \(named ports: "
     r"\['admin', 'http'\]\)"),
    ({"serviceConnectConfiguration": {"enabled": True, "services": [
        {"portName": "http", "discoveryName": "Catalog_API"}]}}, "cannot be a Service name"),
    ({"schedulingStrategy": "DAEMON", "placementStrategy": [{"type": "random"}]},
     "DAEMON service places one task per node"),
    ({"schedulingStrategy": "DAEMON", "autoScaling": {"minCapacity": 1, "maxCapacity": 2}},
     "DAEMON service runs one task per node"),
    ({"placementConstraints": [{"type": "memberOf",
                                "expression": "attribute:ecs.instance-type =~ t2.*"}]},
     r"placementConstraints\[0\].expression: 'attribute:ecs.instance-type =~ t2.\*'"),
])
def test_service_fields_that_cannot_work_are_errors(spec, message) -> None:
    with pytest.raises(TranslationError, match=message):
        _objects(spec)


def test_daemon_is_a_daemon_set_with_ecs_daemon_defaults_and_no_budget() -> None:
    result = _objects({"schedulingStrategy": "DAEMON", "placementConstraints": [
        {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]})
    assert result.keys() == {("DaemonSet", "web")}
    daemon = result.objects[0]
    assert daemon["spec"]["updateStrategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "100%", "maxSurge": "0%"}}
    assert daemon["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]


@pytest.mark.parametrize("config,expected", [
    ({}, {"maxUnavailable": "100%", "maxSurge": "0%"}),
    ({"minimumHealthyPercent": 50}, {"maxUnavailable": "50%", "maxSurge": "0%"}),
    ({"minimumHealthyPercent": 100, "maximumPercent": 100}, {"maxUnavailable": 1,
                                                             "maxSurge": "0%"}),
    ({"minimumHealthyPercent": 100, "maximumPercent": 200}, {"maxUnavailable": "0%",
                                                             "maxSurge": "100%"}),
])
def test_daemon_update_strategy(config, expected) -> None:
    assert daemon_update_strategy(config)["rollingUpdate"] == expected


def test_autoscaled_service_leaves_replicas_to_the_autoscaler() -> None:
    scaling = {"minCapacity": 2, "maxCapacity": 8, "targetTrackingScalingPolicies": [
        {"predefinedMetricSpecification": {
            "predefinedMetricType": "ECSServiceAverageCPUUtilization"},
         "targetValue": 60, "scaleOutCooldown": 30, "scaleInCooldown": 120},
        {"predefinedMetricSpecification": {
            "predefinedMetricType": "ECSServiceAverageMemoryUtilization"},
         "targetValue": 75.4, "disableScaleIn": True}]}
    result = _objects({"desiredCount": 20, "autoScaling": scaling,
                       "deploymentConfiguration": {"minimumHealthyPercent": 50}})
    kinds = _by_kind(result)
    deployment = kinds["Deployment"][0]
    assert "replicas" not in deployment["spec"]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "50%",
                                                               "maxSurge": "100%"}
    assert kinds["PodDisruptionBudget"][0]["spec"]["minAvailable"] == "50%"
    hpa = kinds["HorizontalPodAutoscaler"][0]["spec"]
    assert hpa == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2, "maxReplicas": 8,
        "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 60}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {
                "type": "Utilization", "averageUtilization": 75}}}],
        "behavior": {"scaleUp": {"stabilizationWindowSeconds": 30},
                     "scaleDown": {"stabilizationWindowSeconds": 300,
                                   "selectPolicy": "Disabled"}}}
    # The first Deployment starts at desiredCount kept within the capacity bounds.
    first = _by_kind(_objects({"desiredCount": 20, "autoScaling": scaling}, exists=False))
    assert first["Deployment"][0]["spec"]["replicas"] == 8


def test_autoscaling_with_zero_minimum_is_reported() -> None:
    hpa, unsupported = horizontal_pod_autoscaler(name="web", namespace="shop", uid="u", spec={
        "autoScaling": {"minCapacity": 0, "maxCapacity": 3, "targetTrackingScalingPolicies": [
            {"predefinedMetricSpecification": {
                "predefinedMetricType": "ECSServiceAverageCPUUtilization"},
             "targetValue": 50}]}})
    assert hpa["spec"]["minReplicas"] == 1
    assert unsupported[0].startswith("autoScaling.minCapacity: 0")


@pytest.mark.parametrize("spec,expected", [
    ({}, "spec.desiredCount"),
    ({"autoScaling": {"minCapacity": 1}}, "HorizontalPodAutoscaler/web"),
    ({"schedulingStrategy": "DAEMON"}, "DaemonSet/web (one task per node)"),
])
def test_status_says_who_sets_the_desired_count(spec, expected) -> None:
    assert desired_count_set_by("web", spec) == expected


def _pod(name: str, revision_hash: str, ready: bool = True) -> dict:
    return {"metadata": {"name": name, "labels": {"controller-revision-hash": revision_hash}},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"}]}}


def _revision(uid: str, revision_hash: str, number: int, task_definition: str) -> dict:
    return {"metadata": {"uid": uid, "labels": {"controller-revision-hash": revision_hash},
                         "creationTimestamp": "2026-11-25T11:00:00Z",
                         "ownerReferences": [{"uid": "ds-1"}]},
            "revision": number,
            "data": {"spec": {"template": {"metadata": {"annotations": {
                "ecs.operator.dev/task-definition": task_definition}}}}}}


@pytest.mark.parametrize("pods,rollout,running", [
    ([_pod("a", "h2"), _pod("b", "h2"), _pod("c", "h2")], "COMPLETED", 3),
    ([_pod("a", "h2"), _pod("b", "h1"), _pod("c", "h1")], "IN_PROGRESS", 3),
    ([_pod("a", "h2"), _pod("b", "h2", ready=False), _pod("c", "h2")], "IN_PROGRESS", 3),
], ids=["all-nodes-updated", "rolling-node-by-node", "one-unhealthy"])
def test_daemon_status_reads_revisions_as_deployments(pods, rollout, running) -> None:
    daemon = {"metadata": {"uid": "ds-1"},
              "status": {"desiredNumberScheduled": 3, "observedGeneration": 1},
              "spec": {"template": {"metadata": {"annotations": {
                  "ecs.operator.dev/task-definition": "agent:2"}}}}}
    observed = daemon_observation(daemon, [_revision("r1", "h1", 1, "agent:1"),
                                           _revision("r2", "h2", 2, "agent:2")], pods)
    result = service_status(
        name="agent", generation=1, spec={"taskDefinition": "agent", "desiredCount": 3,
                                         "schedulingStrategy": "DAEMON"},
        previous={}, observed=observed, task_definition="agent:2", problem=None,
        unsupported=[], now=NOW, desired_count_set_by="DaemonSet/agent (one task per node)")
    status = result.status
    assert status["desiredCount"] == 3
    assert status["runningCount"] == running
    assert status["desiredCountSetBy"] == "DaemonSet/agent (one task per node)"
    primary = status["deployments"][0]
    assert (primary["status"], primary["taskDefinition"], primary["rolloutState"]) == \
        ("PRIMARY", "agent:2", rollout)


def test_a_daemon_set_not_yet_counted_is_no_deployment_and_not_steady() -> None:
    daemon = {"metadata": {"uid": "ds-1", "generation": 1}, "status": {},
              "spec": {"template": {"metadata": {"annotations": {
                  "ecs.operator.dev/task-definition": "agent:1"}}}}}
    observed = daemon_observation(daemon, [_revision("r1", "h1", 1, "agent:1")], [])
    status = service_status(
        name="agent", generation=1, spec={"taskDefinition": "agent", "desiredCount": 0,
                                         "schedulingStrategy": "DAEMON"},
        previous={}, observed=observed, task_definition="agent:1", problem=None,
        unsupported=[], now=NOW).status
    assert status["deployments"] == []
    steady = next(c for c in status["conditions"] if c["type"] == "SteadyState")
    assert steady["status"] == "False"


@pytest.mark.parametrize("daemon", [False, True])
def test_task_definition_placement_constraints_reach_the_pod_template(daemon: bool) -> None:
    constrained = TaskDefinitionSpec.model_validate({
        "containerDefinitions": [{"name": "app", "image": "nginx"}],
        "placementConstraints": [{"type": "memberOf",
                                  "expression": "attribute:ecs.availability-zone == local-1b"}]})
    spec = {"taskDefinition": "web", "schedulingStrategy": "DAEMON" if daemon else "REPLICA",
            "placementConstraints": [{"type": "distinctInstance"}]}
    result = service_objects(name="web", namespace="shop", uid="u-1", spec=spec, family="web",
                             revision=1, task_definition=constrained, pod=pod_spec(constrained))
    workload = result.objects[0]
    affinity = workload["spec"]["template"]["spec"]["affinity"]
    assert affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["local-1b"]}]}]}
    assert "podAntiAffinity" in affinity
    assert result.unsupported == []
