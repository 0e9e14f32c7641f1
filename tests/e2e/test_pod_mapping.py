"""ECS fields with a Kubernetes counterpart, as the API server keeps them in the task's pod;
volumes ECS would create, created and bound on the local cluster's volume pool; host-network
DAEMON services on nodes that have addresses (hack/cluster/)."""

from __future__ import annotations

from .cluster import apply, kubectl, kubectl_json, wait_for
from .manifests import API, service, task_definition
from .test_placement import NODE_ZONES, live_pods
from .test_services import steady

PULL_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/Registry-AbCdEf"


def definition(name: str, containers: list[dict], **spec: object) -> dict:
    return {"apiVersion": API, "kind": "TaskDefinition", "metadata": {"name": name},
            "spec": {"family": name, "containerDefinitions": containers, **spec}}


def task(name: str, definition_ref: str) -> dict:
    return {"apiVersion": API, "kind": "Task", "metadata": {"name": name},
            "spec": {"taskDefinition": definition_ref}}


def running_task(namespace: str, name: str) -> dict:
    def probe():
        status = kubectl_json("get", "etask", name, "-n", namespace).get("status", {})
        return status if status.get("lastStatus") == "RUNNING" else None
    return wait_for(f"task {name} RUNNING", probe, timeout=90)


def test_mapped_container_fields_are_kept_by_the_api_server(operator, namespace) -> None:
    apply([definition("mapped", [
        {"name": "app", "image": "registry.example/app:1", "memory": 256,
         "repositoryCredentials": {"credentialsParameter": PULL_SECRET_ARN},
         "resourceRequirements": [{"type": "GPU", "value": "2"}],
         "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
         "dnsServers": ["10.0.0.2"], "dnsSearchDomains": ["corp.example"],
         "hostname": "mapped-host", "links": ["cache:redis"],
         "linuxParameters": {"initProcessEnabled": True, "sharedMemorySize": 128,
                             "tmpfs": [{"containerPath": "/scratch", "size": 32}]}},
        {"name": "cache", "image": "registry.example/redis:7", "memory": 128}],
        placementConstraints=[{"type": "memberOf",
                               "expression": "attribute:ecs.availability-zone == local-1c"}]),
        task("mapped-1", "mapped")], namespace)
    running_task(namespace, "mapped-1")
    pod = kubectl_json("get", "pod", "mapped-1", "-n", namespace)
    spec = pod["spec"]
    assert spec["imagePullSecrets"] == [{"name": "ci-registry"}]
    app = next(c for c in spec["containers"] if c["name"] == "app")
    assert app["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert app["resources"]["requests"]["nvidia.com/gpu"] == "2"
    assert spec["securityContext"]["sysctls"] == [{"name": "net.core.somaxconn",
                                                   "value": "1024"}]
    assert spec["dnsConfig"] == {"nameservers": ["10.0.0.2"], "searches": ["corp.example"]}
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["hostname"] == "mapped-host"
    assert {"ip": "127.0.0.1", "hostnames": ["cache", "redis"]} in spec["hostAliases"]
    assert spec["shareProcessNamespace"] is True
    memory_volumes = {v["name"]: v["emptyDir"] for v in spec["volumes"] if "emptyDir" in v}
    assert memory_volumes == {"app-tmpfs-0": {"medium": "Memory", "sizeLimit": "32Mi"},
                              "app-shm": {"medium": "Memory", "sizeLimit": "128Mi"}}
    mounts = {m["mountPath"]: m["name"] for m in app["volumeMounts"]}
    assert (mounts["/scratch"], mounts["/dev/shm"]) == ("app-tmpfs-0", "app-shm")
    # The task definition's memberOf holds: the only node in local-1c.
    assert spec["nodeName"] == "kwok-node-c"

    status = kubectl_json("get", "td", "mapped", "-n", namespace)["status"]
    assert status["unsupportedFields"] == []
    [secret] = status["requires"]
    assert (secret["kind"], secret["name"]) == ("Secret", "ci-registry")
    assert "kubernetes.io/dockerconfigjson" in secret["why"]


def test_an_autoprovisioned_shared_volume_is_created_and_kept(operator, namespace) -> None:
    volumes = [{"name": "cache_data", "dockerVolumeConfiguration": {
        "scope": "shared", "autoprovision": True, "driver": "local"}}]
    mount = [{"sourceVolume": "cache_data", "containerPath": "/data"}]
    apply([definition("web", [{"name": "app", "image": "registry.example/web:1", "memory": 128,
                               "mountPoints": mount}], volumes=volumes),
           service(desired=1)], namespace)
    wait_for("the service steady", steady(namespace), timeout=120)

    def bound():
        claim = kubectl_json("get", "pvc", "cache-data", "-n", namespace)
        return claim if claim.get("status", {}).get("phase") == "Bound" else None

    claim = wait_for("the claim bound", bound)
    assert claim["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "ecs-operator"
    assert "ownerReferences" not in claim["metadata"]
    assert claim["spec"]["storageClassName"] == "local-pool"  # the default class
    [pod] = live_pods(namespace)
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
              if "persistentVolumeClaim" in v]
    assert claims == ["cache-data"]
    assert kubectl_json("get", "td", "web", "-n", namespace)["status"]["requires"] == []

    # ECS keeps a shared volume after its tasks stop: so does the operator.
    apply(service(desired=0), namespace)
    wait_for("no tasks", lambda: live_pods(namespace) == [], timeout=60)
    assert bound()["metadata"]["uid"] == claim["metadata"]["uid"]


def test_an_efs_volume_is_created_for_the_csi_driver_when_asked(operator, namespace) -> None:
    volumes = [{"name": "shared-files", "efsVolumeConfiguration": {
        "fileSystemId": "fs-0123abcd", "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-0a1b2c3d", "iam": "ENABLED"}}}]
    def mounting(volume: str) -> list[dict]:
        return [{"name": "app", "image": "registry.example/app:1", "memory": 128,
                 "mountPoints": [{"sourceVolume": volume, "containerPath": "/files"}]}]

    asked = definition("files", mounting("shared-files"), volumes=volumes)
    asked["metadata"]["annotations"] = {"ecs.operator.dev/provision-efs": "true"}
    not_asked = definition("files-later", mounting("other-files"),
                           volumes=[{**volumes[0], "name": "other-files"}])
    applied = apply([asked, not_asked, task("files-1", "files")], namespace)
    assert applied.returncode == 0, applied.stderr
    try:
        _check_efs_volumes(namespace)
        # Another definition naming its volume the same but on another file system would
        # mount the first one's: the operator says so.
        other = definition("files-elsewhere", mounting("shared-files"), volumes=[{
            "name": "shared-files", "efsVolumeConfiguration": {"fileSystemId": "fs-99999999"}}])
        other["metadata"]["annotations"] = {"ecs.operator.dev/provision-efs": "true"}
        apply(other, namespace)
        [warning] = wait_for("the VolumeMismatch warning", lambda: kubectl_json(
            "get", "events", "-n", namespace, "--field-selector", "reason=VolumeMismatch")["items"])
        assert warning["type"] == "Warning"
        assert "volumeHandle fs-0123abcd::fsap-0a1b2c3d, not fs-99999999" in warning["message"]
    finally:
        # A PersistentVolume is cluster scoped: deleting the namespace leaves it behind.
        kubectl("delete", "pv", f"efs-{namespace}-shared-files", "--wait=false", check=False)


def _check_efs_volumes(namespace: str) -> None:
    running_task(namespace, "files-1")
    pv = kubectl_json("get", "pv", f"efs-{namespace}-shared-files")
    assert pv["spec"]["csi"] == {"driver": "efs.csi.aws.com",
                                 "volumeHandle": "fs-0123abcd::fsap-0a1b2c3d"}
    assert pv["spec"]["mountOptions"] == ["tls", "iam"]
    assert pv["status"]["phase"] == "Bound"
    claim = kubectl_json("get", "pvc", "shared-files", "-n", namespace)
    assert claim["spec"]["volumeName"] == pv["metadata"]["name"]

    # Without the annotation nothing is created, and the status says what must exist.
    def required():
        status = kubectl_json("get", "td", "files-later", "-n", namespace).get("status", {})
        return status.get("requires")

    [needed] = wait_for("files-later's requirements", required)
    assert (needed["kind"], needed["name"]) == ("PersistentVolumeClaim", "other-files")
    assert "volumeHandle fs-0123abcd::fsap-0a1b2c3d" in needed["why"]
    assert kubectl_json("get", "pvc", "-n", namespace,
                        "--field-selector", "metadata.name=other-files")["items"] == []


def test_a_host_network_daemon_runs_one_task_per_node(operator, namespace) -> None:
    apply([task_definition(name="agent", networkMode="host"),
           service(name="agent", task_definition_ref="agent", schedulingStrategy="DAEMON",
                   deploymentConfiguration={})], namespace)
    current = wait_for("the host-network daemon steady on every node",
                       steady(namespace, "agent"), timeout=120)
    assert (current["status"]["desiredCount"], current["status"]["runningCount"]) == (3, 3)
    pods = live_pods(namespace, "agent")
    assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(NODE_ZONES)
    nodes = {n["metadata"]["name"]: n for n in kubectl_json("get", "nodes")["items"]}
    for pod in pods:
        assert pod["spec"]["hostNetwork"] is True
        assert pod["status"]["phase"] == "Running"
        node_ip = next(a["address"] for a in nodes[pod["spec"]["nodeName"]]["status"]["addresses"]
                       if a["type"] == "InternalIP")
        assert pod["status"]["podIP"] == pod["status"]["hostIP"] == node_ip
