"""The CRDs' admission rules, run by pure code on a manifest's spec before it is printed. Pure.

``kubectl ecs import`` checks every manifest against the same schema the API server enforces
(types, enums, ranges, patterns, list sizes, required fields) and the CEL rules, each
re-stated here as a Python predicate (``RULE_CHECKS``; a unit test fails when a CRD rule has
none). So the import names the ECS field and the fix instead of leaving the user with the
API server's message. Defaults are applied the way the API server applies them before CEL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..crds import placement, service, task_definition

Check = Callable[[dict], bool]


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    fix: str


def _unique_names(spec: dict) -> bool:
    names = [c.get("name") for c in spec.get("containerDefinitions", [])]
    return len(names) == len(set(names))


def _one_essential(spec: dict) -> bool:
    return any(c.get("essential", True) for c in spec.get("containerDefinitions", []))


def _fargate_stop_timeout(spec: dict) -> bool:
    if "FARGATE" not in spec.get("requiresCompatibilities", []):
        return True
    return all(c.get("stopTimeout", 0) <= 120 for c in spec.get("containerDefinitions", []))


def _progress(spec: dict) -> bool:
    config = spec.get("deploymentConfiguration")
    desired = spec.get("desiredCount", 1)
    if config is None or desired == 0 or "autoScaling" in spec \
            or spec.get("schedulingStrategy") == "DAEMON":
        return True
    maximum = desired * config.get("maximumPercent", 200) // 100
    minimum = math.ceil(desired * config.get("minimumHealthyPercent", 100) / 100)
    return maximum - minimum >= 1


def _daemon_without(field: str) -> Check:
    def check(spec: dict) -> bool:
        return spec.get("schedulingStrategy") != "DAEMON" or not spec.get(field)
    return check


RULE_CHECKS: dict[str, Check] = {
    task_definition.UNIQUE_NAMES_RULE[0]: _unique_names,
    task_definition.ESSENTIAL_RULE[0]: _one_essential,
    task_definition.FARGATE_STOP_TIMEOUT_RULE[0]: _fargate_stop_timeout,
    service.PROGRESS_RULE[0]: _progress,
    service.DAEMON_STRATEGY_RULE[0]: _daemon_without("placementStrategy"),
    service.DAEMON_AUTOSCALING_RULE[0]: lambda spec: (
        spec.get("schedulingStrategy") != "DAEMON" or "autoScaling" not in spec),
    service.CAPACITY_RULE[0]: lambda scaling: scaling["minCapacity"] <= scaling["maxCapacity"],
    placement.MEMBER_OF_RULE[0]: lambda item: (
        item["type"] != "memberOf" or bool(item.get("expression"))),
    placement.DISTINCT_INSTANCE_RULE[0]: lambda item: (
        item["type"] != "distinctInstance" or "expression" not in item),
    placement.BINPACK_RULE[0]: lambda item: (
        item["type"] != "binpack" or item.get("field") in ("cpu", "memory", "CPU", "MEMORY")),
    placement.SPREAD_RULE[0]: lambda item: item["type"] != "spread" or bool(item.get("field")),
}

_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list}


def spec_problems(kind: str, spec: dict) -> list[Problem]:
    schema = task_definition.SPEC if kind == "TaskDefinition" else service.SPEC
    return _check(spec, schema, "")


def _check(value: object, schema: dict, path: str) -> list[Problem]:
    problems = _type_problems(value, schema, path)
    if problems:
        return problems
    problems = _scalar_problems(value, schema, path)
    if isinstance(value, dict) and not schema.get("x-kubernetes-preserve-unknown-fields"):
        problems += _object_problems(value, schema, path)
    if isinstance(value, list) and "items" in schema:
        problems += _list_problems(value, schema, path)
    if not problems:
        problems += _rule_problems(_defaulted(value, schema), schema, path)
    return problems


def _type_problems(value: object, schema: dict, path: str) -> list[Problem]:
    if schema.get("x-kubernetes-int-or-string"):
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
        wanted = "a number or a string"
    elif schema.get("type") == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        wanted = "an integer"
    elif schema.get("type") == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        wanted = "a number"
    elif schema.get("type") in _TYPES:
        ok = isinstance(value, _TYPES[schema["type"]])
        wanted = {"string": "a string", "boolean": "true or false", "object": "an object",
                  "array": "a list"}[schema["type"]]
    else:
        return []
    if ok:
        return []
    return [Problem(path, f"must be {wanted}, not {value!r}", f"make {path} {wanted}")]


def _scalar_problems(value: object, schema: dict, path: str) -> list[Problem]:
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        problems.append(Problem(path, f"{value!r} is not one of ECS's values ({allowed})",
                                f"set {path} to one of: {allowed}"))
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = _bounds(low, high)
            problems.append(Problem(path, f"{value} is out of range: ECS allows {bounds}",
                                    f"set {path} to {bounds}"))
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(Problem(path, f"{value!r} does not match ECS's rule "
                                    f"{schema['pattern']}", f"change {path}: "
                                    + _pattern_hint(schema)))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(Problem(path, f"longer than {schema['maxLength']} characters",
                                    f"shorten {path}"))
    return problems


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _pattern_hint(schema: dict) -> str:
    return schema.get("description", "see kubectl explain").rstrip(".")


def _object_problems(value: dict, schema: dict, path: str) -> list[Problem]:
    problems = []
    for name in schema.get("required", []):
        if name not in value:
            where = f"{path}.{name}" if path else name
            problems.append(Problem(where, "required", f"set {where}"))
    properties = schema.get("properties")
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        child_schema = properties.get(key) if properties is not None else additional
        if isinstance(child_schema, dict):
            problems += _check(item, child_schema, f"{path}.{key}" if path else key)
    return problems


def _list_problems(value: list, schema: dict, path: str) -> list[Problem]:
    problems = []
    if "minItems" in schema and len(value) < schema["minItems"]:
        problems.append(Problem(path, f"needs at least {schema['minItems']} item(s)",
                                f"add to {path}"))
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        problems.append(Problem(path, f"ECS allows at most {schema['maxItems']} items",
                                f"remove items from {path}"))
    for index, item in enumerate(value):
        problems += _check(item, schema["items"], f"{path}[{index}]")
    return problems


def _defaulted(value: object, schema: dict) -> object:
    """`value` with the schema's defaults filled in, as the API server does before CEL."""
    if isinstance(value, dict) and "properties" in schema:
        filled = {key: _defaulted(item, schema["properties"].get(key, {}))
                  for key, item in value.items()}
        for key, child in schema["properties"].items():
            if key not in filled and "default" in child:
                filled[key] = child["default"]
        return filled
    if isinstance(value, list) and "items" in schema:
        return [_defaulted(item, schema["items"]) for item in value]
    return value


def _rule_problems(value: object, schema: dict, path: str) -> list[Problem]:
    problems = []
    for rule in schema.get("x-kubernetes-validations", []):
        check = RULE_CHECKS.get(rule["rule"])
        if check is not None and isinstance(value, dict) and not check(value):
            field = path + rule.get("fieldPath", "") if path else \
                rule.get("fieldPath", "").lstrip(".")
            message, _, fix = rule["message"].partition("; ")
            problems.append(Problem(field or path, message.split(": ", 1)[-1],
                                    fix or f"change {field or path}"))
    return problems
