"""After a restart every Service is resumed at once; those reconciles run on threads of their
own, so a Service created meanwhile is not queued behind them on Kopf's handler threads."""

from __future__ import annotations

import asyncio
import threading

import kopf
import pytest

from ecs_operator.handlers import services


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
