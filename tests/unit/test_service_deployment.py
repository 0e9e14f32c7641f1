"""The BLUE_GREEN / CANARY / LINEAR state machine, driven by a simulated cluster: a revision's
tasks become ready one evaluation after they are asked for and go at once when scaled down."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.service_deployment import HISTORY_LIMIT, Requests, advance, \
    split, traffic_steps

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
BLUE, GREEN = "web:1", "web:2"


def config(strategy: str, **extra: object) -> dict:
    return {"strategy": strategy, "bakeTimeInMinutes": 2, **extra}


class Cluster:
    """Ready tasks lag what was asked by one evaluation, as a real rollout lags its spec.
    A revision in `broken` never has a ready task: each task asked fails once a pass."""

    def __init__(self, desired: int, cfg: dict, weighted: bool = False) -> None:
        self.desired, self.cfg, self.now, self.weighted = desired, cfg, T0, weighted
        self.records: list[dict] = []
        self.ready: dict[str, int] = {}
        self.passes: list[tuple[dict, tuple[str, ...], dict]] = []  # ready, production, record
        self.requests = Requests()
        self.asked: list = []
        self.broken: set[str] = set()
        self.failed: dict[str, int] = {}
        self.firing: tuple[str, ...] = ()

    def run(self, target: str, passes: int = 1, minutes: float = 0.5) -> None:
        for _ in range(passes):
            # What the status would hold after a restart: the records as JSON.
            records = json.loads(json.dumps(self.records))
            step = advance(service="web", target=target, desired=self.desired, config=self.cfg,
                           records=records, ready=dict(self.ready), requests=self.requests,
                           now=self.now, failed=dict(self.failed), firing=self.firing,
                           weighted=self.weighted)
            self.records = step.records
            self.passes.append((dict(self.ready), step.wanted.production, step.records[0]))
            self.asked.append(step.wanted)
            # Scale-downs act at once, scale-ups are ready by the next evaluation.
            self.ready = {r: n for r, n in step.wanted.replicas.items()
                          if n and r not in self.broken}
            for revision in self.broken & set(step.wanted.replicas):
                self.failed[revision] = self.failed.get(revision, 0) + \
                    step.wanted.replicas[revision]
            self.wanted = step.wanted
            self.now += timedelta(minutes=minutes)

    def record(self) -> dict:
        return self.records[0]

    def serving(self) -> list[int]:
        return [sum(ready.get(r, 0) for r in production) for ready, production, _ in self.passes]


def deployed(strategy: str, desired: int = 4, weighted: bool = False,
             **extra: object) -> Cluster:
    cluster = Cluster(desired, config(strategy, **extra), weighted)
    cluster.run(BLUE, passes=3)
    assert cluster.record()["status"] == "SUCCESSFUL"
    cluster.passes.clear()
    cluster.asked.clear()
    return cluster


@pytest.mark.parametrize("cfg, shares", [
    ({"strategy": "BLUE_GREEN"}, [100.0]),
    ({"strategy": "CANARY"}, [5.0, 100.0]),
    ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, [100.0]),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0}},
     [25.0, 50.0, 75.0, 100.0]),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 30.0}},
     [30.0, 60.0, 90.0, 100.0]),
    ({"strategy": "LINEAR"}, [10.0 * i for i in range(1, 11)]),
    ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 3.0}},
     [round(3.0 * i, 1) for i in range(1, 34)] + [100.0]),
])
def test_traffic_steps_follow_ecs_defaults_and_ranges(cfg: dict, shares: list[float]) -> None:
    assert traffic_steps(cfg) == shares


@pytest.mark.parametrize("desired, percent, target", [
    (10, 10.0, 1), (10, 5.0, 1), (10, 0.1, 1), (10, 25.0, 3), (10, 15.0, 2), (4, 50.0, 2), (10, 100.0, 10),
    (0, 10.0, 0),
])
def test_split_by_ready_tasks(desired: int, percent: float, target: int) -> None:
    assert split(desired, percent) == target


def test_first_deployment_goes_straight_to_production() -> None:
    cluster = Cluster(3, config("BLUE_GREEN"))
    cluster.run(BLUE)
    assert cluster.record()["status"] == "IN_PROGRESS"
    assert cluster.record()["lifecycleStage"] == "SCALE_UP"
    cluster.run(BLUE)
    assert cluster.record()["status"] == "SUCCESSFUL"
    assert cluster.wanted.replicas == {BLUE: 3}
    assert cluster.record()["sourceServiceRevisions"] == []


def test_blue_green_switches_production_at_once_after_green_is_ready_then_bakes() -> None:
    cluster = deployed("BLUE_GREEN")
    cluster.run(GREEN)
    record = cluster.record()
    assert (record["status"], record["lifecycleStage"]) == ("IN_PROGRESS", "SCALE_UP")
    assert cluster.wanted.replicas == {BLUE: 4, GREEN: 4}
    assert cluster.wanted.production == (BLUE,)
    cluster.run(GREEN)  # green ready: test traffic, then production switches
    record = cluster.record()
    assert record["lifecycleStage"] == "BAKE_TIME"
    assert cluster.wanted.production == (GREEN,)
    assert cluster.wanted.test == GREEN
    assert cluster.wanted.replicas == {BLUE: 4, GREEN: 4}
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert record["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 0.0
    assert cluster.wanted.wake_in == pytest.approx(120.0)
    cluster.run(GREEN, passes=4)  # 2 minutes of bake, then clean-up
    assert cluster.record()["status"] == "SUCCESSFUL"
    assert cluster.wanted.replicas == {GREEN: 4}
    assert min(cluster.serving()) == 4


def test_blue_green_never_routes_production_to_green_before_it_is_whole() -> None:
    cluster = deployed("BLUE_GREEN", desired=5)
    cluster.run(GREEN, passes=8)
    for ready, production, _ in cluster.passes:
        if GREEN in production:
            assert ready.get(GREEN, 0) == 5
    assert min(cluster.serving()) == 5


@pytest.mark.parametrize("strategy, extra, shares", [
    ("CANARY", {"canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1}},
     [10.0, 100.0]),
    ("LINEAR", {"linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}},
     [30.0, 50.0, 80.0, 100.0]),  # 25 % of 10 tasks rounds to 3
])
def test_canary_and_linear_split_production_by_ready_tasks(strategy: str, extra: dict,
                                                           shares: list[float]) -> None:
    cluster = deployed(strategy, desired=10, **extra)
    cluster.run(GREEN, passes=40)
    assert cluster.record()["status"] == "SUCCESSFUL"
    seen = []  # the target's share of the tasks asked for while each step bakes
    for wanted, (_, _, record) in zip(cluster.asked, cluster.passes):
        if record["lifecycleStage"] in ("POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME"):
            assert set(wanted.production) == {BLUE, GREEN}
            share = 100 * wanted.replicas[GREEN] / (wanted.replicas[GREEN] + wanted.replicas[BLUE])
            if not seen or seen[-1] != share:
                seen.append(share)
    assert seen == shares
    assert min(cluster.serving()) >= 10
    assert cluster.wanted.replicas == {GREEN: 10}


def test_canary_at_ten_percent_of_ten_tasks_records_the_weights() -> None:
    cluster = deployed("CANARY", desired=10,
                       canaryConfiguration={"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5})
    cluster.run(GREEN, passes=4)
    record = cluster.record()
    assert record["lifecycleStage"] == "POST_PRODUCTION_TRAFFIC_SHIFT"
    assert cluster.wanted.replicas == {BLUE: 9, GREEN: 1}
    assert record["targetServiceRevision"]["requestedProductionTrafficWeight"] == 10.0
    assert record["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 90.0


PAUSE_AFTER_SCALE_UP = [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]


def test_a_pause_hook_holds_its_stage_until_continued() -> None:
    cluster = deployed("BLUE_GREEN", lifecycleHooks=PAUSE_AFTER_SCALE_UP)
    cluster.run(GREEN, passes=5)
    record = cluster.record()
    assert (record["lifecycleStage"], record["pausedAt"]) == ("POST_SCALE_UP", "POST_SCALE_UP")
    assert cluster.wanted.production == (BLUE,)
    cluster.requests = Requests(continued={record["serviceDeploymentArn"]: ("CONTINUE", None)})
    cluster.run(GREEN, passes=10)
    assert cluster.record()["status"] == "SUCCESSFUL"
    assert "pausedAt" not in cluster.record()


def test_a_continue_for_another_stage_does_not_release_the_pause() -> None:
    cluster = deployed("BLUE_GREEN", lifecycleHooks=PAUSE_AFTER_SCALE_UP)
    cluster.run(GREEN, passes=3)
    arn = cluster.record()["serviceDeploymentArn"]
    cluster.requests = Requests(continued={arn: ("CONTINUE", "PRE_SCALE_UP")})
    cluster.run(GREEN, passes=3)
    assert cluster.record()["pausedAt"] == "POST_SCALE_UP"


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "CANARY", "LINEAR"])
def test_a_pause_answered_rollback_returns_to_the_source(strategy: str) -> None:
    cluster = deployed(strategy, desired=4, lifecycleHooks=[
        {"targetType": "PAUSE", "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"]}])
    cluster.run(GREEN, passes=6)
    record = cluster.record()
    assert record["pausedAt"] == "POST_PRODUCTION_TRAFFIC_SHIFT"
    cluster.requests = Requests(continued={record["serviceDeploymentArn"]: ("ROLLBACK", None)})
    cluster.run(GREEN, passes=4)
    record = cluster.record()
    assert record["status"] == "ROLLBACK_SUCCESSFUL"
    assert record["rollback"]["serviceRevisionArn"] == BLUE
    assert "ROLLBACK" in record["statusReason"]
    assert cluster.wanted.replicas == {BLUE: 4}
    assert min(cluster.serving()) >= 4
    cluster.run(GREEN, passes=2)  # the spec still names green: nothing restarts it
    assert cluster.record()["status"] == "ROLLBACK_SUCCESSFUL"


def test_stop_during_bake_switches_traffic_back_without_stopping_a_blue_task() -> None:
    cluster = deployed("BLUE_GREEN")
    cluster.run(GREEN, passes=2)
    assert cluster.record()["lifecycleStage"] == "BAKE_TIME"
    arn = cluster.record()["serviceDeploymentArn"]
    cluster.requests = Requests(stopped=frozenset({arn}))
    cluster.run(GREEN)
    assert cluster.wanted.production == (BLUE,)
    assert cluster.record()["status"] == "ROLLBACK_SUCCESSFUL"
    assert all(ready.get(BLUE) == 4 for ready, _, _ in cluster.passes)


def test_a_new_revision_stops_the_deployment_in_flight() -> None:
    cluster = deployed("BLUE_GREEN")
    cluster.run(GREEN)
    cluster.run("web:3")
    first, second = cluster.records[1], cluster.records[0]
    assert (first["status"], first["statusReason"]) == ("STOPPED",
                                                        "a newer deployment replaced it")
    assert second["sourceServiceRevisions"][0]["arn"] == BLUE
    assert second["targetServiceRevision"]["arn"] == "web:3"
    assert GREEN not in cluster.wanted.replicas


def test_history_is_bounded_and_latest_first() -> None:
    cluster = deployed("BLUE_GREEN", bakeTimeInMinutes=0)
    for revision in range(2, 2 + HISTORY_LIMIT + 3):
        cluster.run(f"web:{revision}", passes=4)
    arns = [r["serviceDeploymentArn"] for r in cluster.records]
    assert len(arns) == HISTORY_LIMIT
    assert arns[0] == f"web/{HISTORY_LIMIT + 4}"
    assert all(r["status"] == "SUCCESSFUL" for r in cluster.records)


def test_a_restart_mid_bake_resumes_from_the_records() -> None:
    cluster = deployed("BLUE_GREEN", bakeTimeInMinutes=10)
    cluster.run(GREEN, passes=2)
    baked = cluster.record()["bakeStartedAt"]
    # A fresh operator sees only the records and what runs; the bake keeps its start.
    step = advance(service="web", target=GREEN, desired=4, config=cluster.cfg,
                   records=json.loads(json.dumps(cluster.records)), ready={BLUE: 4, GREEN: 4},
                   requests=Requests(),
                   now=datetime.fromisoformat(baked.replace("Z", "+00:00")) + timedelta(minutes=5))
    assert step.records[0]["bakeStartedAt"] == baked
    assert step.records[0]["status"] == "IN_PROGRESS"
    assert step.wanted.wake_in == pytest.approx(300.0)
