"""An ECS user's path: apply a TaskDefinition and a Service, get healthy tasks and ECS-style
status; new revisions roll out without dropping below the minimum healthy count."""

from __future__ import annotations

import re
import threading
import time

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import service, task_definition, with_container_field


def esvc(namespace: str, name: str = "web") -> dict:
    return kubectl_json("get", "ecsservices", name, "-n", namespace)


def condition(obj: dict, type_: str) -> dict:
    return next((c for c in obj.get("status", {}).get("conditions", [])
                 if c["type"] == type_), {})


def steady(namespace: str, name: str = "web", task_definition_ref: str | None = None):
    def probe():
        current = esvc(namespace, name)
        status = current.get("status", {})
        if condition(current, "SteadyState").get("status") != "True":
            return None
        if task_definition_ref and status.get("taskDefinition") != task_definition_ref:
            return None
        return current
    return probe


def task_counts(namespace: str, name: str = "web") -> tuple[int, int]:
    """(Ready tasks, tasks neither stopped nor stopping)."""
    pods = [p for p in kubectl_json("get", "pods", "-n", namespace,
                                    "-l", f"ecs.operator.dev/service={name}")["items"]
            if not p["metadata"].get("deletionTimestamp")
            and p["status"].get("phase") not in ("Failed", "Succeeded")]
    ready = sum(1 for p in pods if p["status"].get("phase") == "Running"
                and any(c["type"] == "Ready" and c["status"] == "True"
                        for c in p["status"].get("conditions", [])))
    return ready, len(pods)


class HealthySampler:
    """Counts Ready tasks in the background, for the minimum-healthy guarantee."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(task_counts(self.namespace))
            time.sleep(0.05)

    def __enter__(self) -> "HealthySampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_service_runs_tasks_and_rolls_to_each_new_revision(operator, namespace: str) -> None:
    assert apply([task_definition(), service(desired=3)], namespace).returncode == 0

    running = wait_for("3 RUNNING tasks of web:1", steady(namespace, task_definition_ref="web:1"))
    status = running["status"]
    assert (status["desiredCount"], status["runningCount"], status["pendingCount"]) == (3, 0 + 3, 0)
    assert len(status["runningTasks"]) == 3
    [primary] = status["deployments"]
    assert primary["status"] == "PRIMARY" and primary["rolloutState"] == "COMPLETED"
    assert primary["id"].startswith("ecs-svc/") and primary["id"][8:].isdigit()
    messages = [e["message"] for e in status["events"]]
    assert messages[0] == "(service web) has reached a steady state."
    started = [m for m in messages if m.startswith("(service web) has started ")]
    announced = {task for m in started for task in re.findall(r"\(task ([^)]+)\)", m)}
    assert announced == set(status["runningTasks"])

    table = kubectl("get", "esvc", "web", "-n", namespace).stdout.split("\n")
    assert table[0].split()[:6] == ["NAME", "DESIRED", "RUNNING", "PENDING", "TASK", "DEFINITION"]
    assert table[1].split()[:6] == ["web", "3", "3", "0", "web:1", "COMPLETED"]
    td_table = kubectl("get", "td", "web", "-n", namespace).stdout.split("\n")
    assert td_table[1].split()[:3] == ["web", "web", "1"]

    pod = kubectl_json("get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")["items"][0]
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["app"]
    assert pod["spec"]["initContainers"][0]["restartPolicy"] == "Always"
    assert [c["name"] for c in pod["spec"]["containers"]] == ["proxy"]

    with HealthySampler(namespace) as sampler:
        apply(task_definition(image="registry.example/web:2"), namespace)
        rolled = wait_for("the service on web:2", steady(namespace, task_definition_ref="web:2"))
    assert min(ready for ready, _ in sampler.samples) >= 3, sampler.samples
    assert max(total for _, total in sampler.samples) > 3, "sampling missed the rollout"
    [primary] = rolled["status"]["deployments"]
    assert primary["taskDefinition"] == "web:2"
    revisions = kubectl_json("get", "controllerrevisions", "-n", namespace,
                             "-l", "ecs.operator.dev/family=web")["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
    assert kubectl_json("get", "td", "web", "-n", namespace)["status"]["revision"] == 2


def test_pinned_revision_does_not_follow_new_revisions(operator, namespace: str) -> None:
    apply([task_definition(), service(task_definition_ref="web:1", desired=1)], namespace)
    wait_for("web:1 running", steady(namespace, task_definition_ref="web:1"))
    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("revision 2 recorded", lambda: kubectl_json(
        "get", "td", "web", "-n", namespace).get("status", {}).get("revision") == 2)
    time.sleep(2)
    assert esvc(namespace)["status"]["taskDefinition"] == "web:1"


def test_kubectl_scale_changes_desired_count(operator, namespace: str) -> None:
    apply([task_definition(), service(desired=2)], namespace)
    wait_for("2 tasks", steady(namespace))
    kubectl("scale", "esvc", "web", "--replicas=5", "-n", namespace)
    scaled = wait_for("5 tasks", lambda: (s := esvc(namespace))["status"].get("runningCount") == 5
                      and condition(s, "SteadyState").get("status") == "True" and s)
    assert scaled["spec"]["desiredCount"] == 5
    deployment = kubectl_json("get", "deployment", "web", "-n", namespace)
    assert deployment["spec"]["replicas"] == 5
    pdb = kubectl_json("get", "pdb", "web", "-n", namespace)
    assert pdb["spec"]["minAvailable"] == 4  # 100 %: one task at a time may be drained


def test_the_disruption_budget_comes_with_healthy_tasks_and_stays(operator,
                                                                  namespace: str) -> None:
    crashing = with_container_field(task_definition(), 0, dockerLabels={"sim-crash": "true"})
    apply([crashing, service(desired=2)], namespace)
    wait_for("2 tasks that never turn healthy", lambda: len(
        kubectl_json("get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")
        ["items"]) == 2 and esvc(namespace).get("status", {}).get("pendingCount", 0)
        + esvc(namespace).get("status", {}).get("runningCount", 0) == 2)
    # The status refresh that counted them would have added a budget; give it a few seconds
    # more than a refresh can be late (STATUS_LONGEST_WAIT_SECONDS).
    time.sleep(4)
    assert kubectl("get", "pdb", "web", "-n", namespace, check=False).returncode != 0, \
        "a service that never had healthy tasks got a PodDisruptionBudget (drains would block)"

    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("web:2 steady", steady(namespace, task_definition_ref="web:2"))
    budget = wait_for("the budget", lambda: kubectl_json(
        "get", "pdb", "-n", namespace, "-l", "ecs.operator.dev/service=web")["items"])
    assert [b["spec"]["minAvailable"] for b in budget] == [1]
    uid = budget[0]["metadata"]["uid"]

    # Once earned, the budget stays when tasks turn unhealthy, also across a restart (the
    # restarted operator has applied nothing yet and prunes what the Service no longer asks).
    sick = kubectl_json("get", "pods", "-n", namespace,
                        "-l", "ecs.operator.dev/service=web")["items"][0]["metadata"]["name"]
    kubectl("annotate", "pod", sick, "-n", namespace, "ecs.operator.dev/label.sim-unhealthy=true")
    wait_for("one task unhealthy", lambda: not any(
        c["type"] == "Ready" and c["status"] == "True" for c in kubectl_json(
            "get", "pod", sick, "-n", namespace)["status"]["conditions"]))
    operator.stop()
    operator.start()
    kubectl("scale", "esvc", "web", "--replicas=3", "-n", namespace)
    wait_for("the budget to follow the new count", lambda: kubectl_json(
        "get", "pdb", "web", "-n", namespace)["spec"]["minAvailable"] == 2)
    assert kubectl_json("get", "pdb", "web", "-n", namespace)["metadata"]["uid"] == uid


def test_a_spec_changed_while_the_operator_was_down_is_applied_when_it_returns(
        operator, namespace: str) -> None:
    apply([task_definition(), service(desired=2)], namespace)
    wait_for("2 tasks", steady(namespace))
    # What the operator handled is the generation its status says it reconciled; no
    # bookkeeping annotation is written to the Service after each change.
    annotations = esvc(namespace)["metadata"].get("annotations") or {}
    assert not [key for key in annotations if key.startswith("ecs.operator.dev/")]

    operator.stop()
    kubectl("scale", "esvc", "web", "--replicas=3", "-n", namespace)
    operator.start()
    scaled = wait_for("3 tasks after the restart", lambda: (s := esvc(namespace))["status"].get(
        "runningCount") == 3 and condition(s, "SteadyState").get("status") == "True" and s)
    assert scaled["status"]["observedGeneration"] == scaled["metadata"]["generation"]
    assert kubectl_json("get", "deployment", "web", "-n", namespace)["spec"]["replicas"] == 3


def test_deleting_the_service_removes_its_deployment_and_tasks(operator, namespace: str) -> None:
    apply([task_definition(), service(desired=2)], namespace)
    wait_for("2 tasks", steady(namespace))
    kubectl("delete", "esvc", "web", "-n", namespace)
    wait_for("the Deployment to go", lambda: kubectl(
        "get", "deployment", "web", "-n", namespace, check=False).returncode != 0)
    wait_for("the tasks to go", lambda: not kubectl_json(
        "get", "pods", "-n", namespace, "-l", "ecs.operator.dev/service=web")["items"],
        timeout=90)


def test_operator_killed_mid_rollout_finishes_it_after_restart(operator, namespace: str) -> None:
    apply([task_definition(), service(desired=4)], namespace)
    wait_for("web:1 steady", steady(namespace, task_definition_ref="web:1"))

    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("the Deployment to start rolling to web:2", lambda: kubectl_json(
        "get", "deployment", "web", "-n", namespace)["spec"]["template"]["metadata"]
        ["annotations"]["ecs.operator.dev/task-definition"] == "web:2", interval=0.05)
    operator.stop(kill=True)
    operator.start()

    rolled = wait_for("web:2 steady after the restart",
                      steady(namespace, task_definition_ref="web:2"))
    assert [d["taskDefinition"] for d in rolled["status"]["deployments"]] == ["web:2"]
    selector = ["-n", namespace, "-l", "ecs.operator.dev/service=web"]
    assert len(kubectl_json("get", "deployments", *selector)["items"]) == 1
    assert len(kubectl_json("get", "pdb", *selector)["items"]) == 1
    revisions = kubectl_json("get", "controllerrevisions", "-n", namespace)["items"]
    assert sorted(r["metadata"]["name"] for r in revisions) == ["web-1", "web-2"]
    assert task_counts(namespace) == (4, 4)


def test_a_task_no_node_can_hold_is_reported_with_the_schedulers_reason(
        operator, namespace: str) -> None:
    huge = with_container_field(task_definition(name="huge"), 0, cpu=64 * 1024)
    apply([huge, service(name="huge", task_definition_ref="huge", desired=1)], namespace)
    placed = wait_for("the TasksPlaced condition to turn False", lambda: (
        c if (c := condition(esvc(namespace, "huge"), "TasksPlaced")).get("status") == "False"
        else None))
    assert "Insufficient cpu" in placed["message"]
    messages = [e["message"] for e in esvc(namespace, "huge")["status"]["events"]]
    assert any(m.startswith("(service huge) was unable to place a task") and
               "Insufficient cpu" in m for m in messages)


def test_edits_to_the_owned_deployment_are_reverted(operator, namespace) -> None:
    apply([task_definition(), service(desired=2)], namespace)
    wait_for("2 running tasks", steady(namespace), timeout=120)

    def deployment():
        return kubectl_json("get", "deployment", "web", "-n", namespace)

    kubectl("scale", "deployment", "web", "-n", namespace, "--replicas=4")
    wait_for("replicas back to desiredCount", lambda: deployment()["spec"]["replicas"] == 2)
    kubectl("set", "image", "deployment/web", "-n", namespace, "proxy=registry.example/evil:1")

    def proxy_image():
        containers = deployment()["spec"]["template"]["spec"]["containers"]
        return next(c["image"] for c in containers if c["name"] == "proxy")

    wait_for("the task definition's image again",
             lambda: proxy_image() == "registry.example/proxy:1")
    wait_for("steady on web:1", steady(namespace, task_definition_ref="web:1"), timeout=120)
