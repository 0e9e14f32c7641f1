"""Errors raised while translating ECS shapes into Kubernetes objects."""

from __future__ import annotations

from pydantic import ValidationError


class TranslationError(ValueError):
    """The spec is invalid and the user must fix it.

    The message starts with the offending field path, e.g.
    ``containerDefinitions[1].dependsOn[0].containerName: no container named "db"``.
    """


class TaskDefinitionNotFound(TranslationError):
    """The referenced family or revision is not registered (yet)."""


class ImportFailure(TranslationError):
    """A document `kubectl ecs import` cannot convert: the ECS field, what is wrong, the fix."""

    def __init__(self, field: str, message: str, fix: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.fix = fix


def field_path(location: tuple) -> str:
    """pydantic's location as an ECS field path: containerDefinitions[0].healthCheck."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe_validation_error(error: ValidationError) -> str:
    return "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in error.errors())
