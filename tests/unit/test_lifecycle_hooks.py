"""Lifecycle hooks of service deployments: PAUSE, http(s) hook targets called with ECS's event,
their answers, callBackDelay, hookDetails and timeoutConfiguration, with an injected clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ecs_operator.translate.lifecycle_hooks import Answer, gate
from ecs_operator.translate.service_deployment import Requests, advance

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
URL = "http://hooks.example:8080/check"


def record(stage: str = "POST_TEST_TRAFFIC_SHIFT", **extra: object) -> dict:
    return {"serviceDeploymentArn": "web/2", "status": "IN_PROGRESS", "lifecycleStage": stage,
            "sourceServiceRevisions": [{"arn": "web:1", "requestedProductionTrafficWeight": 100.0,
                                        "requestedTestTrafficWeight": 0.0}],
            "targetServiceRevision": {"arn": "web:2", "requestedProductionTrafficWeight": 0.0,
                                      "requestedTestTrafficWeight": 100.0}, **extra}


def hooks(*hook: dict) -> dict:
    return {"strategy": "BLUE_GREEN", "lifecycleHooks": list(hook)}


def url_hook(stage: str = "POST_TEST_TRAFFIC_SHIFT", **extra: object) -> dict:
    return {"hookTargetArn": URL, "lifecycleStages": [stage], **extra}


def pause(stage: str = "POST_TEST_TRAFFIC_SHIFT", **extra: object) -> dict:
    return {"targetType": "PAUSE", "lifecycleStages": [stage], **extra}


def evaluate(current: dict, config: dict, *, answers: dict | None = None,
             continued: tuple = (None, None), minutes: float = 0, scale: float = 1.0):
    return gate(service="web", record=current, config=config, answers=answers or {},
                continued=continued, now=T0 + timedelta(minutes=minutes), time_scale=scale)


def test_a_stage_without_hooks_passes_and_a_lambda_arn_holds_nothing() -> None:
    assert evaluate(record(), hooks()).passed
    lambda_hook = {"hookTargetArn": "arn:aws:lambda:us-east-1:1:function:f",
                   "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}
    passed = evaluate(record(), hooks(lambda_hook))
    assert passed.passed and passed.calls == []


def test_a_url_hook_is_called_with_ecs_event() -> None:
    waiting = evaluate(record(), hooks(url_hook(hookDetails={"bucket": "b"})))
    assert not waiting.passed and waiting.rollback is None
    [call] = waiting.calls
    assert (call.hook_id, call.stage, call.url) == ("0", "POST_TEST_TRAFFIC_SHIFT", URL)
    assert call.event == {
        "executionId": "web/2/0/POST_TEST_TRAFFIC_SHIFT", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
        "resourceArn": "web/2",
        "executionDetails": {"serviceArn": "web", "targetServiceRevisionArn": "web:2",
                             "testTrafficWeights": {"web:2": 100.0},
                             "productionTrafficWeights": {"web:1": 100.0}},
        "hookDetails": {"bucket": "b"}}
    [detail] = waiting.record["lifecycleHookDetails"]
    assert (detail["status"], detail["targetArn"], detail["timeoutAction"]) == \
        ("IN_PROGRESS", URL, "ROLLBACK")
    assert detail["expiresAt"] == "2026-01-02T00:00:00Z"  # ECS's default: 1440 minutes


@pytest.mark.parametrize(("answer", "passed", "rollback"), [
    pytest.param(Answer({"hookStatus": "SUCCEEDED"}), True, None, id="succeeded"),
    pytest.param(Answer({"hookStatus": "FAILED"}), False, "answered FAILED", id="failed"),
    pytest.param(Answer(error="could not be called: refused"), False, "could not be called",
                 id="unreachable"),
    pytest.param(Answer(error="answered HTTP 500"), False, "HTTP 500", id="http-error"),
    pytest.param(Answer({"status": "ok"}), False, "no hookStatus", id="no-hook-status"),
    pytest.param(Answer(["SUCCEEDED"]), False, "no hookStatus", id="not-an-object"),
    pytest.param(Answer({"hookStatus": "IN_PROGRESS"}), False, None, id="in-progress"),
])
def test_a_url_hook_answer_decides_the_stage(answer: Answer, passed: bool,
                                             rollback: str | None) -> None:
    config = hooks(url_hook())
    first = evaluate(record(), config)
    result = evaluate(record(), config, answers={("0", "POST_TEST_TRAFFIC_SHIFT"): answer})
    assert result.passed is passed
    if rollback:
        assert rollback in result.rollback and URL in result.rollback
        assert result.record["lifecycleHookDetails"][0]["status"] == "FAILED"
    else:
        assert result.rollback is None
    assert first.record["lifecycleHookDetails"][0]["expiresAt"] == \
        result.record["lifecycleHookDetails"][0]["expiresAt"]


def test_in_progress_calls_again_after_call_back_delay_with_the_hook_details() -> None:
    config = hooks(url_hook(hookDetails={"bucket": "b"}))
    answered = evaluate(record(), config, answers={("0", "POST_TEST_TRAFFIC_SHIFT"): Answer(
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 60, "hookDetails": {"tries": 1}})})
    assert answered.calls == [] and answered.wake_in == 60
    early = evaluate(answered.record, config, minutes=0.5)
    assert early.calls == [] and not early.passed
    [again] = evaluate(answered.record, config, minutes=1).calls
    assert again.event["hookDetails"] == {"bucket": "b", "tries": 1}


def test_in_progress_without_a_delay_waits_ecs_default_of_30_seconds() -> None:
    answered = evaluate(record(), hooks(url_hook()), answers={
        ("0", "POST_TEST_TRAFFIC_SHIFT"): Answer({"hookStatus": "IN_PROGRESS"})})
    assert answered.record["lifecycleHookDetails"][0]["callAfter"] == "2026-01-01T00:00:30Z"


@pytest.mark.parametrize(("action", "passed", "rollback"), [
    ("CONTINUE", True, None),
    ("ROLLBACK", False, "the lifecycle hook 0 at POST_TEST_TRAFFIC_SHIFT timed out"),
])
def test_a_hook_that_times_out_takes_its_timeout_action(action, passed, rollback) -> None:
    config = hooks(pause(timeoutConfiguration={"timeoutInMinutes": 10, "action": action}))
    paused = evaluate(record(), config)
    assert paused.record["pausedAt"] == "POST_TEST_TRAFFIC_SHIFT"
    assert evaluate(paused.record, config, minutes=9.9).passed is False
    result = evaluate(paused.record, config, minutes=10)
    assert (result.passed, result.rollback) == (passed, rollback)
    assert result.record["lifecycleHookDetails"][0]["status"] == "TIMED_OUT"
    assert "pausedAt" not in result.record


def test_the_time_scale_shortens_hook_timeouts_as_it_does_bake_times() -> None:
    config = hooks(pause(timeoutConfiguration={"timeoutInMinutes": 10, "action": "CONTINUE"}))
    paused = evaluate(record(), config, scale=0.1)
    assert evaluate(paused.record, config, minutes=1, scale=0.1).passed


def test_an_answer_given_before_a_pause_began_does_not_pass_it() -> None:
    config = hooks(pause())
    # A CONTINUE left in the annotation from an earlier stage does not pass a new pause,
    # however often the pause is evaluated.
    paused = evaluate(record(), config, continued=("CONTINUE", None))
    assert not paused.passed and paused.record["pausedAt"] == "POST_TEST_TRAFFIC_SHIFT"
    assert paused.record["lifecycleHookDetails"][0]["status"] == "AWAITING_ACTION"
    still = evaluate(paused.record, config, continued=("CONTINUE", None), minutes=5)
    assert not still.passed
    continued = evaluate(still.record, config,
                         continued=("CONTINUE", "POST_TEST_TRAFFIC_SHIFT"), minutes=6)
    assert continued.passed
    assert continued.record["continuedStages"] == ["POST_TEST_TRAFFIC_SHIFT"]
    assert continued.record["lifecycleHookDetails"][0]["status"] == "SUCCEEDED"


def test_pre_production_traffic_shift_hooks_hold_the_production_shift() -> None:
    config = hooks(url_hook("PRE_PRODUCTION_TRAFFIC_SHIFT"), pause("PRODUCTION_TRAFFIC_SHIFT"))
    first = evaluate(record("PRODUCTION_TRAFFIC_SHIFT"), config)
    assert [c.stage for c in first.calls] == ["PRE_PRODUCTION_TRAFFIC_SHIFT"]
    assert [(d["lifecycleStage"], d["status"]) for d in first.record["lifecycleHookDetails"]] \
        == [("PRE_PRODUCTION_TRAFFIC_SHIFT", "IN_PROGRESS"),
            ("PRODUCTION_TRAFFIC_SHIFT", "AWAITING_ACTION")]
    answered = evaluate(first.record, config, answers={
        ("0", "PRE_PRODUCTION_TRAFFIC_SHIFT"): Answer({"hookStatus": "SUCCEEDED"})})
    assert not answered.passed, "the PAUSE hook still holds"
    assert evaluate(answered.record, config, continued=("CONTINUE", "PRODUCTION_TRAFFIC_SHIFT")
                    ).passed


# --- through the whole deployment ----------------------------------------------------------

def deploy_with_hook(answer_of, seen: list | None = None) -> list[dict]:
    """A BLUE_GREEN deployment of web:2 over web:1 with an http hook after the test traffic
    shift, evaluated as the handler does (the calls asked for are made, then the same
    evaluation runs again with their answers); `answer_of(call_number)` answers."""
    config = hooks(url_hook())
    records: list[dict] = []
    ready: dict[str, int] = {}
    now, calls = T0, 0
    for target in ["web:1"] * 3 + ["web:2"] * 12:
        records = json.loads(json.dumps(records))
        step = advance(service="web", target=target, desired=2, config=config, records=records,
                       ready=ready, requests=Requests(), now=now)
        if step.hook_calls:
            answers = {}
            for call in step.hook_calls:
                calls += 1
                if seen is not None:
                    seen.append(call.event)
                answers[(call.hook_id, call.stage)] = answer_of(calls)
            step = advance(service="web", target=target, desired=2, config=config,
                           records=records, ready=ready,
                           requests=Requests(hook_answers=answers), now=now)
        records = step.records
        ready = {r: n for r, n in step.wanted.replicas.items() if n}
        now += timedelta(seconds=20)
    return records


def test_a_url_hook_that_succeeds_after_a_while_lets_the_deployment_finish() -> None:
    records = deploy_with_hook(lambda n: Answer({"hookStatus": "SUCCEEDED" if n >= 3
                                                 else "IN_PROGRESS", "callBackDelay": 10}))
    assert records[0]["status"] == "SUCCESSFUL"
    assert records[0]["lifecycleHookDetails"][0]["status"] == "SUCCEEDED"


def test_a_url_hook_that_fails_rolls_the_deployment_back() -> None:
    records = deploy_with_hook(lambda n: Answer({"hookStatus": "FAILED"}))
    assert records[0]["status"] == "ROLLBACK_SUCCESSFUL"
    assert "answered FAILED" in records[0]["rollback"]["reason"]
    assert records[0]["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0


def test_the_event_tells_the_traffic_of_the_stage_the_hook_holds() -> None:
    seen: list[dict] = []
    deploy_with_hook(lambda n: Answer({"hookStatus": "SUCCEEDED"}), seen)
    [event] = seen
    assert event["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert event["executionDetails"]["testTrafficWeights"] == {"web:2": 100.0}
    assert event["executionDetails"]["productionTrafficWeights"] == {"web:1": 100.0}
