"""`kubectl drain` of a node running a service at minimumHealthyPercent 100: the evictions go
through the real API server and the service's PodDisruptionBudget, the drain finishes, and the
service never has fewer Ready tasks than the budget's floor (desiredCount - 1) meanwhile."""

from __future__ import annotations

import collections
import subprocess
import time

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition
from .test_services import HealthySampler, steady, task_counts

DESIRED = 4


def service_pods(namespace: str) -> list[dict]:
    return [p for p in kubectl_json("get", "pods", "-n", namespace,
                                    "-l", "ecs.operator.dev/service=web")["items"]
            if not p["metadata"].get("deletionTimestamp")]


def test_a_drain_at_minimum_healthy_100_finishes_one_task_at_a_time(operator,
                                                                    namespace: str) -> None:
    apply([task_definition(), service(desired=DESIRED, deploymentConfiguration={
        "minimumHealthyPercent": 100, "maximumPercent": 200})], namespace)
    wait_for("web steady", steady(namespace, task_definition_ref="web:1"), timeout=90)
    budget = wait_for("the budget", lambda: kubectl_json(
        "get", "pdb", "-n", namespace, "-l", "ecs.operator.dev/service=web")["items"])[0]
    assert budget["spec"]["minAvailable"] == DESIRED - 1
    wait_for("the budget to allow one disruption", lambda: kubectl_json(
        "get", "pdb", "web", "-n", namespace).get("status", {}).get("disruptionsAllowed") == 1)

    per_node = collections.Counter(p["spec"]["nodeName"] for p in service_pods(namespace))
    node, on_node = per_node.most_common(1)[0]
    # The drain cordons the node and evicts this service's tasks; other tests' leftovers on
    # the node (bare pods of standalone tasks, which a drain refuses without --force) are not
    # this test's business.
    try:
        with HealthySampler(namespace) as sampler:
            started = time.monotonic()
            drained = subprocess.run(
                ["kubectl", "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
                 "--pod-selector", "ecs.operator.dev/service=web", "--timeout=180s"],
                capture_output=True, text=True)
            took = time.monotonic() - started
            assert drained.returncode == 0, drained.stderr
            wait_for("the service back to its desired count elsewhere", lambda: task_counts(
                namespace) == (DESIRED, DESIRED) and all(
                p["spec"].get("nodeName") != node for p in service_pods(namespace)), timeout=60)
    finally:
        kubectl("uncordon", node)
    evicted = drained.stdout.count("evicted")
    assert evicted == on_node, drained.stdout
    ready = [r for r, _ in sampler.samples]
    assert min(ready) >= DESIRED - 1, f"lowest {min(ready)} Ready tasks during the drain"
    assert ready[-1] == DESIRED
    print(f"drained {node}: {on_node} tasks evicted in {took:.1f} s, lowest Ready "
          f"{min(ready)} of {DESIRED} over {len(ready)} samples")
