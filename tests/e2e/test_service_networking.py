"""loadBalancers / Service Connect -> core Services whose endpoints are the healthy tasks;
autoScaling -> a HorizontalPodAutoscaler the operator does not fight."""

from __future__ import annotations

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition, with_container_field
from .test_services import esvc, steady


def endpoints(namespace: str, service_name: str) -> dict[str, bool]:
    """Pod name -> ready, from the EndpointSlices of a core Service."""
    slices = kubectl_json("get", "endpointslices", "-n", namespace,
                          "-l", f"kubernetes.io/service-name={service_name}")["items"]
    return {e["targetRef"]["name"]: bool(e.get("conditions", {}).get("ready"))
            for s in slices for e in s.get("endpoints") or []}


def ready_pods(namespace: str) -> set[str]:
    pods = kubectl_json("get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")
    return {p["metadata"]["name"] for p in pods["items"]
            if not p["metadata"].get("deletionTimestamp")
            and any(c["type"] == "Ready" and c["status"] == "True"
                    for c in p["status"].get("conditions", []))}


def test_load_balancer_endpoints_are_only_the_tasks_whose_health_check_passes(
        operator, namespace) -> None:
    apply([task_definition(), service(loadBalancers=[
        {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
                           "targetgroup/web/0123456789abcdef",
         "containerName": "app", "containerPort": 80}])], namespace)
    wait_for("3 running tasks", steady(namespace), timeout=120)
    core = kubectl_json("get", "service", "web", "-n", namespace)
    assert core["spec"]["selector"] == {"ecs.operator.dev/service": "web"}
    assert [(p["port"], p["targetPort"]) for p in core["spec"]["ports"]] == [(80, 80)]
    tasks = wait_for("3 ready endpoints", lambda: (lambda e: e if len(e) == 3
                                                  and all(e.values()) else None)(
        endpoints(namespace, "web")))

    # One task's health check starts failing (see hack/cluster/kwok.yaml: sim-unhealthy).
    sick = sorted(tasks)[0]
    kubectl("annotate", "pod", sick, "-n", namespace, "ecs.operator.dev/label.sim-unhealthy=true")
    wait_for(f"{sick} out of rotation", lambda: endpoints(namespace, "web").get(sick) is False)
    current = endpoints(namespace, "web")
    serving = {name for name, ready in current.items() if ready}
    assert sick not in serving
    assert serving == ready_pods(namespace), (current, ready_pods(namespace))

    # Without loadBalancers the Service is no longer needed and goes away.
    apply(service(), namespace)
    wait_for("the core Service deleted", lambda: kubectl(
        "get", "service", "web", "-n", namespace, check=False).returncode != 0)


def test_service_connect_discovery_name_reaches_the_tasks(operator, namespace) -> None:
    definition = with_container_field(task_definition(), 0, portMappings=[
        {"containerPort": 8080, "name": "api", "appProtocol": "http"}])
    apply([definition, service(desired=2, serviceConnectConfiguration={
        "enabled": True, "namespace": "shop",
        "services": [{"portName": "api", "discoveryName": "catalog",
                      "clientAliases": [{"port": 80}]}]})], namespace)
    wait_for("2 running tasks", steady(namespace), timeout=120)
    core = kubectl_json("get", "service", "catalog", "-n", namespace)
    assert [(p["name"], p["port"], p["targetPort"]) for p in core["spec"]["ports"]] == \
        [("api", 80, 8080)]
    wait_for("2 ready endpoints behind catalog", lambda: (lambda e: len(e) == 2
                                                         and all(e.values()))(
        endpoints(namespace, "catalog")))
    assert set(endpoints(namespace, "catalog")) == ready_pods(namespace)


AUTO_SCALING = {"minCapacity": 3, "maxCapacity": 6, "targetTrackingScalingPolicies": [
    {"policyName": "cpu60", "targetValue": 60, "scaleInCooldown": 120,
     "predefinedMetricSpecification": {
         "predefinedMetricType": "ECSServiceAverageCPUUtilization"}}]}


def replicas(namespace: str) -> int:
    return kubectl_json("get", "deployment", "web", "-n", namespace)["spec"]["replicas"]


def test_autoscaling_leaves_the_task_count_to_the_horizontal_pod_autoscaler(
        operator, namespace) -> None:
    apply([task_definition(), service(desired=1, autoScaling=AUTO_SCALING)], namespace)
    current = wait_for("3 tasks (minCapacity)", steady(namespace), timeout=120)
    assert current["status"]["desiredCountSetBy"] == "HorizontalPodAutoscaler/web"
    hpa = kubectl_json("get", "hpa", "web", "-n", namespace)["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 60

    # The autoscaler's choice (here set by hand: KWOK reports no CPU) survives a spec change.
    kubectl("scale", "deployment", "web", "-n", namespace, "--replicas=5")
    apply(service(desired=2, autoScaling=AUTO_SCALING, deploymentConfiguration={
        "minimumHealthyPercent": 50, "maximumPercent": 200}), namespace)
    wait_for("the spec change reconciled", lambda: esvc(namespace)["status"].get(
        "observedGeneration") == 2)
    current = wait_for("5 tasks", lambda: (lambda s: s if s["status"].get("runningCount") == 5
                                          else None)(esvc(namespace)), timeout=60)
    assert replicas(namespace) == 5
    assert current["status"]["desiredCount"] == 5

    # Raising minCapacity makes the real HPA controller scale the Deployment up.
    apply(service(desired=2, autoScaling={**AUTO_SCALING, "minCapacity": 6}), namespace)
    wait_for("the HPA scales to 6", lambda: replicas(namespace) == 6, timeout=90)
    wait_for("status follows: 6 desired", lambda: esvc(namespace)["status"].get(
        "desiredCount") == 6, timeout=60)

    # Turning auto scaling off hands the count back to desiredCount.
    apply(service(desired=2), namespace)
    wait_for("back to desiredCount 2", lambda: replicas(namespace) == 2, timeout=60)
    wait_for("status: desiredCount set by the spec again", lambda: esvc(namespace)["status"].get(
        "desiredCountSetBy") == "spec.desiredCount")
    assert kubectl("get", "hpa", "web", "-n", namespace, check=False).returncode != 0
