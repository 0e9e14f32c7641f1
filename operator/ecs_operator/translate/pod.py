"""ECS task definition -> Kubernetes PodSpec, as a plain dict. Pure: no I/O, no clock.

``pod_spec`` follows DESIGN.md ("Container definition -> container"); the helper modules
document their own rules: ``resources`` (cpu/memory and the task-level split),
``probes`` (healthCheck), ``container_order`` (dependsOn), ``volumes``, ``container_env``
(secrets), ``container_ports`` and ``container_security``.

The task-level cpu/memory split (see ``resources``): Kubernetes pod-level resources are not
relied upon; the task amount minus what the containers declare is shared evenly among the
containers that declare none (at least 1m / 1Mi each), CPU as a request, memory as a limit
and a request; the task's own values are kept in annotations.

Pod-level choices made here:
- ``stopTimeout``: the largest over the containers becomes terminationGracePeriodSeconds.
- ``networkMode`` host -> hostNetwork; bridge, awsvpc or absent -> the pod network;
  none -> reported. ``pidMode`` task -> shareProcessNamespace, host -> hostPID.
  ``ipcMode`` host -> hostIPC; task is what a pod does anyway; none -> reported.
- ``extraHosts`` of all containers -> hostAliases, one entry per IP address; ``links``
  add their names to 127.0.0.1's (pod_settings).
- ``hostname``, ``dnsServers`` / ``dnsSearchDomains``, ``systemControls``,
  ``linuxParameters.initProcessEnabled`` and ``repositoryCredentials`` are set once per pod,
  merged over the containers (pod_settings); ``linuxParameters.tmpfs`` and
  ``sharedMemorySize`` become memory-backed emptyDirs (volumes).
- Task-level ``placementConstraints`` (memberOf) are checked here and kept in
  ``placement_constraints``: the Service's or Task's placement merges them with its own. One
  that node affinity cannot express (a regular expression such as ``t3.*``) is reported and
  left out; one that does not parse is an error, as ECS refuses it.
- ``requires``: what must exist before a task can start (claims nobody provisions, image
  pull Secrets), ``claims``: every claim the pod mounts (volume_claims creates some).
- ``runtimePlatform`` -> nodeSelector on kubernetes.io/arch and kubernetes.io/os.
- Annotations: ``dockerLabels`` as ``ecs.operator.dev/label.<key>`` (the first container
  wins a clash, the others are reported); the task's cpu/memory as written; the
  non-essential containers, which the task status needs (an essential container's exit
  stops the task).
- Every container pulls IfNotPresent. The pod's restartPolicy is left to the caller.

``family``, ``tags`` and ``requiresCompatibilities`` describe the definition, not the pod,
and are neither used nor reported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition, TaskDefinitionSpec
from .container_env import container_env
from .container_order import ContainerOrder, Role, container_order
from .container_ports import container_ports
from .container_security import security_context
from .errors import TranslationError
from .placement import member_of
from .pod_naming import annotation_key, dns_label
from .pod_settings import LOCALHOST, link_aliases, pod_settings
from .pod_unsupported import spec_unsupported
from .probes import disables_health_check, health_probes
from .query_language import QueryError, parse
from .resources import TaskShare, container_resources, parse_task_cpu, parse_task_memory, \
    task_share, unsupported_requirements
from .volume_claims import Requirement, requirements
from .volumes import MemoryVolumes, VolumeClaim, memory_volumes, pod_volumes, volume_mounts

__all__ = ["PodTranslation", "TranslationError", "container_names", "parse_task_cpu",
           "parse_task_memory", "pod_spec"]

ANNOTATION_TASK_CPU = "ecs.operator.dev/task-cpu"
ANNOTATION_TASK_MEMORY = "ecs.operator.dev/task-memory"
ANNOTATION_NON_ESSENTIAL = "ecs.operator.dev/non-essential-containers"
DOCKER_LABEL_PREFIX = "label."
IMAGE_PULL_POLICY = "IfNotPresent"
SIDECAR_RESTART_POLICY = "Always"
ARCHITECTURES = {"X86_64": "amd64", "ARM64": "arm64"}
LABEL_ARCH = "kubernetes.io/arch"
LABEL_OS = "kubernetes.io/os"


@dataclass(frozen=True)
class PodTranslation:
    spec: dict
    annotations: dict[str, str]
    unsupported: tuple[str, ...]
    requires: tuple[Requirement, ...] = ()
    claims: tuple[VolumeClaim, ...] = ()
    pull_secrets: tuple[str, ...] = ()
    placement_constraints: tuple[dict, ...] = ()


@dataclass(frozen=True)
class _Context:
    network_mode: str | None
    names: Mapping[str, str]
    order: ContainerOrder
    share: TaskShare
    volume_names: Mapping[str, str]


def container_names(spec: TaskDefinitionSpec) -> list[str]:
    """The Kubernetes names of the containers, in containerDefinitions order."""
    names: dict[str, str] = {}
    for index, definition in enumerate(spec.containerDefinitions):
        path = f"containerDefinitions[{index}].name"
        name = dns_label(definition.name, path)
        _reject_taken(definition.name, name, names, path)
        names[definition.name] = name
    return list(names.values())


def _reject_taken(raw: str, name: str, names: Mapping[str, str], path: str) -> None:
    for other_raw, taken in names.items():
        if other_raw == raw:
            raise TranslationError(f'{path}: duplicate container name "{raw}"')
        if taken == name:
            raise TranslationError(
                f'{path}: "{raw}" and "{other_raw}" both become the container name "{name}"')


def pod_spec(spec: TaskDefinitionSpec) -> PodTranslation:
    names = dict(zip((c.name for c in spec.containerDefinitions), container_names(spec)))
    _require_essential(spec)
    order = container_order(spec.containerDefinitions)
    volumes = pod_volumes(spec.volumes)
    context = _Context(spec.networkMode, names, order, task_share(spec), volumes.kubernetes_names)
    unsupported = [*spec_unsupported(spec), *order.unsupported, *volumes.unsupported]
    built = {}
    pod_volume_list = list(volumes.volumes)
    for index, definition in enumerate(spec.containerDefinitions):
        memory = memory_volumes(definition, names[definition.name],
                                f"containerDefinitions[{index}]", volumes.kubernetes_names)
        built[definition.name], reported = _container(index, definition, context, memory)
        pod_volume_list += memory.volumes
        unsupported += reported + memory.unsupported
    pod = _containers(spec, order, built)
    if pod_volume_list:
        pod["volumes"] = pod_volume_list
    settings, reported, pull_secrets = _pod_settings(spec)
    pod.update(settings)
    annotations, reported_labels = _annotations(spec, names)
    constraints, reported_constraints = _placement_constraints(spec)
    unsupported += reported + reported_labels + reported_constraints
    return PodTranslation(pod, annotations, tuple(sorted(set(unsupported))),
                          requires=requirements(volumes.claims, pull_secrets),
                          claims=volumes.claims, pull_secrets=pull_secrets,
                          placement_constraints=constraints)


def _placement_constraints(spec: TaskDefinitionSpec) -> tuple[tuple[dict, ...], list[str]]:
    """The memberOf constraints node affinity can express; the others are reported (an
    expression ECS itself would refuse is an error)."""
    constraints, unsupported = [], []
    for index, constraint in enumerate(spec.placementConstraints):
        where = f"placementConstraints[{index}].expression"
        if not constraint.expression:
            raise TranslationError(f"{where}: memberOf needs an expression")
        try:
            parse(constraint.expression)
        except QueryError as error:
            raise TranslationError(f"{where}: {error}") from None
        try:
            member_of(constraint.expression, where)
        except TranslationError:
            unsupported.append(f"placementConstraints[{index}]")
            continue
        constraints.append({"type": constraint.type, "expression": constraint.expression})
    return tuple(constraints), unsupported


def _require_essential(spec: TaskDefinitionSpec) -> None:
    if not any(definition.essential for definition in spec.containerDefinitions):
        raise TranslationError(
            "containerDefinitions: at least one container must be essential")


def _containers(spec: TaskDefinitionSpec, order: ContainerOrder, built: Mapping[str, dict],
                ) -> dict:
    main = [built[d.name] for d in spec.containerDefinitions if order.roles[d.name] is Role.MAIN]
    if not main:
        raise TranslationError(
            "containerDefinitions: every container is depended on; at least one must be left "
            "to run as a regular container")
    pod = {"containers": main}
    if order.init_order:
        pod["initContainers"] = [built[name] for name in order.init_order]
    return pod


def _container(index: int, definition: ContainerDefinition, context: _Context,
               memory: MemoryVolumes) -> tuple[dict, list[str]]:
    path = f"containerDefinitions[{index}]"
    role = context.order.roles[definition.name]
    container = {"name": context.names[definition.name], "image": definition.image,
                 "imagePullPolicy": IMAGE_PULL_POLICY}
    if role is Role.SIDECAR:
        container["restartPolicy"] = SIDECAR_RESTART_POLICY
    ports, unsupported = container_ports(definition, context.network_mode, path)
    env, reported_env = container_env(definition, path)
    security, reported_user = security_context(definition, path)
    probes, reported_probes = _probes(definition, role, context.order, path)
    _set_given(container, {
        "command": definition.entryPoint,
        "args": definition.command,
        "workingDir": definition.workingDirectory,
        "ports": ports,
        "env": env,
        "resources": container_resources(definition, context.share, path),
        "volumeMounts": volume_mounts(definition, context.volume_names, path) + memory.mounts,
        **probes,
        "securityContext": security,
        "stdin": definition.interactive,
        "tty": definition.pseudoTerminal,
    })
    return container, [*unsupported, *reported_env, *reported_user, *reported_probes,
                       *unsupported_requirements(definition, path)]


def _set_given(target: dict, values: Mapping[str, object]) -> None:
    for key, value in values.items():
        if value is not None and value != [] and value != {} and value != "":
            target[key] = list(value) if isinstance(value, list) else value


def _probes(definition: ContainerDefinition, role: Role, order: ContainerOrder,
            path: str) -> tuple[dict, list[str]]:
    if definition.healthCheck is None or disables_health_check(definition.healthCheck):
        return {}, []
    if role is Role.INIT:
        # Kubernetes rejects probes on an init container that is not a sidecar.
        return {}, [f"{path}.healthCheck"]
    gated = role is Role.SIDECAR and definition.name in order.health_gated
    return health_probes(definition.healthCheck, path, gate_on_health=gated), []


def _pod_settings(spec: TaskDefinitionSpec) -> tuple[dict, list[str], tuple[str, ...]]:
    node_selector, unsupported = _node_selector(spec)
    merged = pod_settings(spec.containerDefinitions, host_network=spec.networkMode == "host",
                          host_ipc=spec.ipcMode == "host")
    linked, unsupported_links = link_aliases(spec.containerDefinitions)
    unsupported += [*merged.unsupported, *unsupported_links]
    fields = dict(merged.fields)
    if spec.pidMode == "host" and fields.pop("shareProcessNamespace", None):
        # Kubernetes refuses a shared process namespace together with the host's.
        unsupported += [f"containerDefinitions[{index}].linuxParameters.initProcessEnabled"
                        for index, c in enumerate(spec.containerDefinitions)
                        if c.linuxParameters and c.linuxParameters.initProcessEnabled]
    stop_timeouts = [d.stopTimeout for d in spec.containerDefinitions if d.stopTimeout is not None]
    settings = {
        "hostNetwork": True if spec.networkMode == "host" else None,
        "shareProcessNamespace": True if spec.pidMode == "task" else None,
        "hostPID": True if spec.pidMode == "host" else None,
        "hostIPC": True if spec.ipcMode == "host" else None,
        "terminationGracePeriodSeconds": max(stop_timeouts) if stop_timeouts else None,
        "hostAliases": _host_aliases(spec, linked),
        "nodeSelector": node_selector,
        **fields,
    }
    pod: dict = {}
    _set_given(pod, settings)
    return pod, unsupported, merged.pull_secrets


def _host_aliases(spec: TaskDefinitionSpec, linked: list[str]) -> list[dict]:
    hostnames_by_ip: dict[str, list[str]] = {LOCALHOST: list(linked)} if linked else {}
    for definition in spec.containerDefinitions:
        for entry in definition.extraHosts:
            hostnames = hostnames_by_ip.setdefault(entry.ipAddress, [])
            if entry.hostname not in hostnames:
                hostnames.append(entry.hostname)
    return [{"ip": ip, "hostnames": hostnames} for ip, hostnames in hostnames_by_ip.items()]


def _node_selector(spec: TaskDefinitionSpec) -> tuple[dict, list[str]]:
    platform = spec.runtimePlatform
    if platform is None:
        return {}, []
    selector, unsupported = {}, []
    if platform.cpuArchitecture:
        selector[LABEL_ARCH] = ARCHITECTURES[platform.cpuArchitecture]
    family = (platform.operatingSystemFamily or "").upper()
    if family == "LINUX":
        selector[LABEL_OS] = "linux"
    elif family.startswith("WINDOWS"):
        selector[LABEL_OS] = "windows"
    elif family:
        unsupported.append("runtimePlatform.operatingSystemFamily")
    return selector, unsupported


def _annotations(spec: TaskDefinitionSpec,
                 names: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    annotations, unsupported = _docker_label_annotations(spec)
    if spec.cpu is not None:
        annotations[ANNOTATION_TASK_CPU] = spec.cpu
    if spec.memory is not None:
        annotations[ANNOTATION_TASK_MEMORY] = spec.memory
    non_essential = sorted(names[d.name] for d in spec.containerDefinitions if not d.essential)
    if non_essential:
        annotations[ANNOTATION_NON_ESSENTIAL] = ",".join(non_essential)
    return annotations, unsupported


def _docker_label_annotations(spec: TaskDefinitionSpec) -> tuple[dict[str, str], list[str]]:
    annotations: dict[str, str] = {}
    unsupported = []
    for index, definition in enumerate(spec.containerDefinitions):
        for label, value in definition.dockerLabels.items():
            key = annotation_key(f"{DOCKER_LABEL_PREFIX}{label}")
            if annotations.setdefault(key, value) != value:
                unsupported.append(f"containerDefinitions[{index}].dockerLabels[{label}]")
    return annotations, unsupported
