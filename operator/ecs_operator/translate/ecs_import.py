"""ECS JSON -> ecs-operator manifests, with an exact report of what cannot be honoured. Pure.

``ecs_documents`` finds the objects (the accepted shapes are listed there). For each object the
result says, never mixed up:

- ``read_only``: fields ECS *returns* but a request never carries (``taskDefinitionArn``,
  ``revision``, ``status``, ``deployments``...); dropped, informational only.
- ``dropped``: fields the CRD has no place for (the API server would refuse them), with
  their paths; also fields that are not ECS request fields at all.
- ``unsupported``: what the operator will report in ``status.unsupportedFields`` once the
  manifest is applied, computed by the operator's own functions
  (``translate.pod.pod_spec(...).unsupported`` and
  ``translate.service.unsupported_service_fields``), so the two never disagree.
- ``warnings``: what is honoured differently from how it reads (a health check command
  without a CMD prefix, a placeholder in free text, an unknown field dropped).
- ``requires``: the Secrets and claims the tasks read, which the user creates
  (``import_requires``).

A document that cannot be converted is a ``failures`` entry naming the ECS field, what is
wrong and the fix: misspelt field names (``ecs_fields``), template placeholders
(``placeholders``), a missing image, and anything the CRD's own rules refuse
(``crd_check``, run before the manifest is printed). A service's ``taskDefinition`` given as
an ARN becomes ``family:revision``; object names are DNS-safe slugs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from ..crds import service as service_crd
from ..crds import task_definition as task_definition_crd
from ..models.task_definition import TaskDefinitionSpec
from .crd_check import spec_problems
from .ecs_documents import FoundObject, ecs_documents
from .ecs_fields import misspellings, respelled
from .errors import ImportFailure, TranslationError, describe_validation_error, field_path
from .import_reasons import reason_for
from .import_requires import Requirement, merge_requirements, requirements
from .names import API_VERSION, GROUP, family_slug, parse_reference
from .placeholders import PLACEHOLDER, placeholders
from .pod import pod_spec
from .probes import health_check_warnings
from .service import unsupported_service_fields

__all__ = ["ImportFailure", "ImportOptions", "ImportResult", "ImportedObject", "SourceDocument",
           "ecs_documents", "import_documents", "import_service", "import_task_definition",
           "reason_for", "service_name_slug"]

ANNOTATION_SOURCE_ARN = f"{GROUP}/source-arn"

TASK_DEFINITION_READ_ONLY = (
    "taskDefinitionArn", "revision", "status", "registeredAt", "registeredBy",
    "deregisteredAt", "requiresAttributes", "compatibilities", "deleteRequested",
)
SERVICE_READ_ONLY = (
    "serviceArn", "clusterArn", "status", "runningCount", "pendingCount", "deployments",
    "events", "createdAt", "createdBy", "roleArn", "taskSets", "platformFamily",
    "currentServiceDeployment", "currentServiceRevisions", "resourceManagementType",
    "clientToken",
)
MAX_SERVICE_NAME = 63
# What CI pipelines leave where they later write the image.
_PLACEHOLDER_IMAGES = {"", "placeholder", "image", "<image>", "none", "null", "todo"}
_FIELD_PREFIX = re.compile(r"^(?P<field>[A-Za-z][\w.\[\]-]*(?:\.[\w\[\]-]+)*): (?P<message>.+)$",
                           re.DOTALL)


@dataclass(frozen=True)
class ImportOptions:
    """What the command line supplies: --family, --image CONTAINER=IMAGE, --name, -n."""

    family: str | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    """One parsed file: its label in messages and the name a nameless service takes."""

    label: str
    content: object
    stem: str | None = None


@dataclass(frozen=True)
class ImportedObject:
    kind: str
    name: str
    manifest: dict
    unsupported: tuple[str, ...]
    read_only: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()


@dataclass(frozen=True)
class Failure:
    document: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.document}: {where}{self.message} (fix: {self.fix})"


@dataclass(frozen=True)
class ImportResult:
    objects: list[ImportedObject] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def manifests(self) -> list[dict]:
        return [item.manifest for item in self.objects]

    @property
    def requires(self) -> list[Requirement]:
        return merge_requirements([entry for item in self.objects for entry in item.requires])


def import_documents(documents: list[object], options: ImportOptions | None = None,
                     ) -> ImportResult:
    """Every ECS object in the documents, converted; failures name the field and the fix."""
    options = options or ImportOptions()
    result = ImportResult()
    for number, document in enumerate(documents, start=1):
        source = document if isinstance(document, SourceDocument) else \
            SourceDocument(f"document {number}", document)
        try:
            found = ecs_documents(source.content, family=options.family,
                                  service_name=options.name or source.stem)
        except ImportFailure as error:
            result.failures.append(Failure(source.label, error.field, error.message, error.fix))
            continue
        for item in found:
            label = f"{source.label}: {item.kind} " + str(
                item.ecs.get("family") or item.ecs.get("serviceName") or "?")
            try:
                result.objects.append(_import(item, options))
            except TranslationError as error:
                result.failures.append(_failure(label, error))
    return result


def _import(item: FoundObject, options: ImportOptions) -> ImportedObject:
    ecs, renamed = respelled(item.kind, item.ecs)
    _refuse_misspellings(item.kind, ecs)
    convert = import_task_definition if item.kind == "TaskDefinition" else import_service
    imported = convert(ecs, item.tags, options)
    notes = tuple(f"{m.field}: read as {m.meant} (ECS spells it {m.meant})" for m in renamed)
    return replace(imported, warnings=notes + imported.warnings)


def _failure(label: str, error: TranslationError) -> Failure:
    if isinstance(error, ImportFailure):
        return Failure(label, error.field, error.message, error.fix)
    text = str(error)
    match = _FIELD_PREFIX.match(text)
    if match:
        return Failure(label, match.group("field"), match.group("message"),
                       f"change {match.group('field')} as the message says")
    return Failure(label, "", text, "change the document as the message says")


def _refuse_misspellings(kind: str, ecs: dict) -> None:
    _refuse_all(misspellings(kind, ecs))


def _refuse_all(problems: list) -> None:
    """One failure naming the first problem's field and fix, and every problem found."""
    if problems:
        first = problems[0]
        others = "".join(f"; {p.field}: {p.message}" for p in problems[1:])
        raise ImportFailure(first.field, first.message + others, first.fix)


def _split_read_only(ecs: dict, read_only_keys: tuple[str, ...],
                     tags: list | None) -> tuple[dict, list[str]]:
    """The writable fields (with the response's top-level tags) and the read-only names."""
    read_only = sorted(key for key in ecs if key in read_only_keys)
    spec = {key: value for key, value in ecs.items() if key not in read_only_keys}
    if tags and "tags" not in spec:
        spec["tags"] = tags
    return spec, read_only


def _fill_images(spec: dict, images: Mapping[str, str]) -> None:
    """--image CONTAINER=IMAGE sets a container's image; a missing one is a failure."""
    for index, container in enumerate(spec.get("containerDefinitions") or []):
        if not isinstance(container, dict):
            continue
        name = container.get("name")
        if name in images:
            container["image"] = images[name]
        image = container.get("image")
        placeholder = PLACEHOLDER.search(image) if isinstance(image, str) else None
        if placeholder:
            raise ImportFailure(f"containerDefinitions[{index}].image",
                                f"template placeholder {placeholder.group(0)} in {image!r}",
                                f"pass --image {name}=IMAGE, or render the template first "
                                f"(replace {placeholder.group(0)} with its value)")
        if not isinstance(image, str) or image.strip().lower() in _PLACEHOLDER_IMAGES:
            given = "no image" if image is None else f"the placeholder image {image!r}"
            raise ImportFailure(f"containerDefinitions[{index}].image",
                                f"container {name!r} has {given} (CI fills it in)",
                                f"pass --image {name}=IMAGE")


def _placeholder_check(spec: dict) -> list[str]:
    """Fails on a placeholder the translation uses; the others become warnings."""
    warnings = []
    for found in placeholders(spec):
        if found.refused:
            raise ImportFailure(found.field, f"template placeholder {found.text} in "
                                f"{found.value!r}", found.fix)
        warnings.append(f"{found.field}: template placeholder {found.text} kept as written")
    return warnings


def _fit_to_crd(kind: str, spec: dict, schema: dict) -> tuple[dict, list[str], list[str]]:
    """The spec the CRD will keep, what was dropped, the warnings; refuses what it refuses."""
    spec, dropped = prune(spec, schema, "")
    spec, warnings = coerce_scalars(spec, schema, "")
    _refuse_all(spec_problems(kind, spec))
    return spec, dropped, warnings


def import_task_definition(ecs: dict, tags: list | None = None,
                           options: ImportOptions | None = None) -> ImportedObject:
    options = options or ImportOptions()
    spec, read_only = _split_read_only(ecs, TASK_DEFINITION_READ_ONLY, tags)
    if not spec.get("family"):
        raise ImportFailure("family", "required to name the TaskDefinition",
                            "pass --family NAME (or add family to the document)")
    _fill_images(spec, options.images)
    warnings = _placeholder_check(spec)
    spec, dropped, fitted = _fit_to_crd("TaskDefinition", spec, task_definition_crd.SPEC)
    warnings += fitted
    name = family_slug(spec["family"])
    try:
        model = TaskDefinitionSpec.model_validate(spec)
    except ValidationError as error:
        first = error.errors()[0]
        where = field_path(first["loc"])
        raise ImportFailure(where, describe_validation_error(error),
                            f"give {where} a value ECS accepts") from error
    translation = pod_spec(model)
    warnings += health_check_warnings(model)
    manifest = _manifest("TaskDefinition", name, spec, ecs.get("taskDefinitionArn"))
    return ImportedObject("TaskDefinition", name, manifest, tuple(translation.unsupported),
                          tuple(read_only), tuple(dropped), tuple(warnings),
                          tuple(requirements(model, options.namespace)))


def import_service(ecs: dict, tags: list | None = None,
                   options: ImportOptions | None = None) -> ImportedObject:
    spec, read_only = _split_read_only(ecs, SERVICE_READ_ONLY, tags)
    warnings = _placeholder_check(spec)
    if not spec.get("serviceName"):
        raise ImportFailure("serviceName", "required to name the Service",
                            "pass --name NAME (or add serviceName to the document)")
    if not spec.get("taskDefinition"):
        raise ImportFailure("taskDefinition", "required: the task definition the service runs",
                            "pass --family NAME (or add taskDefinition: family, "
                            "family:revision or its ARN)")
    family, revision = parse_reference(spec["taskDefinition"])
    spec["taskDefinition"] = family if revision is None else f"{family}:{revision}"
    spec, dropped, fitted = _fit_to_crd("Service", spec, service_crd.SPEC)
    warnings += fitted
    name = service_name_slug(spec["serviceName"])
    manifest = _manifest("Service", name, spec, ecs.get("serviceArn"))
    return ImportedObject("Service", name, manifest, tuple(unsupported_service_fields(spec)),
                          tuple(read_only), tuple(dropped), tuple(warnings))


def service_name_slug(service_name: str) -> str:
    """ECS service names allow capitals and `_`; the Service's objects need a DNS label."""
    slug = re.sub(r"[^a-z0-9-]", "-", service_name.lower()).strip("-")
    if not slug or len(slug) > MAX_SERVICE_NAME:
        raise ImportFailure("serviceName", f"{service_name!r} cannot be used as a Kubernetes "
                            f"name (at most {MAX_SERVICE_NAME} letters, digits, '-', '_')",
                            "pass --name NAME with a shorter name")
    return slug


def _manifest(kind: str, name: str, spec: dict, arn: str | None) -> dict:
    metadata: dict = {"name": name}
    if arn:
        metadata["annotations"] = {ANNOTATION_SOURCE_ARN: arn}
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


_INTEGER = re.compile(r"^-?[0-9]+$")
_BOOLEANS = {"true": True, "false": False}


def coerce_scalars(value: object, schema: dict, path: str) -> tuple[object, list[str]]:
    """Numbers and booleans written as strings ("3000", "true") read as ECS's service reads
    them, where the CRD wants an integer or a boolean, and an empty enum left out; each one
    is a warning."""
    if isinstance(value, dict) and "properties" in schema:
        coerced, notes = {}, []
        for key, item in value.items():
            child = schema["properties"].get(key, {})
            where = f"{path}.{key}" if path else key
            if item == "" and "enum" in child:
                notes.append(f"{where}: the empty string read as absent (as the Go SDK, "
                             "which ecspresso and Terraform use, sends it)")
                continue
            coerced[key], below = coerce_scalars(item, child, where)
            notes += below
        return coerced, notes
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return _each_item(coerce_scalars, value, schema["items"], path)
    if isinstance(value, str) and schema.get("type") == "integer" and _INTEGER.match(value):
        return int(value), [f"{path}: the string {value!r} read as the number {int(value)}"]
    if isinstance(value, str) and schema.get("type") == "boolean" \
            and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()], [f"{path}: the string {value!r} read as "
                                          f"{str(_BOOLEANS[value.lower()]).lower()}"]
    return value, []


def prune(value: object, schema: dict, path: str) -> tuple[object, list[str]]:
    """`value` with what the CRD's structural schema has no place for removed, and where."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return value, []
    if isinstance(value, dict) and schema.get("type") == "object":
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        kept: dict = {}
        dropped: list[str] = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            item_schema = properties.get(key) if properties is not None else additional
            if item_schema is None:
                dropped.append(child)
                continue
            kept[key], below = prune(item, item_schema, child)
            dropped += below
        return kept, dropped
    if isinstance(value, list) and "items" in schema:
        return _each_item(prune, value, schema["items"], path)
    return value, []


def _each_item(walk, items: list, schema: dict, path: str) -> tuple[list, list[str]]:
    """`walk` applied to every item of a list: the new items and the paths it reported."""
    kept, reported = [], []
    for index, item in enumerate(items):
        new_item, below = walk(item, schema, f"{path}[{index}]")
        kept.append(new_item)
        reported += below
    return kept, reported
