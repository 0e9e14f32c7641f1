"""Fields a pod cannot honour, found by looking at the spec alone.

A field counts only when it asks for something: ``None``, ``False`` and empty values are the
ECS defaults, which the pod already matches. Unknown fields (kept by the models'
``extra="allow"``) are always reported, at any depth. Fields that are mapped but can be
partly unmappable (links, hostname, DNS, sysctls, GPUs, tmpfs...) are reported, entry by
entry, by the modules that map them.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..models.task_definition import ContainerDefinition, TaskDefinitionSpec

TASK_FIELDS = (
    "taskRoleArn",             # use a ServiceAccount (IRSA / Pod Identity) instead
    "executionRoleArn",        # the kubelet pulls images and Secrets are mounted directly
    "ephemeralStorage",
    "proxyConfiguration",
    "inferenceAccelerators",
    "enableFaultInjection",
)
CONTAINER_FIELDS = (
    "environmentFiles",
    "startTimeout",
    "volumesFrom",
    "logConfiguration",        # Kubernetes collects stdout/stderr itself
    "firelensConfiguration",
    "ulimits",
    "dockerSecurityOptions",
    "disableNetworking",
    "restartPolicy",
)
LINUX_PARAMETER_FIELDS = (
    "devices",
    "maxSwap",
    "swappiness",
)


def spec_unsupported(spec: TaskDefinitionSpec) -> list[str]:
    found = _set_fields(spec, TASK_FIELDS, "")
    if spec.networkMode == "none":
        found.append("networkMode")
    if spec.ipcMode == "none":
        found.append("ipcMode")
    for index, container in enumerate(spec.containerDefinitions):
        found += _container_unsupported(container, f"containerDefinitions[{index}]")
    return found + unknown_fields(spec, "")


def _container_unsupported(container: ContainerDefinition, path: str) -> list[str]:
    found = _set_fields(container, CONTAINER_FIELDS, path)
    if container.linuxParameters is not None:
        found += _set_fields(container.linuxParameters, LINUX_PARAMETER_FIELDS,
                             f"{path}.linuxParameters")
    return found


def _set_fields(model: BaseModel, fields: tuple[str, ...], path: str) -> list[str]:
    return [_join(path, field) for field in fields if _asks_for_something(getattr(model, field))]


def _asks_for_something(value: object) -> bool:
    return not (value is None or value is False or value in ("", [], {}))


def unknown_fields(model: BaseModel, path: str) -> list[str]:
    found = [_join(path, key) for key in model.model_extra or {}]
    for field in type(model).model_fields:
        found += _unknown_in(getattr(model, field), _join(path, field))
    return found


def _unknown_in(value: object, path: str) -> list[str]:
    if isinstance(value, BaseModel):
        return unknown_fields(value, path)
    if isinstance(value, list):
        return [found for index, item in enumerate(value)
                for found in _unknown_in(item, f"{path}[{index}]")]
    return []


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field
