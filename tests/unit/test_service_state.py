"""What the operator remembers of a Service ends with the Service."""

from __future__ import annotations

from ecs_operator.handlers import service_state as state


def test_a_forgotten_service_leaves_nothing_behind(monkeypatch) -> None:
    key = ("shop", "web")
    monkeypatch.setattr(state, "known", {key: {"spec": {}}})
    monkeypatch.setattr(state, "applied", {key: {("Deployment", "web")}})
    monkeypatch.setattr(state, "reverted", {key: ("kubectl-edit", "2026-11-26T00:00:00Z")})
    monkeypatch.setattr(state, "written_at", {key: 12.5})

    state.forget(*key)

    # A Service created again under the same name starts afresh: its first reconcile prunes
    # (nothing is known to have been applied) and a refresh reads it from the API server.
    assert (state.known, state.applied, state.reverted) == ({}, {}, {})
    assert state.written_at == {}  # its first status is written at once, not paced
    assert state.is_gone(*key)
    state.exists_again(*key)
    assert not state.is_gone(*key)
