"""ECS dependsOn -> where each container goes in the pod.

- A container others depend on with START or HEALTHY is a native sidecar: an init container
  with ``restartPolicy: Always``, which Kubernetes starts before the containers after it and
  keeps running. For HEALTHY it must have a healthCheck; its startupProbe holds back the
  containers after it until it is healthy.
- A container others depend on with COMPLETE or SUCCESS is a plain init container, which
  must exit 0 before the next one starts (COMPLETE's "any exit code" cannot be expressed, so
  it is reported). ECS does not allow these to be essential.
- Every other container stays in ``containers``.

Init containers are ordered so that each comes after the containers it depends on, in the
order of containerDefinitions otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition
from .errors import TranslationError
from .probes import disables_health_check

_SIDECAR_CONDITIONS = frozenset({"START", "HEALTHY"})
_INIT_CONDITIONS = frozenset({"COMPLETE", "SUCCESS"})


class Role(enum.Enum):
    MAIN = "main"
    SIDECAR = "sidecar"
    INIT = "init"


@dataclass(frozen=True)
class ContainerOrder:
    roles: Mapping[str, Role]
    init_order: tuple[str, ...]
    health_gated: frozenset[str]
    unsupported: tuple[str, ...]


def container_order(containers: Sequence[ContainerDefinition]) -> ContainerOrder:
    by_name = {container.name: container for container in containers}
    _check_references(containers, by_name)
    _check_cycles(containers, by_name)
    conditions = _conditions_on(containers)
    roles = {name: _role(name, conditions.get(name, {})) for name in by_name}
    _check_conditions(containers, by_name, roles)
    init_names = [c.name for c in containers if roles[c.name] is not Role.MAIN]
    return ContainerOrder(
        roles=roles,
        init_order=_dependencies_first(init_names, by_name),
        health_gated=frozenset(
            name for name, found in conditions.items() if "HEALTHY" in found),
        unsupported=tuple(_complete_paths(containers)),
    )


def _check_references(containers: Sequence[ContainerDefinition],
                      by_name: Mapping[str, ContainerDefinition]) -> None:
    for index, container in enumerate(containers):
        for position, dependency in enumerate(container.dependsOn):
            if dependency.containerName not in by_name:
                raise TranslationError(
                    f"containerDefinitions[{index}].dependsOn[{position}].containerName: "
                    f'no container named "{dependency.containerName}"')


def _check_cycles(containers: Sequence[ContainerDefinition],
                  by_name: Mapping[str, ContainerDefinition]) -> None:
    finished: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = [*trail[trail.index(name):], name]
            raise TranslationError(f"dependsOn cycle: {' -> '.join(cycle)}")
        if name in finished:
            return
        for dependency in by_name[name].dependsOn:
            visit(dependency.containerName, [*trail, name])
        finished.add(name)

    for container in containers:
        visit(container.name, [])


def _conditions_on(containers: Sequence[ContainerDefinition]) -> dict[str, dict[str, str]]:
    """For each container depended on: condition -> path of the first dependsOn using it."""
    found: dict[str, dict[str, str]] = {}
    for index, container in enumerate(containers):
        for position, dependency in enumerate(container.dependsOn):
            path = f"containerDefinitions[{index}].dependsOn[{position}].condition"
            found.setdefault(dependency.containerName, {}).setdefault(dependency.condition, path)
    return found


def _role(name: str, conditions: Mapping[str, str]) -> Role:
    sidecar = _SIDECAR_CONDITIONS & conditions.keys()
    init = _INIT_CONDITIONS & conditions.keys()
    if sidecar and init:
        paths = sorted(conditions[condition] for condition in sidecar | init)
        raise TranslationError(
            f'{paths[-1]}: container "{name}" is depended on with both '
            f"{' and '.join(sorted(sidecar | init))}: it cannot both keep running (START, "
            f"HEALTHY) and run to completion (COMPLETE, SUCCESS) before the others start")
    if sidecar:
        return Role.SIDECAR
    return Role.INIT if init else Role.MAIN


def _check_conditions(containers: Sequence[ContainerDefinition],
                      by_name: Mapping[str, ContainerDefinition],
                      roles: Mapping[str, Role]) -> None:
    for index, container in enumerate(containers):
        for position, dependency in enumerate(container.dependsOn):
            path = f"containerDefinitions[{index}].dependsOn[{position}].condition"
            target = by_name[dependency.containerName]
            if dependency.condition == "HEALTHY" and (
                    target.healthCheck is None or disables_health_check(target.healthCheck)):
                # ECS would wait forever for a container that never reports HEALTHY.
                raise TranslationError(
                    f'{path}: HEALTHY needs a healthCheck on container "{target.name}"')
            if roles[target.name] is Role.INIT and target.essential:
                raise TranslationError(
                    f"{path}: {dependency.condition} cannot be used on an essential container; "
                    f'set "essential": false on container "{target.name}"')


def _dependencies_first(names: Sequence[str],
                        by_name: Mapping[str, ContainerDefinition]) -> tuple[str, ...]:
    ordered: list[str] = []

    def place(name: str) -> None:
        if name in ordered:
            return
        for dependency in by_name[name].dependsOn:
            place(dependency.containerName)
        ordered.append(name)

    for name in names:
        place(name)
    return tuple(ordered)


def _complete_paths(containers: Sequence[ContainerDefinition]) -> list[str]:
    return [
        f"containerDefinitions[{index}].dependsOn[{position}].condition"
        for index, container in enumerate(containers)
        for position, dependency in enumerate(container.dependsOn)
        if dependency.condition == "COMPLETE"
    ]

