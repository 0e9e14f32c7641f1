"""ECS's deployment alarms, with Prometheus alerts in CloudWatch alarms' place.

`deploymentConfiguration.alarms {alarmNames, enable, rollback}`: while a deployment is
IN_PROGRESS, and for a bake time once its tasks are all healthy and the old ones gone (the
deployment stays IN_PROGRESS meanwhile, as in ECS), the operator asks Prometheus which alerts
fire. An alert named in alarmNames fails the deployment, and with rollback the service returns
to its last completed deployment through the same path as the circuit breaker.

An alert counts for a service when its name is in alarmNames and its labels do not point at
another service: `namespace` and `service` (or `exported_namespace` and `exported_service`,
which Prometheus writes when its scrape config adds target labels of those names), where
present, must be the service's. An alert without those labels (a cluster-wide one) counts for
every service that names it.

Bake time: ECS derives it from the alarms' own configuration. A Prometheus alert fires once
its rule's expression has held for the rule's `for` duration, checked every evaluation
interval of the rule's group, so a fault that starts as the deployment completes shows within
`for` plus two intervals (one for the samples to reach a scrape and the rule, one to evaluate
it): the bake time is the largest of those over the alerts named. `bakeTimeInMinutes`, when
the spec has it, is used instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .conditions import Condition, parse_timestamp, timestamp

# When no rule named in alarmNames is known to Prometheus (yet): one minute, a CloudWatch
# alarm's usual period.
DEFAULT_BAKE_SECONDS = 60.0
NOT_CONFIGURED = ("no Prometheus is configured (ecs-operator run --prometheus-url, chart "
                  "value prometheus.url)")


@dataclass(frozen=True)
class AlarmConfig:
    enabled: bool
    rollback: bool
    names: tuple[str, ...] = ()


def alarm_config(spec: dict) -> AlarmConfig:
    alarms = (spec.get("deploymentConfiguration") or {}).get("alarms") or {}
    return AlarmConfig(enabled=bool(alarms.get("enable")), rollback=bool(alarms.get("rollback")),
                       names=tuple(alarms.get("alarmNames") or ()))


def is_configured(spec: dict) -> bool:
    """The spec has an alarms block (describe-services shows one, disabled, on every service)."""
    return bool((spec.get("deploymentConfiguration") or {}).get("alarms"))


@dataclass(frozen=True)
class AlarmReading:
    """What Prometheus said for one service; `error` when it could not be asked."""
    firing: tuple[str, ...] = ()
    bake_seconds: float = DEFAULT_BAKE_SECONDS
    unknown: tuple[str, ...] = ()  # names no alerting rule has
    error: str | None = None


def _label(labels: dict, name: str) -> str | None:
    return labels.get(f"exported_{name}", labels.get(name))


def alert_counts_for(alert: dict, names: tuple[str, ...], namespace: str, service: str) -> bool:
    labels = alert.get("labels") or {}
    if alert.get("state") != "firing" or labels.get("alertname") not in names:
        return False
    return _label(labels, "namespace") in (None, namespace) \
        and _label(labels, "service") in (None, service)


def firing_alarms(alerts: list[dict], names: tuple[str, ...], namespace: str,
                  service: str) -> tuple[str, ...]:
    """The names in `names` with a firing alert for the service (/api/v1/alerts' data.alerts)."""
    return tuple(sorted({a["labels"]["alertname"] for a in alerts
                         if alert_counts_for(a, names, namespace, service)}))


def bake_seconds(groups: list[dict], names: tuple[str, ...]) -> tuple[float, tuple[str, ...]]:
    """The bake time for `names` from /api/v1/rules' data.groups, and the names no alerting
    rule has."""
    longest, found = None, set()
    for group in groups:
        interval = float(group.get("interval") or 0)
        for rule in group.get("rules") or []:
            if rule.get("type") != "alerting" or rule.get("name") not in names:
                continue
            found.add(rule["name"])
            needed = float(rule.get("duration") or 0) + 2 * interval
            longest = needed if longest is None else max(longest, needed)
    unknown = tuple(sorted(set(names) - found))
    return (DEFAULT_BAKE_SECONDS if longest is None else longest), unknown


def reading(alerts: list[dict], groups: list[dict], config: AlarmConfig, namespace: str,
            service: str) -> AlarmReading:
    bake, unknown = bake_seconds(groups, config.names)
    return AlarmReading(firing_alarms(alerts, config.names, namespace, service), bake, unknown)


def bake_for(spec: dict, alarms: AlarmReading) -> float:
    minutes = (spec.get("deploymentConfiguration") or {}).get("bakeTimeInMinutes")
    return float(minutes) * 60 if minutes is not None else alarms.bake_seconds


@dataclass(frozen=True)
class AlarmVerdict:
    """What the alarms make of a primary deployment still IN_PROGRESS."""
    failed_reason: str | None  # the deployment FAILS with this reason
    baking_reason: str | None  # its tasks are done; it bakes until bake_ends_at
    bake_ends_at: str | None
    triggered: tuple[str, ...]


def judge(config: AlarmConfig, alarms: AlarmReading, *, tasks_done: bool, earlier: dict,
          bake: float, now: datetime) -> AlarmVerdict:
    """`tasks_done`: the deployment would be COMPLETED without alarms. `earlier`: its
    `alarms` entry as last recorded."""
    if alarms.firing:
        return AlarmVerdict("ECS deployment failed: alarms triggered: "
                            f"{', '.join(alarms.firing)}.", None, None, alarms.firing)
    if not tasks_done:
        return AlarmVerdict(None, None, None, ())
    ends = earlier.get("bakeEndsAt") or timestamp(now + timedelta(seconds=math.ceil(bake)))
    if timestamp(now) >= ends:
        return AlarmVerdict(None, None, ends, ())
    return AlarmVerdict(None, f"ECS deployment baking: watching alarms "
                              f"{', '.join(config.names)} until {ends}.", ends, ())


def alarms_state(config: AlarmConfig, rollout_state: str, verdict: AlarmVerdict | None,
                 earlier: dict) -> dict:
    """The deployment's alarms as ServiceDeployment.alarms shows them, plus bakeEndsAt.

    `verdict`: None once the deployment's state is settled (its record is kept as it was)."""
    triggered = list(verdict.triggered) if verdict else earlier.get("triggeredAlarmNames", [])
    if not config.enabled:
        status = "DISABLED"
    elif triggered:
        status = "TRIGGERED"
    elif rollout_state in ("COMPLETED", "FAILED"):
        status = "MONITORING_COMPLETE"
    else:
        status = "MONITORING"
    entry = {"status": status, "alarmNames": list(config.names), "triggeredAlarmNames": triggered}
    ends = verdict.bake_ends_at if verdict else earlier.get("bakeEndsAt")
    if ends:
        entry["bakeEndsAt"] = ends
    return entry


def rollback_wanted(spec: dict, failed: dict, breaker_rollback: bool) -> bool:
    """A FAILED deployment rolls back when what failed it asks for a rollback."""
    if (failed.get("alarms") or {}).get("status") == "TRIGGERED":
        return alarm_config(spec).rollback
    return breaker_rollback


def keeps_rollback_target(spec: dict, earlier: dict) -> bool:
    """A COMPLETED deployment whose tasks are all gone stays listed while the newer one can
    still fail by an alarm (IN_PROGRESS, bake time included): a rollback returns to it."""
    return alarm_config(spec).enabled and earlier.get("rolloutState") == "COMPLETED"


def seconds_until_next_check(status: dict, spec: dict, interval: float,
                             now: datetime) -> float | None:
    """When the service's status should be computed again for its alarms; None when its
    alarms need no watching (disabled, or no deployment IN_PROGRESS)."""
    if not alarm_config(spec).enabled or status.get("rolloutState") != "IN_PROGRESS":
        return None
    primary = (status.get("deployments") or [{}])[0]
    ends = (primary.get("alarms") or {}).get("bakeEndsAt")
    if ends:
        left = (parse_timestamp(ends) - now).total_seconds()
        return max(min(interval, left + 0.5), 0.5)
    return interval


class AlarmChecks:
    """The alarms of one deployment in one status computation: judged only while it is the
    primary one IN_PROGRESS (`watched`), recorded always."""

    def __init__(self, config: AlarmConfig, alarms: AlarmReading, earlier: dict, now: datetime,
                 bake: float, watched: bool) -> None:
        self.config, self.alarms, self.earlier = config, alarms, earlier
        self.now, self.bake, self.watched = now, bake, watched
        self.verdict: AlarmVerdict | None = None

    def judge(self, *, tasks_done: bool) -> AlarmVerdict | None:
        if not (self.watched and self.config.enabled):
            return None
        # Unchecked alarms fire nothing; the AlarmsChecked condition says they are unchecked.
        usable = self.alarms if self.alarms.error is None else AlarmReading(
            bake_seconds=self.alarms.bake_seconds)
        self.verdict = judge(self.config, usable, tasks_done=tasks_done, earlier=self.earlier,
                             bake=self.bake, now=self.now)
        return self.verdict

    def state(self, rollout_state: str) -> dict:
        return alarms_state(self.config, rollout_state, self.verdict, self.earlier)


def alarm_checks(spec: dict, alarms: AlarmReading | None, earlier: dict, now: datetime, *,
                 watched: bool) -> AlarmChecks | None:
    """None when the spec has no alarms block (the deployment shows no `alarms` then).

    `watched`: the deployment is the primary one, and not the one a rollback returned to
    (the alarm that failed the deployment before it usually still fires for a while)."""
    if not is_configured(spec):
        return None
    reading = alarms or AlarmReading(error=NOT_CONFIGURED)
    return AlarmChecks(alarm_config(spec), reading, earlier, now, bake_for(spec, reading),
                       watched)


def alarm_conditions(spec: dict, alarms: AlarmReading | None) -> list[Condition]:
    """AlarmsChecked, for a service whose alarms are enabled."""
    config = alarm_config(spec)
    if not config.enabled:
        return []
    if alarms is None or alarms.error:
        return [Condition("AlarmsChecked", False, "AlarmsUnchecked",
                          f"alarms {', '.join(config.names)} cannot be checked: "
                          f"{alarms.error if alarms else NOT_CONFIGURED}")]
    if alarms.unknown:
        return [Condition("AlarmsChecked", False, "UnknownAlarms",
                          f"Prometheus has no alerting rule named {', '.join(alarms.unknown)}")]
    return [Condition("AlarmsChecked", True, "AlarmsChecked",
                      f"alarms {', '.join(config.names)} are checked in Prometheus")]


def alarm_events(name: str, spec: dict, alarms: AlarmReading | None,
                 previous: dict) -> list[tuple[str, str, bool]]:
    """(reason, message, warning): a Warning when the alarms turn uncheckable."""
    checked = alarm_conditions(spec, alarms)
    if not checked or checked[0].status:
        return []
    was = next((c for c in previous.get("conditions") or [] if c.get("type") == "AlarmsChecked"),
               None)
    if was and was.get("status") == "False" and was.get("reason") == checked[0].reason:
        return []
    return [(checked[0].reason, f"(service {name}) {checked[0].message}.", True)]
