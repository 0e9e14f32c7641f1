"""Which revision the ECS API takes as a family's latest (api/calls.py): RegisterTaskDefinition
answers once the revision's ControllerRevision exists, before the status names it."""

from __future__ import annotations

import pytest

from ecs_operator.api import calls
from ecs_operator.api.protocol import EcsError

TASK_DEFINITION = {"metadata": {"name": "web", "namespace": "prod"},
                   "spec": {"family": "web"},
                   "status": {"family": "web", "revision": 2}}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch):
    """The ControllerRevisions that exist, by name; the TaskDefinition as the API server has
    it."""
    existing: set[str] = set()
    found = {"resource": TASK_DEFINITION}
    monkeypatch.setattr(calls.resources, "get_task_definition",
                        lambda namespace, name: found["resource"])
    monkeypatch.setattr(calls.resources, "get_revision",
                        lambda namespace, name: {"metadata": {"name": name}}
                        if name in existing else None)
    return existing, found


@pytest.mark.parametrize("records, latest", [
    ({"web-1", "web-2"}, 2),                    # the status is up to date
    ({"web-1", "web-2", "web-3"}, 3),           # registered, the status not written yet
    ({"web-1", "web-2", "web-3", "web-4"}, 4),
])
def test_a_revision_recorded_before_the_status_names_it_is_the_latest(recorded, records,
                                                                      latest: int) -> None:
    existing, _ = recorded
    existing.update(records)
    assert calls.task_definition_of("prod", "web")["status"]["revision"] == latest
    # A bare family resolves to it, as CreateService and RunTask pin it.
    assert calls.named_revision("prod", "web")[2] == latest


def test_a_family_with_nothing_recorded_is_unknown(recorded) -> None:
    _, found = recorded
    found["resource"] = {**TASK_DEFINITION, "status": {}}
    with pytest.raises(EcsError, match="Unable to describe task definition web"):
        calls.task_definition_of("prod", "web")
