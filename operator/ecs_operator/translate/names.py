"""Label keys and name rules shared by the objects the operator owns."""

from __future__ import annotations

import re

from .errors import TranslationError

GROUP = "ecs.operator.dev"
API_VERSION = f"{GROUP}/v1alpha1"

LABEL_SERVICE = f"{GROUP}/service"
LABEL_FAMILY = f"{GROUP}/family"
LABEL_REVISION = f"{GROUP}/revision"
# On every pod template and workload the operator makes: the task definition it runs.
ANNOTATION_TASK_DEFINITION = f"{GROUP}/task-definition"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "ecs-operator"
FIELD_MANAGER = "ecs-operator"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_REFERENCE = re.compile(r"^(?P<family>[a-zA-Z0-9_-]{1,255})(:(?P<revision>[1-9][0-9]*))?$")
# arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision>
_TASK_DEFINITION_ARN = re.compile(
    r"^arn:[a-z0-9-]+:ecs:[a-z0-9-]*:[0-9]*:task-definition/(?P<reference>[^/]+)$")


def family_slug(family: str) -> str:
    """ECS families allow `_` and capitals; object names and label values here are DNS labels."""
    slug = family.lower().replace("_", "-").strip("-")
    if not slug or len(slug) > 52 or not _DNS_LABEL.match(slug):
        raise TranslationError(f"family {family!r} cannot be used as a Kubernetes name "
                               "(at most 52 characters of letters, digits, '-' and '_')")
    return slug


def revision_name(family: str, revision: int) -> str:
    """The ControllerRevision that records one revision: `<family>-<n>`."""
    return f"{family_slug(family)}-{revision}"


def parse_reference(reference: str) -> tuple[str, int | None]:
    """`web` -> ("web", None): the latest revision; `web:3` -> ("web", 3): pinned.

    An ECS task definition ARN (`arn:aws:ecs:<region>:<account>:task-definition/web:3`)
    stands for the `family:revision` at its end.
    """
    text = reference.strip()
    if text.startswith("arn:"):
        arn = _TASK_DEFINITION_ARN.match(text)
        if not arn:
            raise TranslationError(f"taskDefinition {reference!r} is not a task definition ARN "
                                   "(arn:aws:ecs:<region>:<account>:task-definition/"
                                   "<family>:<revision>)")
        text = arn.group("reference")
    match = _REFERENCE.match(text)
    if not match:
        raise TranslationError(f"taskDefinition {reference!r} is not `family` or "
                               "`family:revision`")
    revision = match.group("revision")
    return match.group("family"), int(revision) if revision else None


def revision_object_name(service: str, revision_arn: str) -> str:
    """The objects of one revision of a BLUE_GREEN / CANARY / LINEAR service (its Deployment,
    its core Service): `<service>-<revision>`."""
    return f"{service}-{parse_reference(revision_arn)[1]}"


def revision_labels(revision_arn: str) -> dict[str, str]:
    """The labels that select one revision's tasks."""
    family, number = parse_reference(revision_arn)
    return {LABEL_FAMILY: family_slug(family), LABEL_REVISION: str(number)}


def owner_reference(kind: str, name: str, uid: str) -> dict:
    return {"apiVersion": API_VERSION, "kind": kind, "name": name, "uid": uid,
            "controller": True, "blockOwnerDeletion": True}
