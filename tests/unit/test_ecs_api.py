"""What the ECS API makes of requests and resources (translate/ecs_api.py)."""

from __future__ import annotations

import pytest

from ecs_operator.translate import ecs_api
from ecs_operator.translate.ecs_shapes import Arns, service, task_definition_revision
from ecs_operator.translate.errors import TranslationError

ARNS = Arns(prefix="arn:aws:ecs:eu-west-1:123456789012:")


@pytest.mark.parametrize("given, namespace", [
    ("prod", "prod"), ("arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "prod"),
    ("team-a-1", "team-a-1"),
])
def test_cluster_namespace(given: str, namespace: str) -> None:
    assert ecs_api.cluster_namespace(given) == namespace


@pytest.mark.parametrize("given", ["Prod", "my_cluster", "x" * 64, "-a", ""])
def test_cluster_names_a_namespace_cannot_have_are_refused(given: str) -> None:
    with pytest.raises(TranslationError, match="namespace"):
        ecs_api.cluster_namespace(given)


def test_a_cluster_counts_its_services_tasks_and_keeps_its_tags() -> None:
    namespace = ecs_api.namespace_manifest("prod", [{"key": "team", "value": "a"}])
    services = [{"status": {"runningCount": 2, "pendingCount": 1}}, {"status": {}}]
    tasks = [{"status": {"lastStatus": "RUNNING"}}, {"status": {"lastStatus": "STOPPED"}},
             {"status": {"lastStatus": "PENDING"}}, {}]
    shaped = ecs_api.cluster(namespace, ARNS.cluster("prod"), services, tasks)
    assert ecs_api.is_cluster(namespace)
    assert {key: shaped[key] for key in ("clusterArn", "clusterName", "status",
                                         "activeServicesCount", "runningTasksCount",
                                         "pendingTasksCount", "tags")} == {
        "clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
        "clusterName": "prod", "status": "ACTIVE", "activeServicesCount": 2,
        "runningTasksCount": 3, "pendingTasksCount": 3,
        "tags": [{"key": "team", "value": "a"}]}


@pytest.mark.parametrize("labels, expected", [({ecs_api.LABEL_CLUSTER: "true"}, True),
                                              ({}, False), (None, False)])
def test_only_labelled_namespaces_are_clusters(labels, expected: bool) -> None:
    assert ecs_api.is_cluster({"metadata": {"name": "x", "labels": labels}}) is expected
    assert ecs_api.is_cluster(None) is False


def test_revision_statuses_move_from_active_to_inactive_to_delete_in_progress() -> None:
    resource = {"metadata": {"name": "web"}}
    assert ecs_api.revision_status(resource, 1) == "ACTIVE"
    resource["metadata"].update(ecs_api.with_revision_status(resource, 1, "INACTIVE"))
    resource["metadata"].update(ecs_api.with_revision_status(resource, 3, "INACTIVE"))
    assert [ecs_api.revision_status(resource, n) for n in (1, 2, 3)] == \
        ["INACTIVE", "ACTIVE", "INACTIVE"]
    resource["metadata"].update(ecs_api.with_revision_status(resource, 1, "DELETE_IN_PROGRESS"))
    assert [ecs_api.revision_status(resource, n) for n in (1, 2, 3)] == \
        ["DELETE_IN_PROGRESS", "ACTIVE", "INACTIVE"]
    assert resource["metadata"]["annotations"] == {ecs_api.ANNOTATION_INACTIVE: "3",
                                                   ecs_api.ANNOTATION_DELETED: "1"}


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:ecs:eu-west-1:123456789012:cluster/prod", ("cluster", "prod", "prod")),
    ("arn:aws:ecs:eu-west-1:123456789012:service/prod/web", ("service", "prod", "web")),
    ("arn:aws:ecs:eu-west-1:123456789012:task/prod/web-x7k2p", ("task", "prod", "web-x7k2p")),
    ("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3",
     ("task-definition", "", "web:3")),
])
def test_resource_of_an_arn(arn: str, expected: tuple) -> None:
    assert ecs_api.resource_of(arn) == expected


@pytest.mark.parametrize("arn", ["web", "arn:aws:s3:::bucket",
                                 "arn:aws:ecs:eu-west-1:1:container-instance/c/abc/def",
                                 "arn:aws:ecs:eu-west-1:1:service/web"])
def test_arns_without_taggable_resources_are_refused(arn: str) -> None:
    with pytest.raises(TranslationError):
        ecs_api.resource_of(arn)


@pytest.mark.parametrize("existing, added, expected", [
    ([], [{"key": "a", "value": "1"}], [{"key": "a", "value": "1"}]),
    ([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}], [{"key": "a", "value": "9"}],
     [{"key": "a", "value": "9"}, {"key": "b", "value": "2"}]),
    ([{"key": "a", "value": "1"}], [{"key": "c"}],
     [{"key": "a", "value": "1"}, {"key": "c", "value": ""}]),
])
def test_tag_resource_merges(existing, added, expected) -> None:
    assert ecs_api.merged_tags(existing, added) == expected


def test_untag_resource_removes_keys() -> None:
    assert ecs_api.without_tags([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
                                ["a", "zzz"]) == [{"key": "b", "value": "2"}]


def test_update_service_changes_are_the_spec_fields_given() -> None:
    changes, dropped = ecs_api.service_changes({
        "cluster": "prod", "service": "web", "desiredCount": 3, "forceNewDeployment": True,
        "deploymentConfiguration": {"maximumPercent": 150}, "vpcLatticeConfigurations": []})
    assert changes == {"desiredCount": 3, "deploymentConfiguration": {"maximumPercent": 150}}
    assert dropped == ["vpcLatticeConfigurations"]


def test_run_task_makes_one_task_manifest() -> None:
    manifest, dropped = ecs_api.task_manifest({
        "cluster": "prod", "taskDefinition": "web", "count": 3, "startedBy": "ci",
        "overrides": {"containerOverrides": [{"name": "app", "command": ["true"]}]},
        "referenceId": "x"}, "Web_App:4")
    assert manifest == {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Task",
                        "metadata": {"generateName": "web-app-"},
                        "spec": {"startedBy": "ci", "taskDefinition": "Web_App:4",
                                 "overrides": {"containerOverrides": [
                                     {"name": "app", "command": ["true"]}]}}}
    assert dropped == ["referenceId"]


def test_service_shape_in_ecs_arns() -> None:
    shaped = service({"metadata": {"name": "web", "namespace": "prod"},
                      "spec": {"taskDefinition": "web:2", "desiredCount": 1},
                      "status": {"taskDefinition": "web:2",
                                 "deployments": [{"id": "ecs-svc/1", "taskDefinition": "web:2"}]}},
                     ARNS)
    prefix = "arn:aws:ecs:eu-west-1:123456789012:"
    assert (shaped["serviceArn"], shaped["clusterArn"], shaped["taskDefinition"],
            shaped["deployments"][0]["taskDefinition"]) == (
        f"{prefix}service/prod/web", f"{prefix}cluster/prod",
        f"{prefix}task-definition/web:2", f"{prefix}task-definition/web:2")


def test_a_revision_shape_leaves_its_tags_out() -> None:
    shaped = task_definition_revision("web", 2, {"family": "web", "cpu": "256",
                                                 "tags": [{"key": "a", "value": "b"}]},
                                      "2026-12-02T19:00:00Z", "INACTIVE", ARNS)
    assert shaped == {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:"
                                           "task-definition/web:2",
                      "family": "web", "cpu": "256", "revision": 2, "status": "INACTIVE",
                      "registeredAt": "2026-12-02T19:00:00Z"}


def test_a_new_revision_not_yet_acted_on_is_a_pending_primary_deployment() -> None:
    steady = {"status": "PRIMARY", "taskDefinition": "web:1", "runningCount": 2,
              "rolloutState": "COMPLETED", "id": "ecs-svc/1"}
    resource = {"metadata": {"name": "web", "namespace": "prod", "generation": 3},
                "spec": {"taskDefinition": "web:2", "desiredCount": 2},
                "status": {"observedGeneration": 2, "deployments": [steady],
                           "runningCount": 2}}
    shaped = service(resource, ARNS)
    assert [(d["status"], d["taskDefinition"], d["runningCount"], d["rolloutState"])
            for d in shaped["deployments"]] == [
        ("PRIMARY", f"{ARNS.prefix}task-definition/web:2", 0, "IN_PROGRESS"),
        ("ACTIVE", f"{ARNS.prefix}task-definition/web:1", 2, "COMPLETED")]
    # Once the operator has seen the change, its status alone speaks.
    seen = {**resource, "status": {**resource["status"], "observedGeneration": 3}}
    assert [d["taskDefinition"] for d in service(seen, ARNS)["deployments"]] == \
        [f"{ARNS.prefix}task-definition/web:1"]
    # A change that asks for no new revision (desiredCount) makes no deployment.
    scaled = {**resource, "spec": {"taskDefinition": "web:1", "desiredCount": 3}}
    assert len(service(scaled, ARNS)["deployments"]) == 1
