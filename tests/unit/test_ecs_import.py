"""ECS JSON -> manifests: every corpus file converts, and its report is exactly as expected."""

from __future__ import annotations

import json
import pathlib

import pytest

from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.ecs_import import ANNOTATION_SOURCE_ARN, ecs_documents, \
    import_documents, import_service, import_task_definition, reason_for, service_name_slug
from ecs_operator.translate.errors import TranslationError
from ecs_operator.translate.pod import pod_spec
from ecs_operator.translate.service import unsupported_service_fields

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "ecs"
FILES = sorted(CORPUS.glob("*.json"))
TASK_DEFINITION_FILES = [f for f in FILES if "service" not in f.name]


def _load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def _leaves(value: object, path: str = "") -> dict[str, object]:
    """Every scalar (and empty container) in a JSON value, by its path."""
    if isinstance(value, dict) and value:
        found: dict[str, object] = {}
        for key, item in value.items():
            found.update(_leaves(item, f"{path}.{key}" if path else key))
        return found
    if isinstance(value, list) and value:
        found = {}
        for index, item in enumerate(value):
            found.update(_leaves(item, f"{path}[{index}]"))
        return found
    return {path: value}


def test_the_corpus_has_at_least_fifteen_task_definitions() -> None:
    assert len(TASK_DEFINITION_FILES) >= 15
    assert all((CORPUS / "expected" / f.name).exists() for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_corpus_file_converts_with_the_exact_report(path: pathlib.Path) -> None:
    result = import_documents([_load(path)])
    expected = _load(CORPUS / "expected" / path.name)
    assert result.failures == []
    got = [{"kind": o.kind, "name": o.name, "unsupported": list(o.unsupported),
            "readOnly": list(o.read_only), "dropped": list(o.dropped),
            "warnings": list(o.warnings)} for o in result.objects]
    assert got == expected["objects"]
    assert [entry.as_report() for entry in result.requires] == expected["requires"]


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_the_report_is_what_the_operator_will_say(path: pathlib.Path) -> None:
    for item in import_documents([_load(path)]).objects:
        spec = item.manifest["spec"]
        if item.kind == "TaskDefinition":
            operator_says = pod_spec(TaskDefinitionSpec.model_validate(spec)).unsupported
        else:
            operator_says = unsupported_service_fields(spec)
        assert list(item.unsupported) == list(operator_says)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_nothing_is_lost_but_read_only_and_dropped_fields(path: pathlib.Path) -> None:
    """Every value of the ECS object is in the manifest, or is named as read-only/dropped."""
    for found, item in zip(ecs_documents(_load(path)), import_documents([_load(path)]).objects):
        kind, ecs, tags = found.kind, found.ecs, found.tags
        kept = _leaves(item.manifest["spec"])
        for leaf, value in _leaves(ecs).items():
            if leaf.split(".")[0].split("[")[0] in item.read_only:
                continue
            if any(leaf == d or leaf.startswith(f"{d}.") or leaf.startswith(f"{d}[")
                   for d in item.dropped):
                continue
            if leaf == "taskDefinition" and kind == "Service":
                assert kept[leaf] == value.rsplit("/", 1)[-1]
                continue
            assert kept.get(leaf, "<missing>") == value, leaf
        assert _leaves({"tags": tags}).items() <= _leaves(
            {"tags": item.manifest["spec"].get("tags", [])}).items()


def test_describe_task_definition_output() -> None:
    found = ecs_documents(_load(CORPUS / "fargate-web-secrets.json"))[0]
    item = import_task_definition(found.ecs, found.tags)
    assert item.manifest["apiVersion"] == "ecs.operator.dev/v1alpha1"
    assert item.manifest["kind"] == "TaskDefinition"
    assert item.manifest["metadata"] == {
        "name": "storefront-web",
        "annotations": {ANNOTATION_SOURCE_ARN:
                        "arn:aws:ecs:eu-west-1:111122223333:task-definition/storefront-web:14"}}
    spec = item.manifest["spec"]
    assert "taskDefinitionArn" not in spec and "revision" not in spec
    assert spec["tags"] == [{"key": "team", "value": "storefront"},
                            {"key": "env", "value": "prod"}]
    assert spec["containerDefinitions"][0]["healthCheck"]["startPeriod"] == 30


@pytest.mark.parametrize("reference,expected", [
    ("arn:aws:ecs:eu-west-1:111122223333:task-definition/storefront-web:14", "storefront-web:14"),
    ("web:3", "web:3"),
    ("web", "web"),
])
def test_service_task_definition_arn_becomes_family_revision(reference, expected) -> None:
    item = import_service({"serviceName": "Web_App", "taskDefinition": reference})
    assert item.manifest["spec"]["taskDefinition"] == expected
    assert item.name == "web-app"
    assert item.manifest["spec"]["serviceName"] == "Web_App"


def test_deployment_safety_fields_are_imported_and_honoured() -> None:
    """alarms, the breaker's resetOnHealthyTask and threshold, and the grace period arrive in
    the manifest as ECS wrote them, none reported or dropped."""
    safety = {"deploymentCircuitBreaker": {
        "enable": True, "rollback": True, "resetOnHealthyTask": False,
        "thresholdConfiguration": {"type": "COUNT", "value": 0}},
        "alarms": {"alarmNames": ["ECSTasksCrashLooping"], "enable": True, "rollback": True},
        "minimumHealthyPercent": 100, "maximumPercent": 200}
    item = import_service({"serviceName": "web", "taskDefinition": "web:1",
                           "healthCheckGracePeriodSeconds": 60,
                           "deploymentConfiguration": safety})
    assert item.manifest["spec"]["deploymentConfiguration"] == safety
    assert item.manifest["spec"]["healthCheckGracePeriodSeconds"] == 60
    assert (item.unsupported, item.dropped) == ((), ())


@pytest.mark.parametrize("document,kinds", [
    ({"taskDefinition": {"family": "a", "containerDefinitions": []}}, ["TaskDefinition"]),
    ({"services": [{"serviceName": "a"}, {"serviceName": "b"}], "failures": []},
     ["Service", "Service"]),
    ({"service": {"serviceName": "a"}}, ["Service"]),
    ({"family": "a", "containerDefinitions": []}, ["TaskDefinition"]),
    ({"serviceName": "a", "taskDefinition": "a"}, ["Service"]),
], ids=["describe-task-definition", "describe-services", "create-service-output",
        "register-input", "create-service-input"])
def test_document_shapes_are_recognised(document, kinds) -> None:
    assert [found.kind for found in ecs_documents(document)] == kinds


@pytest.mark.parametrize("document,message", [
    ({"clusters": []}, "not an ECS task definition or service"),
    ({"taskDefinition": {"containerDefinitions": [{"name": "a", "image": "b"}]}},
     "family: required"),
    ({"serviceName": "web", "taskDefinition": "arn:aws:ecs:us-east-1:1:service/x/web"},
     "is not a task definition ARN"),
    ({"family": "web", "containerDefinitions": [{"name": "a", "image": "b", "cpu": "lots"}]},
     "containerDefinitions[0].cpu: must be an integer"),
], ids=["unknown-document", "no-family", "service-arn-as-task-definition", "invalid-type"])
def test_what_cannot_be_converted_is_a_named_failure(document, message) -> None:
    result = import_documents([document])
    assert result.objects == []
    assert len(result.failures) == 1 and message in str(result.failures[0])


@pytest.mark.parametrize("path,reason", [
    ("taskRoleArn", "ServiceAccount"),
    ("containerDefinitions[1].logConfiguration", "stdout/stderr"),
    ("containerDefinitions[0].linuxParameters.sharedMemorySize", "/dev/shm"),
    ("deploymentController.type: CODE_DEPLOY", "ECS deployment controller"),
    ("containerDefinitions[0].logConfiguration.futureLogOption", "not honoured"),
])
def test_unsupported_fields_come_with_a_reason(path, reason) -> None:
    assert reason in reason_for(path)


@pytest.mark.parametrize("name,slug", [("web", "web"), ("Queue_Worker", "queue-worker"),
                                       ("a.b", "a-b")])
def test_service_names_become_dns_labels(name, slug) -> None:
    assert service_name_slug(name) == slug


def test_service_name_too_long_is_refused() -> None:
    with pytest.raises(TranslationError, match="cannot be used as a Kubernetes name"):
        service_name_slug("x" * 64)
