"""A ROLLING service's deployment records (translate/rolling_records.py): what
ListServiceDeployments and DescribeServiceDeployments show for each rollout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.crds import all_crds
from ecs_operator.translate.rolling_records import STRATEGY_CHANGED, hand_over, rolling_records
from ecs_operator.translate.service_deployment import REPLACED, ended_in_failure, \
    production_revision

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
BREAKER_REASON = "tasks failed to start: circuit breaker triggered (3 of 3)"


def entry(ident: str, revision: str, state: str, status: str = "PRIMARY", running: int = 2,
          desired: int = 2, reason: str = "", breaker: str | None = None) -> dict:
    found = {"id": ident, "status": status, "taskDefinition": revision,
             "desiredCount": desired, "runningCount": running, "pendingCount": 0,
             "rolloutState": state, "rolloutStateReason": reason,
             "createdAt": "2026-12-06T07:59:00Z"}
    if breaker:
        found["circuitBreaker"] = {"status": breaker, "failureCount": 3, "threshold": 3}
    return found


def run(passes: list[tuple[list[dict], dict | None]], records: list[dict] | None = None
        ) -> list[list[dict]]:
    """Each pass's records, one minute apart, each starting from the last."""
    seen, records = [], list(records or [])
    for minute, (deployments, rollback) in enumerate(passes):
        records = rolling_records(service="web", records=records, deployments=deployments,
                                  rollback=rollback, now=T0 + timedelta(minutes=minute))
        seen.append(records)
    return seen


def brief(records: list[dict]) -> list[tuple]:
    return [(r["serviceDeploymentArn"], r["status"], r["targetServiceRevision"]["arn"],
             [s["arn"] for s in r.get("sourceServiceRevisions", [])]) for r in records]


def test_creation_is_the_first_deployment_and_completes() -> None:
    starting, done = run([([entry("a", "web:1", "IN_PROGRESS", running=0)], None),
                          ([entry("a", "web:1", "COMPLETED")], None)])
    assert brief(starting) == [("web/1", "IN_PROGRESS", "web:1", [])]
    assert starting[0]["strategy"] == "ROLLING"
    assert starting[0]["startedAt"] == "2026-12-06T07:59:00Z"
    assert brief(done) == [("web/1", "SUCCESSFUL", "web:1", [])]
    assert done[0]["finishedAt"] == "2026-12-06T08:01:00Z"
    assert done[0]["targetServiceRevision"]["runningTaskCount"] == 2


def test_an_update_deploys_from_the_revision_in_production() -> None:
    *_, updating, done = run([
        ([entry("a", "web:1", "COMPLETED")], None),
        ([entry("b", "web:2", "IN_PROGRESS", running=0),
          entry("a", "web:1", "COMPLETED", status="ACTIVE")], None),
        ([entry("b", "web:2", "COMPLETED")], None)])
    assert brief(updating) == [("web/2", "IN_PROGRESS", "web:2", ["web:1"]),
                               ("web/1", "SUCCESSFUL", "web:1", [])]
    assert brief(done)[0] == ("web/2", "SUCCESSFUL", "web:2", ["web:1"])


def test_a_quiet_pass_changes_nothing() -> None:
    first, again = run([([entry("a", "web:1", "IN_PROGRESS", running=1)], None),
                        ([entry("a", "web:1", "IN_PROGRESS", running=2)], None)])
    assert again == first, "task counts alone must not move a record in flight"


def test_a_newer_deployment_stops_the_one_in_flight() -> None:
    *_, replaced = run([
        ([entry("a", "web:1", "COMPLETED")], None),
        ([entry("b", "web:2", "IN_PROGRESS", running=0)], None),
        ([entry("c", "web:3", "IN_PROGRESS", running=0),
          entry("b", "web:2", "IN_PROGRESS", status="ACTIVE")], None)])
    assert brief(replaced) == [("web/3", "IN_PROGRESS", "web:3", ["web:1"]),
                               ("web/2", "STOPPED", "web:2", ["web:1"]),
                               ("web/1", "SUCCESSFUL", "web:1", [])]
    assert replaced[1]["statusReason"] == REPLACED
    assert not ended_in_failure(replaced[1])


def test_the_breakers_rollback_ends_rolled_back_to_the_last_completed_revision() -> None:
    rollback = {"from": "web:2", "to": "web:1", "failedDeploymentId": "b",
                "deploymentId": "a"}
    *_, failing, returning, back = run([
        ([entry("a", "web:1", "COMPLETED")], None),
        ([entry("b", "web:2", "FAILED", running=0, reason=BREAKER_REASON,
                breaker="TRIGGERED"), entry("a", "web:1", "COMPLETED", status="ACTIVE")],
         rollback),
        ([entry("a", "web:1", "IN_PROGRESS", running=1),
          entry("b", "web:2", "FAILED", status="ACTIVE", running=0)], rollback),
        ([entry("a", "web:1", "COMPLETED")], rollback)])
    assert brief(failing)[0] == ("web/2", "ROLLBACK_IN_PROGRESS", "web:2", ["web:1"])
    assert failing[0]["rollback"] == {"reason": BREAKER_REASON,
                                      "startedAt": "2026-12-06T08:01:00Z",
                                      "serviceRevisionArn": "web:1"}
    assert failing[0]["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert len(returning) == 2, "the deployment it returns to is not a new one"
    assert returning[0]["status"] == "ROLLBACK_IN_PROGRESS"
    assert brief(back)[0] == ("web/2", "ROLLBACK_SUCCESSFUL", "web:2", ["web:1"])
    assert back[0]["statusReason"] == BREAKER_REASON
    assert ended_in_failure(back[0]) and production_revision(back) == "web:1"


def test_a_failure_without_rollback_stops_where_it_is() -> None:
    *_, failed = run([
        ([entry("a", "web:1", "COMPLETED")], None),
        ([entry("b", "web:2", "IN_PROGRESS", running=0)], None),
        ([entry("b", "web:2", "FAILED", running=1, reason=BREAKER_REASON,
                breaker="TRIGGERED")], None)])
    assert brief(failed)[0] == ("web/2", "STOPPED", "web:2", ["web:1"])
    assert failed[0]["statusReason"] == BREAKER_REASON
    assert ended_in_failure(failed[0]) and production_revision(failed) == "web:2"
    *_, next_one = run([([entry("c", "web:3", "IN_PROGRESS", running=0)], None)],
                       records=failed)
    assert brief(next_one)[0] == ("web/3", "IN_PROGRESS", "web:3", ["web:2"])


def test_a_switch_from_a_strategy_continues_its_history() -> None:
    blue_green = [{"serviceDeploymentArn": "web/4", "status": "IN_PROGRESS",
                   "strategy": "BLUE_GREEN", "lifecycleStage": "BAKE_TIME",
                   "sourceServiceRevisions": [{"arn": "web:1"}],
                   "targetServiceRevision": {"arn": "web:2"}},
                  {"serviceDeploymentArn": "web/3", "status": "SUCCESSFUL",
                   "strategy": "BLUE_GREEN", "sourceServiceRevisions": [],
                   "targetServiceRevision": {"arn": "web:1"}}]
    (switched,) = run([([entry("r", "web:2", "IN_PROGRESS", running=0)], None)],
                      records=blue_green)
    assert brief(switched) == [("web/5", "IN_PROGRESS", "web:2", ["web:1"]),
                               ("web/4", "STOPPED", "web:2", ["web:1"]),
                               ("web/3", "SUCCESSFUL", "web:1", [])]
    assert switched[1]["statusReason"] == STRATEGY_CHANGED


@pytest.mark.parametrize("head,stopped", [
    ({"strategy": "ROLLING", "status": "IN_PROGRESS"}, True),
    ({"strategy": "ROLLING", "status": "SUCCESSFUL"}, False),
    ({"strategy": "CANARY", "status": "IN_PROGRESS"}, False),
], ids=["rolling-in-flight", "rolling-done", "strategy-in-flight"])
def test_a_strategy_takes_over_from_a_rolling_rollout_in_flight(head, stopped) -> None:
    records = [{"serviceDeploymentArn": "web/1", "targetServiceRevision": {"arn": "web:1"},
                **head}]
    handed = hand_over(records, T0)
    assert (handed[0]["status"] == "STOPPED") is stopped
    if stopped:
        assert handed[0]["statusReason"] == STRATEGY_CHANGED
    else:
        assert handed == records


def test_the_history_is_bounded() -> None:
    passes = [([entry(f"d{n}", f"web:{n}", "COMPLETED")], None) for n in range(1, 15)]
    last = run(passes)[-1]
    assert len(last) == 10
    assert last[0]["serviceDeploymentArn"] == "web/14"
    assert last[-1]["serviceDeploymentArn"] == "web/5"


def test_a_rollback_to_a_deployment_no_longer_recorded_makes_no_new_record() -> None:
    # The history kept ten records; the deployment a rollback returns to can be older.
    rollback = {"from": "web:2", "to": "web:1", "failedDeploymentId": "b",
                "deploymentId": "a"}
    _, returning = run([
        ([entry("b", "web:2", "FAILED", running=0, reason=BREAKER_REASON,
                breaker="TRIGGERED")], rollback),
        ([entry("a", "web:1", "COMPLETED"),
          entry("b", "web:2", "FAILED", status="ACTIVE", running=0)], rollback)])
    assert brief(returning) == [("web/1", "ROLLBACK_SUCCESSFUL", "web:2", [])]


def pruned(value: object, schema: dict) -> object:
    """`value` as the API server stores it: fields the structural schema lacks are dropped."""
    if isinstance(value, dict) and "properties" in schema:
        return {key: pruned(item, schema["properties"][key])
                for key, item in value.items() if key in schema["properties"]}
    if isinstance(value, list) and "items" in schema:
        return [pruned(item, schema["items"]) for item in value]
    return value


def test_every_record_is_stored_whole() -> None:
    """A field the CRD lacked would be pruned on write, and the next pass, not finding it,
    would write again (or lose the deployment it follows)."""
    crd = all_crds()["ecsservices.yaml"]
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    schema = status["properties"]["serviceDeployments"]
    rollback = {"from": "web:2", "to": "web:1", "failedDeploymentId": "b", "deploymentId": "a"}
    alarms = {"status": "TRIGGERED", "alarmNames": ["HighErrors"],
              "triggeredAlarmNames": ["HighErrors"], "bakeEndsAt": "2026-12-06T08:10:00Z"}
    passes = run([
        ([entry("a", "web:1", "COMPLETED", breaker="MONITORING_COMPLETE")], None),
        ([{**entry("b", "web:2", "FAILED", reason=BREAKER_REASON, breaker="TRIGGERED"),
           "alarms": alarms}, entry("a", "web:1", "COMPLETED", status="ACTIVE")], rollback),
        ([entry("a", "web:1", "COMPLETED")], rollback),
        ([entry("c", "web:3", "FAILED", reason=BREAKER_REASON)], None)])
    assert {r["status"] for records in passes for r in records} >= {
        "SUCCESSFUL", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "STOPPED"}
    for records in passes:
        assert pruned(records, schema) == records
