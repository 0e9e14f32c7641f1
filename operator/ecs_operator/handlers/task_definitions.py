"""TaskDefinition: validate the spec, record each distinct spec as an immutable revision, and
create the volumes ECS would create for its tasks (translate/volume_claims.py)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
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
from ..translate.pod import PodTranslation, pod_spec
from ..translate.probes import health_check_warnings
from ..translate.revisions import controller_revision, family_of, recorded_revisions, \
    revision_to_record, spec_digest
from ..translate.volume_claims import Requirement, claim_objects, provisions_efs, \
    requirements, volume_mismatch
from . import scheduled_tasks, services
from .observed import VIEWS
from .validation import describe_validation_error

PLURAL = "taskdefinitions"
log = logging.getLogger(__name__)


def check_spec(spec: dict) -> tuple[PodTranslation, list[str]]:
    """The pod translation and the warnings of a valid spec; raises TranslationError for an
    invalid one."""
    try:
        model = TaskDefinitionSpec.model_validate(spec)
    except ValidationError as error:
        raise TranslationError(describe_validation_error(error)) from error
    return pod_spec(model), health_check_warnings(model)


def create_volumes(body: kopf.Body, namespace: str, pod: PodTranslation,
                   provision_efs: bool) -> None:
    """Creates the claims ECS would create for the tasks (before any task needs them, so a
    task never waits for its volume); ones that exist are left as they are."""
    wanted = claim_objects(pod.claims, namespace, provision_efs=provision_efs)
    try:
        created = k8s.create_missing_volumes(wanted)
    except ApiException as error:
        # Registering the revision must not wait on a volume (the chart's namespace scope
        # cannot create PersistentVolumes): the tasks wait for it instead, and the user sees why.
        kopf.warn(body, reason="VolumeNotCreated",
                  message=f"could not create the volumes the tasks need: {error.status} "
                          f"{error.reason}")
        return
    for name in created:
        kopf.info(body, reason="VolumeCreated", message=f"created {name} for the tasks")
    for volume in wanted:
        if f"{volume['kind']}/{volume['metadata']['name']}" in created:
            continue
        mismatch = volume_mismatch(volume, k8s.get_persistent_volume(volume["metadata"]["name"])
                                   if volume["kind"] == "PersistentVolume" else None)
        if mismatch:
            kopf.warn(body, reason="VolumeMismatch", message=mismatch)


@kopf.on.resume(GROUP, "v1alpha1", PLURAL)
@kopf.on.create(GROUP, "v1alpha1", PLURAL)
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="spec")
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="metadata.annotations")
def record_revision(name: str, namespace: str, uid: str, spec: kopf.Spec, body: kopf.Body,
                    meta: kopf.Meta, status: kopf.Status, patch: kopf.Patch,
                    **kwargs: object) -> None:
    VIEWS.bind(kwargs)
    raw_spec = without_nulls(copy.deepcopy(dict(spec)))  # null is absent, as in ECS
    generation = int(meta.get("generation", 1))
    now = datetime.now(timezone.utc)
    previous = copy.deepcopy(dict(status))
    family = family_of(name, raw_spec)
    try:
        translation, warnings = check_spec(raw_spec)
        slug = family_slug(family)
    except TranslationError as error:
        patch.status["observedGeneration"] = generation
        patch.status["conditions"] = merge_conditions(
            previous.get("conditions", []),
            [Condition("Valid", False, "InvalidTaskDefinition", str(error))],
            generation=generation, now=now)
        kopf.warn(body, reason="InvalidTaskDefinition", message=str(error))
        raise kopf.PermanentError(f"invalid task definition: {error}") from error

    unsupported = list(translation.unsupported)
    provision_efs = provisions_efs(meta.get("annotations"))
    create_volumes(body, namespace, translation, provision_efs)
    needed = requirements(translation.claims, translation.pull_secrets,
                          provision_efs=provision_efs)
    # From the index once it holds every revision this operator recorded: a consistent LIST
    # waits for the API server's watch cache, tens of milliseconds of every registration.
    existing = VIEWS.task_definition_revisions(namespace, slug, None)
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
    patch.status["requires"] = [requirement.as_dict() for requirement in needed]
    patch.status["conditions"] = merge_conditions(
        previous.get("conditions", []),
        [Condition("Valid", True, "Registered",
                   _registered_message(unsupported, needed, warnings))],
        generation=generation, now=now)


def _registered_message(unsupported: list[str], needed: Sequence[Requirement],
                        warnings: list[str]) -> str:
    parts = []
    if unsupported:
        parts.append("not honoured: " + ", ".join(unsupported))
    if needed:
        parts.append("tasks need: " + ", ".join(f"{r.kind} {r.name}" for r in needed)
                     + " (see status.requires)")
    return "; ".join(parts + warnings)
