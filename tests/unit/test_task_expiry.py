"""Stopped tasks are deleted once their retention is over, from what the index holds."""

from __future__ import annotations

from datetime import datetime, timezone

from ecs_operator.handlers import tasks

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)


def test_only_tasks_stopped_longer_than_the_retention_are_deleted(monkeypatch) -> None:
    deleted: list[tuple[str, str, str]] = []
    monkeypatch.setattr(tasks, "_now", lambda: NOW)
    monkeypatch.setenv(tasks.RETENTION_ENV, "600")
    monkeypatch.setattr(tasks.k8s, "delete_custom",
                        lambda plural, namespace, name: deleted.append((plural, namespace, name)))

    reaped = tasks.reap_expired_tasks([
        ("shop", "old", "2026-11-26T11:49:59Z"),  # stopped 10 min 1 s ago
        ("shop", "recent", "2026-11-26T11:55:00Z"),  # 5 min ago
        ("jobs", "stopping", None),  # no stoppedAt yet
    ])

    assert reaped == 1
    assert deleted == [("ecstasks", "shop", "old")]
