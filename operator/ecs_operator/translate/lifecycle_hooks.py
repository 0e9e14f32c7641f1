"""Lifecycle hooks of BLUE_GREEN, CANARY and LINEAR service deployments, as ECS runs them.

A hook holds the start of each lifecycle stage it names until it passes:
- `PAUSE` waits for continue-service-deployment (CONTINUE passes it, ROLLBACK rolls back);
- a hook whose `hookTargetArn` is an http:// or https:// URL (an in-cluster Service by its DNS
  name, `http://name.namespace.svc:port/path`, where the operator runs in the cluster) is
  called as ECS calls a Lambda hook: a POST of ECS's event (executionId, lifecycleStage,
  resourceArn, executionDetails with the traffic weights, hookDetails), answered with
  `{"hookStatus": "SUCCEEDED" | "FAILED" | "IN_PROGRESS", "callBackDelay": s, "hookDetails":
  {...}}`. IN_PROGRESS calls again after callBackDelay (default 30 s), with the hookDetails it
  returned; FAILED, a failed call or an answer without a valid hookStatus rolls back, as ECS
  rolls back when its Lambda fails.
- a Lambda ARN is not called (reported as not honoured) and holds nothing.
Each hook has ECS's `timeoutConfiguration` (default 1440 minutes, then ROLLBACK). Hooks of
PRE_PRODUCTION_TRAFFIC_SHIFT, which has no lifecycle stage of its own, run at the start of
PRODUCTION_TRAFFIC_SHIFT, before its own hooks' stage begins.

Pure: the caller passes the answers of the calls it made (`Answer`) and the clock, and makes
the calls `gate` asks for (`HookCall`). The record keeps ECS's `lifecycleHookDetails`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

PAUSE = "PAUSE"
SUCCEEDED, FAILED, IN_PROGRESS = "SUCCEEDED", "FAILED", "IN_PROGRESS"
AWAITING_ACTION, TIMED_OUT = "AWAITING_ACTION", "TIMED_OUT"
FINAL = (SUCCEEDED, FAILED, TIMED_OUT)
CONTINUE, ROLLBACK = "CONTINUE", "ROLLBACK"
DEFAULT_TIMEOUT_MINUTES = 1440
DEFAULT_CALLBACK_SECONDS = 30.0
# The hook stages run when a lifecycle stage starts (ECS's DeploymentLifecycleHookStage has
# one more value than the stages a deployment is at).
HOOK_STAGES_AT = {"PRODUCTION_TRAFFIC_SHIFT": ("PRE_PRODUCTION_TRAFFIC_SHIFT",
                                               "PRODUCTION_TRAFFIC_SHIFT")}


@dataclass(frozen=True)
class Answer:
    """What a hook call returned: its JSON body, or why there is none."""
    body: dict | None = None
    error: str | None = None


@dataclass(frozen=True)
class HookCall:
    hook_id: str
    stage: str
    url: str
    event: dict


@dataclass(frozen=True)
class Gate:
    """`passed`: the stage may begin; `rollback`: why the deployment must roll back; else
    it waits (`wake_in` seconds at the most, `calls` to make first)."""
    record: dict
    passed: bool = False
    rollback: str | None = None
    calls: list[HookCall] = field(default_factory=list)
    wake_in: float | None = None
    events: list[str] = field(default_factory=list)


def is_url(target: str | None) -> bool:
    return bool(target) and target.lower().startswith(("http://", "https://"))


def honoured(hook: dict) -> bool:
    return hook.get("targetType") == PAUSE or is_url(hook.get("hookTargetArn"))


def hooks_at(config: dict, stage: str) -> list[tuple[str, str, dict]]:
    """(hookId, hook stage, hook) of the honoured hooks that hold `stage`; hookId is the
    hook's index in lifecycleHooks."""
    found = []
    for hook_stage in HOOK_STAGES_AT.get(stage, (stage,)):
        for index, hook in enumerate(config.get("lifecycleHooks") or []):
            if honoured(hook) and hook_stage in (hook.get("lifecycleStages") or []):
                found.append((str(index), hook_stage, hook))
    return found


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _new_detail(hook_id: str, hook_stage: str, hook: dict, now: datetime,
                time_scale: float) -> dict:
    timeout = hook.get("timeoutConfiguration") or {}
    minutes = timeout.get("timeoutInMinutes") or DEFAULT_TIMEOUT_MINUTES
    detail = {"hookId": hook_id, "lifecycleStage": hook_stage,
              "targetType": hook.get("targetType", "AWS_LAMBDA"),
              "status": AWAITING_ACTION if hook.get("targetType") == PAUSE else IN_PROGRESS,
              "expiresAt": _iso(now + timedelta(minutes=minutes * time_scale)),
              "timeoutAction": timeout.get("action") or ROLLBACK}
    if detail["targetType"] != PAUSE:
        detail.update({"targetArn": hook["hookTargetArn"], "callAfter": _iso(now)})
    return detail


def _answered(detail: dict, answer: Answer, now: datetime) -> tuple[dict, str | None]:
    """The detail after a call's answer, and why the call failed, if it did."""
    body = answer.body if isinstance(answer.body, dict) else None
    status = (body or {}).get("hookStatus")
    if answer.error or status not in (SUCCEEDED, FAILED, IN_PROGRESS):
        why = answer.error or f"answered {answer.body!r}, which has no hookStatus of " \
                              f"SUCCEEDED, FAILED or IN_PROGRESS"
        return {**detail, "status": FAILED, "statusReason": why[:300]}, why
    detail = {**detail, "status": status}
    if isinstance(body.get("hookDetails"), dict):
        detail["hookDetails"] = body["hookDetails"]
    if status == IN_PROGRESS:
        delay = body.get("callBackDelay")
        seconds = float(delay) if isinstance(delay, (int, float)) and delay >= 0 \
            else DEFAULT_CALLBACK_SECONDS
        detail["callAfter"] = _iso(now + timedelta(seconds=seconds))
    return detail, "answered FAILED" if status == FAILED else None


def event(*, record: dict, hook_stage: str, detail: dict, hook: dict) -> dict:
    """ECS's Lambda event for one hook call. ARNs are the operator's (`<service>/<n>`; the
    caller prefixes the namespace)."""
    revisions = [record["targetServiceRevision"], *record.get("sourceServiceRevisions", [])]
    hook_details = {**(hook.get("hookDetails") or {}), **(detail.get("hookDetails") or {})}
    made = {"executionId": f"{record['serviceDeploymentArn']}/{detail['hookId']}/{hook_stage}",
            "lifecycleStage": hook_stage, "resourceArn": record["serviceDeploymentArn"],
            "executionDetails": {
                "serviceArn": record["serviceDeploymentArn"].rsplit("/", 1)[0],
                "targetServiceRevisionArn": record["targetServiceRevision"]["arn"],
                "testTrafficWeights": {r["arn"]: r.get("requestedTestTrafficWeight", 0.0)
                                       for r in revisions
                                       if r.get("requestedTestTrafficWeight")},
                "productionTrafficWeights": {
                    r["arn"]: r.get("requestedProductionTrafficWeight", 0.0)
                    for r in revisions if r.get("requestedProductionTrafficWeight")}}}
    if hook_details:
        made["hookDetails"] = hook_details
    return made


def gate(*, service: str, record: dict, config: dict, answers: dict[tuple[str, str], Answer],
         continued: tuple[str | None, str | None], now: datetime,
         time_scale: float = 1.0) -> Gate:
    """Whether the record's lifecycle stage may begin. `answers`: (hookId, hook stage) ->
    the answer of a call made since the last evaluation; `continued`: the user's
    continue-service-deployment (action, stage or None)."""
    stage, arn = record["lifecycleStage"], record["serviceDeploymentArn"]
    held = hooks_at(config, stage)
    if not held or stage in record.get("continuedStages", []):
        return Gate(record, passed=True)
    details = list(record.get("lifecycleHookDetails") or [])
    events: list[str] = []
    calls: list[HookCall] = []
    failures: list[str] = []
    action, at = continued
    answer = f"{action} {at or ''}".strip() if action else None
    for hook_id, hook_stage, hook in held:
        position = next((i for i, d in enumerate(details) if d["hookId"] == hook_id
                         and d["lifecycleStage"] == hook_stage), None)
        if position is None:
            details.append(_new_detail(hook_id, hook_stage, hook, now, time_scale))
            position = len(details) - 1
            if hook.get("targetType") == PAUSE:
                events.append(f"(service {service}) deployment {arn} is paused at {hook_stage} "
                              f"until continue-service-deployment.")
                if answer:
                    # Given before this pause began: an answer to an earlier one.
                    details[position]["answerBeforePause"] = answer
        detail = details[position]
        if detail["status"] in FINAL:
            pass
        elif detail["targetType"] == PAUSE and answer \
                and answer != detail.get("answerBeforePause") and at in (None, stage, hook_stage):
            detail = {**detail, "status": SUCCEEDED if action == CONTINUE else FAILED}
            if action == ROLLBACK:
                failures.append(f"the lifecycle hook at {hook_stage} answered ROLLBACK")
            else:
                events.append(f"(service {service}) deployment {arn} continued at {hook_stage}.")
        elif (hook_id, hook_stage) in answers and detail["targetType"] != PAUSE:
            detail, failed = _answered(detail, answers[(hook_id, hook_stage)], now)
            if failed:
                failures.append(f"the lifecycle hook {hook_id} ({detail['targetArn']}) at "
                                f"{hook_stage} {failed}")
        if detail["status"] not in FINAL and now >= _parse(detail["expiresAt"]):
            detail = {**detail, "status": TIMED_OUT}
            if detail["timeoutAction"] == ROLLBACK:
                failures.append(f"the lifecycle hook {hook_id} at {hook_stage} timed out")
            else:
                events.append(f"(service {service}) deployment {arn}: the lifecycle hook "
                              f"{hook_id} at {hook_stage} timed out; continuing.")
        if detail["status"] == IN_PROGRESS and _parse(detail["callAfter"]) <= now:
            calls.append(HookCall(hook_id, hook_stage, detail["targetArn"],
                                  event(record=record, hook_stage=hook_stage, detail=detail,
                                        hook=hook)))
        details[position] = detail
    record = {**record, "lifecycleHookDetails": details}
    if failures:
        record.pop("pausedAt", None)
        return Gate(record, rollback="; ".join(failures), events=events)
    waiting = [d for d in details if d["status"] not in FINAL
               and d["lifecycleStage"] in HOOK_STAGES_AT.get(stage, (stage,))]
    if not waiting:
        record = {**record, "continuedStages": [*record.get("continuedStages", []), stage]}
        record.pop("pausedAt", None)
        return Gate(record, passed=True, events=events)
    if any(d["targetType"] == PAUSE for d in waiting):
        record["pausedAt"] = stage
    moments = [_parse(d["expiresAt"]) for d in waiting] + \
        [_parse(d["callAfter"]) for d in waiting if d["status"] == IN_PROGRESS and
         _parse(d["callAfter"]) > now]
    wake_in = max(min((m - now).total_seconds() for m in moments), 0.0)
    return Gate(record, calls=calls, wake_in=wake_in, events=events)
