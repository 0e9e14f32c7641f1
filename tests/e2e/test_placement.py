"""Placement on the 3-zone KWOK cluster: spread, distinctInstance, memberOf, DAEMON.

The nodes (hack/cluster/nodes.yaml) are kwok-node-a/b/c in zones local-1a/b/c; the real
kube-scheduler places the pods.
"""

from __future__ import annotations

import collections

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition
from .test_services import condition, esvc, steady

NODE_ZONES = {"kwok-node-a": "local-1a", "kwok-node-b": "local-1b", "kwok-node-c": "local-1c"}


def live_pods(namespace: str, name: str = "web") -> list[dict]:
    return [p for p in kubectl_json("get", "pods", "-n", namespace,
                                    "-l", f"ecs.operator.dev/service={name}")["items"]
            if not p["metadata"].get("deletionTimestamp")]


def nodes_of(namespace: str, name: str = "web") -> list[str | None]:
    return [p["spec"].get("nodeName") for p in live_pods(namespace, name)]


def test_six_tasks_spread_by_zone_land_two_per_zone(operator, namespace) -> None:
    apply([task_definition(), service(desired=6, placementStrategy=[
        {"type": "spread", "field": "attribute:ecs.availability-zone"}])], namespace)
    wait_for("6 running tasks", steady(namespace), timeout=120)
    zones = collections.Counter(NODE_ZONES[node] for node in nodes_of(namespace))
    assert zones == {"local-1a": 2, "local-1b": 2, "local-1c": 2}


def test_distinct_instance_never_shares_a_node_and_reports_what_it_cannot_place(
        operator, namespace) -> None:
    apply([task_definition(), service(desired=4, placementConstraints=[
        {"type": "distinctInstance"}])], namespace)

    def unplaced():
        current = esvc(namespace)
        placed = condition(current, "TasksPlaced")
        running = current.get("status", {}).get("runningCount")
        return current if placed.get("status") == "False" and running == 3 else None

    current = wait_for("3 tasks running and the 4th reported unplaceable", unplaced,
                       timeout=120)
    placed = [node for node in nodes_of(namespace) if node]
    assert sorted(placed) == sorted(NODE_ZONES), placed
    message = condition(current, "TasksPlaced")["message"]
    assert "didn't match pod anti-affinity rules" in message, message
    events = [e["message"] for e in current["status"]["events"]]
    assert any(m.startswith("(service web) was unable to place a task because no container "
                            "instance met all of its requirements. Reason: ")
               and "anti-affinity" in m for m in events), events
    warnings = kubectl_json("get", "events", "-n", namespace,
                            "--field-selector", "reason=UnableToPlaceTask")["items"]
    assert warnings and warnings[0]["type"] == "Warning"


def test_member_of_a_zone_keeps_every_task_in_that_zone(operator, namespace) -> None:
    apply([task_definition(), service(desired=4, placementConstraints=[
        {"type": "memberOf",
         "expression": "attribute:ecs.availability-zone in [local-1b] and "
                       "attribute:ecs.os-type == linux"}])], namespace)
    wait_for("4 running tasks", steady(namespace), timeout=120)
    assert {NODE_ZONES[node] for node in nodes_of(namespace)} == {"local-1b"}


def test_an_unmappable_expression_is_refused_with_the_part_named(operator, namespace) -> None:
    apply([task_definition(), service(placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t2.* "
                                           "and runningTasksCount == 0"}])], namespace)

    def invalid():
        valid = condition(esvc(namespace), "Valid")
        return valid if valid.get("status") == "False" else None

    valid = wait_for("Valid=False", invalid)
    assert valid["reason"] == "InvalidServiceSpec"
    assert valid["message"].startswith(
        "placementConstraints[0].expression: 'attribute:ecs.instance-type =~ t2.*' (at column 1")
    assert kubectl_json("get", "deployments", "-n", namespace)["items"] == []


def test_daemon_service_runs_one_task_per_node(operator, namespace) -> None:
    apply([task_definition(name="agent"),
           service(name="agent", task_definition_ref="agent", schedulingStrategy="DAEMON",
                   deploymentConfiguration={})], namespace)
    current = wait_for("the daemon steady on every node", steady(namespace, "agent"),
                       timeout=120)
    assert sorted(nodes_of(namespace, "agent")) == sorted(NODE_ZONES)
    status = current["status"]
    assert (status["desiredCount"], status["runningCount"]) == (3, 3)
    assert status["desiredCountSetBy"] == "DaemonSet/agent (one task per node)"
    assert status["deployments"][0]["taskDefinition"] == "agent:1"
    daemon = kubectl_json("get", "daemonset", "agent", "-n", namespace)
    assert daemon["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] == "100%"
    assert kubectl_json("get", "deployments,poddisruptionbudgets", "-n", namespace)["items"] \
        == []

    # A new revision replaces the task on every node, and the daemon settles on it.
    apply(task_definition(name="agent", image="registry.example/agent:2"), namespace)
    wait_for("agent:2 on every node", steady(namespace, "agent", "agent:2"), timeout=120)
    for pod in live_pods(namespace, "agent"):
        containers = pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
        assert "registry.example/agent:2" in {c["image"] for c in containers}
    assert sorted(nodes_of(namespace, "agent")) == sorted(NODE_ZONES)


def test_a_service_made_a_daemon_while_the_operator_was_down_loses_its_deployment(
        operator, namespace) -> None:
    """What a Service no longer asks for is deleted, also when it changed while the operator
    was down: the restarted operator knows nothing it applied, and prunes from what it
    watches."""
    apply([task_definition(name="agent"),
           service(name="agent", task_definition_ref="agent", desired=2)], namespace)
    wait_for("2 tasks", steady(namespace, "agent"), timeout=120)
    wait_for("its budget", lambda: kubectl_json(
        "get", "poddisruptionbudgets", "-n", namespace)["items"])

    operator.stop()
    apply(service(name="agent", task_definition_ref="agent", schedulingStrategy="DAEMON",
                  deploymentConfiguration={}), namespace)
    operator.start()
    wait_for("the daemon on every node", lambda: (s := esvc(namespace, "agent"))["status"].get(
        "desiredCountSetBy") == "DaemonSet/agent (one task per node)"
        and condition(s, "SteadyState").get("status") == "True", timeout=120)
    wait_for("the Deployment and its budget deleted", lambda: kubectl_json(
        "get", "deployments,poddisruptionbudgets", "-n", namespace)["items"] == [])
    assert sorted(nodes_of(namespace, "agent")) == sorted(NODE_ZONES)


def test_capacity_provider_keeps_tasks_on_its_labelled_nodes(operator, namespace) -> None:
    label = "ecs.operator.dev/capacity-provider"
    kubectl("label", "node", "kwok-node-c", f"{label}=edge", "--overwrite")
    try:
        apply([task_definition(), service(desired=3, capacityProviderStrategy=[
            {"capacityProvider": "edge", "weight": 1}])], namespace)
        wait_for("3 running tasks", steady(namespace), timeout=120)
        assert set(nodes_of(namespace)) == {"kwok-node-c"}
    finally:
        kubectl("label", "node", "kwok-node-c", f"{label}-")
