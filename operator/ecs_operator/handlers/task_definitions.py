"""TaskDefinition: validate the spec, record each distinct spec as an immutable revision."""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone

import kopf
from kubernetes.client.rest import ApiException
from pydantic import ValidationError

from .. import k8s, metrics
from ..models.task_definition import TaskDefinitionSpec
from ..translate.conditions import Condition, merge_conditions
from ..translate.ecs_documents import without_nulls
from ..translate.errors import TranslationError
from ..translate.names import GROUP, family_slug
from ..translate.pod import pod_spec
from ..translate.probes import health_check_warnings
from ..translate.revisions import controller_revision, family_of, recorded_revisions, \
    revision_to_record, spec_digest
from . import scheduled_tasks, services
from .observed import VIEWS
from .validation import describe_validation_error

PLURAL = "taskdefinitions"
log = logging.getLogger(__name__)


def check_spec(spec: dict) -> tuple[list[str], list[str]]:
    """The unsupported fields and the warnings of a valid spec; raises TranslationError for an
    invalid one."""
    try:
        model = TaskDefinitionSpec.model_validate(spec)
    except ValidationError as error:
        raise TranslationError(describe_validation_error(error)) from error
    return list(pod_spec(model).unsupported), health_check_warnings(model)


def valid_message(unsupported: list[str], warnings: list[str]) -> str:
    parts = [f"not honoured: {', '.join(unsupported)}"] if unsupported else []
    return "; ".join(parts + warnings)


@kopf.on.resume(GROUP, "v1alpha1", PLURAL)
@kopf.on.create(GROUP, "v1alpha1", PLURAL)
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="spec")
def record_revision(name: str, namespace: str, uid: str, spec: kopf.Spec, body: kopf.Body,
                    meta: kopf.Meta, status: kopf.Status, patch: kopf.Patch,
                    **_: object) -> None:
    raw_spec = without_nulls(copy.deepcopy(dict(spec)))  # null is absent, as in ECS
    generation = int(meta.get("generation", 1))
    now = datetime.now(timezone.utc)
    previous = copy.deepcopy(dict(status))
    family = family_of(name, raw_spec)
    try:
        unsupported, warnings = check_spec(raw_spec)
        slug = family_slug(family)
    except TranslationError as error:
        patch.status["observedGeneration"] = generation
        patch.status["conditions"] = merge_conditions(
            previous.get("conditions", []),
            [Condition("Valid", False, "InvalidTaskDefinition", str(error))],
            generation=generation, now=now)
        kopf.warn(body, reason="InvalidTaskDefinition", message=str(error))
        raise kopf.PermanentError(f"invalid task definition: {error}") from error

    existing = k8s.controller_revisions(namespace, slug)
    digest = spec_digest(raw_spec)
    latest = max((r.revision for r in recorded_revisions(existing)), default=0)
    new_revision = revision_to_record(recorded_revisions(existing), digest)
    if new_revision is not None:
        record = controller_revision(family=family, revision=new_revision, spec=raw_spec,
                                     owner_name=name, owner_uid=uid)
        try:
            k8s.create(record, namespace)
        except ApiException as error:
            if error.status == 409:
                raise kopf.TemporaryError("revision recorded concurrently; re-reading",
                                          delay=1) from error
            raise
        latest = new_revision
        VIEWS.recorded(namespace, slug, new_revision)
        kopf.info(body, reason="RevisionRegistered",
                  message=f"registered task definition {family}:{new_revision}")
        services.task_definition_revised(namespace, family, new_revision)
        scheduled_tasks.task_definition_revised(namespace, family, new_revision)

    metrics.STATES.task_definition(namespace, family, latest)
    patch.status["family"] = family
    patch.status["revision"] = latest
    patch.status["taskDefinition"] = f"{family}:{latest}"
    patch.status["observedGeneration"] = generation
    patch.status["unsupportedFields"] = unsupported
    patch.status["conditions"] = merge_conditions(
        previous.get("conditions", []),
        [Condition("Valid", True, "Registered", valid_message(unsupported, warnings))],
        generation=generation, now=now)
