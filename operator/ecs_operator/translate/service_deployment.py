"""Service deployments of the BLUE_GREEN, CANARY and LINEAR strategies, as ECS records them.

The records live in the Service's status (`serviceDeployments`, latest first, bounded), so a
restarted operator resumes from them. `advance` is the whole state machine: a pure function
of the spec's target revision, the previous records, what runs (ready tasks per revision),
the user's requests (continue / stop) and the clock. It returns the new records and what
Kubernetes must run: each revision's replicas, and the revisions the production Service and
the `<service>-test` Service select.

Stages, in ECS's order: SCALE_UP (the target scales up beside the source; CANARY and LINEAR
only to their first share), TEST_TRAFFIC_SHIFT (the test Service selects the target only),
PRODUCTION_TRAFFIC_SHIFT (BLUE_GREEN: production selects the target at once; CANARY and
LINEAR: production selects both and the ready tasks give each its share, one step at a
time, each followed by its step bake), BAKE_TIME (bakeTimeInMinutes with both revisions
running), CLEAN_UP (the source goes). A PAUSE lifecycle hook holds the start of its stage
until it is continued or rolled back. A rollback puts production back on the source, whole,
before any target task goes; BLUE_GREEN never stops a source task before it. The circuit
breaker and the deployment alarms (deployment_guards.py) fail a deployment IN_PROGRESS: with
their rollback it rolls back so, without it the deployment is STOPPED where it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .deployment_guards import settle, watch
from .lifecycle_hooks import Answer, HookCall, gate
from .names import GROUP
from .traffic_weights import asked_shares, counted

STRATEGIES = ("BLUE_GREEN", "CANARY", "LINEAR")
IN_FLIGHT = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED",
             "ROLLBACK_IN_PROGRESS")
STAGES = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP",
          "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
          "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP")
HISTORY_LIMIT = 10
REPLACED = "a newer deployment replaced it"
# How users steer a deployment in flight (kubectl ecs, or by hand): "<arn> CONTINUE|ROLLBACK
# [STAGE]" and "<arn>[,<arn>...]".
ANNOTATION_CONTINUE = f"{GROUP}/continue-service-deployment"
ANNOTATION_STOP = f"{GROUP}/stop-service-deployment"
DEFAULT_CANARY_PERCENT, DEFAULT_CANARY_BAKE = 5.0, 10
DEFAULT_STEP_PERCENT, DEFAULT_STEP_BAKE = 10.0, 6


@dataclass(frozen=True)
class Requests:
    """What users asked: continue-service-deployment (arn -> (action, stage or None for
    whichever stage is paused)) and stop-service-deployment (arns); and what the lifecycle
    hooks called since the last evaluation answered ((hookId, hook stage) -> Answer)."""
    continued: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    stopped: frozenset[str] = frozenset()
    hook_answers: dict[tuple[str, str], Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class Wanted:
    """Replicas per revision ("family:revision"); the revisions production selects (their
    ready tasks share its traffic); the revision the test Service selects."""
    replicas: dict[str, int]
    production: tuple[str, ...]
    test: str | None = None
    wake_in: float | None = None  # seconds until a bake time ends


@dataclass(frozen=True)
class Step:
    records: list[dict]
    wanted: Wanted
    events: list[str] = field(default_factory=list)
    hook_calls: list[HookCall] = field(default_factory=list)


def iso(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def traffic_steps(config: dict) -> list[float]:
    """The production shares of the target revision a strategy passes, in percent."""
    strategy = config.get("strategy", "ROLLING")
    if strategy == "CANARY":
        canary = float((config.get("canaryConfiguration") or {}).get(
            "canaryPercent", DEFAULT_CANARY_PERCENT))
        return [canary, 100.0] if canary < 100 else [100.0]
    if strategy == "LINEAR":
        step = float((config.get("linearConfiguration") or {}).get(
            "stepPercent", DEFAULT_STEP_PERCENT))
        count = max(int(-(-100 // step)), 1)  # ceil without float drift past 100
        return [min(round(step * i, 1), 100.0) for i in range(1, count)] + [100.0]
    return [100.0]


def bake_minutes(config: dict, share: float) -> float:
    """The bake after a step: a step bake below 100 %, bakeTimeInMinutes at 100 %."""
    if share >= 100:
        return float(config.get("bakeTimeInMinutes") or 0)
    if config.get("strategy") == "CANARY":
        return float((config.get("canaryConfiguration") or {}).get(
            "canaryBakeTimeInMinutes", DEFAULT_CANARY_BAKE))
    return float((config.get("linearConfiguration") or {}).get(
        "stepBakeTimeInMinutes", DEFAULT_STEP_BAKE))


def split(desired: int, percent: float) -> int:
    """Target tasks giving the target `percent` of `desired` ready tasks (at least one once
    any share is asked); the source keeps the rest."""
    if percent >= 100:
        return desired
    nearest = math.floor(desired * percent / 100 + 0.5)  # half up: 25 % of 10 is 3 tasks
    return min(max(nearest, 1 if desired else 0), desired)


def _summary(arn: str) -> dict:
    return {"arn": arn, "requestedTaskCount": 0, "runningTaskCount": 0,
            "requestedProductionTrafficWeight": 0.0, "requestedTestTrafficWeight": 0.0}


def finish(record: dict, status: str, now: datetime, reason: str | None = None) -> dict:
    done = {**record, "status": status, "finishedAt": iso(now)}
    done.pop("pausedAt", None)
    if reason:
        done["statusReason"] = reason
    return done


def stopped(record: dict, reason: str, now: datetime) -> dict:
    """STOPPED now, and no longer watched by its guards."""
    return settle({**finish(record, "STOPPED", now, reason), "stoppedAt": iso(now)})


def production_revision(records: list[dict]) -> str | None:
    """The revision the last finished deployment left in production."""
    for record in records:
        if record["status"] == "SUCCESSFUL":
            return record["targetServiceRevision"]["arn"]
        if record["status"] == "ROLLBACK_SUCCESSFUL":
            return record["rollback"]["serviceRevisionArn"]
        if record.get("productionRevisionArn"):  # a failure stopped it, without rollback
            return record["productionRevisionArn"]
    return None


def _source_of(record: dict) -> str | None:
    return record["sourceServiceRevisions"][0]["arn"] if record["sourceServiceRevisions"] \
        else None


def _past_production_shift(record: dict) -> bool:
    return STAGES.index(record["lifecycleStage"]) > STAGES.index("PRODUCTION_TRAFFIC_SHIFT")


def ended_in_failure(record: dict) -> bool:
    """Rolled back, or stopped by the circuit breaker or an alarm without rollback."""
    return record["status"] == "ROLLBACK_SUCCESSFUL" or bool(record.get("productionRevisionArn"))


def advance(*, service: str, target: str, desired: int, config: dict, records: list[dict],
            ready: dict[str, int], requests: Requests, now: datetime,
            bake_scale: float = 1.0, failed: dict[str, int] | None = None,
            firing: tuple[str, ...] = (), weighted: bool = False) -> Step:
    """One evaluation. `records`: the status's, latest first; `ready`: ready tasks per
    revision; `bake_scale`: multiplies every bake time (a test and demo aid); `failed`:
    failed tasks per revision, all seen so far (circuit_breaker.task_failures); `firing`:
    the alerts firing for the service now; `weighted`: an HTTPRoute splits production
    traffic by weight, so the records carry the shares asked for rather than the shares the
    ready tasks give (the task counts are the same)."""
    history = list(records)
    current = history[0] if history and history[0]["status"] in IN_FLIGHT else None
    production = production_revision(history)
    events: list[str] = []
    if current is not None and current["status"] == "IN_PROGRESS" \
            and current["targetServiceRevision"]["arn"] != target:
        if current["sourceServiceRevisions"] and _shifted(current, config):
            production = current["targetServiceRevision"]["arn"]
        history[0] = stopped(current, REPLACED, now)
        events.append(f"(service {service}) deployment {current['serviceDeploymentArn']} "
                      f"stopped: {REPLACED}.")
        current = None
    if current is None:
        if production and history and ended_in_failure(history[0]) \
                and history[0]["targetServiceRevision"]["arn"] == target:
            # This revision failed: stay on production until the spec names another.
            return Step(history[:HISTORY_LIMIT], Wanted({production: desired}, (production,)))
        if production == target or (production is None and history
                                    and history[0]["targetServiceRevision"]["arn"] == target):
            return Step(history[:HISTORY_LIMIT], Wanted({target: desired}, (target,)))
        number = max((int(r["serviceDeploymentArn"].rsplit("/", 1)[1]) for r in history),
                     default=0) + 1
        current = {
            "serviceDeploymentArn": f"{service}/{number}", "status": "IN_PROGRESS",
            "lifecycleStage": "RECONCILE_SERVICE", "strategy": config.get("strategy"),
            "createdAt": iso(now), "startedAt": iso(now), "trafficStep": 0,
            "sourceServiceRevisions": [_summary(production)] if production else [],
            "targetServiceRevision": _summary(target)}
        history.insert(0, current)
        events.append(f"(service {service}) has started a {config.get('strategy')} deployment "
                      f"{current['serviceDeploymentArn']} to {target}.")
    record, wanted, more, calls = _progress(service, current, desired, config, ready, requests,
                                            now, bake_scale, (failed or {}, firing))
    record = counted(record, wanted, ready, asked_shares(
        record, traffic_steps(config), _past_production_shift(record), wanted)
        if weighted else None)
    if record["status"] != "IN_PROGRESS":
        record = settle(record)
    if record != current:  # updatedAt moves with content only: a quiet pass writes nothing
        record = {**record, "updatedAt": iso(now)}
    history[0] = record
    return Step(history[:HISTORY_LIMIT], wanted, events + more, calls)


def _shifted(record: dict, config: dict) -> bool:
    """Has production traffic (all of it, for BLUE_GREEN; its first share otherwise) moved?"""
    return _past_production_shift(record) or int(record.get("trafficStep", 0)) > 0


def _start_rollback(service: str, record: dict, reason: str, now: datetime,
                    events: list[str]) -> dict:
    """ROLLBACK_IN_PROGRESS to the source; a first deployment, with no source, stops."""
    arn = record["serviceDeploymentArn"]
    source = _source_of(record)
    if source is None:
        return finish(record, "STOPPED", now, reason)
    record = {**record, "status": "ROLLBACK_IN_PROGRESS", "rollback": {
        "reason": reason, "startedAt": iso(now), "serviceRevisionArn": source}}
    record.pop("pausedAt", None)
    events.append(f"(service {service}) deployment {arn} is rolling back to {source}: "
                  f"{reason}.")
    return record


def _progress(service: str, record: dict, desired: int, config: dict, ready: dict[str, int],
              requests: Requests, now: datetime, bake_scale: float,
              observed: tuple[dict[str, int], tuple[str, ...]]
              ) -> tuple[dict, Wanted, list[str], list[HookCall]]:
    """`observed`: the failed tasks per revision and the alerts firing (advance's)."""
    arn = record["serviceDeploymentArn"]
    target = record["targetServiceRevision"]["arn"]
    source = _source_of(record)
    events: list[str] = []
    calls: list[HookCall] = []
    if record["status"] == "IN_PROGRESS" and arn in requests.stopped:
        record = _start_rollback(service, record, "stop-service-deployment requested a "
                                 "rollback", now, events)
    elif record["status"] == "IN_PROGRESS":
        verdict = watch(record, config, desired, ready, *observed)
        record = verdict.record
        if verdict.failure and not verdict.rollback:
            return (*_stop_failed(service, record, verdict.failure, config, desired, now), calls)
        if verdict.failure:
            record = _start_rollback(service, record, verdict.failure, now, events)
    if record["status"] == "STOPPED":
        return record, Wanted({target: desired}, (target,)), events, calls
    if record["status"] != "IN_PROGRESS":
        return (*_rolling_back(service, record, desired, ready, now, events), calls)
    steps = traffic_steps(config)
    wake_in = None
    while record["status"] == "IN_PROGRESS":
        stage = record["lifecycleStage"]
        step = int(record.get("trafficStep", 0))
        # The hooks are told the traffic of the stage they hold, not of the last evaluation.
        record = counted(record, _wanted(record, desired, config, source, target), ready, None)
        hooks = gate(service=service, record=record, config=config,
                     answers=requests.hook_answers,
                     continued=requests.continued.get(arn, (None, None)), now=now,
                     time_scale=bake_scale)
        record = hooks.record
        events.extend(hooks.events)
        calls.extend(hooks.calls)
        if hooks.rollback:
            record = _start_rollback(service, record, hooks.rollback, now, events)
            if record["status"] == "STOPPED":
                return record, Wanted({target: desired}, (target,)), events, calls
            return (*_rolling_back(service, record, desired, ready, now, events), calls)
        if not hooks.passed:
            wake_in = hooks.wake_in
            break
        if stage == "SCALE_UP" and ready.get(target, 0) < (
                split(desired, steps[0]) if source else desired):
            break
        if stage == "PRODUCTION_TRAFFIC_SHIFT":
            if ready.get(target, 0) < split(desired, steps[step]):
                break
            record = {**record, "bakeStartedAt": iso(now)}
        # Below 100 % the bake after a step is at POST_PRODUCTION_TRAFFIC_SHIFT, then the
        # next step shifts; at 100 % it is BAKE_TIME, then CLEAN_UP.
        if stage == "BAKE_TIME" or (stage == "POST_PRODUCTION_TRAFFIC_SHIFT"
                                    and steps[step] < 100):
            due = _parse(record["bakeStartedAt"]) + timedelta(
                minutes=bake_scale * bake_minutes(config, steps[step]))
            if due > now:
                wake_in = (due - now).total_seconds()
                break
            if steps[step] < 100:
                record = {**record, "trafficStep": step + 1,
                          "lifecycleStage": "PRODUCTION_TRAFFIC_SHIFT"}
                continue
        if stage == "CLEAN_UP" or (source is None and stage == "SCALE_UP"):
            record = finish(record, "SUCCESSFUL", now)
            events.append(f"(service {service}) deployment {arn} completed.")
            break
        record = {**record, "lifecycleStage": STAGES[STAGES.index(stage) + 1]}
    wanted = _wanted(record, desired, config, source, target)
    return record, Wanted(wanted.replicas, wanted.production, wanted.test, wake_in), events, calls


def _stop_failed(service: str, record: dict, reason: str, config: dict, desired: int,
                 now: datetime) -> tuple[dict, Wanted, list[str]]:
    """A failure without rollback stops the deployment and launches no more tasks:
    production stays on the revision that had all its traffic (the source, unless the target
    already had it all, as in the bake), and the other revision's tasks go."""
    target = record["targetServiceRevision"]["arn"]
    source = _source_of(record)
    whole = target if source is None or (
        _past_production_shift(record)
        and traffic_steps(config)[int(record.get("trafficStep", 0))] >= 100) else source
    record = {**stopped(record, reason, now), "productionRevisionArn": whole}
    return record, Wanted({whole: desired}, (whole,)), [
        f"(service {service}) deployment {record['serviceDeploymentArn']} failed and stopped "
        f"(no rollback asked), {whole} stays in production: {reason}."]


def _wanted(record: dict, desired: int, config: dict, source: str | None,
            target: str) -> Wanted:
    if record["status"] == "SUCCESSFUL" or source is None:
        return Wanted({target: desired}, (target,))
    stage = STAGES.index(record["lifecycleStage"])
    steps = traffic_steps(config)
    step = int(record.get("trafficStep", 0))
    test = target if stage >= STAGES.index("TEST_TRAFFIC_SHIFT") else None
    before_scale = stage < STAGES.index("SCALE_UP")
    if config.get("strategy") == "BLUE_GREEN":
        production = (target,) if stage > STAGES.index("PRODUCTION_TRAFFIC_SHIFT") \
            else (source,)
        return Wanted({source: desired, target: 0 if before_scale else desired}, production,
                      test)
    shifting = stage == STAGES.index("PRODUCTION_TRAFFIC_SHIFT")
    if stage < STAGES.index("PRODUCTION_TRAFFIC_SHIFT") or (shifting and step == 0):
        # The target runs beside an untouched source, receiving test traffic only.
        return Wanted({source: desired, target: 0 if before_scale else split(desired, steps[0])},
                      (source,), test)
    target_count = split(desired, steps[step])
    # While a step is shifting, the source keeps the previous step's tasks until the target
    # has its new ones ready: the service never has fewer ready tasks than desired.
    kept = split(desired, steps[step - 1]) if shifting else target_count
    source_count = 0 if record["lifecycleStage"] == "CLEAN_UP" else desired - kept
    return Wanted({source: source_count, target: target_count}, (source, target), test)


def _rolling_back(service: str, record: dict, desired: int, ready: dict[str, int],
                  now: datetime, events: list[str]) -> tuple[dict, Wanted, list[str]]:
    """Production returns to the source; the target goes once the source is whole again."""
    source = record["rollback"]["serviceRevisionArn"]
    target = record["targetServiceRevision"]["arn"]
    if ready.get(source, 0) >= desired:
        record = finish(record, "ROLLBACK_SUCCESSFUL", now, record["rollback"]["reason"])
        events.append(f"(service {service}) deployment {record['serviceDeploymentArn']} "
                      f"rolled back to {source}.")
        return record, Wanted({source: desired}, (source,)), events
    # CANARY and LINEAR took tasks from the source: it scales back while the target keeps
    # serving, so the service never loses its ready tasks.
    keep = ready.get(target, 0)
    return record, Wanted({source: desired, target: keep},
                          (source, target) if keep else (source,)), events
