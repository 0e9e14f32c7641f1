"""Asks Prometheus about the alerts Services name as deployment alarms (deployment_alarms.py
decides what they do).

One answer of Prometheus (its firing alerts and its alerting rules) serves every Service for
a few seconds; a Service asks only while its deployment is IN_PROGRESS (bake time included),
when a new revision starts, and once after the operator starts. While one is IN_PROGRESS its
status is computed again every check interval (`ecs-operator run --alarm-check-interval`), so
an alert that starts firing fails the deployment without waiting for a pod event. A
BLUE_GREEN, CANARY or LINEAR deployment in flight asks at each of its evaluations
(firing_alarms_now), from the same shared answer.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
import urllib.request

from ..translate.deployment_alarms import NOT_CONFIGURED, AlarmReading, alarm_config, reading

PROMETHEUS_URL_ENV = "ECS_OPERATOR_PROMETHEUS_URL"
CHECK_INTERVAL_ENV = "ECS_OPERATOR_ALARM_CHECK_INTERVAL_SECONDS"
DEFAULT_CHECK_INTERVAL_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 3.0

_lock = threading.Lock()
_answer: dict[str, tuple[float, list, list, str | None]] = {}  # url -> (when, alerts, groups, error)
_last: dict[tuple[str, str], AlarmReading] = {}


def prometheus_url() -> str:
    return os.environ.get(PROMETHEUS_URL_ENV, "").rstrip("/")


def check_interval() -> float:
    return float(os.environ.get(CHECK_INTERVAL_ENV, DEFAULT_CHECK_INTERVAL_SECONDS))


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise ValueError(body.get("error") or "status is not success")
    return body["data"]


def _ask(url: str) -> tuple[list, list, str | None]:
    """Firing alerts and alerting rule groups; or the reason Prometheus could not say."""
    try:
        alerts = _get(f"{url}/api/v1/alerts").get("alerts") or []
        groups = _get(f"{url}/api/v1/rules?" + urllib.parse.urlencode({"type": "alert"})) \
            .get("groups") or []
    except (OSError, ValueError, KeyError) as error:
        return [], [], f"Prometheus at {url} did not answer: {error}"
    return alerts, groups, None


def _answer_of(url: str) -> tuple[list, list, str | None]:
    fresh_for = max(check_interval() / 2, 0.5)
    with _lock:  # one request at a time: the threads refreshing other Services reuse it
        cached = _answer.get(url)
        if cached is None or time.monotonic() - cached[0] > fresh_for:
            alerts, groups, error = _ask(url)
            cached = _answer[url] = (time.monotonic(), alerts, groups, error)
    return cached[1], cached[2], cached[3]


def _needs_asking(key: tuple[str, str], previous: dict, task_definition: str | None) -> bool:
    return key not in _last or previous.get("rolloutState") == "IN_PROGRESS" \
        or previous.get("taskDefinition") != task_definition


def alarm_reading(namespace: str, name: str, spec: dict, previous: dict,
                  task_definition: str | None) -> AlarmReading | None:
    """What Prometheus says of the Service's alarms; None when they are not enabled."""
    key = (namespace, name)
    config = alarm_config(spec)
    if not config.enabled:
        _last.pop(key, None)
        return None
    url = prometheus_url()
    if not url:
        return AlarmReading(error=NOT_CONFIGURED)
    if not _needs_asking(key, previous, task_definition):
        return _last[key]
    alerts, groups, error = _answer_of(url)
    found = AlarmReading(error=error) if error else reading(alerts, groups, config, namespace,
                                                            name)
    _last[key] = found
    return found


def firing_alarms_now(namespace: str, name: str, spec: dict) -> tuple[str, ...]:
    """The Service's alarms firing now, for the deployments of the other strategies (asked
    at each evaluation, from the shared answer). None fire when they are not enabled or
    Prometheus cannot say: the AlarmsChecked condition then says why."""
    config = alarm_config(spec)
    url = prometheus_url()
    if not config.enabled or not url:
        return ()
    alerts, groups, error = _answer_of(url)
    if error:
        return ()
    found = _last[(namespace, name)] = reading(alerts, groups, config, namespace, name)
    return found.firing


def forget(namespace: str, name: str) -> None:
    _last.pop((namespace, name), None)
