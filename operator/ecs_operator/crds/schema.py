"""Small builders for structural OpenAPI v3 schemas, so the CRDs read like ECS's field reference."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


# family, family:revision, or the ECS task definition ARN ending in family:revision.
TASK_DEFINITION_REFERENCE = (r"^(arn:[a-z0-9-]+:ecs:[a-z0-9-]*:[0-9]*:task-definition/)?"
                             r"[a-zA-Z0-9_-]{1,255}(:[1-9][0-9]*)?$")


def string(description: str, *, enum: list[str] | None = None, pattern: str | None = None,
           max_length: int | None = None, default: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "description": description}
    if enum:
        schema["enum"] = enum
    if pattern:
        schema["pattern"] = pattern
    if max_length is not None:
        schema["maxLength"] = max_length
    if default is not None:
        schema["default"] = default
    return schema


def _bounded(kind: str, description: str, minimum: float | None, maximum: float | None,
             default: object = None) -> Schema:
    schema: Schema = {"type": kind, "description": description}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if default is not None:
        schema["default"] = default
    return schema


def integer(description: str, *, minimum: int | None = None, maximum: int | None = None,
            default: int | None = None) -> Schema:
    return _bounded("integer", description, minimum, maximum, default)


def number(description: str, *, minimum: float | None = None,
           maximum: float | None = None) -> Schema:
    return _bounded("number", description, minimum, maximum)


def boolean(description: str, *, default: bool | None = None) -> Schema:
    schema: Schema = {"type": "boolean", "description": description}
    if default is not None:
        schema["default"] = default
    return schema


def int_or_string(description: str) -> Schema:
    return {"x-kubernetes-int-or-string": True, "description": description}


def array(description: str, items: Schema, *, min_items: int | None = None,
          max_items: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "description": description, "items": items}
    if min_items is not None:
        schema["minItems"] = min_items
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


def strings(description: str) -> Schema:
    return array(description, {"type": "string"})


def obj(description: str, properties: dict[str, Schema] | None = None, *,
        required: list[str] | None = None, rules: list[tuple[str, ...]] | None = None) -> Schema:
    """`rules`: (CEL rule, message) or (CEL rule, message, fieldPath), so that the API server
    names the field (`spec.containerDefinitions: Invalid value: ...`), not the object."""
    schema: Schema = {"type": "object", "description": description}
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    if rules:
        schema["x-kubernetes-validations"] = [_rule(*rule) for rule in rules]
    return schema


def _rule(rule: str, message: str, field_path: str | None = None) -> Schema:
    entry: Schema = {"rule": rule, "message": message}
    if field_path:
        entry["fieldPath"] = field_path
    return entry


def free_form(description: str) -> Schema:
    """An ECS object the operator passes through or reports, without modelling its fields."""
    return {"type": "object", "description": description,
            "x-kubernetes-preserve-unknown-fields": True}


def string_map(description: str) -> Schema:
    return {"type": "object", "description": description,
            "additionalProperties": {"type": "string"}}


def key_value_pairs(description: str) -> Schema:
    return array(description, obj("A name and value pair.", {
        "name": string("The name of the key-value pair."),
        "value": string("The value of the key-value pair."),
    }))


def tags() -> Schema:
    return array("Metadata tags; kept on the resource for reference.", obj("A tag.", {
        "key": string("The tag key."),
        "value": string("The tag value."),
    }))


def condition() -> Schema:
    return obj("A Kubernetes-style condition.", {
        "type": string("Condition type, e.g. Available, Progressing, Valid."),
        "status": string("True, False or Unknown.", enum=["True", "False", "Unknown"]),
        "reason": string("One-word CamelCase reason."),
        "message": string("Human-readable detail."),
        "observedGeneration": integer("The .metadata.generation this condition was computed from."),
        "lastTransitionTime": {"type": "string", "format": "date-time",
                               "description": "When the status last changed."},
    }, required=["type", "status"])


def nullable_fields(schema: Schema, *, keep: tuple[str, ...] = ()) -> Schema:
    """A copy of `schema` in which every field may be `null`, as ECS reads null: absent.

    Console exports and describe output carry `"entryPoint": null`; without `nullable` the API
    server refuses such a manifest on create and client-side apply (server-side apply drops
    the nulls itself). CEL rules see a null field as absent (`has()` is false), and the
    models read it as absent. Enum fields stay non-nullable: the API server (v1.35) refuses
    null for an enum even when the enum lists null. Array items stay non-nullable: ECS has no
    meaning for `[null]`. `keep` names top-level fields that must stay non-nullable (the scale
    subresource's replicas path). `kubectl ecs import` drops every null itself.
    """
    copied = dict(schema)
    if "properties" in schema:
        copied["properties"] = {
            name: child if name in keep else nullable_fields(child) if "enum" in child
            else {**nullable_fields(child), "nullable": True}
            for name, child in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        copied["items"] = nullable_fields(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        copied["additionalProperties"] = nullable_fields(schema["additionalProperties"])
    return copied

