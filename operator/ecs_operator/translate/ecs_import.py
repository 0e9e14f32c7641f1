"""ECS JSON -> ecs-operator manifests, with an exact report of what cannot be honoured. Pure.

Accepted documents (``ecs_documents`` tells them apart):

- ``aws ecs describe-task-definition`` output: ``{"taskDefinition": {...}, "tags": [...]}``;
- ``aws ecs describe-services`` output: ``{"services": [...], "failures": [...]}``;
- a ``register-task-definition`` or ``create-service`` request body (``--cli-input-json``);
- a bare task definition (has ``containerDefinitions``) or service (has ``serviceName``).

For each object the result says three things, never mixed up:

- ``read_only``: fields ECS *returns* but a request never carries (``taskDefinitionArn``,
  ``revision``, ``status``, ``deployments``...). They describe ECS's copy, not what to run,
  and are dropped; informational only.
- ``dropped``: fields the CRD has no place for (the API server would refuse them), with
  their paths; also fields that are not ECS request fields at all.
- ``unsupported``: what the operator will report in ``status.unsupportedFields`` once the
  manifest is applied, computed by the operator's own functions
  (``translate.pod.pod_spec(...).unsupported`` and
  ``translate.service.unsupported_service_fields``), so the two never disagree.

A service's ``taskDefinition`` given as an ARN becomes ``family:revision``; object names are
DNS-safe slugs of the family / service name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..crds import service as service_crd
from ..crds import task_definition as task_definition_crd
from ..models.task_definition import TaskDefinitionSpec
from .errors import TranslationError
from .names import API_VERSION, GROUP, family_slug, parse_reference
from .pod import pod_spec
from .service import unsupported_service_fields

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

# Why a field is not honoured, by its last path segment (indexes removed). Shown next to the
# operator's list; the list itself always comes from the operator's functions.
REASONS = {
    "taskRoleArn": "IAM roles are not Kubernetes identities: use a ServiceAccount "
                   "(IRSA / EKS Pod Identity)",
    "executionRoleArn": "not needed: the kubelet pulls images and Secrets are read directly",
    "placementConstraints": "task-level placement constraints are not translated",
    "ephemeralStorage": "set ephemeral-storage requests on the containers instead",
    "proxyConfiguration": "App Mesh proxy configuration has no Kubernetes counterpart",
    "inferenceAccelerators": "Elastic Inference does not exist outside AWS",
    "enableFaultInjection": "ECS fault injection endpoints do not exist here",
    "networkMode": "a pod always has a network namespace",
    "ipcMode": "a pod always has an IPC namespace",
    "environmentFiles": "S3 environment files: use a ConfigMap or Secret with envFrom",
    "startTimeout": "Kubernetes has no per-dependency start timeout",
    "volumesFrom": "declare the volume on both containers instead",
    "logConfiguration": "Kubernetes collects stdout/stderr itself; ship logs with a node agent",
    "firelensConfiguration": "FireLens is an ECS feature; run Fluent Bit as a DaemonSet",
    "ulimits": "Kubernetes has no per-container ulimits",
    "links": "legacy Docker links: containers of a pod share localhost",
    "hostname": "a pod has one hostname (spec.hostname), not one per container",
    "dnsServers": "DNS is per pod (dnsConfig), not per container",
    "dnsSearchDomains": "DNS is per pod (dnsConfig), not per container",
    "dockerSecurityOptions": "Docker security options: use the pod's securityContext",
    "systemControls": "sysctls are per pod (securityContext.sysctls), not per container",
    "resourceRequirements": "GPUs need a device plugin resource name, not an ECS type",
    "repositoryCredentials": "use imagePullSecrets",
    "disableNetworking": "containers of a pod share its network",
    "restartPolicy": "a pod's containers restart by the pod's restartPolicy",
    "devices": "host devices need a device plugin",
    "initProcessEnabled": "no per-container init process",
    "sharedMemorySize": "mount a memory-backed emptyDir at /dev/shm instead",
    "tmpfs": "use a memory-backed emptyDir",
    "maxSwap": "swap is a node setting",
    "swappiness": "swap is a node setting",
    "healthCheck": "an init container cannot have probes",
    "containerPortRange": "a container port range cannot be expressed",
    "operatingSystemFamily": "only LINUX and WINDOWS families map to kubernetes.io/os",
    "fsxWindowsFileServerVolumeConfiguration": "FSx for Windows has no driver here",
    "configuredAtLaunch": "volumes configured at launch are not supported",
    "driver": "Docker volume drivers do not exist in Kubernetes",
    "driverOpts": "Docker volume drivers do not exist in Kubernetes",
    "labels": "Docker volume labels do not exist in Kubernetes",
    "healthCheckGracePeriodSeconds": "not supported yet: use healthCheck.startPeriod",
    "availabilityZoneRebalancing": "the scheduler spreads new tasks only",
    "volumeConfigurations": "volumes configured at launch are not supported",
    "alarms": "CloudWatch alarms do not exist here",
    "condition": "COMPLETE becomes an init container, which Kubernetes requires to exit 0",
    "credentialSpecs": "Windows gMSA credential specs are not supported",
    "versionConsistency": "the kubelet resolves image tags when it pulls",
    "strategy": "BLUE_GREEN, CANARY and LINEAR run for REPLICA services without autoScaling",
    "type": "only the ECS deployment controller is supported",
}
DEFAULT_REASON = "not honoured by ecs-operator"
READ_ONLY_REASON = "returned by ECS, not part of a request"
DROPPED_REASON = "not an ECS request field the CRD knows; dropped"


@dataclass(frozen=True)
class ImportedObject:
    kind: str
    name: str
    manifest: dict
    unsupported: tuple[str, ...]
    read_only: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    objects: list[ImportedObject] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def manifests(self) -> list[dict]:
        return [item.manifest for item in self.objects]


def reason_for(path: str) -> str:
    """The reason shown for an unsupported field path, e.g. `containerDefinitions[0].links`."""
    last = re.sub(r"\[[^]]*\]", "", path.split(":")[0]).split(".")[-1]
    return REASONS.get(last, DEFAULT_REASON)


def ecs_documents(document: object) -> list[tuple[str, dict, list]]:
    """[(kind, ECS object, tags)] found in one parsed JSON document."""
    if not isinstance(document, dict):
        raise TranslationError("an ECS document is a JSON object")
    if isinstance(document.get("taskDefinition"), dict):
        return [("TaskDefinition", document["taskDefinition"], document.get("tags") or [])]
    if isinstance(document.get("services"), list):
        return [("Service", item, item.get("tags") or []) for item in document["services"]]
    if isinstance(document.get("service"), dict):  # create-service / update-service output
        return [("Service", document["service"], document["service"].get("tags") or [])]
    if "containerDefinitions" in document:
        return [("TaskDefinition", document, document.get("tags") or [])]
    if "serviceName" in document or "taskDefinition" in document:
        return [("Service", document, document.get("tags") or [])]
    raise TranslationError("not an ECS task definition or service: expected describe-task-"
                           "definition / describe-services output or a register-task-"
                           "definition / create-service request")


def import_documents(documents: list[object]) -> ImportResult:
    """Every ECS object in the documents, converted; failures name what could not be."""
    result = ImportResult()
    for number, document in enumerate(documents, start=1):
        try:
            found = ecs_documents(document)
        except TranslationError as error:
            result.failures.append(f"document {number}: {error}")
            continue
        for kind, ecs, tags in found:
            try:
                convert = import_task_definition if kind == "TaskDefinition" else import_service
                result.objects.append(convert(ecs, tags))
            except TranslationError as error:
                label = ecs.get("family") or ecs.get("serviceName") or "?"
                result.failures.append(f"{kind} {label}: {error}")
    return result


def _split_read_only(ecs: dict, read_only_keys: tuple[str, ...],
                     tags: list | None) -> tuple[dict, list[str]]:
    """The writable fields (with the response's top-level tags) and the read-only names."""
    read_only = sorted(key for key in ecs if key in read_only_keys)
    spec = {key: value for key, value in ecs.items() if key not in read_only_keys}
    if tags and "tags" not in spec:
        spec["tags"] = tags
    return spec, read_only


def import_task_definition(ecs: dict, tags: list | None = None) -> ImportedObject:
    spec, read_only = _split_read_only(ecs, TASK_DEFINITION_READ_ONLY, tags)
    if not spec.get("family"):
        raise TranslationError("family: required to name the TaskDefinition")
    spec, dropped = prune(spec, task_definition_crd.SPEC, "")
    name = family_slug(spec["family"])
    try:
        translation = pod_spec(TaskDefinitionSpec.model_validate(spec))
    except ValidationError as error:
        raise TranslationError(_validation_message(error)) from error
    manifest = _manifest("TaskDefinition", name, spec, ecs.get("taskDefinitionArn"))
    return ImportedObject("TaskDefinition", name, manifest, tuple(translation.unsupported),
                          tuple(read_only), tuple(dropped))


def import_service(ecs: dict, tags: list | None = None) -> ImportedObject:
    spec, read_only = _split_read_only(ecs, SERVICE_READ_ONLY, tags)
    if not spec.get("serviceName"):
        raise TranslationError("serviceName: required to name the Service")
    if not spec.get("taskDefinition"):
        raise TranslationError("taskDefinition: required")
    family, revision = parse_reference(spec["taskDefinition"])
    spec["taskDefinition"] = family if revision is None else f"{family}:{revision}"
    spec, dropped = prune(spec, service_crd.SPEC, "")
    name = service_name_slug(spec["serviceName"])
    manifest = _manifest("Service", name, spec, ecs.get("serviceArn"))
    return ImportedObject("Service", name, manifest, tuple(unsupported_service_fields(spec)),
                          tuple(read_only), tuple(dropped))


def service_name_slug(service_name: str) -> str:
    """ECS service names allow capitals and `_`; the Service's objects need a DNS label."""
    slug = re.sub(r"[^a-z0-9-]", "-", service_name.lower()).strip("-")
    if not slug or len(slug) > MAX_SERVICE_NAME:
        raise TranslationError(f"serviceName {service_name!r} cannot be used as a Kubernetes "
                               f"name (at most {MAX_SERVICE_NAME} letters, digits, '-', '_')")
    return slug


def _manifest(kind: str, name: str, spec: dict, arn: str | None) -> dict:
    metadata: dict = {"name": name}
    if arn:
        metadata["annotations"] = {ANNOTATION_SOURCE_ARN: arn}
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


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
        kept_items, dropped = [], []
        for index, item in enumerate(value):
            kept_item, below = prune(item, schema["items"], f"{path}[{index}]")
            kept_items.append(kept_item)
            dropped += below
        return kept_items, dropped
    return value, []


def _validation_message(error: ValidationError) -> str:
    problems = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"])
        problems.append(f"{where}: {detail['msg']}")
    return "; ".join(problems)
