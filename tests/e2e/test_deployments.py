"""BLUE_GREEN service deployments on the local cluster: production traffic switches at once
from blue to green, and a stop-service-deployment rolls back without stopping a blue task."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import pytest
from kubernetes import client, config

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition

# A bake minute lasts 3 s in these tests (the operator's --bake-time-scale).
BAKE_TIME_SCALE = "0.05"
REVISION = "ecs.operator.dev/revision"


@pytest.fixture(scope="module")
def scaled_operator(operator):
    operator.stop()
    operator.extra_args = ["--bake-time-scale", BAKE_TIME_SCALE]
    operator.start()
    yield operator
    operator.stop()
    operator.extra_args = []
    operator.start()


def blue_green(desired: int = 3, bake: int = 1, **extra: object) -> dict:
    return service(desired=desired, loadBalancers=[
        {"containerName": "app", "containerPort": 80}], deploymentConfiguration={
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": bake, **extra})


def latest(namespace: str) -> dict:
    records = kubectl_json("get", "ecsservices", "web", "-n", namespace).get(
        "status", {}).get("serviceDeployments") or [{}]
    return records[0]


def finished(namespace: str, target: str, status: str = "SUCCESSFUL"):
    def probe():
        record = latest(namespace)
        if record.get("targetServiceRevision", {}).get("arn") == target \
                and record.get("status") == status:
            return record
        return None
    return probe


class Sampler(threading.Thread):
    """Every 100 ms: the production Service's ready endpoints (pod names), then the revision
    its selector names (read after, so a green endpoint seen implies the switch was made)."""

    def __init__(self, namespace: str) -> None:
        super().__init__(daemon=True)
        config.load_kube_config(os.environ.get("KUBECONFIG"))
        self.discovery, self.core = client.DiscoveryV1Api(), client.CoreV1Api()
        self.namespace, self.samples, self.done = namespace, [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            slices = self.discovery.list_namespaced_endpoint_slice(
                self.namespace, label_selector="kubernetes.io/service-name=web").items
            ready = [e.target_ref.name for s in slices for e in s.endpoints or []
                     if e.conditions and e.conditions.ready]
            selector = self.core.read_namespaced_service("web", self.namespace).spec.selector
            self.samples.append((ready, selector.get(REVISION)))
            time.sleep(0.1)

    def stop(self) -> list[tuple[list[str], str | None]]:
        self.done.set()
        self.join(timeout=10)
        return self.samples


def ready_endpoints(namespace: str, name: str, prefix: str, count: int):
    def probe():
        slices = kubectl_json("get", "endpointslices", "-n", namespace,
                              "-l", f"kubernetes.io/service-name={name}")["items"]
        ready = [e["targetRef"]["name"] for s in slices for e in s.get("endpoints") or []
                 if e.get("conditions", {}).get("ready")]
        return ready if len(ready) == count and all(n.startswith(prefix) for n in ready) \
            else None
    return probe


def pods_of(namespace: str, deployment: str) -> set[str]:
    pods = kubectl_json("get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")
    return {p["metadata"]["name"] for p in pods["items"]
            if p["metadata"]["name"].startswith(f"{deployment}-")}


def blue_deployed(namespace: str, blue_green_service: dict) -> set[str]:
    """Registers web:1 with the service; once its 3 tasks serve production, their pods."""
    apply([task_definition(), blue_green_service], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    wait_for("3 blue endpoints", ready_endpoints(namespace, "web", "web-1-", 3), timeout=60)
    return pods_of(namespace, "web-1")


def green_baking(namespace: str) -> dict:
    """Registers web:2; its deployment's record once it reaches BAKE_TIME."""
    apply(task_definition(image="registry.example/web:2"), namespace)
    return wait_for("green baking", lambda: (lambda r: r if r.get("lifecycleStage")
                                             == "BAKE_TIME" else None)(latest(namespace)),
                    timeout=120)


def test_blue_green_switches_production_at_once_and_never_serves_green_before(
        scaled_operator, namespace) -> None:
    apply([task_definition(), blue_green()], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    wait_for("3 blue endpoints", ready_endpoints(namespace, "web", "web-1-", 3), timeout=60)

    sampler = Sampler(namespace)
    sampler.start()
    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("the test Service on green", ready_endpoints(namespace, "web-test", "web-2-", 3),
             timeout=120)
    done = wait_for("web:2 deployed", finished(namespace, "web:2"), timeout=120)
    wait_for("blue gone", lambda: not pods_of(namespace, "web-1"), timeout=60)
    wait_for("3 green endpoints", ready_endpoints(namespace, "web", "web-2-", 3), timeout=60)
    samples = sampler.stop()

    assert len(samples) > 20
    assert min(len(ready) for ready, _ in samples) > 0, "production lost every endpoint"
    early = [(ready, selected) for ready, selected in samples
             if selected == "1" and any(n.startswith("web-2-") for n in ready)]
    assert early == [], "a green endpoint served production before the switch"
    assert samples[0][1] == "1" and samples[-1][1] == "2"
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert kubectl("get", "deployment", "web-1", "-n", namespace,
                   check=False).returncode != 0
    assert kubectl("get", "service", "web-test", "-n", namespace,
                   check=False).returncode != 0


def test_stop_service_deployment_rolls_back_without_stopping_a_blue_task(
        scaled_operator, namespace) -> None:
    blue = blue_deployed(namespace, blue_green(bake=10))
    baking = green_baking(namespace)
    assert kubectl_json("get", "service", "web", "-n", namespace)["spec"]["selector"][
        REVISION] == "2"
    kubectl("annotate", "ecsservice", "web", "-n", namespace,
            f"ecs.operator.dev/stop-service-deployment={baking['serviceDeploymentArn']}")
    rolled = wait_for("rolled back", finished(namespace, "web:2", "ROLLBACK_SUCCESSFUL"),
                      timeout=60)
    assert rolled["rollback"]["serviceRevisionArn"] == "web:1"
    wait_for("3 blue endpoints again", ready_endpoints(namespace, "web", "web-1-", 3),
             timeout=60)
    wait_for("green gone", lambda: not pods_of(namespace, "web-2"), timeout=60)
    assert pods_of(namespace, "web-1") == blue, "a blue task was stopped"
    time.sleep(3)  # the spec still names web:2: nothing deploys it again
    assert latest(namespace)["status"] == "ROLLBACK_SUCCESSFUL"
    kubectl("wait", "ecsservice/web", "-n", namespace, "--for=condition=SteadyState",
            "--timeout=60s")
    status = kubectl_json("get", "ecsservices", "web", "-n", namespace)["status"]
    assert [(d["status"], d["taskDefinition"], d["rolloutState"], d["runningCount"])
            for d in status["deployments"]] == [("PRIMARY", "web:1", "COMPLETED", 3)]
    assert status["taskDefinition"] == "web:1", "after a rollback, the source, as in ECS"


def _primary_and_active(namespace: str):
    """The status while green deploys beside blue, as describe-services shows it."""
    def probe():
        status = kubectl_json("get", "ecsservices", "web", "-n", namespace).get("status", {})
        shown = [(d["status"], d["taskDefinition"], d["rolloutState"])
                 for d in status.get("deployments") or []]
        return status if shown == [("PRIMARY", "web:2", "IN_PROGRESS"),
                                   ("ACTIVE", "web:1", "COMPLETED")] else None
    return probe


def test_blue_green_status_reads_as_describe_services_and_update_service_wait_ends(
        scaled_operator, namespace) -> None:
    from .test_kubectl_ecs import PLUGIN_PATH
    pinned = blue_green(bake=2)
    pinned["spec"]["taskDefinition"] = "web:1"
    apply([task_definition(), pinned], namespace)
    kubectl("wait", "ecsservice/web", "-n", namespace, "--for=condition=SteadyState",
            "--timeout=120s")
    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("web:2 registered", lambda: kubectl_json("get", "td", "web", "-n", namespace)
             .get("status", {}).get("revision") == 2)

    waiting = subprocess.Popen(
        ["kubectl", "ecs", "update-service", "-n", namespace, "--service", "web",
         "--task-definition", "web:2", "--wait", "--timeout", "180", "--output", "json"],
        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PATH": PLUGIN_PATH})
    try:
        during = wait_for("green PRIMARY IN_PROGRESS beside blue ACTIVE",
                          _primary_and_active(namespace), timeout=120, interval=0.2)
        conditions = {c["type"]: (c["status"], c["reason"]) for c in during["conditions"]}
        assert during["rolloutState"] == "IN_PROGRESS"
        assert conditions["Progressing"] == ("True", "RolloutInProgress")
        assert conditions["SteadyState"][0] == "False"
        out, err = waiting.communicate(timeout=240)
    finally:
        waiting.kill()
    assert waiting.returncode == 0, f"update-service --wait failed:\n{out}\n{err}"
    assert "(service web) has reached a steady state." in err

    kubectl("wait", "ecsservice/web", "-n", namespace, "--for=condition=SteadyState",
            "--timeout=60s")
    status = kubectl_json("get", "ecsservices", "web", "-n", namespace)["status"]
    [primary] = status["deployments"]
    assert (primary["status"], primary["taskDefinition"], primary["rolloutState"],
            primary["desiredCount"], primary["runningCount"]) == (
        "PRIMARY", "web:2", "COMPLETED", 3, 3)
    assert primary["id"] == json.loads(out)["service"]["deployments"][0]["id"]
    assert (status["taskDefinition"], status["rolloutState"]) == ("web:2", "COMPLETED")
    assert latest(namespace)["status"] == "SUCCESSFUL"
    assert "(service web) has reached a steady state." in [
        e["message"] for e in status["events"]]


def _ecs_json(*args: str) -> dict:
    from .test_kubectl_ecs import ecs
    return json.loads(ecs(*args, "--output", "json").stdout)


def paused(namespace: str, stage: str):
    return lambda: (lambda r: r if r.get("pausedAt") == stage else None)(latest(namespace))


@pytest.mark.parametrize("action, outcome, serving", [
    ("CONTINUE", "SUCCESSFUL", "web-2-"),
    ("ROLLBACK", "ROLLBACK_SUCCESSFUL", "web-1-"),
])
def test_a_pause_hook_waits_for_continue_service_deployment(
        scaled_operator, namespace, action: str, outcome: str, serving: str) -> None:
    apply([task_definition(), blue_green(lifecycleHooks=[
        {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}])], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    apply(task_definition(image="registry.example/web:2"), namespace)
    record = wait_for("paused after the test traffic shift",
                      paused(namespace, "POST_TEST_TRAFFIC_SHIFT"), timeout=120)
    arn = f"{namespace}/{record['serviceDeploymentArn']}"
    time.sleep(3)  # paused means paused: production stays on blue
    assert latest(namespace)["pausedAt"] == "POST_TEST_TRAFFIC_SHIFT"
    assert kubectl_json("get", "service", "web", "-n", namespace)["spec"]["selector"][
        REVISION] == "1"
    described = _ecs_json("describe-service-deployments", "-n", namespace,
                          "--service-deployment-arns", arn)["serviceDeployments"][0]
    assert described["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert [(d["hookId"], d["targetType"], d["status"], d["timeoutAction"])
            for d in described["lifecycleHookDetails"]] == [
        ("0", "PAUSE", "AWAITING_ACTION", "ROLLBACK")]
    _ecs_json("continue-service-deployment", "-n", namespace, "--service-deployment-arn", arn,
              "--action", action)
    wait_for(outcome, finished(namespace, "web:2", outcome), timeout=120)
    wait_for("production on the right revision",
             ready_endpoints(namespace, "web", serving, 3), timeout=60)
    listed = _ecs_json("list-service-deployments", "-n", namespace, "--service", "web")
    assert [d["status"] for d in listed["serviceDeployments"]] == [outcome, "SUCCESSFUL"]


def test_stop_service_deployment_command_rolls_back(scaled_operator, namespace) -> None:
    blue_deployed(namespace, blue_green(bake=10))
    record = green_baking(namespace)
    _ecs_json("stop-service-deployment", "-n", namespace, "--service-deployment-arn",
              f"{namespace}/{record['serviceDeploymentArn']}")
    rolled = wait_for("rolled back", finished(namespace, "web:2", "ROLLBACK_SUCCESSFUL"),
                      timeout=60)
    assert "stop-service-deployment" in rolled["statusReason"]


def share_of_green(namespace: str) -> tuple[int, int]:
    slices = kubectl_json("get", "endpointslices", "-n", namespace,
                          "-l", "kubernetes.io/service-name=web")["items"]
    ready = [e["targetRef"]["name"] for s in slices for e in s.get("endpoints") or []
             if e.get("conditions", {}).get("ready")]
    return sum(n.startswith("web-2-") for n in ready), len(ready)


def test_a_canary_at_ten_percent_of_ten_tasks(scaled_operator, namespace) -> None:
    apply([task_definition(), service(desired=10, loadBalancers=[
        {"containerName": "app", "containerPort": 80}], deploymentConfiguration={
        "strategy": "CANARY", "bakeTimeInMinutes": 0,
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 10}})],
        namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=180)
    apply(task_definition(image="registry.example/web:2"), namespace)
    canary = wait_for("the canary baking", lambda: (lambda r: r if r.get("lifecycleStage")
                                                    == "POST_PRODUCTION_TRAFFIC_SHIFT"
                                                    else None)(latest(namespace)), timeout=180)
    wait_for("1 green of 10 ready endpoints",
             lambda: share_of_green(namespace) == (1, 10) or None, timeout=60)
    record = latest(namespace)
    assert record["targetServiceRevision"]["requestedTaskCount"] == 1
    assert record["sourceServiceRevisions"][0]["requestedTaskCount"] == 9
    assert canary["serviceDeploymentArn"] == record["serviceDeploymentArn"]
    wait_for("web:2 deployed", finished(namespace, "web:2"), timeout=180)
    wait_for("10 green endpoints", ready_endpoints(namespace, "web", "web-2-", 10), timeout=60)


def test_a_linear_deployment_moves_in_steps(scaled_operator, namespace) -> None:
    apply([task_definition(), service(desired=4, loadBalancers=[
        {"containerName": "app", "containerPort": 80}], deploymentConfiguration={
        "strategy": "LINEAR", "bakeTimeInMinutes": 0,
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}})], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    apply(task_definition(image="registry.example/web:2"), namespace)
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        record = latest(namespace)
        if record.get("targetServiceRevision", {}).get("arn") == "web:2" \
                and record.get("lifecycleStage") == "POST_PRODUCTION_TRAFFIC_SHIFT":
            count = record["targetServiceRevision"]["requestedTaskCount"]
            if not seen or seen[-1] != count:
                seen.append(count)
        if record.get("status") == "SUCCESSFUL" and record["targetServiceRevision"][
                "arn"] == "web:2":
            break
        time.sleep(0.3)
    assert seen == [1, 2, 3], seen
    wait_for("4 green endpoints", ready_endpoints(namespace, "web", "web-2-", 4), timeout=60)
