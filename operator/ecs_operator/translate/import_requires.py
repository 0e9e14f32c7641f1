"""What must exist in the cluster before an imported object's tasks can run. Pure.

The import never fails for these: it names each object the tasks will read and how to make
it. ``REQUIREMENT_FINDERS`` lists one function per source (secrets, volumes); each takes the
validated task definition and the namespace and returns ``Requirement`` entries, so a new
mapping (repositoryCredentials -> imagePullSecrets, EFS volumes) adds its own function.
Entries for the same Secret merge their keys.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models.task_definition import TaskDefinitionSpec
from .container_env import secret_reference
from .pod_naming import dns_label


@dataclass
class Requirement:
    kind: str
    name: str
    keys: list[str] = field(default_factory=list)
    why: str = ""
    namespace: str | None = None

    @property
    def command(self) -> str:
        """How to create it, when one command can (a Secret with placeholder values)."""
        if self.kind != "Secret":
            return ""
        namespace_flag = f" -n {shlex.quote(self.namespace)}" if self.namespace else ""
        literals = "".join(f" --from-literal={shlex.quote(key)}=..." for key in self.keys)
        return f"kubectl create secret generic {shlex.quote(self.name)}{namespace_flag}{literals}"

    def as_report(self) -> dict:
        entry: dict = {"kind": self.kind, "name": self.name}
        if self.kind == "Secret":
            entry["keys"] = list(self.keys)
            entry["command"] = self.command
        if self.why:
            entry["why"] = self.why
        return entry


def secret_requirement(name: str, keys: list[str], namespace: str | None,
                       why: str = "") -> Requirement:
    return Requirement("Secret", name, list(keys), why, namespace)


def pvc_requirement(name: str, why: str, namespace: str | None = None) -> Requirement:
    return Requirement("PersistentVolumeClaim", name, why=why, namespace=namespace)


def secrets_read(spec: TaskDefinitionSpec, namespace: str | None) -> list[Requirement]:
    found = []
    for index, container in enumerate(spec.containerDefinitions):
        for number, secret in enumerate(container.secrets):
            reference = secret_reference(
                secret.valueFrom, secret.name,
                f"containerDefinitions[{index}].secrets[{number}].valueFrom")
            found.append(secret_requirement(
                reference.name, [reference.key], namespace,
                f"{container.name}: {secret.name} from {reference.source}"))
    return found


def claims_mounted(spec: TaskDefinitionSpec, namespace: str | None) -> list[Requirement]:
    """Shared Docker volumes and EFS volumes become claims the operator does not create."""
    found = []
    for index, volume in enumerate(spec.volumes):
        name = dns_label(volume.name, f"volumes[{index}].name")
        docker = volume.dockerVolumeConfiguration
        if docker is not None and docker.scope == "shared":
            found.append(pvc_requirement(name, f"volumes[{index}] {volume.name}: a shared "
                                               "Docker volume becomes this claim",
                                          namespace))
        elif volume.efsVolumeConfiguration is not None:
            found.append(pvc_requirement(
                name, f"volumes[{index}] {volume.name}: EFS file system "
                      f"{volume.efsVolumeConfiguration.fileSystemId} becomes this claim "
                      "(an EFS CSI driver PersistentVolume behind it)", namespace))
    return found


REQUIREMENT_FINDERS: list[Callable[[TaskDefinitionSpec, str | None], list[Requirement]]] = [
    secrets_read, claims_mounted]


def requirements(spec: TaskDefinitionSpec, namespace: str | None) -> list[Requirement]:
    found = [entry for finder in REQUIREMENT_FINDERS for entry in finder(spec, namespace)]
    return merge_requirements(found)


def merge_requirements(entries: list[Requirement]) -> list[Requirement]:
    """One entry per object; a Secret's keys in the order first seen."""
    merged: dict[tuple[str, str], Requirement] = {}
    for entry in entries:
        known = merged.setdefault((entry.kind, entry.name),
                                  Requirement(entry.kind, entry.name, [], "", entry.namespace))
        known.keys += [key for key in entry.keys if key not in known.keys]
        if entry.why and entry.why not in known.why.split("; "):
            known.why = f"{known.why}; {entry.why}" if known.why else entry.why
    return list(merged.values())
