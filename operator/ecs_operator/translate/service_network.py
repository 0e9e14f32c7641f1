"""loadBalancers, serviceRegistries and Service Connect -> core Services.

All three put the service's tasks behind a name. On Kubernetes that is a core Service
selecting the tasks' pods; its endpoints hold only Ready pods, so a task whose health check
fails (readiness probe) stops receiving traffic, as a load balancer's target does.

- loadBalancers and serviceRegistries share one Service named after the ECS service, with a
  port per container port: `http://<service>.<namespace>:<port>`.
- each Service Connect entry gets a Service named by its discoveryName (default: portName),
  listening on its client alias port: `http://<discoveryName>.<namespace>:<port>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models.task_definition import TaskDefinitionSpec
from .errors import TranslationError
from .names import LABEL_MANAGED_BY, LABEL_SERVICE, MANAGED_BY, owner_reference
from .pod_naming import MAX_PORT_NAME_LENGTH

_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
SERVICE_CONNECT_UNSUPPORTED = ("ingressPortOverride", "timeout", "tls")


@dataclass(frozen=True)
class Target:
    container: str
    port: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class NetworkTranslation:
    services: list[dict]
    unsupported: list[str]


def _targets(task_definition: TaskDefinitionSpec) -> dict[tuple[str, int], Target]:
    found = {}
    for container in task_definition.containerDefinitions:
        for mapping in container.portMappings:
            if mapping.containerPort:
                found[(container.name, mapping.containerPort)] = Target(
                    container.name, mapping.containerPort, mapping.protocol.upper(),
                    mapping.name)
    return found


def _target(targets: dict[tuple[str, int], Target], container: str | None, port: int | None,
            where: str) -> Target:
    if not container or not port:
        raise TranslationError(f"{where}: containerName and containerPort are required")
    if (container, port) not in targets:
        ports = sorted(p for (c, p) in targets if c == container)
        known = f"its port mappings are {ports}" if ports else \
            f"the task definition has no container {container!r} with port mappings"
        raise TranslationError(f"{where}: container {container!r} does not map port {port}; "
                               f"{known}")
    return targets[(container, port)]


def _port(service_port: int, target: Target) -> dict:
    name = (target.name or "").lower().replace("_", "-")
    if not name or len(name) > MAX_PORT_NAME_LENGTH:
        name = f"{target.protocol.lower()}-{service_port}"
    return {"name": name, "port": service_port, "targetPort": target.port,
            "protocol": target.protocol}


def _add_port(ports: dict[str, list[dict]], service: str, port: dict, where: str) -> None:
    existing = ports.setdefault(service, [])
    for other in existing:
        if (other["port"], other["protocol"]) == (port["port"], port["protocol"]):
            if other["targetPort"] != port["targetPort"]:
                raise TranslationError(f"{where}: port {port['port']} of Service {service!r} "
                                       f"already forwards to {other['targetPort']}")
            return
    if any(other["name"] == port["name"] for other in existing):
        port = {**port, "name": f"{port['protocol'].lower()}-{port['port']}"}
    existing.append(port)


def _service_connect(spec: dict, targets: dict[tuple[str, int], Target],
                     ports: dict[str, list[dict]], unsupported: list[str]) -> None:
    config = spec.get("serviceConnectConfiguration") or {}
    if not config.get("enabled"):
        return
    if config.get("logConfiguration"):
        unsupported.append("serviceConnectConfiguration.logConfiguration")
    by_port_name = {t.name: t for t in targets.values() if t.name}
    for index, entry in enumerate(config.get("services") or []):
        where = f"serviceConnectConfiguration.services[{index}]"
        port_name = entry.get("portName")
        if port_name not in by_port_name:
            raise TranslationError(f"{where}.portName: no port mapping is named {port_name!r} "
                                   f"(named ports: {sorted(by_port_name)})")
        target = by_port_name[port_name]
        discovery = entry.get("discoveryName") or port_name
        if not _DNS1035_LABEL.match(discovery):
            raise TranslationError(
                f"{where}.discoveryName: {discovery!r} cannot be a Service name: lowercase "
                "letters, digits and '-', starting with a letter, at most 63 characters")
        for key in SERVICE_CONNECT_UNSUPPORTED:
            if entry.get(key) not in (None, {}, []):
                unsupported.append(f"{where}.{key}")
        aliases = entry.get("clientAliases") or [{}]
        for alias_index, alias in enumerate(aliases):
            alias_where = f"{where}.clientAliases[{alias_index}]"
            service_port = alias.get("port") or target.port
            names = [discovery]
            dns_name = alias.get("dnsName")
            if dns_name and dns_name != discovery:
                if _DNS1035_LABEL.match(dns_name):
                    names.append(dns_name)
                else:
                    # Cluster DNS names are <service>.<namespace>; a dotted alias cannot be one.
                    unsupported.append(f"{alias_where}.dnsName")
            for name in names:
                _add_port(ports, name, _port(service_port, target), alias_where)


def network_services(*, name: str, namespace: str, uid: str, spec: dict,
                     task_definition: TaskDefinitionSpec,
                     selector: dict[str, str]) -> NetworkTranslation:
    """The core Services the ECS service's networking fields ask for (maybe none)."""
    targets = _targets(task_definition)
    ports: dict[str, list[dict]] = {}
    unsupported: list[str] = []
    for index, balancer in enumerate(spec.get("loadBalancers") or []):
        where = f"loadBalancers[{index}]"
        target = _target(targets, balancer.get("containerName"), balancer.get("containerPort"),
                         where)
        _add_port(ports, name, _port(target.port, target), where)
    for index, registry in enumerate(spec.get("serviceRegistries") or []):
        where = f"serviceRegistries[{index}]"
        if registry.get("containerName"):
            target = _target(targets, registry["containerName"], registry.get("containerPort"),
                             where)
        else:
            # awsvpc registries give only `port`: the one container port with that number.
            matches = [t for (_, p), t in targets.items() if p == registry.get("port")]
            if len(matches) != 1:
                raise TranslationError(f"{where}: give containerName and containerPort, or a "
                                       "port that exactly one container maps")
            target = matches[0]
        _add_port(ports, name, _port(registry.get("port") or target.port, target), where)
    _service_connect(spec, targets, ports, unsupported)
    services = [{
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": service, "namespace": namespace,
                     "labels": {LABEL_SERVICE: name, LABEL_MANAGED_BY: MANAGED_BY},
                     "ownerReferences": [owner_reference("Service", name, uid)]},
        "spec": {"type": "ClusterIP", "selector": dict(selector), "ports": service_ports},
    } for service, service_ports in sorted(ports.items())]
    return NetworkTranslation(services, sorted(set(unsupported)))
