"""kubectl-ecs without a cluster: ECS response shapes, filters, tables, and `import`."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from click.testing import CliRunner

from ecs_operator.kubectl_ecs import app, import_cmds, service_cmds, tables, task_cmds
from ecs_operator.translate import ecs_shapes as shapes
from ecs_operator.kubectl_ecs.waiting import is_steady, service_line

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "ecs"
RS_UID = "0c6a2b1e-5f51-4b8e-9a59-1d2f3e4a5b6c"


@pytest.mark.parametrize("reference,expected", [
    ("web", ("prod", "web")),
    ("other/web", ("other", "web")),
    ("arn:aws:ecs:eu-west-1:111122223333:service/shop/web", ("shop", "web")),
    ("arn:aws:ecs:eu-west-1:111122223333:task/shop/0a1b2c", ("shop", "0a1b2c")),
])
def test_references_name_a_namespace_and_a_name(reference, expected) -> None:
    assert shapes.split_reference(reference, "prod") == expected


def _service_resource(**status: object) -> dict:
    return {"metadata": {"name": "web", "namespace": "prod", "generation": 4,
                         "creationTimestamp": "2026-11-25T10:00:00Z"},
            "spec": {"taskDefinition": "web", "desiredCount": 3, "launchType": "FARGATE",
                     "deploymentConfiguration": {"minimumHealthyPercent": 100}},
            "status": status}


def test_a_service_is_shaped_as_describe_services_shows_it() -> None:
    deployment = {"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "COMPLETED"}
    shaped = shapes.service(_service_resource(
        runningCount=3, pendingCount=0, taskDefinition="web:2", deployments=[deployment],
        events=[{"id": "e", "message": "(service web) has reached a steady state."}],
        unsupportedFields=["x"]))
    assert shaped == {
        "serviceArn": "prod/web", "serviceName": "web", "clusterArn": "prod",
        "status": "ACTIVE", "desiredCount": 3, "runningCount": 3, "pendingCount": 0,
        "taskDefinition": "web:2", "deployments": [deployment],
        "events": [{"id": "e", "message": "(service web) has reached a steady state."}],
        "createdAt": "2026-11-25T10:00:00Z", "launchType": "FARGATE",
        "deploymentConfiguration": {"minimumHealthyPercent": 100}}


def test_a_new_service_without_status_still_has_counts() -> None:
    shaped = shapes.service(_service_resource())
    assert (shaped["runningCount"], shaped["pendingCount"], shaped["taskDefinition"]) == \
        (0, 0, "web")


def test_a_run_task_resource_is_shaped_as_describe_tasks_shows_it() -> None:
    resource = {
        "metadata": {"name": "job-x1", "namespace": "batch",
                     "creationTimestamp": "2026-11-25T10:00:00Z"},
        "spec": {"taskDefinition": "job", "startedBy": "cron", "desiredStatus": "STOPPED"},
        "status": {"taskArn": "batch/job-x1", "taskDefinition": "job:3", "lastStatus": "STOPPED",
                   "desiredStatus": "STOPPED", "healthStatus": "UNKNOWN",
                   "createdAt": "2026-11-25T10:00:01Z", "startedAt": "2026-11-25T10:00:03Z",
                   "stoppedAt": "2026-11-25T10:01:00Z", "stopCode": "UserInitiated",
                   "stoppedReason": "enough",
                   "containers": [{"name": "app", "lastStatus": "STOPPED", "exitCode": 143,
                                   "reason": "Error", "healthStatus": "UNKNOWN",
                                   "essential": True}]}}
    assert shapes.task_from_resource(resource) == {
        "taskArn": "batch/job-x1", "clusterArn": "batch", "taskDefinitionArn": "job:3",
        "group": "family:job", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
        "healthStatus": "UNKNOWN",
        "containers": [{"taskArn": "batch/job-x1", "name": "app", "lastStatus": "STOPPED",
                        "healthStatus": "UNKNOWN", "exitCode": 143, "reason": "Error"}],
        "overrides": {"containerOverrides": []}, "startedBy": "cron",
        "createdAt": "2026-11-25T10:00:01Z", "startedAt": "2026-11-25T10:00:03Z",
        "stoppedAt": "2026-11-25T10:01:00Z", "stopCode": "UserInitiated",
        "stoppedReason": "enough"}


def test_a_task_just_created_is_provisioning() -> None:
    shaped = shapes.task_from_resource({"metadata": {"name": "t", "namespace": "n"},
                                        "spec": {"taskDefinition": "job:2"}})
    assert (shaped["taskArn"], shaped["lastStatus"], shaped["desiredStatus"],
            shaped["taskDefinitionArn"]) == ("n/t", "PROVISIONING", "RUNNING", "job:2")


def _pod(phase: str, ready: bool, probed: bool = True, deleting: bool = False) -> dict:
    meta = {"name": "web-abc", "namespace": "prod", "creationTimestamp": "2026-11-25T10:00:00Z",
            "labels": {"ecs.operator.dev/service": "web"},
            "annotations": {"ecs.operator.dev/task-definition": "web:2"},
            "ownerReferences": [{"kind": "ReplicaSet", "uid": RS_UID}]}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-25T10:05:00Z"
    app = {"name": "app", **({"readinessProbe": {"exec": {"command": ["true"]}}} if probed
                             else {})}
    running = phase == "Running"
    return {"metadata": meta,
            "spec": {"containers": [app], "initContainers": [{"name": "envoy"}]},
            "status": {"phase": phase, "startTime": "2026-11-25T10:00:02Z",
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "initContainerStatuses": [{"name": "envoy", "ready": True,
                                                  "state": {"running": {}}}],
                       "containerStatuses": [{"name": "app", "ready": ready, "state": (
                           {"running": {}} if running else {"waiting": {}})}]}}


@pytest.mark.parametrize("pod,last,desired,health,app_health", [
    (_pod("Pending", False), "PENDING", "RUNNING", "UNKNOWN", "UNKNOWN"),
    (_pod("Running", True), "RUNNING", "RUNNING", "HEALTHY", "HEALTHY"),
    (_pod("Running", False), "RUNNING", "RUNNING", "UNHEALTHY", "UNHEALTHY"),
    (_pod("Running", True, probed=False), "RUNNING", "RUNNING", "UNKNOWN", "UNKNOWN"),
    (_pod("Running", True, deleting=True), "STOPPED", "STOPPED", "UNKNOWN", "HEALTHY"),
], ids=["pending", "healthy", "unhealthy", "no-health-check", "stopping"])
def test_a_service_pod_is_shaped_as_a_task(pod, last, desired, health, app_health) -> None:
    shaped = shapes.task_from_pod(pod)
    assert (shaped["lastStatus"], shaped["desiredStatus"], shaped["healthStatus"]) == \
        (last, desired, health)
    assert shaped["taskArn"] == "prod/web-abc"
    assert shaped["group"] == "service:web"
    assert shaped["taskDefinitionArn"] == "web:2"
    assert shaped["startedBy"].startswith("ecs-svc/")
    assert [c["name"] for c in shaped["containers"]] == ["envoy", "app"]
    assert shaped["containers"][1]["healthStatus"] == app_health


@pytest.mark.parametrize("task,family,started_by,desired,expected", [
    ({"taskDefinitionArn": "web:1", "desiredStatus": "RUNNING"}, None, None, "RUNNING", True),
    ({"taskDefinitionArn": "web:1", "desiredStatus": "RUNNING"}, None, None, "PENDING", True),
    ({"taskDefinitionArn": "web:1", "desiredStatus": "STOPPED"}, None, None, "RUNNING", False),
    ({"taskDefinitionArn": "web:1", "desiredStatus": "RUNNING"}, "api", None, "RUNNING", False),
    ({"taskDefinitionArn": "web:1", "desiredStatus": "RUNNING", "startedBy": "ci"},
     "web", "ci", "RUNNING", True),
    ({"taskDefinitionArn": "web:1", "desiredStatus": "RUNNING"}, None, "ci", "RUNNING", False),
])
def test_list_tasks_filters(task, family, started_by, desired, expected) -> None:
    assert shapes.task_matches(task, family, started_by, desired) is expected


def _steady_service(generation: int, observed: int, steady: str, primary: str) -> dict:
    return {"metadata": {"generation": generation}, "spec": {"desiredCount": 2},
            "status": {"observedGeneration": observed, "runningCount": 2, "pendingCount": 0,
                       "rolloutState": "COMPLETED",
                       "conditions": [{"type": "SteadyState", "status": steady}],
                       "deployments": [{"id": primary, "status": "PRIMARY",
                                        "taskDefinition": "web:1", "runningCount": 2,
                                        "desiredCount": 2, "rolloutState": "COMPLETED"}]}}


@pytest.mark.parametrize("service,not_primary,expected", [
    (_steady_service(2, 2, "True", "ecs-svc/2"), None, True),
    (_steady_service(3, 2, "True", "ecs-svc/2"), None, False),
    (_steady_service(2, 2, "False", "ecs-svc/2"), None, False),
    (_steady_service(2, 2, "True", "ecs-svc/1"), "ecs-svc/1", False),
    (_steady_service(2, 2, "True", "ecs-svc/2"), "ecs-svc/1", True),
], ids=["steady", "generation-not-observed", "not-steady", "old-deployment-still-primary",
        "new-deployment-steady"])
def test_waiting_ends_at_a_steady_state_of_the_right_deployment(service, not_primary,
                                                                expected) -> None:
    assert is_steady(service, not_primary) is expected


def test_progress_line_shows_counts_and_deployments() -> None:
    assert service_line(_steady_service(1, 1, "True", "ecs-svc/9")) == (
        "running 2/2, pending 0, rollout COMPLETED; deployments: PRIMARY ecs-svc/9 web:1 2/2 "
        "COMPLETED")


def test_tables_align_columns() -> None:
    assert tables.table(["A", "LONGER"], [["xyz", 1], [None, "2"]]).splitlines() == [
        "A     LONGER", "xyz   1", "      2"]


def test_services_table_with_only_failures() -> None:
    text = tables.services({"services": [], "failures": [shapes.missing("nope")]})
    assert text.splitlines() == ["FAILURES", "ARN    REASON", "nope   MISSING"]


@pytest.mark.parametrize("values,expected", [
    (("web",), ["web"]), (("web api", "db"), ["web", "api", "db"]), (("a,b",), ["a", "b"]),
])
def test_several_names_as_aws_cli_takes_them(values, expected) -> None:
    assert service_cmds.split_names(values) == expected


def test_import_prints_manifests_and_reports_on_stderr() -> None:
    result = CliRunner().invoke(app.cli, ["import", str(CORPUS / "firelens-fluentbit.json"),
                                          "-n", "shop"])
    assert result.exit_code == 0, result.output
    [manifest] = list(yaml.safe_load_all(result.stdout))
    assert manifest["kind"] == "TaskDefinition"
    assert manifest["metadata"]["name"] == "checkout-firelens"
    assert manifest["metadata"]["namespace"] == "shop"
    assert "TaskDefinition checkout-firelens: not honoured: " \
           "containerDefinitions[0].firelensConfiguration (FireLens" in result.stderr
    assert "read-only, dropped: compatibilities, registeredAt" in result.stderr


@pytest.mark.parametrize("args,code", [
    (["import", str(CORPUS / "windows-iis.json"), "--strict"], 0),
    (["import", str(CORPUS / "legacy-monolith.json"), "--strict"], 3),
    (["import", str(CORPUS / "unknown-fields.json"), "--strict"], 3),
    (["import", str(CORPUS / "legacy-monolith.json")], 0),
], ids=["strict-clean", "strict-unsupported", "strict-dropped", "lenient"])
def test_import_exit_codes(args, code) -> None:
    assert CliRunner().invoke(app.cli, args).exit_code == code


def test_import_of_something_that_is_not_ecs_fails() -> None:
    result = CliRunner().invoke(app.cli, ["import", "-"], input='{"clusters": []}')
    assert result.exit_code == 1
    assert "not an ECS task definition or service" in result.stderr


def test_import_json_output_is_a_list(tmp_path: pathlib.Path) -> None:
    source = tmp_path / "services.json"
    source.write_text((CORPUS / "service-describe-two.json").read_text())
    result = CliRunner().invoke(app.cli, ["import", f"file://{source}", "-o", "json"])
    listed = json.loads(result.stdout)
    assert [(i["kind"], i["metadata"]["name"], i["spec"]["taskDefinition"])
            for i in listed["items"]] == [("Service", "orders-api", "orders-api:7"),
                                          ("Service", "billing", "billing:3")]


@pytest.mark.parametrize("source", ['{"a": 1}', "file://PATH", "PATH"])
def test_read_json_takes_aws_cli_forms(source: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"a": 1}')
    assert import_cmds.read_json(source.replace("PATH", str(path))) == {"a": 1}


def test_every_command_is_registered() -> None:
    assert set(app.cli.commands) == {
        "import", "register-task-definition", "describe-services", "update-service",
        "list-tasks", "describe-tasks", "run-task", "stop-task"}
    assert task_cmds.DESIRED_STATUSES == ("RUNNING", "PENDING", "STOPPED")


@pytest.mark.parametrize("flags,reference", [([], "storefront-web:14"),
                                              (["--track-latest"], "storefront-web")])
def test_imported_services_can_follow_the_latest_revision(flags, reference) -> None:
    source = CORPUS / "service-describe-storefront.json"
    result = CliRunner().invoke(app.cli, ["import", str(source), *flags])
    [manifest] = list(yaml.safe_load_all(result.stdout))
    assert manifest["spec"]["taskDefinition"] == reference
    assert ("pins storefront-web:14" in result.stderr) is (not flags)


def _rolling(primary: str, state: str, steady: str = "False") -> dict:
    service = _steady_service(2, 2, steady, primary)
    service["status"]["deployments"][0]["rolloutState"] = state
    service["status"]["deployments"][0]["rolloutStateReason"] = f"rollout {state}"
    service["status"]["rolloutState"] = state
    return service


@pytest.mark.parametrize("observations,outcome,lines", [
    ([_rolling("ecs-svc/1", "COMPLETED", "True"), _rolling("ecs-svc/2", "IN_PROGRESS"),
      _rolling("ecs-svc/2", "IN_PROGRESS"), _rolling("ecs-svc/2", "COMPLETED", "True")],
     "ecs-svc/2", 4),
    ([_rolling("ecs-svc/1", "COMPLETED", "True"), _rolling("ecs-svc/2", "FAILED")],
     "deployment ecs-svc/2 failed: rollout FAILED", 2),
    ([_rolling("ecs-svc/1", "COMPLETED", "True")] * 3, "within 0s", 1),
], ids=["steady-after-progress", "failed-rollout", "timeout"])
def test_waiting_for_a_forced_deployment(monkeypatch, capsys, observations, outcome,
                                         lines) -> None:
    from ecs_operator.kubectl_ecs import waiting
    seen = iter(observations)
    monkeypatch.setattr(waiting, "get_service", lambda namespace, name: next(seen))
    timeout = 0 if outcome.startswith("within") else 60
    try:
        service = waiting.wait_for_service("prod", "web", timeout, not_primary="ecs-svc/1",
                                           sleep=lambda _: None)
        result = waiting.primary_deployment(service)["id"]
    except waiting.WaitFailed as error:
        result = str(error)
    assert outcome in result
    progress = capsys.readouterr().err.splitlines()
    assert len(progress) == lines  # one line per change (and the steady-state line)


def test_import_warns_that_a_named_cluster_needs_labelled_nodes() -> None:
    result = CliRunner().invoke(app.cli, ["import", str(CORPUS / "service-create-worker.json")])
    assert result.exit_code == 0, result.output
    assert "cluster jobs: its tasks run only on nodes labelled ecs.operator.dev/cluster=<name>" \
        in result.stderr
