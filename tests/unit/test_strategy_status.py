"""What `kubectl get esvc -o yaml` (and describe-services) shows of a BLUE_GREEN, CANARY or
LINEAR service: its deployments read from the service deployment records and the pods of
each revision, with an injected clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.kubectl_ecs.waiting import failed_service_deployment, is_steady
from ecs_operator.translate.service_deployment import Requests, advance
from ecs_operator.translate.service_status import Observed, service_status
from ecs_operator.translate.strategy_status import uses_strategy

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)
BLUE, GREEN = "web:1", "web:2"


def spec(strategy: str = "BLUE_GREEN", desired: int = 3) -> dict:
    return {"taskDefinition": "web", "desiredCount": desired,
            "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 1}}


def pod(name: str, revision: str, phase: str = "Running", ready: bool = True,
        deleting: bool = False) -> dict:
    meta = {"name": name, "annotations": {"ecs.operator.dev/task-definition": revision},
            "labels": {"ecs.operator.dev/service": "web",
                       "ecs.operator.dev/revision": revision.split(":")[1]}}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-25T12:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False"}]}}


def pods(revision: str, count: int, **state: object) -> list[dict]:
    prefix = f"web-{revision.split(':')[1]}-"
    return [pod(f"{prefix}{n}", revision, **state) for n in range(count)]


def summary(arn: str, requested: int) -> dict:
    return {"arn": arn, "requestedTaskCount": requested, "runningTaskCount": requested,
            "requestedProductionTrafficWeight": 0.0, "requestedTestTrafficWeight": 0.0}


def record(number: int, status: str, target: str, source: str | None = None,
           stage: str = "BAKE_TIME", requested: tuple[int, int] = (3, 3),
           **extra: object) -> dict:
    return {"serviceDeploymentArn": f"web/{number}", "status": status,
            "lifecycleStage": stage, "strategy": "BLUE_GREEN",
            "createdAt": f"2026-11-25T1{number}:00:00Z",
            "targetServiceRevision": summary(target, requested[0]),
            "sourceServiceRevisions": [summary(source, requested[1])] if source else [],
            **extra}


FIRST = record(1, "SUCCESSFUL", BLUE, stage="SCALE_UP")
ROLLBACK = {"reason": "stop-service-deployment requested a rollback",
            "startedAt": "2026-11-25T12:00:00Z", "serviceRevisionArn": BLUE}


def describe(records: list[dict], running: list[dict], previous: dict | None = None,
             now: datetime = T0, strategy: str = "BLUE_GREEN", desired: int = 3):
    return service_status(name="web", generation=2, spec=spec(strategy, desired),
                          previous=previous or {}, observed=Observed(None, [], running),
                          task_definition=GREEN, problem=None, unsupported=[], now=now,
                          service_deployments=records)


def condition(status: dict, type_: str) -> tuple[str, str]:
    found = next(c for c in status["conditions"] if c["type"] == type_)
    return found["status"], found["reason"]


@pytest.mark.parametrize("records, running, deployments, top", [
    ([record(2, "IN_PROGRESS", GREEN, BLUE), FIRST],
     pods(BLUE, 3) + pods(GREEN, 3),
     [("PRIMARY", GREEN, 3, 3, 0, "IN_PROGRESS", "ECS deployment in progress: BAKE_TIME."),
      ("ACTIVE", BLUE, 3, 3, 0, "COMPLETED", "ECS deployment superseded by a newer "
                                             "deployment.")],
     (GREEN, "IN_PROGRESS", ("True", "RolloutInProgress"), ("False", "NotSteady"))),
    ([record(2, "IN_PROGRESS", GREEN, BLUE, stage="POST_TEST_TRAFFIC_SHIFT",
             pausedAt="POST_TEST_TRAFFIC_SHIFT"), FIRST],
     pods(BLUE, 3) + pods(GREEN, 2) + [pod("web-2-9", GREEN, phase="Pending", ready=False)],
     [("PRIMARY", GREEN, 3, 2, 1, "IN_PROGRESS", "ECS deployment paused at "
       "POST_TEST_TRAFFIC_SHIFT until continue-service-deployment."),
      ("ACTIVE", BLUE, 3, 3, 0, "COMPLETED", "ECS deployment superseded by a newer "
                                             "deployment.")],
     (GREEN, "IN_PROGRESS", ("True", "RolloutInProgress"), ("False", "NotSteady"))),
    ([record(2, "SUCCESSFUL", GREEN, BLUE, stage="CLEAN_UP", requested=(3, 0)), FIRST],
     pods(BLUE, 3, deleting=True) + pods(GREEN, 3),
     [("PRIMARY", GREEN, 3, 3, 0, "COMPLETED", "ECS deployment completed.")],
     (GREEN, "COMPLETED", ("True", "RolloutCompleted"), ("True", "SteadyState"))),
    ([record(2, "SUCCESSFUL", GREEN, BLUE, stage="CLEAN_UP", requested=(3, 0)), FIRST],
     pods(BLUE, 1) + pods(GREEN, 3),
     [("PRIMARY", GREEN, 3, 3, 0, "COMPLETED", "ECS deployment completed."),
      ("ACTIVE", BLUE, 0, 1, 0, "COMPLETED", "ECS deployment superseded by a newer "
                                             "deployment.")],
     (GREEN, "COMPLETED", ("True", "RolloutCompleted"), ("False", "NotSteady"))),
    ([record(2, "ROLLBACK_IN_PROGRESS", GREEN, BLUE, rollback=ROLLBACK), FIRST],
     pods(BLUE, 3) + pods(GREEN, 3),
     [("PRIMARY", BLUE, 3, 3, 0, "IN_PROGRESS", "ECS deployment rolling back to web:1: "
       "stop-service-deployment requested a rollback."),
      ("ACTIVE", GREEN, 3, 3, 0, "FAILED", "ECS deployment rolled back: "
       "stop-service-deployment requested a rollback.")],
     (BLUE, "IN_PROGRESS", ("True", "RolloutInProgress"), ("False", "NotSteady"))),
    ([record(2, "ROLLBACK_SUCCESSFUL", GREEN, BLUE, rollback=ROLLBACK, requested=(0, 3),
             statusReason=ROLLBACK["reason"]), FIRST],
     pods(BLUE, 3) + pods(GREEN, 3, deleting=True),
     [("PRIMARY", BLUE, 3, 3, 0, "COMPLETED", "ECS deployment rolled back to web:1: "
       "stop-service-deployment requested a rollback.")],
     (BLUE, "COMPLETED", ("True", "RolloutCompleted"), ("True", "SteadyState"))),
    ([record(1, "IN_PROGRESS", BLUE, stage="SCALE_UP", requested=(3, 0))],
     pods(BLUE, 1) + [pod("web-1-8", BLUE, "Pending", ready=False)],
     [("PRIMARY", BLUE, 3, 1, 1, "IN_PROGRESS", "ECS deployment in progress: SCALE_UP.")],
     (BLUE, "IN_PROGRESS", ("True", "RolloutInProgress"), ("False", "NotSteady"))),
    ([record(1, "STOPPED", BLUE, stage="SCALE_UP", statusReason="stop-service-deployment "
             "requested a rollback")],
     pods(BLUE, 3),
     [("PRIMARY", BLUE, 3, 3, 0, "COMPLETED", "ECS deployment stopped: "
       "stop-service-deployment requested a rollback.")],
     (BLUE, "COMPLETED", ("True", "RolloutCompleted"), ("True", "SteadyState"))),
    ([], [],
     [],
     (GREEN, None, ("Unknown", "NoDeployment"), ("False", "NotSteady"))),
], ids=["blue-green-baking", "paused-at-a-hook", "completed-blue-terminating",
        "completed-blue-still-running", "rolling-back", "rolled-back", "first-scaling-up",
        "first-stopped", "no-deployment-yet"])
def test_deployments_as_describe_services_shows_them(records, running, deployments,
                                                     top) -> None:
    status = describe(records, running).status
    assert [(d["status"], d["taskDefinition"], d["desiredCount"], d["runningCount"],
             d["pendingCount"], d["rolloutState"], d["rolloutStateReason"])
            for d in status["deployments"]] == deployments
    task_definition, rollout, progressing, steady = top
    assert status["taskDefinition"] == task_definition
    assert status.get("rolloutState") == rollout
    assert condition(status, "Progressing") == progressing
    assert condition(status, "SteadyState") == steady


BREAKER = {"status": "TRIGGERED", "failureCount": 4, "threshold": 3, "failedTasks": 4,
           "healthyCount": 0}


@pytest.mark.parametrize(("latest", "running", "shown"), [
    pytest.param(record(2, "IN_PROGRESS", GREEN, BLUE, deploymentCircuitBreaker={
        **BREAKER, "status": "MONITORING", "failureCount": 1}, alarms={
        "status": "MONITORING", "alarmNames": ["HighErrors"], "triggeredAlarmNames": []}),
        pods(BLUE, 3) + pods(GREEN, 3),
        [("PRIMARY", GREEN, "IN_PROGRESS", {"status": "MONITORING", "failureCount": 1,
                                            "threshold": 3}, ["HighErrors"]),
         ("ACTIVE", BLUE, "COMPLETED", None, None)], id="monitoring-on-the-target"),
    pytest.param(record(2, "STOPPED", GREEN, BLUE, stage="SCALE_UP",
                        statusReason="circuit breaker triggered: 4 tasks of web:2 failed "
                                     "(threshold 3)", productionRevisionArn=BLUE,
                        deploymentCircuitBreaker=BREAKER),
        pods(BLUE, 3),
        [("PRIMARY", BLUE, "FAILED", None, None)], id="stopped-by-the-breaker-without-rollback"),
])
def test_the_guards_of_a_service_deployment_show_on_its_entries(latest, running, shown) -> None:
    status = describe([latest, FIRST], running).status
    assert [(d["status"], d["taskDefinition"], d["rolloutState"],
             d.get("circuitBreaker"), (d.get("alarms") or {}).get("alarmNames"))
            for d in status["deployments"]] == shown
    if latest["status"] == "STOPPED":
        assert status["deployments"][0]["rolloutStateReason"].startswith(
            "ECS deployment failed: circuit breaker triggered")


@pytest.mark.parametrize("strategy, requested, running, desired_counts", [
    ("CANARY", (1, 9), pods(GREEN, 1) + pods(BLUE, 9), [1, 9]),
    ("LINEAR", (2, 2), pods(GREEN, 2) + pods(BLUE, 2), [2, 2]),
    ("LINEAR", (3, 1), pods(GREEN, 3) + pods(BLUE, 2), [3, 1]),
], ids=["canary-10-percent", "linear-half", "linear-source-shrinking"])
def test_each_revision_shows_the_tasks_the_deployment_asks_of_it(
        strategy, requested, running, desired_counts) -> None:
    records = [record(2, "IN_PROGRESS", GREEN, BLUE, stage="POST_PRODUCTION_TRAFFIC_SHIFT",
                      requested=requested), FIRST]
    deployments = describe(records, running, strategy=strategy,
                           desired=sum(requested)).status["deployments"]
    assert [d["desiredCount"] for d in deployments] == desired_counts
    assert [d["runningCount"] for d in deployments] == [
        sum(p["metadata"]["annotations"]["ecs.operator.dev/task-definition"] == revision
            for p in running) for revision in (GREEN, BLUE)]


def test_ids_are_stable_and_the_source_keeps_the_id_it_was_deployed_with() -> None:
    first = describe([FIRST], pods(BLUE, 3)).status
    [blue] = first["deployments"]
    during = describe([record(2, "IN_PROGRESS", GREEN, BLUE), FIRST],
                      pods(BLUE, 3) + pods(GREEN, 3), previous=first,
                      now=T0 + timedelta(minutes=1)).status
    green, still_blue = during["deployments"]
    assert still_blue["id"] == blue["id"] and green["id"] != blue["id"]
    assert blue["id"].startswith("ecs-svc/") and len(blue["id"]) == len("ecs-svc/") + 19
    assert (green["createdAt"], still_blue["createdAt"]) == ("2026-11-25T12:00:00Z",
                                                             "2026-11-25T11:00:00Z")
    again = describe([record(2, "IN_PROGRESS", GREEN, BLUE), FIRST],
                     pods(BLUE, 3) + pods(GREEN, 3), previous=None,
                     now=T0 + timedelta(minutes=5)).status  # a restarted operator
    assert [d["id"] for d in again["deployments"]] == [green["id"], blue["id"]]


def test_an_unchanged_observation_changes_nothing_and_steady_state_is_told_once() -> None:
    records = [record(2, "SUCCESSFUL", GREEN, BLUE, stage="CLEAN_UP", requested=(3, 0)),
               FIRST]
    baking = describe([record(2, "IN_PROGRESS", GREEN, BLUE), FIRST],
                      pods(BLUE, 3) + pods(GREEN, 3)).status
    done = describe(records, pods(GREEN, 3), previous=baking, now=T0 + timedelta(minutes=1))
    assert [e.reason for e in done.events] == ["TasksStopped", "DeploymentCompleted",
                                               "SteadyState"]
    assert done.status["events"][0]["message"] == "(service web) has reached a steady state."
    later = describe(records, pods(GREEN, 3), previous=done.status,
                     now=T0 + timedelta(minutes=7))
    assert later.events == []
    assert later.status == done.status, "an unchanged observation must not change the status"
    steady = next(c for c in later.status["conditions"] if c["type"] == "SteadyState")
    assert steady["lastTransitionTime"] == "2026-11-25T12:01:00Z"


def test_failed_tasks_of_a_revision_are_counted_and_kept() -> None:
    records = [record(2, "IN_PROGRESS", GREEN, BLUE, stage="SCALE_UP"), FIRST]
    crashed = pods(BLUE, 3) + pods(GREEN, 2) + [pod("web-2-x", GREEN, "Failed", ready=False)]
    first = describe(records, crashed).status
    assert [d["failedTasks"] for d in first["deployments"]] == [1, 0]
    later = describe(records, pods(BLUE, 3) + pods(GREEN, 3), previous=first,
                     now=T0 + timedelta(minutes=1)).status
    assert [d["failedTasks"] for d in later["deployments"]] == [1, 0]
    assert later["deployments"][1]["updatedAt"] == first["deployments"][1]["updatedAt"]
    assert later["deployments"][0]["updatedAt"] == "2026-11-25T12:01:00Z"


def run_through(strategy: str, requests_at: dict[int, Requests] | None = None,
                passes: int = 40) -> list[tuple]:
    """A deployment of GREEN over a running BLUE, advanced by the state machine while the
    asked tasks turn ready one pass later (and stopped ones terminate at once), described
    at every pass. Returns what the user sees each time it changes."""
    config = {**spec(strategy, 4)["deploymentConfiguration"],
              "canaryConfiguration": {"canaryPercent": 25.0, "canaryBakeTimeInMinutes": 1},
              "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}}
    records = [record(1, "SUCCESSFUL", BLUE, stage="SCALE_UP", requested=(4, 0))]
    ready = {BLUE: 4}
    status: dict = describe(records, pods(BLUE, 4), desired=4, strategy=strategy).status
    seen: list[tuple] = []
    now = T0
    for number in range(passes):
        step = advance(service="web", target=GREEN, desired=4, config=config,
                       records=json.loads(json.dumps(records)), ready=dict(ready),
                       requests=(requests_at or {}).get(number, Requests()), now=now)
        records = step.records
        running = [p for revision, count in ready.items() for p in pods(revision, count)]
        status = describe(records, running, previous=status, now=now, strategy=strategy,
                          desired=4).status
        shown = (status["taskDefinition"], status.get("rolloutState"),
                 tuple((d["status"], d["taskDefinition"], d["rolloutState"])
                       for d in status["deployments"]),
                 condition(status, "SteadyState")[0])
        if not seen or seen[-1] != shown:
            seen.append(shown)
        ready = {r: n for r, n in step.wanted.replicas.items() if n}
        now += timedelta(seconds=20)
    service = {"metadata": {"generation": 2}, "spec": spec(strategy, 4),
               "status": {**status, "observedGeneration": 2}}
    assert is_steady(service), "the service would never be steady"
    return seen, failed_service_deployment(service)


IN_FLIGHT = (GREEN, "IN_PROGRESS", (("PRIMARY", GREEN, "IN_PROGRESS"),
                                    ("ACTIVE", BLUE, "COMPLETED")), "False")
STEADY_ON_GREEN = (GREEN, "COMPLETED", (("PRIMARY", GREEN, "COMPLETED"),), "True")


@pytest.mark.parametrize("strategy, seen", [
    # Blue keeps its tasks until CLEAN_UP has passed; the deployment is COMPLETED first.
    ("BLUE_GREEN", [IN_FLIGHT, (GREEN, "COMPLETED", (("PRIMARY", GREEN, "COMPLETED"),
                                                     ("ACTIVE", BLUE, "COMPLETED")), "False"),
                    STEADY_ON_GREEN]),
    # The source shrinks step by step and is gone at CLEAN_UP, before the deployment ends.
    ("CANARY", [IN_FLIGHT, (GREEN, "IN_PROGRESS", (("PRIMARY", GREEN, "IN_PROGRESS"),),
                            "False"), STEADY_ON_GREEN]),
    ("LINEAR", [IN_FLIGHT, (GREEN, "IN_PROGRESS", (("PRIMARY", GREEN, "IN_PROGRESS"),),
                            "False"), STEADY_ON_GREEN]),
])
def test_a_deployment_reads_in_progress_then_completed_and_steady(strategy, seen) -> None:
    assert run_through(strategy) == (seen, None), "update-service --wait ends, and succeeds"


ROLLED_BACK = (BLUE, "COMPLETED", (("PRIMARY", BLUE, "COMPLETED"),
                                   ("ACTIVE", GREEN, "FAILED")), "False")
STEADY_ON_BLUE = (BLUE, "COMPLETED", (("PRIMARY", BLUE, "COMPLETED"),), "True")


@pytest.mark.parametrize("strategy, stopped_at, seen", [
    # Blue is whole: the rollback succeeds as soon as it is asked for (while green bakes).
    ("BLUE_GREEN", 2, [IN_FLIGHT, ROLLED_BACK, STEADY_ON_BLUE]),
    # The source scales back up first, while the target keeps serving.
    ("LINEAR", 5, [IN_FLIGHT, (BLUE, "IN_PROGRESS", (("PRIMARY", BLUE, "IN_PROGRESS"),
                                                  ("ACTIVE", GREEN, "FAILED")), "False"),
                ROLLED_BACK, STEADY_ON_BLUE]),
])
def test_a_stopped_deployment_reads_rolling_back_then_steady_on_the_source(
        strategy, stopped_at, seen) -> None:
    stop = Requests(stopped=frozenset({"web/2"}))
    shown, failed = run_through(strategy, requests_at={stopped_at: stop})
    assert shown == seen
    # Steady, but on blue: update-service --wait fails as ROLLING's does after a rollback.
    assert failed is not None and failed.startswith("deployment web/2 ROLLBACK_SUCCESSFUL: ")
    assert "stop-service-deployment" in failed


@pytest.mark.parametrize("extra, strategy, expected", [
    ({}, "BLUE_GREEN", True),
    ({}, "LINEAR", True),
    ({}, "ROLLING", False),
    ({"schedulingStrategy": "DAEMON"}, "CANARY", False),
    ({"autoScaling": {"minCapacity": 1, "maxCapacity": 3}}, "BLUE_GREEN", False),
], ids=["blue-green", "linear", "rolling", "daemon-keeps-rolling", "autoscaled-keeps-rolling"])
def test_which_services_are_described_from_their_service_deployments(extra, strategy,
                                                                     expected) -> None:
    assert uses_strategy({**spec(strategy), **extra}) is expected


@pytest.mark.parametrize("wanted, observed, latest, failed", [
    ("web", 2, record(2, "ROLLBACK_SUCCESSFUL", GREEN, BLUE, statusReason="breaker"),
     "deployment web/2 ROLLBACK_SUCCESSFUL: breaker"),
    ("web:2", 2, record(2, "STOPPED", GREEN, BLUE, productionRevisionArn=BLUE,
                        statusReason="alarm"), "deployment web/2 STOPPED: alarm"),
    # A newer revision asked for: the failed record is the last attempt's, not this one's.
    ("web:3", 2, record(2, "ROLLBACK_SUCCESSFUL", GREEN, BLUE), None),
    # The status has not seen the spec yet.
    ("web", 1, record(2, "ROLLBACK_SUCCESSFUL", GREEN, BLUE), None),
    ("web", 2, record(2, "SUCCESSFUL", GREEN, BLUE), None),
    # Replaced by a newer deployment: not a failure of the one asked for.
    ("web", 2, record(2, "STOPPED", GREEN, BLUE), None),
])
def test_a_wait_fails_when_the_revision_asked_for_was_rolled_back_or_stopped(
        wanted: str, observed: int, latest: dict, failed: str | None) -> None:
    service = {"metadata": {"generation": 2}, "spec": {**spec(), "taskDefinition": wanted},
               "status": {"observedGeneration": observed, "serviceDeployments": [latest]}}
    assert failed_service_deployment(service) == failed
