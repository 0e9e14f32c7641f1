"""Standalone tasks: one Task is one Pod, following ECS's lifecycle and essential-container
rule; overrides apply; stopping (or deleting) a task stops it as UserInitiated."""

from __future__ import annotations

import json
import time

from .cluster import apply, kubectl, kubectl_json, wait_for
from .conftest import STOPPED_TASK_RETENTION_SECONDS

API = "ecs.operator.dev/v1alpha1"


def batch_definition(name: str, containers: list[dict]) -> dict:
    return {"apiVersion": API, "kind": "TaskDefinition", "metadata": {"name": name},
            "spec": {"containerDefinitions": containers}}


def container(name: str, essential: bool = True, **fields: object) -> dict:
    return {"name": name, "image": f"registry.example/{name}:1", "essential": essential,
            "memory": 128, **fields}


def task(name: str, definition: str, **spec: object) -> dict:
    return {"apiVersion": API, "kind": "Task", "metadata": {"name": name},
            "spec": {"taskDefinition": definition, **spec}}


def task_status(namespace: str, name: str) -> dict:
    return kubectl_json("get", "etask", name, "-n", namespace).get("status", {})


def until_status(namespace: str, name: str, last_status: str):
    return lambda: (s if (s := task_status(namespace, name)).get("lastStatus") == last_status
                    else None)


def test_essential_container_exit_stops_the_task(operator, namespace: str) -> None:
    apply([batch_definition("job", [container("app", dockerLabels={"sim-exit-code": "0"})]),
           task("run-1", "job", startedBy="e2e")], namespace)
    stopped = wait_for("the task to stop", until_status(namespace, "run-1", "STOPPED"))
    assert stopped["stopCode"] == "EssentialContainerExited"
    [app] = stopped["containers"]
    assert (app["name"], app["lastStatus"], app["exitCode"]) == ("app", "STOPPED", 0)
    assert stopped["taskDefinition"] == "job:1"
    assert stopped["startedAt"] <= stopped["stoppedAt"]
    row = kubectl("get", "etask", "run-1", "-n", namespace).stdout.split("\n")
    assert row[0].split()[:7] == ["NAME", "LAST", "STATUS", "HEALTH", "TASK", "DEFINITION",
                                  "STOP"]
    assert row[1].split()[:5] == ["run-1", "STOPPED", "UNKNOWN", "job:1",
                                  "EssentialContainerExited"]


def test_a_non_essential_container_exit_leaves_the_task_running(operator, namespace: str) -> None:
    apply([batch_definition("web-with-sidecar", [
        container("app"),
        container("sidecar", essential=False, dockerLabels={
            "sim-exit-code": "3", "sim-exit-container": "sidecar"})]),
        task("run-2", "web-with-sidecar")], namespace)
    def sidecar_stopped() -> dict | None:
        status = task_status(namespace, "run-2")
        return status if any(c["name"] == "sidecar" and c["lastStatus"] == "STOPPED"
                             for c in status.get("containers", [])) else None

    status = wait_for("the sidecar to stop", sidecar_stopped)
    sidecar = next(c for c in status["containers"] if c["name"] == "sidecar")
    assert sidecar["exitCode"] == 3
    assert status["lastStatus"] == "RUNNING"
    assert kubectl_json("get", "pod", "run-2", "-n", namespace)["status"]["phase"] == "Running"


def test_container_override_runs_the_overridden_command(operator, namespace: str) -> None:
    apply([batch_definition("report", [container("app", command=["report", "--daily"])]),
           task("run-3", "report", overrides={"containerOverrides": [
               {"name": "app", "command": ["report", "--weekly"],
                "environment": [{"name": "RANGE", "value": "7d"}]}]})], namespace)
    wait_for("the task to run", until_status(namespace, "run-3", "RUNNING"))
    [app] = kubectl_json("get", "pod", "run-3", "-n", namespace)["spec"]["containers"]
    assert app["args"] == ["report", "--weekly"]
    assert {"name": "RANGE", "value": "7d"} in app["env"]


def test_stopping_a_running_task_is_user_initiated(operator, namespace: str) -> None:
    apply([batch_definition("worker", [container("app")]), task("run-4", "worker")], namespace)
    wait_for("the task to run", until_status(namespace, "run-4", "RUNNING"))
    kubectl("patch", "etask", "run-4", "-n", namespace, "--type=merge", "-p",
            json.dumps({"spec": {"desiredStatus": "STOPPED", "stoppedReason": "maintenance"}}))
    stopped = wait_for("the task to stop", until_status(namespace, "run-4", "STOPPED"))
    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("UserInitiated", "maintenance")
    assert stopped["desiredStatus"] == "STOPPED"


def test_deleting_a_running_task_stops_it_first(operator, namespace: str) -> None:
    apply([batch_definition("worker", [container("app")]), task("run-5", "worker")], namespace)
    wait_for("the task to run", until_status(namespace, "run-5", "RUNNING"))
    kubectl("delete", "etask", "run-5", "-n", namespace, "--wait=true", "--timeout=60s")
    events = kubectl_json("get", "events", "-n", namespace,
                          "--field-selector", "involvedObject.name=run-5,reason=TaskStopped")
    assert [e["message"] for e in events["items"]] == [
        "task run-5 stopped: UserInitiated: Task stopped by user"]
    assert kubectl("get", "pod", "run-5", "-n", namespace, check=False).returncode != 0


def test_stopped_tasks_stay_visible_for_the_retention_then_go(operator, namespace: str) -> None:
    apply([batch_definition("once", [container("app", dockerLabels={"sim-exit-code": "0"})]),
           task("run-6", "once")], namespace)
    wait_for("the task to stop", until_status(namespace, "run-6", "STOPPED"))
    stopped_at = time.monotonic()
    wait_for("the stopped task to be cleaned up", lambda: kubectl(
        "get", "etask", "run-6", "-n", namespace, check=False).returncode != 0,
        timeout=STOPPED_TASK_RETENTION_SECONDS + 60, interval=1)
    assert time.monotonic() - stopped_at >= STOPPED_TASK_RETENTION_SECONDS - 2
