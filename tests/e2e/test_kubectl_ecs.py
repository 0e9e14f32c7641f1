"""`kubectl ecs` (the kubectl-ecs plugin) against the local cluster: its answers are the ones
`kubectl get` gives for the same objects."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from . import manifests
from .cluster import apply, kubectl_json, wait_for

pytestmark = pytest.mark.e2e

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "ecs"
# The console script lives next to the interpreter; on PATH, kubectl finds it as a plugin.
PLUGIN_PATH = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def ecs(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["kubectl", "ecs", *args], text=True, capture_output=True,
                          env={**os.environ, "PATH": PLUGIN_PATH}, timeout=300)
    if check:
        assert done.returncode == 0, f"kubectl ecs {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def ecs_json(*args: str) -> dict:
    return json.loads(ecs(*args, "-o", "json").stdout)


def registered(namespace: str, name: str, revision: int = 1):
    return lambda: (kubectl_json("get", "td", name, "-n", namespace).get("status", {})
                    .get("revision") == revision)


def steady(namespace: str, name: str):
    def probe():
        status = kubectl_json("get", "esvc", name, "-n", namespace).get("status", {})
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        return status if conditions.get("SteadyState") == "True" else None
    return probe


def test_plugin_is_found_by_kubectl() -> None:
    listed = subprocess.run(["kubectl", "plugin", "list"], text=True, capture_output=True,
                            env={**os.environ, "PATH": PLUGIN_PATH})
    assert "kubectl-ecs" in listed.stdout
    assert "run-task" in ecs("--help").stdout


def test_run_task_describe_tasks_and_stop_task_agree_with_kubectl(operator,
                                                                  namespace: str) -> None:
    apply(manifests.task_definition("web"), namespace)
    wait_for("revision 1", registered(namespace, "web"))

    run = ecs_json("run-task", "--task-definition", "web", "--started-by", "e2e-cli",
                   "--wait", "-n", namespace)
    assert run["failures"] == []
    [task] = run["tasks"]
    name = task["taskArn"].split("/")[-1]
    resource = kubectl_json("get", "etask", name, "-n", namespace)
    assert task["taskArn"] == resource["status"]["taskArn"] == f"{namespace}/{name}"
    assert task["lastStatus"] == "RUNNING"
    assert resource["spec"]["startedBy"] == task["startedBy"] == "e2e-cli"
    assert kubectl_json("get", "pod", name, "-n", namespace)["status"]["phase"] == "Running"

    described = ecs_json("describe-tasks", "--tasks", name, "missing-task", "-n", namespace)
    assert described["failures"] == [{"arn": "missing-task", "reason": "MISSING"}]
    [shown] = described["tasks"]
    status = kubectl_json("get", "etask", name, "-n", namespace)["status"]
    assert (shown["lastStatus"], shown["desiredStatus"], shown["healthStatus"],
            shown["taskDefinitionArn"]) == (status["lastStatus"], status["desiredStatus"],
                                            status["healthStatus"], status["taskDefinition"])
    assert [(c["name"], c["lastStatus"], c["healthStatus"]) for c in shown["containers"]] == \
        [(c["name"], c["lastStatus"], c["healthStatus"]) for c in status["containers"]]

    listed = ecs_json("list-tasks", "--started-by", "e2e-cli", "-n", namespace)
    assert listed == {"taskArns": [f"{namespace}/{name}"]}

    stopped = ecs_json("stop-task", "--task", name, "--reason", "done testing", "--wait",
                       "-n", namespace)["task"]
    status = kubectl_json("get", "etask", name, "-n", namespace)["status"]
    assert stopped["lastStatus"] == status["lastStatus"] == "STOPPED"
    assert stopped["stopCode"] == status["stopCode"] == "UserInitiated"
    assert stopped["stoppedReason"] == status["stoppedReason"] == "done testing"
    assert ecs_json("list-tasks", "--desired-status", "STOPPED", "-n", namespace) == \
        {"taskArns": [f"{namespace}/{name}"]}
    assert ecs_json("list-tasks", "-n", namespace) == {"taskArns": []}

    table = ecs("describe-tasks", "--tasks", name, "-n", namespace).stdout
    assert "UserInitiated" in table and "done testing" in table


def test_update_service_force_new_deployment_waits_for_a_new_steady_deployment(
        operator, namespace: str) -> None:
    apply([manifests.task_definition("web"), manifests.service("web", desired=2)], namespace)
    wait_for("the service to be steady", steady(namespace, "web"), timeout=120)
    before = ecs_json("describe-services", "--services", "web", "-n", namespace)
    [service] = before["services"]
    [old] = service["deployments"]
    old_replica_sets = {rs["metadata"]["uid"] for rs in kubectl_json(
        "get", "rs", "-l", "ecs.operator.dev/service=web", "-n", namespace)["items"]}

    done = ecs("update-service", "--service", "web", "--force-new-deployment", "--wait",
               "--timeout", "180", "-n", namespace, "-o", "json")
    assert "has reached a steady state" in done.stderr  # the progress of --wait
    assert "running" in done.stderr
    updated = json.loads(done.stdout)["service"]

    def new_replica_set_ready():
        items = kubectl_json("get", "rs", "-l", "ecs.operator.dev/service=web", "-n",
                             namespace)["items"]
        new = [rs for rs in items if rs["metadata"]["uid"] not in old_replica_sets]
        assert len(new) == 1, new  # exactly one new ReplicaSet rolled out
        return items if new[0]["status"].get("readyReplicas") == 2 else None
    replica_sets = wait_for("the new ReplicaSet to be ready", new_replica_set_ready)
    status = kubectl_json("get", "esvc", "web", "-n", namespace)["status"]
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["SteadyState"] == "True" and status["rolloutState"] == "COMPLETED"
    primary = next(d for d in status["deployments"] if d["status"] == "PRIMARY")
    assert primary["id"] != old["id"]
    assert (updated["runningCount"], updated["desiredCount"], updated["taskDefinition"]) == \
        (status["runningCount"], 2, status["taskDefinition"])
    assert [d["id"] for d in updated["deployments"]] == [d["id"] for d in status["deployments"]]

    # The operator's own apply (a scale here) keeps kubectl-ecs's annotation: no other rollout.
    scaled = ecs_json("update-service", "--service", "web", "--desired-count", "3", "--wait",
                      "-n", namespace)["service"]
    assert scaled["runningCount"] == 3
    template = kubectl_json("get", "deployment", "web", "-n", namespace)["spec"]["template"]
    assert "ecs.operator.dev/restartedAt" in template["metadata"]["annotations"]
    after = kubectl_json("get", "rs", "-l", "ecs.operator.dev/service=web", "-n",
                         namespace)["items"]
    assert {rs["metadata"]["uid"] for rs in after} == {rs["metadata"]["uid"]
                                                         for rs in replica_sets}

    # The service's tasks are its pods, as kubectl lists them.
    pods = kubectl_json("get", "pods", "-l", "ecs.operator.dev/service=web", "-n", namespace)
    running = sorted(f"{namespace}/{p['metadata']['name']}" for p in pods["items"]
                     if not p["metadata"].get("deletionTimestamp"))
    assert ecs_json("list-tasks", "--service-name", "web", "-n", namespace)["taskArns"] == running
    described = ecs_json("describe-tasks", "--tasks", *running, "-n", namespace)["tasks"]
    assert {t["lastStatus"] for t in described} == {"RUNNING"}
    assert {t["group"] for t in described} == {"service:web"}
    assert {t["startedBy"] for t in described} == {primary["id"]}


def test_force_new_deployment_of_a_blue_green_service_is_refused_with_the_way_out(
        operator, namespace: str) -> None:
    service = manifests.service(desired=1, deploymentConfiguration={"strategy": "BLUE_GREEN"})
    apply([manifests.task_definition(), service], namespace)
    wait_for("web steady", steady(namespace, "web"), timeout=120)
    refused = ecs("update-service", "--service", "web", "--force-new-deployment", "-n",
                  namespace, check=False)
    assert refused.returncode != 0
    assert "register a new task definition revision" in refused.stderr
    deployments = {d["metadata"]["name"] for d in kubectl_json(
        "get", "deployments", "-n", namespace)["items"]}
    assert deployments == {"web-1"}, "nothing was made of the refused request"


def test_register_task_definition_from_ecs_json(operator, namespace: str) -> None:
    source = CORPUS / "fargate-web-secrets.json"
    done = ecs("register-task-definition", "--cli-input-json", f"file://{source}",
               "-n", namespace, "-o", "json")
    registered_td = json.loads(done.stdout)["taskDefinition"]
    resource = kubectl_json("get", "td", "storefront-web", "-n", namespace)
    assert registered_td["revision"] == resource["status"]["revision"] == 1
    assert registered_td["taskDefinitionArn"] == resource["status"]["taskDefinition"] == \
        "storefront-web:1"
    assert "not honoured: taskRoleArn" in done.stderr
    assert resource["status"]["unsupportedFields"] == [
        "containerDefinitions[0].logConfiguration", "executionRoleArn", "taskRoleArn"]

    # A second registration is a whole new revision: what it leaves out is gone.
    request = json.loads(source.read_text())["taskDefinition"]
    for field in ("taskRoleArn", "executionRoleArn"):
        del request[field]
    request["containerDefinitions"][0]["image"] = "registry.example/storefront-web:2.9.0"
    again = ecs("register-task-definition", "--cli-input-json", json.dumps(request),
                "-n", namespace, "-o", "json")
    assert json.loads(again.stdout)["taskDefinition"]["revision"] == 2
    resource = kubectl_json("get", "td", "storefront-web", "-n", namespace)
    assert resource["status"]["revision"] == 2
    assert "taskRoleArn" not in resource["spec"]
    assert resource["status"]["unsupportedFields"] == ["containerDefinitions[0].logConfiguration"]


def test_describe_services_table_and_unknown_service(operator, namespace: str) -> None:
    apply([manifests.task_definition("web"), manifests.service("web", desired=1)], namespace)
    wait_for("the service to be steady", steady(namespace, "web"), timeout=120)
    table = ecs("describe-services", "--services", "web", "nope", "-n", namespace).stdout
    header, row = table.splitlines()[:2]
    assert header.split()[:5] == ["SERVICE", "STATUS", "DESIRED", "RUNNING", "PENDING"]
    assert row.split() == ["web", "ACTIVE", "1", "1", "0", "web:1", "COMPLETED"]
    assert "nope" in table and "MISSING" in table
    missing = ecs("update-service", "--service", "nope", "--desired-count", "1", "-n",
                  namespace, check=False)
    assert missing.returncode == 1 and "ServiceNotFoundException" in missing.stderr
