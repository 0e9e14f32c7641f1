"""RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions."""

from __future__ import annotations

import copy
import time

from ..k8s import ecs_resources as resources
from ..translate.conditions import condition_status
from ..translate.ecs_documents import without_nulls
from ..translate.ecs_api import revision_status, with_revision_status
from ..translate.ecs_import import import_task_definition
from ..translate.ecs_shapes import task_definition_revision
from ..translate.errors import TranslationError
from ..translate.names import family_slug, revision_name
from ..translate.revisions import ANNOTATION_DIGEST, ANNOTATION_FAMILY, family_of, spec_digest
from .calls import FIELD_MANAGER, Call, count_in, named_revision, reference, \
    task_definition_of
from .protocol import EcsError, client_error, invalid_parameter, page

REGISTER_WAIT_SECONDS = 30.0
# The record is looked for often (a GET by name, answered in a millisecond or two); the
# status, which only an invalid, identical or superseded spec needs, less often.
RECORD_POLL_SECONDS = 0.002
STATUS_POLL_SECONDS = 0.025
STATUSES = ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS")


def register(call: Call, request: dict) -> dict:
    """The body is the complete new revision; the operator numbers it (an identical body
    records nothing new and answers with the latest revision)."""
    namespace = call.definitions_namespace
    try:
        item = import_task_definition(request)
    except TranslationError as error:
        raise client_error(str(error)) from None
    applied = resources.register_task_definition(namespace, item.manifest, FIELD_MANAGER)
    resource, record = _recorded(namespace, applied)
    if record is not None:
        return {"taskDefinition": _shape(call, namespace, resource, int(record["revision"]),
                                         record),
                "tags": (resource.get("spec") or {}).get("tags", [])}
    status = resource.get("status") or {}
    if condition_status(status.get("conditions"), "Valid") == "False":
        reason = next(c.get("message", "") for c in status["conditions"]
                      if c.get("type") == "Valid")
        raise client_error(reason)
    if not status.get("revision"):
        raise client_error(f"no revision was recorded within {REGISTER_WAIT_SECONDS:.0f}s "
                           "(is the operator running?)")
    return {"taskDefinition": _shape(call, namespace, resource, status["revision"]),
            "tags": (resource.get("spec") or {}).get("tags", [])}


def _recorded(namespace: str, applied: dict) -> tuple[dict, dict | None]:
    """(TaskDefinition, the ControllerRevision recording the applied spec, or None when the
    status has to say what became of it).

    The operator records a new spec as the ControllerRevision after the status's revision,
    then writes the status (two patches later). The record is the answer as soon as it exists
    with the applied spec's digest: the operator works on one TaskDefinition at a time, so a
    record newer than the status the apply saw is the next one. Otherwise the status decides
    once it has seen this generation: an invalid spec, an identical one, one folded into a
    later change."""
    meta, spec = applied["metadata"], applied.get("spec") or {}
    generation = meta.get("generation", 1)
    status = applied.get("status") or {}
    expected = revision_name(family_of(meta["name"], spec), int(status.get("revision") or 0) + 1)
    digest = spec_digest(without_nulls(copy.deepcopy(spec)))
    started = time.monotonic()
    resource, status_read = applied, started
    while status.get("observedGeneration", 0) < generation:
        record = resources.get_revision(namespace, expected)
        if record is not None and \
                (record["metadata"].get("annotations") or {}).get(ANNOTATION_DIGEST) == digest:
            return resource, record
        now = time.monotonic()
        if now - started > REGISTER_WAIT_SECONDS:
            break
        if now - status_read >= STATUS_POLL_SECONDS:
            resource = resources.get_task_definition(namespace, meta["name"]) or {}
            status, status_read = resource.get("status") or {}, now
        time.sleep(RECORD_POLL_SECONDS)
    return resource, None


def _revision_record(namespace: str, family: str, revision: int) -> dict:
    record = resources.get_revision(namespace, revision_name(family, revision))
    if record is None:
        raise client_error(f"Unable to describe task definition {family}:{revision}.")
    return record


def _shape(call: Call, namespace: str, resource: dict, revision: int,
           record: dict | None = None) -> dict:
    family = (resource.get("status") or {}).get("family") or resource["spec"]["family"]
    record = record or _revision_record(namespace, family, revision)
    return task_definition_revision(family, revision, record["data"]["spec"],
                                    record["metadata"].get("creationTimestamp"),
                                    revision_status(resource, revision), call.arns)


def describe(call: Call, request: dict) -> dict:
    namespace = call.definitions_namespace
    resource, family, revision = named_revision(namespace, request.get("taskDefinition", ""),
                                                require_active=False)
    record = _revision_record(namespace, family, revision)
    response = {"taskDefinition": _shape(call, namespace, resource, revision, record)}
    if "TAGS" in (request.get("include") or []):
        response["tags"] = record["data"]["spec"].get("tags", [])
    return response


def list_definitions(call: Call, request: dict) -> dict:
    namespace = call.definitions_namespace
    wanted = _status_filter(request, STATUSES)
    owners = {td["metadata"]["name"]: td for td in resources.list_task_definitions(namespace)}
    found = []
    for record in resources.list_revisions(namespace):
        meta = record["metadata"]
        owner = next((ref["name"] for ref in meta.get("ownerReferences") or []
                      if ref.get("kind") == "TaskDefinition"), None)
        family = (meta.get("annotations") or {}).get(ANNOTATION_FAMILY)
        if owner not in owners or not family:
            continue
        if request.get("familyPrefix") and family != request["familyPrefix"]:
            continue
        revision = int(record["revision"])
        if revision_status(owners[owner], revision) in wanted:
            found.append((family, revision))
    found.sort(reverse=request.get("sort") == "DESC")
    arns = [call.arns.task_definition(f"{family}:{revision}") for family, revision in found]
    chosen, token = page(arns, request.get("nextToken"), request.get("maxResults"),
                         default=100)
    return {"taskDefinitionArns": chosen, **({"nextToken": token} if token else {})}


def list_families(call: Call, request: dict) -> dict:
    wanted = _status_filter(request, ("ACTIVE", "INACTIVE", "ALL"))
    prefix = request.get("familyPrefix") or ""
    families = []
    for resource in resources.list_task_definitions(call.definitions_namespace):
        status = resource.get("status") or {}
        family = status.get("family") or (resource.get("spec") or {}).get("family", "")
        if not status.get("revision") or not family.startswith(prefix):
            continue
        active = any(revision_status(resource, n) == "ACTIVE"
                     for n in range(1, status["revision"] + 1))
        if "ALL" in wanted or ("ACTIVE" if active else "INACTIVE") in wanted:
            families.append(family)
    chosen, token = page(sorted(families), request.get("nextToken"),
                         request.get("maxResults"), default=100)
    return {"families": chosen, **({"nextToken": token} if token else {})}


def _status_filter(request: dict, allowed: tuple[str, ...]) -> set[str]:
    status = request.get("status") or "ACTIVE"
    if status not in allowed:
        raise invalid_parameter(f"status must be one of {', '.join(allowed)}")
    return {status}


def deregister(call: Call, request: dict) -> dict:
    family, revision = reference(request.get("taskDefinition", ""))
    if revision is None:
        raise client_error("A revision is required: family:revision or its ARN.")
    namespace = call.definitions_namespace
    resource = task_definition_of(namespace, family)
    if revision > resource["status"]["revision"]:
        raise client_error(f"Unable to describe task definition {family}:{revision}.")
    if revision_status(resource, revision) == "ACTIVE":
        resource = resources.patch_metadata(
            resources.TASK_DEFINITIONS, namespace, resource["metadata"]["name"],
            with_revision_status(resource, revision, "INACTIVE"), FIELD_MANAGER)
    return {"taskDefinition": _shape(call, namespace, resource, revision)}


def delete(call: Call, request: dict) -> dict:
    namespace = call.definitions_namespace
    deleted, failures = [], []
    for text in count_in(request.get("taskDefinitions"), "taskDefinitions", 10):
        family, revision = reference(text)
        try:
            resource = task_definition_of(namespace, family)
        except EcsError:  # reported per item, as ECS does
            failures.append({"arn": text, "reason": "TASK_DEFINITION_NOT_FOUND"})
            continue
        if revision is None or revision > resource["status"]["revision"]:
            failures.append({"arn": text, "reason": "The specified task definition does not "
                                                    "exist."})
            continue
        if revision_status(resource, revision) == "ACTIVE":
            failures.append({"arn": text, "reason": "The specified task definition is still "
                             "in ACTIVE status. Please deregister the target and try again."})
            continue
        resource = resources.patch_metadata(
            resources.TASK_DEFINITIONS, namespace, family_slug(family),
            with_revision_status(resource, revision, "DELETE_IN_PROGRESS"), FIELD_MANAGER)
        deleted.append(_shape(call, namespace, resource, revision))
    return {"taskDefinitions": deleted, "failures": failures}
