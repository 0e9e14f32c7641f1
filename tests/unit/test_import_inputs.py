"""Documents as users really have them: what `kubectl ecs import` makes of each, and the
messages, report and exit codes it gives. Pure functions and the CLI in process."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from ecs_operator.kubectl_ecs import app, import_cmds  # noqa: F401 (registers `import`)
from ecs_operator.translate.ecs_documents import without_nulls
from ecs_operator.translate.ecs_fields import misspellings, respelled
from ecs_operator.translate.ecs_import import ImportOptions, SourceDocument, import_documents
from ecs_operator.translate.placeholders import placeholders

WEB = {"name": "web", "image": "nginx:1.27", "memory": 128}


def task_definition(**fields) -> dict:
    return {"family": "web", "containerDefinitions": [dict(WEB)], **fields}


def with_container(**fields) -> dict:
    return {"family": "web", "containerDefinitions": [{**WEB, **fields}]}


def only_failure(document, options: ImportOptions | None = None):
    result = import_documents([document], options)
    assert result.objects == []
    [failure] = result.failures
    return failure


def only_object(document, options: ImportOptions | None = None):
    result = import_documents([document], options)
    assert result.failures == []
    [item] = result.objects
    return item


# --- null, bare arrays, names ------------------------------------------------------------

def test_null_is_absent_at_every_depth() -> None:
    document = {"taskDefinition": {**task_definition(volumes=None, cpu=None),
                                   "containerDefinitions": [{**WEB, "entryPoint": None,
                                                             "ulimits": None,
                                                             "portMappings": [{
                                                                 "containerPort": 80,
                                                                 "hostPort": None}]}]}}
    item = only_object(document)
    assert item.manifest["spec"] == {"family": "web", "containerDefinitions": [
        {**WEB, "portMappings": [{"containerPort": 80}]}]}
    assert item.dropped == () and item.unsupported == ()
    assert without_nulls([{"a": None, "b": [{"c": None}]}]) == [{"b": [{}]}]


@pytest.mark.parametrize(("document", "options", "family"), [
    pytest.param([WEB], ImportOptions(family="from-flag"), "from-flag", id="bare-array"),
    pytest.param({"containerDefinitions": [WEB]}, ImportOptions(family="from-flag"),
                 "from-flag", id="register-input-without-family"),
    pytest.param(task_definition(), ImportOptions(family="ignored"), "web",
                 id="the-document-family-wins"),
])
def test_family_comes_from_the_flag_when_the_document_has_none(document, options,
                                                               family) -> None:
    assert only_object(document, options).manifest["spec"]["family"] == family


@pytest.mark.parametrize(("document", "field", "fix"), [
    pytest.param([WEB], "family", "--family NAME", id="bare-array"),
    pytest.param({"containerDefinitions": [WEB]}, "family", "--family NAME", id="no-family"),
    pytest.param(with_container(image=""), "containerDefinitions[0].image",
                 "--image web=IMAGE", id="empty-image"),
    pytest.param({"family": "web", "containerDefinitions": [{"name": "web"}]},
                 "containerDefinitions[0].image", "--image web=IMAGE", id="no-image"),
    pytest.param({"desiredCount": 2, "launchType": "FARGATE"}, "serviceName", "--name NAME",
                 id="ecspresso-service-without-name"),
    pytest.param({"serviceName": "web", "desiredCount": 2}, "taskDefinition", "--family NAME",
                 id="service-without-task-definition"),
])
def test_what_a_flag_supplies_is_named_with_the_flag(document, field, fix) -> None:
    failure = only_failure(document)
    assert failure.field == field
    assert fix in failure.fix


def test_image_flag_fills_and_overrides_images() -> None:
    document = {"family": "web", "containerDefinitions": [
        {"name": "web", "image": ""}, {"name": "log", "image": "fluent-bit:3"}]}
    item = only_object(document, ImportOptions(images={"web": "nginx:1", "log": "fluent:4"}))
    assert [c["image"] for c in item.manifest["spec"]["containerDefinitions"]] == \
        ["nginx:1", "fluent:4"]


def test_service_name_defaults_to_the_file_stem_then_the_flag() -> None:
    document = {"taskDefinition": "web:3", "desiredCount": 1}
    from_stem = only_object(SourceDocument("svc.json", document, "Api_Service"))
    assert (from_stem.name, from_stem.manifest["spec"]["serviceName"]) == \
        ("api-service", "Api_Service")
    from_flag = only_object(SourceDocument("svc.json", document, "stem"),
                            ImportOptions(name="named"))
    assert from_flag.name == "named"


def test_ecspresso_service_file_takes_its_task_definition_from_family() -> None:
    item = only_object({"desiredCount": 1, "launchType": ""},
                       ImportOptions(name="api", family="api-task"))
    assert item.manifest["spec"] == {"desiredCount": 1, "serviceName": "api",
                                     "taskDefinition": "api-task"}
    assert any("launchType: the empty string read as absent" in w for w in item.warnings)


def test_network_mode_default_is_the_pod_network() -> None:
    item = only_object(task_definition(networkMode="default"))
    assert item.unsupported == ()


def test_numbers_written_as_strings_read_as_numbers() -> None:
    item = only_object(with_container(portMappings=[{"containerPort": "3000"}],
                                      essential="true"))
    container = item.manifest["spec"]["containerDefinitions"][0]
    assert container["portMappings"] == [{"containerPort": 3000}]
    assert container["essential"] is True
    assert len(item.warnings) == 2


# --- placeholders ------------------------------------------------------------------------

@pytest.mark.parametrize(("document", "field", "text"), [
    pytest.param(with_container(image="${IMAGE}"), "containerDefinitions[0].image", "${IMAGE}",
                 id="dollar-brace-image"),
    pytest.param(with_container(image="123.dkr.ecr.<region>.amazonaws.com/app:1"),
                 "containerDefinitions[0].image", "<region>", id="angle-in-image"),
    pytest.param(task_definition(family="{{ family }}"), "family", "{{ family }}",
                 id="mustache-family"),
    pytest.param(task_definition(family="#{Family}"), "family", "#{Family}", id="octopus"),
    pytest.param(task_definition(family="%FAMILY%"), "family", "%FAMILY%", id="percent"),
    pytest.param(with_container(secrets=[{"name": "A", "valueFrom": "$$$SECRET$$$"}]),
                 "containerDefinitions[0].secrets[0].valueFrom", "$$$SECRET$$$",
                 id="ecs-agent-dollars"),
    pytest.param(task_definition(taskRoleArn="{{role}}"), "taskRoleArn", "{{role}}",
                 id="whole-value-in-an-unused-field"),
    pytest.param(with_container(command=["{{command}}"]), "containerDefinitions[0].command[0]",
                 "{{command}}", id="whole-command-element"),
])
def test_a_placeholder_in_a_used_field_is_a_failure_naming_it(document, field, text) -> None:
    failure = only_failure(document)
    assert failure.field == field
    assert text in failure.message
    assert text in failure.fix


def test_placeholders_name_the_flag_that_fills_them() -> None:
    assert "--image web=IMAGE" in only_failure(with_container(image="${IMAGE}")).fix
    assert "--family NAME" in only_failure(task_definition(family="<FAMILY>")).fix


def test_a_placeholder_is_named_before_a_missing_field() -> None:
    failure = only_failure({"desiredCount": 1, "loadBalancers": [
        {"targetGroupArn": "{{ tfstate `arn` }}", "containerName": "web",
         "containerPort": 80}]}, ImportOptions(name="web"))
    assert failure.field == "loadBalancers[0].targetGroupArn"


@pytest.mark.parametrize(("document", "warned"), [
    pytest.param(with_container(environment=[{"name": "KEY", "value": "<API_KEY>"}]), True,
                 id="free-text-env-warns"),
    pytest.param(with_container(command=["sh", "-c", "exec app --port ${PORT}"]), False,
                 id="shell-expansion-in-a-command-is-not-a-placeholder"),
    pytest.param(task_definition(executionRoleArn="arn:aws:iam::${ACCOUNT}:role/x"), True,
                 id="inside-an-unused-arn-warns"),
])
def test_placeholders_in_free_text_are_warnings(document, warned) -> None:
    item = only_object(document)
    assert any("template placeholder" in w for w in item.warnings) is warned


def test_placeholder_walk_reports_each_field() -> None:
    found = placeholders({"a": "${x}", "b": [{"c": "plain"}, {"d": "{{ y }}"}]})
    assert [(p.field, p.text) for p in found] == [("a", "${x}"), ("b[1].d", "{{ y }}")]


# --- names checked against botocore's model -----------------------------------------------

@pytest.mark.parametrize(("kind", "document", "expected"), [
    pytest.param("Service", {"deploymentConfiguration": {"alarms": {"alarmnames": []}}},
                 [("deploymentConfiguration.alarms.alarmnames", "alarmNames")],
                 id="alarmnames"),
    pytest.param("TaskDefinition", {"containerDefinitions": [{"portMapping": []}]},
                 [("containerDefinitions[0].portMapping", "portMappings")],
                 id="near-miss"),
    pytest.param("TaskDefinition", {"futureTaskField": 1, "family": "x"}, [],
                 id="unrelated-unknown-is-not-a-misspelling"),
    pytest.param("TaskDefinition", {"taskDefinitionArn": "a", "registeredAt": "t"}, [],
                 id="read-only-fields-are-known"),
])
def test_misspellings_name_the_right_spelling(kind, document, expected) -> None:
    assert [(m.field, m.meant) for m in misspellings(kind, document)] == expected


def test_case_only_differences_are_read_as_ecs_spells_them_with_a_warning() -> None:
    fixed, renamed = respelled("TaskDefinition", {"Tags": [{"key": "a", "value": "b"}],
                                                  "containerDefinitions": [{"Name": "x"}]})
    assert fixed == {"tags": [{"key": "a", "value": "b"}], "containerDefinitions": [{"name": "x"}]}
    assert [m.meant for m in renamed] == ["tags", "name"]
    item = only_object({**task_definition(), "NetworkMode": "host"})
    assert item.manifest["spec"]["networkMode"] == "host"
    assert any("NetworkMode: read as networkMode" in w for w in item.warnings)


def test_a_near_miss_fails_with_did_you_mean() -> None:
    failure = only_failure(with_container(portMapping=[{"containerPort": 80}]))
    assert failure.field == "containerDefinitions[0].portMapping"
    assert "did you mean portMappings?" in failure.message
    assert failure.fix.startswith("rename portMapping to portMappings")


# --- what the CRD refuses is refused first, naming the field -------------------------------

@pytest.mark.parametrize(("document", "field", "words"), [
    pytest.param(with_container(healthCheck={"command": ["CMD", "x"], "timeout": 61}),
                 "containerDefinitions[0].healthCheck.timeout", "2 to 60", id="timeout-range"),
    pytest.param({"family": "web", "containerDefinitions": [WEB, WEB]}, "containerDefinitions",
                 "must be unique", id="duplicate-names"),
    pytest.param(task_definition(requiresCompatibilities=["FARGATE"],
                                 containerDefinitions=[{**WEB, "stopTimeout": 121}]),
                 "containerDefinitions", "120", id="fargate-stop-timeout"),
    pytest.param(task_definition(networkMode="overlay"), "networkMode", "one of ECS's values",
                 id="network-mode-enum"),
    pytest.param({"serviceName": "web", "taskDefinition": "web", "schedulingStrategy": "DAEMON",
                  "placementStrategy": [{"type": "random"}]}, "placementStrategy",
                 "DAEMON", id="daemon-strategy"),
])
def test_crd_refusals_name_the_ecs_field(document, field, words) -> None:
    failure = only_failure(document)
    assert failure.field == field
    assert words in failure.message + failure.fix


def test_timeout_above_interval_is_accepted_as_ecs_does() -> None:
    only_object(with_container(healthCheck={"command": ["CMD", "x"], "interval": 5,
                                            "timeout": 10}))


def test_unprefixed_health_check_is_a_warning() -> None:
    item = only_object(with_container(healthCheck={"command": ["/healthcheck"]}))
    assert any("no \"CMD\" or \"CMD-SHELL\" prefix" in w for w in item.warnings)


# --- secrets the tasks need ---------------------------------------------------------------

def test_secrets_become_requirements_with_the_command_to_create_them() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:1:secret:prod/db-AbC123"
    document = with_container(secrets=[
        {"name": "DB_USER", "valueFrom": f"{arn}:username::"},
        {"name": "DB_PASS", "valueFrom": f"{arn}:password::"},
        {"name": "TOKEN", "valueFrom": "/app/api/TOKEN"}])
    result = import_documents([document], ImportOptions(namespace="shop"))
    assert [entry.as_report() for entry in result.requires] == [
        {"kind": "Secret", "name": "prod-db", "keys": ["username", "password"],
         "command": "kubectl create secret generic prod-db -n shop "
                    "--from-literal=username=... --from-literal=password=...",
         "why": "web: DB_USER from Secrets Manager secret prod/db-AbC123, JSON key username; "
                "web: DB_PASS from Secrets Manager secret prod/db-AbC123, JSON key password"},
        {"kind": "Secret", "name": "app-api-token", "keys": ["TOKEN"],
         "command": "kubectl create secret generic app-api-token -n shop "
                    "--from-literal=TOKEN=...",
         "why": "web: TOKEN from SSM parameter /app/api/TOKEN"}]
    env = result.objects[0].manifest["spec"]["containerDefinitions"][0]["secrets"]
    assert env[0]["valueFrom"] == f"{arn}:username::"  # the manifest keeps ECS's reference


def test_shared_and_efs_volumes_are_required_claims() -> None:
    document = task_definition(volumes=[
        {"name": "cache", "dockerVolumeConfiguration": {"scope": "shared"}},
        {"name": "Files", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}},
        {"name": "tmp"}])
    result = import_documents([document])
    assert [(e.kind, e.name) for e in result.requires] == [
        ("PersistentVolumeClaim", "cache"), ("PersistentVolumeClaim", "files")]


# --- the command line ---------------------------------------------------------------------

def run(tmp_path: pathlib.Path, content: str | bytes, *flags: str, name: str = "in.json"):
    source = tmp_path / name
    source.write_bytes(content if isinstance(content, bytes) else content.encode())
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app.cli, ["import", str(source), *flags, "--report",
                                          str(report)])
    return result, json.loads(report.read_text()) if report.exists() else None


def test_a_byte_order_mark_is_ignored(tmp_path: pathlib.Path) -> None:
    result, report = run(tmp_path, b"\xef\xbb\xbf" + json.dumps(task_definition()).encode())
    assert result.exit_code == 0
    assert report["objects"][0]["name"] == "web"


def test_the_report_has_objects_requires_and_failures(tmp_path: pathlib.Path) -> None:
    document = with_container(secrets=[{"name": "A", "valueFrom": "/p/a"}],
                              healthCheck={"command": ["/ok"]}, ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": 2048}])
    result, report = run(tmp_path, json.dumps(document), "-n", "ns")
    assert result.exit_code == 0
    [entry] = report["objects"]
    assert set(entry) == {"kind", "name", "unsupported", "dropped", "readOnly", "warnings"}
    assert entry["unsupported"] == ["containerDefinitions[0].ulimits"]
    assert report["requires"] == [{"kind": "Secret", "name": "p-a", "keys": ["A"],
                                   "command": "kubectl create secret generic p-a -n ns "
                                              "--from-literal=A=...",
                                   "why": "web: A from SSM parameter /p/a"}]
    assert report["failures"] == []
    assert "kubectl create secret generic p-a -n ns" in result.stderr


@pytest.mark.parametrize(("content", "flags", "code", "field"), [
    pytest.param(json.dumps([WEB]), (), 1, "family", id="bare-array-without-family"),
    pytest.param(json.dumps([WEB]), ("--family", "web"), 0, None, id="bare-array-with-family"),
    pytest.param('{"family": "${family}", ', (), 1, "", id="unrendered-template-not-json"),
    pytest.param(json.dumps(with_container(image="")), ("--image", "web=nginx"), 0, None,
                 id="image-flag"),
    pytest.param(json.dumps(with_container(ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": 2048}])), ("--strict",), 3,
                 None,
                 id="strict-not-honoured"),
])
def test_exit_codes_and_failures(tmp_path: pathlib.Path, content, flags, code, field) -> None:
    result, report = run(tmp_path, content, *flags)
    assert result.exit_code == code
    if field is None:
        assert report["failures"] == []
    else:
        [failure] = report["failures"]
        assert set(failure) == {"document", "field", "message", "fix"}
        assert failure["field"] == field and failure["fix"]


def test_image_flag_must_name_a_container_and_image(tmp_path: pathlib.Path) -> None:
    result, _ = run(tmp_path, json.dumps(task_definition()), "--image", "web")
    assert result.exit_code == 2
    assert "CONTAINER=IMAGE" in result.stderr
