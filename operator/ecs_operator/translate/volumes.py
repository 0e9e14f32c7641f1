"""Task volumes -> pod volumes, mountPoints -> volumeMounts.

- ``host.sourcePath`` -> ``hostPath {path}``.
- ``host`` without a sourcePath, or no configuration at all (a Docker-managed scratch
  volume) -> ``emptyDir {}``.
- ``dockerVolumeConfiguration`` scope ``task`` -> ``emptyDir``; scope ``shared`` -> a
  ``persistentVolumeClaim`` whose claimName is the volume's Kubernetes name. The claim is
  not created by the operator: the user creates it, as ECS expects a shared volume without
  autoprovision to exist. Driver, driverOpts and labels belong to Docker and are reported.
- ``efsVolumeConfiguration`` -> a ``persistentVolumeClaim`` named after the volume. The user
  creates that claim, backed by the EFS CSI driver; fileSystemId, rootDirectory, encryption
  and access point belong in its PersistentVolume, so they are not reported.
- ``fsxWindowsFileServerVolumeConfiguration`` and ``configuredAtLaunch`` are reported;
  the volume becomes an ``emptyDir`` so that mounts stay valid.

Volume names become DNS-1123 labels (lowercase, ``_`` -> ``-``); mountPoints use the same
mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition, DockerVolumeConfiguration, Volume
from .errors import TranslationError
from .pod_naming import dns_label

_SOURCES = ("host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
            "fsxWindowsFileServerVolumeConfiguration")
_LOCAL_DRIVER = "local"


@dataclass(frozen=True)
class PodVolumes:
    volumes: list[dict]
    kubernetes_names: Mapping[str, str]
    unsupported: tuple[str, ...]


def pod_volumes(volumes: Sequence[Volume]) -> PodVolumes:
    translated, names, unsupported = [], {}, []
    for index, volume in enumerate(volumes):
        path = f"volumes[{index}]"
        name = dns_label(volume.name, f"{path}.name")
        _reject_duplicate(volume.name, name, names, path)
        names[volume.name] = name
        source, reported = _volume_source(volume, name, path)
        translated.append({"name": name, **source})
        unsupported.extend(reported)
    return PodVolumes(translated, names, tuple(unsupported))


def _reject_duplicate(raw: str, name: str, names: Mapping[str, str], path: str) -> None:
    for other_raw, other_name in names.items():
        if other_name == name:
            raise TranslationError(
                f'{path}.name: "{raw}" and "{other_raw}" both become the volume name "{name}"')


def _volume_source(volume: Volume, name: str, path: str) -> tuple[dict, list[str]]:
    configured = [field for field in _SOURCES if getattr(volume, field) is not None]
    if len(configured) > 1:
        raise TranslationError(
            f"{path}: set only one of {', '.join(_SOURCES)}; found {', '.join(configured)}")
    reported = [f"{path}.configuredAtLaunch"] if volume.configuredAtLaunch else []
    if volume.host is not None and volume.host.sourcePath:
        return {"hostPath": {"path": volume.host.sourcePath}}, reported
    if volume.dockerVolumeConfiguration is not None:
        docker = volume.dockerVolumeConfiguration
        reported += _docker_only_settings(docker, f"{path}.dockerVolumeConfiguration")
        if docker.scope == "shared":
            return _claim(name), reported
    if volume.efsVolumeConfiguration is not None:
        return _claim(name), reported
    if volume.fsxWindowsFileServerVolumeConfiguration is not None:
        reported.append(f"{path}.fsxWindowsFileServerVolumeConfiguration")
    return {"emptyDir": {}}, reported


def _docker_only_settings(docker: DockerVolumeConfiguration, path: str) -> list[str]:
    reported = [f"{path}.{field}" for field in ("driverOpts", "labels") if getattr(docker, field)]
    if docker.driver not in (None, _LOCAL_DRIVER):
        reported.append(f"{path}.driver")
    return sorted(reported)


def _claim(name: str) -> dict:
    return {"persistentVolumeClaim": {"claimName": name}}


def volume_mounts(container: ContainerDefinition, kubernetes_names: Mapping[str, str],
                  path: str) -> list[dict]:
    mounts = []
    for index, mount_point in enumerate(container.mountPoints):
        if mount_point.sourceVolume not in kubernetes_names:
            raise TranslationError(
                f"{path}.mountPoints[{index}].sourceVolume: no volume named "
                f'"{mount_point.sourceVolume}" in volumes')
        mount = {"name": kubernetes_names[mount_point.sourceVolume],
                 "mountPath": mount_point.containerPath}
        if mount_point.readOnly:
            mount["readOnly"] = True
        mounts.append(mount)
    return mounts
