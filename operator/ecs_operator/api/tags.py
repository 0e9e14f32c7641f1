"""TagResource, UntagResource, ListTagsForResource, on clusters, services, tasks and task
definitions (whose tags are part of a revision: they are read here, changed by registering)."""

from __future__ import annotations

import json

from ..k8s import ecs_resources as resources
from ..translate import ecs_api
from ..translate.errors import TranslationError
from ..translate.names import revision_name
from .calls import FIELD_MANAGER, Call, named_revision
from .protocol import EcsError, invalid_parameter

PLURALS = {"service": resources.SERVICES, "task": resources.TASKS}


def _resource(call: Call, arn: str) -> tuple[str, str, dict]:
    """(kind, namespace, object) an ARN names; a task definition's object is its revision."""
    try:
        kind, cluster, name = ecs_api.resource_of(arn)
    except TranslationError as error:
        raise invalid_parameter(str(error)) from None
    if kind == "task-definition":
        namespace = call.definitions_namespace
        _, family, revision = named_revision(namespace, name, require_active=False)
        return kind, namespace, resources.get_revision(namespace, revision_name(family, revision))
    namespace = call.cluster({"cluster": cluster})
    if kind == "cluster":
        return kind, namespace, resources.get_namespace(namespace)
    found = resources.get_service(namespace, name) if kind == "service" \
        else resources.get_task(namespace, name)
    if kind == "task" and found is not None:
        if found[0] == "pod":
            raise invalid_parameter("A service's task has the tags of its service.")
        found = found[1]
    if found is None:
        raise EcsError("ResourceNotFoundException", "The specified resource could not be found.")
    return kind, namespace, found


def _tags(kind: str, obj: dict) -> list[dict]:
    if kind == "cluster":
        return ecs_api.cluster_tags(obj)
    if kind == "task-definition":
        return obj["data"]["spec"].get("tags", [])
    return (obj.get("spec") or {}).get("tags", [])


def list_tags(call: Call, request: dict) -> dict:
    kind, _, obj = _resource(call, request.get("resourceArn", ""))
    return {"tags": _tags(kind, obj)}


def _write(kind: str, namespace: str, obj: dict, tags: list[dict]) -> None:
    if kind == "task-definition":
        raise invalid_parameter("A task definition's tags are part of its revision here: "
                                "register a new revision with the tags.")
    if kind == "cluster":
        resources.patch_namespace(namespace, {"metadata": {"annotations": {
            ecs_api.ANNOTATION_CLUSTER_TAGS: json.dumps(tags)}}}, FIELD_MANAGER)
        return
    resources.patch_spec(PLURALS[kind], namespace, obj["metadata"]["name"], {"tags": tags},
                         FIELD_MANAGER)


def tag(call: Call, request: dict) -> dict:
    kind, namespace, obj = _resource(call, request.get("resourceArn", ""))
    _write(kind, namespace, obj, ecs_api.merged_tags(_tags(kind, obj), request.get("tags") or []))
    return {}


def untag(call: Call, request: dict) -> dict:
    kind, namespace, obj = _resource(call, request.get("resourceArn", ""))
    _write(kind, namespace, obj, ecs_api.without_tags(_tags(kind, obj),
                                                      request.get("tagKeys") or []))
    return {}
