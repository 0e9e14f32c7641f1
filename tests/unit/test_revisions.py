"""Each distinct TaskDefinition spec is recorded once, numbered per family."""

from __future__ import annotations

import pytest

from ecs_operator.translate.revisions import RecordedRevision, controller_revision, \
    recorded_revisions, revision_to_record, spec_digest

SPEC_A = {"containerDefinitions": [{"name": "app", "image": "a"}]}
SPEC_B = {"containerDefinitions": [{"name": "app", "image": "b"}]}


@pytest.mark.parametrize("recorded,spec,expected", [
    ([], SPEC_A, 1),
    ([RecordedRevision(1, spec_digest(SPEC_A))], SPEC_A, None),
    ([RecordedRevision(1, spec_digest(SPEC_A))], SPEC_B, 2),
    # Going back to an earlier spec is a new revision, as RegisterTaskDefinition does.
    ([RecordedRevision(1, spec_digest(SPEC_A)), RecordedRevision(2, spec_digest(SPEC_B))],
     SPEC_A, 3),
], ids=["first", "unchanged", "changed", "reverted"])
def test_revision_to_record(recorded, spec, expected) -> None:
    assert revision_to_record(recorded, spec_digest(spec)) == expected


def test_digest_ignores_key_order() -> None:
    assert spec_digest({"a": 1, "b": [1, 2]}) == spec_digest({"b": [1, 2], "a": 1})


def test_controller_revision_round_trips_its_digest() -> None:
    record = controller_revision(family="Web_App", revision=2, spec=SPEC_B, owner_name="web",
                                 owner_uid="u")
    assert record["metadata"]["name"] == "web-app-2"
    assert record["metadata"]["labels"]["ecs.operator.dev/family"] == "web-app"
    assert record["data"] == {"spec": SPEC_B}
    assert recorded_revisions([record]) == [RecordedRevision(2, spec_digest(SPEC_B))]
