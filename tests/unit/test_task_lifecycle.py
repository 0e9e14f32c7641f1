"""Pod -> ECS task lifecycle, the essential-container rule and RunTask overrides."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.task import apply_overrides, stop_cause, stopped_task_expired, \
    task_status

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)


def pod(phase: str = "Running", containers: list[dict] | None = None, scheduled: bool = True,
        deleting: bool = False, node: str | None = "kwok-node-a") -> dict:
    meta = {"name": "t", "namespace": "ns"}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-25T12:00:00Z"
    return {"metadata": meta, "spec": {"nodeName": node} if node else {},
            "status": {"phase": phase, "startTime": "2026-11-25T11:59:00Z",
                       "conditions": [{"type": "PodScheduled",
                                       "status": "True" if scheduled else "False"}],
                       "containerStatuses": containers or []}}


def running(name: str, ready: bool = True) -> dict:
    return {"name": name, "ready": ready, "state": {"running": {"startedAt": "x"}}}


def waiting(name: str, reason: str = "ContainerCreating") -> dict:
    return {"name": name, "ready": False, "state": {"waiting": {"reason": reason}}}


def exited(name: str, code: int) -> dict:
    return {"name": name, "ready": False,
            "state": {"terminated": {"exitCode": code, "reason": "Completed"}}}


def status_of(pod_body: dict | None, desired: str = "RUNNING", previous: dict | None = None,
              non_essential: set[str] = frozenset(), checked: set[str] = frozenset()) -> dict:
    cause = stop_cause(pod_body, desired, False, set(non_essential))
    return task_status(previous=previous or {}, pod=pod_body, task_definition="job:1",
                       desired="STOPPED" if cause else desired,
                       stop_code=cause[0] if cause else None,
                       stopped_reason=cause[1] if cause else None,
                       non_essential=set(non_essential), health_checked=set(checked), now=T0)


@pytest.mark.parametrize("pod_body,expected", [
    (None, "PROVISIONING"),
    (pod("Pending", [waiting("app")], scheduled=False, node=None), "PROVISIONING"),
    (pod("Pending", [waiting("app")]), "PENDING"),
    (pod("Running", [running("app"), waiting("log")]), "ACTIVATING"),
    (pod("Running", [running("app"), running("log")]), "RUNNING"),
    (pod("Running", [running("app")], deleting=True), "STOPPING"),
    (pod("Running", [exited("app", 0)], deleting=True), "DEPROVISIONING"),
    (pod("Succeeded", [exited("app", 0)]), "STOPPED"),
    (pod("Failed", [exited("app", 1)]), "STOPPED"),
], ids=["no-pod", "unscheduled", "scheduled", "starting", "running", "stopping",
        "exited-while-deleting", "succeeded", "failed"])
def test_pod_phase_to_last_status(pod_body, expected) -> None:
    assert status_of(pod_body)["lastStatus"] == expected


@pytest.mark.parametrize("containers,non_essential,expected", [
    ([exited("app", 0)], set(), ("EssentialContainerExited",
                                 "Essential container in task exited (container app, exit code 0)")),
    ([running("app"), exited("sidecar", 3)], {"sidecar"}, None),
    ([running("app"), exited("sidecar", 3)], set(),
     ("EssentialContainerExited",
      "Essential container in task exited (container sidecar, exit code 3)")),
], ids=["essential-exit", "non-essential-exit", "second-essential-exit"])
def test_essential_container_rule(containers, non_essential, expected) -> None:
    assert stop_cause(pod("Running", containers), "RUNNING", False, non_essential) == expected


def test_user_stop_wins_and_is_recorded_once() -> None:
    first = status_of(pod("Running", [running("app")]), desired="STOPPED")
    assert (first["stopCode"], first["lastStatus"]) == ("UserInitiated", "DEACTIVATING")
    gone = task_status(previous=first, pod=None, task_definition="job:1", desired="STOPPED",
                       stop_code="UserInitiated", stopped_reason="other", non_essential=set(),
                       health_checked=set(), now=T0 + timedelta(seconds=5))
    assert gone["lastStatus"] == "STOPPED"
    assert gone["stoppedReason"] == "Task stopped by user"
    assert gone["stoppedAt"] == "2026-11-25T12:00:05Z"
    assert [c["lastStatus"] for c in gone["containers"]] == ["STOPPED"]


def test_a_stopped_task_never_runs_again() -> None:
    stopped = status_of(pod("Succeeded", [exited("app", 0)]))
    again = status_of(pod("Running", [running("app")]), previous=stopped)
    assert again["lastStatus"] == "STOPPED"


@pytest.mark.parametrize("containers,checked,expected", [
    ([running("app", ready=True)], {"app"}, "HEALTHY"),
    ([running("app", ready=False)], {"app"}, "UNHEALTHY"),
    ([running("app")], set(), "UNKNOWN"),
], ids=["healthy", "unhealthy", "no-health-check"])
def test_task_health_follows_essential_health_checks(containers, checked, expected) -> None:
    assert status_of(pod("Running", containers), checked=checked)["healthStatus"] == expected


def test_a_health_checked_sidecar_is_listed_and_decides_task_health() -> None:
    body = pod("Running", [running("proxy")])
    body["spec"]["initContainers"] = [{"name": "app", "restartPolicy": "Always"},
                                      {"name": "migrate"}]
    body["status"]["initContainerStatuses"] = [running("app", ready=False), exited("migrate", 0)]
    status = status_of(body, checked={"app"})
    assert [c["name"] for c in status["containers"]] == ["app", "proxy"]
    assert status["containers"][0]["healthStatus"] == "UNHEALTHY"
    assert status["healthStatus"] == "UNHEALTHY"


def test_failed_pod_without_container_exit_failed_to_start() -> None:
    body = pod("Failed", [waiting("app", "ErrImagePull")])
    body["status"]["message"] = "image pull failed"
    assert stop_cause(body, "RUNNING", False, set()) == ("TaskFailedToStart", "image pull failed")


DEFINITION = {"cpu": "512", "containerDefinitions": [
    {"name": "app", "image": "a", "command": ["run"],
     "environment": [{"name": "MODE", "value": "prod"}, {"name": "KEEP", "value": "1"}]},
    {"name": "log", "image": "b"}]}


def test_overrides_replace_command_merge_environment_and_set_resources() -> None:
    result = apply_overrides(DEFINITION, {"cpu": "1024", "containerOverrides": [
        {"name": "app", "command": ["run", "--once"], "memory": 256,
         "environment": [{"name": "MODE", "value": "test"}]}]})
    app = result["containerDefinitions"][0]
    assert app["command"] == ["run", "--once"]
    assert app["environment"] == [{"name": "MODE", "value": "test"}, {"name": "KEEP", "value": "1"}]
    assert app["memory"] == 256 and result["cpu"] == "1024"
    assert DEFINITION["containerDefinitions"][0]["command"] == ["run"], "input left unchanged"


def test_override_environment_without_a_name_is_rejected() -> None:
    with pytest.raises(TranslationError,
                       match=r"containerOverrides\[0\].environment\[1\].name: required"):
        apply_overrides(DEFINITION, {"containerOverrides": [
            {"name": "app", "environment": [{"name": "A", "value": "1"}, {"value": "2"}]}]})


def test_override_of_an_unknown_container_is_rejected() -> None:
    with pytest.raises(TranslationError, match=r'containerOverrides\[0\].name: no container named "db"'):
        apply_overrides(DEFINITION, {"containerOverrides": [{"name": "db", "command": ["x"]}]})


@pytest.mark.parametrize("stopped_at,age,expected", [
    (None, 0, False),
    ("2026-11-25T12:00:00Z", 3599, False),
    ("2026-11-25T12:00:00Z", 3600, True),
], ids=["never-stopped", "within-retention", "expired"])
def test_stopped_task_expiry(stopped_at, age, expected) -> None:
    now = T0 + timedelta(seconds=age)
    assert stopped_task_expired(stopped_at, now, timedelta(hours=1)) is expected
