"""Container-level ECS fields that Kubernetes sets once per pod, merged over the containers.

Docker gives each container its own hostname, DNS settings, sysctls and /etc/hosts; a pod's
containers share one network namespace and one UTS namespace, so the pod holds one of each:

- ``hostname`` -> ``spec.hostname``. It must be a DNS label; a second container asking for
  another hostname is reported (the first container's wins).
- ``dnsServers`` / ``dnsSearchDomains`` -> ``dnsConfig.nameservers`` / ``searches``, the
  containers' lists joined in order without repeats. ``dnsPolicy`` stays ``ClusterFirst``
  (the default), so the cluster's DNS server stays first and names of Services keep
  resolving; the task's servers are added after it, and the kubelet's limit of three
  nameservers leaves room for two of them (the rest are reported).
- ``systemControls`` -> ``securityContext.sysctls``. Two containers setting one sysctl to
  different values cannot both be honoured: the first container's value is kept and the other
  is reported. ``net.*`` sysctls of a host-network task (and IPC ones, ``kernel.shm*``,
  ``kernel.msg*``, ``kernel.sem``, ``fs.mqueue.*``, with ``ipcMode: host``) would change the
  node's: Kubernetes refuses them, so they are reported.
- ``links`` (``name[:alias]``) -> ``hostAliases`` for 127.0.0.1: the containers of a pod
  reach each other on localhost, so the linked name and its alias both resolve there.
- ``linuxParameters.initProcessEnabled`` -> ``shareProcessNamespace: true``: the pod's pause
  container becomes PID 1 for every container and reaps their zombies, which is what
  Docker's ``--init`` is for; unlike ECS, the containers then also see each other's
  processes.
- ``repositoryCredentials.credentialsParameter`` -> ``imagePullSecrets`` (registry_credentials).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition
from .pod_naming import DNS1123_LABEL, MAX_LABEL_LENGTH, is_dns_subdomain
from .registry_credentials import pull_secret_name

LOCALHOST = "127.0.0.1"
# The kubelet writes at most three nameservers, and ClusterFirst puts the cluster's first.
MAX_TASK_NAMESERVERS = 2
# The sysctls of the network and IPC namespaces, which Kubernetes refuses when the pod uses
# the node's namespace (hostNetwork, hostIPC): they would change the node's.
NETWORK_SYSCTL_PREFIXES = ("net.",)
IPC_SYSCTL_PREFIXES = ("kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue.")
_SYSCTL_NAME = re.compile(
    r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class PodSettings:
    fields: dict
    pull_secrets: tuple[str, ...]
    unsupported: tuple[str, ...]


def pod_settings(containers: Sequence[ContainerDefinition], *, host_network: bool = False,
                 host_ipc: bool = False) -> PodSettings:
    unsupported: list[str] = []
    fields: dict = {}
    hostname = _hostname(containers, unsupported)
    if hostname:
        fields["hostname"] = hostname
    dns = _dns_config(containers, unsupported)
    if dns:
        fields["dnsConfig"] = dns
    node_namespaces = (NETWORK_SYSCTL_PREFIXES if host_network else ()) \
        + (IPC_SYSCTL_PREFIXES if host_ipc else ())
    sysctls = _sysctls(containers, node_namespaces, unsupported)
    if sysctls:
        fields["securityContext"] = {"sysctls": sysctls}
    if any(c.linuxParameters is not None and c.linuxParameters.initProcessEnabled
           for c in containers):
        fields["shareProcessNamespace"] = True
    secrets = _pull_secrets(containers, unsupported)
    if secrets:
        fields["imagePullSecrets"] = [{"name": name} for name in secrets]
    return PodSettings(fields, tuple(secrets), tuple(unsupported))


def _hostname(containers: Sequence[ContainerDefinition], unsupported: list[str]) -> str | None:
    chosen = None
    for index, container in enumerate(containers):
        if not container.hostname:
            continue
        path = f"containerDefinitions[{index}].hostname"
        hostname = container.hostname.lower()
        valid = len(hostname) <= MAX_LABEL_LENGTH and DNS1123_LABEL.match(hostname)
        if not valid or (chosen is not None and hostname != chosen):
            unsupported.append(path)
        elif chosen is None:
            chosen = hostname
    return chosen


def _dns_config(containers: Sequence[ContainerDefinition], unsupported: list[str]) -> dict:
    nameservers: list[str] = []
    searches: list[str] = []
    for index, container in enumerate(containers):
        for position, server in enumerate(container.dnsServers):
            if server in nameservers:
                continue
            if len(nameservers) == MAX_TASK_NAMESERVERS:
                unsupported.append(f"containerDefinitions[{index}].dnsServers[{position}]")
            else:
                nameservers.append(server)
        searches += [domain for domain in container.dnsSearchDomains if domain not in searches]
    config = {}
    if nameservers:
        config["nameservers"] = nameservers
    if searches:
        config["searches"] = searches
    return config


def _sysctls(containers: Sequence[ContainerDefinition], node_namespaces: tuple[str, ...],
             unsupported: list[str]) -> list[dict]:
    values: dict[str, str] = {}
    for index, container in enumerate(containers):
        for position, control in enumerate(container.systemControls):
            path = f"containerDefinitions[{index}].systemControls[{position}]"
            name = control.namespace
            conflicts = values.get(name, control.value) != control.value
            changes_node = name.startswith(node_namespaces) if node_namespaces else False
            if conflicts or changes_node or not _SYSCTL_NAME.match(name):
                unsupported.append(path)
            else:
                values[name] = control.value
    return [{"name": name, "value": value} for name, value in values.items()]


def _pull_secrets(containers: Sequence[ContainerDefinition],
                  unsupported: list[str]) -> list[str]:
    secrets: list[str] = []
    for index, container in enumerate(containers):
        if container.repositoryCredentials is None \
                or not container.repositoryCredentials.credentialsParameter:
            continue  # console exports carry "credentialsParameter": "" for no credentials
        name = pull_secret_name(container.repositoryCredentials.credentialsParameter)
        if not is_dns_subdomain(name):
            unsupported.append(f"containerDefinitions[{index}].repositoryCredentials")
        elif name not in secrets:
            secrets.append(name)
    return secrets


def link_aliases(containers: Sequence[ContainerDefinition]) -> tuple[list[str], list[str]]:
    """(hostnames that resolve to 127.0.0.1, reported link paths) for the containers' links."""
    hostnames: list[str] = []
    unsupported: list[str] = []
    for index, container in enumerate(containers):
        for position, link in enumerate(container.links):
            names = [part.lower() for part in link.split(":", 1) if part]
            if not names or not all(is_dns_subdomain(name) for name in names):
                unsupported.append(f"containerDefinitions[{index}].links[{position}]")
                continue
            hostnames += [name for name in dict.fromkeys(names) if name not in hostnames]
    return hostnames, unsupported
