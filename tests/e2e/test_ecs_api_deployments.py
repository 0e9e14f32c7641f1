"""ECS's service-deployment operations through the real clients: boto3 and the aws CLI follow
a BLUE_GREEN deployment paused at a PAUSE hook (ListServiceDeployments,
DescribeServiceDeployments, DescribeServiceRevisions), let it go on
(ContinueServiceDeployment) and roll the next one back (StopServiceDeployment)."""

from __future__ import annotations

import pytest

from .cluster import kubectl_json, wait_for
from .ecs_clients import ARN_PREFIX, AwsCli, Boto3, EcsError
from .test_deployments import scaled_operator  # noqa: F401  (bakes last 3 s a minute)
from .test_ecs_api import CONTAINER, _known, add_key, api, cluster_name  # noqa: F401

pytestmark = pytest.mark.e2e
STAGE = "POST_TEST_TRAFFIC_SHIFT"


def revision_arn(cluster: str, revision: str) -> str:
    return f"{ARN_PREFIX}service-revision/{cluster}/web/{revision}"


def paused_deployment(ecs: Boto3, cluster: str, target: str):
    """A wait_for condition: the latest deployment, once it waits at the PAUSE hook."""
    def check() -> dict | None:
        listed = ecs("list_service_deployments", cluster=cluster, service="web")
        latest = listed["serviceDeployments"][0] if listed["serviceDeployments"] else None
        if not latest or latest["targetServiceRevisionArn"] != revision_arn(cluster, target):
            return None
        described = ecs("describe_service_deployments", serviceDeploymentArns=[
            latest["serviceDeploymentArn"]])["serviceDeployments"][0]
        hooks = described.get("lifecycleHookDetails") or []
        waiting = described.get("lifecycleStage") == STAGE and \
            [h["status"] for h in hooks] == ["AWAITING_ACTION"]
        return described if waiting else None
    return check


def finished_as(ecs: Boto3, arn: str, status: str):
    def check() -> dict | None:
        described = ecs("describe_service_deployments",
                        serviceDeploymentArns=[arn])["serviceDeployments"][0]
        return described if described["status"] == status else None
    return check


def test_the_real_clients_follow_continue_and_stop_a_blue_green_deployment(
        scaled_operator, api, cluster_name: str) -> None:  # noqa: F811
    admin = Boto3(api.endpoint, "AKIAE2EADMIN", "admin-secret")
    admin("create_cluster", clusterName=cluster_name)
    add_key(api.keys_namespace, "AKIAE2EBLUEGREEN", "bg-secret", "ecs-e2e-admin",
            "system:masters", cluster=cluster_name)
    ecs = Boto3(api.endpoint, "AKIAE2EBLUEGREEN", "bg-secret")
    aws = AwsCli(api.endpoint, "AKIAE2EBLUEGREEN", "bg-secret")
    wait_for("the new key", lambda: _known(ecs), timeout=20)
    for image in ("web:1", "web:2", "web:3"):
        ecs("register_task_definition", family="web",
            containerDefinitions=[{**CONTAINER, "image": f"registry.example/{image}"}])
    ecs("create_service", cluster=cluster_name, serviceName="web", taskDefinition="web:1",
        desiredCount=2, loadBalancers=[{"containerName": "app", "containerPort": 8080}],
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                 "lifecycleHooks": [{"targetType": "PAUSE",
                                                     "lifecycleStages": [STAGE]}]})
    ecs.wait("services_stable", cluster=cluster_name, services=["web"])

    ecs("update_service", cluster=cluster_name, service="web", taskDefinition="web:2")
    paused = wait_for("web:2 paused at the hook", paused_deployment(ecs, cluster_name, "web:2"),
                      timeout=120, interval=1)
    arn = paused["serviceDeploymentArn"]
    assert arn.startswith(f"{ARN_PREFIX}service-deployment/{cluster_name}/web/")
    assert (paused["status"], paused["serviceArn"], paused["clusterArn"]) == (
        "IN_PROGRESS", f"{ARN_PREFIX}service/{cluster_name}/web",
        f"{ARN_PREFIX}cluster/{cluster_name}")
    assert [s["arn"] for s in paused["sourceServiceRevisions"]] == \
        [revision_arn(cluster_name, "web:1")]
    # Paused after the test traffic shift: green has the test traffic, blue production's.
    assert (paused["targetServiceRevision"]["requestedTestTrafficWeight"],
            paused["targetServiceRevision"]["requestedProductionTrafficWeight"]) == (100.0, 0.0)
    assert paused["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    service = ecs("describe_services", cluster=cluster_name, services=["web"])["services"][0]
    assert service["currentServiceDeployment"] == arn
    assert [r["arn"] for r in service["currentServiceRevisions"]] == \
        [revision_arn(cluster_name, "web:1"), revision_arn(cluster_name, "web:2")]
    revisions = ecs("describe_service_revisions", serviceRevisionArns=[
        revision_arn(cluster_name, "web:2"), revision_arn(cluster_name, "web:1"),
        revision_arn(cluster_name, "web:9")])
    assert [r["taskDefinition"] for r in revisions["serviceRevisions"]] == \
        [f"{ARN_PREFIX}task-definition/web:2", f"{ARN_PREFIX}task-definition/web:1"]
    assert [[(i["containerName"], i["image"]) for i in r["containerImages"]]
            for r in revisions["serviceRevisions"]] == \
        [[(CONTAINER["name"], "registry.example/web:2")],
         [(CONTAINER["name"], "registry.example/web:1")]]
    assert revisions["failures"] == [{"arn": revision_arn(cluster_name, "web:9"),
                                      "reason": "MISSING"}]

    with pytest.raises(EcsError) as wrong_hook:
        ecs("continue_service_deployment", serviceDeploymentArn=arn, hookId="7",
            action="CONTINUE")
    assert wrong_hook.value.code == "InvalidParameterException"
    assert "hook 7 is not awaiting action" in wrong_hook.value.message
    hook_id = paused["lifecycleHookDetails"][0]["hookId"]
    assert aws("continue-service-deployment", "--service-deployment-arn", arn, "--hook-id",
               hook_id, "--action", "CONTINUE") == {"serviceDeploymentArn": arn}
    done = wait_for("web:2 deployed", finished_as(ecs, arn, "SUCCESSFUL"), timeout=120,
                    interval=1)
    assert done["finishedAt"] >= done["createdAt"]
    with pytest.raises(EcsError) as finished:
        ecs("stop_service_deployment", serviceDeploymentArn=arn)
    assert finished.value.code == "ConflictException"

    ecs("update_service", cluster=cluster_name, service="web", taskDefinition="web:3")
    third = wait_for("web:3 paused at the hook", paused_deployment(ecs, cluster_name, "web:3"),
                     timeout=120, interval=1)["serviceDeploymentArn"]
    with pytest.raises(EcsError) as abort:
        ecs("stop_service_deployment", serviceDeploymentArn=third, stopType="ABORT")
    assert abort.value.code == "UnsupportedFeatureException"
    assert aws("stop-service-deployment", "--service-deployment-arn", third,
               "--stop-type", "ROLLBACK") == {"serviceDeploymentArn": third}
    rolled = wait_for("web:3 rolled back", finished_as(ecs, third, "ROLLBACK_SUCCESSFUL"),
                      timeout=120, interval=1)
    assert rolled["rollback"]["serviceRevisionArn"] == revision_arn(cluster_name, "web:2")
    pods = kubectl_json("get", "pods", "-n", cluster_name, "-l", "ecs.operator.dev/service=web")
    assert {p["metadata"]["labels"].get("ecs.operator.dev/revision")
            for p in pods["items"] if not p["metadata"].get("deletionTimestamp")} == {"2"}

    listed = aws("list-service-deployments", "--cluster", cluster_name, "--service", "web")
    assert [d["status"] for d in listed["serviceDeployments"]] == \
        ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]
    assert [d["targetServiceRevisionArn"] for d in listed["serviceDeployments"]] == \
        [revision_arn(cluster_name, r) for r in ("web:3", "web:2", "web:1")]
    only_rolled_back = ecs("list_service_deployments", cluster=cluster_name, service="web",
                           status=["ROLLBACK_SUCCESSFUL"])["serviceDeployments"]
    assert [d["serviceDeploymentArn"] for d in only_rolled_back] == [third]
    first_page = ecs("list_service_deployments", cluster=cluster_name, service="web",
                     maxResults=2)
    rest = ecs("list_service_deployments", cluster=cluster_name, service="web",
               nextToken=first_page["nextToken"])
    assert [d["serviceDeploymentArn"] for d in first_page["serviceDeployments"]
            + rest["serviceDeployments"]] == \
        [d["serviceDeploymentArn"] for d in listed["serviceDeployments"]]
    missing = f"{ARN_PREFIX}service-deployment/{cluster_name}/web/99"
    assert ecs("describe_service_deployments", serviceDeploymentArns=[missing])["failures"] \
        == [{"arn": missing, "reason": "MISSING"}]
