"""The CRDs and the models hold ECS's own rules: their enums are botocore's (from the committed
table hack/generate_ecs_shapes.py writes), and every CEL rule has the Python twin the importer
runs, which agrees with the rule on the documents below."""

from __future__ import annotations

import types
import typing

import pytest
from pydantic import BaseModel

from ecs_operator.crds import service, task_definition
from ecs_operator.crds.schema import nullable_fields
from ecs_operator.models.ecs_shapes import ROOTS, SHAPES
from ecs_operator.models.task_definition import TaskDefinitionSpec
from ecs_operator.translate.crd_check import RULE_CHECKS, spec_problems

# Where we knowingly accept more than botocore's enum, and why (docs/migration.md).
WIDER = {
    # Windows task definitions carry "default"; ECS accepts it though its model omits it.
    "networkMode": {"default"},
    # ECS's own documents write TCP/UDP too; the operator reads the protocol case-blind.
    "protocol": {"TCP", "UDP"},
}
# deploymentConfiguration and deploymentController belong to the deployment work (branch
# `deploy`); its enums are checked there.
ELSEWHERE = ("deploymentConfiguration", "deploymentController")


def _enum_pairs(schema: dict, shape_name: str, path: str):
    shape = SHAPES.get(shape_name, {})
    if "enum" in schema:
        yield path, set(schema["enum"]) - {None}, set(shape.get("enum", []))
    if "members" in shape:
        for name, child in (schema.get("properties") or {}).items():
            if name in shape["members"] and name not in ELSEWHERE:
                yield from _enum_pairs(child, shape["members"][name], f"{path}.{name}")
    if "list" in shape and isinstance(schema.get("items"), dict):
        yield from _enum_pairs(schema["items"], shape["list"], f"{path}[]")


CRD_ENUMS = [pair for kind, spec in (("TaskDefinition", task_definition.SPEC),
                                     ("Service", service.SPEC))
             for pair in _enum_pairs(spec, ROOTS[kind][0], kind)]


def test_every_crd_enum_is_compared() -> None:
    assert len(CRD_ENUMS) >= 15


@pytest.mark.parametrize(("path", "crd", "ecs"), CRD_ENUMS, ids=[p for p, _, _ in CRD_ENUMS])
def test_crd_enums_are_ecs_enums(path: str, crd: set, ecs: set) -> None:
    assert ecs, f"{path}: botocore has no enum here; the CRD must not invent one"
    assert crd - ecs == WIDER.get(path.rsplit(".", 1)[-1], set())
    assert ecs - crd == set(), f"{path}: ECS accepts {sorted(ecs - crd)}, the CRD refuses them"


def _model_enums(model: type[BaseModel], shape_name: str, path: str):
    members = SHAPES[shape_name]["members"]
    for name, info in model.model_fields.items():
        if name not in members:
            continue
        yield from _annotation_enums(info.annotation, members[name], f"{path}.{name}")


def _annotation_enums(annotation, shape_name: str, path: str):
    shape = SHAPES.get(shape_name, {})
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for arg in (typing.get_args(annotation) if union else (annotation,)):
        inner = typing.get_args(arg)[0] if typing.get_origin(arg) is typing.Annotated else arg
        if typing.get_origin(inner) is typing.Literal:
            yield path, set(typing.get_args(inner)), set(shape.get("enum", []))
        elif typing.get_origin(inner) is list and "list" in shape:
            yield from _annotation_enums(typing.get_args(inner)[0], shape["list"], f"{path}[]")
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and "members" in shape:
            yield from _model_enums(inner, shape_name, path)


MODEL_ENUMS = list(_model_enums(TaskDefinitionSpec, ROOTS["TaskDefinition"][0],
                                "TaskDefinitionSpec"))


@pytest.mark.parametrize(("path", "model", "ecs"), MODEL_ENUMS,
                         ids=[p for p, _, _ in MODEL_ENUMS])
def test_model_enums_are_ecs_enums(path: str, model: set, ecs: set) -> None:
    assert model - ecs == WIDER.get(path.rsplit(".", 1)[-1], set()) - {"TCP", "UDP"}
    assert ecs - model == set()


def test_model_enums_are_compared() -> None:
    assert len(MODEL_ENUMS) >= 15


def _rules(schema: dict):
    yield from schema.get("x-kubernetes-validations", [])
    for child in (schema.get("properties") or {}).values():
        yield from _rules(child)
    if isinstance(schema.get("items"), dict):
        yield from _rules(schema["items"])


ALL_RULES = [rule for spec in (task_definition.SPEC, service.SPEC) for rule in _rules(spec)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r["message"][:40] for r in ALL_RULES])
def test_every_cel_rule_has_a_python_twin_and_a_field_path(rule: dict) -> None:
    assert rule["rule"] in RULE_CHECKS
    assert rule.get("fieldPath", "").startswith(".")


def test_no_rule_compares_health_check_timeout_with_interval() -> None:
    assert not any("timeout" in rule["rule"] for rule in ALL_RULES)


WEB = {"name": "web", "image": "nginx"}


@pytest.mark.parametrize(("kind", "spec", "field"), [
    ("TaskDefinition", {"containerDefinitions": [WEB, WEB]}, "containerDefinitions"),
    ("TaskDefinition", {"containerDefinitions": [{**WEB, "essential": False}]},
     "containerDefinitions"),
    ("TaskDefinition", {"requiresCompatibilities": ["FARGATE"],
                        "containerDefinitions": [{**WEB, "stopTimeout": 300}]},
     "containerDefinitions"),
    ("Service", {"taskDefinition": "web", "placementConstraints": [{"type": "memberOf"}]},
     "placementConstraints[0].expression"),
    ("Service", {"taskDefinition": "web", "placementStrategy": [{"type": "binpack",
                                                                 "field": "disk"}]},
     "placementStrategy[0].field"),
    ("Service", {"taskDefinition": "web", "schedulingStrategy": "DAEMON",
                 "autoScaling": {"minCapacity": 1, "maxCapacity": 2,
                                 "targetTrackingScalingPolicies": [{
                                     "predefinedMetricSpecification": {
                                         "predefinedMetricType":
                                             "ECSServiceAverageCPUUtilization"},
                                     "targetValue": 50}]}}, "autoScaling"),
])
def test_rules_refuse_with_the_field(kind: str, spec: dict, field: str) -> None:
    assert [problem.field for problem in spec_problems(kind, spec)] == [field]


@pytest.mark.parametrize(("kind", "spec"), [
    ("TaskDefinition", {"containerDefinitions": [{**WEB, "stopTimeout": 300}]}),
    ("TaskDefinition", {"containerDefinitions": [{**WEB, "healthCheck": {
        "command": ["CMD", "true"], "interval": 5, "timeout": 60}}]}),
    ("Service", {"taskDefinition": "web", "placementConstraints": [
        {"type": "distinctInstance"}]}),
])
def test_what_ecs_accepts_passes(kind: str, spec: dict) -> None:
    assert spec_problems(kind, spec) == []


def test_null_fields_are_nullable_except_enums_and_kept_ones() -> None:
    schema = nullable_fields(service.SPEC, keep=("desiredCount",))
    assert schema["properties"]["loadBalancers"]["nullable"] is True
    assert "nullable" not in schema["properties"]["desiredCount"]
    assert "nullable" not in schema["properties"]["schedulingStrategy"]
