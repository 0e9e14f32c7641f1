"""What a task definition needs to exist before its tasks can start, and what the operator
makes itself.

ECS creates an autoprovisioned shared Docker volume the first time a task needs it and keeps
it after the task stops, until someone deletes it. The operator does the same with a
PersistentVolumeClaim of the volume's name, from the cluster's default StorageClass
(ReadWriteOnce, 1Gi: Docker volumes have no size). The claim belongs to no Task, Service or
TaskDefinition, so no deletion removes its data; it is labelled
``app.kubernetes.io/managed-by: ecs-operator`` and ``ecs.operator.dev/volume: <name>`` for
whoever cleans up. A claim that already exists (one the user made, with another size or
class) is used as it is.

An EFS volume needs a PersistentVolume of the EFS CSI driver (``efs.csi.aws.com``): the
operator creates it, and the claim pre-bound to it, when the TaskDefinition carries the
annotation ``ecs.operator.dev/provision-efs: "true"``. The PersistentVolume
(``efs-<namespace>-<claim>``, reclaim policy Retain: EFS keeps the files anyway) is cluster
scoped, so it has no owner either. One that exists for another file system is named in a
Warning (``volume_mismatch``), as the tasks would mount it.

Everything else is a requirement: a claim for a shared Docker volume without autoprovision
(ECS expects it to exist), a claim for an EFS volume without the annotation, and the image
pull Secret of ``repositoryCredentials`` (type ``kubernetes.io/dockerconfigjson``). The import
report and the TaskDefinition's ``status.requires`` list them, each with why it is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .names import GROUP, LABEL_MANAGED_BY, MANAGED_BY
from .registry_credentials import PULL_SECRET_TYPE, create_pull_secret_command
from .volumes import VolumeClaim

ANNOTATION_PROVISION_EFS = f"{GROUP}/provision-efs"
LABEL_VOLUME = f"{GROUP}/volume"
DOCKER_VOLUME_ACCESS_MODES = ["ReadWriteOnce"]
DOCKER_VOLUME_SIZE = "1Gi"
EFS_DRIVER = "efs.csi.aws.com"
EFS_ACCESS_MODES = ["ReadWriteMany"]
# EFS is elastic; Kubernetes requires a capacity, which the driver ignores.
EFS_CAPACITY = "5Gi"


@dataclass(frozen=True)
class Requirement:
    kind: str
    name: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "why": self.why}


def provisions_efs(annotations: dict | None) -> bool:
    return (annotations or {}).get(ANNOTATION_PROVISION_EFS, "").lower() == "true"


def requirements(claims: Sequence[VolumeClaim], pull_secrets: Sequence[str], *,
                 provision_efs: bool = False) -> tuple[Requirement, ...]:
    """What the user must create; what the operator creates is left out."""
    needed = [_claim_requirement(claim) for claim in claims
              if not claim.autoprovision and not (claim.efs and provision_efs)]
    needed += [Requirement("Secret", name, (
        f"image pull credentials (repositoryCredentials): a Secret of type {PULL_SECRET_TYPE}: "
        f"{create_pull_secret_command(name)}")) for name in pull_secrets]
    return tuple(needed)


def _claim_requirement(claim: VolumeClaim) -> Requirement:
    if claim.efs is None:
        why = (f'volume "{claim.volume}": a shared Docker volume without autoprovision, which '
               f"ECS expects to exist; create the claim (or set autoprovision: true and the "
               f"operator creates it)")
    else:
        options = f", mountOptions {list(claim.efs.mount_options)}" \
            if claim.efs.mount_options else ""
        why = (f'volume "{claim.volume}": EFS; a claim bound to a PersistentVolume of the EFS '
               f"CSI driver ({EFS_DRIVER}, volumeHandle {claim.efs.volume_handle}{options}); or "
               f'annotate the TaskDefinition {ANNOTATION_PROVISION_EFS}="true" and the '
               f"operator creates both")
    return Requirement("PersistentVolumeClaim", claim.name, why)


def claim_objects(claims: Sequence[VolumeClaim], namespace: str, *,
                  provision_efs: bool) -> list[dict]:
    """The PersistentVolumeClaims (and EFS PersistentVolumes) the operator creates."""
    objects: list[dict] = []
    for claim in claims:
        if claim.autoprovision:
            objects.append(_claim(claim, namespace, {
                "accessModes": DOCKER_VOLUME_ACCESS_MODES,
                "resources": {"requests": {"storage": DOCKER_VOLUME_SIZE}}}))
        elif claim.efs is not None and provision_efs:
            volume_name = efs_volume_name(namespace, claim.name)
            objects.append(_efs_volume(claim, namespace, volume_name))
            objects.append(_claim(claim, namespace, {
                "accessModes": EFS_ACCESS_MODES, "storageClassName": "",
                "volumeName": volume_name,
                "resources": {"requests": {"storage": EFS_CAPACITY}}}))
    return objects


def efs_volume_name(namespace: str, claim: str) -> str:
    return f"efs-{namespace}-{claim}"


def _labels(claim: VolumeClaim) -> dict[str, str]:
    return {LABEL_MANAGED_BY: MANAGED_BY, LABEL_VOLUME: claim.name}


def _claim(claim: VolumeClaim, namespace: str, spec: dict) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim.name, "namespace": namespace,
                         "labels": _labels(claim)},
            "spec": spec}


def _efs_volume(claim: VolumeClaim, namespace: str, name: str) -> dict:
    spec: dict = {
        "capacity": {"storage": EFS_CAPACITY},
        "accessModes": EFS_ACCESS_MODES,
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "",
        "claimRef": {"namespace": namespace, "name": claim.name},
        "csi": {"driver": EFS_DRIVER, "volumeHandle": claim.efs.volume_handle},
    }
    if claim.efs.mount_options:
        spec["mountOptions"] = list(claim.efs.mount_options)
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": _labels(claim)}, "spec": spec}


def volume_mismatch(wanted: dict, found: dict | None) -> str | None:
    """Why an existing PersistentVolume is not the one a task definition asks for, if it is
    not: another TaskDefinition in the namespace named its EFS volume the same and pointed it
    at another file system (the claim is named after the volume)."""
    if found is None or wanted["kind"] != "PersistentVolume":
        return None
    want = wanted["spec"]["csi"]["volumeHandle"]
    have = (found.get("spec", {}).get("csi") or {}).get("volumeHandle")
    if have == want:
        return None
    return (f"PersistentVolume {wanted['metadata']['name']} exists with volumeHandle {have}, "
            f"not {want}: the tasks would mount another file system; give the volume another "
            f"name")
