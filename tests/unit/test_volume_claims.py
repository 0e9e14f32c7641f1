"""Volumes ECS would create (autoprovisioned Docker volumes, EFS when asked) and what the
user must create: the claims, PersistentVolumes and requirements a task definition brings."""

from __future__ import annotations

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.pod import PodTranslation, pod_spec
from ecs_operator.translate.volume_claims import claim_objects, provisions_efs, requirements, \
    volume_mismatch

MANAGED = {"app.kubernetes.io/managed-by": "ecs-operator"}


def translate(*volumes: dict) -> PodTranslation:
    mounts = [{"sourceVolume": v["name"], "containerPath": f"/mnt/{v['name']}"} for v in volumes]
    return pod_spec(TaskDefinitionSpec.model_validate({"family": "app", "containerDefinitions": [
        {"name": "app", "image": "nginx", "mountPoints": mounts}], "volumes": list(volumes)}))


def efs(**config) -> dict:
    return {"name": "files", "efsVolumeConfiguration": {"fileSystemId": "fs-0123abcd", **config}}


AUTOPROVISIONED = {"name": "Cache_Data", "dockerVolumeConfiguration": {
    "scope": "shared", "autoprovision": True, "driver": "local"}}
SHARED = {"name": "shared", "dockerVolumeConfiguration": {"scope": "shared"}}


def test_autoprovisioned_docker_volume_is_a_claim_from_the_default_class():
    result = translate(AUTOPROVISIONED)
    assert claim_objects(result.claims, "shop", provision_efs=False) == [{
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "cache-data", "namespace": "shop",
                     "labels": {**MANAGED, "ecs.operator.dev/volume": "cache-data"}},
        # No storageClassName: the cluster's default StorageClass provisions it.
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }]
    assert result.requires == ()


def test_shared_docker_volume_without_autoprovision_must_exist():
    result = translate(SHARED)
    assert claim_objects(result.claims, "shop", provision_efs=True) == []
    [needed] = result.requires
    assert (needed.kind, needed.name) == ("PersistentVolumeClaim", "shared")
    assert "without autoprovision" in needed.why


@pytest.mark.parametrize(("config", "handle", "options"), [
    pytest.param({}, "fs-0123abcd", [], id="file-system-root"),
    pytest.param({"rootDirectory": "/"}, "fs-0123abcd", [], id="root-directory-slash"),
    pytest.param({"rootDirectory": "/exports/app"}, "fs-0123abcd:/exports/app", [],
                 id="root-directory"),
    pytest.param({"transitEncryption": "ENABLED", "authorizationConfig": {
        "accessPointId": "fsap-0a1b2c3d4e5f", "iam": "ENABLED"}},
                 "fs-0123abcd::fsap-0a1b2c3d4e5f", ["tls", "iam"], id="access-point-tls-iam"),
    pytest.param({"transitEncryption": "ENABLED", "transitEncryptionPort": 2999},
                 "fs-0123abcd", ["tls", "tlsport=2999"], id="tls-port"),
])
def test_efs_volume_becomes_a_csi_volume_and_a_claim_bound_to_it(config, handle, options):
    result = translate(efs(**config))
    volume, claim = claim_objects(result.claims, "shop", provision_efs=True)
    expected_csi = {"driver": "efs.csi.aws.com", "volumeHandle": handle}
    assert volume["kind"] == "PersistentVolume"
    assert volume["metadata"]["name"] == "efs-shop-files"
    assert volume["spec"]["csi"] == expected_csi
    assert volume["spec"].get("mountOptions", []) == options
    assert volume["spec"]["claimRef"] == {"namespace": "shop", "name": "files"}
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert claim["spec"]["volumeName"] == "efs-shop-files"
    assert claim["spec"]["storageClassName"] == ""
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert result.unsupported == ()


def test_efs_volume_without_the_annotation_is_a_requirement_that_says_how():
    result = translate(efs(rootDirectory="/data", transitEncryption="ENABLED"))
    assert claim_objects(result.claims, "shop", provision_efs=False) == []
    [needed] = result.requires
    assert (needed.kind, needed.name) == ("PersistentVolumeClaim", "files")
    assert "volumeHandle fs-0123abcd:/data" in needed.why
    assert "['tls']" in needed.why
    assert 'ecs.operator.dev/provision-efs="true"' in needed.why
    assert requirements(result.claims, (), provision_efs=True) == ()


@pytest.mark.parametrize(("annotations", "expected"), [
    ({"ecs.operator.dev/provision-efs": "true"}, True),
    ({"ecs.operator.dev/provision-efs": "True"}, True),
    ({"ecs.operator.dev/provision-efs": "false"}, False),
    ({}, False),
    (None, False),
])
def test_provision_efs_is_an_explicit_opt_in(annotations, expected):
    assert provisions_efs(annotations) is expected


def test_requirement_entries_are_what_the_import_report_lists():
    result = translate(SHARED, AUTOPROVISIONED, efs())
    assert [r.as_dict()["name"] for r in result.requires] == ["shared", "files"]
    assert set(result.requires[0].as_dict()) == {"kind", "name", "why"}


@pytest.mark.parametrize(("handle", "mismatch"), [
    pytest.param("fs-0123abcd", False, id="the-same-file-system"),
    pytest.param("fs-99999999", True, id="another-file-system"),
])
def test_an_efs_volume_made_for_another_file_system_is_named(handle, mismatch):
    wanted, claim = claim_objects(translate(efs()).claims, "shop", provision_efs=True)
    found = {"spec": {"csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle}}}
    message = volume_mismatch(wanted, found)
    assert (message is not None) is mismatch
    if mismatch:
        assert "fs-99999999, not fs-0123abcd" in message
    assert volume_mismatch(claim, {"spec": {}}) is None
    assert volume_mismatch(wanted, None) is None
