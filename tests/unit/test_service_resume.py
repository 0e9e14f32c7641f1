"""After a restart every Service is resumed at once; those reconciles run on threads of their
own, so a Service created meanwhile is not queued behind them on Kopf's handler threads."""

from __future__ import annotations

import asyncio
import threading

import kopf
import pytest

from ecs_operator.handlers import service_state, services


@pytest.fixture
def reconciles(monkeypatch) -> list[tuple[str, str, str]]:
    seen: list[tuple[str, str, str]] = []

    def reconcile(namespace: str, name: str, new: dict | None = None):
        seen.append((namespace, name, threading.current_thread().name))
        if name == "broken":
            return services.Resolution(None, [], services.Problem("TaskDefinitionNotFound",
                                                                  "no task definition web"))
        return services.Resolution("web:1", [], None)

    monkeypatch.setattr(services, "_reconcile_measured", reconcile)
    monkeypatch.setattr(services.VIEWS, "bind", lambda kwargs: None)
    return seen


def test_resumes_run_on_their_own_threads(reconciles) -> None:
    async def resume_all() -> None:
        await asyncio.gather(*(services.service_resumed(namespace="shop", name=f"web-{i}")
                               for i in range(10)))

    asyncio.run(resume_all())

    assert sorted(name for _, name, _ in reconciles) == sorted(f"web-{i}" for i in range(10))
    threads = {thread for _, _, thread in reconciles}
    assert all(thread.startswith("resume") for thread in threads)
    assert len(threads) <= services.RESUME_THREADS


def test_a_resumed_service_with_an_invalid_spec_fails_permanently(reconciles) -> None:
    with pytest.raises(kopf.PermanentError, match="no task definition web"):
        asyncio.run(services.service_resumed(namespace="shop", name="broken"))


def _restarted_with(monkeypatch, generation: int, observed: int | None) -> list[dict]:
    """The first refresh of a Service after a restart (nothing known of it yet)."""
    body = {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Service",
            "metadata": {"namespace": "shop", "name": "web", "uid": "u-1",
                         "generation": generation},
            "spec": {"taskDefinition": "web", "desiredCount": 2}}
    if observed is not None:
        body["status"] = {"observedGeneration": observed, "taskDefinition": "web:1",
                          "desiredCount": 1}
    written: list[dict] = []
    monkeypatch.setattr(service_state, "known", {})
    monkeypatch.setattr(services.k8s, "get_custom", lambda plural, namespace, name: body)
    monkeypatch.setattr(services.k8s, "patch_status",
                        lambda plural, namespace, name, status, previous: written.append(status))
    monkeypatch.setattr(services.VIEWS, "replica_service",
                        lambda namespace, name: (None, [], []))
    monkeypatch.setattr(services.VIEWS, "has_disruption_budget", lambda namespace, name: False)
    services.refresh_status("shop", "web")
    return written


def test_a_refresh_after_a_restart_describes_the_generation_it_reads(monkeypatch) -> None:
    written = _restarted_with(monkeypatch, generation=2, observed=2)
    assert [(s["observedGeneration"], s["desiredCount"]) for s in written] == [(2, 2)]


@pytest.mark.parametrize("observed", [1, None], ids=["changed", "created"])
def test_a_refresh_after_a_restart_leaves_an_unreconciled_spec_to_its_handler(
        monkeypatch, observed) -> None:
    # desiredCount went from 1 to 2 (or the Service was created) while the operator was down:
    # nothing has applied that yet, so no status may claim generation 2.
    assert _restarted_with(monkeypatch, generation=2, observed=observed) == []
