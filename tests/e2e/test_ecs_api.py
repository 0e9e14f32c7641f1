"""ECS's API (`ecs-operator api`) used by the real clients, boto3 and the aws CLI, against
the local cluster with the operator running: the whole life of a service, and the requests
that are refused (a wrong key, an expired signature, a user RBAC does not allow)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import uuid

import pytest

from .cluster import kubectl, kubectl_json, wait_for
from .conftest import ROOT, free_port
from .ecs_clients import ARN_PREFIX, ApiProcess, AwsCli, Boto3, EcsError, require_clients
from .test_chart_install import helm, service_account_kubeconfig

pytestmark = pytest.mark.e2e
CONTAINER = {"name": "app", "image": "registry.example/web:1", "memory": 128,
             "essential": True, "portMappings": [{"containerPort": 8080}]}


def add_key(namespace: str, access_key: str, secret: str, user: str, groups: str = "",
            cluster: str = "") -> None:
    data = {"accessKeyId": access_key, "secretAccessKey": secret, "username": user,
            "groups": groups, "cluster": cluster}
    manifest = {"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": f"key-{access_key.lower()}", "namespace": namespace,
                             "labels": {"ecs.operator.dev/api-access-key": "true"}},
                "stringData": {k: v for k, v in data.items() if v}}
    kubectl("apply", "-f", "-", input=json.dumps(manifest))


@pytest.fixture(scope="module")
def api(operator, tmp_path_factory: pytest.TempPathFactory):
    require_clients()
    keys = f"e2e-api-keys-{uuid.uuid4().hex[:6]}"
    kubectl("create", "namespace", keys)
    add_key(keys, "AKIAE2EADMIN", "admin-secret", "ecs-e2e-admin", "system:masters")
    process = ApiProcess(free_port(), keys, tmp_path_factory.mktemp("api") / "api.log")
    yield process
    process.stop()
    kubectl("delete", "namespace", keys, "--wait=false", check=False)


@pytest.fixture
def cluster_name():
    name = f"e2e-ecs-{uuid.uuid4().hex[:8]}"
    yield name
    kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


def stable_primary(ecs, cluster: str, service: str) -> dict:
    described = ecs("describe_services", cluster=cluster, services=[service])["services"][0]
    assert len(described["deployments"]) == 1, described["deployments"]
    return described


def test_boto3_runs_a_service_through_its_whole_life(api: ApiProcess, cluster_name: str) -> None:
    ecs = Boto3(api.endpoint, "AKIAE2EADMIN", "admin-secret")
    cluster = ecs("create_cluster", clusterName=cluster_name,
                  tags=[{"key": "team", "value": "web"}])["cluster"]
    assert cluster["clusterArn"] == f"{ARN_PREFIX}cluster/{cluster_name}"
    assert cluster["status"] == "ACTIVE"
    assert f"{ARN_PREFIX}cluster/{cluster_name}" in ecs("list_clusters")["clusterArns"]
    # The admin key has no cluster of its own: task definitions go to --default-cluster
    # ("default"); a key with a cluster keeps them there. This one names the new cluster.
    add_key(api.keys_namespace, "AKIAE2EOWNER", "owner-secret", "ecs-e2e-admin",
            "system:masters", cluster=cluster_name)
    ecs = Boto3(api.endpoint, "AKIAE2EOWNER", "owner-secret")
    wait_for("the new key", lambda: _known(ecs), timeout=20)

    first = ecs("register_task_definition", family="web", containerDefinitions=[CONTAINER],
                cpu="256", memory="512", tags=[{"key": "app", "value": "web"}])
    assert first["taskDefinition"]["taskDefinitionArn"] == f"{ARN_PREFIX}task-definition/web:1"
    assert first["taskDefinition"]["status"] == "ACTIVE"
    assert first["tags"] == [{"key": "app", "value": "web"}]

    created = ecs("create_service", cluster=cluster_name, serviceName="web",
                  taskDefinition="web", desiredCount=2,
                  deploymentConfiguration={"maximumPercent": 200,
                                           "minimumHealthyPercent": 50})["service"]
    assert created["serviceArn"] == f"{ARN_PREFIX}service/{cluster_name}/web"
    assert created["taskDefinition"] == f"{ARN_PREFIX}task-definition/web:1"
    with pytest.raises(EcsError) as again:
        ecs("create_service", cluster=cluster_name, serviceName="web", taskDefinition="web")
    assert again.value.code == "InvalidParameterException"
    ecs.wait("services_stable", cluster=cluster_name, services=["web"])
    assert stable_primary(ecs, cluster_name, "web")["runningCount"] == 2

    second = ecs("register_task_definition", family="web",
                 containerDefinitions=[{**CONTAINER, "image": "registry.example/web:2"}],
                 cpu="256", memory="512")
    assert second["taskDefinition"]["revision"] == 2
    # A bare family pins the latest ACTIVE revision, as ECS does.
    updated = ecs("update_service", cluster=cluster_name, service="web",
                  taskDefinition="web")["service"]
    assert updated["taskDefinition"] == f"{ARN_PREFIX}task-definition/web:2"
    ecs.wait("services_stable", cluster=cluster_name, services=["web"])
    # ECS's waiter asks for one deployment and the desired count, not for rolloutState, which
    # can follow a moment later (in ECS too).
    described = wait_for("the rollout COMPLETED", lambda: (lambda s: s if s["deployments"][0][
        "rolloutState"] == "COMPLETED" else None)(stable_primary(ecs, cluster_name, "web")),
        timeout=30, interval=1)
    deployment = described["deployments"][0]
    assert (deployment["status"], deployment["taskDefinition"], deployment["runningCount"],
            deployment["rolloutState"]) == ("PRIMARY", f"{ARN_PREFIX}task-definition/web:2",
                                            2, "COMPLETED")
    # ECS keeps a service deployment for every rollout, ROLLING ones too: the creation's and
    # the update's, latest first.
    revision = f"{ARN_PREFIX}service-revision/{cluster_name}/web/web:"
    history = ecs("list_service_deployments", cluster=cluster_name,
                  service="web")["serviceDeployments"]
    assert [(d["status"], d["targetServiceRevisionArn"]) for d in history] == \
        [("SUCCESSFUL", f"{revision}2"), ("SUCCESSFUL", f"{revision}1")]
    assert described["currentServiceDeployment"] == history[0]["serviceDeploymentArn"]
    latest = ecs("describe_service_deployments", serviceDeploymentArns=[
        history[0]["serviceDeploymentArn"]])["serviceDeployments"][0]
    assert [s["arn"] for s in latest["sourceServiceRevisions"]] == [f"{revision}1"]
    assert (latest["targetServiceRevision"]["runningTaskCount"], latest["status"]) == \
        (2, "SUCCESSFUL")
    assert "finishedAt" in latest and "startedAt" in latest
    with pytest.raises(EcsError) as rolling_stop:
        ecs("stop_service_deployment", serviceDeploymentArn=latest["serviceDeploymentArn"])
    assert rolling_stop.value.code == "UnsupportedFeatureException"
    assert ecs("describe_services", cluster=cluster_name, services=["web", "nope"])[
        "failures"] == [{"arn": f"{ARN_PREFIX}service/{cluster_name}/nope", "reason": "MISSING"}]

    listed = ecs("list_task_definitions", familyPrefix="web", maxResults=1)
    assert listed["taskDefinitionArns"] == [f"{ARN_PREFIX}task-definition/web:1"]
    rest = ecs("list_task_definitions", familyPrefix="web", nextToken=listed["nextToken"])
    assert rest["taskDefinitionArns"] == [f"{ARN_PREFIX}task-definition/web:2"]
    assert "nextToken" not in rest
    old = ecs("describe_task_definition", taskDefinition="web:1", include=["TAGS"])
    assert old["taskDefinition"]["containerDefinitions"][0]["image"] == "registry.example/web:1"
    assert old["tags"] == [{"key": "app", "value": "web"}]
    assert ecs("list_task_definition_families")["families"] == ["web"]

    service_tasks = ecs("list_tasks", cluster=cluster_name, serviceName="web")["taskArns"]
    assert len(service_tasks) == 2
    described_tasks = ecs("describe_tasks", cluster=cluster_name, tasks=service_tasks)["tasks"]
    assert {t["taskDefinitionArn"] for t in described_tasks} == \
        {f"{ARN_PREFIX}task-definition/web:2"}
    assert {t["group"] for t in described_tasks} == {"service:web"}

    run = ecs("run_task", cluster=cluster_name, taskDefinition="web:1", startedBy="e2e")
    assert run["failures"] == []
    task_arn = run["tasks"][0]["taskArn"]
    assert task_arn.startswith(f"{ARN_PREFIX}task/{cluster_name}/web-")
    wait_for("the task to run", lambda: ecs("describe_tasks", cluster=cluster_name,
                                            tasks=[task_arn])["tasks"][0]["lastStatus"]
             == "RUNNING", timeout=60, interval=1)
    assert task_arn in ecs("list_tasks", cluster=cluster_name, startedBy="e2e")["taskArns"]
    stopped = ecs("stop_task", cluster=cluster_name, task=task_arn, reason="done")["task"]
    assert (stopped["desiredStatus"], stopped["stoppedReason"]) == ("STOPPED", "done")
    wait_for("the task to stop", lambda: ecs("describe_tasks", cluster=cluster_name,
                                             tasks=[task_arn])["tasks"][0]["lastStatus"]
             == "STOPPED", timeout=60, interval=1)

    ecs("tag_resource", resourceArn=created["serviceArn"], tags=[{"key": "tier", "value": "1"}])
    assert ecs("list_tags_for_resource", resourceArn=created["serviceArn"])["tags"] == \
        [{"key": "tier", "value": "1"}]
    ecs("untag_resource", resourceArn=created["serviceArn"], tagKeys=["tier"])
    assert ecs("list_tags_for_resource", resourceArn=created["serviceArn"])["tags"] == []
    ecs("tag_resource", resourceArn=cluster["clusterArn"], tags=[{"key": "env", "value": "e2e"}])
    assert ecs("describe_clusters", clusters=[cluster_name], include=["TAGS"])["clusters"][0][
        "tags"] == [{"key": "team", "value": "web"}, {"key": "env", "value": "e2e"}]
    assert ecs("list_tags_for_resource", resourceArn=first["taskDefinition"][
        "taskDefinitionArn"])["tags"] == [{"key": "app", "value": "web"}]

    with pytest.raises(EcsError) as busy:
        ecs("delete_cluster", cluster=cluster_name)
    assert busy.value.code == "ClusterContainsServicesException"
    with pytest.raises(EcsError) as scaled:
        ecs("delete_service", cluster=cluster_name, service="web")
    assert scaled.value.code == "InvalidParameterException"
    deleted = ecs("delete_service", cluster=cluster_name, service="web", force=True)["service"]
    assert deleted["status"] == "DRAINING"
    wait_for("the service to go", lambda: not ecs("list_services", cluster=cluster_name)[
        "serviceArns"], timeout=60, interval=1)

    inactive = ecs("deregister_task_definition", taskDefinition="web:1")["taskDefinition"]
    assert inactive["status"] == "INACTIVE"
    assert ecs("list_task_definitions", familyPrefix="web")["taskDefinitionArns"] == \
        [f"{ARN_PREFIX}task-definition/web:2"]
    with pytest.raises(EcsError) as inactive_run:
        ecs("run_task", cluster=cluster_name, taskDefinition="web:1")
    assert inactive_run.value.code == "ClientException"
    removal = ecs("delete_task_definitions", taskDefinitions=["web:1", "web:2"])
    assert [d["status"] for d in removal["taskDefinitions"]] == ["DELETE_IN_PROGRESS"]
    assert [f["arn"] for f in removal["failures"]] == ["web:2"]
    ecs("deregister_task_definition", taskDefinition="web:2")

    gone = ecs("delete_cluster", cluster=cluster_name)["cluster"]
    assert gone["status"] == "INACTIVE"
    wait_for("the namespace to go", lambda: kubectl(
        "get", "namespace", cluster_name, check=False).returncode != 0
        or kubectl_json("get", "namespace", cluster_name)["status"]["phase"] == "Terminating",
        timeout=30)
    assert f"{ARN_PREFIX}cluster/{cluster_name}" not in ecs("list_clusters")["clusterArns"]


def _known(client: Boto3, operation: str = "list_clusters", **params: object) -> bool:
    """Whether the API has read the client's key yet (any other answer means it has)."""
    try:
        client(operation, **params)
    except EcsError as error:
        return error.code != "UnrecognizedClientException"
    return True


def test_the_aws_cli_runs_a_service_through_its_whole_life(api: ApiProcess, cluster_name: str,
                                                           tmp_path: pathlib.Path) -> None:
    add_key(api.keys_namespace, "AKIAE2ECLI", "cli-secret", "ecs-e2e-admin", "system:masters",
            cluster=cluster_name)
    aws = AwsCli(api.endpoint, "AKIAE2ECLI", "cli-secret")
    wait_for("the new key", lambda: _known(Boto3(api.endpoint, "AKIAE2ECLI", "cli-secret")),
             timeout=20)
    assert aws("create-cluster", "--cluster-name", cluster_name)["cluster"]["status"] == "ACTIVE"
    definition = tmp_path / "td.json"
    definition.write_text(json.dumps({"family": "api", "containerDefinitions": [CONTAINER]}))
    registered = aws("register-task-definition", "--cli-input-json", f"file://{definition}")
    assert registered["taskDefinition"]["revision"] == 1
    aws("create-service", "--cluster", cluster_name, "--service-name", "api",
        "--task-definition", "api", "--desired-count", "1")
    aws("wait", "services-stable", "--cluster", cluster_name, "--services", "api")
    definition.write_text(json.dumps({"family": "api", "containerDefinitions": [
        {**CONTAINER, "image": "registry.example/web:2"}]}))
    assert aws("register-task-definition", "--cli-input-json", f"file://{definition}")[
        "taskDefinition"]["revision"] == 2
    aws("update-service", "--cluster", cluster_name, "--service", "api", "--task-definition",
        "api:2", "--desired-count", "2")
    aws("wait", "services-stable", "--cluster", cluster_name, "--services", "api")
    service = aws("describe-services", "--cluster", cluster_name, "--services", "api")[
        "services"][0]
    assert (service["runningCount"], service["taskDefinition"]) == \
        (2, f"{ARN_PREFIX}task-definition/api:2")
    assert [d["taskDefinition"] for d in service["deployments"]] == \
        [f"{ARN_PREFIX}task-definition/api:2"]

    task = aws("run-task", "--cluster", cluster_name, "--task-definition", "api:2")[
        "tasks"][0]
    aws("wait", "tasks-running", "--cluster", cluster_name, "--tasks", task["taskArn"])
    assert task["taskArn"] in aws("list-tasks", "--cluster", cluster_name)["taskArns"]
    aws("stop-task", "--cluster", cluster_name, "--task", task["taskArn"])
    aws("wait", "tasks-stopped", "--cluster", cluster_name, "--tasks", task["taskArn"])
    assert aws("describe-tasks", "--cluster", cluster_name, "--tasks", task["taskArn"])[
        "tasks"][0]["stopCode"] == "UserInitiated"

    aws("delete-service", "--cluster", cluster_name, "--service", "api", "--force")
    # A deleted service is MISSING here at once (ECS shows it INACTIVE for a while), so
    # `wait services-inactive` would end in its failure state: list instead.
    wait_for("the service to go", lambda: not aws("list-services", "--cluster", cluster_name)[
        "serviceArns"], timeout=60, interval=1)
    for revision in ("api:1", "api:2"):
        aws("deregister-task-definition", "--task-definition", revision)
    aws("delete-task-definitions", "--task-definitions", "api:1", "api:2")
    assert aws("delete-cluster", "--cluster", cluster_name)["cluster"]["status"] == "INACTIVE"


RBAC_ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": "ecs-reader"},
             "rules": [{"apiGroups": ["ecs.operator.dev"],
                        "resources": ["ecsservices", "ecstasks", "taskdefinitions"],
                        "verbs": ["get", "list"]},
                       {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}


def test_refused_requests_get_ecs_errors(api: ApiProcess, cluster_name: str) -> None:
    admin = Boto3(api.endpoint, "AKIAE2EADMIN", "admin-secret")
    admin("create_cluster", clusterName=cluster_name)
    kubectl("apply", "-n", cluster_name, "-f", "-", input=json.dumps(RBAC_ROLE))
    kubectl("create", "rolebinding", "alice-reads", "-n", cluster_name, "--role=ecs-reader",
            "--user=alice")
    add_key(api.keys_namespace, "AKIAE2EALICE", "alice-secret", "alice", cluster=cluster_name)
    add_key(api.keys_namespace, "AKIAE2EBOB", "bob-secret", "bob", cluster=cluster_name)
    add_key(api.keys_namespace, "AKIAE2EOWNER2", "owner-secret", "ecs-e2e-admin",
            "system:masters", cluster=cluster_name)
    owner = Boto3(api.endpoint, "AKIAE2EOWNER2", "owner-secret")
    alice = Boto3(api.endpoint, "AKIAE2EALICE", "alice-secret")
    bob = Boto3(api.endpoint, "AKIAE2EBOB", "bob-secret")
    wait_for("the new keys", lambda: _known(alice, "list_services", cluster=cluster_name)
             and _known(owner, "list_services", cluster=cluster_name), timeout=20)
    owner("register_task_definition", family="web", containerDefinitions=[CONTAINER])

    def refusal(client: Boto3, operation: str, **params: object) -> EcsError:
        with pytest.raises(EcsError) as refused:
            client(operation, **params)
        return refused.value

    # RBAC decides: alice may read the cluster's services, not create one; bob may do nothing.
    assert alice("list_services", cluster=cluster_name)["serviceArns"] == []
    denied = refusal(alice, "create_service", cluster=cluster_name, serviceName="web",
                     taskDefinition="web")
    assert denied.code == "AccessDeniedException", denied
    denied = refusal(alice, "register_task_definition", family="web",
                     containerDefinitions=[CONTAINER])
    assert (denied.code, denied.status) == ("AccessDeniedException", 400)
    assert "User: alice is not authorized to perform: ecs:RegisterTaskDefinition" in \
        denied.message
    denied = refusal(bob, "list_services", cluster=cluster_name)
    assert (denied.code, denied.status) == ("AccessDeniedException", 400)
    assert "bob" in denied.message

    wrong_secret = Boto3(api.endpoint, "AKIAE2EALICE", "not-alices-secret")
    assert refusal(wrong_secret, "list_services", cluster=cluster_name).code == \
        "InvalidSignatureException"
    unknown = Boto3(api.endpoint, "AKIAE2ENOBODY", "whatever")
    assert refusal(unknown, "list_services", cluster=cluster_name).code == \
        "UnrecognizedClientException"
    expired = refusal(alice, "list_services", cluster=cluster_name, clock_offset=-400)
    assert (expired.code, expired.status) == ("InvalidSignatureException", 403)
    assert expired.message.startswith("Signature expired:")
    ahead = refusal(alice, "list_services", cluster=cluster_name, clock_offset=400)
    assert ahead.code == "InvalidSignatureException"
    unsigned = refusal(alice, "list_services", cluster=cluster_name, unsigned=True)
    assert unsigned.code == "MissingAuthenticationTokenException"

    assert refusal(admin, "list_services", cluster="no-such-cluster").code == \
        "ClusterNotFoundException"
    assert refusal(admin, "update_service", cluster=cluster_name, service="nope",
                   desiredCount=1).code == "ServiceNotFoundException"
    assert refusal(admin, "list_container_instances", cluster=cluster_name).code == \
        "UnknownOperationException"
    # boto3's own validation: a request that breaks ECS's model never reaches the server.
    assert refusal(admin, "describe_services", cluster=cluster_name, services="web").code == \
        "ParamValidationError"



def test_with_a_certificate_the_api_speaks_only_tls(api: ApiProcess,
                                                     tmp_path: pathlib.Path) -> None:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    secure = ApiProcess(free_port(), api.keys_namespace, tmp_path / "api.log", tls=(cert, key))
    try:
        ecs = Boto3(secure.endpoint, "AKIAE2EADMIN", "admin-secret", ca_bundle=cert)
        assert ecs("describe_clusters", clusters=["no-such"])["failures"] == \
            [{"arn": f"{ARN_PREFIX}cluster/no-such", "reason": "MISSING"}]
        plain = Boto3(secure.endpoint.replace("https:", "http:"), "AKIAE2EADMIN",
                      "admin-secret")
        with pytest.raises(AssertionError, match="(Connection|EndpointConnectionError|closed)"):
            plain("list_clusters")
        untrusted = Boto3(secure.endpoint, "AKIAE2EADMIN", "admin-secret")
        with pytest.raises(AssertionError, match="SSL"):
            untrusted("list_clusters")
    finally:
        secure.stop()


def test_the_charts_rbac_is_all_the_api_needs(api: ApiProcess, namespace: str,
                                              cluster_name: str, tmp_path: pathlib.Path) -> None:
    """The API runs with the chart's ServiceAccount token: it reads the keys of the release
    namespace, checks clusters and impersonates; the key's user still needs its own RBAC."""
    release = f"ecs-{namespace[-8:]}"
    installed = helm("install", release, str(ROOT / "charts/ecs-operator"), "-n", namespace,
                     "--set", "api.enabled=true", "--set", "api.region=eu-west-1",
                     "--set-string", "api.accountId=123456789012",
                     "--set", "api.impersonation.users={alice}", "--wait", "--timeout", "90s")
    assert installed.returncode == 0, installed.stderr
    try:
        kubeconfig = tmp_path / "api.kubeconfig"
        service_account_kubeconfig(namespace, f"{release}-ecs-operator-api", kubeconfig)
        Boto3(api.endpoint, "AKIAE2EADMIN", "admin-secret")("create_cluster",
                                                            clusterName=cluster_name)
        kubectl("apply", "-n", cluster_name, "-f", "-", input=json.dumps(RBAC_ROLE))
        kubectl("create", "rolebinding", "alice-reads", "-n", cluster_name,
                "--role=ecs-reader", "--user=alice")
        add_key(namespace, "AKIAE2ECHART", "chart-secret", "alice", cluster=cluster_name)
        add_key(namespace, "AKIAE2EMALLORY", "mallory-secret", "mallory", "system:masters",
                cluster=cluster_name)
        restricted = ApiProcess(free_port(), namespace, tmp_path / "api.log",
                                kubeconfig=kubeconfig)
        try:
            alice = Boto3(restricted.endpoint, "AKIAE2ECHART", "chart-secret")
            assert alice("list_services", cluster=cluster_name)["serviceArns"] == []
            assert alice("describe_clusters", clusters=[cluster_name])["clusters"][0][
                "clusterName"] == cluster_name
            # Only alice may be impersonated (api.impersonation.users): a key naming anyone
            # else, even with an admin's group, is refused by the API server.
            mallory = Boto3(restricted.endpoint, "AKIAE2EMALLORY", "mallory-secret")
            with pytest.raises(EcsError) as refused:
                mallory("list_services", cluster=cluster_name)
            assert refused.value.code == "AccessDeniedException"
        finally:
            restricted.stop()
    finally:
        uninstalled = helm("uninstall", release, "-n", namespace, "--wait")
        assert uninstalled.returncode == 0, uninstalled.stderr
