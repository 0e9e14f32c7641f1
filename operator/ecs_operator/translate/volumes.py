"""Task volumes -> pod volumes, mountPoints -> volumeMounts.

- ``host.sourcePath`` -> ``hostPath {path}``.
- ``host`` without a sourcePath, or no configuration at all (a Docker-managed scratch
  volume) -> ``emptyDir {}``.
- ``dockerVolumeConfiguration`` scope ``task`` -> ``emptyDir`` (ECS removes it with the
  task, as Kubernetes does an emptyDir); scope ``shared`` -> a ``persistentVolumeClaim`` whose
  claimName is the volume's Kubernetes name, as ECS names the Docker volume after the task
  volume (two task definitions naming the same shared volume share it). With
  ``autoprovision: true`` the operator creates that claim (volume_claims); without, ECS
  expects the volume to exist, so the claim is a requirement the user meets. Driver,
  driverOpts and labels belong to Docker and are reported.
- ``efsVolumeConfiguration`` -> a ``persistentVolumeClaim`` named after the volume, backed
  by a PersistentVolume of the EFS CSI driver: the operator creates both when the
  TaskDefinition asks for it (volume_claims), otherwise the claim is a requirement.
  fileSystemId, rootDirectory, the access point, transit encryption and IAM go into that
  PersistentVolume, so they are not reported.
- ``fsxWindowsFileServerVolumeConfiguration`` and ``configuredAtLaunch`` are reported;
  the volume becomes an ``emptyDir`` so that mounts stay valid.

Volume names become DNS-1123 labels (lowercase, ``_`` -> ``-``); mountPoints use the same
mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models.task_definition import ContainerDefinition, DockerVolumeConfiguration, \
    EfsVolumeConfiguration, Volume
from .errors import TranslationError
from .pod_naming import MAX_LABEL_LENGTH, dns_label

_SOURCES = ("host", "dockerVolumeConfiguration", "efsVolumeConfiguration",
            "fsxWindowsFileServerVolumeConfiguration")
_LOCAL_DRIVER = "local"
SHARED_MEMORY_PATH = "/dev/shm"


@dataclass(frozen=True)
class EfsVolume:
    """What the EFS CSI driver's PersistentVolume needs to mount the file system."""

    volume_handle: str
    mount_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class VolumeClaim:
    """A PersistentVolumeClaim the pod mounts, and where ECS's volume comes from."""

    name: str
    volume: str
    autoprovision: bool = False
    efs: EfsVolume | None = None


@dataclass(frozen=True)
class PodVolumes:
    volumes: list[dict]
    kubernetes_names: Mapping[str, str]
    unsupported: tuple[str, ...]
    claims: tuple[VolumeClaim, ...] = ()


def pod_volumes(volumes: Sequence[Volume]) -> PodVolumes:
    translated, names, unsupported, claims = [], {}, [], []
    for index, volume in enumerate(volumes):
        path = f"volumes[{index}]"
        name = dns_label(volume.name, f"{path}.name")
        _reject_duplicate(volume.name, name, names, path)
        names[volume.name] = name
        source, reported = _volume_source(volume, name, path)
        translated.append({"name": name, **source})
        unsupported.extend(reported)
        if "persistentVolumeClaim" in source:
            claims.append(_claim_of(volume, name))
    return PodVolumes(translated, names, tuple(unsupported), tuple(claims))


def _claim_of(volume: Volume, name: str) -> VolumeClaim:
    if volume.efsVolumeConfiguration is not None:
        return VolumeClaim(name, volume.name, efs=efs_volume(volume.efsVolumeConfiguration))
    docker = volume.dockerVolumeConfiguration
    return VolumeClaim(name, volume.name, autoprovision=bool(docker and docker.autoprovision))


def efs_volume(config: EfsVolumeConfiguration) -> EfsVolume:
    """The EFS CSI driver's volumeHandle ``<fileSystemId>[:<path>[:<accessPointId>]]`` and
    mount options (``tls``, ``tlsport=<port>``, ``iam``) for an ECS EFS volume."""
    authorization = config.authorizationConfig
    access_point = authorization.accessPointId if authorization else None
    root = config.rootDirectory if config.rootDirectory not in (None, "", "/") else ""
    handle = config.fileSystemId
    if root or access_point:
        handle += f":{root}"
    if access_point:
        handle += f":{access_point}"
    options = []
    if config.transitEncryption == "ENABLED":
        options.append("tls")
        if config.transitEncryptionPort:
            options.append(f"tlsport={config.transitEncryptionPort}")
    if authorization and authorization.iam == "ENABLED":
        options.append("iam")
    return EfsVolume(handle, tuple(options))


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


@dataclass(frozen=True)
class MemoryVolumes:
    """A container's linuxParameters tmpfs mounts and /dev/shm, as memory-backed emptyDirs."""

    volumes: list[dict]
    mounts: list[dict]
    unsupported: list[str]


def memory_volumes(definition: ContainerDefinition, container_name: str, path: str,
                   taken: Mapping[str, str]) -> MemoryVolumes:
    """``tmpfs`` entries (size in MiB) and ``sharedMemorySize`` (MiB, at /dev/shm).

    The volumes are named after the container (``<container>-tmpfs-<n>``, ``<container>-shm``);
    mountOptions are Docker's and are reported; a path another mount of the container already
    uses is reported, as Kubernetes refuses two mounts at one path.
    """
    linux = definition.linuxParameters
    result = MemoryVolumes([], [], [])
    if linux is None:
        return result
    used_paths = {mount.containerPath for mount in definition.mountPoints}
    wanted = [(f"tmpfs-{index}", tmpfs.containerPath, tmpfs.size, f"{path}.linuxParameters.tmpfs"
               f"[{index}]") for index, tmpfs in enumerate(linux.tmpfs)]
    if linux.sharedMemorySize:
        wanted.append(("shm", SHARED_MEMORY_PATH, linux.sharedMemorySize,
                       f"{path}.linuxParameters.sharedMemorySize"))
    for suffix, mount_path, size_mib, field_path in wanted:
        if mount_path in used_paths:
            result.unsupported.append(field_path)
            continue
        used_paths.add(mount_path)
        name = f"{container_name[:MAX_LABEL_LENGTH - len(suffix) - 1]}-{suffix}"
        if name in taken.values():
            raise TranslationError(
                f'{field_path}: the memory volume "{name}" it needs has the name of a task '
                f"volume; rename that volume")
        result.volumes.append({"name": name, "emptyDir": {"medium": "Memory",
                                                          "sizeLimit": f"{size_mib}Mi"}})
        result.mounts.append({"name": name, "mountPath": mount_path})
    result.unsupported.extend(f"{path}.linuxParameters.tmpfs[{index}].mountOptions"
                              for index, tmpfs in enumerate(linux.tmpfs) if tmpfs.mountOptions)
    return result
