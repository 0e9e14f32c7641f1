"""Container fields ECS sets per container and a pod sets once: pull secrets, GPUs, sysctls,
DNS, hostname, links, tmpfs, /dev/shm, the init process, task-level placement constraints."""

from __future__ import annotations

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import PodTranslation, pod_spec
from ecs_operator.translate.registry_credentials import pull_secret_name

IMAGE = "registry.example/app:1"


def container(name: str = "app", **fields) -> dict:
    return {"name": name, "image": IMAGE, **fields}


def translate(*containers: dict, **task) -> PodTranslation:
    return pod_spec(TaskDefinitionSpec.model_validate(
        {"family": "app", "containerDefinitions": list(containers or [container()]), **task}))


def pod_fields(result: PodTranslation, *keys: str) -> dict:
    return {key: result.spec[key] for key in keys if key in result.spec}


# --- repositoryCredentials -> imagePullSecrets -----------------------------------------


@pytest.mark.parametrize(("parameter", "secret"), [
    pytest.param("arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf",
                 "dockerhub", id="arn-suffix-dropped"),
    pytest.param("arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/Registry/Creds-x1Y2z3",
                 "ci-registry-creds", id="path-and-capitals"),
    pytest.param("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:pull-q1w2e3",
                 "pull", id="other-partition"),
    pytest.param("team/docker-hub", "team-docker-hub", id="name-in-the-same-region"),
    pytest.param("arn:aws:secretsmanager:eu-west-1:1:secret:docker_hub+creds-AbCdEf",
                 "docker-hub-creds", id="other-characters-become-dashes"),
])
def test_pull_secret_name_follows_the_secret_naming(parameter, secret):
    assert pull_secret_name(parameter) == secret


def test_repository_credentials_become_one_pull_secret_per_distinct_secret():
    arn = "arn:aws:secretsmanager:eu-west-1:1:secret:registry/pull-AbCdEf"
    result = translate(container("a", repositoryCredentials={"credentialsParameter": arn}),
                       container("b", repositoryCredentials={"credentialsParameter": arn}),
                       container("c", repositoryCredentials={"credentialsParameter": "other"}))
    assert result.spec["imagePullSecrets"] == [{"name": "registry-pull"}, {"name": "other"}]
    assert [(r.kind, r.name) for r in result.requires] == [("Secret", "registry-pull"),
                                                           ("Secret", "other")]
    assert "kubernetes.io/dockerconfigjson" in result.requires[0].why
    assert "kubectl create secret docker-registry registry-pull" in result.requires[0].why
    assert result.unsupported == ()


def test_empty_credentials_parameter_asks_for_nothing():
    result = translate(container(repositoryCredentials={"credentialsParameter": ""}))
    assert "imagePullSecrets" not in result.spec
    assert (result.requires, result.unsupported) == ((), ())


# --- resourceRequirements GPU -> nvidia.com/gpu ----------------------------------------


@pytest.mark.parametrize(("requirements", "resources"), [
    pytest.param([{"type": "GPU", "value": "2"}],
                 {"limits": {"memory": "512Mi", "nvidia.com/gpu": "2"},
                  "requests": {"memory": "512Mi", "nvidia.com/gpu": "2"}}, id="two-gpus"),
    pytest.param([{"type": "GPU", "value": 1}],
                 {"limits": {"memory": "512Mi", "nvidia.com/gpu": "1"},
                  "requests": {"memory": "512Mi", "nvidia.com/gpu": "1"}}, id="yaml-number"),
    pytest.param([{"type": "GPU", "value": "0"}],
                 {"limits": {"memory": "512Mi"}, "requests": {"memory": "512Mi"}},
                 id="zero-gpus-asks-for-none"),
])
def test_gpu_requirements_become_nvidia_gpus(requirements, resources):
    result = translate(container(memory=512, resourceRequirements=requirements))
    assert result.spec["containers"][0]["resources"] == resources
    assert result.unsupported == ()


def test_gpu_count_must_be_a_whole_number():
    with pytest.raises(TranslationError, match=r"resourceRequirements\[0\].value: a GPU count"):
        translate(container(resourceRequirements=[{"type": "GPU", "value": "one"}]))


# --- systemControls -> securityContext.sysctls ----------------------------------------


def test_system_controls_are_merged_into_pod_sysctls():
    result = translate(
        container("a", systemControls=[{"namespace": "net.core.somaxconn", "value": "1024"}]),
        container("b", systemControls=[{"namespace": "net.core.somaxconn", "value": "1024"},
                                       {"namespace": "kernel.shm_rmid_forced", "value": "1"}]))
    assert result.spec["securityContext"] == {"sysctls": [
        {"name": "net.core.somaxconn", "value": "1024"},
        {"name": "kernel.shm_rmid_forced", "value": "1"}]}
    assert result.unsupported == ()


def test_conflicting_sysctl_values_are_reported_not_chosen_silently():
    result = translate(
        container("a", systemControls=[{"namespace": "net.core.somaxconn", "value": "1024"}]),
        container("b", systemControls=[{"namespace": "net.core.somaxconn", "value": "4096"}]))
    assert result.spec["securityContext"]["sysctls"] == [
        {"name": "net.core.somaxconn", "value": "1024"}]
    assert result.unsupported == ("containerDefinitions[1].systemControls[0]",)


@pytest.mark.parametrize(("task", "kept", "reported"), [
    pytest.param({"networkMode": "host"}, ["kernel.msgmax", "vm.overcommit_memory"], (0,),
                 id="host-network-keeps-non-network-sysctls"),
    pytest.param({"ipcMode": "host"}, ["net.ipv4.ip_forward", "vm.overcommit_memory"], (1,),
                 id="host-ipc-keeps-non-ipc-sysctls"),
    pytest.param({"networkMode": "host", "ipcMode": "host"}, ["vm.overcommit_memory"], (0, 1),
                 id="both"),
])
def test_sysctls_of_the_nodes_namespaces_are_reported(task, kept, reported):
    result = translate(container(systemControls=[
        {"namespace": "net.ipv4.ip_forward", "value": "1"},
        {"namespace": "kernel.msgmax", "value": "65536"},
        {"namespace": "vm.overcommit_memory", "value": "1"}]), **task)
    assert [s["name"] for s in result.spec["securityContext"]["sysctls"]] == kept
    assert result.unsupported == tuple(f"containerDefinitions[0].systemControls[{index}]"
                                       for index in reported)


# --- dnsServers / dnsSearchDomains -> dnsConfig ----------------------------------------


@pytest.mark.parametrize(("containers", "dns_config", "reported"), [
    pytest.param([container(dnsServers=["10.0.0.2"], dnsSearchDomains=["corp.example"])],
                 {"nameservers": ["10.0.0.2"], "searches": ["corp.example"]}, (),
                 id="servers-and-domains"),
    pytest.param([container("a", dnsSearchDomains=["a.example", "b.example"]),
                  container("b", dnsSearchDomains=["b.example", "c.example"])],
                 {"searches": ["a.example", "b.example", "c.example"]}, (),
                 id="domains-joined-without-repeats"),
    pytest.param([container("a", dnsServers=["10.0.0.2"]),
                  container("b", dnsServers=["10.0.0.2", "10.0.0.3", "10.0.0.4"])],
                 {"nameservers": ["10.0.0.2", "10.0.0.3"]},
                 ("containerDefinitions[1].dnsServers[2]",), id="room-for-two-servers"),
])
def test_dns_settings_are_added_to_the_cluster_dns(containers, dns_config, reported):
    result = translate(*containers)
    assert result.spec["dnsConfig"] == dns_config
    # The cluster's DNS stays first, so Service names keep resolving.
    assert "dnsPolicy" not in result.spec
    assert result.unsupported == reported


# --- hostname -> spec.hostname ---------------------------------------------------------


@pytest.mark.parametrize(("containers", "expected", "reported"), [
    pytest.param([container(hostname="Web-1")], {"hostname": "web-1"}, (), id="lowercased"),
    pytest.param([container("a", hostname="web"), container("b", hostname="web")],
                 {"hostname": "web"}, (), id="containers-agree"),
    pytest.param([container("a", hostname="web"), container("b", hostname="db")],
                 {"hostname": "web"}, ("containerDefinitions[1].hostname",),
                 id="containers-disagree"),
    pytest.param([container(hostname="web.example.com")], {},
                 ("containerDefinitions[0].hostname",), id="not-a-dns-label"),
])
def test_hostname(containers, expected, reported):
    result = translate(*containers)
    assert pod_fields(result, "hostname") == expected
    assert result.unsupported == reported


# --- links -> hostAliases on 127.0.0.1 --------------------------------------------------


def test_links_resolve_to_localhost_next_to_extra_hosts():
    result = translate(
        container("web", links=["db:database", "cache"],
                  extraHosts=[{"hostname": "api.local", "ipAddress": "127.0.0.1"},
                              {"hostname": "legacy", "ipAddress": "10.0.0.9"}]),
        container("db"), container("cache"))
    assert result.spec["hostAliases"] == [
        {"ip": "127.0.0.1", "hostnames": ["db", "database", "cache", "api.local"]},
        {"ip": "10.0.0.9", "hostnames": ["legacy"]}]
    assert result.unsupported == ()


def test_a_link_to_its_own_name_is_one_hostname():
    result = translate(container("web", links=["nginx:nginx"]), container("nginx"))
    assert result.spec["hostAliases"] == [{"ip": "127.0.0.1", "hostnames": ["nginx"]}]


# --- linuxParameters ------------------------------------------------------------------


def test_tmpfs_and_shared_memory_become_memory_backed_empty_dirs():
    result = translate(container("worker", linuxParameters={
        "tmpfs": [{"containerPath": "/tmp", "size": 64}, {"containerPath": "/run", "size": 8}],
        "sharedMemorySize": 256}))
    assert result.spec["volumes"] == [
        {"name": "worker-tmpfs-0", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "worker-tmpfs-1", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}},
        {"name": "worker-shm", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}]
    assert result.spec["containers"][0]["volumeMounts"] == [
        {"name": "worker-tmpfs-0", "mountPath": "/tmp"},
        {"name": "worker-tmpfs-1", "mountPath": "/run"},
        {"name": "worker-shm", "mountPath": "/dev/shm"}]
    assert result.unsupported == ()


def test_a_path_already_mounted_keeps_its_volume():
    result = translate(
        container(mountPoints=[{"sourceVolume": "scratch", "containerPath": "/tmp"}],
                  linuxParameters={"tmpfs": [{"containerPath": "/tmp", "size": 64}]}),
        volumes=[{"name": "scratch"}])
    assert result.spec["containers"][0]["volumeMounts"] == [
        {"name": "scratch", "mountPath": "/tmp"}]
    assert result.unsupported == ("containerDefinitions[0].linuxParameters.tmpfs[0]",)


def test_a_memory_volume_named_like_a_task_volume_is_an_error():
    with pytest.raises(TranslationError, match="rename that volume"):
        translate(container(linuxParameters={"sharedMemorySize": 64}),
                  volumes=[{"name": "app-shm"}])


@pytest.mark.parametrize(("task", "expected", "reported"), [
    pytest.param({}, {"shareProcessNamespace": True}, (), id="pause-container-reaps"),
    pytest.param({"pidMode": "host"}, {"hostPID": True},
                 ("containerDefinitions[0].linuxParameters.initProcessEnabled",),
                 id="host-pid-cannot-share"),
])
def test_init_process(task, expected, reported):
    result = translate(container(linuxParameters={"initProcessEnabled": True}), **task)
    assert pod_fields(result, "shareProcessNamespace", "hostPID") == expected
    assert result.unsupported == reported


# --- task-level placementConstraints ----------------------------------------------------


def test_task_placement_constraints_are_kept_for_the_placement():
    fine = {"type": "memberOf", "expression": "attribute:ecs.availability-zone in [a, b]"}
    pattern = {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ g5.*"}
    result = translate(placementConstraints=[pattern, fine])
    assert result.placement_constraints == (fine,)
    assert result.unsupported == ("placementConstraints[0]",)


def test_a_task_placement_constraint_ecs_would_refuse_is_an_error():
    broken = {"type": "memberOf", "expression": "attribute:ecs.instance-type =="}
    with pytest.raises(TranslationError, match=r"^placementConstraints\[0\].expression"):
        translate(placementConstraints=[broken])
