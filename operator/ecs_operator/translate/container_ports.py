"""ECS portMappings -> container ports.

``hostPort`` is kept only for networkMode ``host`` or ``bridge`` and only when non-zero:
ECS's hostPort 0 (a dynamic host port) has no Kubernetes counterpart, and in ``awsvpc`` the
task owns its own address, as a pod does. A ``containerPortRange`` cannot be expressed and
is reported. ``appProtocol`` and the name are for Services built from the same mappings.
"""

from __future__ import annotations

from ..models.task_definition import ContainerDefinition
from .errors import TranslationError
from .pod_naming import port_name

HOST_PORT_NETWORK_MODES = ("host", "bridge")


def container_ports(container: ContainerDefinition, network_mode: str | None,
                    path: str) -> tuple[list[dict], list[str]]:
    ports, unsupported, names = [], [], set()
    for index, mapping in enumerate(container.portMappings):
        mapping_path = f"{path}.portMappings[{index}]"
        if mapping.containerPort is None and mapping.containerPortRange:
            unsupported.append(f"{mapping_path}.containerPortRange")
            continue
        if not mapping.containerPort:
            raise TranslationError(
                f"{mapping_path}.containerPort: required, between 1 and 65535")
        port = {"containerPort": mapping.containerPort, "protocol": mapping.protocol.upper()}
        if mapping.hostPort and network_mode in HOST_PORT_NETWORK_MODES:
            port["hostPort"] = mapping.hostPort
        if mapping.name:
            port["name"] = _unique_port_name(mapping.name, names, f"{mapping_path}.name")
        ports.append(port)
    return ports, unsupported


def _unique_port_name(raw: str, taken: set[str], path: str) -> str:
    name = port_name(raw, path)
    if name in taken:
        raise TranslationError(
            f'{path}: "{raw}" becomes the port name "{name}", already used by another port of '
            f"this container")
    taken.add(name)
    return name
