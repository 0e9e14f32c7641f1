"""When the operator asks Prometheus about a Service's alarms, and what it says when it cannot
(the real Prometheus is in tests/e2e/test_deployment_alarms.py)."""

from __future__ import annotations

import socket

import pytest

from ecs_operator.handlers import alarm_watch
from ecs_operator.translate.deployment_alarms import NOT_CONFIGURED

SPEC = {"deploymentConfiguration": {"alarms": {"alarmNames": ["TasksFailing"], "enable": True,
                                               "rollback": True}}}


@pytest.fixture(autouse=True)
def fresh(monkeypatch) -> None:
    monkeypatch.setattr(alarm_watch, "_last", {})
    monkeypatch.setattr(alarm_watch, "_answer", {})
    monkeypatch.delenv(alarm_watch.PROMETHEUS_URL_ENV, raising=False)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_disabled_alarms_ask_nothing() -> None:
    spec = {"deploymentConfiguration": {"alarms": {"alarmNames": ["X"], "enable": False,
                                                   "rollback": False}}}
    assert alarm_watch.alarm_reading("shop", "web", spec, {}, "web:1") is None


def test_without_a_prometheus_the_alarms_cannot_be_checked() -> None:
    reading = alarm_watch.alarm_reading("shop", "web", SPEC, {}, "web:1")
    assert reading.error == NOT_CONFIGURED


def test_an_unreachable_prometheus_is_an_error_not_a_quiet_alarm(monkeypatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv(alarm_watch.PROMETHEUS_URL_ENV, url)
    reading = alarm_watch.alarm_reading("shop", "web", SPEC, {}, "web:1")
    assert reading.firing == ()
    assert reading.error.startswith(f"Prometheus at {url} did not answer")


@pytest.mark.parametrize("previous,task_definition,asks", [
    ({"rolloutState": "COMPLETED", "taskDefinition": "web:1"}, "web:1", False),
    ({"rolloutState": "IN_PROGRESS", "taskDefinition": "web:1"}, "web:1", True),
    ({"rolloutState": "COMPLETED", "taskDefinition": "web:1"}, "web:2", True),  # a new revision
], ids=["steady", "in-progress", "new-revision"])
def test_prometheus_is_asked_only_while_a_deployment_can_fail(monkeypatch, previous,
                                                              task_definition, asks) -> None:
    monkeypatch.setenv(alarm_watch.PROMETHEUS_URL_ENV, f"http://127.0.0.1:{closed_port()}")
    alarm_watch.alarm_reading("shop", "web", SPEC, {}, "web:1")  # the first look, after a start
    asked = []
    monkeypatch.setattr(alarm_watch, "_answer_of", lambda url: asked.append(url) or ([], [], None))
    alarm_watch.alarm_reading("shop", "web", SPEC, previous, task_definition)
    assert bool(asked) is asks
