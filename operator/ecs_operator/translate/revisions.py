"""TaskDefinition revisions: each distinct spec is recorded once, numbered per family."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .names import LABEL_FAMILY, LABEL_MANAGED_BY, LABEL_REVISION, MANAGED_BY, family_slug, \
    owner_reference, revision_name

ANNOTATION_DIGEST = "ecs.operator.dev/spec-digest"
ANNOTATION_FAMILY = "ecs.operator.dev/family"


@dataclass(frozen=True)
class RecordedRevision:
    revision: int
    digest: str


def spec_digest(spec: dict) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def family_of(name: str, spec: dict) -> str:
    return spec.get("family") or name


def revision_to_record(recorded: list[RecordedRevision], digest: str) -> int | None:
    """The revision number to create for a spec, or None when the latest already records it.

    Only the latest counts: changing a spec back to an earlier one makes a new revision, as
    RegisterTaskDefinition does.
    """
    if not recorded:
        return 1
    latest = max(recorded, key=lambda r: r.revision)
    return None if latest.digest == digest else latest.revision + 1


def controller_revision(*, family: str, revision: int, spec: dict, owner_name: str,
                        owner_uid: str) -> dict:
    """An immutable record of one revision (a ControllerRevision's data never changes)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": revision_name(family, revision),
            "labels": {LABEL_FAMILY: family_slug(family), LABEL_REVISION: str(revision),
                       LABEL_MANAGED_BY: MANAGED_BY},
            "annotations": {ANNOTATION_DIGEST: spec_digest(spec), ANNOTATION_FAMILY: family},
            "ownerReferences": [owner_reference("TaskDefinition", owner_name, owner_uid)],
        },
        "revision": revision,
        "data": {"spec": spec},
    }


def recorded_revisions(controller_revisions: list[dict]) -> list[RecordedRevision]:
    return [RecordedRevision(revision=int(cr["revision"]),
                             digest=cr["metadata"].get("annotations", {}).get(ANNOTATION_DIGEST, ""))
            for cr in controller_revisions]
