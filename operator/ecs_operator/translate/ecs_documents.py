"""Finding the ECS objects in a parsed JSON document, as ECS itself would read them. Pure.

Accepted documents:

- ``aws ecs describe-task-definition`` output: ``{"taskDefinition": {...}, "tags": [...]}``;
- ``aws ecs describe-services`` output: ``{"services": [...], "failures": [...]}``, and
  ``create-service`` / ``update-service`` output ``{"service": {...}}``;
- a ``register-task-definition`` or ``create-service`` request body (``--cli-input-json``);
- a bare task definition (has ``containerDefinitions``) or service (has ``serviceName`` or
  ``taskDefinition``);
- a bare ``containerDefinitions`` array (Terraform's ``container_definitions`` file), which
  needs the family from ``--family``.

``null`` anywhere means the field is absent, as ECS treats it (``without_nulls``). A task
definition without ``family`` takes ``--family``; a service without ``serviceName`` takes
``--name``, else the file name's stem, and one without ``taskDefinition`` (an ecspresso
service file) takes ``--family``. A document with any CreateService member is a service.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models.ecs_shapes import ROOTS, SHAPES
from .errors import ImportFailure


@dataclass(frozen=True)
class FoundObject:
    kind: str
    ecs: dict
    tags: list


def without_nulls(value: object) -> object:
    """`value` with every `null` member removed, at any depth (ECS reads null as absent)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def ecs_documents(document: object, *, family: str | None = None,
                  service_name: str | None = None) -> list[FoundObject]:
    """The ECS objects in one parsed JSON document (nulls removed, names filled in)."""
    document = without_nulls(document)
    found = [_named(item, family, service_name) for item in _objects(document, family)]
    return found


def _objects(document: object, family: str | None) -> list[FoundObject]:
    if isinstance(document, list):
        return [FoundObject("TaskDefinition", _bare_container_definitions(document, family), [])]
    if not isinstance(document, dict):
        raise ImportFailure("", "an ECS document is a JSON object (or a containerDefinitions "
                            "array)", "pass describe-task-definition / describe-services "
                            "output or a register-task-definition / create-service request")
    if isinstance(document.get("taskDefinition"), dict):
        return [FoundObject("TaskDefinition", document["taskDefinition"],
                            document.get("tags") or [])]
    if isinstance(document.get("services"), list):
        return [FoundObject("Service", item, item.get("tags") or [])
                for item in document["services"] if isinstance(item, dict)]
    if isinstance(document.get("service"), dict):
        return [FoundObject("Service", document["service"], document["service"].get("tags") or [])]
    if "containerDefinitions" in document:
        return [FoundObject("TaskDefinition", document, document.get("tags") or [])]
    if "serviceName" in document or "taskDefinition" in document \
            or set(document) & set(SHAPES[ROOTS["Service"][0]]["members"]):
        # An ecspresso service file has neither serviceName nor taskDefinition.
        return [FoundObject("Service", document, document.get("tags") or [])]
    raise ImportFailure("", "not an ECS task definition or service",
                        "pass describe-task-definition / describe-services output or a "
                        "register-task-definition / create-service request (a task definition "
                        "has containerDefinitions; a service has serviceName and "
                        "taskDefinition)")


def _bare_container_definitions(document: list, family: str | None) -> dict:
    if not document or not all(isinstance(item, dict) for item in document):
        raise ImportFailure("", "a JSON array is read as a containerDefinitions array, which "
                            "holds container definition objects",
                            "pass a task definition or a containerDefinitions array")
    if not family:
        raise ImportFailure("family", "a bare containerDefinitions array (Terraform's "
                            "container_definitions) has no family",
                            "pass --family NAME to name the task definition")
    return {"family": family, "containerDefinitions": document}


def _named(found: FoundObject, family: str | None, service_name: str | None) -> FoundObject:
    if found.kind == "TaskDefinition" and not found.ecs.get("family") and family:
        return FoundObject(found.kind, {"family": family, **found.ecs}, found.tags)
    if found.kind == "Service":
        filled = dict(found.ecs)
        if not filled.get("serviceName") and service_name:
            filled["serviceName"] = service_name
        if not filled.get("taskDefinition") and family:
            filled["taskDefinition"] = family
        return FoundObject(found.kind, filled, found.tags)
    return found
