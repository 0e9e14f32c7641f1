"""The local cluster is a real control plane: controllers roll Deployments out through
ReplicaSets onto KWOK's fake nodes, and replace pods that fail."""

from __future__ import annotations

from .cluster import apply, kubectl, kubectl_json, wait_for

ZONES = {"local-1a", "local-1b", "local-1c"}


def plain_deployment(image: str) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def ready_pods(namespace: str) -> list[dict]:
    pods = kubectl_json("get", "pods", "-n", namespace, "-l", "app=web")["items"]
    return [p for p in pods if p["status"].get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]


def test_nodes_are_ready_in_three_zones(cluster: str) -> None:
    nodes = kubectl_json("get", "nodes")["items"]
    ready = [n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True"
                                     for c in n["status"]["conditions"])]
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in ready} == ZONES


def test_deployment_rolls_out_through_replica_sets(cluster: str, namespace: str) -> None:
    assert apply(plain_deployment("registry.example/web:1"), namespace).returncode == 0
    kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=60s")
    first = ready_pods(namespace)
    assert len(first) == 3
    assert all(p["spec"]["nodeName"].startswith("kwok-node-") for p in first)

    kubectl("set", "image", "deployment/web", "web=registry.example/web:2", "-n", namespace)
    kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=60s")
    replica_sets = kubectl_json("get", "replicasets", "-n", namespace, "-l", "app=web")["items"]
    by_image = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
                for rs in replica_sets}
    assert by_image == {"registry.example/web:1": 0, "registry.example/web:2": 3}
    images = {p["spec"]["containers"][0]["image"] for p in ready_pods(namespace)}
    assert images == {"registry.example/web:2"}


def test_failed_pod_is_replaced(cluster: str, namespace: str) -> None:
    apply(plain_deployment("registry.example/web:1"), namespace)
    kubectl("rollout", "status", "deployment/web", "-n", namespace, "--timeout=60s")
    victim = ready_pods(namespace)[0]["metadata"]["name"]

    kubectl("annotate", "pod", victim, "-n", namespace, "ecs.operator.dev/label.sim-fail=true")

    failed = wait_for("the marked pod to fail", lambda: kubectl_json(
        "get", "pod", victim, "-n", namespace)["status"].get("phase") == "Failed")
    assert failed
    replaced = wait_for("a replacement to become ready", lambda: (
        pods if len(pods := ready_pods(namespace)) == 3
        and victim not in {p["metadata"]["name"] for p in pods} else None))
    assert victim not in {p["metadata"]["name"] for p in replaced}
