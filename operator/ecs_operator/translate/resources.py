"""CPU and memory: ECS units to Kubernetes resource quantities.

Container level:
- ``cpu`` units (1024 = 1 vCPU) become ``requests.cpu`` in millicores, rounded up
  (256 -> 250m, 100 -> 98m). 0 or absent sets no request. No CPU limit is set: ECS's
  container ``cpu`` is a share, not a cap.
- ``memory`` (hard, MiB) becomes ``limits.memory``, and ``requests.memory`` is
  ``memoryReservation`` when set, else ``memory``. ``memoryReservation`` alone becomes
  ``requests.memory`` only.

Task level (``cpu`` "256" / "1 vCPU", ``memory`` "512" / "512 MiB" / "2 GB"): pod-level
resources are not relied upon. The split: the task amount minus what the containers declare
is shared evenly among the containers that declare none (rounded down, at least 1m / 1Mi).
CPU becomes their ``requests.cpu``; memory becomes both their ``limits.memory`` and
``requests.memory``. A container declares memory through ``memory``, else
``memoryReservation``. The task's original values are kept in pod annotations.

GPUs: ``resourceRequirements`` of type ``GPU`` with value N become ``nvidia.com/gpu: N`` in
both the limits and the requests (Kubernetes requires them equal for a device resource), the
resource NVIDIA's device plugin advertises, as ECS's GPU instances are NVIDIA's.
``InferenceAccelerator`` entries (Elastic Inference) have no counterpart and are reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..models.task_definition import ContainerDefinition, TaskDefinitionSpec
from .errors import TranslationError

CPU_UNITS_PER_VCPU = 1024
MILLICORES_PER_VCPU = 1000
MIB_PER_GIB = 1024

_CPU_UNITS = re.compile(r"^\s*(\d+)\s*$")
_VCPU = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*vcpus?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(mib|mb|gib|gb)?\s*$", re.IGNORECASE)
_GIB_UNITS = {"gib", "gb"}
GPU_RESOURCE = "nvidia.com/gpu"
_WHOLE_NUMBER = re.compile(r"^\s*\d+\s*$")


def parse_task_cpu(value: str) -> int:
    """Task-level cpu ("256" units, "1 vCPU", "0.5 vcpu") in millicores."""
    text = str(value)
    if match := _CPU_UNITS.match(text):
        millicores = cpu_units_to_millicores(int(match[1]))
    elif match := _VCPU.match(text):
        millicores = math.ceil(Decimal(match[1]) * MILLICORES_PER_VCPU)
    else:
        raise TranslationError(
            f'cpu: cannot parse "{value}": use CPU units ("256", "1024") or vCPUs ("1 vCPU")')
    if millicores <= 0:
        raise TranslationError(f'cpu: "{value}" must be more than zero')
    return millicores


def parse_task_memory(value: str) -> int:
    """Task-level memory ("512", "512 MiB", "2 GB") in MiB; ECS's GB means GiB."""
    match = _MEMORY.match(str(value))
    if not match:
        raise TranslationError(
            f'memory: cannot parse "{value}": use MiB ("512", "512 MiB") or GB ("2 GB")')
    unit = (match[2] or "mib").lower()
    scale = MIB_PER_GIB if unit in _GIB_UNITS else 1
    mebibytes = math.ceil(Decimal(match[1]) * scale)
    if mebibytes <= 0:
        raise TranslationError(f'memory: "{value}" must be more than zero')
    return mebibytes


def cpu_units_to_millicores(units: int) -> int:
    return math.ceil(units * MILLICORES_PER_VCPU / CPU_UNITS_PER_VCPU)


@dataclass(frozen=True)
class TaskShare:
    """What each container that declares nothing gets of the task-level amounts."""

    cpu_millicores: int | None = None
    memory_mib: int | None = None


def task_share(spec: TaskDefinitionSpec) -> TaskShare:
    containers = spec.containerDefinitions
    cpu = None
    if spec.cpu is not None:
        declared = [cpu_units_to_millicores(c.cpu) for c in containers if c.cpu]
        cpu = _even_share(parse_task_cpu(spec.cpu), declared, len(containers))
    memory = None
    if spec.memory is not None:
        declared = [_declared_memory(c) for c in containers if _declared_memory(c)]
        memory = _even_share(parse_task_memory(spec.memory), declared, len(containers))
    return TaskShare(cpu_millicores=cpu, memory_mib=memory)


def _declared_memory(container: ContainerDefinition) -> int | None:
    return container.memory or container.memoryReservation


def _even_share(total: int, declared: Sequence[int], container_count: int) -> int | None:
    undeclared_count = container_count - len(declared)
    if undeclared_count == 0:
        return None
    return max(1, (total - sum(declared)) // undeclared_count)


def container_resources(container: ContainerDefinition, share: TaskShare, path: str) -> dict:
    if container.memory and (container.memoryReservation or 0) > container.memory:
        raise TranslationError(
            f"{path}.memoryReservation: {container.memoryReservation} is more than memory "
            f"{container.memory}; the soft limit must not exceed the hard limit")
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if container.cpu:
        requests["cpu"] = f"{cpu_units_to_millicores(container.cpu)}m"
    elif share.cpu_millicores:
        requests["cpu"] = f"{share.cpu_millicores}m"
    if container.memory:
        limits["memory"] = f"{container.memory}Mi"
        requests["memory"] = f"{container.memoryReservation or container.memory}Mi"
    elif container.memoryReservation:
        requests["memory"] = f"{container.memoryReservation}Mi"
    elif share.memory_mib:
        limits["memory"] = requests["memory"] = f"{share.memory_mib}Mi"
    gpus = gpu_count(container, path)
    if gpus:
        limits[GPU_RESOURCE] = requests[GPU_RESOURCE] = str(gpus)
    return {key: value for key, value in (("limits", limits), ("requests", requests)) if value}


def gpu_count(container: ContainerDefinition, path: str) -> int:
    """The GPUs a container's resourceRequirements ask for (0 when none)."""
    total = 0
    for index, requirement in enumerate(container.resourceRequirements):
        if requirement.type != "GPU":
            continue
        if not _WHOLE_NUMBER.match(requirement.value):
            raise TranslationError(
                f"{path}.resourceRequirements[{index}].value: a GPU count is a whole number, "
                f'not "{requirement.value}"')
        total += int(requirement.value)
    return total


def unsupported_requirements(container: ContainerDefinition, path: str) -> list[str]:
    return [f"{path}.resourceRequirements[{index}]"
            for index, requirement in enumerate(container.resourceRequirements)
            if requirement.type != "GPU"]
