"""A refresh leaves a change that is only progress for later, and writes the rest at once."""

from __future__ import annotations

import time

import pytest

from ecs_operator.handlers import service_refresh, service_state, services
from ecs_operator.translate.service_status import Observed, service_status

from .test_service_status import DEPLOYMENT, NEW_RS, T0, pod

KEY = ("shop", "web")
SPEC = {"taskDefinition": "web", "desiredCount": 2}
PENDING_TWO = [pod("a", "bbb", "Pending", ready=False), pod("b", "bbb", "Pending", ready=False)]
ONE_UP = [pod("a", "bbb"), pod("b", "bbb", "Pending", ready=False)]
BOTH_UP = [pod("a", "bbb"), pod("b", "bbb")]


class Recorder:
    def __init__(self) -> None:
        self.written: list[dict] = []
        self.deferred: list[float] = []
        self.events: list[str] = []

    def defer(self, key, delay: float) -> None:
        assert key == KEY
        self.deferred.append(delay)


@pytest.fixture
def service(monkeypatch) -> Recorder:
    """A Service whose status, written `written_ago` seconds ago, shows two tasks pending."""
    recorder = Recorder()
    status = service_status(name="web", generation=1, spec=SPEC, previous={},
                            observed=Observed(DEPLOYMENT, [NEW_RS], PENDING_TWO),
                            task_definition="web:2", problem=None, unsupported=[], now=T0).status
    body = {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Service",
            "metadata": {"namespace": "shop", "name": "web", "uid": "u-1", "generation": 1},
            "spec": SPEC}
    monkeypatch.setattr(service_state, "known", {})
    monkeypatch.setattr(service_state, "written_at", {})
    service_state.remember(body, status)
    monkeypatch.setattr(services, "_refresher", recorder)
    monkeypatch.setattr(service_refresh.k8s, "patch_status",
                        lambda plural, namespace, name, new, previous:
                        recorder.written.append(new))
    monkeypatch.setattr(service_refresh.k8s, "apply", lambda obj: None)
    for post in ("info", "warn"):
        monkeypatch.setattr(service_refresh.kopf, post,
                            lambda body, reason, message: recorder.events.append(reason))
    monkeypatch.setattr(service_refresh.VIEWS, "has_disruption_budget", lambda ns, name: False)
    monkeypatch.delenv(service_refresh.PROGRESS_INTERVAL_ENV, raising=False)
    return recorder


def observing(monkeypatch, pods: list[dict]) -> None:
    monkeypatch.setattr(service_refresh.VIEWS, "replica_service",
                        lambda namespace, name: (DEPLOYMENT, [NEW_RS], pods))


def written_ago(seconds: float) -> None:
    service_state.written_at[KEY] = time.monotonic() - seconds


def test_a_task_starting_soon_after_a_write_waits_for_the_interval(monkeypatch, service) -> None:
    written_ago(1)
    observing(monkeypatch, ONE_UP)
    services.refresh_status(*KEY)
    assert service.written == []
    assert service.events == []
    assert service.deferred == [pytest.approx(9, abs=0.5)]
    # The status kept is the one the API server has: the next write compares against it.
    assert service_state.known[KEY]["status"]["runningCount"] == 0


def test_the_deferred_refresh_writes_what_started_meanwhile(monkeypatch, service) -> None:
    written_ago(1)
    observing(monkeypatch, ONE_UP)
    services.refresh_status(*KEY)
    written_ago(11)  # the deferred refresh, once the interval is over
    services.refresh_status(*KEY)
    assert [s["runningCount"] for s in service.written] == [1]
    assert service.deferred == [pytest.approx(9, abs=0.5)]
    assert service.events == ["TasksStarted"]


def test_reaching_the_desired_count_is_written_at_once(monkeypatch, service) -> None:
    written_ago(1)
    observing(monkeypatch, BOTH_UP)
    services.refresh_status(*KEY)
    assert [(s["runningCount"], s["rolloutState"]) for s in service.written] == \
        [(2, "COMPLETED")]
    assert service.deferred == []


def test_pacing_turned_off_writes_every_change(monkeypatch, service) -> None:
    monkeypatch.setenv(service_refresh.PROGRESS_INTERVAL_ENV, "0")
    written_ago(1)
    observing(monkeypatch, ONE_UP)
    services.refresh_status(*KEY)
    assert [s["runningCount"] for s in service.written] == [1]
    assert service.deferred == []


def test_the_first_write_after_a_restart_does_not_wait(monkeypatch, service) -> None:
    observing(monkeypatch, ONE_UP)  # nothing written by this process yet
    services.refresh_status(*KEY)
    assert [s["runningCount"] for s in service.written] == [1]
